"""The one access decision: may this user see this person's records of this agency and
category, and on what basis? (DESIGN.md, "The consent policy".)

Every selector that returns case data asks here. Nothing is cached across requests, so a
revocation takes effect on the very next request (rule 9).
"""

from __future__ import annotations

import functools
import json
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime

from django.conf import settings
from django.db.models import Exists, F, OuterRef, Q, QuerySet, TextField, Value
from django.db.models.functions import Cast, Concat
from django.http import Http404
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from advocates.models import Assignment
from agencies.models import ApiClient, Role, Sector
from core.db import CompiledQuery
from core.rows import fetch_rows
from journeys.models import AgencyKnows, Membership, Person, RecordedVia, Sensitivity

from .models import BasisKind, BreakGlass, Category, ConsentGrant, Lapse

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
    partnership_reviewer: bool = False  # a manager who reviews duplication across agencies
    client_scopes: frozenset[str] | None = None  # an agency system's API client: what it may do
    has_second_factor: bool = False  # an authenticator app or recovery codes are set up
    # The sign-in has still to pass (or set up) its second factor: until then it sees nothing.
    second_factor_due: bool = False

    @property
    def is_client(self) -> bool:
        return self.client_scopes is not None

    @property
    def is_staff_member(self) -> bool:
        return self.agency_id is not None and self.role in (Role.STAFF, Role.MANAGER, Role.ADVOCATE)

    @property
    def is_citizen(self) -> bool:
        return self.role == CITIZEN

    @property
    def is_advocate(self) -> bool:
        return self.is_staff_member and self.is_advocacy

    @property
    def is_information_governance(self) -> bool:
        return self.agency_id is not None and self.role == Role.INFORMATION_GOVERNANCE


# The viewers built during the current request, by user id (see OneViewerPerRequest).
_request_viewers: ContextVar[dict[int, Viewer] | None] = ContextVar("request_viewers", default=None)


class OneViewerPerRequest:
    """Middleware: a request decides who its user is once, however many permission checks and
    selectors ask, and forgets it when the response is made, so the next request reads the
    user's role and agency afresh (rule 9)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request_viewers.set({})
        try:
            return self.get_response(request)
        finally:
            _request_viewers.reset(token)


def viewer_for(user) -> Viewer:
    """Build the viewer in one query; anonymous and unattached users get a viewer that sees nothing.

    Never memoised on the user: the same user object can outlive a request (API clients,
    shells), and a change of role or agency must count on the next call (rule 9). Within one
    request it is built once (OneViewerPerRequest)."""
    if user is None or not user.is_authenticated:
        return Viewer(user=user, agency_id=None, role=None, person_id=None)
    built = _request_viewers.get()
    if built is not None and user.pk in built:
        return built[user.pk]
    viewer = _build_viewer(user)
    if built is not None:
        built[user.pk] = viewer
    return viewer


def _viewer_row_of(pk) -> QuerySet:
    """What a viewer is built from: one row of the user, their agency membership, person and
    API client. Every request reads it, so it is compiled once (_VIEWER_ROW)."""
    from django.contrib.auth import get_user_model

    devices = Q(user_id=OuterRef("pk"), confirmed=True)
    return (
        get_user_model()
        .objects.annotate(
            has_second_factor=Exists(TOTPDevice.objects.filter(devices))
            | Exists(StaticDevice.objects.filter(devices))
        )
        .values(
            "staff_membership__agency_id",
            "staff_membership__role",
            "staff_membership__agency__sector",
            "staff_membership__partnership_reviewer",
            "person__id",
            "api_client__agency_id",
            "api_client__agency__sector",
            "api_client__scopes",
            "api_client__revoked_at",
            "has_second_factor",
        )
        .filter(pk=pk)
    )


_VIEWER_ROW = CompiledQuery(_viewer_row_of)


def _viewer_row(user) -> dict:
    return _VIEWER_ROW.first(user.pk) or {}


def _second_factor_applies(row: dict) -> bool:
    """Anyone who set one up passes it; every account of an agency must when MFA_REQUIRED. An
    agency system's API client has no sign-in to add a factor to: its token is its credential."""
    if row.get("api_client__agency_id") is not None:
        return False
    return bool(row.get("has_second_factor")) or (
        settings.MFA_REQUIRED and row.get("staff_membership__agency_id") is not None
    )


def second_factor_applies(user) -> bool:
    """Whether this user's sign-ins (pages and personal API tokens) need a second factor."""
    return _second_factor_applies(_viewer_row(user))


def _passed_second_factor(user) -> bool:
    """A sign-in to the pages carries django-otp's verdict (its middleware sets is_verified). A
    user met any other way has passed already or never signs in: a personal token is issued only
    with a code, and a task acts for an actor who was signed in."""
    is_verified = getattr(user, "is_verified", None)
    return is_verified() if callable(is_verified) else True


