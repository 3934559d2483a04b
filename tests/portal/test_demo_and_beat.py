"""The daily reminder is scheduled (what the demo citizen sees: tests/devdata/test_demo.py)."""

import pytest
from django.conf import settings

from config.celery import app

pytestmark = pytest.mark.django_db


def test_the_expiry_reminder_is_a_registered_task_on_the_beat_schedule():
    import portal.tasks  # noqa: F401 (registers the tasks)

    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "consent.send_expiry_reminders" in tasks
    assert "consent.send_expiry_reminders" in app.tasks
    assert "consent.build_data_export" in app.tasks
