"""Concerns (red flags): a family's advocate, or the person themself, raises a concern about
a contact or an agency; that agency's managers see it in their queue and by email, and answer
it; the family sees its status and the answer.

Writes (`concern_raise`, `concern_acknowledge`, `concern_respond`, `concern_close`) validate,
write in one transaction with their audit event, and send email only once committed; the
reads are concerns.selectors.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from agencies.models import Agency, StaffMembership
from consent import policy
from core import limits
from core.mail import email_queue
from journeys.models import Contact, Family, Person

from . import events
from .models import Concern, ConcernStatus, ConcernVia


def _family_ids_of(person_id: int) -> set[int]:
    return set(policy.current_memberships().filter(person_id=person_id).values_list("family_id", flat=True))


def _may_raise(*, actor, raised_via: str, person: Person | None, family: Family | None) -> bool:
    """An advocate for a family assigned to them; a citizen for themself or their child."""
    viewer = policy.viewer_for(actor)
    if raised_via == ConcernVia.ADVOCATE:
        if not policy.keeps_caseload(viewer):
            return False
        assigned = set(policy.assigned_family_ids(viewer).values_list("family_id", flat=True))
        if family is not None:
            return family.pk in assigned
        return bool(_family_ids_of(person.pk) & assigned)
    if raised_via == ConcernVia.CITIZEN:
        if not policy.uses_portal(viewer) or person is None:
            return False
        if person.pk == viewer.person_id:
            return True
        return policy.children_of(viewer.person_id).filter(person_id=person.pk).exists()
    return False


def managers_of(agency: Agency) -> QuerySet:
    """The users who answer concerns about an agency: its managers."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(
        staff_membership__in=StaffMembership.objects.filter(policy.managers_of(agency.pk)), is_active=True
    )


def _notify_managers(concern_id: int) -> None:
    concern = Concern.objects.select_related("about_agency").filter(pk=concern_id).first()
    if concern is None:
        return
    emails = [e for e in managers_of(concern.about_agency).values_list("email", flat=True) if e]
    if not emails:
        return
    # Only that a concern exists and where to read it: case details stay behind the sign-in.
    email_queue(
        subject=f"A concern has been raised about {concern.about_agency.name}",
        message=(
            f"A concern about {concern.about_agency.name} has been raised on Joined Up "
            f"(reference C{concern.pk}).\n\nSign in and open 'Concerns' to read and answer it."
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=emails,
    )


def concern_raise(
    *,
    about_agency: Agency | None,
    text: str,
    raised_via: str,
    actor,
    subject_person: Person | None = None,
    subject_family: Family | None = None,
    about_contact: Contact | None = None,
) -> Concern:
    """Raise a concern about an agency (and optionally one of its contacts) for a person or a
    family. Refuses (ValidationError) what the actor may not raise; emails the agency's
    managers once committed."""
    errors: dict[str, str] = {}
    text = (text or "").strip()
    if about_contact is not None and about_agency is None:
        about_agency = about_contact.agency
    if about_agency is None:
        errors["about_agency"] = "Choose the agency the concern is about."
    elif about_contact is not None and about_contact.agency_id != about_agency.pk:
        errors["about_contact"] = "The contact was with a different agency."
    if not text:
        errors["text"] = "Enter what the concern is."
    elif len(text) > limits.LONG_TEXT:
        errors["text"] = f"The concern must be {limits.LONG_TEXT} characters or fewer."
    if raised_via not in ConcernVia.values:
        errors["raised_via"] = "Say who raised the concern."
    if (subject_person is None) == (subject_family is None):
        errors["subject"] = "Choose either a person or a family."
    elif not _may_raise(actor=actor, raised_via=raised_via, person=subject_person, family=subject_family):
        # The same words whether the person is unknown or not the actor's to speak for.
        errors["subject"] = "You cannot raise a concern for this person or family."
    if about_contact is not None and "subject" not in errors:
        people = {subject_person.pk} if subject_person else None
        if people is None:
            people = set(
                policy.current_memberships()
                .filter(family_id=subject_family.pk)
                .values_list("person_id", flat=True)
            )
        if not about_contact.persons.filter(pk__in=people).exists():
            errors["about_contact"] = "The contact is not one of this family's."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        concern = Concern.objects.create(
            subject_person=subject_person,
            subject_family=subject_family,
            about_agency=about_agency,
            about_contact=about_contact,
            raised_by=actor if getattr(actor, "is_authenticated", False) else None,
            raised_via=raised_via,
            text=text,
        )
        events.concern_raised(actor=actor, concern=concern)
        _notify_managers(concern.pk)
    return concern


def _locked_for_manager(concern: Concern, actor) -> Concern:
    if not policy.reviews_concerns_of(policy.viewer_for(actor), concern.about_agency_id):
        raise PermissionDenied("Only a manager of the agency concerned can answer it.")
    return Concern.objects.select_for_update().get(pk=concern.pk)


def concern_acknowledge(*, concern: Concern, actor) -> Concern:
    """A manager has seen the concern and is looking into it."""
    with transaction.atomic():
        concern = _locked_for_manager(concern, actor)
        if concern.status != ConcernStatus.OPEN:
            raise ValidationError({"concern": "This concern has already been acknowledged."})
        concern.status = ConcernStatus.ACKNOWLEDGED
        concern.save(update_fields=["status", "updated_at"])
        events.concern_acknowledged(actor=actor, concern=concern)
    return concern


def concern_respond(*, concern: Concern, response: str, actor) -> Concern:
    """A manager's answer, which the family sees."""
    response = (response or "").strip()
    if not response:
        raise ValidationError({"response": "Enter your response to the concern."})
    if len(response) > limits.LONG_TEXT:
        raise ValidationError({"response": f"The response must be {limits.LONG_TEXT} characters or fewer."})
    with transaction.atomic():
        concern = _locked_for_manager(concern, actor)
        if concern.status == ConcernStatus.CLOSED:
            raise ValidationError({"response": "This concern is closed."})
        concern.status = ConcernStatus.RESPONDED
        concern.response = response
        concern.responded_by = actor
        concern.responded_at = timezone.now()
        concern.save(update_fields=["status", "response", "responded_by", "responded_at", "updated_at"])
        events.concern_responded(actor=actor, concern=concern)
    return concern


def concern_close(*, concern: Concern, actor) -> Concern:
    """Close a concern once answered (by the agency's manager, or whoever raised it)."""
    with transaction.atomic():
        locked = Concern.objects.select_for_update().get(pk=concern.pk)
        raiser = getattr(actor, "is_authenticated", False) and locked.raised_by_id == actor.pk
        if not raiser:
            locked = _locked_for_manager(locked, actor)
        if locked.status == ConcernStatus.CLOSED:
            raise ValidationError({"concern": "This concern is already closed."})
        locked.status = ConcernStatus.CLOSED
        locked.save(update_fields=["status", "updated_at"])
        events.concern_closed(actor=actor, concern=locked)
    return locked
