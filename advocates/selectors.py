"""Every read an advocate's pages show, scoped by the consent policy (consent.policy
.scopes_for_family), each in a fixed number of queries whatever the size of the record."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import reduce
from operator import or_

from django.db.models import Count, Exists, Max, Min, OuterRef, Prefetch, Q
from django.http import Http404
from django.utils import timezone

from agencies.models import Agency, ContactType, StaffMembership
from concerns.selectors import concerns_for_family, open_concerns_for_caseload
from consent import access_log
from consent.models import BasisKind, Category
from consent.policy import (
    Basis,
    Scope,
    active_grants,
    advocates_of,
    assigned_family_ids,
    current_memberships,
    family_label,
    family_label_shown,
    keeps_caseload,
    known_persons,
    manages_assignments,
    require,
    scopes_for_family,
    viewer_for,
)
from duplicates.selectors import flags_among, open_flags_between
from journeys.models import Assessment, Contact, Family, Membership, Person

from . import costs, journey_map
from .models import Assignment, CaseConference, ConferenceAction

ContactPerson = Contact.persons.through


# Helpers ---------------------------------------------------------------------------------


def _prefixed(q: Q, prefix: str) -> Q:
    """The same filter seen from a related model: Q(agency_id=1) -> Q(contact__agency_id=1)."""
    clone = Q()
    clone.connector, clone.negated = q.connector, q.negated
    clone.children = [
        _prefixed(child, prefix) if isinstance(child, Q) else (f"{prefix}__{child[0]}", child[1])
        for child in q.children
    ]
    return clone


def _contact_filter(scopes: dict[int, Scope]) -> Q:
    """On the contact-person link: the links through which each member's scope shows a contact."""
    parts = []
    for person_id, scope in scopes.items():
        part = Q(person_id=person_id) & _prefixed(scope.record_filter(Category.CONTACTS), "contact")
        if scope.for_subject:
            part &= Q(contact__withheld_from_subject=False)
        parts.append(part)
    return reduce(or_, parts) if parts else Q(pk__in=[])


def _assessment_filter(scopes: dict[int, Scope], family_ids: list[int], prefix: str = "") -> Q:
    """Person-level assessments each member's scope shows, and family-level assessments of
    these families that at least one member's scope would show."""
    pre = f"{prefix}__" if prefix else ""
    parts = []
    for person_id, scope in scopes.items():
        rule = scope.record_filter(Category.ASSESSMENTS)
        if scope.for_subject:
            rule &= Q(withheld_from_subject=False)
        rule = _prefixed(rule, prefix) if prefix else rule
        parts.append(Q(**{f"{pre}subject_person_id": person_id}) & rule)
        parts.append(Q(**{f"{pre}subject_family_id__in": family_ids}) & rule)
    return reduce(or_, parts) if parts else Q(pk__in=[])


def assigned_family(*, user, family_id, viewer=None) -> tuple[Family, Assignment]:
    """A family assigned to this advocate now, with the assignment; 404 alike for missing and
    not theirs (an ended assignment is not theirs)."""
    viewer = viewer or viewer_for(user)
    require(keeps_caseload(viewer))
    try:
        family_id = int(family_id)
    except (TypeError, ValueError):
        raise Http404("No such family.") from None
    assignment = (
        Assignment.objects.filter(
            advocate=user, family_id=family_id, family_id__in=assigned_family_ids(viewer)
        )
        .annotate(label_shown=family_label_shown(viewer, "family_id"))
        .select_related("family")
        .order_by("-started")
        .first()
    )
    if assignment is None:
        raise Http404("No such family.")
    # For display only, never saved: the pages read the label as the advocate may see it.
    assignment.family.label = family_label(assignment.family, assignment.label_shown)
    return assignment.family, assignment


def shared_scopes(viewer, family) -> tuple[dict[int, Scope], int]:
    """The advocate's scopes over the members of one family (or several) who agreed to share
    with the advocacy service, and how many members did not. Those others are only "a family
    member who has not agreed to share": no name, date of birth, id or records (rule 3)."""
    scopes = scopes_for_family(viewer, family)
    shared = {person_id: scope for person_id, scope in scopes.items() if scope.names_person}
    return shared, len(scopes) - len(shared)


