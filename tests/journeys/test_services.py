"""The write services: all-or-nothing, idempotent by external id, audited."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.models import AuditEvent
from journeys import services
from journeys.models import Answer, Assessment, Contact
from tests.factories import (
    AgencyFactory,
    AssessmentTypeFactory,
    ContactTypeFactory,
    FamilyFactory,
    PersonFactory,
    QuestionFactory,
    staff_user,
)

pytestmark = pytest.mark.django_db


def contact_item(agency, person, **overrides):
    return {
        "agency": agency,
        "persons": [person],
        "contact_type": ContactTypeFactory(code="gp_appointment"),
        "occurred_at": timezone.now() - timedelta(days=1),
        "channel": "phone",
        "summary": "Synthetic call",
        **overrides,
    }


def test_contact_record_is_idempotent_by_external_id():
    agency, person = AgencyFactory(), PersonFactory()
    user = staff_user(agency)
    first, created = services.contact_record(actor=user, **contact_item(agency, person, external_id="A-1"))
    again, created_again = services.contact_record(
        actor=user, **contact_item(agency, person, external_id="A-1")
    )
    assert created and not created_again
    assert first.pk == again.pk
    assert Contact.objects.count() == 1
    assert AuditEvent.objects.filter(verb="contact.recorded").count() == 1


def test_batch_with_one_bad_contact_saves_nothing():
    agency, person = AgencyFactory(), PersonFactory()
    items = [contact_item(agency, person), contact_item(agency, person, channel="telepathy")]
    with pytest.raises(services.BatchValidationError) as error:
        services.contacts_record(items=items, actor=None)
    assert list(error.value.errors_by_index) == [1]
    assert "channel" in error.value.errors_by_index[1]
    assert Contact.objects.count() == 0


def test_contact_type_by_unknown_code_is_a_field_error():
    agency, person = AgencyFactory(), PersonFactory()
    with pytest.raises(ValidationError) as error:
        services.contact_record(actor=None, **contact_item(agency, person, contact_type="nope"))
    assert "contact_type" in error.value.message_dict


def test_assessment_record_saves_answers_and_refuses_foreign_questions():
    q1, q2, other = QuestionFactory(), QuestionFactory(), QuestionFactory()
    kind = AssessmentTypeFactory(questions=[q1, q2])
    person = PersonFactory()
    assessment = services.assessment_record(
        assessment_type=kind,
        subject_person=person,
        completed_at=timezone.now(),
        answers=[{"question": q1.code, "value": "yes"}, {"question": q2.code, "value": "no"}],
        actor=None,
    )
    assert assessment.answers.count() == 2
    with pytest.raises(ValidationError):
        services.assessment_record(
            assessment_type=kind,
            subject_person=person,
            completed_at=timezone.now(),
            answers=[{"question": other.code, "value": "x"}],
            actor=None,
        )
    assert Assessment.objects.count() == 1
    assert Answer.objects.count() == 2


def test_an_assessment_keeps_its_question_ids_with_reused_answers_negated():
    q1, q2, q3 = QuestionFactory(), QuestionFactory(), QuestionFactory()
    kind = AssessmentTypeFactory(questions=[q1, q2, q3])
    person = PersonFactory()
    first = services.assessment_record(
        assessment_type=kind,
        subject_person=person,
        completed_at=timezone.now(),
        answers=[{"question": q.code, "value": "yes"} for q in (q3, q1)],
        actor=None,
    )
    assert first.question_ids == f"{q1.pk},{q3.pk}"
    reused = first.answers.get(question=q3)
    second = services.assessment_record(
        assessment_type=kind,
        subject_person=person,
        completed_at=timezone.now(),
        answers=[
            {"question": q3.code, "value": "yes", "reused_from": reused},
            {"question": q2.code, "value": "no"},
        ],
        actor=None,
    )
    second.refresh_from_db()
    assert second.question_ids == f"{q2.pk},-{q3.pk}"


def test_family_level_assessment_needs_a_family():
    kind = AssessmentTypeFactory(level="family", questions=[QuestionFactory(code="family_support")])
    answers = [{"question": "family_support", "value": "Weekly"}]
    with pytest.raises(ValidationError) as error:
        services.assessment_record(
            assessment_type=kind,
            subject_person=PersonFactory(),
            completed_at=timezone.now(),
            answers=answers,
            actor=None,
        )
    assert "subject" in error.value.message_dict
    services.assessment_record(
        assessment_type=kind,
        subject_family=FamilyFactory(),
        completed_at=timezone.now(),
        answers=answers,
        actor=None,
    )


def test_an_assessment_needs_an_answer():
    kind = AssessmentTypeFactory(level="family")
    with pytest.raises(ValidationError) as error:
        services.assessment_record(
            assessment_type=kind,
            subject_family=FamilyFactory(),
            completed_at=timezone.now(),
            answers=[],
            actor=None,
        )
    assert error.value.message_dict["answers"] == ["Answer at least one question."]
