"""Issue 14: /healthz answers fast when a part hangs, and a nightly run that beat could not
send is caught up."""

import socket
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from kombu import Connection

from config.celery import app
from core import runs
from core.models import OutboxMessage, ScheduledRun
from duplicates.models import DuplicateFlag
from tests.factories import PersonFactory
from tests.journeys.helpers import kind, questions, record

RESCAN = "journeys.rescan_duplicates"


@pytest.fixture
def silent_port():
    """A port that accepts connections (the kernel does) and never answers: a hung Redis."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    yield listener.getsockname()[1]
    listener.close()


@pytest.mark.django_db
def test_healthz_is_a_fast_503_naming_the_broker_when_redis_hangs(client, monkeypatch, silent_port):
    monkeypatch.setitem(app.conf, "task_always_eager", False)
    monkeypatch.setattr(app, "connection_for_write", lambda: Connection(f"redis://127.0.0.1:{silent_port}/0"))
    started = time.monotonic()
    response = client.get("/healthz")
    assert time.monotonic() - started < 2
    assert response.status_code == 503
    assert response.json()["database"] == "ok"
    assert response.json()["broker"] in ("timed out", "unavailable")


def _run(*, hours_ago: float, finished: bool = True):
    run = runs.run_started(task_name=RESCAN)
    ScheduledRun.objects.filter(pk=run.pk).update(
        started_at=timezone.now() - timedelta(hours=hours_ago),
        finished_at=timezone.now() - timedelta(hours=hours_ago) if finished else None,
    )


@pytest.mark.django_db(transaction=True)  # the outbox sends on commit
def test_a_missed_nightly_rescan_is_caught_up_once():
    bank = questions(6)
    person = PersonFactory()
    record(kind(bank), person=person, days_ago=30)
    later = record(kind(bank), person=person, days_ago=1)
    DuplicateFlag.objects.all().delete()  # the check was lost with the broker
    _run(hours_ago=26)  # last night's run did not happen (Redis was down at 02:30)
    assert runs.scheduled_runs_catch_up() == [RESCAN]
    assert DuplicateFlag.objects.filter(later=later).count() == 1
    assert runs.last_finished(task_name=RESCAN).summary["created"] == 1
    assert runs.scheduled_runs_catch_up() == []
    assert OutboxMessage.objects.filter(task_name=RESCAN).count() == 1


@pytest.mark.django_db
def test_no_catch_up_while_the_night_is_fresh_or_a_rescan_is_running():
    _run(hours_ago=20)
    assert runs.scheduled_runs_catch_up() == []
    ScheduledRun.objects.all().delete()
    _run(hours_ago=40)
    _run(hours_ago=0.1, finished=False)  # started a few minutes ago, still going
    assert runs.scheduled_runs_catch_up() == []


@pytest.mark.django_db
def test_a_rescan_that_keeps_killing_its_worker_is_given_up():
    for _ in range(runs.MOST_STARTS):
        assert runs.run_started(task_name=RESCAN, task_id="t-1") is not None
    assert runs.run_started(task_name=RESCAN, task_id="t-1") is None


def test_every_task_has_time_limits_below_the_visibility_timeout():
    """Issue 14: a task that hangs is stopped, and a dead worker's task is delivered again
    only once it cannot still be running elsewhere."""
    app.loader.import_default_modules()
    ours = [task for name, task in app.tasks.items() if not name.startswith("celery.")]
    assert {"journeys.rescan_duplicates", "consent.build_data_export", "core.relay_outbox"} <= {
        task.name for task in ours
    }
    visibility = app.conf.broker_transport_options["visibility_timeout"]
    for task in ours:
        soft = task.soft_time_limit or app.conf.task_soft_time_limit
        hard = task.time_limit or app.conf.task_time_limit
        assert soft and hard and soft < hard < visibility, task.name
        assert task.acks_late, task.name