def _build_viewer(user) -> Viewer:
    row = _viewer_row(user)
    has_second_factor = bool(row.get("has_second_factor"))
    if _second_factor_applies(row) and not _passed_second_factor(user):
        # Password alone: no agency, role or person, so every gate and selector shows nothing.
        return Viewer(
            user=user,
            agency_id=None,
            role=None,
            person_id=None,
            has_second_factor=has_second_factor,
            second_factor_due=True,
        )
    agency_id = row.get("staff_membership__agency_id")
    if row.get("api_client__agency_id") is not None and row["api_client__revoked_at"] is None:
        # An agency system acts as staff of its agency, within its scopes, never as a person.
        viewer = Viewer(
            user=user,
            agency_id=row["api_client__agency_id"],
            role=Role.STAFF,
            person_id=None,
            is_advocacy=row["api_client__agency__sector"] == Sector.ADVOCACY,
            client_scopes=frozenset(row["api_client__scopes"]),
        )
    elif agency_id is not None:
        viewer = Viewer(
            user=user,
            agency_id=agency_id,
            role=row["staff_membership__role"],
            person_id=None,
            is_advocacy=row["staff_membership__agency__sector"] == Sector.ADVOCACY,
            partnership_reviewer=row["staff_membership__partnership_reviewer"],
            has_second_factor=has_second_factor,
        )
    elif row.get("person__id"):
        viewer = Viewer(
            user=user,
            agency_id=None,
            role=CITIZEN,
            person_id=row["person__id"],
            has_second_factor=has_second_factor,
        )
    else:
        viewer = Viewer(user=user, agency_id=None, role=None, person_id=None)
    return viewer


def administered_accounts(users: QuerySet) -> QuerySet:
    """The accounts the administrator may list and change: not a citizen's. A citizen's account
    is theirs alone, so no password, status or name of it is set or read in the admin. Nor an
    agency system's identity: given a password, it could sign in as if it were a person."""
    return users.exclude(Exists(Person.objects.filter(user=OuterRef("pk")))).exclude(
        Exists(ApiClient.objects.filter(user=OuterRef("pk")))
    )


# Stands for "any API client of an agency" where a view needs no particular scope (reference data).
ANY_CLIENT = "any"


def client_may(viewer: Viewer, scope: str | None) -> bool:
    """Whether the caller may use an API operation that needs `scope` (None: the operation names
    none, so it is closed to API clients). Scopes limit agency systems only; people are
    decided by their role and the rules above."""
    if not viewer.is_client:
        return True
    return scope == ANY_CLIENT or scope in viewer.client_scopes


# Role gates ---------------------------------------------------------------------------------
# Who may use a page, endpoint, task or export. Every role check outside this module calls one
# of these; none of them passes a superuser (an administrator configures, never reads cases).


def require(allowed: bool) -> None:
    """The pages' one answer for "missing" and "not allowed": a 404 alike, so a page refused to
    a role reads as one that is not there. API endpoints refuse a role with 403 (their
    permission classes call the same gates) and a missing or unknown object with 404."""
    if not allowed:
        raise Http404("Not found.")


def configures(viewer: Viewer) -> bool:
    """An administrator (a superuser) configures agencies, staff and the question bank in the
    admin; it is the one thing being a superuser opens."""
    return bool(getattr(viewer.user, "is_superuser", False))


def uses_staff_pages(viewer: Viewer) -> bool:
    """Agency staff, managers and advocates (and agency systems, within their scopes)."""
    return viewer.is_staff_member


def uses_portal(viewer: Viewer) -> bool:
    """A person signed in to see their own record and their children's."""
    return viewer.is_citizen


def keeps_caseload(viewer: Viewer) -> bool:
    """An advocate of the advocacy service: families assigned to them (rule 3)."""
    return viewer.is_advocate


def finds_by_identifier(viewer: Viewer) -> bool:
    """Agency staff other than advocates may match an exact identifier to link a new record
    (rule 10); an advocate knows only the families assigned to them."""
    return viewer.is_staff_member and not viewer.is_advocate


def opens_break_glass(viewer: Viewer) -> bool:
    """Agency staff other than advocates: advocates see their families through assignment and
    consent, never in an emergency (rule 5)."""
    return viewer.is_staff_member and not viewer.is_advocate


def manages_agency(viewer: Viewer) -> bool:
    """A manager of an agency, signed in as a person (an agency system is never a manager)."""
    return viewer.is_staff_member and viewer.role == Role.MANAGER and not viewer.is_client


def manages_api_clients(viewer: Viewer) -> bool:
    """A manager of an agency manages its systems' API clients."""
    return manages_agency(viewer)


