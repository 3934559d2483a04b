"""The API contract of DESIGN.md for reference data, people, families, contacts, assessments."""

from datetime import timedelta

import pytest
from django.utils import timezone

from journeys.models import Contact
from tests.factories import (
    AgencyFactory,
    AssessmentTypeFactory,
    ContactFactory,
    ContactTypeFactory,
    PersonFactory,
    QuestionFactory,
    UserFactory,
    staff_user,
)

pytestmark = pytest.mark.django_db


def test_token_sign_in(client):
    user = staff_user()
    user.set_password("correct horse battery staple")
    user.save()
    response = client.post(
        "/api/v1/auth/token/",
        {"username": user.username, "password": "correct horse battery staple"},
        content_type="application/json",
    )
    assert response.status_code == 200
    token = response.json()["token"]
    listed = client.get("/api/v1/agencies/", HTTP_AUTHORIZATION=f"Token {token}")
    assert listed.status_code == 200
    assert set(listed.json()) == {"count", "next", "previous", "results"}


def test_anonymous_is_refused(client):
    assert client.get("/api/v1/agencies/").status_code in (401, 403)


def test_assessment_types_give_agency_level_and_question_codes(api):
    q = QuestionFactory(code="housing_tenure")
    kind = AssessmentTypeFactory(questions=[q])
    body = api.as_user(staff_user()).get("/api/v1/assessment-types/").json()["results"][0]
    assert body["agency"] == kind.agency_id
    assert body["level"] == "person"
    assert body["questions"] == ["housing_tenure"]


def test_create_person_with_invalid_nhs_number_is_a_400(api):
    response = api.as_user(staff_user()).post(
        "/api/v1/persons/",
        {
            "given_name": "Ann",
            "family_name": "Example",
            "date_of_birth": "1990-01-01",
            "identifiers": [{"scheme": "nhs_number", "value": "9434765918"}],
        },
        format="json",
    )
    assert response.status_code == 400
    assert "value" in response.json()


def test_create_person_then_find_it(api):
    client = api.as_user(staff_user())
    response = client.post(
        "/api/v1/persons/",
        {"given_name": "Ann", "family_name": "Example", "date_of_birth": "1990-01-01"},
        format="json",
    )
    assert response.status_code == 201
    found = client.get("/api/v1/persons/?q=ann").json()["results"]
    assert [p["id"] for p in found] == [response.json()["id"]]


def contact_body(person, **overrides):
    return {
        "persons": [person.pk],
        "contact_type": "gp_appointment",
        "occurred_at": (timezone.now() - timedelta(days=1)).isoformat(),
        "channel": "phone",
        "summary": "Synthetic call",
        **overrides,
    }


def test_contacts_post_one_then_resend_is_a_no_op(api):
    agency = AgencyFactory()
    ContactTypeFactory(code="gp_appointment")
    person = PersonFactory(registered_by=agency)
    client = api.as_user(staff_user(agency))
    first = client.post("/api/v1/contacts/", contact_body(person, external_id="EXT-1"), format="json")
    assert first.status_code == 201
    assert first.json()["agency"] == agency.code
    again = client.post("/api/v1/contacts/", contact_body(person, external_id="EXT-1"), format="json")
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert Contact.objects.count() == 1


def test_contacts_post_list_is_all_or_nothing(api):
    agency = AgencyFactory()
    ContactTypeFactory(code="gp_appointment")
    person = PersonFactory(registered_by=agency)
    client = api.as_user(staff_user(agency))
    response = client.post(
        "/api/v1/contacts/", [contact_body(person), contact_body(person, channel="telepathy")], format="json"
    )
    assert response.status_code == 400
    assert response.json()["1"]["channel"]
    assert Contact.objects.count() == 0
    ok = client.post("/api/v1/contacts/", [contact_body(person), contact_body(person)], format="json")
    assert ok.status_code == 201
    assert len(ok.json()) == 2


def test_contact_for_a_person_the_caller_may_not_know_is_refused(api):
    ContactTypeFactory(code="gp_appointment")
    stranger = PersonFactory()
    response = api.as_user(staff_user()).post("/api/v1/contacts/", contact_body(stranger), format="json")
    assert response.status_code == 400
    assert Contact.objects.count() == 0


def test_staff_may_not_record_for_another_agency(api):
    ContactTypeFactory(code="gp_appointment")
    agency = AgencyFactory()
    person = PersonFactory(registered_by=agency)
    response = api.as_user(staff_user(agency)).post(
        "/api/v1/contacts/", contact_body(person, agency=AgencyFactory().pk), format="json"
    )
    assert response.status_code == 400
    assert "agency" in response.json()


def test_assessment_post_and_bad_question(api):
    q = QuestionFactory(code="housing_tenure")
    kind = AssessmentTypeFactory(questions=[q])
    person = PersonFactory(registered_by=kind.agency)
    client = api.as_user(staff_user(kind.agency))
    body = {
        "assessment_type": kind.pk,
        "subject_person": person.pk,
        "completed_at": timezone.now().isoformat(),
        "answers": [{"question": "housing_tenure", "value": "Renting"}],
    }
    assert client.post("/api/v1/assessments/", body, format="json").status_code == 201
    body["answers"] = [{"question": "no_such_question", "value": "x"}]
    response = client.post("/api/v1/assessments/", body, format="json")
    assert response.status_code == 400
    assert "answers" in response.json()


def test_families_create_and_list_members(api):
    client = api.as_user(staff_user())
    created = client.post("/api/v1/families/", {"label": "Synthetic family"}, format="json")
    assert created.status_code == 201
    family_id = created.json()["id"]
    person = client.post(
        "/api/v1/persons/",
        {"given_name": "Ann", "family_name": "Example", "date_of_birth": "1990-01-01", "family": family_id},
        format="json",
    )
    assert person.status_code == 201, person.json()
    members = client.get(f"/api/v1/families/{family_id}/").json()["members"]
    assert [m["person"]["id"] for m in members] == [person.json()["id"]]


def test_record_shows_only_own_agency_without_consent(api):
    mine, theirs = AgencyFactory(), AgencyFactory()
    person = PersonFactory(registered_by=mine)
    ContactFactory(agency=mine, persons=[person])
    ContactFactory(agency=theirs, persons=[person])
    body = api.as_user(staff_user(mine)).get(f"/api/v1/persons/{person.pk}/record/").json()
    assert [c["agency"] for c in body["contacts"]] == [mine.code]


def test_record_of_unknown_person_is_404(api):
    person = PersonFactory()
    ContactFactory(persons=[person])
    assert api.as_user(staff_user()).get(f"/api/v1/persons/{person.pk}/record/").status_code == 404
    assert api.as_user(staff_user()).get("/api/v1/persons/999999/record/").status_code == 404


def test_citizen_cannot_use_staff_endpoints(api):
    citizen = UserFactory()
    PersonFactory(user=citizen)
    assert api.as_user(citizen).get("/api/v1/contacts/").status_code == 403


def test_openapi_schema_and_docs(client):
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200
