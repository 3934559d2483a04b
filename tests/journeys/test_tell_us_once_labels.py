# ruff: noqa: RUF059 (each test unpacks the whole setting for readability)
"""Tell us once keeps labels and withholding (rule 11), logs every display and reuse of another
agency's answers (rule 7), and the API lists exactly what it lets a client reuse."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from consent.models import AccessLog
from journeys import services
from journeys.models import SENSITIVITY_ORDER, Answer, Assessment, Sensitivity, most_sensitive
from tests.factories import AgencyFactory, staff_user
from tests.journeys.helpers import api_body, grant, kind, record

pytestmark = pytest.mark.django_db
ALL_LABELS = list(Sensitivity.values)


def reusable(client, person, needs):
    return client.get(f"/api/v1/persons/{person.pk}/reusable-answers/", {"assessment_type": needs.pk})


def mark(assessment, **fields):
    Assessment.objects.filter(pk=assessment.pk).update(**fields)


def page_form(bank, **extra):
    form = {"completed_on": timezone.localdate().isoformat(), "sensitivity": "general"}
    form.update({f"reuse_{q.code}": "on" for q in bank[:6]})
    form.update(extra)
    return form


def test_general_is_the_least_sensitive_label_and_every_label_is_ordered():
    assert SENSITIVITY_ORDER[0] == Sensitivity.GENERAL
    assert sorted(SENSITIVITY_ORDER) == sorted(Sensitivity.values)
    assert most_sensitive([]) == "general"
    assert most_sensitive(["general", "mental_health", "substance_use"]) == "mental_health"


def test_a_reused_answer_keeps_its_label_on_the_page(client, setting):
    police, housing, bank, person, earlier, needs, user, url = setting
    mark(earlier, sensitivity="mental_health")
    grant(person, housing, labels=ALL_LABELS)
    client.force_login(user)
    page = client.get(url).content.decode()
    assert "Mental health" in page.split('id="tell-us-once"')[1].split("</div>")[0]
    response = client.post(url, page_form(bank), follow=True)
    new = Assessment.objects.exclude(pk=earlier.pk).get()
    assert new.sensitivity == "mental_health"
    assert "It is marked mental health" in response.content.decode()


def test_an_explicit_label_wins_only_when_it_is_more_sensitive(client, setting):
    police, housing, bank, person, earlier, needs, user, url = setting
    mark(earlier, sensitivity="substance_use")
    grant(person, housing, labels=ALL_LABELS)
    client.force_login(user)
    assert client.post(url, page_form(bank, sensitivity="domestic_abuse")).status_code == 302
    assert Assessment.objects.exclude(pk=earlier.pk).get().sensitivity == "domestic_abuse"


def test_the_api_stores_the_most_sensitive_label_of_the_answers(api, setting):
    police, housing, bank, person, earlier, needs, user, url = setting
    mark(earlier, sensitivity="offending")
    grant(person, housing, labels=ALL_LABELS)
    source = Answer.objects.get(assessment=earlier, question__code="bank_0")
    response = api.as_user(user).post(
        "/api/v1/assessments/",
        api_body(person, needs, [{"question": "bank_0", "reused_from": source.pk}], sensitivity="general"),
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["sensitivity"] == "offending"


def test_a_withheld_answer_is_neither_offered_nor_reusable(api, client, setting):
    police, housing, bank, person, earlier, needs, user, url = setting
    mark(earlier, withheld_from_subject=True, withheld_reason="Telling would put her at risk")
    grant(person, housing)
    client.force_login(user)
    page = client.get(url).content.decode()
    assert "None of these questions has been answered" in page
    assert "Answer to bank_0" not in page
    assert reusable(api.as_user(user), person, needs).json() == []
    source = Answer.objects.get(assessment=earlier, question__code="bank_0")
    response = api.as_user(user).post(
        "/api/v1/assessments/",
        api_body(person, needs, [{"question": "bank_0", "reused_from": source.pk}]),
        format="json",
    )
    assert response.status_code == 400
    assert "reused_from" in response.json()["answers"][0]
    with pytest.raises(ValidationError, match="withheld"):
        services.assessment_record(
            assessment_type=needs,
            subject_person=person,
            completed_at=timezone.now(),
            answers=[{"question": "bank_0", "value": source.value, "reused_from": source}],
            actor=user,
        )
    assert Assessment.objects.count() == 1


def test_the_api_lists_reusable_answers_with_the_contracted_fields_and_logs_the_read(api, setting):
    police, housing, bank, person, earlier, needs, user, url = setting
    grant(person, housing)
    body = reusable(api.as_user(user), person, needs).json()
    assert len(body) == 6
    item = next(i for i in body if i["question"] == "bank_0")
    source = Answer.objects.get(assessment=earlier, question__code="bank_0")
    assert {"id", "question", "value", "agency", "answered_at", "sensitivity"} <= set(item)
    assert item["id"] == source.pk
    assert item["value"] == "Answer to bank_0"
    assert item["agency"] == "police"
    assert item["sensitivity"] == "general"
    entry = AccessLog.objects.get()
    assert (entry.subject_id, entry.user_id) == (person.pk, user.pk)
    assert entry.shown == "6 earlier answers from 1 other agencies shown (tell us once)"


def test_the_api_lists_only_answers_open_to_the_caller(api, setting):
    police, housing, bank, person, earlier, needs, user, url = setting
    client = api.as_user(user)
    assert reusable(client, person, needs).json() == []
    grant(person, housing)  # general only
    mark(earlier, sensitivity="sexual_health")
    assert reusable(client, person, needs).json() == []
    assert AccessLog.objects.count() == 0


def test_the_api_answers_404_for_a_person_the_caller_may_not_know_and_400_for_a_bad_type(api, setting):
    police, housing, bank, person, earlier, needs, user, url = setting
    stranger = api.as_user(staff_user(AgencyFactory(code="school")))
    assert reusable(stranger, person, needs).status_code == 404
    client = api.as_user(user)
    assert (
        client.get("/api/v1/persons/999999/reusable-answers/", {"assessment_type": needs.pk}).status_code
        == 404
    )
    missing = client.get(f"/api/v1/persons/{person.pk}/reusable-answers/")
    assert missing.status_code == 400
    assert "assessment_type" in missing.json()
    assert reusable(client, person, earlier.assessment_type).status_code == 400  # police's type
    family_type = kind(bank, agency=housing, level="family")
    assert reusable(client, person, family_type).status_code == 400


def test_the_api_reuses_only_what_reusable_answers_lists(api, setting):
    police, housing, bank, person, earlier, needs, user, url = setting
    grant(person, housing)
    newer = record(kind(bank[:6], agency=police), person=person, days_ago=5)
    older_source = Answer.objects.get(assessment=earlier, question__code="bank_0")
    client = api.as_user(user)
    listed = {i["question"]: i["id"] for i in reusable(client, person, needs).json()}
    assert listed["bank_0"] == Answer.objects.get(assessment=newer, question__code="bank_0").pk
    response = client.post(
        "/api/v1/assessments/",
        api_body(person, needs, [{"question": "bank_0", "reused_from": older_source.pk}]),
        format="json",
    )
    assert response.status_code == 400
    assert "reused_from" in response.json()["answers"][0]


def test_reusing_another_agencys_answers_is_logged_on_the_page(client, setting):
    police, housing, bank, person, earlier, needs, user, url = setting
    grant(person, housing)
    client.force_login(user)
    assert client.post(url, page_form(bank)).status_code == 302
    [entry] = AccessLog.objects.filter(subject=person)
    assert entry.shown == "6 earlier answers from 1 other agencies reused in a new assessment (tell us once)"
    assert entry.bases and entry.bases[0]["kind"] == "consent"


def test_reusing_another_agencys_answer_is_logged_in_the_api(api, setting):
    police, housing, bank, person, earlier, needs, user, url = setting
    grant(person, housing)
    source = Answer.objects.get(assessment=earlier, question__code="bank_0")
    response = api.as_user(user).post(
        "/api/v1/assessments/",
        api_body(person, needs, [{"question": "bank_0", "reused_from": source.pk}]),
        format="json",
    )
    assert response.status_code == 201
    [entry] = AccessLog.objects.filter(subject=person)
    assert entry.shown == "1 earlier answers from 1 other agencies reused in a new assessment (tell us once)"


def test_reusing_your_own_agencys_answer_is_not_logged(api, setting):
    police, housing, bank, person, earlier, needs, user, url = setting
    mine = record(needs, person=person, days_ago=3)
    source = Answer.objects.get(assessment=mine, question__code="bank_7")
    response = api.as_user(user).post(
        "/api/v1/assessments/",
        api_body(person, needs, [{"question": "bank_7", "reused_from": source.pk}]),
        format="json",
    )
    assert response.status_code == 201, response.content
    assert AccessLog.objects.filter(subject=person).count() == 0


def test_a_page_that_fails_validation_logs_what_it_shows_again(client, setting):
    police, housing, bank, person, earlier, needs, user, url = setting
    grant(person, housing)
    client.force_login(user)
    response = client.post(url, page_form(bank, answer_bank_0="typed too"))
    assert response.status_code == 400
    [entry] = AccessLog.objects.filter(subject=person)
    assert entry.shown.endswith("shown (tell us once)")


def test_the_openapi_documents_reusable_answers(api, setting):
    police, housing, bank, person, earlier, needs, user, url = setting
    schema = api.as_user(user).get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/persons/{id}/reusable-answers/"]["get"]
    assert any(p["name"] == "assessment_type" and p["required"] for p in operation["parameters"])
    assert {"200", "400", "404"} <= set(operation["responses"])
