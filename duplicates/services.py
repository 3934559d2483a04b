"""Duplicate assessments, database side: load people's assessments for the pure detector
(`duplicates.py`), upsert one flag per pair, and record a manager's review.

Query counts are fixed: checking one new assessment costs the same whatever the size of the
record, and the rescan reads each chunk of people in a fixed number of queries.
"""

from __future__ import annotations

import gc
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from operator import itemgetter
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from agencies.models import UnitCost
from consent import policy
from consent.models import Category, ConsentGrant
from core.db import lock_timeout
from core.rows import fetch_rows, int_array
from journeys.models import Assessment, Membership, Person, question_id_sets

from . import events
from .detection import Candidate, Item, Rules, candidates_involving, find_candidates
from .models import DuplicateFlag, FlagStatus
from .selectors import manager_scope

logger = logging.getLogger(__name__)

RESCAN_CHUNK = 2000
# How long a flag write waits for a row another transaction holds before it gives up.
FLAG_LOCK_SECONDS = 5
_ShareThrough = DuplicateFlag.shared_questions.through


def rules() -> Rules:
    return Rules.from_settings(settings)


# Loading ------------------------------------------------------------------------------


class Meta(NamedTuple):
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
    date order. Three queries: these people's families, those families' members, then the
    assessments with their question ids."""
    if (person_ids is None) == (id_range is None):
        raise ValueError("Give either person_ids or id_range.")
    if person_ids is not None:
        person_q, subject_q = Q(person_id__in=person_ids), Q(subject_person_id__in=person_ids)
        wanted = set(person_ids)

        def loaded_person(person_id: int) -> bool:
            return person_id in wanted
    else:
        person_q, subject_q = _range_q("person_id", id_range), _range_q("subject_person_id", id_range)
        low, high = id_range

        def loaded_person(person_id: int) -> bool:
            return low <= person_id <= high

    their_families = sorted(
        {
            row[0]
            for row in fetch_rows(Membership.objects.filter(person_q).order_by().values_list("family_id"))
        }
    )
    # Every member of these people's families (their own memberships among them).
    memberships = fetch_rows(
        Membership.objects.filter(family_id__any=their_families)
        .order_by()
        .values_list("person_id", "family_id", "started", "ended")
    )
    # An assessment is about one person or one family, never both, so the two parts are
    # disjoint; apart, each is read through its own index.
    parts = [
        Assessment.objects.filter(subject_q),
        Assessment.objects.filter(subject_family_id__any=their_families),
    ]
    if between is not None:
        parts = [part.filter(completed_at__range=between) for part in parts]
    with _collector_paused():
        loaded = _build(_assessment_items(parts), memberships, loaded_person)
    return loaded


HEAD_FIELDS = (
    "id",
    "completed_at",
    "day",
    "agency_id",
    "assessment_type_id",
    "sensitivity",
    "subject_person_id",
    "subject_family_id",
)


# Assessments of one type share their question ids: each distinct text is read once.
_question_sets = lru_cache(maxsize=65536)(question_id_sets)


def _assessment_items(parts: list) -> list[tuple[Item, Meta]]:
    """Each assessment of these querysets that holds answers, as the detector's Item and its
    Meta, in (completed_at, id) order: one query, one row an assessment, its questions read from
    Assessment.question_ids, and the sets of the many assessments of one type made once."""
    queries = [
        part.order_by().annotate(day=TruncDate("completed_at")).values_list(*HEAD_FIELDS, "question_ids")
        for part in parts
    ]
    out = []
    for row in fetch_rows(queries[0].union(*queries[1:], all=True).order_by("completed_at", "id")):
        sets = _question_sets(row[8])
        if sets is not None:
            # _make: the tuple is built in C, not through the named tuple's Python __new__.
            out.append((Item._make((row[0], row[1], row[2], row[3], *sets)), Meta._make(row[4:8])))
    return out


def _build(heads: list[tuple[Item, Meta]], memberships: list[tuple], loaded_person) -> Loaded:
    loaded = Loaded()
    members_of: dict[int, list[tuple[int, date, date | None]]] = defaultdict(list)
    for person_id, family_id, started, ended in memberships:
        members_of[family_id].append((person_id, started, ended))
    loaded.members_of = members_of
    per_person: dict[int, list[Item]] = defaultdict(list)
    for item, meta in heads:  # in date order, so each person's list is too
        loaded.meta[item.id] = meta
        if meta.subject_person_id is not None:
            per_person[meta.subject_person_id].append(item)
            continue
        # A family-level assessment counts for each member of the family who had not left it by
        # that day. Start dates are not used: they record when staff registered the family, and
        # families are registered long after they began.
        for person_id, _started, ended in members_of.get(meta.subject_family_id, ()):
            if loaded_person(person_id) and (ended is None or ended >= item.completed_on):
                items = per_person[person_id]
                if not items or items[-1].id != item.id:  # a member twice (left, came back): once
                    items.append(item)
    loaded.items_by_person = per_person
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


def _grant_index(person_ids: Iterable[int], loaded_range: tuple[int, int] | None) -> policy.GrantIndex:
    """The grants of everyone concerned, in one read: those of a chunk's people by their id
    range, and only those outside it by id."""
    if loaded_range is None:
        return policy.GrantIndex.of_people(person_ids)
    low, high = loaded_range
    outside = sorted({p for p in person_ids if not low <= p <= high})
    return policy.GrantIndex(
        ConsentGrant.objects.filter(_range_q("subject_id", loaded_range) | Q(subject_id__any=outside))
    )


# Flags --------------------------------------------------------------------------------


class FlagRow(NamedTuple):
    earlier_id: int
    later_id: int
    asked_again_by_id: int
    shared: frozenset[int]
    days_apart: int
    avoidable: bool
    estimated_cost_pence: int

    # (earlier_id, later_id), read in C: asked of every pair on every night.
    key = property(itemgetter(0, 1))

    @property
    def shared_ids(self) -> str:
        return _ids_text(self.shared)

    def current(self) -> tuple:
        """The values of DuplicateFlag's _CURRENT fields this pair should have."""
        return (
            self.asked_again_by_id,
            self.days_apart,
            self.avoidable,
            self.estimated_cost_pence,
            self.shared_ids,
        )