@dataclass
class FamilyAccess:
    """What one request of an advocate's family page needs first, fetched once."""

    viewer: object
    family: Family
    assignment: Assignment
    scopes: dict[int, Scope]
    members: list[Person]
    unshared: int = 0  # members who have not agreed to share, shown only as a count
    # Their memberships, never their person ids: the advocate's way to record their consent.
    unshared_memberships: list[int] = field(default_factory=list)


def access_family(*, user, family_id) -> FamilyAccess:
    """The assigned family, the viewer's scope over each member who agreed to share with the
    advocacy service (consent policy), those members, and how many others there are; 404
    alike for missing and not theirs."""
    viewer = viewer_for(user)
    family, assignment = assigned_family(user=user, family_id=family_id, viewer=viewer)
    scopes, unshared = shared_scopes(viewer, family)
    memberships = list(
        Membership.objects.filter(family=family, person__in=known_persons(viewer))
        .filter(Q(ended__isnull=True) | Q(ended__gte=timezone.localdate()))
        .select_related("person")
        .order_by("started", "person__date_of_birth")
    )
    members = [m.person for m in memberships if m.person_id in scopes]
    unnamed = [m.pk for m in memberships if m.person_id not in scopes]
    return FamilyAccess(viewer, family, assignment, scopes, members, unshared, unnamed)


# Caseload --------------------------------------------------------------------------------


@dataclass
class CaseloadRow:
    family: Family
    assignment: Assignment
    members: list[Person] = field(default_factory=list)
    last_contact: datetime | None = None
    contacts_30_days: int = 0
    open_flags: int = 0
    open_concerns: int = 0
    unshared: int = 0  # members who have not agreed to share, shown only as a count
    next_conference: datetime | None = None
    overdue_actions: int = 0


CASELOAD_SORTS = {
    "family": lambda r: r.family.label.lower(),
    "last_contact": lambda r: r.last_contact or datetime.min.replace(tzinfo=timezone.get_current_timezone()),
    "recent": lambda r: r.contacts_30_days,
    "flags": lambda r: r.open_flags,
    "concerns": lambda r: r.open_concerns,
    "gaps": lambda r: r.unshared,
    "conference": lambda r: r.next_conference or datetime.max.replace(tzinfo=timezone.get_current_timezone()),
    "overdue": lambda r: r.overdue_actions,
}
# The natural direction of each sort: most recent and most to do first.
CASELOAD_DESCENDING = {"last_contact", "recent", "flags", "concerns", "gaps", "overdue"}


