"""Duplicate assessments, database side: load people's assessments for the pure detector
(`duplicates.py`), upsert one flag per pair, and record a manager's review.

Query counts are fixed: checking one new assessment costs the same whatever the size of the
record, and the rescan reads each chunk of people in a fixed number of queries.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from agencies.models import UnitCost
from consent.events import record_event
from consent.models import Category, ConsentGrant

from .duplicates import Candidate, Item, Rules, candidates_involving, find_candidates, sort_items
from .models import Answer, Assessment, DuplicateFlag, FlagStatus, Membership, Person

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


@dataclass
class Loaded:
    """People's assessments, ready for the detector, with what flags need to know."""

    items_by_person: dict[int, list[Item]] = field(default_factory=dict)
    meta: dict[int, Meta] = field(default_factory=dict)


def _range_q(name: str, id_range: tuple[int, int]) -> Q:
    return Q(**{f"{name}__gte": id_range[0], f"{name}__lte": id_range[1]})


def _local_day(moment: datetime, tz) -> date:
    return moment.astimezone(tz).date()


def load_items(
    *,
    person_ids: list[int] | None = None,
    id_range: tuple[int, int] | None = None,
    between: tuple[datetime, datetime] | None = None,
) -> Loaded:
    """Each person's assessments (their own, and their families' while they were members) in
    date order. Two queries: memberships, then every answer row of those assessments."""
    if (person_ids is None) == (id_range is None):
        raise ValueError("Give either person_ids or id_range.")
    person_q = Q(person_id__in=person_ids) if person_ids is not None else _range_q("person_id", id_range)
    memberships = list(
        Membership.objects.filter(person_q).values_list("person_id", "family_id", "started", "ended")
    )
    family_ids = sorted({family_id for _, family_id, _, _ in memberships})
    subject_q = (
        Q(assessment__subject_person_id__in=person_ids)
        if person_ids is not None
        else _range_q("assessment__subject_person_id", id_range)
    )
    if family_ids:
        subject_q |= Q(assessment__subject_family_id__in=family_ids)
    rows = Answer.objects.filter(subject_q)
    if between is not None:
        rows = rows.filter(assessment__completed_at__range=between)
    rows = rows.values_list(
        "assessment_id",
        "question_id",
        "reused_from_id",
        "assessment__completed_at",
        "assessment__agency_id",
        "assessment__assessment_type_id",
        "assessment__sensitivity",
        "assessment__subject_person_id",
        "assessment__subject_family_id",
    )
    return _build(rows, memberships)


def _build(rows: Iterable[tuple], memberships: list[tuple]) -> Loaded:
    tz = timezone.get_current_timezone()
    questions: dict[int, set[int]] = defaultdict(set)
    asked: dict[int, set[int]] = defaultdict(set)
    head: dict[int, tuple] = {}
    for assessment_id, question_id, reused_from_id, completed_at, agency_id, type_id, label, pid, fid in rows:
        questions[assessment_id].add(question_id)
        if reused_from_id is None:
            asked[assessment_id].add(question_id)
        if assessment_id not in head:
            head[assessment_id] = (completed_at, agency_id, type_id, label, pid, fid)
    loaded = Loaded()
    members_of: dict[int, list[tuple[int, date, date | None]]] = defaultdict(list)
    for person_id, family_id, started, ended in memberships:
        members_of[family_id].append((person_id, started, ended))
    per_person: dict[int, list[Item]] = defaultdict(list)
    for assessment_id, (completed_at, agency_id, type_id, label, pid, fid) in head.items():
        day = _local_day(completed_at, tz)
        item = Item(
            id=assessment_id,
            completed_at=completed_at,
            completed_on=day,
            agency_id=agency_id,
            questions=frozenset(questions[assessment_id]),
            asked=frozenset(asked[assessment_id]),
        )
        loaded.meta[assessment_id] = Meta(assessment_type_id=type_id, sensitivity=label)
        if pid is not None:
            per_person[pid].append(item)
        else:
            # A family-level assessment counts for each member of the family on that day.
            for person_id, started, ended in members_of.get(fid, ()):
                if started <= day and (ended is None or ended >= day):
                    per_person[person_id].append(item)
    loaded.items_by_person = {pid: sort_items(items) for pid, items in per_person.items()}
    return loaded


# Consent at the time: were the earlier answers open to the agency that asked again? --------


