"""Audit events of consent, emergency access and the access log."""

from core.events import Event, event
from core.models import Verb


@event(Verb.CONSENT_GRANTED)
def consent_granted(*, actor, grant) -> Event:
    return Event(actor, grant, agency=grant.agency_id)


@event(Verb.CONSENT_REVOKED)
def consent_revoked(*, actor, grant, reason: str) -> Event:
    return Event(actor, grant, reason=reason)


@event(Verb.CONSENT_LAPSE_NOTICE_SENT)
def consent_lapse_notice_sent(*, notice) -> Event:
    return Event(None, notice, grant=notice.grant_id)


@event(Verb.BREAK_GLASS_OPENED)
def break_glass_opened(*, actor, glass, hours: int) -> Event:
    return Event(actor, glass, subject=glass.subject_id, hours=hours, for_governance=glass.for_governance)


@event(Verb.BREAK_GLASS_REVIEWED)
def break_glass_reviewed(*, actor, glass) -> Event:
    return Event(actor, glass, status=glass.review_status)


@event(Verb.ACCESS_LOG_ANCHORED)
def access_log_anchored(*, newest, emailed: int) -> Event:
    """Written by the nightly task against the newest entry the anchor covers."""
    return Event(None, newest, emailed=emailed)
