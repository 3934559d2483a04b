"""Tell us once: the bank questions already answered recently in records open to the viewer,
shown when staff start an assessment, and the answers they may reuse (rule 11: a copied answer
keeps its source's label and withholding; every read is logged)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from agencies.models import ApiScope
from consent import access_log
from consent.models import Category
from consent.policy import client_may, current_memberships, scope_for, uses_staff_pages, viewer_for

from .models import Answer, Assessment


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
    if not uses_staff_pages(viewer):
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
