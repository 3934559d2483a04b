"""Duplicate assessments, database side: load people's assessments for the pure detector
(`duplicates.py`), upsert one flag per pair, and record a manager's review.

Query counts are fixed: checking one new assessment costs the same whatever the size of the
record, and the rescan reads each chunk of people in a fixed number of queries.
"""

from __future__ import annotations

import gc
import json
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from agencies.models import UnitCost
from consent.events import record_event
from consent.models import Category, ConsentGrant

from .duplicates import Candidate, Item, Rules, candidates_involving, find_candidates, sort_items
from .models import Answer, Assessment, DuplicateFlag, FlagStatus, Membership, Person
from .rows import fetch_rows

logger = logging.getLogger(__name__)

RESCAN_CHUNK = 2000
_ShareThrough = DuplicateFlag.shared_questions.through


def rules() -> Rules:
    return Rules.from_settings(settings)


# Loading ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Meta:
    """What the database side needs besides the detector's view of an assessment."""

    assessment_type_id: int
    sensitivity: str
    subject_person_id: int | None
    subject_family_id: int | None


@dataclass
class Loaded:
    """People's assessments, ready for the detector, with what flags need to know."""

    items_by_person: dict[int, list[Item]] = field(default_factory=dict)
    meta: dict[int, Meta] = field(default_factory=dict)
    # Every member of the families involved (not only the people loaded), so that a family's
    # pair gives the same answer whichever chunk of people finds it.
    members_of: dict[int, list[tuple[int, date, date | None]]] = field(default_factory=dict)

    def members_on(self, family_id: int, day: date) -> list[int]:
        """Members who had not left the family by that day (see _build on start dates)."""
        return sorted(
            person_id
            for person_id, _started, ended in self.members_of.get(family_id, ())
            if ended is None or ended >= day
        )


def _range_q(name: str, id_range: tuple[int, int]) -> Q:
    return Q(**{f"{name}__gte": id_range[0], f"{name}__lte": id_range[1]})


def load_items(
    *,
    person_ids: list[int] | None = None,
    id_range: tuple[int, int] | None = None,
    between: tuple[datetime, datetime] | None = None,
) -> Loaded:
    """Each person's assessments (their own, and their families' while they were members) in
    date order. Three queries: memberships, assessments, then their answers' question ids."""
    if (person_ids is None) == (id_range is None):
        raise ValueError("Give either person_ids or id_range.")
    person_q = Q(person_id__in=person_ids) if person_ids is not None else _range_q("person_id", id_range)
    # Every member of these people's families (their own memberships among them), by index.
    their_families = sorted(
        set(Membership.objects.filter(person_q).order_by().values_list("family_id", flat=True))
    )
    memberships = fetch_rows(
        Membership.objects.filter(family_id__in=their_families)
        .order_by()
        .values_list("person_id", "family_id", "started", "ended")
    )
    if person_ids is not None:
        wanted = set(person_ids)

        def loaded_person(person_id: int) -> bool:
            return person_id in wanted
    else:
        low, high = id_range

        def loaded_person(person_id: int) -> bool:
            return low <= person_id <= high

    family_ids = sorted({family_id for person_id, family_id, _, _ in memberships if loaded_person(person_id)})
    subject_q = (
        Q(subject_person_id__in=person_ids)
        if person_ids is not None
        else _range_q("subject_person_id", id_range)
    )
    if family_ids:
        subject_q |= Q(subject_family_id__in=family_ids)
    assessments = Assessment.objects.filter(subject_q)
    if between is not None:
        assessments = assessments.filter(completed_at__range=between)
    heads = (
        assessments.order_by()
        .annotate(day=TruncDate("completed_at"))
        .values_list(
            "id",
            "completed_at",
            "day",
            "agency_id",
            "assessment_type_id",
            "sensitivity",
            "subject_person_id",
            "subject_family_id",
        )
    )
    # The answers are read apart from the assessments: one timestamp an assessment, not one a
    # question, is what keeps reading close to streaming the rows.
    answers = Answer.objects.filter(assessment_id__in=assessments.order_by().values("id")).values_list(
        "assessment_id", "question_id", "reused_from_id"
    )
    with _collector_paused():
        loaded = _build(fetch_rows(heads), fetch_rows(answers), memberships, loaded_person)
    return loaded