def answers_concerns(viewer: Viewer) -> bool:
    """Managers answer the concerns raised about their agency."""
    return manages_agency(viewer)


def reviews_concerns_of(viewer: Viewer, agency_id: int | None) -> bool:
    """A concern about an agency is answered by that agency's managers."""
    return answers_concerns(viewer) and agency_id is not None and viewer.agency_id == agency_id


def manages_assignments(viewer: Viewer) -> bool:
    """A manager of the advocacy service assigns its advocates to families."""
    return manages_agency(viewer) and viewer.is_advocacy


def manages_duplicates(viewer: Viewer) -> bool:
    """Managers review duplicate assessments: their agency's, or the partnership's when they
    are its duplication reviewer (partnership_reviewer)."""
    return manages_agency(viewer)


def reviews_partnership_duplicates(viewer: Viewer) -> bool:
    """The manager who reviews duplication across every agency of the partnership."""
    return manages_duplicates(viewer) and viewer.partnership_reviewer


def decides_corrections_of(viewer: Viewer, agency_id: int) -> bool:
    """A citizen's correction of their details is decided by staff of the agency that recorded them."""
    return viewer.is_staff_member and viewer.agency_id == agency_id


def advocates_of(agency_id: int | None = None) -> Q:
    """A filter on StaffMembership for the advocates of the advocacy service (of one agency)."""
    found = Q(role=Role.ADVOCATE, agency__sector=Sector.ADVOCACY)
    return found & Q(agency_id=agency_id) if agency_id is not None else found


def managers_of(agency_id: int) -> Q:
    """A filter on StaffMembership for an agency's managers: who answers its concerns and
    reviews its staff's emergency access."""
    return Q(agency_id=agency_id, role=Role.MANAGER)


def information_governance() -> Q:
    """A filter on StaffMembership for the partnership's information governance."""
    return Q(role=Role.INFORMATION_GOVERNANCE)


def may_turn_off_second_factor(viewer: Viewer) -> bool:
    """A citizen's second factor is their choice; an agency's staff keep theirs while
    MFA_REQUIRED says every account of an agency needs one."""
    if viewer.second_factor_due or not viewer.has_second_factor:
        return False
    return viewer.is_citizen or (viewer.agency_id is not None and not settings.MFA_REQUIRED)


def resets_second_factors(viewer: Viewer) -> bool:
    """Information governance resets lost second factors."""
    return viewer.is_information_governance


def may_reset_second_factor(viewer: Viewer, account) -> bool:
    """Anyone's but their own (someone else checks theirs), and no agency system's (it has none)."""
    return (
        resets_second_factors(viewer)
        and account.pk != viewer.user.pk
        and not ApiClient.objects.filter(user_id=account.pk).exists()
    )


def active_grants(at: datetime | None = None) -> QuerySet[ConsentGrant]:
    """The one definition of an active grant (rules 2 and 4): started, not expired, not
    revoked, and, when a parent gave it, still within that parent's authority. Decided in the
    same query every time it is asked (rule 9), so a 16th birthday or a parental responsibility
    ending counts at once, with nothing to run first."""
    at = at or timezone.now()
    return ConsentGrant.objects.filter(_in_term(at), _within_givers_authority(at))


def lapsed_parent_grants(at: datetime | None = None) -> QuerySet[ConsentGrant]:
    """Grants in their term and not withdrawn that no longer stand because the parent who
    gave them has no authority left (rule 4): the complement of active_grants in the term."""
    at = at or timezone.now()
    return ConsentGrant.objects.filter(_in_term(at)).exclude(_within_givers_authority(at))


def _in_term(at: datetime) -> Q:
    return Q(valid_from__lte=at, expires_at__gt=at) & (Q(revoked_at__isnull=True) | Q(revoked_at__gt=at))


def _within_givers_authority(at: datetime) -> Q:
    """Rule 4: the person's own grant stands; a parent's only while the child is below the
    own-consent age and the parent holds parental responsibility in a family the child is in."""
    child_families = current_memberships(at).filter(
        person_id=OuterRef(OuterRef("subject_id")), relationship="child"
    )
    responsible = current_memberships(at).filter(
        person_id=OuterRef("given_by_id"),
        parental_responsibility=True,
        family_id__in=child_families.values("family_id"),
    )
    return Q(given_by_id=F("subject_id")) | (
        Q(subject__date_of_birth__gt=own_consent_birthday_cutoff(at)) & Exists(responsible)
    )


