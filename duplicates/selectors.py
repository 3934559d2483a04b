"""Reads for the duplication pages and API: which flags a manager may see, the review queue,
and the dashboard's aggregates. Managers see aggregates and flags about assessments, never a
person's name or answers (those stay under the staff rules of the consent policy).

A flag is a derived record (rule 11): its details (the other assessment, its agency and date)
are shown only where the consent policy opens both assessments to the manager now. The rest
are only counted, in one number with no ids."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.http import Http404

from agencies.models import Agency
from consent.policy import (
    assessments_open_filter,
    manages_duplicates,
    require,
    reviews_partnership_duplicates,
    viewer_for,
)

from .models import DuplicateFlag, FlagStatus


@dataclass(frozen=True)
class ManagerScope:
    """A manager's view of duplication: their agency's flags, or the partnership's."""

    agency_id: int
    partnership: bool

    def flag_filter(self) -> Q:
        if self.partnership:
            return Q()
        return Q(asked_again_by_id=self.agency_id) | Q(earlier__agency_id=self.agency_id)


def manager_scope(user) -> ManagerScope | None:
    """The manager's scope, read from the policy's viewer (built once a request); None for
    anyone who is not a manager."""
    viewer = viewer_for(user)
    if not manages_duplicates(viewer):
        return None
    return ManagerScope(agency_id=viewer.agency_id, partnership=reviews_partnership_duplicates(viewer))


def require_manager(user) -> ManagerScope:
    """The manager's scope; anyone else is answered as the pages answer a missing one (policy.require)."""
    scope = manager_scope(user)
    require(scope is not None)
    return scope


@dataclass(frozen=True)
class FlagFilters:
    status: str = ""
    agency_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    avoidable: bool | None = None

    def apply(self, flags: QuerySet[DuplicateFlag]) -> QuerySet[DuplicateFlag]:
        if self.status:
            flags = flags.filter(status=self.status)
        if self.agency_id:
            flags = flags.filter(Q(asked_again_by_id=self.agency_id) | Q(earlier__agency_id=self.agency_id))
        if self.date_from:
            flags = flags.filter(later__completed_at__date__gte=self.date_from)
        if self.date_to:
            flags = flags.filter(later__completed_at__date__lte=self.date_to)
        if self.avoidable is not None:
            flags = flags.filter(avoidable=self.avoidable)
        return flags


def _details_open(user) -> Q:
    """Flags whose earlier and later assessments the consent policy opens to this user now."""
    viewer = viewer_for(user)
    return assessments_open_filter(viewer, prefix="earlier__") & assessments_open_filter(
        viewer, prefix="later__"
    )


def flags_visible(*, user, filters: FlagFilters | None = None) -> QuerySet[DuplicateFlag]:
    """The manager's flags (404 for anyone else) that may be shown in detail, newest later
    assessment first."""
    scope = require_manager(user)
    flags = DuplicateFlag.objects.filter(scope.flag_filter()).filter(_details_open(user))
    if filters is not None:
        flags = filters.apply(flags)
    return flags.order_by("-later__completed_at", "-id")


def flags_not_shown(*, user) -> int:
    """How many of the manager's flags involve a record the policy does not open to them now.
    Counted whatever the filters, so that no filter narrows the number down to one record."""
    scope = require_manager(user)
    return DuplicateFlag.objects.filter(scope.flag_filter()).exclude(_details_open(user)).count()


def flag_list(*, user, filters: FlagFilters | None = None) -> QuerySet[DuplicateFlag]:
    """The review queue, ready to show in a fixed number of queries."""
    return (
        flags_visible(user=user, filters=filters)
        .select_related(
            "earlier__agency",
            "earlier__assessment_type",
            "later__agency",
            "later__assessment_type",
            "asked_again_by",
        )
        .prefetch_related("shared_questions")
    )


def flag_detail(*, user, flag_id) -> DuplicateFlag:
    """One flag the manager may see; 404 alike for 'missing' and 'not yours'."""
    try:
        flag_id = int(flag_id)
    except (TypeError, ValueError):
        raise Http404("No such flag.") from None
    flag = flag_list(user=user).select_related("reviewed_by").filter(pk=flag_id).first()
    if flag is None:
        raise Http404("No such flag.")
    return flag


def agencies_for_filter(*, user) -> list[Agency]:
    scope = require_manager(user)
    if scope.partnership:
        return list(Agency.objects.order_by("name"))
    return list(Agency.objects.filter(pk=scope.agency_id))


