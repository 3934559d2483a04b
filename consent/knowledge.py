"""The nightly repair of AgencyKnows (which agency knows which person, and why: rule 10).

The services note each pair in their own transaction (journeys.knowledge); the repair rebuilds
the table from the records themselves, so a path that wrote around the services (a bulk load,
a fix in the database) is put right by the next run.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max

from journeys.knowledge import REASONS
from journeys.models import AgencyKnows, Assessment, Contact, Person

from .models import BreakGlass, ConsentGrant

REPAIR_CHUNK = 5000  # people per transaction of the repair


@dataclass
class RepairSummary:
    added: int = 0
    changed: int = 0
    removed: int = 0

    def __str__(self) -> str:
        return f"{self.added} pairs added, {self.changed} changed, {self.removed} removed"


def agency_knows_repair(*, chunk: int = REPAIR_CHUNK) -> RepairSummary:
    """Rebuild the table from the records, people in id ranges, each range in one transaction.

    Idempotent: a second run changes nothing. A range's rows are locked before its records are
    read, so a service noting a pair meanwhile either committed first (and its record is read)
    or waits and sets its reason after; a pair first noted meanwhile is left as noted."""
    summary = RepairSummary()
    last = Person.objects.aggregate(last=Max("pk"))["last"] or 0
    for low in range(0, last + 1, chunk):
        with transaction.atomic():
            _repair_range(low, low + chunk, summary)
    return summary


def _truth(low: int, high: int) -> dict[tuple[int, int], frozenset[str]]:
    """{(agency id, person id): reasons} for people with ids in [low, high), from the records."""
    sources = {
        "registered": Person.objects.filter(
            pk__gte=low, pk__lt=high, registered_by__isnull=False
        ).values_list("registered_by_id", "pk"),
        "contacted": Contact.persons.through.objects.filter(
            person_id__gte=low, person_id__lt=high
        ).values_list("contact__recording_agency_id", "person_id"),
        "assessed": Assessment.objects.filter(
            subject_person_id__gte=low, subject_person_id__lt=high
        ).values_list("recording_agency_id", "subject_person_id"),
        "granted": ConsentGrant.objects.filter(subject_id__gte=low, subject_id__lt=high).values_list(
            "agency_id", "subject_id"
        ),
        "break_glass": BreakGlass.objects.filter(subject_id__gte=low, subject_id__lt=high).values_list(
            "agency_id", "subject_id"
        ),
    }
    truth: dict[tuple[int, int], set[str]] = {}
    for reason, pairs in sources.items():
        for pair in pairs.order_by().distinct():
            truth.setdefault(pair, set()).add(reason)
    return {pair: frozenset(reasons) for pair, reasons in truth.items()}


def _repair_range(low: int, high: int, summary: RepairSummary) -> None:
    stored = {
        (row.agency_id, row.person_id): row
        for row in AgencyKnows.objects.select_for_update().filter(person_id__gte=low, person_id__lt=high)
    }
    truth = _truth(low, high)
    missing = [
        AgencyKnows(agency_id=agency, person_id=person, **dict.fromkeys(reasons, True))
        for (agency, person), reasons in truth.items()
        if (agency, person) not in stored
    ]
    AgencyKnows.objects.bulk_create(missing, ignore_conflicts=True)
    changed = []
    for pair, row in stored.items():
        reasons = truth.get(pair, frozenset())
        if reasons and reasons != {r for r in REASONS if getattr(row, r)}:
            for reason in REASONS:
                setattr(row, reason, reason in reasons)
            changed.append(row)
    AgencyKnows.objects.bulk_update(changed, REASONS)
    gone = [row.pk for pair, row in stored.items() if pair not in truth]
    AgencyKnows.objects.filter(pk__in=gone).delete()
    summary.added += len(missing)
    summary.changed += len(changed)
    summary.removed += len(gone)
