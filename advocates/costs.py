"""The estimated cost of a family's journey: each contact and assessment priced by its unit
cost, by agency and by month, and the same-length periods before and after the advocate
started. Pure arithmetic over rows already scoped by the consent policy."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from agencies.models import UnitCost

DEFAULT_HOURS_MINUTES = 60  # an hourly rate prices an hour when a contact has no duration


@dataclass(frozen=True)
class Item:
    """One thing to price: a contact (contact_type_id) or an assessment (assessment_type_id)."""

    day: date
    agency_id: int
    contact_type_id: int | None = None
    assessment_type_id: int | None = None
    duration_minutes: int | None = None


@dataclass
class Prices:
    by_contact: dict[tuple[int, int | None], UnitCost]
    by_assessment: dict[int, UnitCost]

    @classmethod
    def load(cls) -> Prices:
        """All unit costs in one query (a few hundred rows at most)."""
        by_contact, by_assessment = {}, {}
        for cost in UnitCost.objects.all():
            if cost.contact_type_id:
                by_contact[(cost.contact_type_id, cost.agency_id)] = cost
            else:
                by_assessment[cost.assessment_type_id] = cost
        return cls(by_contact, by_assessment)

    def unit_cost(self, item: Item) -> UnitCost | None:
        if item.assessment_type_id is not None:
            return self.by_assessment.get(item.assessment_type_id)
        return self.by_contact.get((item.contact_type_id, item.agency_id)) or self.by_contact.get(
            (item.contact_type_id, None)
        )

    def price(self, item: Item) -> tuple[int | None, UnitCost | None]:
        """Pence for one item, or None when there is no unit cost for it."""
        cost = self.unit_cost(item)
        if cost is None:
            return None, None
        if "hour" in cost.unit.lower():
            minutes = item.duration_minutes or DEFAULT_HOURS_MINUTES
            return round(cost.cost_pence * minutes / 60), cost
        return cost.cost_pence, cost


@dataclass
class Period:
    start: date
    end: date  # inclusive
    pence: int = 0
    count: int = 0
    unpriced: int = 0

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass
class JourneyCost:
    total_pence: int = 0
    priced: int = 0
    unpriced: int = 0
    by_agency: dict[int, int] = field(default_factory=dict)
    by_month: dict[str, int] = field(default_factory=dict)
    before: Period | None = None
    after: Period | None = None
    sources: list[tuple[str, str]] = field(default_factory=list)  # (price year, source)

    @property
    def change_pence(self) -> int | None:
        if self.before is None or self.after is None:
            return None
        return self.after.pence - self.before.pence


def before_and_after(started: date, today: date) -> tuple[Period, Period]:
    """The periods from the advocate's start to today (inclusive) and the same number of days
    just before the start."""
    after = Period(start=started, end=max(started, today))
    before = Period(start=started - timedelta(days=after.days), end=started - timedelta(days=1))
    return before, after


def journey_cost(
    items: list[Item], prices: Prices, *, started: date | None = None, today: date | None = None
) -> JourneyCost:
    result = JourneyCost()
    by_agency: dict[int, int] = defaultdict(int)
    by_month: dict[str, int] = defaultdict(int)
    sources: set[tuple[str, str]] = set()
    if started is not None and today is not None:
        result.before, result.after = before_and_after(started, today)
    for item in items:
        pence, cost = prices.price(item)
        period = None
        for candidate in (result.before, result.after):
            if candidate is not None and candidate.start <= item.day <= candidate.end:
                period = candidate
        if period is not None:
            period.count += 1
        if pence is None:
            result.unpriced += 1
            if period is not None:
                period.unpriced += 1
            continue
        result.priced += 1
        result.total_pence += pence
        by_agency[item.agency_id] += pence
        by_month[item.day.strftime("%Y-%m")] += pence
        sources.add((cost.price_year, cost.source))
        if period is not None:
            period.pence += pence
    result.by_agency = dict(by_agency)
    result.by_month = dict(sorted(by_month.items()))
    result.sources = sorted(sources)
    return result
