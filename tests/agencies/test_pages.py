"""Sign-in, each role's home page, and the health check."""

import pytest
from django.core.management import call_command
from django.urls import reverse

pytestmark = pytest.mark.django_db

ROLES = [
    "police",
    "socialcare",
    "healthvisitor",
    "gp",
    "school",
    "housing",
    "jobcentre",
    "advocate",
    "manager",
    "citizen",
    "admin",
]


@pytest.fixture
def demo(settings):
    settings.DEMO_PASSWORD = "synthetic-demo-pass"
    call_command("seed_demo")


def test_each_demo_sign_in_reaches_its_home_page(client, demo):
    for username in ROLES:
        response = client.post(
            reverse("login"), {"username": username, "password": "synthetic-demo-pass"}, follow=True
        )
        assert response.status_code == 200, username
        assert response.request["PATH_INFO"] == "/", username
        assert b"Sign out" in response.content, username
        client.post(reverse("logout"))


def test_wrong_password_shows_the_error_summary(client, demo):
    response = client.post(reverse("login"), {"username": "police", "password": "wrong"})
    assert response.status_code == 200
    assert b"There is a problem" in response.content
    assert b"Enter a correct username and password" in response.content


def test_pages_need_sign_in(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_healthz_reports_database_and_broker(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


def test_healthz_is_503_when_the_broker_is_down(client, monkeypatch):
    from kombu import Connection

    from config.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", False)
    monkeypatch.setattr(app, "connection_for_write", lambda: Connection("redis://127.0.0.1:1/0"))
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"] == "unavailable"