def caseload(*, user, sort: str = "family") -> list[CaseloadRow]:
    """The advocate's families with what needs their attention. Fixed number of queries."""
    viewer = viewer_for(user)
    if not keeps_caseload(viewer):
        return []
    now = timezone.now()
    today = timezone.localdate()
    assignments = list(
        Assignment.objects.filter(advocate=user, family_id__in=assigned_family_ids(viewer))
        .annotate(label_shown=family_label_shown(viewer, "family_id"))
        .select_related("family")
        .order_by("family__label")
    )
    if not assignments:
        return []
    for a in assignments:  # for display only, never saved
        a.family.label = family_label(a.family, a.label_shown)
    family_ids = [a.family_id for a in assignments]
    rows = {a.family_id: CaseloadRow(family=a.family, assignment=a) for a in assignments}
    all_scopes = scopes_for_family(viewer, family_ids)
    scopes = {person_id: scope for person_id, scope in all_scopes.items() if scope.names_person}
    person_family: dict[int, int] = {}
    for membership in (
        Membership.objects.filter(family_id__in=family_ids, person_id__in=list(all_scopes))
        .filter(Q(ended__isnull=True) | Q(ended__gte=today))
        .select_related("person")
        .order_by("started", "person__date_of_birth")
    ):
        row = rows[membership.family_id]
        if membership.person_id not in scopes:
            row.unshared += 1
            continue
        row.members.append(membership.person)
        person_family[membership.person_id] = membership.family_id
    if scopes:
        links = ContactPerson.objects.filter(_contact_filter(scopes))
        for person_id, last in (
            links.values("person_id")
            .annotate(last=Max("contact__occurred_at"))
            .values_list("person_id", "last")
        ):
            row = rows[person_family[person_id]]
            if row.last_contact is None or last > row.last_contact:
                row.last_contact = last
        recent: dict[int, set[int]] = defaultdict(set)
        for person_id, contact_id in links.filter(
            contact__occurred_at__gte=now - timedelta(days=30)
        ).values_list("person_id", "contact_id"):
            recent[person_family[person_id]].add(contact_id)
        for family_id, contact_ids in recent.items():
            rows[family_id].contacts_30_days = len(contact_ids)
        flags = open_flags_between(
            later=_assessment_filter(scopes, family_ids, "later"),
            earlier=_assessment_filter(scopes, family_ids, "earlier"),
        )
        for later_person, later_family in flags.values_list(
            "later__subject_person_id", "later__subject_family_id"
        ):
            family_id = later_family if later_family in rows else person_family.get(later_person)
            if family_id in rows:
                rows[family_id].open_flags += 1
    for family_id, person_id in open_concerns_for_caseload(
        viewer=viewer, family_ids=family_ids, person_ids=person_family
    ).values_list("subject_family_id", "subject_person_id"):
        target = family_id if family_id in rows else person_family.get(person_id)
        if target in rows:
            rows[target].open_concerns += 1
    for family_id, nxt in (
        CaseConference.objects.filter(family_id__in=family_ids, held_at__gte=now)
        .values("family_id")
        .annotate(nxt=Min("held_at"))
        .values_list("family_id", "nxt")
    ):
        rows[family_id].next_conference = nxt
    for family_id, overdue in (
        ConferenceAction.objects.filter(
            conference__family_id__in=family_ids, completed_at__isnull=True, due__lt=today
        )
        .values("conference__family_id")
        .annotate(n=Count("id"))
        .values_list("conference__family_id", "n")
    ):
        rows[family_id].overdue_actions = overdue
    key = sort if sort in CASELOAD_SORTS else "family"
    result = sorted(rows.values(), key=lambda r: r.family.label.lower())
    return sorted(result, key=CASELOAD_SORTS[key], reverse=key in CASELOAD_DESCENDING)


# The family journey -------------------------------------------------------------------------


@dataclass
class MapContact:
    id: int
    occurred_at: datetime
    agency_id: int
    recording_agency_id: int
    contact_type_id: int
    sensitivity: str
    demand_type: str
    duration_minutes: int | None
    day: date
    withheld_from_subject: bool
    person_ids: set[int] = field(default_factory=set)


@dataclass
class TimelineFilters:
    agency: int | None = None
    person: int | None = None
    contact_type: int | None = None
    date_from: date | None = None
    date_to: date | None = None

    def matches(self, contact: MapContact) -> bool:
        day = contact.day
        return (
            (self.agency is None or contact.agency_id == self.agency)
            and (self.person is None or self.person in contact.person_ids)
            and (self.contact_type is None or contact.contact_type_id == self.contact_type)
            and (self.date_from is None or day >= self.date_from)
            and (self.date_to is None or day <= self.date_to)
        )


@dataclass
class Journey:
    family: Family
    assignment: Assignment
    members: list[Person]
    scopes: dict[int, Scope]
    agencies: dict[int, Agency]
    contact_types: dict[int, ContactType]
    contacts: list[MapContact]
    assessments: list[Assessment]
    flags: list  # duplicate flags, from duplicates.selectors.flags_among
    conferences: list[CaseConference]
    concerns: list  # from concerns.selectors.concerns_for_family
    svg: str
    lanes: list[dict]
    cost: costs.JourneyCost
    timeline: list[Contact]
    timeline_count: int
    notes_shown: set[int]
    unshared: int = 0  # members who have not agreed to share, shown only as a count
    unshared_memberships: list[int] = field(default_factory=list)  # see FamilyAccess


