"""Text messages to people who gave only a phone number. They go to the SMS provider's email
gateway (SMS_EMAIL_DOMAIN) on the same mail path as every email (core.mail: queued in the
caller's transaction, sent by a task), and tests read them from the same mail outbox."""

import re

from django.conf import settings

from core.mail import email_queue


def sms_address(phone: str) -> str:
    """The gateway address of a UK or international number: its digits, 0 becoming 44."""
    digits = re.sub(r"\D", "", phone or "")
    if digits.startswith("0"):
        digits = "44" + digits[1:]
    return f"{digits}@{settings.SMS_EMAIL_DOMAIN}"


def send_sms(*, phone: str, text: str) -> None:
    email_queue(
        subject="",
        message=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[sms_address(phone)],
    )