@lru_cache(maxsize=4096)
def _ids_text(ids: frozenset[int]) -> str:
    """Sorted, comma-separated; cached, as pairs of the same assessment types share the same set."""
    return ",".join(map(str, sorted(ids)))


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
    could_see: Callable[..., policy.Basis | None] | None = None,
    loaded_range: tuple[int, int] | None = None,
) -> list[FlagRow]:
    """One row per pair, priced, and avoidable or blocked under consent at the later time.
    Reads the grants of everyone concerned in one query unless `could_see` is given."""
    unique = {c.key: c for c in candidates}
    meta = loaded.meta
    # Only pairs across two agencies need consent: an agency may always see its own answers.
    people = {
        key: consent_people(c, loaded)
        for key, c in unique.items()
        if c.earlier.agency_id != c.later.agency_id
    }
    if costs is None:
        costs = _unit_costs(meta[c.later.id].assessment_type_id for c in unique.values())
    if could_see is None:
        could_see = _grant_index((p for persons in people.values() for p in persons), loaded_range).could_see
    rows = []
    for key, candidate in unique.items():
        earlier, later, shared, days_apart = candidate
        consenting = people.get(key)
        avoidable = consenting is None or any(
            could_see(
                agency_id=later.agency_id,
                person_id=person_id,
                category=Category.ASSESSMENTS,
                record_agency_id=earlier.agency_id,
                label=meta[earlier.id].sensitivity,
                at=later.completed_at,
            )
            is not None
            for person_id in consenting
        )
        unit = costs.get(meta[later.id].assessment_type_id, 0)
        rows.append(
            FlagRow(
                earlier.id,
                later.id,
                later.agency_id,
                shared,
                days_apart,
                avoidable,
                round(unit * candidate.shared_fraction),
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


# What a rescan compares to tell whether an open flag is still right.
_CURRENT = ("asked_again_by_id", "days_apart", "avoidable", "estimated_cost_pence", "shared_ids")


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
        # Behind a review or another rescan's insert, give up and let the task retry.
        lock_timeout(FLAG_LOCK_SECONDS)
        # (earlier, later, status, *_CURRENT, id) by pair
        existing = {
            (flag[0], flag[1]): flag
            for flag in fetch_rows(
                DuplicateFlag.objects.filter(later_id__any=later_ids)
                .order_by()
                .values_list("earlier_id", "later_id", "status", *_CURRENT, "id")
            )
        }
        new = []
        for key, row in wanted.items():
            flag = existing.get(key)
            if flag is None:
                new.append(row)
                continue
            fresh = row.current()
            if flag[2] != FlagStatus.OPEN or flag[3:-1] == fresh:
                result.unchanged += 1
                continue
            flag_id = flag[-1]
            # Guarded by status, so a review landing meanwhile is never overwritten.
            updated = DuplicateFlag.objects.filter(pk=flag_id, status=FlagStatus.OPEN).update(
                shared_count=len(row.shared),
                updated_at=timezone.now(),
                **dict(zip(_CURRENT, fresh, strict=True)),
            )
            if updated:
                _ShareThrough.objects.filter(duplicateflag_id=flag_id).delete()
                _add_shared_questions([(flag_id, q) for q in sorted(row.shared)])
                result.refreshed += 1
            else:
                result.unchanged += 1

        if new:
            ids = _insert_flags(new)
            _add_shared_questions(
                [(ids[row.key], q) for row in new if row.key in ids for q in sorted(row.shared)]
            )
            result.created += len(ids)  # not those another worker inserted meanwhile
    return result


def _insert_flags(rows: list[FlagRow]) -> dict[tuple[int, int], int]:
    """Insert new flags, leaving any pair already flagged (a race with another worker), and
    return {(earlier, later): id} of those inserted. A first rescan inserts over a hundred
    thousand: on PostgreSQL each column goes as one array that the database unnests, with no
    model instance a row, and the ids come back from the same statement."""
    if connection.vendor != "postgresql":
        DuplicateFlag.objects.bulk_create(
            [
                DuplicateFlag(
                    earlier_id=row.earlier_id,
                    later_id=row.later_id,
                    asked_again_by_id=row.asked_again_by_id,
                    shared_count=len(row.shared),
                    shared_ids=row.shared_ids,
                    days_apart=row.days_apart,
                    avoidable=row.avoidable,
                    estimated_cost_pence=row.estimated_cost_pence,
                )
                for row in rows
            ],
            ignore_conflicts=True,
            batch_size=2000,
        )
        wanted = {row.key for row in rows}
        return {
            (earlier_id, later_id): flag_id
            for flag_id, earlier_id, later_id in DuplicateFlag.objects.filter(
                later_id__any=sorted({row.later_id for row in rows})
            ).values_list("id", "earlier_id", "later_id")
            if (earlier_id, later_id) in wanted
        }
    now = timezone.now()
    columns = {
        "earlier_id": int_array(row.earlier_id for row in rows),
        "later_id": int_array(row.later_id for row in rows),
        "asked_again_by_id": int_array(row.asked_again_by_id for row in rows),
        "shared_count": int_array(len(row.shared) for row in rows),
        "days_apart": int_array(row.days_apart for row in rows),
        "avoidable": "{" + ",".join("t" if row.avoidable else "f" for row in rows) + "}",
        "estimated_cost_pence": int_array(row.estimated_cost_pence for row in rows),
    }
    shared_ids = ";".join(row.shared_ids for row in rows)  # digits and commas only
    names = ", ".join(columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {connection.ops.quote_name(DuplicateFlag._meta.db_table)}"  # noqa: S608 (our names)
            f" ({names}, shared_ids, status, review_reason, created_at, updated_at)"
            f" SELECT {names}, shared_ids, %s, '', %s, %s FROM unnest("
            " %s::bigint[], %s::bigint[], %s::bigint[], %s::int[], %s::int[], %s::bool[], %s::int[],"
            " string_to_array(%s, ';')"
            f") AS new ({names}, shared_ids)"
            " ON CONFLICT DO NOTHING RETURNING earlier_id, later_id, id",
            [FlagStatus.OPEN, now, now, *columns.values(), shared_ids],
        )
        return {(earlier_id, later_id): flag_id for earlier_id, later_id, flag_id in cursor.fetchall()}


def _add_shared_questions(rows: list[tuple[int, int]]) -> None:
    """Add (flag id, question id) rows, leaving any already there. A first rescan adds hundreds
    of thousands: on PostgreSQL they go as two arrays of ids that the database unnests, with no
    model instance a row."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        _ShareThrough.objects.bulk_create(
            [_ShareThrough(duplicateflag_id=f, question_id=q) for f, q in rows],
            ignore_conflicts=True,
            batch_size=5000,
        )
        return
    flag_ids, question_ids = zip(*rows, strict=True)
    table = connection.ops.quote_name(_ShareThrough._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (duplicateflag_id, question_id)"  # noqa: S608 (our table's name)
            " SELECT * FROM unnest(%s::bigint[], %s::bigint[]) ON CONFLICT DO NOTHING",
            [int_array(flag_ids), int_array(question_ids)],
        )


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
    with _collector_paused():
        for start in range(0, total, chunk_size):
            chunk = person_ids[start : start + chunk_size]
            id_range = (chunk[0], chunk[-1])
            loaded = load_items(id_range=id_range)
            found = [
                candidate
                for items in loaded.items_by_person.values()
                if len(items) > 1
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
    through every later rescan. Only a manager whose scope holds the flag reviews it."""
    scope = manager_scope(actor)
    if scope is None or not DuplicateFlag.objects.filter(scope.flag_filter(), pk=flag.pk).exists():
        raise PermissionDenied("Only a manager of an agency the flag concerns may review it.")
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
        events.duplicate_flag_reviewed(actor=actor, flag=flag, previous=previous)
    return flag
