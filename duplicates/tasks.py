"""Celery tasks for duplicate assessments: thin wrappers over the services, with stable names,
ids as arguments, idempotent and safe to run twice."""

from __future__ import annotations

import logging

from celery import shared_task
from kombu.exceptions import OperationalError as BrokerOperationalError

from core.tasks import TRANSIENT

from . import services as duplicate_services

logger = logging.getLogger(__name__)


@shared_task(
    name="journeys.check_assessment_duplicates",
    acks_late=True,
    autoretry_for=TRANSIENT,
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
)
def check_assessment_duplicates(assessment_id: int) -> dict | None:
    """Flag the duplicates a new or changed assessment makes; quiet when it is gone."""
    result = duplicate_services.duplicates_check_assessment(assessment_id=assessment_id)
    if result is None:
        logger.info("Assessment %s is gone; nothing to check.", assessment_id)
        return None
    return {"created": result.created, "refreshed": result.refreshed, "unchanged": result.unchanged}


@shared_task(
    bind=True,
    name="journeys.rescan_duplicates",
    acks_late=True,
    autoretry_for=TRANSIENT,
    retry_backoff=True,
    retry_backoff_max=900,
    retry_jitter=True,
    max_retries=3,
)
def rescan_duplicates(self, chunk_size: int = duplicate_services.RESCAN_CHUNK) -> dict:
    """Rescan every person's assessments in chunks, reporting progress as {"done", "total"}."""

    def progress(done: int, total: int) -> None:
        if self.request.id and not self.request.is_eager:
            self.update_state(state="PROGRESS", meta={"done": done, "total": total})

    return duplicate_services.duplicates_rescan(chunk_size=chunk_size, on_progress=progress)


def enqueue_duplicate_check(assessment_id: int) -> None:
    """Queue the check; if the broker is down, log and carry on (the nightly rescan repairs)."""
    try:
        check_assessment_duplicates.delay(assessment_id)
    except (BrokerOperationalError, ConnectionError, OSError) as exc:
        logger.warning("Could not queue the duplicate check of assessment %s: %s", assessment_id, exc)


def enqueue_rescan():
    """Start a rescan; returns the task's result handle, or None when the broker is down."""
    try:
        return rescan_duplicates.delay()
    except (BrokerOperationalError, ConnectionError, OSError) as exc:
        logger.warning("Could not queue the duplicate rescan: %s", exc)
        return None