@dataclass(frozen=True, slots=True)
class GrantTerms:
    """What decides whether one grant is active at any time, read once for many times (the
    in-memory form of active_grants, for callers that ask of many past moments)."""

    valid_from: datetime
    expires_at: datetime
    revoked_at: datetime | None
    given_by_parent: bool = False
    subject_born: date | None = None
    # (started, ended) of the giver's parental responsibility in the child's families.
    authority: tuple[tuple[date, date | None], ...] = ()

    def active_at(self, at: datetime) -> bool:
        revoked = self.revoked_at is not None and self.revoked_at <= at
        if revoked or not self.valid_from <= at < self.expires_at:
            return False
        if not self.given_by_parent:
            return True
        day = timezone.localdate(at)
        return self.subject_born > own_consent_birthday_cutoff(at) and any(
            started <= day and (ended is None or ended >= day) for started, ended in self.authority
        )


def grant_terms(grants: QuerySet[ConsentGrant]) -> dict[int, GrantTerms]:
    """GrantTerms for each grant, by id, in two queries whatever their number."""
    rows = list(
        grants.order_by().values_list(
            "id",
            "subject_id",
            "given_by_id",
            "subject__date_of_birth",
            "valid_from",
            "expires_at",
            "revoked_at",
        )
    )
    by_parent = grants.exclude(given_by_id=F("subject_id"))
    authority: dict[tuple[int, int], list[tuple[date, date | None]]] = {}
    if any(subject != giver for _, subject, giver, *_rest in rows):
        child = Membership.objects.filter(person_id__in=by_parent.values("subject_id"), relationship="child")
        for giver, subject, started, ended, child_started, child_ended in (
            Membership.objects.filter(
                person_id__in=by_parent.values("given_by_id"),
                parental_responsibility=True,
                family__memberships__in=child,
            )
            .values_list(
                "person_id",
                "family__memberships__person_id",
                "started",
                "ended",
                "family__memberships__started",
                "family__memberships__ended",
            )
            .distinct()
        ):
            # Authority over the child holds while both memberships do.
            ends = [day for day in (ended, child_ended) if day is not None]
            authority.setdefault((giver, subject), []).append(
                (max(started, child_started), min(ends) if ends else None)
            )
    return {
        pk: GrantTerms(
            valid_from=valid_from,
            expires_at=expires_at,
            revoked_at=revoked_at,
            given_by_parent=giver != subject,
            subject_born=born,
            authority=tuple(authority.get((giver, subject), ())),
        )
        for pk, subject, giver, born, valid_from, expires_at, revoked_at in rows
    }


class GrantIndex:
    """Rules 1 and 2 as of past times: whether an agency's staff could see one record of a
    person at a moment, for many people and moments at once. The grants (a queryset of
    ConsentGrant) are read once, in one query and one more for those a parent gave, and each
    is judged by GrantTerms.active_at, active_grants' in-memory form (tests hold the two to
    the same answers). Duplicate detection asks it whether the earlier answers were open to
    the agency that asked again."""

    def __init__(self, grants: QuerySet[ConsentGrant]):
        self._by_key: dict[tuple[int, int], list[tuple]] = {}
        rows = fetch_rows(
            grants.order_by("id").values_list(
                "id", "subject_id", "agency_id", "given_by_id", "categories", "labels",
                "valid_from", "expires_at", "revoked_at",
            )
        )  # fmt: skip
        # A parent's grant also lapses with their authority (rule 4): those few are read apart.
        by_parent = grant_terms(grants.exclude(given_by_id=F("subject_id")))
        for pk, subject_id, agency_id, given_by_id, categories, labels, *term in rows:
            terms = by_parent[pk] if given_by_id != subject_id else GrantTerms(*term)
            self._by_key.setdefault((subject_id, agency_id), []).append(
                (pk, _name_set(categories), _name_set(labels), terms)
            )

    @classmethod
    def of_people(cls, person_ids) -> GrantIndex:
        return cls(ConsentGrant.objects.filter(subject_id__any=sorted(set(person_ids))))

    def could_see(
        self,
        *,
        agency_id: int,
        person_id: int,
        category: str,
        record_agency_id: int,
        label: str,
        at: datetime,
    ) -> Basis | None:
        if agency_id == record_agency_id:
            return Basis(BasisKind.OWN_AGENCY, agency_id)
        for pk, categories, labels, terms in self._by_key.get((person_id, agency_id), ()):
            if category in categories and label in labels and terms.active_at(at):
                return Basis(BasisKind.CONSENT, pk)
        return None


def _name_set(names: str | list[str]) -> frozenset[str]:
    """A grant's categories or labels as a set. Read past Django's JSON conversion they are
    JSON text, and a county's grants hold only a few distinct lists: each is parsed once."""
    return _parsed_name_set(names) if isinstance(names, str) else frozenset(names)


@functools.lru_cache(maxsize=1024)
def _parsed_name_set(text: str) -> frozenset[str]:
    return frozenset(json.loads(text))


