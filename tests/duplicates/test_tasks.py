"""The Celery side: the check is queued after commit (never after a rollback), recording
still succeeds when the broker is down, tasks are quiet when their object is gone, and the
nightly rescan is scheduled."""

import logging

import pytest
from django.conf import settings
from django.db import transaction
from kombu.exceptions import OperationalError

from config.celery import app
from duplicates import tasks
from duplicates.models import DuplicateFlag
from journeys.models import Assessment
from tests.duplicates.helpers import kind, questions, record
from tests.factories import PersonFactory


@pytest.mark.django_db
def test_the_check_runs_after_commit_and_flags_the_duplicate(django_capture_on_commit_callbacks):
    bank = questions(6)
    person = PersonFactory()
    record(kind(bank), person=person, days_ago=30)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        record(kind(bank), person=person, days_ago=1)
    # Nothing is checked while the transaction is open.
    assert DuplicateFlag.objects.count() == 0
    assert len(callbacks) == 1
    callbacks[0]()
    assert DuplicateFlag.objects.count() == 1


@pytest.mark.django_db
def test_no_check_is_queued_after_a_rollback(django_capture_on_commit_callbacks, monkeypatch):
    queued = []
    monkeypatch.setattr(tasks.check_assessment_duplicates, "delay", queued.append)
    bank = questions(6)
    person = PersonFactory()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                record(kind(bank), person=person, days_ago=1)
                raise RuntimeError("something after the assessment failed")
        except RuntimeError:
            pass
    assert callbacks == []
    assert queued == []
    assert Assessment.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_with_real_commits_the_flag_appears_and_a_rollback_queues_nothing(monkeypatch):
    bank = questions(6)
    person = PersonFactory()
    record(kind(bank), person=person, days_ago=30)
    second = record(kind(bank), person=person, days_ago=1)
    assert DuplicateFlag.objects.filter(later=second).count() == 1

    queued = []
    monkeypatch.setattr(tasks.check_assessment_duplicates, "delay", queued.append)
    with pytest.raises(RuntimeError), transaction.atomic():
        record(kind(bank), person=person, days_ago=2)
        raise RuntimeError("rolled back")
    assert queued == []
    committed = record(kind(bank), person=person, days_ago=3)
    assert queued == [committed.pk]


@pytest.mark.django_db(transaction=True)
def test_recording_succeeds_when_the_broker_is_down(monkeypatch, caplog):
    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting: Connection refused.")

    monkeypatch.setattr(tasks.check_assessment_duplicates, "delay", refuse)
    person = PersonFactory()
    with caplog.at_level(logging.WARNING, logger="duplicates.tasks"):
        assessment = record(kind(questions(6)), person=person, days_ago=1)
    assert Assessment.objects.filter(pk=assessment.pk).exists()
    assert "Could not queue the duplicate check" in caplog.text


@pytest.mark.django_db
def test_the_check_task_is_quiet_when_the_assessment_is_gone():
    assert tasks.check_assessment_duplicates.apply(args=[424242]).get() is None


@pytest.mark.django_db
def test_the_rescan_task_reports_what_it_did():
    bank = questions(6)
    person = PersonFactory()
    record(kind(bank), person=person, days_ago=30)
    record(kind(bank), person=person, days_ago=1)
    result = tasks.rescan_duplicates.apply(kwargs={"chunk_size": 1}).get()
    assert result["people"] == 1
    assert result["created"] == 1


def test_tasks_have_stable_names_and_retry_only_on_transient_errors():
    check = app.tasks["journeys.check_assessment_duplicates"]
    rescan = app.tasks["journeys.rescan_duplicates"]
    for task in (check, rescan):
        assert task.acks_late is True
        assert {e.__name__ for e in task.autoretry_for} == {"OperationalError"}


def test_the_rescan_runs_nightly_at_half_past_two():
    entry = next(
        e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "journeys.rescan_duplicates"
    )
    assert entry["schedule"].hour == {2}
    assert entry["schedule"].minute == {30}
