"""Audit events of families, people, their contacts and assessments."""

from core.events import Event, event
from core.models import Verb


@event(Verb.FAMILY_CREATED)
def family_created(*, actor, family) -> Event:
    return Event(actor, family)


@event(Verb.PERSON_CREATED)
def person_created(*, actor, person) -> Event:
    return Event(actor, person)


@event(Verb.MEMBERSHIP_ADDED)
def membership_added(*, actor, membership) -> Event:
    return Event(actor, membership, family=membership.family_id)


@event(Verb.PARENTAL_RESPONSIBILITY_RECORDED)
def parental_responsibility_recorded(*, actor, membership) -> Event:
    """Its own event: it opens a child's record to the parent in the portal (rule 4)."""
    return Event(
        actor,
        membership,
        person=membership.person_id,
        family=membership.family_id,
        agency=membership.parental_responsibility_recorded_by_id,
    )


@event(Verb.CONTACT_RECORDED)
def contact_recorded(*, actor, contact) -> Event:
    return Event(actor, contact)


@event(Verb.ASSESSMENT_RECORDED)
def assessment_recorded(*, actor, assessment) -> Event:
    return Event(actor, assessment)


@event(Verb.PERSON_IDENTIFIER_SEARCHED)
def person_identifier_searched(*, user, schemes: list[str], value_hash: str, matched: int) -> Event:
    """A read, audited: who searched which schemes and how many matched, never the value."""
    return Event(user, user, schemes=schemes, value_hash=value_hash, matched=matched)
