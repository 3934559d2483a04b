# ruff: noqa: RUF059 (each test unpacks the whole setting for readability)
"""Recording an assessment with "tell us once": earlier answers open to the user under consent,
reused with one click and recorded as reused, so they are not counted as asked again."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from consent.models import AccessLog
from duplicates.models import DuplicateFlag
from duplicates.services import duplicates_rescan
from journeys.models import Answer, Assessment
from tests.factories import AgencyFactory, UserFactory, staff_user
from tests.journeys.helpers import api_body, grant, kind, record

pytestmark = pytest.mark.django_db


def test_without_consent_other_agencies_answers_are_not_shown(client, setting):
    police, housing, bank, person, earlier, needs, user, url = setting
    client.force_login(user)
    page = client.get(url).content.decode()
    assert "None of these questions has been answered" in page
    assert "County Police" not in page
    assert AccessLog.objects.count() == 0


def test_with_consent_the_panel_lists_answers_with_date_and_agency_and_logs_the_view(client, setting):
    police, housing, bank, person, earlier, needs, user, url = setting
    grant(person, housing)
    client.force_login(user)
    page = client.get(url).content.decode()
    assert "Already told us" in page
    assert "6 of these questions were answered" in page
    assert "Answer to bank_0" in page
    assert "County Police" in page
    assert timezone.localtime(earlier.completed_at).strftime("%-d %B %Y") in page
    entry = AccessLog.objects.get()
    assert entry.subject_id == person.pk
    assert "tell us once" in entry.shown


def test_answers_older_than_the_window_are_not_offered(client, setting):
    police, housing, bank, person, earlier, needs, user, url = setting
    Assessment.objects.filter(pk=earlier.pk).update(completed_at=timezone.now() - timedelta(days=91))
    grant(person, housing, days=120)
    client.force_login(user)
    assert "None of these questions has been answered" in client.get(url).content.decode()


def test_reusing_with_one_click_records_the_source_and_is_not_asked_again(client, setting):
    police, housing, bank, person, earlier, needs, user, url = setting
    grant(person, housing)
    client.force_login(user)
    form = {"completed_on": timezone.localdate().isoformat(), "sensitivity": "general"}
    form.update({f"reuse_{q.code}": "on" for q in bank[:6]})
    form.update({"answer_bank_6": "Two bedrooms, damp", "answer_bank_7": ""})
    response = client.post(url, form)
    assert response.status_code == 302
    assert response["Location"] == reverse("journeys:person_record", args=[person.pk])
    new = Assessment.objects.exclude(pk=earlier.pk).get()
    answers = {a.question.code: a for a in new.answers.select_related("question", "reused_from")}
    assert set(answers) == {f"bank_{i}" for i in range(7)}
    source = Answer.objects.get(assessment=earlier, question__code="bank_0")
    assert answers["bank_0"].reused_from == source
    assert answers["bank_0"].value == source.value
    assert answers["bank_6"].reused_from is None
    duplicates_rescan()
    assert DuplicateFlag.objects.count() == 0  # told once: nothing was asked again
    message = client.get(response["Location"]).content.decode()
    assert "6 reused from earlier records" in message


def test_a_forged_reuse_without_consent_is_ignored(client, setting):
    police, housing, bank, person, earlier, needs, user, url = setting
    client.force_login(user)
    response = client.post(
        url,
        {"completed_on": timezone.localdate().isoformat(), "sensitivity": "general", "reuse_bank_0": "on"},
    )
    assert response.status_code == 400
    assert "Answer at least one question, or use an earlier answer" in response.content.decode()
    assert Assessment.objects.count() == 1


def test_reusing_and_typing_the_same_answer_is_an_error(client, setting):
    police, housing, bank, person, earlier, needs, user, url = setting
    grant(person, housing)
    client.force_login(user)
    response = client.post(
        url,
        {
            "completed_on": timezone.localdate().isoformat(),
            "sensitivity": "general",
            "reuse_bank_0": "on",
            "answer_bank_0": "Something else",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page
    assert "Either use the earlier answer or type a new one, not both" in page
    assert Assessment.objects.count() == 1


def test_a_future_date_is_refused(client, setting):
    police, housing, bank, person, earlier, needs, user, url = setting
    client.force_login(user)
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = client.post(url, {"completed_on": tomorrow, "sensitivity": "general", "answer_bank_0": "Yes"})
    assert response.status_code == 400
    assert "must be today or in the past" in response.content.decode()
    assert Assessment.objects.count() == 1


def test_the_page_uses_a_fixed_number_of_queries(client, setting):
    police, housing, bank, person, earlier, needs, user, url = setting
    grant(person, housing)
    client.force_login(user)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for days in (20, 10, 5):
        record(kind(bank, agency=police), person=person, days_ago=days)
    with CaptureQueriesContext(connection) as more:
        assert "8 of these questions were answered" in client.get(url).content.decode()
    assert len(more.captured_queries) == len(few.captured_queries)


def test_choosing_the_assessment_type_lists_only_the_agencys_own(client, setting):
    police, housing, bank, person, earlier, needs, user, url = setting
    client.force_login(user)
    page = client.get(f"{reverse('journeys:assessment_record')}?person={person.pk}").content.decode()
    assert needs.name in page
    assert earlier.assessment_type.name not in page
    response = client.get(
        f"{reverse('journeys:assessment_record')}?person={person.pk}&type={earlier.assessment_type.pk}"
    )
    assert response.status_code == 400
    assert "Choose an assessment type of your agency" in response.content.decode()


def test_people_the_user_may_not_know_of_and_citizens_are_refused(client, setting):
    police, housing, bank, person, earlier, needs, user, url = setting
    client.force_login(staff_user(AgencyFactory(code="school")))
    assert client.get(url).status_code == 404
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404


def test_the_record_page_links_to_recording_an_assessment(client, setting):
    police, housing, bank, person, earlier, needs, user, url = setting
    client.force_login(user)
    page = client.get(reverse("journeys:person_record", args=[person.pk])).content.decode()
    assert f"{reverse('journeys:assessment_record')}?person={person.pk}" in page


def test_the_api_reuses_an_answer_open_to_the_caller(api, setting):
    police, housing, bank, person, earlier, needs, user, url = setting
    grant(person, housing)
    source = Answer.objects.get(assessment=earlier, question__code="bank_0")
    response = api.as_user(user).post(
        "/api/v1/assessments/",
        api_body(
            person,
            needs,
            [{"question": "bank_0", "reused_from": source.pk}, {"question": "bank_6", "value": "x"}],
        ),
        format="json",
    )
    assert response.status_code == 201, response.content
    answers = {a["question"]: a for a in response.json()["answers"]}
    assert answers["bank_0"]["reused_from"] == source.pk
    assert answers["bank_0"]["value"] == source.value
    assert answers["bank_6"]["reused_from"] is None


def test_the_api_refuses_to_reuse_an_answer_without_consent_or_to_another_question(api, setting):
    police, housing, bank, person, earlier, needs, user, url = setting
    source = Answer.objects.get(assessment=earlier, question__code="bank_0")
    client = api.as_user(user)
    hidden = client.post(
        "/api/v1/assessments/",
        api_body(person, needs, [{"question": "bank_0", "reused_from": source.pk}]),
        format="json",
    )
    assert hidden.status_code == 400
    assert "reused_from" in hidden.json()["answers"][0]
    grant(person, housing)
    wrong = client.post(
        "/api/v1/assessments/",
        api_body(person, needs, [{"question": "bank_1", "reused_from": source.pk}]),
        format="json",
    )
    assert wrong.status_code == 400
    assert "reused_from" in wrong.json()["answers"][0]
    neither = client.post(
        "/api/v1/assessments/", api_body(person, needs, [{"question": "bank_1"}]), format="json"
    )
    assert neither.status_code == 400
    assert Assessment.objects.count() == 1
