"""Invitations: staff invite a person by email; the link sets a password once, then expires."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from consent.models import Invitation

pytestmark = pytest.mark.django_db


@pytest.fixture
def invite(client, django_capture_on_commit_callbacks):
    """Staff send an invitation through the page; its email goes out once committed."""

    def send(staff, person, email="daniel@example.invalid"):
        client.force_login(staff)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("portal_staff:invite", args=[person.pk]), {"email": email})
        client.logout()
        return response

    return send


def _link_path(message) -> str:
    return re.search(r"https?://[^/\s]+(/my/join/[^\s]+/)", message.body).group(1)


def test_an_invited_person_sets_a_password_once_and_lands_on_their_portal(client, world, invite):
    response = invite(world.social_worker, world.daniel)
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["daniel@example.invalid"]
    path = _link_path(mail.outbox[0])

    page = client.get(path)
    assert page.status_code == 200
    assert "Set your password" in page.content.decode()
    done = client.post(
        path, {"password": "blue kettle on a hill", "password_again": "blue kettle on a hill"}, follow=True
    )
    assert done.request["PATH_INFO"] == reverse("portal:home")
    assert "Hello Daniel" in done.content.decode()

    # The same link a second time: it does not work, and nothing changes.
    client.logout()
    again = client.post(path, {"password": "another password 123", "password_again": "another password 123"})
    assert again.status_code == 410
    assert "does not work any more" in again.content.decode()
    signed_in = client.post(
        reverse("login"),
        {"username": "daniel@example.invalid", "password": "blue kettle on a hill"},
        follow=True,
    )
    assert "Hello Daniel" in signed_in.content.decode()


def test_an_expired_link_does_not_work(client, world, invite):
    invite(world.social_worker, world.daniel)
    path = _link_path(mail.outbox[0])
    past = timezone.now() - timedelta(minutes=1)
    Invitation.objects.update(created_at=past - timedelta(days=7), expires_at=past)
    assert client.get(path).status_code == 410
    response = client.post(
        path, {"password": "blue kettle on a hill", "password_again": "blue kettle on a hill"}
    )
    assert response.status_code == 410
    world.daniel.refresh_from_db()
    assert world.daniel.user_id is None


def test_a_new_invitation_replaces_the_old_link(client, world, invite):
    invite(world.social_worker, world.daniel)
    invite(world.social_worker, world.daniel)
    first, second = (_link_path(m) for m in mail.outbox)
    assert client.get(first).status_code == 410
    assert client.get(second).status_code == 200


def test_a_weak_or_mismatched_password_shows_the_error_summary_and_keeps_the_link(client, world, invite):
    invite(world.social_worker, world.daniel)
    path = _link_path(mail.outbox[0])
    weak = client.post(path, {"password": "password", "password_again": "password"})
    assert "There is a problem" in weak.content.decode()
    assert "too common" in weak.content.decode()
    mismatch = client.post(path, {"password": "blue kettle on a hill", "password_again": "blue kettle"})
    assert "The passwords do not match" in mismatch.content.decode()
    assert client.get(path).status_code == 200  # still usable
    world.daniel.refresh_from_db()
    assert world.daniel.user_id is None


def test_staff_cannot_invite_a_child_someone_with_an_account_or_a_bad_email(client, world):
    client.force_login(world.social_worker)
    child = client.post(
        reverse("portal_staff:invite", args=[world.liam.pk]), {"email": "liam@example.invalid"}
    )
    assert "Invite a parent with parental responsibility instead" in child.content.decode()
    has_account = client.post(
        reverse("portal_staff:invite", args=[world.jade.pk]), {"email": "j@example.invalid"}
    )
    assert "already has an account" in has_account.content.decode()
    bad = client.post(reverse("portal_staff:invite", args=[world.daniel.pk]), {"email": "not an email"})
    assert "Enter an email address in the correct format" in bad.content.decode()
    assert mail.outbox == [] and not Invitation.objects.exists()


def test_staff_cannot_invite_someone_their_agency_does_not_know(client, world):
    from tests.factories import AgencyFactory, staff_user

    stranger = staff_user(AgencyFactory(code="housing"))
    client.force_login(stranger)
    assert client.get(reverse("portal_staff:invite", args=[world.daniel.pk])).status_code == 404
    assert (
        client.post(
            reverse("portal_staff:invite", args=[world.daniel.pk]), {"email": "d@example.invalid"}
        ).status_code
        == 404
    )


def test_repeated_failed_sign_ins_lock_a_citizen_out(client, world, settings):
    world.jade_user.set_password("the right password 42")
    world.jade_user.save()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": world.jade_user.username, "password": "wrong"})
    locked = client.post(
        reverse("login"), {"username": world.jade_user.username, "password": "the right password 42"}
    )
    assert locked.status_code == 429
    assert "You tried to sign in too many times" in locked.content.decode()


def test_a_citizen_signs_in_to_their_portal_not_a_staff_home(client, world):
    world.jade_user.set_password("the right password 42")
    world.jade_user.save()
    response = client.post(
        reverse("login"),
        {"username": world.jade_user.username, "password": "the right password 42"},
        follow=True,
    )
    body = response.content.decode()
    assert "This is your Joined Up record" in body
    assert "Find a person" not in body
