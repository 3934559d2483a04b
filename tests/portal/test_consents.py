"""My consents: give, change scope, stop (effective on the staff's next request), receipts,
and the reminder email 30 days before a consent ends, with a link to renew it."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from consent.models import ConsentGrant, Method
from portal import services as portal_services
from portal.models import ConsentReminder
from portal.tasks import send_expiry_reminders
from tests.factories import ConsentGrantFactory

pytestmark = pytest.mark.django_db


def _staff_sees(api, staff, person) -> set[str]:
    record = api.as_user(staff).get(f"/api/v1/persons/{person.pk}/record/").json()
    return {c["summary"] for c in record["contacts"]}


def test_the_consents_page_explains_each_agency_in_plain_words(client, world):
    client.force_login(world.jade_user)
    body = client.get(reverse("portal:consents")).content.decode()
    assert "Children&#x27;s Social Care" in body
    assert "Sharing" in body and "Not sharing" in body
    assert "Social workers can see the help you already get" in body
    assert "School can understand what is happening at home" in body


def test_give_change_and_stop_sharing_take_effect_on_the_next_staff_request(client, api, world):
    client.force_login(world.jade_user)
    assert "JADE-POLICE-CONTACT" not in _staff_sees(api, world.school_staff, world.jade)

    url = reverse("portal:consent_choose", args=[world.jade.pk, world.school.pk])
    response = client.post(url, {"categories": ["contacts", "notes"]}, follow=True)
    assert "Hillside Primary School can now see what you chose" in response.content.decode()
    grant = ConsentGrant.objects.get(subject=world.jade, agency=world.school, revoked_at__isnull=True)
    assert grant.method == Method.PORTAL and grant.given_by == world.jade
    assert grant.labels == ["general"]
    assert "JADE-POLICE-CONTACT" in _staff_sees(api, world.school_staff, world.jade)

    # Change: add a private topic; the old grant is replaced, not edited.
    client.post(url, {"categories": ["contacts"], "labels": ["mental_health"]})
    current = ConsentGrant.objects.get(subject=world.jade, agency=world.school, revoked_at__isnull=True)
    assert current.pk != grant.pk and current.labels == ["general", "mental_health"]

    stop = client.post(reverse("portal:consent_stop", args=[current.pk]), {"reason": ""}, follow=True)
    body = stop.content.decode()
    assert "can no longer see your record" in body
    assert f"Receipt number C{current.pk}" in body
    assert "JADE-POLICE-CONTACT" not in _staff_sees(api, world.school_staff, world.jade)
    assert "JADE-SCHOOL-CONTACT" in _staff_sees(api, world.school_staff, world.jade)  # their own

    receipts = client.get(reverse("portal:consents")).content.decode()
    assert receipts.count("Hillside Primary School, ") == 2


def test_choosing_nothing_shows_the_error_summary_and_saves_nothing(client, world):
    client.force_login(world.jade_user)
    response = client.post(reverse("portal:consent_choose", args=[world.jade.pk, world.school.pk]), {})
    assert "There is a problem" in response.content.decode()
    assert "Choose at least one thing they may see" in response.content.decode()
    assert not ConsentGrant.objects.filter(agency=world.school).exists()


def test_a_parent_gives_consent_for_their_child(client, world):
    client.force_login(world.jade_user)
    client.post(
        reverse("portal:consent_choose", args=[world.liam.pk, world.police.pk]), {"categories": ["contacts"]}
    )
    grant = ConsentGrant.objects.get(subject=world.liam)
    assert grant.given_by == world.jade and grant.agency == world.police


def test_one_reminder_email_before_a_consent_ends_with_a_link_to_renew(
    client, world, django_capture_on_commit_callbacks
):
    world.jade.email = "jade@example.invalid"
    world.jade.save()
    ending = ConsentGrantFactory(
        subject=world.jade, agency=world.school, expires_at=timezone.now() + timedelta(days=20)
    )
    ConsentGrantFactory(
        subject=world.jade, agency=world.police, expires_at=timezone.now() + timedelta(days=90)
    )
    # The task body, as the worker runs it (the test's data is not committed for a real worker).
    with django_capture_on_commit_callbacks(execute=True):
        assert send_expiry_reminders() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert send_expiry_reminders() == 0  # safe to run twice
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["jade@example.invalid"]
    assert "Hillside Primary School will stop seeing your record" in message.subject
    path = re.search(r"https?://[^/\s]+(/my/[^\s]+)", message.body).group(1)

    client.force_login(world.jade_user)
    assert "Keep sharing with Hillside Primary School?" in client.get(path).content.decode()
    client.post(path)
    renewed = ConsentGrant.objects.get(replaces=ending)
    assert renewed.expires_at > timezone.now() + timedelta(days=300)
    assert set(renewed.categories) == set(ending.categories)
    ending.refresh_from_db()
    assert ending.revoked_at is not None
    again = client.post(path)
    assert "withdrawn or renewed already" in again.content.decode()
    assert ConsentGrant.objects.filter(agency=world.school).count() == 2
    assert ConsentReminder.objects.count() == 1


def test_renewing_someone_elses_consent_is_refused(world):
    theirs = ConsentGrantFactory(subject=world.grace, agency=world.school)
    with pytest.raises(Exception) as raised:
        portal_services.consent_renew(grant=theirs, actor=world.jade_user)
    assert raised.type.__name__ == "PermissionDenied"
