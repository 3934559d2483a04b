"""The home page for each role, and the health check."""

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from config.celery import app as celery_app
from consent.policy import viewer_for
from journeys.selectors import families_visible


@login_required
def home(request):
    viewer = viewer_for(request.user)
    if viewer.is_citizen:
        # Citizens land on their own portal, never on a staff home.
        from consent.portal_views import home as portal_home

        return portal_home(request)
    context = {"viewer": viewer}
    if viewer.is_advocate:
        context["families"] = families_visible(user=request.user)
    return render(request, "agencies/home.html", context)


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:
        return False


def _broker_ok() -> bool:
    if celery_app.conf.task_always_eager:
        return True
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:
        return False


@never_cache
def healthz(request):
    """200 when the database and the broker answer, 503 when either does not."""
    checks = {"database": _database_ok(), "broker": _broker_ok()}
    status = 200 if all(checks.values()) else 503
    body = {name: "ok" if ok else "unavailable" for name, ok in checks.items()}
    body["broker_mode"] = "eager" if celery_app.conf.task_always_eager else "worker"
    return JsonResponse(body, status=status)