def with_activity(grants: QuerySet[ConsentGrant], at: datetime | None = None) -> QuerySet[ConsentGrant]:
    """Grants annotated with `in_force` (active_grants' answer) in the same query, for lists."""
    return grants.annotate(in_force=Exists(active_grants(at).filter(pk=OuterRef("pk"))))


def lapse_of(grant: ConsentGrant, at: datetime | None = None) -> Lapse | None:
    """Why a grant in its term, not withdrawn, is not in force: only a parent's grant lapses.
    Reads `in_force` from with_activity when present, else asks active_grants."""
    at = at or timezone.now()
    if grant.given_by_id == grant.subject_id or not grant.valid_from <= at < grant.expires_at:
        return None
    if grant.revoked_at is not None and grant.revoked_at <= at:
        return None
    in_force = getattr(grant, "in_force", None)
    if in_force is None:
        in_force = active_grants(at).filter(pk=grant.pk).exists()
    if in_force:
        return None
    if grant.subject.date_of_birth <= own_consent_birthday_cutoff(at):
        return Lapse.OWN_AGE
    return Lapse.RESPONSIBILITY


def own_age_birthday(person: Person) -> date:
    """The day a person reaches the own-consent age (28 February for a 29 February birthday)."""
    born, years = person.date_of_birth, settings.CONSENT_OWN_AGE
    try:
        return born.replace(year=born.year + years)
    except ValueError:
        return born.replace(year=born.year + years, day=28)


def open_break_glass(at: datetime | None = None) -> QuerySet[BreakGlass]:
    at = at or timezone.now()
    return BreakGlass.objects.filter(opened_at__lte=at, expires_at__gt=at)


def own_break_glass(viewer: Viewer, at: datetime | None = None) -> QuerySet[BreakGlass]:
    """The emergency access this viewer opened that is open now, for the agency they are in now:
    it was opened for that agency's work, so it does not follow them to another agency."""
    return open_break_glass(at).filter(user_id=viewer.user.pk, agency_id=viewer.agency_id)


def current_memberships(at: datetime | None = None) -> QuerySet[Membership]:
    day = timezone.localdate(at) if at else timezone.localdate()
    return Membership.objects.filter(started__lte=day).filter(Q(ended__isnull=True) | Q(ended__gte=day))


def assigned_family_ids(viewer: Viewer, at: datetime | None = None) -> QuerySet:
    day = timezone.localdate(at) if at else timezone.localdate()
    return (
        Assignment.objects.filter(advocate=viewer.user, started__lte=day)
        # `ended` is the first day without the assignment: access stops the moment it ends.
        .filter(Q(ended__isnull=True) | Q(ended__gt=day))
        .values("family_id")
    )


def own_consent_birthday_cutoff(at: datetime | None = None):
    """People born after this day are below the age at which they give their own consent."""
    today = timezone.localdate(at) if at else timezone.localdate()
    years = settings.CONSENT_OWN_AGE
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def may_record_parental_responsibility(agency) -> bool:
    """Rule 4: parental responsibility, and with it a parent's portal access to a child's
    record, is recorded only by agencies of the sectors PARENTAL_RESPONSIBILITY_SECTORS names."""
    return agency is not None and agency.sector in settings.PARENTAL_RESPONSIBILITY_SECTORS


