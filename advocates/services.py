"""Every write an advocate or an advocacy manager makes: assignments, contacts a family
reports, case conferences and their actions. Each service validates, writes in one
transaction with its audit event, and refuses what the actor may not do."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from agencies.models import Agency, ContactType, StaffMembership
from consent import policy
from core import dates, limits
from journeys import services as journey_services
from journeys.models import Channel, Contact, DemandType, Family, Person, RecordedVia

from . import events
from .models import Assignment, CaseConference, ConferenceAction, ConferenceAttendee

# Who may do what --------------------------------------------------------------------------


def _require_advocacy_manager(actor) -> None:
    if not policy.manages_assignments(policy.viewer_for(actor)):
        raise PermissionDenied("Only a manager of the advocacy service can change assignments.")


def _require_assigned(actor, family: Family) -> None:
    viewer = policy.viewer_for(actor)
    if (
        not policy.keeps_caseload(viewer)
        or not policy.assigned_family_ids(viewer).filter(family_id=family.pk).exists()
    ):
        raise PermissionDenied("Only the family's advocate can do this.")


def _current_member_ids(family: Family) -> set[int]:
    return set(policy.current_memberships().filter(family=family).values_list("person_id", flat=True))


# Assignments ------------------------------------------------------------------------------


def assignment_start(
    *, advocate, family: Family, actor, started: date | None = None, lead: bool = True
) -> Assignment:
    """Assign an advocate to a family from `started` (default today)."""
    _require_advocacy_manager(actor)
    started = started or timezone.localdate()
    errors = dates.field_errors({"started": (dates.MEMBERSHIP, started)})
    if not StaffMembership.objects.filter(policy.advocates_of(), user=advocate).exists():
        errors["advocate"] = "Choose an advocate of the advocacy service."
    elif Assignment.objects.filter(advocate=advocate, family=family, ended__isnull=True).exists():
        errors["advocate"] = "This advocate is already assigned to the family."
    if lead and Assignment.objects.filter(family=family, ended__isnull=True, lead=True).exists():
        errors["family"] = "The family already has a lead advocate: reassign or end that assignment first."
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            assignment = Assignment.objects.create(
                advocate=advocate, family=family, started=started, lead=lead
            )
            events.assignment_started(actor=actor, assignment=assignment)
    except IntegrityError as exc:  # a concurrent assignment won the race
        raise ValidationError({"family": "The family was assigned at the same moment; check again."}) from exc
    return assignment


def assignment_end(*, assignment: Assignment, actor, reason: str = "") -> Assignment:
    """End an assignment now: the advocate loses access to the family on the next request."""
    _require_advocacy_manager(actor)
    with transaction.atomic():
        assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
        if assignment.ended is not None:
            raise ValidationError({"assignment": "This assignment has already ended."})
        today = timezone.localdate()
        # `ended` is the first day without access (policy.assigned_family_ids); an assignment
        # that has not started yet simply ends on the day it would have started.
        assignment.ended = max(today, assignment.started)
        assignment.save(update_fields=["ended"])
        events.assignment_ended(actor=actor, assignment=assignment, reason=reason)
    return assignment


def assignment_reassign(*, assignment: Assignment, to_advocate, actor) -> Assignment:
    """Hand a family to another advocate: end this assignment and start theirs, together."""
    _require_advocacy_manager(actor)
    if to_advocate.pk == assignment.advocate_id:
        raise ValidationError({"advocate": "Choose a different advocate."})
    with transaction.atomic():
        assignment_end(assignment=assignment, actor=actor, reason="Reassigned")
        return assignment_start(
            advocate=to_advocate, family=assignment.family, actor=actor, lead=assignment.lead
        )


# Contacts a family reports ----------------------------------------------------------------


def contact_log(
    *,
    family: Family,
    agency: Agency,
    persons: list[Person],
    contact_type: ContactType,
    occurred_at: datetime,
    channel: str,
    summary: str,
    demand_type: str,
    actor,
    duration_minutes: int | None = None,
) -> Contact:
    """An advocate records a contact: their own (agency = the advocacy service), or one the
    family reports having had with another agency (recorded as reported via the advocate)."""
    _require_assigned(actor, family)
    viewer = policy.viewer_for(actor)
    errors = {}
    members = _current_member_ids(family)
    if not persons:
        errors["persons"] = "Choose who the contact was with."
    elif not {p.pk for p in persons} <= members:
        errors["persons"] = "Choose people in this family."
    if occurred_at > timezone.now() + timedelta(minutes=5):
        errors["occurred_at"] = "The date and time must be now or in the past."
    if not (summary or "").strip():
        errors["summary"] = "Enter a short summary of what happened."
    elif len(summary) > limits.LONG_TEXT:
        errors["summary"] = f"The summary must be {limits.LONG_TEXT} characters or fewer."
    if channel not in Channel.values:
        errors["channel"] = "Choose how the contact happened."
    if demand_type not in DemandType.values:
        errors["demand_type"] = "Choose whether it was value or failure demand."
    if errors:
        raise ValidationError(errors)
    own = agency.pk == viewer.agency_id
    contact, _ = journey_services.contact_record(
        agency=agency,
        persons=persons,
        contact_type=contact_type,
        occurred_at=occurred_at,
        channel=channel,
        summary=summary.strip(),
        family=family,
        demand_type=demand_type,
        duration_minutes=duration_minutes,
        recorded_by=actor,
        recorded_via=RecordedVia.AGENCY if own else RecordedVia.ADVOCATE,
        actor=actor,
    )
    return contact


# Case conferences -------------------------------------------------------------------------


def conference_record(
    *,
    family: Family,
    held_at: datetime,
    place: str,
    actor,
    agency_attendees: list[tuple[Agency, str]] = (),
    family_members: list[Person] = (),
    family_absent_reason: str = "",
    agenda: str = "",
    outcome: str = "",
) -> CaseConference:
    """Record a case conference held with the family. One without anyone from the family
    needs a recorded reason."""
    _require_assigned(actor, family)
    errors = {}
    place = (place or "").strip()
    family_absent_reason = (family_absent_reason or "").strip()
    if not place:
        errors["place"] = "Enter where the conference was held."
    if not family_members and not family_absent_reason:
        errors["family_absent_reason"] = (
            "Conferences are held with the family: choose who from the family attended, "
            "or say why nobody did."
        )
    if family_members and not {p.pk for p in family_members} <= _current_member_ids(family):
        errors["family_members"] = "Choose people in this family."
    agencies = [a for a, _ in agency_attendees]
    if len({a.pk for a in agencies}) != len(agencies):
        errors["agency_attendees"] = "Name each agency once."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        conference = CaseConference(
            family=family,
            held_at=held_at,
            place=place,
            agenda=(agenda or "").strip(),
            outcome=(outcome or "").strip(),
            family_attended=bool(family_members),
            family_absent_reason="" if family_members else family_absent_reason,
            created_by=actor,
        )
        conference.full_clean()
        conference.save()
        conference.family_members.set(family_members)
        ConferenceAttendee.objects.bulk_create(
            ConferenceAttendee(conference=conference, agency=a, name=(name or "").strip()[:200])
            for a, name in agency_attendees
        )
        events.conference_recorded(actor=actor, conference=conference)
    return conference


def conference_record_outcome(*, conference: CaseConference, outcome: str, actor) -> CaseConference:
    _require_assigned(actor, conference.family)
    outcome = (outcome or "").strip()
    if not outcome:
        raise ValidationError({"outcome": "Enter the outcome of the conference."})
    with transaction.atomic():
        conference.outcome = outcome
        conference.save(update_fields=["outcome", "updated_at"])
        events.conference_outcome_recorded(actor=actor, conference=conference)
    return conference


def action_add(
    *,
    conference: CaseConference,
    description: str,
    due: date,
    actor,
    owner_agency: Agency | None = None,
    owner_person: Person | None = None,
) -> ConferenceAction:
    """An action agreed at a conference, owned by an agency or a family member, with a due date."""
    _require_assigned(actor, conference.family)
    errors = {}
    description = (description or "").strip()
    if not description:
        errors["description"] = "Enter what is to be done."
    if (owner_agency is None) == (owner_person is None):
        errors["owner"] = "Choose who will do it."
    elif owner_person is not None and owner_person.pk not in _current_member_ids(conference.family):
        errors["owner"] = "Choose someone in this family."
    if due is None:
        errors["due"] = "Enter the date it is due."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        action = ConferenceAction.objects.create(
            conference=conference,
            description=description,
            owner_agency=owner_agency,
            owner_person=owner_person,
            due=due,
        )
        events.conference_action_added(actor=actor, action=action)
    return action


def action_complete(*, action: ConferenceAction, actor) -> ConferenceAction:
    _require_assigned(actor, action.conference.family)
    with transaction.atomic():
        action = ConferenceAction.objects.select_for_update().get(pk=action.pk)
        if action.completed_at is not None:
            raise ValidationError({"action": "This action is already done."})
        action.completed_at = timezone.now()
        action.completed_by = actor
        action.save(update_fields=["completed_at", "completed_by"])
        events.conference_action_completed(actor=actor, action=action)
    return action
