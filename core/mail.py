"""Emails (and text messages, which go through the SMS provider's email gateway) are queued
through the outbox: a `core.send_email` task written in the caller's transaction. So a request
never waits on the mail server, an email of a write rolled back is never sent, and one written
while the broker is down is sent when it returns. The task retries a mail server that is away,
with backoff, and sends each email once however often it is delivered. Once sent, the outbox
row keeps no word of it: an invitation's link or a person's address is not kept for the week the
outbox keeps its rows."""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from .models import OutboxMessage, SentEmail
from .outbox import KEEP_SENT, outbox_enqueue

SEND_EMAIL = "core.send_email"
# What a mail server that is away, refusing or slow raises: worth another try later.
MAIL_ERRORS = (smtplib.SMTPException, OSError)
# What a sent email's outbox row keeps: the arguments' names, none of their content.
_SENT = {"subject": "", "message": "", "from_email": "", "recipient_list": []}


def email_queue(subject: str, message: str, from_email: str | None, recipient_list: list[str]) -> None:
    """Queue an email in the caller's transaction (send_mail's arguments); sent once it commits."""
    if not recipient_list:
        return
    outbox_enqueue(
        task_name=SEND_EMAIL,
        kwargs={
            "subject": subject,
            "message": message,
            "from_email": from_email or settings.DEFAULT_FROM_EMAIL,
            "recipient_list": list(recipient_list),
        },
    )


def email_send(
    *, task_id: str, subject: str, message: str, from_email: str, recipient_list: list[str]
) -> bool:
    """Send the email of this task unless it was sent; False when it was. The record is
    committed with the send: a send that fails leaves none, so the retry sends it."""
    with transaction.atomic():
        _, first = SentEmail.objects.get_or_create(task_id=task_id)
        if first:
            send_mail(subject, message, from_email, recipient_list)
            OutboxMessage.objects.filter(task_id=task_id).update(kwargs=_SENT)
    return first


def sent_emails_forget() -> None:
    """Forget sends older than the outbox keeps its rows: no task is delivered again so late."""
    SentEmail.objects.filter(sent_at__lt=timezone.now() - KEEP_SENT).delete()