def children_of(person_id: int, at: datetime | None = None) -> QuerySet:
    """Ids of children below the own-consent age (rule 4) in families where this person holds
    parental responsibility. From that age the young person's record is their own: a parent
    neither sees it nor consents for it."""
    families = current_memberships(at).filter(person_id=person_id, parental_responsibility=True)
    return (
        current_memberships(at)
        .filter(
            family_id__in=families.values("family_id"),
            relationship="child",
            person__date_of_birth__gt=own_consent_birthday_cutoff(at),
        )
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
        # Rule 3: an advocate knows a member by name only once they agree to share with the
        # advocacy service; the others are only counted (known_persons).
        return known_persons(viewer, at).filter(
            Exists(active_grants(at).filter(subject_id=OuterRef("pk"), agency_id=viewer.agency_id))
        )
    # One indexed lookup of the pair (AgencyKnows): the agency's own records decide at once; a
    # grant or break-glass is then asked whether it is active now (rules 2, 5 and 9).
    agency = viewer.agency_id
    grant = active_grants(at).filter(subject_id=OuterRef("person_id"), agency_id=agency)
    glass = own_break_glass(viewer, at).filter(subject_id=OuterRef("person_id"))
    knows = AgencyKnows.objects.filter(agency_id=agency, person_id=OuterRef("pk")).filter(
        Q(registered=True)
        | Q(contacted=True)
        | Q(assessed=True)
        | Q(Exists(grant), granted=True)
        | Q(Exists(glass), break_glass=True)
    )
    return Person.objects.filter(Exists(knows))


def known_persons(viewer: Viewer, at: datetime | None = None) -> QuerySet[Person]:
    """People this viewer knows exist, named or not: for an advocate, every current member of
    the families assigned to them, of whom visible_persons are the ones they may name; for
    everyone else, visible_persons. Only counts and a way to record consent come of the rest."""
    if not viewer.is_advocate:
        return visible_persons(viewer, at)
    members = current_memberships(at).filter(family_id__in=assigned_family_ids(viewer, at))
    return Person.objects.filter(pk__in=members.values("person_id"))


def family_label_shown(viewer: Viewer, family_ref: str = "pk", at: datetime | None = None):
    """An annotation: whether the viewer may read the family's label (reached through
    `family_ref`). A label names a family, so an advocate reads it only once a member agrees to
    share with the advocacy service (rule 3), as an advocacy manager does."""
    if not viewer.is_advocate:
        return Value(True)
    return Exists(
        current_memberships(at).filter(family_id=OuterRef(family_ref), person__in=visible_persons(viewer, at))
    )


def family_label(family, label_shown: bool | None = None) -> str:
    """The family's label as the viewer may read it (`label_shown`, else the family's own
    annotation of family_label_shown): otherwise only its reference."""
    shown = getattr(family, "label_shown", True) if label_shown is None else label_shown
    return family.label if shown else f"Family {family.reference or family.pk}"


def unnamed_member(user, *, family_id, membership_id, at: datetime | None = None) -> Person:
    """The member of a family assigned to this advocate, by their membership, whom the advocate
    may not name yet: the one thing done for them is recording their consent when they agree.
    404 alike for missing, not theirs, and already named (then their own pages serve)."""
    viewer = viewer_for(user)
    try:
        membership = current_memberships(at).get(
            pk=int(membership_id), family_id=int(family_id), family_id__in=assigned_family_ids(viewer, at)
        )
    except (Membership.DoesNotExist, TypeError, ValueError):
        raise Http404("No such family member.") from None
    if not viewer.is_advocate or visible_persons(viewer, at).filter(pk=membership.person_id).exists():
        raise Http404("No such family member.")
    return membership.person


def contact_recording(viewer: Viewer, *, agency_id: int) -> str | None:
    """How this viewer may record a contact with that agency, or None when they may not: staff
    record their own agency's contacts; an advocate also logs the contacts a family reports
    having had with other agencies (recorded by the advocacy service: rule 1)."""
    if not viewer.is_staff_member:
        return None
    if agency_id == viewer.agency_id:
        return RecordedVia.AGENCY
    return RecordedVia.ADVOCATE if viewer.is_advocate else None


def own_agency_records(viewer: Viewer, qs: QuerySet, person_field: str) -> QuerySet:
    """The records the viewer's own agency recorded (rule 1). An advocate's are limited to
    members of the families assigned to them (rule 3), so a colleague's caseload stays closed."""
    if not viewer.is_staff_member:
        return qs.none()
    qs = qs.filter(recording_agency_id=viewer.agency_id)
    if viewer.is_advocate:
        qs = qs.filter(**{f"{person_field}__in": visible_persons(viewer).values("pk")}).distinct()
    return qs


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

    def basis_for(self, *, category: str, recording_agency_id: int, label: str) -> Basis | None:
        """The basis on which one record, recorded by that agency, may be shown, or None."""
        if self.everything is not None:
            return self.everything
        if self.own_agency_id is not None and recording_agency_id == self.own_agency_id:
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
            parts |= Q(recording_agency_id=self.own_agency_id)
        labels = set().union(*(g.labels for g in self.grants if category in g.categories))
        if labels:
            parts |= Q(sensitivity__in=sorted(labels))
        return parts

    def shows_contact_details(self, registered_by_id: int | None) -> Basis | None:
        """A person's phone, email and address are a record of the agency that registered
        them, in the 'contact details' category."""
        return self.basis_for(
            category=Category.CONTACT_DETAILS,
            recording_agency_id=registered_by_id or 0,
            label=Sensitivity.GENERAL,
        )

    def shows_notes(self, *, recording_agency_id: int, label: str) -> Basis | None:
        """Whether a shown contact's free text (summary, purpose, outcome) may be shown too:
        the 'notes' category. Without it, another agency's contact shows only that it happened."""
        return self.basis_for(category=Category.NOTES, recording_agency_id=recording_agency_id, label=label)

    @property
    def sees_other_agencies(self) -> bool:
        return self.everything is not None or bool(self.grants)

    @property
    def names_person(self) -> bool:
        """Whether the viewer may see who this person is (name, date of birth, id): the same
        rule as named_persons, decided from the scope already built."""
        return not self.via_assignment or self.sees_other_agencies

    def describe(self) -> str:
        """In plain words, what this viewer is shown and on what basis (the record's banner)."""
        if self.everything is not None:
            kind = self.everything.kind
            if kind == BasisKind.SELF:
                return "Your own record: everything agencies have recorded about you."
            if kind == BasisKind.PARENT:
                return "Your child's record, because you have parental responsibility."
            return (
                f"Emergency access {self.everything.ref}: every agency's records are shown until it ends."
                " Your reason is logged and a manager will review it."
            )
        parts = ["your agency's own records"]
        for grant in self.grants:
            cats = ", ".join(Category(c).label.lower() for c in sorted(grant.categories))
            labels = ", ".join(Sensitivity(lb).label.lower() for lb in sorted(grant.labels))
            parts.append(f"other agencies' {cats} marked {labels}, under consent {grant.id}")
        if not self.grants:
            return (
                "Shown: only your agency's own records. This person has not agreed to share other "
                "agencies' records with your agency."
            )
        return "Shown: " + "; and ".join(parts) + "."


def scope_for(viewer: Viewer, person: Person | int, at: datetime | None = None) -> Scope | None:
    """The viewer's scope over one person's records, or None when they may not know of them.

    Fixed query count for a given viewer and person: break-glass, grants, and (unless one of
    those or the person's registration already shows that the viewer may know of them) the
    visibility check of rule 10.
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
    glass = own_break_glass(viewer, at).filter(subject_id=person_id).order_by("-opened_at").first()
    grants = [
        GrantView(g.id, frozenset(g.categories), frozenset(g.labels))
        for g in active_grants(at).filter(subject_id=person_id, agency_id=viewer.agency_id).order_by("id")
    ]
    # For staff other than advocates, an open break-glass, an active grant or registering the
    # person is each one of visible_persons' own conditions (the same filters at the same
    # time), so the person is known without asking it again.
    known = not viewer.is_advocate and (
        glass is not None
        or bool(grants)
        or (not isinstance(person, int) and person.registered_by_id == viewer.agency_id)
    )
    if not known and not visible_persons(viewer, at).filter(pk=person_id).exists():
        return None
    if glass is not None:
        return Scope(viewer, person_id, everything=Basis(BasisKind.BREAK_GLASS, glass.pk))
    return Scope(
        viewer,
        person_id,
        own_agency_id=viewer.agency_id,
        grants=grants,
        via_assignment=viewer.is_advocate,
    )


def scopes_for_family(viewer: Viewer, family, at: datetime | None = None) -> dict[int, Scope]:
    """Batch form of scope_for for the current members of one family (a Family or an id) or of
    several (an iterable of ids): {person id: Scope}, only for members the viewer knows exist
    (known_persons). An advocate's scope of a member they may not name has names_person False:
    such scopes serve counts only, and scope_for answers None for that member.

    The same decisions as scope_for, in a fixed number of queries whatever the family's size:
    members, break-glass, grants (citizens: members and children).
    """
    at = at or timezone.now()
    if isinstance(family, int) or hasattr(family, "pk"):
        family_ids = [family if isinstance(family, int) else family.pk]
    else:
        family_ids = list(family)
    members = current_memberships(at).filter(family_id__in=family_ids)
    if viewer.is_citizen:
        ids = set(members.values_list("person_id", flat=True))
        children = set(
            children_of(viewer.person_id, at).filter(person_id__in=ids).values_list("person_id", flat=True)
        )
        scopes = {}
        if viewer.person_id in ids:
            scopes[viewer.person_id] = Scope(
                viewer, viewer.person_id, everything=Basis(BasisKind.SELF), for_subject=True
            )
        for child in sorted(children):
            scopes[child] = Scope(viewer, child, everything=Basis(BasisKind.PARENT), for_subject=True)
        return scopes
    if not viewer.is_staff_member:
        return {}
    ids = sorted(
        set(
            members.filter(person_id__in=known_persons(viewer, at).values("pk")).values_list(
                "person_id", flat=True
            )
        )
    )
    if not ids:
        return {}
    glasses: dict[int, int] = {}
    for subject_id, glass_id in (
        own_break_glass(viewer, at)
        .filter(subject_id__in=ids)
        .order_by("opened_at")
        .values_list("subject_id", "id")
    ):
        glasses[subject_id] = glass_id  # the latest opened wins, as in scope_for
    grants: dict[int, list[GrantView]] = {person_id: [] for person_id in ids}
    for g in active_grants(at).filter(subject_id__in=ids, agency_id=viewer.agency_id).order_by("id"):
        grants[g.subject_id].append(GrantView(g.id, frozenset(g.categories), frozenset(g.labels)))
    scopes = {}
    for person_id in ids:
        if person_id in glasses:
            scopes[person_id] = Scope(
                viewer, person_id, everything=Basis(BasisKind.BREAK_GLASS, glasses[person_id])
            )
        else:
            scopes[person_id] = Scope(
                viewer,
                person_id,
                own_agency_id=viewer.agency_id,
                grants=grants[person_id],
                via_assignment=viewer.is_advocate,
            )
    return scopes


def named_persons(viewer: Viewer, person_ids, at: datetime | None = None) -> set[int]:
    """Of these people the viewer may know of, those the viewer may name (rule 3). An advocate
    names only the members who agreed to share with the advocacy service (an active grant to
    it); the others are shown as "a family member who has not agreed to share", with no name,
    date of birth or id. Everyone else names everyone they may know of."""
    ids = set(person_ids)
    if not viewer.is_advocate or not ids:
        return ids
    return set(visible_persons(viewer, at).filter(pk__in=ids).values_list("pk", flat=True))


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


def reviews_break_glass(viewer: Viewer) -> bool:
    """Managers review their agency's emergency access; information governance reviews what
    no manager could (rule 5)."""
    return viewer.is_information_governance or manages_agency(viewer)


def break_glass_for_reviewer(viewer: Viewer) -> QuerySet[BreakGlass]:
    """Emergency access this viewer may review: never their own opening."""
    if viewer.is_information_governance:
        return BreakGlass.objects.filter(for_governance=True)
    if not reviews_break_glass(viewer):
        return BreakGlass.objects.none()
    return BreakGlass.objects.filter(agency_id=viewer.agency_id)


def may_review_break_glass(viewer: Viewer, glass: BreakGlass) -> bool:
    return glass.user_id != viewer.user.pk and break_glass_for_reviewer(viewer).filter(pk=glass.pk).exists()


def confirms_invitation_codes(viewer: Viewer) -> bool:
    """The second person for codes given in person: those who review emergency access."""
    return reviews_break_glass(viewer)


def invitation_codes_to_confirm(viewer: Viewer, codes: QuerySet) -> QuerySet:
    """Of the in-person codes still waiting (`codes`, the portal's), those this viewer may
    confirm as the second person (rule 12): a manager's for their agency, information
    governance's where no manager could; never a code they issued themselves."""
    if viewer.is_information_governance:
        codes = codes.filter(for_governance=True)
    elif confirms_invitation_codes(viewer):
        codes = codes.filter(agency_id=viewer.agency_id)
    else:
        return codes.none()
    return codes.exclude(invited_by_id=viewer.user.pk)


def assessments_open_filter(viewer: Viewer, *, at: datetime | None = None, prefix: str = "") -> Q:
    """A filter on assessments (reached through `prefix`, e.g. "earlier__") for those this
    staff viewer may see now: the decisions of scope_for and Scope.basis_for for the
    assessments category, over many people in one query (derived records, rule 11).

    Family-level assessments are open only to the agency that made them: consent is given
    person by person. A grant's categories and labels are JSON lists of fixed codes, matched
    as quoted text so the same filter runs on SQLite and PostgreSQL."""
    if not viewer.is_staff_member:
        return Q(**{f"{prefix}pk__in": []})
    at = at or timezone.now()
    person = f"{prefix}subject_person"
    glass = Exists(own_break_glass(viewer, at).filter(subject_id=OuterRef(person)))
    grant = Exists(
        active_grants(at)
        .filter(subject_id=OuterRef(person), agency_id=viewer.agency_id)
        .alias(categories_text=Cast("categories", TextField()), labels_text=Cast("labels", TextField()))
        .filter(
            categories_text__contains=f'"{Category.ASSESSMENTS}"',
            labels_text__contains=Concat(Value('"'), OuterRef(f"{prefix}sensitivity"), Value('"')),
        )
    )
    own = Q(**{f"{prefix}recording_agency_id": viewer.agency_id})
    shown = own | Q(**{f"{person}__isnull": False}) & (glass | grant)
    if viewer.is_advocate:
        shown &= Q(**{f"{person}__in": visible_persons(viewer, at).values("pk")}) | Q(
            **{f"{prefix}subject_family__in": assigned_family_ids(viewer, at)}
        )
    return shown


__all__ = [
    "Basis",
    "Category",
    "GrantIndex",
    "Scope",
    "Viewer",
    "access_person",
    "active_grants",
    "assessments_open_filter",
    "client_may",
    "contact_recording",
    "family_label",
    "family_label_shown",
    "known_persons",
    "may_record_parental_responsibility",
    "named_persons",
    "scope_for",
    "scopes_for_family",
    "unnamed_member",
    "viewer_for",
    "visible_persons",
]
