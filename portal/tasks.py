"""Celery tasks of the citizen portal: thin wrappers over the services, with stable names
(kept from when they lived in consent), ids as arguments, idempotent and safe to run twice."""

from __future__ import annotations

import logging

from celery import shared_task

from core.tasks import TASK_DEFAULTS

from . import services as portal_services

logger = logging.getLogger(__name__)


@shared_task(name="consent.send_expiry_reminders", **TASK_DEFAULTS)
def send_expiry_reminders() -> int:
    """Daily (Celery beat): one email per consent ending soon, never two."""
    sent = portal_services.consent_reminders_send()
    logger.info("Sent %s consent expiry reminders.", sent)
    return sent


@shared_task(name="consent.build_data_export", **TASK_DEFAULTS)
def build_data_export(export_id: int) -> str | None:
    """Gather one person's data export; quiet when it is gone, a no-op when it is ready."""
    export = portal_services.data_export_build(export_id=export_id)
    if export is None:
        logger.info("Data export %s is gone; nothing to build.", export_id)
        return None
    return export.status
