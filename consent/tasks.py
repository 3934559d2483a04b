"""Celery tasks of consent and the access log: thin wrappers over the services,
with stable names, ids as arguments, idempotent and safe to run twice."""

from __future__ import annotations

import logging

from celery import shared_task

from core.tasks import TASK_DEFAULTS

from . import access_log, knowledge, services

logger = logging.getLogger(__name__)


@shared_task(name="consent.send_lapse_notices", **TASK_DEFAULTS)
def send_lapse_notices() -> int:
    """Nightly (Celery beat): tell young people once that a parent's consent ended at 16."""
    sent = services.consent_lapse_notices_send()
    logger.info("Sent %s consent lapse notices.", sent)
    return sent


@shared_task(name="consent.anchor_access_log", **TASK_DEFAULTS)
def anchor_access_log() -> int | None:
    """Daily (Celery beat): the log's signed head, to the anchor file and information
    governance. Run twice it anchors the same head twice, which checks the same."""
    anchor = access_log.anchor_head()
    return anchor.entry if anchor else None


@shared_task(name="consent.repair_agency_knows", **TASK_DEFAULTS)
def repair_agency_knows() -> str:
    """Nightly (Celery beat): rebuild which agency knows which person from the records, so
    search (rule 10) follows whatever was written around the services. Safe to run twice."""
    summary = knowledge.agency_knows_repair()
    logger.info("Repaired who knows whom: %s.", summary)
    return str(summary)