def _build(heads: list[tuple], answers: Iterable[tuple], memberships: list[tuple], loaded_person) -> Loaded:
    questions: dict[int, set[int]] = defaultdict(set)
    asked: dict[int, set[int]] = defaultdict(set)
    for assessment_id, question_id, reused_from_id in answers:
        questions[assessment_id].add(question_id)
        if reused_from_id is None:
            asked[assessment_id].add(question_id)
    loaded = Loaded()
    members_of: dict[int, list[tuple[int, date, date | None]]] = defaultdict(list)
    for person_id, family_id, started, ended in memberships:
        members_of[family_id].append((person_id, started, ended))
    loaded.members_of = members_of
    per_person: dict[int, list[Item]] = defaultdict(list)
    empty: frozenset[int] = frozenset()
    for assessment_id, completed_at, day, agency_id, type_id, label, pid, fid in heads:
        held = questions.get(assessment_id)
        if not held:
            continue  # no answers: nothing can be shared
        item = Item(
            id=assessment_id,
            completed_at=completed_at,
            completed_on=day,
            agency_id=agency_id,
            questions=frozenset(held),
            asked=frozenset(asked.get(assessment_id, empty)),
        )
        loaded.meta[assessment_id] = Meta(
            assessment_type_id=type_id, sensitivity=label, subject_person_id=pid, subject_family_id=fid
        )
        if pid is not None:
            per_person[pid].append(item)
        else:
            # A family-level assessment counts for each member of the family who had not left it
            # by that day. Start dates are not used: they record when staff registered the
            # family, and families are registered long after they began.
            for person_id, _started, ended in members_of.get(fid, ()):
                if loaded_person(person_id) and (ended is None or ended >= day):
                    per_person[person_id].append(item)
    loaded.items_by_person = {pid: sort_items(items) for pid, items in per_person.items()}
    return loaded


