"""Celery tasks for duplicate assessments: thin wrappers over the services, with stable names,
ids as arguments, idempotent and safe to run twice."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings

from core import runs
from core.outbox import outbox_enqueue
from core.tasks import TASK_DEFAULTS, TRANSIENT

from . import services as duplicate_services

logger = logging.getLogger(__name__)

RESCAN = "journeys.rescan_duplicates"


@shared_task(name="journeys.check_assessment_duplicates", **TASK_DEFAULTS)
def check_assessment_duplicates(assessment_id: int) -> dict | None:
    """Flag the duplicates a new or changed assessment makes; quiet when it is gone."""
    result = duplicate_services.duplicates_check_assessment(assessment_id=assessment_id)
    if result is None:
        logger.info("Assessment %s is gone; nothing to check.", assessment_id)
        return None
    return {"created": result.created, "refreshed": result.refreshed, "unchanged": result.unchanged}


@shared_task(
    bind=True,
    name=RESCAN,
    **{**TASK_DEFAULTS, "retry_backoff_max": 900, "max_retries": 3},
    soft_time_limit=settings.RESCAN_SOFT_TIME_LIMIT,
    time_limit=settings.RESCAN_TIME_LIMIT,
)
def rescan_duplicates(self, chunk_size: int = duplicate_services.RESCAN_CHUNK) -> dict | None:
    """Rescan every person's assessments in chunks, recording the run and its progress in the
    database (the progress page, the managers' dashboard and the catch-up read it there, so
    nothing waits on a result backend).
    A rescan held up (a lock it gave up on, the database away) is recorded as failed and
    retried; one that keeps killing its worker is given up after a few deliveries."""
    run = runs.run_started(task_name=RESCAN, task_id=self.request.id or "")
    if run is None:
        logger.error("Rescan %s was delivered too often without finishing; giving it up.", self.request.id)
        return None

    def progress(done: int, total: int) -> None:
        runs.run_progress(run=run, done=done, total=total)

    try:
        summary = duplicate_services.duplicates_rescan(chunk_size=chunk_size, on_progress=progress)
    except TRANSIENT as exc:
        runs.run_failed(run=run, error=str(exc), retrying=self.request.retries < self.max_retries)
        raise  # retried with backoff (TASK_DEFAULTS)
    runs.run_finished(run=run, summary=summary)
    return summary


def enqueue_duplicate_check(assessment_id: int) -> None:
    """Queue the check in the caller's transaction (the outbox sends it once committed)."""
    outbox_enqueue(task_name=check_assessment_duplicates.name, kwargs={"assessment_id": assessment_id})


def enqueue_rescan() -> str:
    """Queue a rescan, sent even if the broker is down now; returns its task id."""
    return str(outbox_enqueue(task_name=RESCAN).task_id)
