"""The record of long and scheduled runs (services and selectors), and the catch-up of a
scheduled run that did not happen: beat drops a run it cannot send while the broker is down."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from .models import ScheduledRun
from .outbox import outbox_enqueue, outbox_waiting

# A run delivered this often without finishing is taken to kill its worker, and given up.
MOST_STARTS = 3


def run_started(*, task_name: str, task_id: str = "") -> ScheduledRun | None:
    """Record that a run starts; None when this task id already started MOST_STARTS times and
    neither finished nor failed (each worker it ran on died), recorded as given up, so it is not
    redelivered for ever. A try that failed on an error and is retried does not count."""
    if task_id:
        died = ScheduledRun.objects.filter(
            task_name=task_name, task_id=task_id, finished_at__isnull=True, failed_at__isnull=True
        )
        if died.count() >= MOST_STARTS:
            ScheduledRun.objects.create(
                task_name=task_name,
                task_id=task_id,
                failed_at=timezone.now(),
                error=f"Given up: its worker died in each of {MOST_STARTS} tries.",
            )
            return None
    return ScheduledRun.objects.create(task_name=task_name, task_id=task_id)


def run_failed(*, run: ScheduledRun, error: str, retrying: bool) -> None:
    """Record that a run stopped on an error; `retrying` when the task will try again."""
    run.failed_at = timezone.now()
    run.error = error[:500]
    run.summary = {**run.summary, "retrying": retrying}
    run.save(update_fields=["failed_at", "error", "summary"])


def run_progress(*, run: ScheduledRun, done: int, total: int) -> None:
    run.summary = {"done": done, "total": total}
    run.save(update_fields=["summary"])


def run_finished(*, run: ScheduledRun, summary: dict) -> None:
    run.finished_at = timezone.now()
    run.summary = summary
    run.save(update_fields=["finished_at", "summary"])


def last_finished(*, task_name: str) -> ScheduledRun | None:
    """The latest run of this task that finished."""
    return (
        ScheduledRun.objects.filter(task_name=task_name, finished_at__isnull=False)
        .order_by("-finished_at")
        .first()
    )


def last_run_overdue(*, run: ScheduledRun | None, period: timedelta) -> bool:
    """No run finished within the period (and a bit): what managers are warned of."""
    grace = timedelta(minutes=settings.CATCH_UP_GRACE_MINUTES)
    return run is None or run.started_at < timezone.now() - period - grace


def run_by_task_id(*, task_name: str, task_id: str) -> ScheduledRun | None:
    return ScheduledRun.objects.filter(task_name=task_name, task_id=task_id).order_by("-pk").first()


def scheduled_runs_catch_up() -> list[str]:
    """Queue each task of CATCH_UP_RUNS whose last finished run started longer ago than its
    period (plus a grace for beat and the queue), unless one was started or queued within the
    grace; returns the names queued. The tasks are idempotent, so an overlap is safe."""
    now = timezone.now()
    grace = timedelta(minutes=settings.CATCH_UP_GRACE_MINUTES)
    queued = []
    for task_name, period in settings.CATCH_UP_RUNS.items():
        if not last_run_overdue(run=last_finished(task_name=task_name), period=period):
            continue
        if ScheduledRun.objects.filter(task_name=task_name, started_at__gte=now - grace).exists():
            continue
        if outbox_waiting(task_name=task_name, since=now - grace):
            continue
        outbox_enqueue(task_name=task_name)
        queued.append(task_name)
    return queued
