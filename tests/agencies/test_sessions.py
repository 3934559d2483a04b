"""Sessions: idle and absolute timeouts, sign-out everywhere on a password change, and the
previous sign-in on the home page."""

import time

import pytest
from django.test import Client

from agencies.middleware import LAST_SEEN, SIGNED_IN_AT
from tests.factories import staff_user

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


def age_session(client, **seconds_ago):
    session = client.session
    for key, ago in seconds_ago.items():
        session[key] = time.time() - ago
    session.save()


def test_an_idle_session_ends(client):
    client.force_login(staff_user())
    assert client.get("/").status_code == 200
    age_session(client, **{LAST_SEEN: 31 * 60})
    answer = client.get("/", follow=True)
    assert answer.redirect_chain[-1][0].startswith("/sign-in/")
    assert "signed out after 30 minutes without activity" in answer.content.decode()
    assert client.get("/api/v1/agencies/").status_code in (401, 403)


def test_an_active_session_lasts(client):
    client.force_login(staff_user())
    age_session(client, **{LAST_SEEN: 29 * 60})
    assert client.get("/").status_code == 200
    assert client.get("/").status_code == 200


def test_a_session_ends_eight_hours_after_sign_in_however_active(client):
    client.force_login(staff_user())
    age_session(client, **{SIGNED_IN_AT: 8 * 3600 + 60, LAST_SEEN: 10})
    answer = client.get("/", follow=True)
    assert answer.redirect_chain[-1][0].startswith("/sign-in/")
    assert "signed in more than 8 hours ago" in answer.content.decode()


def test_a_password_change_signs_out_every_session(client):
    user = staff_user()
    elsewhere = Client()
    client.force_login(user)
    elsewhere.force_login(user)
    user.set_password("a different synthetic passphrase")
    user.save()
    assert client.get("/").status_code == 302
    assert elsewhere.get("/").status_code == 302


def test_home_shows_the_time_and_address_of_the_previous_sign_in(client):
    user = staff_user()
    credentials = {"username": user.username, "password": PASSWORD}
    assert client.post("/sign-in/", credentials, REMOTE_ADDR="192.0.2.7").status_code == 302
    assert "This is your first sign-in." in client.get("/").content.decode()
    client.post("/sign-out/")
    client.post("/sign-in/", credentials, REMOTE_ADDR="198.51.100.9")
    home = client.get("/").content.decode()
    assert "from 192.0.2.7" in home
    assert "198.51.100.9" not in home
