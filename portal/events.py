"""Audit events of the citizen portal: invitations, a person's own details and corrections,
data exports, and consent reminders."""

from core.events import Event, event
from core.models import Verb


@event(Verb.CONSENT_REMINDER_SENT)
def consent_reminder_sent(*, notice) -> Event:
    return Event(None, notice, grant=notice.grant_id)


@event(Verb.INVITATION_SENT)
def invitation_sent(*, actor, invitation) -> Event:
    return Event(actor, invitation, person=invitation.person_id, channel=invitation.channel)


@event(Verb.INVITATION_CODE_CONFIRMED)
def invitation_code_confirmed(*, actor, invitation) -> Event:
    return Event(actor, invitation, person=invitation.person_id)


@event(Verb.INVITATION_CODE_REDEEMED)
def invitation_code_redeemed(*, invitation) -> Event:
    return Event(None, invitation, person=invitation.person_id)


@event(Verb.INVITATION_CODE_WRONG_DATE_OF_BIRTH)
def invitation_code_wrong_date_of_birth(*, invitation) -> Event:
    """Kept apart from a redeemed code: enough wrong tries use the code up."""
    return Event(None, invitation, person=invitation.person_id)


@event(Verb.INVITATION_ACCEPTED)
def invitation_accepted(*, user, invitation, told_by: str) -> Event:
    return Event(user, invitation, person=invitation.person_id, told_by=told_by)


@event(Verb.INVITATION_HOLDERS_TOLD)
def invitation_holders_told(*, user, invitation, children: list[int]) -> Event:
    return Event(user, invitation, person=invitation.person_id, children=children)


@event(Verb.PERSON_DETAILS_CHANGED)
def person_details_changed(*, actor, person, before: dict, after: dict) -> Event:
    return Event(actor, person, fields=list(after), before=before, after=after)


@event(Verb.CORRECTION_REQUESTED)
def correction_requested(*, actor, correction) -> Event:
    return Event(actor, correction, field=correction.field)


@event(Verb.PERSON_CORRECTED)
def person_corrected(*, actor, person, correction) -> Event:
    return Event(
        actor,
        person,
        field=correction.field,
        before=correction.current_value,
        after=correction.requested_value,
    )


@event(Verb.CORRECTION_ACCEPTED)
def correction_accepted(*, actor, correction) -> Event:
    return Event(actor, correction)


@event(Verb.CORRECTION_DECLINED)
def correction_declined(*, actor, correction) -> Event:
    return Event(actor, correction)


@event(Verb.DATA_EXPORT_REQUESTED)
def data_export_requested(*, actor, export) -> Event:
    return Event(actor, export, person=export.person_id)


@event(Verb.DATA_EXPORT_RETRIED)
def data_export_retried(*, actor, export) -> Event:
    """Asked for again while stuck (its worker died), so it is queued again."""
    return Event(actor, export, person=export.person_id)


@event(Verb.DATA_EXPORT_READY)
def data_export_ready(*, export) -> Event:
    return Event(export.requested_by, export)
