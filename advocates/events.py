"""Audit events of advocates' work: assignments, case conferences and their actions."""

from core.events import Event, event
from core.models import Verb


@event(Verb.ASSIGNMENT_STARTED)
def assignment_started(*, actor, assignment) -> Event:
    return Event(actor, assignment, advocate=assignment.advocate_id, family=assignment.family_id)


@event(Verb.ASSIGNMENT_ENDED)
def assignment_ended(*, actor, assignment, reason: str) -> Event:
    return Event(actor, assignment, reason=reason)


@event(Verb.CONFERENCE_RECORDED)
def conference_recorded(*, actor, conference) -> Event:
    return Event(actor, conference, family=conference.family_id)


@event(Verb.CONFERENCE_OUTCOME_RECORDED)
def conference_outcome_recorded(*, actor, conference) -> Event:
    return Event(actor, conference)


@event(Verb.CONFERENCE_ACTION_ADDED)
def conference_action_added(*, actor, action) -> Event:
    return Event(actor, action, conference=action.conference_id)


@event(Verb.CONFERENCE_ACTION_COMPLETED)
def conference_action_completed(*, actor, action) -> Event:
    return Event(actor, action)
