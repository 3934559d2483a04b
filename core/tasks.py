"""Celery tasks every app shares, and the defaults of every task: idempotent, late-acked,
retried with backoff only on errors a retry can cure."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import OperationalError as DatabaseOperationalError
from kombu.exceptions import OperationalError as BrokerOperationalError

from . import mail, outbox, runs

logger = logging.getLogger(__name__)

# Only errors that a retry can cure: the database or the broker briefly unreachable.
TRANSIENT = (DatabaseOperationalError, BrokerOperationalError)
# Every task: acknowledged once done (a dead worker's task is redelivered) and retried with
# backoff on transient errors. Results are ignored (settings) unless a task says otherwise.
TASK_DEFAULTS = {
    "acks_late": True,
    "autoretry_for": TRANSIENT,
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(name="core.relay_outbox", **{**TASK_DEFAULTS, "max_retries": 0})
def relay_outbox() -> int:
    """Often (Celery beat): send the work the broker could not take when it was asked."""
    sent = outbox.outbox_sweep()
    mail.sent_emails_forget()
    if sent:
        logger.info("Sent %s queued tasks from the outbox.", sent)
    return sent


@shared_task(
    bind=True,
    name=mail.SEND_EMAIL,
    **{**TASK_DEFAULTS, "autoretry_for": TRANSIENT + mail.MAIL_ERRORS, "max_retries": 10},
)
def send_email(self, *, subject: str, message: str, from_email: str, recipient_list: list[str]) -> bool:
    """Send one email queued by core.mail.email_queue; once, however often it is delivered."""
    return mail.email_send(
        task_id=self.request.id,
        subject=subject,
        message=message,
        from_email=from_email,
        recipient_list=recipient_list,
    )


@shared_task(name="core.catch_up_scheduled_runs", **TASK_DEFAULTS)
def catch_up_scheduled_runs() -> list[str]:
    """Every few minutes (Celery beat): queue a nightly run that beat could not send."""
    queued = runs.scheduled_runs_catch_up()
    for name in queued:
        logger.warning("Catching up %s: its scheduled run did not happen.", name)
    return queued