class GrantIndex:
    """The consent grants of many people, read in one query, answering the same question as
    `consent.policy.agency_could_see` (rules 1 and 2 at a past time) for many pairs at once;
    tests/duplicates hold the two to the same answers."""

    def __init__(self, person_ids: list[int] | None = None, id_range: tuple[int, int] | None = None):
        grants = ConsentGrant.objects.all()
        grants = (
            grants.filter(subject_id__in=person_ids)
            if person_ids is not None
            else grants.filter(_range_q("subject_id", id_range))
        )
        self._by_key: dict[tuple[int, int], list[tuple]] = defaultdict(list)
        for (
            subject_id,
            agency_id,
            categories,
            labels,
            valid_from,
            expires_at,
            revoked_at,
        ) in grants.values_list(
            "subject_id", "agency_id", "categories", "labels", "valid_from", "expires_at", "revoked_at"
        ):
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


def flag_rows(
    found: Iterable[tuple[int, Candidate]],
    meta: dict[int, Meta],
    could_see: Callable[..., bool],
    costs: dict[int, int] | None = None,
) -> list[FlagRow]:
    """One row per pair. A pair found through several members of a family is avoidable when
    the earlier answers were open to the later agency through any of them."""
    found = list(found)
    if costs is None:
        costs = _unit_costs(meta[c.later.id].assessment_type_id for _, c in found)
    rows: dict[tuple[int, int], FlagRow] = {}
    for person_id, candidate in found:
        earlier, later = candidate.earlier, candidate.later
        row = rows.get(candidate.key)
        if row is not None and row.avoidable:
            continue
        avoidable = could_see(
            agency_id=later.agency_id,
            person_id=person_id,
            category=Category.ASSESSMENTS,
            record_agency_id=earlier.agency_id,
            label=meta[earlier.id].sensitivity,
            at=later.completed_at,
        )
        if row is not None:
            row.avoidable = avoidable
            continue
        unit = costs.get(meta[later.id].assessment_type_id, 0)
        rows[candidate.key] = FlagRow(
            earlier_id=earlier.id,
            later_id=later.id,
            asked_again_by_id=later.agency_id,
            shared=candidate.shared,
            days_apart=candidate.days_apart,
            avoidable=avoidable,
            estimated_cost_pence=round(unit * candidate.shared_fraction),
        )
    return list(rows.values())


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
            for flag_id, earlier_id, later_id, status, *numbers in DuplicateFlag.objects.filter(
                later_id__in=later_ids
            ).values_list("id", "earlier_id", "later_id", "status", *_NUMBERS)
            if (earlier_id, later_id) in wanted
        }
        open_ids = [flag_id for flag_id, status, _ in existing.values() if status == FlagStatus.OPEN]
        shared_of: dict[int, set[int]] = defaultdict(set)
        if open_ids:
            for flag_id, question_id in _ShareThrough.objects.filter(
                duplicateflag_id__in=open_ids
            ).values_list("duplicateflag_id", "question_id"):
                shared_of[flag_id].add(question_id)

        new = [row for key, row in wanted.items() if key not in existing]
        for key, (flag_id, status, numbers) in existing.items():
            row = wanted[key]
            if status != FlagStatus.OPEN:
                result.unchanged += 1
                continue
            fresh = {name: getattr(row, name) for name in _NUMBERS}
            if fresh == numbers and shared_of[flag_id] == set(row.shared):
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
                batch_size=1000,
            )
            new_keys = {row.key for row in new}
            ids = {
                (earlier_id, later_id): flag_id
                for flag_id, earlier_id, later_id in DuplicateFlag.objects.filter(
                    later_id__in=sorted({row.later_id for row in new})
                ).values_list("id", "earlier_id", "later_id")
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
                batch_size=5000,
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
            Membership.objects.filter(family_id=assessment["subject_family_id"], started__lte=day)
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
        (person_id, candidate)
        for person_id, items in loaded.items_by_person.items()
        for candidate in candidates_involving(items, assessment_id, the_rules)
    ]
    if not found:
        return UpsertResult()
    # One query for every grant of these people, whatever the number of pairs.
    return upsert_flags(flag_rows(found, loaded.meta, GrantIndex(person_ids=person_ids).could_see))


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
        found = [
            (person_id, candidate)
            for person_id, items in loaded.items_by_person.items()
            for candidate in find_candidates(items, the_rules)
        ]
        if found:
            grants = GrantIndex(id_range=id_range)
            rows = flag_rows(found, loaded.meta, grants.could_see, costs)
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
