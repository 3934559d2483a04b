"""Project configuration; importing it loads Celery so that shared tasks bind to our app."""

from .celery import app as celery_app

__all__ = ("celery_app",)
