"""Personal API tokens: the auth/token/ contract, a new token each sign-in, stored hashed,
expiring, and ended by a password change."""

from datetime import timedelta

import pytest
from django.utils import timezone
from knox.models import AuthToken

from tests.factories import staff_user

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


def sign_in(api, user):
    answer = api.post("/api/v1/auth/token/", {"username": user.username, "password": PASSWORD}, format="json")
    assert answer.status_code == 200
    return answer.json()["token"]


def agencies_status(api, token):
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return api.get("/api/v1/agencies/").status_code


def test_each_sign_in_issues_a_new_hashed_token_that_expires_within_a_working_day(api):
    user = staff_user()
    first, second = sign_in(api, user), sign_in(api, user)
    assert first != second
    stored = AuthToken.objects.filter(user=user)
    assert stored.count() == 2
    assert not stored.filter(digest__in=[first, second]).exists()
    assert all(t.expiry <= timezone.now() + timedelta(hours=8) for t in stored)
    assert agencies_status(api, second) == 200


def test_an_expired_personal_token_gets_401(api):
    user = staff_user()
    token = sign_in(api, user)
    AuthToken.objects.filter(user=user).update(expiry=timezone.now() - timedelta(seconds=1))
    assert agencies_status(api, token) == 401


def test_a_token_does_not_survive_a_password_change(api):
    user = staff_user()
    token = sign_in(api, user)
    user.set_password("a different synthetic passphrase")
    user.save()
    assert agencies_status(api, token) == 401
    assert not AuthToken.objects.filter(user=user).exists()


def test_saving_a_user_without_a_new_password_keeps_their_tokens(api):
    user = staff_user()
    token = sign_in(api, user)
    user.first_name = "Renamed"
    user.save()
    assert agencies_status(api, token) == 200
