"""An agency system reuses another agency's answer only if it may read it (record:read): it can
only reuse what it could find (rule 11)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from agencies.models import Role
from agencies.services import api_client_create
from tests.factories import (
    AgencyFactory,
    AnswerFactory,
    AssessmentFactory,
    AssessmentTypeFactory,
    ConsentGrantFactory,
    PersonFactory,
    QuestionFactory,
    staff_user,
)

pytestmark = pytest.mark.django_db
SECRET = "The GP's answer"


def _setting():
    gp, housing = AgencyFactory(code="gp"), AgencyFactory(code="housing")
    question = QuestionFactory(code="mood")
    person = PersonFactory(registered_by=housing)
    ConsentGrantFactory(subject=person, agency=housing)
    source = AnswerFactory(
        assessment=AssessmentFactory(
            assessment_type=AssessmentTypeFactory(agency=gp, questions=[question]), subject_person=person
        ),
        question=question,
        value=SECRET,
    )
    own_type = AssessmentTypeFactory(agency=housing, questions=[question])
    return housing, person, source, own_type


def _client(housing, scopes):
    _, token = api_client_create(
        actor=staff_user(housing, Role.MANAGER), name="Housing system", scopes=scopes
    )
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return api


def _reuse(api, person, source, own_type):
    return api.post(
        "/api/v1/assessments/",
        {
            "assessment_type": own_type.pk,
            "subject_person": person.pk,
            "completed_at": (timezone.now() - timedelta(hours=1)).isoformat(),
            "answers": [{"question": "mood", "reused_from": source.pk}],
        },
        format="json",
    )


def test_a_client_without_record_read_can_neither_list_nor_reuse_another_agencys_answer():
    housing, person, source, own_type = _setting()
    api = _client(housing, ["assessments:write"])
    listed = api.get(f"/api/v1/persons/{person.pk}/reusable-answers/?assessment_type={own_type.pk}")
    assert listed.status_code == 403
    reused = _reuse(api, person, source, own_type)
    assert reused.status_code == 400
    assert SECRET not in reused.content.decode()


def test_a_client_with_record_read_lists_and_reuses_it():
    housing, person, source, own_type = _setting()
    api = _client(housing, ["assessments:write", "record:read"])
    listed = api.get(f"/api/v1/persons/{person.pk}/reusable-answers/?assessment_type={own_type.pk}")
    assert [a["id"] for a in listed.json()] == [source.pk]
    assert _reuse(api, person, source, own_type).status_code == 201