@contextmanager
def _collector_paused():
    """Building many small objects at once sets off Python's cyclic collector again and again
    over everything alive; none of these objects form cycles, so pause it while building."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# Consent at the time: were the earlier answers open to the agency that asked again? --------


class GrantIndex:
    """The consent grants of many people, read in one query, answering the same question as
    `consent.policy.agency_could_see` (rules 1 and 2 at a past time) for many pairs at once;
    tests/duplicates hold the two to the same answers."""

    def __init__(self, person_ids: Iterable[int], *, loaded_range: tuple[int, int] | None = None):
        people = set(person_ids)
        if loaded_range is not None:
            # The people of a chunk by their id range; only those outside it by id.
            low, high = loaded_range
            outside = sorted(p for p in people if not low <= p <= high)
            grants = ConsentGrant.objects.filter(
                _range_q("subject_id", loaded_range) | Q(subject_id__in=outside)
            )
        else:
            grants = ConsentGrant.objects.filter(subject_id__in=sorted(people))
        self._by_key: dict[tuple[int, int], list[tuple]] = defaultdict(list)
        rows = fetch_rows(
            grants.order_by().values_list(
                "subject_id", "agency_id", "categories", "labels", "valid_from", "expires_at", "revoked_at"
            )
        )
        for subject_id, agency_id, categories, labels, valid_from, expires_at, revoked_at in rows:
            if isinstance(categories, str):  # read past Django's JSON conversion
                categories, labels = json.loads(categories), json.loads(labels)
            self._by_key[(subject_id, agency_id)].append(
                (frozenset(categories), frozenset(labels), valid_from, expires_at, revoked_at)
            )

    def could_see(
        self, *, agency_id: int, person_id: int, category: str, record_agency_id: int, label: str, at
    ) -> bool:
        if agency_id == record_agency_id:
            return True
        for categories, labels, valid_from, expires_at, revoked_at in self._by_key.get(
            (person_id, agency_id), ()
        ):
            active = valid_from <= at < expires_at and (revoked_at is None or revoked_at > at)
            if active and category in categories and label in labels:
                return True
        return False


# Flags --------------------------------------------------------------------------------


@dataclass
class FlagRow:
    earlier_id: int
    later_id: int
    asked_again_by_id: int
    shared: frozenset[int]
    days_apart: int
    avoidable: bool
    estimated_cost_pence: int

    @property
    def key(self) -> tuple[int, int]:
        return (self.earlier_id, self.later_id)


def _unit_costs(type_ids: Iterable[int]) -> dict[int, int]:
    type_ids = sorted(set(type_ids))
    if not type_ids:
        return {}
    return dict(
        UnitCost.objects.filter(assessment_type_id__in=type_ids).values_list(
            "assessment_type_id", "cost_pence"
        )
    )


def consent_people(candidate: Candidate, loaded: Loaded) -> list[int]:
    """Whose consent decides whether the earlier answers were open to the later agency: the
    earlier record's person; for a family's record, the person the later one is about; for two
    family-level records, every member on the later day (open through any of them). The same
    answer whichever chunk of people finds the pair."""
    earlier, later = loaded.meta[candidate.earlier.id], loaded.meta[candidate.later.id]
    if earlier.subject_person_id is not None:
        return [earlier.subject_person_id]
    if later.subject_person_id is not None:
        return [later.subject_person_id]
    day = candidate.later.completed_on
    members = set(loaded.members_on(earlier.subject_family_id, day))
    if later.subject_family_id != earlier.subject_family_id:
        members &= set(loaded.members_on(later.subject_family_id, day))
    return sorted(members)


def flag_rows(
    candidates: Iterable[Candidate],
    loaded: Loaded,
    costs: dict[int, int] | None = None,
    could_see: Callable[..., bool] | None = None,
    loaded_range: tuple[int, int] | None = None,
) -> list[FlagRow]:
    """One row per pair, priced, and avoidable or blocked under consent at the later time.
    Reads the grants of everyone concerned in one query unless `could_see` is given."""
    unique = {c.key: c for c in candidates}
    people = {key: consent_people(c, loaded) for key, c in unique.items()}
    meta = loaded.meta
    if costs is None:
        costs = _unit_costs(meta[c.later.id].assessment_type_id for c in unique.values())
    if could_see is None:
        could_see = GrantIndex(
            (p for persons in people.values() for p in persons), loaded_range=loaded_range
        ).could_see
    rows = []
    for key, candidate in unique.items():
        earlier, later = candidate.earlier, candidate.later
        avoidable = earlier.agency_id == later.agency_id or any(
            could_see(
                agency_id=later.agency_id,
                person_id=person_id,
                category=Category.ASSESSMENTS,
                record_agency_id=earlier.agency_id,
                label=meta[earlier.id].sensitivity,
                at=later.completed_at,
            )
            for person_id in people[key]
        )
        unit = costs.get(meta[later.id].assessment_type_id, 0)
        rows.append(
            FlagRow(
                earlier_id=earlier.id,
                later_id=later.id,
                asked_again_by_id=later.agency_id,
                shared=candidate.shared,
                days_apart=candidate.days_apart,
                avoidable=avoidable,
                estimated_cost_pence=round(unit * candidate.shared_fraction),
            )
        )
    return rows


@dataclass
class UpsertResult:
    created: int = 0
    refreshed: int = 0
    unchanged: int = 0

    def __iadd__(self, other: UpsertResult) -> UpsertResult:
        self.created += other.created
        self.refreshed += other.refreshed
        self.unchanged += other.unchanged
        return self


_NUMBERS = ("asked_again_by_id", "days_apart", "avoidable", "estimated_cost_pence")
_FLAG_COLUMNS = ("id", "earlier_id", "later_id", "status", *_NUMBERS)


def _rows_with(model, columns: tuple[str, ...], column: str, ids: list[int]) -> list[tuple]:
    """values_list(*columns) of the rows whose `column` is one of `ids`. On PostgreSQL the ids
    go as one array parameter (`= ANY(%s)`), so a long list costs neither a long query text to
    parse nor a plan that scans the table."""
    if not ids:
        return []
    if connection.vendor != "postgresql":
        return list(model.objects.filter(**{f"{column}__in": ids}).values_list(*columns))
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(model._meta.get_field(c).column) for c in columns)
    where = connection.ops.quote_name(model._meta.get_field(column).column)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {names} FROM {table} WHERE {where} = ANY(%s)", [list(ids)])  # noqa: S608
        return cursor.fetchall()


def _shared_sets(flag_ids: list[int]) -> dict[int, frozenset[int]]:
    """Each flag's shared question ids; on PostgreSQL one array a flag, not one row a question."""
    if not flag_ids:
        return {}
    if connection.vendor != "postgresql":
        sets: dict[int, set[int]] = defaultdict(set)
        for flag_id, question_id in _rows_with(
            _ShareThrough, ("duplicateflag", "question"), "duplicateflag", flag_ids
        ):
            sets[flag_id].add(question_id)
        return {flag_id: frozenset(ids) for flag_id, ids in sets.items()}
    table = connection.ops.quote_name(_ShareThrough._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT duplicateflag_id, array_agg(question_id) FROM {table}"  # noqa: S608
            " WHERE duplicateflag_id = ANY(%s) GROUP BY duplicateflag_id",
            [list(flag_ids)],
        )
        return {flag_id: frozenset(ids) for flag_id, ids in cursor.fetchall()}


