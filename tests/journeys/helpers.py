"""Builders shared by the assessment tests (tell us once, duplicate detection): assessments
recorded through the service, and the consent that opens them."""

from datetime import timedelta

from django.utils import timezone

from journeys import services
from tests.factories import (
    AgencyFactory,
    AssessmentTypeFactory,
    ConsentGrantFactory,
    QuestionFactory,
    staff_user,
)


def questions(n, prefix="q"):
    return [QuestionFactory(code=f"{prefix}_{i}") for i in range(n)]


def kind(bank, *, agency=None, level="person"):
    return AssessmentTypeFactory(agency=agency or AgencyFactory(), questions=bank, level=level)


def record(assessment_type, *, person=None, family=None, days_ago=0, reuse=None, at=None, **extra):
    """Record an assessment answering every question of its type; `reuse` maps a question
    code to the earlier Answer it reuses."""
    reuse = reuse or {}
    answers = [
        {"question": q.code, "value": f"Answer to {q.code}", "reused_from": reuse.get(q.code)}
        for q in assessment_type.questions.all()
    ]
    actor = staff_user(assessment_type.agency)
    return services.assessment_record(
        assessment_type=assessment_type,
        subject_person=person,
        subject_family=family,
        completed_at=at or (timezone.now() - timedelta(days=days_ago)),
        answers=answers,
        actor=actor,
        **extra,
    )


def grant(person, agency, days=60, **scope):
    """A consent grant given `days` ago (so in force when earlier records were made)."""
    return ConsentGrantFactory(
        subject=person, agency=agency, valid_from=timezone.now() - timedelta(days=days), **scope
    )


def api_body(person, needs, answers, **extra):
    return {
        "assessment_type": needs.pk,
        "subject_person": person.pk,
        "completed_at": timezone.now().isoformat(),
        "answers": answers,
        **extra,
    }
