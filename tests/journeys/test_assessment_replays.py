"""Issue 14, items 3 and 5: an assessment's external id makes a retry a no-op (a 200 with the
stored assessment, even when the retry races the first request), an answer is built inside the
transaction so a 500 commits nothing, and the API checks what the pages check."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from core.limits import LONG_TEXT
from journeys import api as journeys_api
from journeys.models import Assessment, Contact
from journeys.services import assessment_record_once
from tests.concurrency import at_once
from tests.factories import (
    AssessmentTypeFactory,
    ContactTypeFactory,
    PersonFactory,
    QuestionFactory,
    staff_user,
)


@pytest.fixture
def world(db):
    kind = AssessmentTypeFactory(questions=[QuestionFactory(code="housing_tenure")])
    person = PersonFactory(registered_by=kind.agency)
    ContactTypeFactory(code="welfare_check")
    return {"kind": kind, "person": person, "user": staff_user(kind.agency)}


def _body(world, **extra):
    return {
        "assessment_type": world["kind"].pk,
        "subject_person": world["person"].pk,
        "completed_at": (timezone.now() - timedelta(hours=1)).isoformat(),
        "answers": [{"question": "housing_tenure", "value": "Renting"}],
        **extra,
    }


def test_resending_an_assessments_external_id_answers_200_with_the_stored_one(api, world):
    client = api.as_user(world["user"])
    first = client.post("/api/v1/assessments/", _body(world, external_id="case-7"), format="json")
    assert first.status_code == 201
    again = client.post("/api/v1/assessments/", _body(world, external_id="case-7"), format="json")
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["external_id"] == "case-7"
    assert Assessment.objects.count() == 1


def test_another_agencys_external_id_replays_nothing_of_its_assessment(world):
    """Rule 11 on the answer to a write: the same id from another agency is that agency's own
    new assessment, and its answer carries nothing of the first agency's."""
    first = APIClient()
    first.force_authenticate(world["user"])
    stored = first.post(
        "/api/v1/assessments/",
        _body(
            world, external_id="case-7", answers=[{"question": "housing_tenure", "value": "MK-FIRST-AGENCY"}]
        ),
        format="json",
    )
    assert stored.status_code == 201
    other_kind = AssessmentTypeFactory(questions=[world["kind"].questions.get()])
    other = APIClient()
    other.force_authenticate(staff_user(other_kind.agency))
    replay = other.post(
        "/api/v1/assessments/",
        {**_body(world, external_id="case-7"), "assessment_type": other_kind.pk},
        format="json",
    )
    assert replay.status_code < 500
    assert "MK-FIRST-AGENCY" not in replay.content.decode()
    assert replay.status_code != 200 or replay.json()["id"] != stored.json()["id"]


def test_an_assessment_with_no_answers_is_a_400(api, world):
    response = api.as_user(world["user"]).post(
        "/api/v1/assessments/", _body(world, answers=[]), format="json"
    )
    assert response.status_code == 400
    assert "answers" in response.json()
    assert Assessment.objects.count() == 0


def test_the_api_limits_text_as_the_pages_do(api, world):
    client = api.as_user(world["user"])
    long = "x" * (LONG_TEXT + 1)
    answers = [{"question": "housing_tenure", "value": long}]
    assert (
        client.post("/api/v1/assessments/", _body(world, answers=answers), format="json").status_code == 400
    )
    contact = {
        "persons": [world["person"].pk],
        "contact_type": "welfare_check",
        "occurred_at": (timezone.now() - timedelta(hours=1)).isoformat(),
        "channel": "phone",
        "summary": "x" * 1_000_000,
    }
    response = client.post("/api/v1/contacts/", contact, format="json")
    assert response.status_code == 400
    assert "summary" in response.json()
    assert (Assessment.objects.count(), Contact.objects.count()) == (0, 0)


@pytest.mark.parametrize("path", ["/api/v1/assessments/", "/api/v1/contacts/"])
def test_a_500_while_answering_commits_nothing(world, monkeypatch, path):
    """The answer is built inside the transaction: if building it fails, the client's 500
    means nothing was stored, so its retry stores the record once."""

    def broken(self, instance):
        raise RuntimeError("the connection went away while answering")

    for serializer in (journeys_api.AssessmentOutputSerializer, journeys_api.ContactOutputSerializer):
        monkeypatch.setattr(serializer, "to_representation", broken)
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(world["user"])
    contact = {
        "persons": [world["person"].pk],
        "contact_type": "welfare_check",
        "occurred_at": (timezone.now() - timedelta(hours=1)).isoformat(),
        "channel": "phone",
        "summary": "Called round.",
    }
    body = _body(world) if "assessments" in path else contact
    assert client.post(path, body, format="json").status_code == 500
    assert (Assessment.objects.count(), Contact.objects.count()) == (0, 0)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite's in-memory test database locks tables")
@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_of_one_assessment_all_answer_with_the_one_stored(world):
    outcomes, errors = at_once(
        lambda: assessment_record_once(
            actor=world["user"],
            assessment_type=world["kind"],
            subject_person=world["person"],
            completed_at=timezone.now() - timedelta(hours=1),
            answers=[{"question": "housing_tenure", "value": "Renting"}],
            external_id="retry-1",
        )
    )
    assert not errors
    assert sorted(created for _, created in outcomes) == [False, False, False, True]
    assert len({assessment.pk for assessment, _ in outcomes}) == 1
    assert Assessment.objects.filter(external_id="retry-1").count() == 1
