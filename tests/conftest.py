"""Shared fixtures: API clients signed in as a given user."""

import pytest
from rest_framework.test import APIClient


@pytest.fixture
def api():
    """An API client; `api.as_user(user)` signs it in with a token-free forced login."""
    client = APIClient()

    def as_user(user):
        client.force_authenticate(user=user)
        return client

    client.as_user = as_user
    return client


@pytest.fixture(autouse=True)
def _celery_in_process(request):
    """Tasks run in-process, as on the embedded default, except in tests marked `worker`,
    which exercise the real broker and worker of the PostgreSQL stage of .ci/run."""
    if request.node.get_closest_marker("worker"):
        yield
        return
    from config.celery import app

    was = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = was


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Hashing with production strength costs a second a user; tests need no such strength."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _plain_static(settings):
    """Pages render in tests without a collectstatic manifest."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
