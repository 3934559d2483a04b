"""Exact-identifier search (issue 11): it matches well-formed, normalised identifiers only, each
search is in the audit log without the number in clear, and a user is limited per minute."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from core.models import AuditEvent
from journeys.models import PersonIdentifier
from tests.factories import ContactFactory, PersonFactory, staff_user

pytestmark = pytest.mark.django_db

VALID_NHS = "9434765919"


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def stranger():
    """Someone another agency knows, with an NHS number: findable only by that exact number."""
    person = PersonFactory(given_name="Linnea", family_name="Vance")
    ContactFactory(persons=[person], summary="Another agency's business")
    PersonIdentifier.objects.create(person=person, scheme="nhs_number", value=VALID_NHS)
    return person


def _found(client, q) -> list[int]:
    return [p["id"] for p in client.get("/api/v1/persons/", {"q": q}).json()["results"]]


def test_a_normalised_number_matches_and_a_partial_or_malformed_one_matches_nobody(client, stranger):
    client.force_login(staff_user())
    assert _found(client, "943 476 5919") == [stranger.pk]
    assert _found(client, "943-476-5919") == [stranger.pk]
    assert _found(client, "943476") == []
    assert _found(client, "94347659") == []


def test_a_stored_number_with_a_wrong_check_digit_is_never_matched(client):
    # Such a row can only come from outside the services (an old import): search ignores it.
    person = PersonFactory(given_name="Orla", family_name="Brant")
    PersonIdentifier.objects.create(person=person, scheme="nhs_number", value="9434765918")
    client.force_login(staff_user())
    assert _found(client, "9434765918") == []


def test_every_identifier_search_is_logged_with_the_scheme_and_a_hash_not_the_number(client, stranger):
    user = staff_user()
    client.force_login(user)
    _found(client, VALID_NHS)
    _found(client, "Linnea")  # a name search is not an identifier search
    [event] = AuditEvent.objects.filter(verb="person.identifier_searched")
    assert event.actor == user
    assert "nhs_number" in event.detail["schemes"]
    assert event.detail["matched"] == 1
    assert VALID_NHS not in str(event.detail) and len(event.detail["value_hash"]) == 64


def test_identifier_searches_are_rate_limited_per_user_in_the_api_and_on_the_page(client, settings, stranger):
    settings.IDENTIFIER_SEARCHES_PER_MINUTE = 3
    user = staff_user()
    client.force_login(user)
    for _ in range(3):
        assert client.get("/api/v1/persons/", {"q": VALID_NHS}).status_code == 200
    refused = client.get("/api/v1/persons/", {"q": VALID_NHS})
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    page = client.get(reverse("journeys:person_search"), {"q": VALID_NHS})
    assert page.status_code == 429
    body = page.content.decode()
    assert "There is a problem" in body and "You have searched for too many identifiers" in body
    assert "Linnea Vance" not in body
    # Names are still found, and another user has their own allowance.
    assert client.get("/api/v1/persons/", {"q": "Linnea"}).status_code == 200
    client.force_login(staff_user())
    assert client.get("/api/v1/persons/", {"q": VALID_NHS}).status_code == 200
