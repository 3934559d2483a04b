"""Reads for the duplication pages and API: which flags a manager may see, the review queue,
and the dashboard's aggregates. Managers see aggregates and flags about assessments, never a
person's name or answers (those stay under the staff rules of the consent policy).

A flag is a derived record (rule 11): its details (the other assessment, its agency and date)
are shown only where the consent policy opens both assessments to the manager now. The rest
are only counted, in one number with no ids."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.http import Http404

from agencies.models import Agency, Role

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
    from consent.policy import viewer_for

    viewer = viewer_for(user)
    if viewer.role != Role.MANAGER or viewer.agency_id is None:
        return None
    return ManagerScope(agency_id=viewer.agency_id, partnership=viewer.partnership_reviewer)


def require_manager(user) -> ManagerScope:
    scope = manager_scope(user)
    if scope is None:
        raise PermissionDenied("Only managers review duplicate assessments.")
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
    from consent.policy import assessments_open_filter, viewer_for

    viewer = viewer_for(user)
    return assessments_open_filter(viewer, prefix="earlier__") & assessments_open_filter(
        viewer, prefix="later__"
    )


def flags_visible(*, user, filters: FlagFilters | None = None) -> QuerySet[DuplicateFlag]:
    """The manager's flags (403 for anyone else) that may be shown in detail, newest later
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


# Tell us once ---------------------------------------------------------------------------


@dataclass(frozen=True)
class EarlierAnswer:
    """A bank question already answered recently, in a record the viewer may see."""

    answer_id: int
    question_id: int
    question_code: str
    question_text: str
    value: str
    completed_at: object
    agency_id: int
    recording_agency_id: int
    agency_code: str
    agency_name: str
    assessment_name: str
    sensitivity: str
    basis: object


def tell_us_once(
    *, user, question_ids, person=None, family=None, log: bool = True
) -> dict[int, EarlierAnswer]:
    """The most recent earlier answer to each of these questions within TELL_US_ONCE_DAYS, in
    records the user may see (consent policy) and not withheld from the person, keyed by
    question id. The one read of what may be reused: the page's panel, the API's list and the
    check of a reuse (page or API) all ask here.

    For a person: their assessments under the viewer's scope, and the viewer's own agency's
    family-level assessments of families they belong to. For a family: the viewer's own agency's
    family-level assessments of it (consent is given person by person, so other agencies'
    family-level records are not opened here). With `log`, showing another agency's answers
    writes one access-log entry (rule 7; see log_shown). Four queries at most, plus the entry.
    """
    from agencies.models import ApiScope
    from consent.models import Category
    from consent.policy import client_may, viewer_for

    from .models import Answer

    viewer = viewer_for(user)
    question_ids = list(question_ids)
    # Another agency's answer is part of the person's record: an agency system reads (and so
    # reuses) one only with the record:read scope.
    if not question_ids or not client_may(viewer, ApiScope.RECORD_READ):
        return {}
    assessments, scope = _reusable_assessments(viewer, person=person, family=family)
    if assessments is None:
        return {}
    rows = (
        Answer.objects.filter(assessment__in=assessments.values("id"), question_id__in=question_ids)
        .select_related("question", "assessment__agency", "assessment__assessment_type")
        .order_by("question_id", "-assessment__completed_at", "-id")
    )
    found: dict[int, EarlierAnswer] = {}
    for answer in rows:
        if answer.question_id in found:
            continue
        assessment = answer.assessment
        basis = (
            scope.basis_for(
                category=Category.ASSESSMENTS,
                recording_agency_id=assessment.recording_agency_id,
                label=assessment.sensitivity,
            )
            if scope is not None and assessment.subject_person_id is not None
            else None
        )
        found[answer.question_id] = EarlierAnswer(
            answer_id=answer.pk,
            question_id=answer.question_id,
            question_code=answer.question.code,
            question_text=answer.question.text,
            value=answer.value,
            completed_at=assessment.completed_at,
            agency_id=assessment.agency_id,
            recording_agency_id=assessment.recording_agency_id,
            agency_code=assessment.agency.code,
            agency_name=assessment.agency.name,
            assessment_name=assessment.assessment_type.name,
            sensitivity=assessment.sensitivity,
            basis=basis,
        )
    if log:
        log_shown(user=user, person=person, earlier=found.values())
    return found


def log_shown(*, user, person, earlier) -> None:
    """One access-log entry for showing other agencies' earlier answers about a person (rule
    7); nothing when all were the viewer's own agency's."""
    log_earlier_answers(user=user, person=person, used=[(e.recording_agency_id, e.basis) for e in earlier])


def log_earlier_answers(*, user, person, used, reused: bool = False) -> None:
    """The access-log entry of tell us once: `used` holds (recording agency id, basis) of each earlier
    answer shown, or copied into a new assessment (`reused`); only other agencies' count."""
    from consent import access_log
    from consent.policy import viewer_for

    viewer = viewer_for(user)
    others = [(agency_id, basis) for agency_id, basis in used if agency_id != viewer.agency_id]
    if not others or person is None:
        return
    bases = {basis for _, basis in others if basis is not None}
    what = "reused in a new assessment" if reused else "shown"
    access_log.append(
        user=user,
        agency_id=viewer.agency_id,
        role=viewer.role,
        subject_id=person.pk,
        shown=f"{len(others)} earlier answers from {len({a for a, _ in others})} other agencies"
        f" {what} (tell us once)",
        bases=bases,
    )


def _reusable_assessments(viewer, *, person=None, family=None):
    """The assessments whose answers `viewer` may reuse about this subject: recent (within
    TELL_US_ONCE_DAYS), open to them under the consent policy, and not withheld from the
    subject (a copy would carry the answer into a record the person can read). (queryset,
    scope) or (None, None)."""
    from django.conf import settings
    from django.utils import timezone

    from consent.models import Category
    from consent.policy import current_memberships, scope_for

    from .models import Assessment

    if not viewer.is_staff_member:
        return None, None
    since = timezone.now() - timedelta(days=settings.TELL_US_ONCE_DAYS)
    if person is not None:
        scope = scope_for(viewer, person)
        if scope is None:
            return None, None
        families = current_memberships().filter(person_id=person.pk).values("family_id")
        assessments = Assessment.objects.filter(
            Q(subject_person_id=person.pk) & scope.record_filter(Category.ASSESSMENTS)
            | Q(subject_family_id__in=families, recording_agency_id=viewer.agency_id)
        )
    elif family is not None:
        scope = None
        assessments = Assessment.objects.filter(
            subject_family_id=family.pk, recording_agency_id=viewer.agency_id
        )
    else:
        return None, None
    return assessments.filter(completed_at__gte=since, withheld_from_subject=False), scope


def reusable_answers(*, user, assessment_type, answer_ids, person=None, family=None) -> dict:
    """Of these answer ids, those the user may reuse in an assessment of this type about this
    subject: exactly the answers tell_us_once offers (page) and lists (API), so nothing can be
    reused that could not be found. {id: Answer} with its question and source assessment; any
    other id is simply absent."""
    from .models import Answer

    offered = tell_us_once(
        user=user,
        question_ids=[q.pk for q in assessment_type.questions.all()],
        person=person,
        family=family,
        log=False,
    )
    wanted = set(answer_ids) & {e.answer_id for e in offered.values()}
    if not wanted:
        return {}
    return Answer.objects.select_related("question").in_bulk(sorted(wanted))
