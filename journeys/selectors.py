"""Every read of case data that a page or endpoint shows, scoped by the consent policy, with a
fixed number of queries whatever the size of the record."""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.conf import settings
from django.core.cache import cache
from django.db.models import Case, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, When
from django.http import Http404

from consent import access_log
from consent.models import BasisKind, Category
from consent.policy import (
    Basis,
    Scope,
    access_person,
    assigned_family_ids,
    family_label,
    family_label_shown,
    finds_by_identifier,
    keeps_caseload,
    known_persons,
    named_persons,
    uses_staff_pages,
    viewer_for,
    visible_persons,
)
from core.rows import fetch_rows

from . import events
from .identifiers import normalise, search_terms
from .models import (
    Answer,
    Assessment,
    Contact,
    Family,
    IdentifierScheme,
    Membership,
    Person,
    PersonIdentifier,
)


@dataclass
class Record:
    """A person's joined-up record as one viewer may see it."""

    person: Person
    scope: Scope
    contacts: list[Contact] | list[dict]
    assessments: list[Assessment]
    withheld_count: int = 0
    bases: set[Basis] = field(default_factory=set)
    contact_details_shown: bool = False


def _scoped(qs: QuerySet, scope: Scope, category: str) -> QuerySet:
    """Apply the policy's filter and, for the subject themself, rule 6 withholding."""
    qs = qs.filter(scope.record_filter(category))
    if scope.for_subject:
        qs = qs.filter(withheld_from_subject=False)
    return qs


def _withheld_but_shown(scope: Scope, person: Person) -> int:
    if not scope.for_subject:
        return 0
    contacts = Contact.objects.filter(
        persons=person, withheld_from_subject=True, withheld_existence_shown=True
    )
    assessments = Assessment.objects.filter(
        subject_person=person, withheld_from_subject=True, withheld_existence_shown=True
    )
    return contacts.count() + assessments.count()


# A contact as a row (contact_rows=True): the API's fields, read in one query with the agency
# and contact type codes joined; whether it is withheld from the subject is kept aside for the
# access log.
CONTACT_ROW_FIELDS = (
    ("id", "id"),
    ("family", "family_id"),
    ("agency", "agency__code"),
    ("agency_id", "agency_id"),
    ("recording_agency", "recording_agency__code"),
    ("recording_agency_id", "recording_agency_id"),
    ("contact_type", "contact_type__code"),
    ("occurred_at", "occurred_at"),
    ("channel", "channel"),
    ("duration_minutes", "duration_minutes"),
    ("summary", "summary"),
    ("purpose", "purpose"),
    ("outcome", "outcome"),
    ("demand_type", "demand_type"),
    ("sensitivity", "sensitivity"),
    ("recorded_via", "recorded_via"),
    ("external_id", "external_id"),
)
# The API's names for a contact: the serializers of model instances use the same list.
CONTACT_FIELDS = [key for key, _ in CONTACT_ROW_FIELDS]


def _contact_rows(
    contacts: QuerySet, scope: Scope, bases: set[Basis], logged: list[tuple[int, bool]]
) -> list[dict]:
    """The scoped contacts as dicts (no model instances), each decided by the same scope
    methods as the instances are: basis_for for its basis, shows_notes for its free text.
    Each row's agency and whether it is withheld from the subject go to `logged`."""
    rows = fetch_rows(contacts.values_list(*(f for _, f in CONTACT_ROW_FIELDS), "withheld_from_subject"))
    decided: dict[tuple[int, str], bool] = {}  # the scope's answers depend only on these two
    out = []
    for row in rows:
        item = dict(zip(CONTACT_FIELDS, row, strict=False))
        logged.append((item["agency_id"], row[-1]))
        pair = (item["recording_agency_id"], item["sensitivity"])
        notes_shown = decided.get(pair)
        if notes_shown is None:
            bases.add(scope.basis_for(category=Category.CONTACTS, recording_agency_id=pair[0], label=pair[1]))
            notes_shown = decided[pair] = (
                scope.shows_notes(recording_agency_id=pair[0], label=pair[1]) is not None
            )
        if not notes_shown:
            item["summary"] = item["purpose"] = item["outcome"] = ""
        item["notes_shown"] = notes_shown
        out.append(item)
    return out


