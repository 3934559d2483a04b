"""Issue 14: a rescan behind a held lock gives up after the lock timeout and tries again
(instead of waiting as long as the lock is held), and a rescan whose worker keeps dying is
given up instead of being delivered for ever."""

import threading
import time
from contextlib import contextmanager

import pytest
from django.db import OperationalError, connection, transaction
from django.urls import reverse

from agencies.models import Role
from config.celery import app
from core import runs
from core.models import ScheduledRun
from duplicates import services
from duplicates.models import DuplicateFlag
from duplicates.tasks import RESCAN, rescan_duplicates
from tests.factories import AgencyFactory, PersonFactory, staff_user
from tests.journeys.helpers import kind, questions, record

LOCK_SECONDS = 0.3
HELD_UP = "5b0d9a3e-1c2f-4e6a-8b7d-0a1b2c3d4e5f"
KILLER = "9c8e7f6a-5b4d-4c3e-a2f1-0e9d8c7b6a5f"


@contextmanager
def held_for_review(flag):
    """Another connection holds the flag as a manager's review does, until the block ends."""
    locked, release = threading.Event(), threading.Event()

    def hold():
        try:
            with transaction.atomic():
                DuplicateFlag.objects.select_for_update().get(pk=flag.pk)
                locked.set()
                release.wait(30)
        finally:
            connection.close()

    holder = threading.Thread(target=hold, daemon=True)
    holder.start()
    assert locked.wait(10)
    try:
        yield
    finally:
        release.set()
        holder.join()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's lock_timeout")
@pytest.mark.django_db(transaction=True)  # the lock is held from another connection
def test_a_rescan_behind_a_held_lock_gives_up_after_the_lock_timeout_and_tries_again(client, monkeypatch):
    monkeypatch.setattr(services, "FLAG_LOCK_SECONDS", LOCK_SECONDS)
    monkeypatch.setitem(app.conf, "task_eager_propagates", False)  # each retry's Retry is not raised
    bank = questions(6)
    person = PersonFactory()
    record(kind(bank), person=person, days_ago=30)
    record(kind(bank), person=person, days_ago=1)
    flag = DuplicateFlag.objects.get()
    DuplicateFlag.objects.filter(pk=flag.pk).update(days_apart=99)  # stale: the rescan refreshes it
    tries = rescan_duplicates.max_retries + 1

    with held_for_review(flag):
        started = time.monotonic()
        result = rescan_duplicates.apply(task_id=HELD_UP)  # retried in place, as eager mode does
        waited = time.monotonic() - started
    assert isinstance(result.result, OperationalError)
    # Each try waited about the lock timeout, not as long as the lock was held.
    assert waited < tries * LOCK_SECONDS + 3
    held_up = ScheduledRun.objects.filter(task_name=RESCAN, task_id=HELD_UP).order_by("pk")
    assert [run.summary["retrying"] for run in held_up] == [True] * (tries - 1) + [False]
    assert all("lock timeout" in run.error for run in held_up)

    client.force_login(staff_user(AgencyFactory(), Role.MANAGER))
    page = client.get(reverse("duplicates:rescan_progress", args=[HELD_UP])).content.decode()
    assert "The rescan did not finish" in page
    ScheduledRun.objects.filter(pk=held_up.last().pk).update(summary={"retrying": True})
    page = client.get(reverse("duplicates:rescan_progress", args=[HELD_UP])).content.decode()
    assert "will try again" in page

    # Once the review is done, the next try repairs the flag.
    assert rescan_duplicates.apply_async(task_id="after", kwargs={}).get()["refreshed"] == 1
    flag.refresh_from_db()
    assert flag.days_apart == 29


@pytest.mark.django_db
def test_a_rescan_whose_worker_keeps_dying_is_given_up_and_shown_as_not_finished(client):
    client.force_login(staff_user(AgencyFactory(), Role.MANAGER))
    for _ in range(runs.MOST_STARTS):  # each delivery's worker died: started, never ended
        runs.run_started(task_name=RESCAN, task_id=KILLER)
    assert rescan_duplicates.apply_async(task_id=KILLER, kwargs={}).get() is None
    assert rescan_duplicates.apply_async(task_id=KILLER, kwargs={}).get() is None
    assert ScheduledRun.objects.filter(task_id=KILLER, finished_at__isnull=False).count() == 0
    page = client.get(reverse("duplicates:rescan_progress", args=[KILLER])).content.decode()
    assert "The rescan did not finish" in page


@pytest.mark.django_db
def test_tries_that_failed_on_an_error_do_not_count_as_a_dying_worker():
    for _ in range(runs.MOST_STARTS):
        run = runs.run_started(task_name=RESCAN, task_id="retried")
        runs.run_failed(run=run, error="canceling statement due to lock timeout", retrying=True)
    assert runs.run_started(task_name=RESCAN, task_id="retried") is not None
