"""The demo shows the portal's features to the citizen sign-in; the daily reminder is scheduled."""

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from config.celery import app

pytestmark = pytest.mark.django_db


def test_the_expiry_reminder_is_a_registered_task_on_the_beat_schedule():
    import portal.tasks  # noqa: F401 (registers the tasks)

    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "consent.send_expiry_reminders" in tasks
    assert "consent.send_expiry_reminders" in app.tasks
    assert "consent.build_data_export" in app.tasks


def test_the_demo_citizen_sees_a_kept_back_record_and_a_consent_ending_soon(client, settings):
    settings.DEMO_PASSWORD = "synthetic-demo-pass"
    call_command("seed_demo", verbosity=0)
    client.force_login(get_user_model().objects.get(username="citizen"))
    journey = client.get(reverse("portal:journey")).content.decode()
    assert "An agency has kept back 1 record" in journey
    assert "kept back to protect the caller" not in journey
    consents = client.get(reverse("portal:consents")).content.decode()
    assert "Jobcentre Plus" in consents
    from portal.services import consent_reminders_send

    assert consent_reminders_send() == 1
