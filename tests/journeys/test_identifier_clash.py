"""Creating a person (review of issue 11): the "already recorded" answer is no cheaper
identifier oracle than a search. It comes only for an otherwise valid person, and is counted
against the identifier-search limit and logged like a search."""

import pytest
from django.core.cache import cache
from django.test import override_settings
from rest_framework.test import APIClient

from agencies.models import Role
from agencies.services import api_client_create
from core.models import AuditEvent
from journeys.models import Person, PersonIdentifier
from tests.factories import AgencyFactory, PersonFactory, staff_user

pytestmark = pytest.mark.django_db
NHS = "9434765919"
OTHER_NHS = "9434765870"


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api():
    PersonIdentifier.objects.create(person=PersonFactory(), scheme="nhs_number", value=NHS)
    _, token = api_client_create(
        actor=staff_user(AgencyFactory(), Role.MANAGER), name="s", scopes=["persons:write"]
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def _body(*values, date_of_birth="1990-01-01"):
    return {
        "given_name": "A",
        "family_name": "B",
        "date_of_birth": date_of_birth,
        "identifiers": [{"scheme": "nhs_number", "value": v} for v in values],
    }


def test_a_probe_beside_an_invalid_identifier_or_field_tells_nothing(api):
    before = Person.objects.count()
    for body in (_body(NHS, "123"), _body(OTHER_NHS, "123"), _body(NHS, date_of_birth="2999-01-01")):
        answer = api.post("/api/v1/persons/", body, format="json")
        assert answer.status_code == 400 and "already recorded" not in str(answer.json())
    assert Person.objects.count() == before
    assert not AuditEvent.objects.filter(verb="person.identifier_searched").exists()


@override_settings(IDENTIFIER_SEARCHES_PER_MINUTE=2)
def test_the_clash_check_is_counted_and_logged_as_an_identifier_search(api):
    held = api.post("/api/v1/persons/", _body(NHS), format="json")
    assert held.status_code == 400 and "already recorded" in str(held.json())
    made = api.post("/api/v1/persons/", _body(OTHER_NHS), format="json")
    assert made.status_code == 201  # a miss records a person: dearer than a search
    events = AuditEvent.objects.filter(verb="person.identifier_searched")
    assert sorted(e.detail["matched"] for e in events) == [0, 1]
    refused = api.post("/api/v1/persons/", _body(NHS), format="json")
    assert refused.status_code == 429 and "already recorded" not in str(refused.content)
