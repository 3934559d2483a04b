"""The Celery side: the check is queued after commit (never after a rollback), recording
still succeeds when the broker is down, tasks are quiet when their object is gone, and the
nightly rescan is scheduled."""

import pytest
from django.conf import settings
from django.db import transaction
from kombu.exceptions import OperationalError

from config.celery import app
from core import outbox
from core.models import OutboxMessage
from duplicates import tasks
from duplicates.models import DuplicateFlag
from journeys.models import Assessment
from tests.factories import PersonFactory
from tests.journeys.helpers import kind, questions, record


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
def test_no_check_is_queued_after_a_rollback(django_capture_on_commit_callbacks):
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
    assert OutboxMessage.objects.count() == 0
    assert Assessment.objects.count() == 0


def _checks_queued(assessment):
    return OutboxMessage.objects.filter(
        task_name="journeys.check_assessment_duplicates", kwargs={"assessment_id": assessment.pk}
    )


@pytest.mark.django_db(transaction=True)
def test_with_real_commits_the_flag_appears_and_a_rollback_queues_nothing():
    bank = questions(6)
    person = PersonFactory()
    record(kind(bank), person=person, days_ago=30)
    second = record(kind(bank), person=person, days_ago=1)
    assert DuplicateFlag.objects.filter(later=second).count() == 1

    with pytest.raises(RuntimeError), transaction.atomic():
        record(kind(bank), person=person, days_ago=2)
        raise RuntimeError("rolled back")
    assert OutboxMessage.objects.count() == 2
    committed = record(kind(bank), person=person, days_ago=3)
    assert _checks_queued(committed).get().sent_at is not None


@pytest.mark.django_db(transaction=True)
def test_recording_succeeds_when_the_broker_is_down_and_the_check_runs_when_it_is_back(monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting: Connection refused.")

    bank = questions(6)
    person = PersonFactory()
    record(kind(bank), person=person, days_ago=30)
    with monkeypatch.context() as broker_down:
        broker_down.setitem(app.conf, "task_always_eager", False)
        broker_down.setattr(tasks.check_assessment_duplicates, "apply_async", refuse)
        # The process's relay thread, run in line.
        broker_down.setattr(outbox._relayer, "submit", lambda pk: outbox.outbox_relay(ids=[pk]))
        assessment = record(kind(bank), person=person, days_ago=1)
    assert Assessment.objects.filter(pk=assessment.pk).exists()
    waiting = _checks_queued(assessment).get()
    assert (waiting.sent_at, waiting.attempts) == (None, 1)
    assert "Connection refused" in waiting.last_error
    assert not DuplicateFlag.objects.filter(later=assessment).exists()

    assert outbox.outbox_sweep() == 1  # the broker is back
    assert DuplicateFlag.objects.filter(later=assessment).count() == 1
    assert outbox.outbox_sweep() == 0


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