def upsert_flags(rows: list[FlagRow]) -> UpsertResult:
    """Create the flags that are new; refresh the numbers of open flags whose pair changed.

    A flag a manager confirmed or dismissed is never touched, so a rescan never reopens one.
    The unique constraint on (earlier, later) settles races between workers.
    """
    result = UpsertResult()
    if not rows:
        return result
    wanted = {row.key: row for row in rows}
    later_ids = sorted({row.later_id for row in rows})
    with transaction.atomic():
        existing = {
            (earlier_id, later_id): (flag_id, status, dict(zip(_NUMBERS, numbers, strict=True)))
            for flag_id, earlier_id, later_id, status, *numbers in _rows_with(
                DuplicateFlag, _FLAG_COLUMNS, "later", later_ids
            )
            if (earlier_id, later_id) in wanted
        }
        open_ids = sorted(flag_id for flag_id, status, _ in existing.values() if status == FlagStatus.OPEN)
        shared_of = _shared_sets(open_ids)

        new = [row for key, row in wanted.items() if key not in existing]
        for key, (flag_id, status, numbers) in existing.items():
            row = wanted[key]
            if status != FlagStatus.OPEN:
                result.unchanged += 1
                continue
            fresh = {name: getattr(row, name) for name in _NUMBERS}
            if fresh == numbers and shared_of.get(flag_id, frozenset()) == row.shared:
                result.unchanged += 1
                continue
            # Guarded by status, so a review landing meanwhile is never overwritten.
            updated = DuplicateFlag.objects.filter(pk=flag_id, status=FlagStatus.OPEN).update(
                shared_count=len(row.shared), updated_at=timezone.now(), **fresh
            )
            if updated:
                _ShareThrough.objects.filter(duplicateflag_id=flag_id).delete()
                _ShareThrough.objects.bulk_create(
                    _ShareThrough(duplicateflag_id=flag_id, question_id=q) for q in sorted(row.shared)
                )
                result.refreshed += 1
            else:
                result.unchanged += 1

        if new:
            DuplicateFlag.objects.bulk_create(
                [
                    DuplicateFlag(
                        earlier_id=row.earlier_id,
                        later_id=row.later_id,
                        asked_again_by_id=row.asked_again_by_id,
                        shared_count=len(row.shared),
                        days_apart=row.days_apart,
                        avoidable=row.avoidable,
                        estimated_cost_pence=row.estimated_cost_pence,
                    )
                    for row in new
                ],
                ignore_conflicts=True,
                batch_size=2000,
            )
            new_keys = {row.key for row in new}
            ids = {
                (earlier_id, later_id): flag_id
                for flag_id, earlier_id, later_id in _rows_with(
                    DuplicateFlag,
                    ("id", "earlier_id", "later_id"),
                    "later",
                    sorted({r.later_id for r in new}),
                )
                if (earlier_id, later_id) in new_keys
            }
            _ShareThrough.objects.bulk_create(
                [
                    _ShareThrough(duplicateflag_id=ids[row.key], question_id=q)
                    for row in new
                    if row.key in ids
                    for q in sorted(row.shared)
                ],
                ignore_conflicts=True,
                batch_size=10000,
            )
            result.created += len(new)
    return result