def person_record(*, user, person_id, log: bool = True, contact_rows: bool = False) -> Record:
    """The joined-up record of one person as `user` may see it (404 when they may not know
    of the person), writing one access-log entry for the view. With contact_rows the contacts
    are dicts of the API's fields (RecordContactSerializer's, occurred_at still a datetime)
    instead of model instances."""
    person, scope = access_person(user, person_id)
    scoped_contacts = _scoped(Contact.objects.filter(persons=person), scope, Category.CONTACTS).order_by(
        "-occurred_at", "-id"
    )
    bases: set[Basis] = set()
    logged: list[tuple[int, bool]] = []  # each contact's agency, and whether withheld from the subject
    if contact_rows:
        contacts = _contact_rows(scoped_contacts, scope, bases, logged)
    else:
        contacts = list(scoped_contacts.prefetch_related("agency", "recording_agency", "contact_type"))
        logged = [(c.agency_id, c.withheld_from_subject) for c in contacts]
    assessments = list(
        _scoped(Assessment.objects.filter(subject_person=person), scope, Category.ASSESSMENTS)
        .select_related("agency", "assessment_type")
        .prefetch_related(Prefetch("answers", queryset=Answer.objects.select_related("question")))
        .order_by("-completed_at", "-id")
    )
    bases |= {
        scope.basis_for(
            category=Category.ASSESSMENTS, recording_agency_id=a.recording_agency_id, label=a.sensitivity
        )
        for a in assessments
    }
    if not contact_rows:
        bases |= {
            scope.basis_for(
                category=Category.CONTACTS, recording_agency_id=c.recording_agency_id, label=c.sensitivity
            )
            for c in contacts
        }
        for contact in contacts:
            # The 'notes' category: without it another agency's contact shows only that it
            # happened. These instances are for display only and are never saved.
            note_basis = scope.shows_notes(
                recording_agency_id=contact.recording_agency_id, label=contact.sensitivity
            )
            contact.notes_shown = note_basis is not None
            if note_basis is None:
                contact.summary = contact.purpose = contact.outcome = ""
    if scope.via_assignment:
        bases.add(Basis(BasisKind.ASSIGNMENT))  # rule 7: how the advocate knows the person
    details_basis = scope.shows_contact_details(person.registered_by_id)
    if details_basis is None:
        person.phone = person.email = person.address = ""
    else:
        bases.add(details_basis)
    record = Record(
        person=person,
        scope=scope,
        contacts=contacts,
        assessments=assessments,
        withheld_count=_withheld_but_shown(scope, person),
        bases=bases,
        contact_details_shown=details_basis is not None,
    )
    if log and scope.viewer.person_id != person.pk:
        shown, withheld_shown = access_log.records_told(
            logged, [(a.agency_id, a.withheld_from_subject) for a in assessments]
        )
        access_log.append(
            user=user,
            agency_id=scope.viewer.agency_id,
            role=scope.viewer.role,
            subject_id=person.pk,
            shown=shown,
            withheld_shown=withheld_shown,
            bases=bases,
        )
    return record


class SearchRateLimited(Exception):
    """Too many identifier searches by one user this minute; `retry_after` is in seconds."""

    def __init__(self, retry_after: int):
        super().__init__(f"Too many identifier searches: try again in {retry_after} seconds.")
        self.retry_after = retry_after


def _count_identifier_search(user) -> None:
    """Rate-limit identifier searches per user (a fixed window a minute, in the cache), so
    nobody can walk through NHS numbers to learn who the partnership knows."""
    now = time.time()
    window = int(now // 60)
    key = f"identifier-search:{user.pk}:{window}"
    cache.add(key, 0, timeout=120)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, count := 1, timeout=120)
    if count > settings.IDENTIFIER_SEARCHES_PER_MINUTE:
        raise SearchRateLimited(retry_after=max(1, 60 - int(now % 60)))


