"""The one access decision: may this user see this person's records of this agency and
category, and on what basis? (DESIGN.md, "The consent policy".)

Every selector that returns case data asks here. Nothing is cached across requests, so a
revocation takes effect on the very next request (rule 9).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from agencies.models import Role, Sector
from journeys.models import Assessment, Contact, Membership, Person

from .models import BasisKind, BreakGlass, Category, ConsentGrant

CITIZEN = "citizen"


@dataclass(frozen=True)
class Basis:
    """Why a record is shown: own agency, consent grant N, assignment, break-glass N, self."""

    kind: str
    ref: int | None = None

    def as_dict(self) -> dict:
        return {"kind": self.kind, "ref": self.ref}

    def __str__(self) -> str:
        label = BasisKind(self.kind).label
        return f"{label} {self.ref}" if self.ref else label


@dataclass(frozen=True)
class Viewer:
    """Who is asking: their own agency and role, or the person they are (a citizen)."""

    user: object
    agency_id: int | None
    role: str | None
    person_id: int | None
    is_advocacy: bool = False

    @property
    def is_staff_member(self) -> bool:
        return self.agency_id is not None and self.role in (Role.STAFF, Role.MANAGER, Role.ADVOCATE)

    @property
    def is_citizen(self) -> bool:
        return self.role == CITIZEN

    @property
    def is_advocate(self) -> bool:
        return self.is_staff_member and self.is_advocacy


def viewer_for(user) -> Viewer:
    """Build the viewer in one query; anonymous and unattached users get a viewer that sees nothing."""
    if user is None or not user.is_authenticated:
        return Viewer(user=user, agency_id=None, role=None, person_id=None)
    cached = getattr(user, "_joinedup_viewer", None)
    if cached is not None:
        return cached
    from django.contrib.auth import get_user_model

    row = (
        get_user_model()
        .objects.filter(pk=user.pk)
        .values(
            "staff_membership__agency_id",
            "staff_membership__role",
            "staff_membership__agency__sector",
            "person__id",
        )
        .first()
    ) or {}
    agency_id = row.get("staff_membership__agency_id")
    if agency_id is not None:
        viewer = Viewer(
            user=user,
            agency_id=agency_id,
            role=row["staff_membership__role"],
            person_id=None,
            is_advocacy=row["staff_membership__agency__sector"] == Sector.ADVOCACY,
        )
    elif row.get("person__id"):
        viewer = Viewer(user=user, agency_id=None, role=CITIZEN, person_id=row["person__id"])
    else:
        viewer = Viewer(user=user, agency_id=None, role=None, person_id=None)
    # Memoised on the user object, which lives for one request only.
    user._joinedup_viewer = viewer
    return viewer


def active_grants(at: datetime | None = None) -> QuerySet[ConsentGrant]:
    at = at or timezone.now()
    return ConsentGrant.objects.filter(valid_from__lte=at, expires_at__gt=at).filter(
        Q(revoked_at__isnull=True) | Q(revoked_at__gt=at)
    )


def open_break_glass(at: datetime | None = None) -> QuerySet[BreakGlass]:
    at = at or timezone.now()
    return BreakGlass.objects.filter(opened_at__lte=at, expires_at__gt=at)


def current_memberships(at: datetime | None = None) -> QuerySet[Membership]:
    day = timezone.localdate(at) if at else timezone.localdate()
    return Membership.objects.filter(started__lte=day).filter(Q(ended__isnull=True) | Q(ended__gte=day))


def assigned_family_ids(viewer: Viewer, at: datetime | None = None) -> QuerySet:
    from advocates.models import Assignment

    day = timezone.localdate(at) if at else timezone.localdate()
    return (
        Assignment.objects.filter(advocate=viewer.user, started__lte=day)
        .filter(Q(ended__isnull=True) | Q(ended__gte=day))
        .values("family_id")
    )


def children_of(person_id: int, at: datetime | None = None) -> QuerySet:
    """Ids of children in families where this person holds parental responsibility."""
    families = current_memberships(at).filter(person_id=person_id, parental_responsibility=True)
    return (
        current_memberships(at)
        .filter(family_id__in=families.values("family_id"), relationship="child")
        .exclude(person_id=person_id)
        .values("person_id")
    )


def visible_persons(viewer: Viewer, at: datetime | None = None) -> QuerySet[Person]:
    """People this viewer may know of (rule 10): never a hint that another agency knows someone."""
    at = at or timezone.now()
    if viewer.is_citizen:
        return Person.objects.filter(Q(pk=viewer.person_id) | Q(pk__in=children_of(viewer.person_id, at)))
    if not viewer.is_staff_member:
        return Person.objects.none()
    if viewer.is_advocate:
        members = current_memberships(at).filter(family_id__in=assigned_family_ids(viewer, at))
        return Person.objects.filter(pk__in=members.values("person_id"))
    agency = viewer.agency_id
    known = (
        Q(registered_by_id=agency)
        | Exists(Contact.persons.through.objects.filter(person_id=OuterRef("pk"), contact__agency_id=agency))
        | Exists(Assessment.objects.filter(subject_person_id=OuterRef("pk"), agency_id=agency))
        | Exists(active_grants(at).filter(subject_id=OuterRef("pk"), agency_id=agency))
        | Exists(open_break_glass(at).filter(subject_id=OuterRef("pk"), user_id=viewer.user.pk))
    )
    return Person.objects.filter(known)


@dataclass(frozen=True)
class GrantView:
    id: int
    categories: frozenset[str]
    labels: frozenset[str]


@dataclass
class Scope:
    """What one viewer may see of one person's records at one time, and why."""

    viewer: Viewer
    person_id: int
    everything: Basis | None = None  # self, parent or break-glass: every agency and label
    own_agency_id: int | None = None
    grants: list[GrantView] = field(default_factory=list)
    via_assignment: bool = False
    for_subject: bool = False  # the person or their parent: rule 6 withholding applies

    def basis_for(self, *, category: str, agency_id: int, label: str) -> Basis | None:
        """The basis on which one record may be shown, or None when it may not."""
        if self.everything is not None:
            return self.everything
        if self.own_agency_id is not None and agency_id == self.own_agency_id:
            return Basis(BasisKind.OWN_AGENCY, self.own_agency_id)
        for grant in self.grants:
            if category in grant.categories and label in grant.labels:
                return Basis(BasisKind.CONSENT, grant.id)
        return None

    def record_filter(self, category: str) -> Q | None:
        """A filter for the records of this category the viewer may see; None means none."""
        if self.everything is not None:
            return Q()
        parts = Q(pk__in=[])
        if self.own_agency_id is not None:
            parts |= Q(agency_id=self.own_agency_id)
        labels = set().union(*(g.labels for g in self.grants if category in g.categories))
        if labels:
            parts |= Q(sensitivity__in=sorted(labels))
        return parts

    @property
    def sees_other_agencies(self) -> bool:
        return self.everything is not None or bool(self.grants)


