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
    if request.node.get_closest_marker("worker") or request.node.get_closest_marker("faults"):
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


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, request):
    """`make test` builds its tables from the models (`--no-migrations`: a tenth of the time of
    running every migration on each worker); the PostgreSQL stage of `.ci/run` migrates. The one
    row a migration makes for every database, the access log's head, is made here instead."""
    if request.config.getoption("nomigrations"):
        from consent.access_log import GENESIS
        from consent.models import AccessLogHead

        with django_db_blocker.unblock():
            AccessLogHead.objects.get_or_create(pk=1, defaults={"last_hash": GENESIS})


@pytest.fixture(autouse=True)
def _migrations_needed(request):
    """Tests marked `migrations` run the project's migrations themselves; without migrations
    (`make test`) there are none to run, so they run in the PostgreSQL stage of `.ci/run`."""
    if request.node.get_closest_marker("migrations") and request.config.getoption("nomigrations"):
        pytest.skip("runs the migrations: the PostgreSQL stage of .ci/run, which migrates")