def _day(value: datetime, tz) -> date:
    return value.astimezone(tz).date()


def _fmt_day(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def family_journey(
    *,
    user,
    family_id,
    filters: TimelineFilters | None = None,
    page: int = 1,
    per_page: int = 25,
    log: bool = True,
    access: FamilyAccess | None = None,
) -> tuple[Journey, int]:
    """The journey of an assigned family as this advocate may see it, with one access-log
    entry per member whose records were shown. Returns (journey, page number shown)."""
    filters = filters or TimelineFilters()
    access = access or access_family(user=user, family_id=family_id)
    viewer, family, assignment, scopes = access.viewer, access.family, access.assignment, access.scopes
    members = access.members
    tz = timezone.get_current_timezone()
    agencies = {a.pk: a for a in Agency.objects.all()}
    contact_types = {t.pk: t for t in ContactType.objects.all()}

    # Contacts: one query over the contact-person links, each link allowed by its member's scope.
    contacts: dict[int, MapContact] = {}
    shown_via: dict[int, set[int]] = defaultdict(set)  # person -> contact ids shown through them
    if scopes:
        for row in (
            ContactPerson.objects.filter(_contact_filter(scopes))
            .values_list(
                "contact_id",
                "person_id",
                "contact__occurred_at",
                "contact__agency_id",
                "contact__recording_agency_id",
                "contact__contact_type_id",
                "contact__sensitivity",
                "contact__demand_type",
                "contact__duration_minutes",
                "contact__withheld_from_subject",
            )
            .order_by()
        ):
            *fields, withheld = row
            cid, pid, occurred_at, agency_id, recorder_id, type_id, sensitivity, demand, duration = fields
            contact = contacts.get(cid)
            if contact is None:
                contact = contacts[cid] = MapContact(
                    cid,
                    occurred_at,
                    agency_id,
                    recorder_id,
                    type_id,
                    sensitivity,
                    demand,
                    duration,
                    _day(occurred_at, tz),
                    withheld,
                )
            contact.person_ids.add(pid)
            shown_via[pid].add(cid)
    ordered = sorted(contacts.values(), key=lambda c: (c.occurred_at, c.id), reverse=True)

    assessments = list(
        Assessment.objects.filter(_assessment_filter(scopes, [family.pk]))
        .select_related("assessment_type")
        .order_by("-completed_at", "-id")
    )
    assessment_ids = [a.pk for a in assessments]
    flags = list(flags_among(assessment_ids))
    conferences = list(CaseConference.objects.filter(family=family).order_by("-held_at"))
    concerns = list(concerns_for_family(viewer=viewer, family_id=family.pk, person_ids=list(scopes)))

    # The map.
    today = timezone.localdate()
    by_id = {a.pk: a for a in assessments}
    lane_ids: dict[int, None] = {}
    marks: list[journey_map.Mark] = []
    lane_counts: dict[int, dict] = defaultdict(
        lambda: {"contacts": 0, "failure": 0, "assessments": 0, "flags": 0}
    )
    first_last: dict[int, list[datetime]] = {}
    labels = {pk: t.label for pk, t in contact_types.items()}
    for c in sorted(contacts.values(), key=lambda c: c.occurred_at):
        lane_ids.setdefault(c.agency_id)
        failure = c.demand_type == "failure"
        counts = lane_counts[c.agency_id]
        counts["contacts"] += 1
        counts["failure"] += failure
        span = first_last.setdefault(c.agency_id, [c.occurred_at, c.occurred_at])
        span[1] = c.occurred_at
        title = f"{labels.get(c.contact_type_id, 'Contact')}, {agencies[c.agency_id].name}, {_fmt_day(c.day)}"
        marks.append(
            journey_map.Mark(
                c.day,
                c.agency_id,
                title + " (failure demand)" if failure else title,
                "failure" if failure else "contact",
            )
        )
    for a in sorted(assessments, key=lambda a: a.completed_at):
        lane_ids.setdefault(a.agency_id)
        lane_counts[a.agency_id]["assessments"] += 1
        marks.append(
            journey_map.Mark(
                _day(a.completed_at, tz),
                a.agency_id,
                f"Assessment: {a.assessment_type.name}, {agencies[a.agency_id].name}, "
                f"{_fmt_day(_day(a.completed_at, tz))}",
                "assessment",
            )
        )
    for flag in flags:
        later = by_id[flag.later_id]
        lane_counts[later.agency_id]["flags"] += 1
        marks.append(
            journey_map.Mark(
                _day(later.completed_at, tz),
                later.agency_id,
                f"Asked again: {later.assessment_type.name} repeated {flag.shared_count} questions "
                f"answered {flag.days_apart} days earlier",
                "flag",
            )
        )
    events = [
        journey_map.Event(assignment.started, f"Advocate started, {assignment.started:%-d %b %Y}", "advocate")
    ] + [
        journey_map.Event(
            timezone.localtime(c.held_at).date(),
            f"Case conference, {timezone.localtime(c.held_at):%-d %b %Y}",
            "conference",
        )
        for c in conferences
    ]
    days = [m.day for m in marks] + [e.day for e in events] + [today]
    first, last = min(days), max(days)
    first = date(first.year, first.month, 1)
    lanes = sorted(lane_ids, key=lambda i: agencies[i].name)
    svg = journey_map.render(
        title_id="journey-map-title",
        desc_id="journey-map-desc",
        title=f"Journey map of {family.label}",
        description=(
            f"{len(contacts)} contacts and {len(assessments)} assessments with {len(lanes)} agencies "
            f"from {first:%B %Y} to {last:%B %Y}, one row per agency. The table after the map gives "
            "the same figures."
        ),
        lanes=[(i, agencies[i].name) for i in lanes],
        marks=marks,
        events=events,
        first=first,
        last=last,
    )
    lane_rows = [
        {
            "agency": agencies[agency_id],
            **lane_counts[agency_id],
            "first": first_last.get(agency_id, [None, None])[0],
            "last": first_last.get(agency_id, [None, None])[1],
        }
        for agency_id in lanes
    ]

    # Cost: every shown contact and assessment, priced.
    items = [
        costs.Item(
            day=c.day,
            agency_id=c.agency_id,
            contact_type_id=c.contact_type_id,
            duration_minutes=c.duration_minutes,
        )
        for c in contacts.values()
    ] + [
        costs.Item(
            day=_day(a.completed_at, tz),
            agency_id=a.agency_id,
            assessment_type_id=a.assessment_type_id,
        )
        for a in assessments
    ]
    cost = costs.journey_cost(items, costs.Prices.load(), started=assignment.started, today=today)

    # The timeline: filtered and paginated over what is shown, then one page fetched.
    matching = [c for c in ordered if filters.matches(c)]
    pages = max(1, -(-len(matching) // per_page))
    page = min(max(page, 1), pages)
    page_ids = [c.id for c in matching[(page - 1) * per_page : page * per_page]]
    timeline = sorted(
        Contact.objects.filter(pk__in=page_ids)
        .select_related("agency", "contact_type")
        .prefetch_related(Prefetch("persons", queryset=Person.objects.filter(pk__in=list(scopes)))),
        key=lambda c: (c.occurred_at, c.pk),
        reverse=True,
    )
    notes_shown = set()
    for c in timeline:
        if c.recorded_by_id == user.pk or any(
            scopes[p].basis_for(
                category=Category.NOTES, recording_agency_id=c.recording_agency_id, label=c.sensitivity
            )
            for p in contacts[c.pk].person_ids
        ):
            notes_shown.add(c.pk)

    journey = Journey(
        family=family,
        assignment=assignment,
        members=members,
        scopes=scopes,
        agencies=agencies,
        contact_types=contact_types,
        contacts=ordered,
        assessments=assessments,
        flags=flags,
        conferences=conferences,
        concerns=concerns,
        svg=svg,
        lanes=lane_rows,
        cost=cost,
        timeline=timeline,
        timeline_count=len(matching),
        notes_shown=notes_shown,
        unshared=access.unshared,
        unshared_memberships=access.unshared_memberships,
    )
    if log:
        _log_journey_access(user=user, viewer=viewer, journey=journey, shown_via=shown_via)
    return journey, page


def _told(records: list) -> list:
    """The shown records the subject may know of: a citizen reads the log's words in "who
    looked", so records withheld from them (rule 6) are counted in withheld_shown instead."""
    return [r for r in records if not r.withheld_from_subject]


def _log_journey_access(*, user, viewer, journey: Journey, shown_via: dict[int, set[int]]) -> None:
    """One access-log entry per member whose records were shown, with the bases."""
    contacts = {c.id: c for c in journey.contacts}
    for person in journey.members:
        scope = journey.scopes[person.pk]
        shown_contacts = [contacts[cid] for cid in shown_via.get(person.pk, ())]
        shown_assessments = [
            a
            for a in journey.assessments
            if a.subject_person_id == person.pk
            or (
                a.subject_family_id is not None
                and scope.basis_for(
                    category=Category.ASSESSMENTS,
                    recording_agency_id=a.recording_agency_id,
                    label=a.sensitivity,
                )
            )
        ]
        if not shown_contacts and not shown_assessments:
            continue
        bases: set[Basis] = {Basis(BasisKind.ASSIGNMENT, journey.assignment.pk)}
        for c in shown_contacts:
            basis = scope.basis_for(
                category=Category.CONTACTS, recording_agency_id=c.recording_agency_id, label=c.sensitivity
            )
            if basis:
                bases.add(basis)
        for a in shown_assessments:
            basis = scope.basis_for(
                category=Category.ASSESSMENTS, recording_agency_id=a.recording_agency_id, label=a.sensitivity
            )
            if basis:
                bases.add(basis)
        words, withheld = access_log.records_told(
            [(c.agency_id, c.withheld_from_subject) for c in shown_contacts],
            [(a.agency_id, a.withheld_from_subject) for a in shown_assessments],
        )
        access_log.append(
            user=user,
            agency_id=viewer.agency_id,
            role=viewer.role,
            subject_id=person.pk,
            shown=f"Family journey: {words}",
            withheld_shown=withheld,
            bases=bases,
        )


# Contact logging -------------------------------------------------------------------------


def _with_notes_visible(*, user, scopes: dict[int, Scope], contacts: list[Contact]) -> list[Contact]:
    """Mark each contact's `notes_visible`: its summary may be shown or copied only where the
    viewer may read its notes, or wrote it."""
    for c in contacts:
        c.notes_visible = c.recorded_by_id == user.pk or any(
            scopes[p.pk].basis_for(
                category=Category.NOTES, recording_agency_id=c.recording_agency_id, label=c.sensitivity
            )
            for p in c.persons.all()
        )
    return contacts


def _scoped_contacts(scopes: dict[int, Scope], ids: list[int]) -> dict[int, Contact]:
    return {
        c.pk: c
        for c in Contact.objects.filter(pk__in=ids)
        .select_related("agency", "contact_type")
        .prefetch_related(Prefetch("persons", queryset=Person.objects.filter(pk__in=list(scopes))))
    }


def log_contacts_shown(*, user, scopes: dict[int, Scope], contacts: list[Contact], what: str) -> None:
    """One access-log entry per member through whom these contacts were shown (rule 7), for
    pages that show or copy contacts outside the journey: "same again", a concern's contact."""
    viewer = viewer_for(user)
    for person_id, scope in scopes.items():
        shown = [c for c in contacts if any(p.pk == person_id for p in c.persons.all())]
        if not shown:
            continue
        bases = {Basis(BasisKind.ASSIGNMENT)} | {
            scope.basis_for(
                category=Category.CONTACTS, recording_agency_id=c.recording_agency_id, label=c.sensitivity
            )
            for c in shown
        }
        bases |= {
            scope.basis_for(
                category=Category.NOTES, recording_agency_id=c.recording_agency_id, label=c.sensitivity
            )
            for c in shown
            if c.notes_visible
        }
        bases.discard(None)
        told = _told(shown)
        access_log.append(
            user=user,
            agency_id=viewer.agency_id,
            role=viewer.role,
            subject_id=person_id,
            shown=f"{what}: {len(told)} contacts from {len({c.agency_id for c in told})} agencies",
            withheld_shown=len(shown) - len(told),
            bases=bases,
        )


def recent_contacts_for_same_again(
    *, user, family: Family, scopes: dict[int, Scope], limit: int = 3
) -> list[Contact]:
    """The family's most recent contacts this advocate may see, to copy as 'same again'.
    Summaries are copied only where the viewer may read them (notes) or wrote them; a contact
    withheld from the family is never offered, since its copy would be a record they can read
    (rule 6), as tell us once never reuses a withheld answer."""
    if not scopes:
        return []
    ids = list(
        ContactPerson.objects.filter(_contact_filter(scopes), contact__withheld_from_subject=False)
        .order_by("-contact__occurred_at", "-contact_id")
        .values_list("contact_id", flat=True)[: limit * 4]
    )
    unique = list(dict.fromkeys(ids))[:limit]
    found = _scoped_contacts(scopes, unique)
    return _with_notes_visible(user=user, scopes=scopes, contacts=[found[i] for i in unique if i in found])


def contact_to_copy(*, user, scopes: dict[int, Scope], contact_id) -> Contact | None:
    """One contact of the family this advocate may see now, to prefill a form from (its
    `notes_visible` says whether its summary may be copied); None when it is missing or not
    theirs to see, or withheld from the family (a copy would be a record they can read). The
    caller logs the read with log_contacts_shown."""
    try:
        contact_id = int(contact_id)
    except (TypeError, ValueError):
        return None
    links = (
        ContactPerson.objects.filter(
            _contact_filter(scopes), contact_id=contact_id, contact__withheld_from_subject=False
        )
        if scopes
        else None
    )
    if links is None or not links.exists():
        return None
    found = _scoped_contacts(scopes, [contact_id])
    return _with_notes_visible(user=user, scopes=scopes, contacts=list(found.values()))[0]


# Assignments (advocacy managers) ---------------------------------------------------------


def assignments_for_manager(*, user):
    """Current assignments of the manager's advocacy service, and its advocates. Each says
    whether its family's label may be shown (`label_shown`)."""
    from django.contrib.auth import get_user_model

    viewer = viewer_for(user)
    require(manages_assignments(viewer))
    today = timezone.localdate()
    # A family's label names it: shown only once a member has agreed to share with the service.
    sharing = active_grants().filter(
        agency_id=viewer.agency_id,
        subject_id__in=current_memberships()
        .filter(family_id=OuterRef(OuterRef("family_id")))
        .values("person_id"),
    )
    current = (
        Assignment.objects.filter(advocate__staff_membership__agency_id=viewer.agency_id)
        .filter(Q(ended__isnull=True) | Q(ended__gt=today))
        .annotate(label_shown=Exists(sharing))
        .select_related("advocate", "family")
        .order_by("family__reference")
    )
    advocates = (
        get_user_model()
        .objects.filter(
            staff_membership__in=StaffMembership.objects.filter(advocates_of(viewer.agency_id)),
            is_active=True,
        )
        .order_by("first_name", "last_name")
    )
    return current, advocates


def family_to_assign(*, user, reference: str) -> Family | None:
    """The family with this reference, for an advocacy manager to assign. Only its id is used:
    the page shows nothing of a family (its label among them) before it is assigned."""
    require(manages_assignments(viewer_for(user)))
    return Family.objects.filter(reference__iexact=(reference or "").strip()).only("pk", "reference").first()