def scope_for(viewer: Viewer, person: Person | int, at: datetime | None = None) -> Scope | None:
    """The viewer's scope over one person's records, or None when they may not know of them.

    Fixed query count: one for grants, one for break-glass or assignment checks.
    """
    at = at or timezone.now()
    person_id = person if isinstance(person, int) else person.pk
    if viewer.is_citizen:
        if person_id == viewer.person_id:
            return Scope(viewer, person_id, everything=Basis(BasisKind.SELF), for_subject=True)
        if children_of(viewer.person_id, at).filter(person_id=person_id).exists():
            return Scope(viewer, person_id, everything=Basis(BasisKind.PARENT), for_subject=True)
        return None
    if not viewer.is_staff_member:
        return None
    if not visible_persons(viewer, at).filter(pk=person_id).exists():
        return None
    glass = (
        open_break_glass(at)
        .filter(subject_id=person_id, user_id=viewer.user.pk)
        .order_by("-opened_at")
        .first()
    )
    if glass is not None:
        return Scope(viewer, person_id, everything=Basis(BasisKind.BREAK_GLASS, glass.pk))
    grants = [
        GrantView(g.id, frozenset(g.categories), frozenset(g.labels))
        for g in active_grants(at).filter(subject_id=person_id, agency_id=viewer.agency_id).order_by("id")
    ]
    return Scope(
        viewer,
        person_id,
        own_agency_id=viewer.agency_id,
        grants=grants,
        via_assignment=viewer.is_advocate,
    )


def access_person(user, person_id, at: datetime | None = None) -> tuple[Person, Scope]:
    """The person and the viewer's scope; 404 alike for 'missing' and 'not allowed'."""
    viewer = viewer_for(user)
    try:
        person = Person.objects.get(pk=int(person_id))
    except (Person.DoesNotExist, TypeError, ValueError):
        raise Http404("No such person.") from None
    scope = scope_for(viewer, person, at)
    if scope is None:
        raise Http404("No such person.")
    return person, scope


def agency_could_see(
    *, agency_id: int, person_id: int, category: str, record_agency_id: int, label: str, at: datetime
) -> Basis | None:
    """Whether an agency's staff could see one record of a person at a past time (rule 1, 2).

    Used by duplicate detection: were the earlier answers open to the agency that asked again?
    """
    if agency_id == record_agency_id:
        return Basis(BasisKind.OWN_AGENCY, agency_id)
    for grant in active_grants(at).filter(subject_id=person_id, agency_id=agency_id).order_by("id"):
        if category in grant.categories and label in grant.labels:
            return Basis(BasisKind.CONSENT, grant.id)
    return None


__all__ = [
    "Basis",
    "Category",
    "Scope",
    "Viewer",
    "access_person",
    "active_grants",
    "agency_could_see",
    "scope_for",
    "viewer_for",
    "visible_persons",
]
