"""Audit events of duplicate detection."""

from core.events import Event, event
from core.models import Verb


@event(Verb.DUPLICATE_FLAG_REVIEWED)
def duplicate_flag_reviewed(*, actor, flag, previous: str) -> Event:
    return Event(actor, flag, status=flag.status, previous=previous)
