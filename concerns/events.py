"""Audit events of concerns raised about an agency."""

from core.events import Event, event
from core.models import Verb


@event(Verb.CONCERN_RAISED)
def concern_raised(*, actor, concern) -> Event:
    return Event(actor, concern, agency=concern.about_agency_id, via=concern.raised_via)


@event(Verb.CONCERN_ACKNOWLEDGED)
def concern_acknowledged(*, actor, concern) -> Event:
    return Event(actor, concern)


@event(Verb.CONCERN_RESPONDED)
def concern_responded(*, actor, concern) -> Event:
    return Event(actor, concern)


@event(Verb.CONCERN_CLOSED)
def concern_closed(*, actor, concern) -> Event:
    return Event(actor, concern)