# The dashboard --------------------------------------------------------------------------


@dataclass
class Heatmap:
    """Who asks again after whom: rows are the agency that asked first, columns the agency
    that asked again; each cell a count with a shade from 0 (none) to 5 (the most)."""

    agencies: list[str] = field(default_factory=list)
    rows: list[tuple[str, list[tuple[int, int]]]] = field(default_factory=list)
    largest: int = 0


@dataclass
class Dashboard:
    total: int
    by_status: dict[str, int]
    avoidable_count: int
    blocked_count: int
    avoidable_cost_pence: int
    blocked_cost_pence: int
    by_month: list[tuple[date, int, int]]  # (month, flags, avoidable)
    heatmap: Heatmap
    top_questions: list[tuple[str, str, int]]  # (code, text, times asked again)
    not_shown: int = 0  # the manager's flags involving records they may not see (flags_not_shown)
    month_largest: int = 0


def _shade(count: int, largest: int) -> int:
    if count <= 0 or largest <= 0:
        return 0
    return max(1, min(5, -(-count * 5 // largest)))


def dashboard(*, user, filters: FlagFilters | None = None, top: int = 10) -> Dashboard:
    """Aggregates of the flags the manager may see in detail, and the count of the others: a
    fixed number of queries whatever their number."""
    flags = flags_visible(user=user, filters=filters).order_by()
    totals = flags.aggregate(
        total=Count("id"),
        n_avoidable=Count("id", filter=Q(avoidable=True)),
        avoidable_cost=Sum("estimated_cost_pence", filter=Q(avoidable=True)),
        blocked_cost=Sum("estimated_cost_pence", filter=Q(avoidable=False)),
    )
    by_status = dict(flags.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    months = list(
        flags.annotate(month=TruncMonth("later__completed_at"))
        .values("month")
        .annotate(n=Count("id"), n_avoidable=Count("id", filter=Q(avoidable=True)))
        .order_by("month")
        .values_list("month", "n", "n_avoidable")
    )
    by_month = [(m.date() if hasattr(m, "date") else m, n, a) for m, n, a in months]
    pairs = list(
        flags.values("earlier__agency__name", "asked_again_by__name")
        .annotate(n=Count("id"))
        .values_list("earlier__agency__name", "asked_again_by__name", "n")
    )
    heatmap = _heatmap(pairs)
    through = DuplicateFlag.shared_questions.through
    top_questions = list(
        through.objects.filter(duplicateflag__in=flags.values("id"))
        .values("question__code", "question__text")
        .annotate(n=Count("id"))
        .order_by("-n", "question__code")
        .values_list("question__code", "question__text", "n")[:top]
    )
    total = totals["total"] or 0
    avoidable = totals["n_avoidable"] or 0
    return Dashboard(
        total=total,
        by_status={s: by_status.get(s, 0) for s in FlagStatus.values},
        avoidable_count=avoidable,
        blocked_count=total - avoidable,
        avoidable_cost_pence=totals["avoidable_cost"] or 0,
        blocked_cost_pence=totals["blocked_cost"] or 0,
        by_month=by_month,
        heatmap=heatmap,
        top_questions=top_questions,
        not_shown=flags_not_shown(user=user),
        month_largest=max((n for _, n, _ in by_month), default=0),
    )


def _heatmap(pairs: list[tuple[str, str, int]]) -> Heatmap:
    counts: dict[tuple[str, str], int] = Counter()
    names: set[str] = set()
    for first, again, n in pairs:
        counts[(first, again)] += n
        names.update((first, again))
    agencies = sorted(names)
    largest = max(counts.values(), default=0)
    cells: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for first in agencies:
        for again in agencies:
            n = counts.get((first, again), 0)
            cells[first].append((n, _shade(n, largest)))
    return Heatmap(agencies=agencies, rows=[(a, cells[a]) for a in agencies], largest=largest)


def open_flags_between(*, later: Q, earlier: Q) -> QuerySet[DuplicateFlag]:
    """Open flags whose later and earlier assessments both pass the caller's filters (the
    caller's consent scopes, with the "later__" and "earlier__" prefixes)."""
    return DuplicateFlag.objects.filter(status=FlagStatus.OPEN).filter(later).filter(earlier)


def flags_among(assessment_ids) -> QuerySet[DuplicateFlag]:
    """Flags between two of the given assessments, oldest first (a journey map's)."""
    return DuplicateFlag.objects.filter(later_id__in=assessment_ids, earlier_id__in=assessment_ids).order_by(
        "created_at"
    )