def _log_identifier_search(*, user, terms: list[tuple[str, str]], matched: int) -> None:
    """Who searched which schemes, and how many people matched; the value only as a keyed
    hash, so the log can tell two searches for the same number apart without holding it."""
    value = terms[0][1]
    digest = hmac.new(settings.SECRET_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()
    events.person_identifier_searched(
        user=user, schemes=[scheme for scheme, _ in terms], value_hash=digest, matched=matched
    )


def identifier_holders(*, user, terms: list[tuple[str, str]]) -> list[int]:
    """Who holds any of these exact (scheme, normalised value) identifiers. Wherever it is
    asked (a search, an emergency-access pair, a clash on creating a person) it counts once a
    value against the user's identifier-search limit and is logged, so no route tells who the
    partnership knows more cheaply or more quietly than a search."""
    holders = []
    for value in dict.fromkeys(value for _, value in terms):
        schemes = [(scheme, v) for scheme, v in terms if v == value]
        _count_identifier_search(user)
        exact = reduce(or_, (Q(scheme=scheme, value=value) for scheme, _ in schemes))
        found = list(PersonIdentifier.objects.filter(exact).values_list("person_id", flat=True))
        _log_identifier_search(user=user, terms=schemes, matched=len(set(found)))
        holders += found
    return holders


def person_search(*, user, q: str = "") -> QuerySet[Person]:
    """People the user may know of matching a name, or anyone with exactly this identifier
    (to link a new record without revealing what other agencies hold). An identifier search
    matches well-formed, normalised identifiers only (identifiers.search_terms), is logged,
    and raises SearchRateLimited beyond the per-user limit.

    One query finds the people matching the name (a trigram index on PostgreSQL) or holding
    the identifier whom the agency knows (rule 10: one indexed lookup of AgencyKnows each)."""
    viewer = viewer_for(user)
    q = (q or "").strip()
    visible = visible_persons(viewer)
    if not q:
        return visible.order_by("family_name", "given_name")
    terms = Q()
    for word in q.split():
        terms &= (
            Q(given_name__icontains=word) | Q(family_name__icontains=word) | Q(preferred_name__icontains=word)
        )
    identifier_terms = search_terms(q)
    identified = identifier_holders(user=user, terms=identifier_terms) if identifier_terms else []
    known = list(visible.filter(terms | Q(pk__any=identified)).values_list("pk", flat=True))
    shown = known
    if finds_by_identifier(viewer):
        shown = known + identified
    # `known`: false for an exact-identifier match the agency may not open yet (rule 10);
    # `matched_scheme`: the scheme it matched in, which emergency access to them must name.
    matched = PersonIdentifier.objects.filter(
        reduce(or_, (Q(scheme=scheme, value=value) for scheme, value in identifier_terms), Q(pk__in=[])),
        person=OuterRef("pk"),
    )
    return (
        Person.objects.filter(pk__any=shown)
        .annotate(
            known=Case(When(pk__any=known, then=Value(True)), default=Value(False)),
            matched_scheme=Subquery(matched.values("scheme")[:1]),
        )
        .order_by("family_name", "given_name")
    )


def families_visible(*, user) -> QuerySet[Family]:
    """Families the user's agency registered or with a member the user may know of; for an
    advocate, the families assigned to them."""
    viewer = viewer_for(user)
    if keeps_caseload(viewer):
        return (
            Family.objects.filter(pk__in=assigned_family_ids(viewer))
            .annotate(label_shown=family_label_shown(viewer))
            .order_by("label")
        )
    known = Q(pk__in=Membership.objects.filter(person__in=visible_persons(viewer)).values("family_id"))
    if uses_staff_pages(viewer):
        known |= Q(registered_by_id=viewer.agency_id)
    return Family.objects.filter(known).order_by("label")


def family_detail(*, user, family_id) -> Family:
    family = families_visible(user=user).filter(pk=family_id).first()
    if family is None:
        raise Http404("No such family.")
    viewer = viewer_for(user)
    memberships = list(
        family.memberships.filter(person__in=known_persons(viewer))
        .select_related("person")
        .order_by("started")
    )
    # An advocate names only the members who agreed to share; the others are only counted.
    named = named_persons(viewer, [m.person_id for m in memberships])
    family.label = family_label(family)  # for display only, never saved
    family.visible_memberships = [m for m in memberships if m.person_id in named]
    family.unshared_members = len(memberships) - len(family.visible_memberships)
    return family


def break_glass_subject(user, person_id, identifier: dict | None = None) -> Person:
    """The person this user may open emergency access to (rule 5): one they may know of, or,
    for agency staff, one who holds exactly this identifier (scheme and value), as an
    identifier search finds them (rule 10). The pair is asked as an identifier search is:
    counted against the user's limit (SearchRateLimited) and logged. A wrong pair is the same
    404 as a missing person."""
    viewer = viewer_for(user)
    if identifier is not None and finds_by_identifier(viewer):
        scheme, value = str(identifier.get("scheme") or ""), str(identifier.get("value") or "")
        if scheme not in IdentifierScheme.values:
            raise Http404("No such person.")
        holders = identifier_holders(user=user, terms=[(scheme, normalise(scheme, value))])
        try:
            return Person.objects.filter(pk__in=holders).get(pk=int(person_id))
        except (Person.DoesNotExist, TypeError, ValueError):
            raise Http404("No such person.") from None
    return access_person(user, person_id)[0]
