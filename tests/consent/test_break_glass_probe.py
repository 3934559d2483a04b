"""Emergency access by an exact identifier (review of issue 11): the id and identifier pair is
no quiet oracle. A scheme is required, a bad request answers alike for a right and a wrong
pair, the pair is asked as an identifier search is (counted and logged), and the page names
nobody before emergency access is open."""

import pytest
from django.core.cache import cache
from django.test import override_settings
from rest_framework.test import APIClient

from consent.models import AccessLog, BreakGlass
from core.models import AuditEvent
from journeys.models import PersonIdentifier
from tests.factories import AgencyFactory, ContactFactory, PersonFactory, staff_user

pytestmark = pytest.mark.django_db
NHS = "9434765919"
REASON = "The child was brought to hospital at night and we need to know who has parental responsibility."


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def stranger():
    person = PersonFactory(given_name="Linnea", family_name="Vance")
    ContactFactory(persons=[person], summary="Another agency's contact")
    PersonIdentifier.objects.create(person=person, scheme="nhs_number", value=NHS)
    return person


def _api(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_a_pair_with_a_bad_request_answers_alike_for_the_right_and_a_wrong_person(stranger):
    api = _api(staff_user(AgencyFactory()))
    others = [PersonFactory() for _ in range(3)]
    for body, field in (
        ({"reason": "x", "identifier": {"scheme": "", "value": NHS}}, "identifier"),  # once any scheme
        ({"reason": "x", "identifier": {"value": NHS}}, "identifier"),
        ({"reason": "urgent", "identifier": {"scheme": "nhs_number", "value": NHS}}, "reason"),
    ):
        answers = {
            p.pk: (r.status_code, r.json())
            for p in [*others, stranger]
            for r in [api.post(f"/api/v1/persons/{p.pk}/break-glass/", body, format="json")]
        }
        assert {code for code, _ in answers.values()} == {400}
        assert len({str(errors) for _, errors in answers.values()}) == 1
        assert field in answers[stranger.pk][1]
    assert not BreakGlass.objects.exists()
    assert not AccessLog.objects.filter(subject_id=stranger.pk).exists()


@override_settings(IDENTIFIER_SEARCHES_PER_MINUTE=3)
def test_asking_a_pair_is_counted_and_logged_as_an_identifier_search(stranger):
    api = _api(staff := staff_user(AgencyFactory()))
    pair = {"reason": REASON, "identifier": {"scheme": "nhs_number", "value": NHS}}
    answers = [
        api.post(f"/api/v1/persons/{PersonFactory().pk}/break-glass/", pair, format="json") for _ in range(3)
    ]
    assert [r.status_code for r in answers] == [404, 404, 404]
    events = AuditEvent.objects.filter(verb="person.identifier_searched", actor=staff)
    assert events.count() == 3 and all(e.detail["schemes"] == ["nhs_number"] for e in events)
    refused = api.post(f"/api/v1/persons/{stranger.pk}/break-glass/", pair, format="json")
    assert refused.status_code == 429 and 1 <= int(refused["Retry-After"]) <= 60
    assert not BreakGlass.objects.exists()
    cache.clear()  # the next minute
    opened = api.post(f"/api/v1/persons/{stranger.pk}/break-glass/", pair, format="json")
    assert opened.status_code == 201 and BreakGlass.objects.get().subject == stranger


def test_the_page_names_nobody_before_opening_and_asks_the_pair_only_on_opening(client, stranger):
    staff = staff_user(AgencyFactory())
    client.force_login(staff)
    other = PersonFactory()
    for person in (stranger, other):
        for query in (f"?value={NHS}", f"?scheme=nhs_number&value={NHS}"):
            page = client.get(f"/people/{person.pk}/emergency-access/{query}")
            body = page.content.decode()
            assert page.status_code == 200 and "Open emergency access" in body
            assert stranger.given_name not in body and stranger.family_name not in body
    short = client.post(
        f"/people/{other.pk}/emergency-access/",
        {"reason": "urgent", "hours": 1, "scheme": "nhs_number", "value": NHS},
    )
    assert short.status_code == 200 and "full sentence" in short.content.decode()
    assert not AuditEvent.objects.filter(verb="person.identifier_searched").exists()
    fields = {"reason": REASON, "hours": 1, "value": NHS}
    assert client.post(f"/people/{stranger.pk}/emergency-access/", fields).status_code == 404  # no scheme
    fields["scheme"] = "nhs_number"
    assert client.post(f"/people/{other.pk}/emergency-access/", fields).status_code == 404
    assert not BreakGlass.objects.exists()
    assert client.post(f"/people/{stranger.pk}/emergency-access/", fields).status_code == 302
    assert AuditEvent.objects.filter(verb="person.identifier_searched", actor=staff).count() == 2
