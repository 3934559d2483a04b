"""The range each kind of date may take: one definition, used by the API, the pages and the
services, so a date no one could mean (a birth in 2999, a contact in year 1) is refused with a
field error instead of stored, and the database checks the fixed outer bounds for every other path.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

# What the database refuses whatever the path: wide enough for any real record, narrow enough
# that date arithmetic and time-zone conversion never overflow.
DB_EARLIEST = date(1900, 1, 1)
DB_LATEST = date(2200, 12, 31)

# Clocks of agency systems drift: "now" allows a few minutes ahead.
CLOCK_SKEW = timedelta(minutes=5)
# No contact or assessment an agency still holds is older.
RECORDS_BEGIN = date(1990, 1, 1)
A_YEAR = timedelta(days=365)
CONSENT_LONGEST = timedelta(days=5 * 365 + 1)  # five years, one of them a leap year
PLANNING_AHEAD = timedelta(days=2 * 365)

Bound = Callable[[], date | datetime]


def _fixed(day: date) -> Bound:
    return lambda: day


def _today() -> date:
    return timezone.localdate()


def _now() -> datetime:
    return timezone.now() + CLOCK_SKEW


def _to(bound: date | datetime, value: date | datetime) -> date | datetime:
    """The bound as the same kind as the value, so a day field and a moment field share a range."""
    if isinstance(value, datetime) and not isinstance(bound, datetime):
        return datetime.combine(bound, time.min, tzinfo=timezone.get_current_timezone())
    if isinstance(bound, datetime) and not isinstance(value, datetime):
        return timezone.localdate(bound)
    return bound


def _words(bound: date | datetime) -> str:
    if isinstance(bound, datetime):
        return f"{timezone.localtime(bound):%-d %B %Y %H:%M}"
    return f"{bound:%-d %B %Y}"


@dataclass(frozen=True)
class DateRange:
    """A validator for Django form fields, DRF fields and services alike: raises a
    ValidationError saying which side of the range the value fell."""

    earliest: Bound
    latest: Bound
    too_early: str = "Enter a date on or after {bound}"
    too_late: str = "Enter a date on or before {bound}"

    def __call__(self, value: date | datetime | None) -> None:
        if not isinstance(value, date):
            return  # missing, or not yet parsed: the field itself reports that
        earliest, latest = _to(self.earliest(), value), _to(self.latest(), value)
        if value < earliest:
            raise ValidationError(
                self.too_early.format(bound=_words(earliest), settings=settings), code="too_early"
            )
        if value > latest:
            raise ValidationError(
                self.too_late.format(bound=_words(latest), settings=settings), code="too_late"
            )


DATE_OF_BIRTH = DateRange(
    earliest=_fixed(DB_EARLIEST),
    latest=_today,
    too_early="Enter a date of birth on or after {bound}",
    too_late="A date of birth must be today or in the past",
)

# When a contact or assessment happened: never before the oldest records, never in the future.
HAPPENED = DateRange(
    earliest=_fixed(RECORDS_BEGIN),
    latest=_now,
    too_early="Enter a date on or after {bound}",
    too_late="The date must be today or in the past, not after {bound}",
)

# Filters and reports: any day the database may hold.
ANY_DAY = DateRange(earliest=_fixed(DB_EARLIEST), latest=_fixed(DB_LATEST))

# Something planned (a case conference, an action's due date): from the records' start to
# two years ahead.
PLANNED = DateRange(
    earliest=_fixed(RECORDS_BEGIN),
    latest=lambda: timezone.now() + PLANNING_AHEAD,
    too_late="Enter a date no more than 2 years from now, on or before {bound}",
)

# Family memberships and advocates' assignments: begun on a real day, at most a year ahead.
MEMBERSHIP = DateRange(
    earliest=_fixed(DB_EARLIEST),
    latest=lambda: timezone.localdate() + A_YEAR,
)


# A consent starts at most CONSENT_BACKDATE_DAYS back (a signed paper form), at most a year ahead.
CONSENT_START = DateRange(
    earliest=lambda: timezone.now() - timedelta(days=settings.CONSENT_BACKDATE_DAYS),
    latest=lambda: timezone.now() + A_YEAR,
    too_early="Consent can start at most {settings.CONSENT_BACKDATE_DAYS} days ago",
    too_late="Consent can start at most a year from now, on or before {bound}",
)


def consent_end(valid_from: datetime) -> DateRange:
    """A consent ends after it starts and lasts at most five years."""
    return DateRange(
        earliest=lambda: valid_from + timedelta(microseconds=1),
        latest=lambda: valid_from + CONSENT_LONGEST,
        too_early="The end date must be after the start date",
        too_late="Consent can last at most 5 years: enter an end date on or before {bound}",
    )


def field_errors(checks: dict[str, tuple[DateRange, date | datetime | None]]) -> dict[str, list[str]]:
    """Check several named values at once, for a service: the messages keyed by field."""
    errors = {}
    for field, (allowed, value) in checks.items():
        try:
            allowed(value)
        except ValidationError as error:
            errors[field] = error.messages
    return errors


def db_bounds(field: str, *, moment: bool = False, nullable: bool = False) -> Q:
    """The condition of a CheckConstraint holding a date (or, with moment, a date and time)
    inside the database's outer bounds."""
    low, high = DB_EARLIEST, DB_LATEST
    if moment:
        low = datetime.combine(low, time.min, tzinfo=UTC)
        high = datetime.combine(high, time.max, tzinfo=UTC)
    inside = Q(**{f"{field}__gte": low, f"{field}__lte": high})
    return inside | Q(**{f"{field}__isnull": True}) if nullable else inside
