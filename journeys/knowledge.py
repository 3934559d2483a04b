"""Noting which agency knows which person, and why (AgencyKnows, rule 10), in the transaction
of the service that makes the record: people, contacts and assessments here, grants and
break-glass in consent. The nightly repair that rebuilds the table is consent.knowledge's."""

from __future__ import annotations

from collections.abc import Iterable

from .models import AgencyKnows

REASONS = ("registered", "contacted", "assessed", "granted", "break_glass")


def agency_knows_note(*, agency_id: int | None, person_ids: Iterable[int], reason: str) -> None:
    """Record, in the caller's transaction, that the agency knows these people for this reason.
    Pairs that already say so are left alone (most writes are about people the agency knows:
    no row is rewritten or locked for them); the rest are one upsert that keeps other reasons."""
    if agency_id is None:
        return
    ids = set(person_ids)
    ids -= set(
        AgencyKnows.objects.filter(agency_id=agency_id, person_id__in=ids, **{reason: True}).values_list(
            "person_id", flat=True
        )
    )
    rows = [AgencyKnows(agency_id=agency_id, person_id=pk, **{reason: True}) for pk in sorted(ids)]
    if rows:
        AgencyKnows.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["agency", "person"], update_fields=[reason]
        )
