"""The unit-cost service: load reference prices from a CSV file into UnitCost (the format is
documented in README.md, "Unit costs"). All or nothing; loading the same file twice changes
nothing. It writes agencies' configuration, so it lives with the agencies."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from . import events
from .models import Agency, AssessmentType, ContactType, Sector, UnitCost

REQUIRED = ("contact_type", "description", "unit", "cost_gbp", "price_year", "source")

# The reference file's sector names, mapped onto ours (for contact types it creates).
SECTORS = {
    "police": Sector.POLICE,
    "justice": Sector.YOUTH_JUSTICE,
    "social_care": Sector.CHILDRENS_SOCIAL_CARE,
    "health": Sector.HOSPITAL,
    "mental_health": Sector.MENTAL_HEALTH,
    "housing": Sector.HOUSING,
    "education": Sector.EDUCATION,
    "employment": Sector.EMPLOYMENT,
    "fire": Sector.FIRE,
}

# The demo's own contact and assessment types, priced by a row of the reference file.
# {our code: the reference file's code}
REFERENCE_ALIASES = {
    "social_care_referral": "cin_contact_and_referral",
    "social_work_visit": "social_worker_hour_children",
    "health_visitor_visit": "health_visitor_hour",
    "jobcentre_appointment": "jobcentre_work_search_interview",
    "case_conference": "team_around_child_meeting",
    "early_help": "early_help_assessment",
    "child_and_family": "social_worker_assessment_cin",
}


@dataclass
class LoadResult:
    prices: int = 0
    contact_types_created: list[str] = field(default_factory=list)


def reference_csv_path() -> Path | None:
    """The UNIT_COSTS_CSV setting, else shared/data/unit_costs.csv beside the project, if present."""
    configured = getattr(settings, "UNIT_COSTS_CSV", "") or ""
    candidates = [Path(configured)] if configured else []
    candidates.append(Path(settings.BASE_DIR).parent / "shared" / "data" / "unit_costs.csv")
    return next((p for p in candidates if p.is_file()), None)


def _pence(value: str) -> int:
    amount = Decimal(value.strip().replace(",", "").lstrip("£"))
    if amount < 0:
        raise InvalidOperation
    return int((amount * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def _label(description: str, code: str) -> str:
    text = description.split(" (")[0].split(". ")[0].strip() or code.replace("_", " ").capitalize()
    return text[:200]


def unit_costs_load(*, path: Path | str, actor, aliases: dict[str, str] | None = None) -> LoadResult:
    """Read the CSV at `path` and store one price a row (and one for each alias of its code).

    A row's `contact_type` is the code of a contact type or of an assessment type; unknown
    contact codes become new contact types. An optional `agency` column (an agency code)
    makes a price apply to that agency only."""
    aliases = aliases or {}
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
        if missing:
            raise ValidationError({"file": f"The file has no column {', '.join(missing)}."})
        rows = list(reader)
    errors: list[str] = []
    parsed = []
    agencies = {a.code: a for a in Agency.objects.all()}
    for number, row in enumerate(rows, start=2):
        code = (row.get("contact_type") or "").strip()
        try:
            pence = _pence(row.get("cost_gbp") or "")
        except (InvalidOperation, ValueError):
            errors.append(f"Row {number}: cost_gbp must be an amount in pounds, like 38.43.")
            continue
        if not code:
            errors.append(f"Row {number}: contact_type is empty.")
            continue
        if not (row.get("source") or "").strip():
            errors.append(f"Row {number}: say where the cost comes from (source).")
            continue
        agency_code = (row.get("agency") or "").strip()
        if agency_code and agency_code not in agencies:
            errors.append(f"Row {number}: no agency has the code {agency_code}.")
            continue
        parsed.append((row, code, pence, agencies.get(agency_code)))
    if errors:
        raise ValidationError({"file": errors})
    result = LoadResult()
    assessment_types = {t.code: t for t in AssessmentType.objects.all()}
    contact_types = {t.code: t for t in ContactType.objects.all()}
    with transaction.atomic():
        for row, code, pence, agency in parsed:
            # The row's own code, and each of our codes priced by it that exists here.
            codes = [code] + [
                ours
                for ours, theirs in aliases.items()
                if theirs == code and (ours in assessment_types or ours in contact_types)
            ]
            for target in codes:
                defaults = {
                    "cost_pence": pence,
                    "unit": row["unit"].strip()[:80] or "per contact",
                    "price_year": row["price_year"].strip()[:9],
                    "source": row["source"].strip()[:500],
                }
                if target in assessment_types:
                    UnitCost.objects.update_or_create(
                        assessment_type=assessment_types[target], defaults={**defaults, "agency": agency}
                    )
                else:
                    contact_type = contact_types.get(target)
                    if contact_type is None:
                        contact_type = ContactType.objects.create(
                            code=target,
                            label=_label(row.get("description", ""), target),
                            sector=SECTORS.get((row.get("agency_sector") or "").strip(), Sector.OTHER),
                        )
                        contact_types[target] = contact_type
                        result.contact_types_created.append(target)
                    UnitCost.objects.update_or_create(
                        contact_type=contact_type, agency=agency, defaults=defaults
                    )
                result.prices += 1
        if actor is not None and getattr(actor, "pk", None):
            events.unit_costs_loaded(actor=actor, rows=len(parsed), prices=result.prices)
    return result
