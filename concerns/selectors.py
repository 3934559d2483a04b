"""What of concerns each user may see: a manager their agency's queue, an advocate their
families' (never one about the advocacy service they did not raise), a citizen their own and
their children's."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from consent import policy

from .models import Concern, ConcernStatus

OPEN_STATUSES = (ConcernStatus.OPEN, ConcernStatus.ACKNOWLEDGED)


def concern_queue(*, user, status: str | None = None) -> QuerySet[Concern]:
    """The concerns about the user's agency, for its managers; nothing for anyone else."""
    viewer = policy.viewer_for(user)
    if not policy.answers_concerns(viewer):
        return Concern.objects.none()
    qs = Concern.objects.filter(about_agency_id=viewer.agency_id)
    if status in ConcernStatus.values:
        qs = qs.filter(status=status)
    return qs.select_related(
        "about_agency", "about_contact__contact_type", "subject_person", "subject_family", "raised_by"
    ).order_by("-created_at", "-id")


def concern_for_manager(*, user, concern_id) -> Concern:
    """One concern of the manager's queue; 404 alike for missing and not theirs."""
    try:
        concern = concern_queue(user=user).filter(pk=int(concern_id)).first()
    except (TypeError, ValueError):
        concern = None
    if concern is None:
        raise Http404("No such concern.")
    return concern


def hidden_from_advocate(viewer) -> Q:
    """A concern about the advocacy service itself is for its managers, not for the advocate
    it may be about: an advocate sees one only if they raised it."""
    return Q(about_agency_id=viewer.agency_id) & ~Q(raised_by_id=viewer.user.pk)


def concerns_for_family(*, viewer, family_id: int, person_ids) -> QuerySet[Concern]:
    """Concerns raised for a family or for any of the given members, as the family's advocate
    sees them (the caller has already decided the viewer may see this family)."""
    return (
        Concern.objects.filter(Q(subject_family_id=family_id) | Q(subject_person_id__in=list(person_ids)))
        .exclude(hidden_from_advocate(viewer))
        .select_related("about_agency", "subject_person", "about_contact__contact_type")
        .order_by("-created_at", "-id")
    )


def open_concerns_for_caseload(*, viewer, family_ids, person_ids) -> QuerySet[Concern]:
    """Open concerns raised for any of an advocate's families or their members, as the
    advocate sees them (the caller has already scoped the families to the viewer)."""
    return (
        Concern.objects.filter(status__in=OPEN_STATUSES)
        .filter(Q(subject_family_id__in=family_ids) | Q(subject_person_id__in=list(person_ids)))
        .exclude(hidden_from_advocate(viewer))
    )


def concerns_for_person(*, user, person_id) -> QuerySet[Concern]:
    """For a citizen: concerns about themself or their children, or for their families."""
    viewer = policy.viewer_for(user)
    if not policy.uses_portal(viewer):
        return Concern.objects.none()
    person_id = int(person_id)
    if (
        person_id != viewer.person_id
        and not policy.children_of(viewer.person_id).filter(person_id=person_id).exists()
    ):
        return Concern.objects.none()
    families = policy.current_memberships().filter(person_id=person_id).values("family_id")
    return (
        Concern.objects.filter(Q(subject_person_id=person_id) | Q(subject_family_id__in=families))
        .select_related("about_agency", "about_contact__contact_type")
        .order_by("-created_at", "-id")
    )
