"""Throttles and lockout behind a proxy: the client address is the socket's unless
TRUSTED_PROXIES says otherwise, and lockout also counts one username across addresses."""

import pytest
from django.core.cache import cache
from django.test import RequestFactory

from agencies.api_auth import client_address
from tests.factories import staff_user

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()
    yield
    cache.clear()


def token_attempts(client, n, **headers):
    return [
        client.post(
            "/api/v1/auth/token/",
            {"username": f"nobody{i}", "password": "wrong"},
            content_type="application/json",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{i}",
            **headers,
        ).status_code
        for i in range(n)
    ]


def test_a_forged_x_forwarded_for_does_not_lift_the_throttle(client):
    codes = token_attempts(client, 30)
    assert codes.count(429) >= 10


def test_with_a_trusted_proxy_the_address_it_saw_is_the_client(client, settings):
    settings.TRUSTED_PROXIES = 1
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    assert 429 not in token_attempts(client, 30)


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "203.0.113.9", "10.0.0.1"),
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # the client's own claim comes first
        (2, "6.6.6.6, 203.0.113.9, 10.0.0.2", "203.0.113.9"),
        (1, "", "10.0.0.1"),
    ],
)
def test_client_address(settings, proxies, forwarded, expected):
    settings.TRUSTED_PROXIES = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected


def sign_in(client, user, password, address, **headers):
    return client.post(
        "/sign-in/", {"username": user.username, "password": password}, REMOTE_ADDR=address, **headers
    )


def test_repeated_failures_from_one_address_lock_it_but_not_the_user_elsewhere(client, settings):
    user = staff_user()
    for i in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, user, "wrong", "192.0.2.1", HTTP_X_FORWARDED_FOR=f"203.0.113.{i}")
    locked = sign_in(client, user, PASSWORD, "192.0.2.1", HTTP_X_FORWARDED_FOR="203.0.113.200")
    assert locked.status_code == 429
    assert "You tried to sign in too many times" in locked.content.decode()
    assert sign_in(client, user, PASSWORD, "198.51.100.1").status_code == 302


def test_failures_of_one_username_across_addresses_lock_it_everywhere(client, settings):
    assert settings.AXES_USERNAME_FAILURE_LIMIT == 20
    user = staff_user()
    codes = [sign_in(client, user, "wrong", f"192.0.2.{i}").status_code for i in range(20)]
    assert codes == [200] * 19 + [429]  # below each address's limit, at the username's
    locked = sign_in(client, user, PASSWORD, "198.51.100.1")
    assert locked.status_code == 429
    assert "paused for 60 minutes" in locked.content.decode()
    other = staff_user()
    assert sign_in(client, other, PASSWORD, "198.51.100.1").status_code == 302