# The incremental check and the rescan --------------------------------------------------


def duplicates_check_assessment(*, assessment_id: int) -> UpsertResult | None:
    """Flag the duplicates one new or changed assessment makes. None when it is gone."""
    assessment = (
        Assessment.objects.filter(pk=assessment_id)
        .values("subject_person_id", "subject_family_id", "completed_at")
        .first()
    )
    if assessment is None:
        return None
    the_rules = rules()
    if assessment["subject_person_id"] is not None:
        person_ids = [assessment["subject_person_id"]]
    else:
        day = timezone.localdate(assessment["completed_at"])
        person_ids = list(
            Membership.objects.filter(family_id=assessment["subject_family_id"])
            .filter(Q(ended__isnull=True) | Q(ended__gte=day))
            .values_list("person_id", flat=True)
        )
        if not person_ids:
            return UpsertResult()
    # Only assessments that can fall inside the window either side need reading.
    margin = timedelta(days=the_rules.window_days + 2)
    at = assessment["completed_at"]
    loaded = load_items(person_ids=person_ids, between=(at - margin, at + margin))
    found = [
        candidate
        for items in loaded.items_by_person.values()
        for candidate in candidates_involving(items, assessment_id, the_rules)
    ]
    if not found:
        return UpsertResult()
    return upsert_flags(flag_rows(found, loaded))


def duplicates_rescan(
    *, chunk_size: int = RESCAN_CHUNK, on_progress: Callable[[int, int], None] | None = None
) -> dict:
    """Rescan everyone in chunks of people and repair whatever the incremental check missed.

    Safe to run twice: the second run finds the same pairs and changes nothing.
    """
    the_rules = rules()
    person_ids = list(Person.objects.order_by("id").values_list("id", flat=True))
    total = len(person_ids)
    costs = dict(
        UnitCost.objects.filter(assessment_type__isnull=False).values_list("assessment_type_id", "cost_pence")
    )
    result = UpsertResult()
    pairs = 0
    if on_progress:
        on_progress(0, total)
    for start in range(0, total, chunk_size):
        chunk = person_ids[start : start + chunk_size]
        id_range = (chunk[0], chunk[-1])
        loaded = load_items(id_range=id_range)
        with _collector_paused():
            found = [
                candidate
                for items in loaded.items_by_person.values()
                for candidate in find_candidates(items, the_rules)
            ]
            if found:
                rows = flag_rows(found, loaded, costs, loaded_range=id_range)
                pairs += len(rows)
                result += upsert_flags(rows)
        if on_progress:
            on_progress(min(start + chunk_size, total), total)
    summary = {
        "people": total,
        "pairs": pairs,
        "created": result.created,
        "refreshed": result.refreshed,
        "unchanged": result.unchanged,
    }
    logger.info("Duplicate rescan finished: %s", summary)
    return summary


# Review -------------------------------------------------------------------------------


REVIEW_STATUSES = (FlagStatus.CONFIRMED, FlagStatus.DISMISSED)


def duplicate_flag_review(*, flag: DuplicateFlag, status: str, reason: str, actor) -> DuplicateFlag:
    """A manager confirms or dismisses a flag, with a reason. A dismissed flag stays dismissed
    through every later rescan."""
    reason = (reason or "").strip()
    errors = {}
    if status not in REVIEW_STATUSES:
        errors["status"] = "Choose whether this is a duplicate (confirm) or not (dismiss)."
    if not reason:
        errors["reason"] = "Enter the reason for your decision."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        flag = DuplicateFlag.objects.select_for_update().get(pk=flag.pk)
        previous = flag.status
        flag.status = status
        flag.review_reason = reason
        flag.reviewed_by = actor
        flag.reviewed_at = timezone.now()
        flag.save(update_fields=["status", "review_reason", "reviewed_by", "reviewed_at", "updated_at"])
        record_event(actor=actor, verb="duplicate_flag.reviewed", obj=flag, status=status, previous=previous)
    return flag
