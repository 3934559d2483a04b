"""duplicate-flags/ as DESIGN.md's API contract fixes it."""

import pytest

from duplicates.services import duplicates_rescan
from tests.factories import ConsentGrantFactory, PersonFactory
from tests.journeys.helpers import kind, questions, record

pytestmark = pytest.mark.django_db
URL = "/api/v1/duplicate-flags/"


def ids(response):
    assert response.status_code == 200, response.content
    return sorted(item["id"] for item in response.json()["results"])


def test_a_flag_has_the_contracted_fields(api, partnership):
    flag = partnership.flag_police_housing
    body = api.as_user(partnership.housing_manager).get(URL).json()
    assert set(body) == {"count", "next", "previous", "results", "not_shown"}
    [item] = body["results"]
    assert item["id"] == flag.pk
    assert item["assessments"] == [flag.earlier_id, flag.later_id]
    assert sorted(item["shared_questions"]) == [f"housing_{i}" for i in range(6)]
    assert item["days_apart"] == 40
    assert item["status"] == "open"
    assert item["avoidable"] is False
    assert item["estimated_cost"] == 27000


def test_managers_see_their_agencys_flags_and_a_partnership_reviewer_sees_all(api, partnership):
    p = partnership
    assert ids(api.as_user(p.police_manager).get(URL)) == [p.flag_police_housing.pk]
    assert ids(api.as_user(p.housing_manager).get(URL)) == [p.flag_police_housing.pk]
    assert ids(api.as_user(p.school_manager).get(URL)) == [p.flag_school_twice.pk]
    assert ids(api.as_user(p.reviewer).get(URL)) == sorted([p.flag_police_housing.pk, p.flag_school_twice.pk])


def test_staff_and_strangers_are_refused(api, partnership, client):
    assert api.as_user(partnership.staff).get(URL).status_code == 403
    assert client.get(URL).status_code in (401, 403)


def test_filters_by_status_and_agency(api, partnership):
    p = partnership
    client = api.as_user(p.reviewer)
    assert ids(client.get(URL, {"agency": p.school.pk})) == [p.flag_school_twice.pk]
    assert ids(client.get(URL, {"agency": p.police.pk})) == [p.flag_police_housing.pk]
    assert ids(client.get(URL, {"status": "dismissed"})) == []
    client.post(f"{URL}{p.flag_school_twice.pk}/review/", {"status": "dismissed", "reason": "Planned review"})
    assert ids(client.get(URL, {"status": "dismissed"})) == [p.flag_school_twice.pk]
    assert ids(client.get(URL, {"status": "open"})) == [p.flag_police_housing.pk]


def test_bad_filters_are_a_400_with_field_errors(api, partnership):
    response = api.as_user(partnership.reviewer).get(URL, {"status": "maybe", "agency": "x"})
    assert response.status_code == 400
    assert set(response.json()) == {"status", "agency"}


def test_review_confirms_with_a_reason(api, partnership):
    flag = partnership.flag_police_housing
    response = api.as_user(partnership.housing_manager).post(
        f"{URL}{flag.pk}/review/",
        {"status": "confirmed", "reason": "Asked the same housing questions"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["status"] == "confirmed"
    flag.refresh_from_db()
    assert (flag.status, flag.review_reason, flag.reviewed_by) == (
        "confirmed",
        "Asked the same housing questions",
        partnership.housing_manager,
    )


def test_review_without_a_reason_or_with_a_bad_status_is_a_400_and_saves_nothing(api, partnership):
    flag = partnership.flag_police_housing
    client = api.as_user(partnership.housing_manager)
    response = client.post(f"{URL}{flag.pk}/review/", {"status": "open", "reason": ""}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"status", "reason"}
    flag.refresh_from_db()
    assert flag.status == "open"


def test_another_agencys_flag_is_not_found(api, partnership):
    response = api.as_user(partnership.police_manager).post(
        f"{URL}{partnership.flag_school_twice.pk}/review/",
        {"status": "dismissed", "reason": "x"},
        format="json",
    )
    assert response.status_code == 404
    assert (
        api.as_user(partnership.police_manager).get(f"{URL}{partnership.flag_school_twice.pk}/").status_code
        == 404
    )


def test_a_dismissed_flag_stays_dismissed_after_a_rescan(api, partnership):
    flag = partnership.flag_school_twice
    api.as_user(partnership.school_manager).post(
        f"{URL}{flag.pk}/review/", {"status": "dismissed", "reason": "Termly review"}, format="json"
    )
    duplicates_rescan()
    item = api.as_user(partnership.school_manager).get(URL).json()["results"][0]
    assert item["status"] == "dismissed"


def test_the_list_uses_a_fixed_number_of_queries(api, partnership, django_assert_num_queries):
    client = api.as_user(partnership.reviewer)
    with django_assert_num_queries(5) as few:
        client.get(URL)
    bank = questions(6, prefix="more")
    for _ in range(5):
        person = PersonFactory()
        ConsentGrantFactory(subject=person, agency=partnership.reviewer.staff_membership.agency)
        record(kind(bank), person=person, days_ago=30)
        record(kind(bank), person=person, days_ago=3)
    duplicates_rescan()
    with django_assert_num_queries(len(few.captured_queries)):
        assert client.get(URL).json()["count"] == 7
