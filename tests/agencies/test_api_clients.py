"""API clients for agency systems: made by the agency's manager, scoped, token shown once and
stored hashed, expiring, revocable, "last used"; writes audited under the client."""

from datetime import timedelta

import pytest
from django.utils import timezone
from knox.models import AuthToken

from agencies.models import ApiClient, Role
from core.models import AuditEvent
from journeys.models import Contact
from tests.factories import AgencyFactory, ContactTypeFactory, PersonFactory, staff_user

pytestmark = pytest.mark.django_db

PAGE = "/agency/api-clients/"


def contact_body(person):
    return {
        "persons": [person.pk],
        "contact_type": "gp_appointment",
        "occurred_at": (timezone.now() - timedelta(days=1)).isoformat(),
        "channel": "phone",
        "summary": "Synthetic call",
    }


def make_client(client, manager, scopes=("contacts:write",), name="Case system"):
    """The manager adds a client on the page; returns the page and the token it showed."""
    client.force_login(manager)
    page = client.post(PAGE, {"name": name, "scopes": list(scopes)})
    assert page.status_code == 200
    token = page.context["token"]
    return page, token


def as_client(api, token):
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return api


@pytest.fixture
def agency():
    return AgencyFactory()


@pytest.fixture
def manager(agency):
    return staff_user(agency, Role.MANAGER)


def test_manager_adds_a_client_and_sees_its_token_once_stored_only_as_a_digest(client, manager):
    page, token = make_client(client, manager)
    assert token in page.content.decode()
    assert "it will not be shown again" in page.content.decode()
    again = client.get(PAGE).content.decode()
    assert "Case system" in again
    assert token not in again
    stored = AuthToken.objects.get(user__api_client__name="Case system")
    assert token not in (stored.digest, stored.token_key)
    assert stored.expiry > timezone.now() + timedelta(days=89)


def test_client_writes_for_its_agency_as_itself_and_is_audited_under_the_client(client, api, agency, manager):
    ContactTypeFactory(code="gp_appointment")
    person = PersonFactory(registered_by=agency)
    _, token = make_client(client, manager)
    answer = as_client(api, token).post("/api/v1/contacts/", contact_body(person), format="json")
    assert answer.status_code == 201
    assert answer.json()["agency"] == agency.code
    system = ApiClient.objects.get(name="Case system")
    contact = Contact.objects.get(pk=answer.json()["id"])
    assert contact.recorded_by == system.user
    assert contact.recording_agency == agency
    event = AuditEvent.objects.filter(object_type="journeys.contact", object_id=contact.pk).get()
    assert event.actor == system.user
    assert not system.user.has_usable_password()
    assert "Never" not in client.get(PAGE).content.decode()  # "last used" now has a time


def test_a_client_without_the_scope_is_refused_with_403(client, api, agency, manager):
    person = PersonFactory(registered_by=agency)
    _, token = make_client(client, manager, scopes=["contacts:write"])
    system = as_client(api, token)
    assert system.get("/api/v1/persons/").status_code == 403
    assert system.get(f"/api/v1/persons/{person.pk}/record/").status_code == 403
    assert system.get("/api/v1/consents/").status_code == 403
    assert system.post(f"/api/v1/persons/{person.pk}/break-glass/", {"reason": "x" * 30}).status_code == 403
    assert system.get("/api/v1/contact-types/").status_code == 200  # reference data: any client


def test_a_client_with_the_scope_reads_what_its_agency_may(client, api, agency, manager):
    person = PersonFactory(registered_by=agency)
    _, token = make_client(client, manager, scopes=["persons:read", "record:read"])
    system = as_client(api, token)
    assert [p["id"] for p in system.get("/api/v1/persons/").json()["results"]] == [person.pk]
    assert system.get(f"/api/v1/persons/{person.pk}/record/").status_code == 200


def test_a_revoked_client_token_gets_401(client, api, manager):
    _, token = make_client(client, manager, scopes=["persons:read"])
    system = ApiClient.objects.get()
    assert client.post(f"{PAGE}{system.pk}/revoke/").status_code == 302
    assert as_client(api, token).get("/api/v1/persons/").status_code == 401
    assert "Revoked" in client.get(PAGE).content.decode()
    assert AuditEvent.objects.filter(verb="api_client.revoked", actor=manager).exists()


def test_an_expired_client_token_gets_401(client, api, manager):
    _, token = make_client(client, manager, scopes=["persons:read"])
    AuthToken.objects.update(expiry=timezone.now() - timedelta(seconds=1))
    assert as_client(api, token).get("/api/v1/persons/").status_code == 401


def test_a_new_token_replaces_the_old_one(client, api, manager):
    _, old = make_client(client, manager, scopes=["persons:read"])
    system = ApiClient.objects.get()
    new = client.post(f"{PAGE}{system.pk}/token/").context["token"]
    assert as_client(api, old).get("/api/v1/persons/").status_code == 401
    assert as_client(api, new).get("/api/v1/persons/").status_code == 200


def test_only_the_agency_manager_manages_its_clients(client, agency, manager):
    make_client(client, manager, scopes=["persons:read"])
    system = ApiClient.objects.get()
    client.force_login(staff_user(agency))
    assert client.get(PAGE).status_code == 404
    client.force_login(staff_user(AgencyFactory(), Role.MANAGER))
    assert "Case system" not in client.get(PAGE).content.decode()
    assert client.post(f"{PAGE}{system.pk}/revoke/").status_code == 404
    system.refresh_from_db()
    assert system.revoked_at is None


def test_a_client_needs_a_name_and_a_scope(client, manager):
    client.force_login(manager)
    page = client.post(PAGE, {"name": " "})
    body = page.content.decode()
    assert page.status_code == 200
    assert "There is a problem" in body
    assert "Enter a name for the system." in body
    assert "Choose what the system may do." in body
    assert not ApiClient.objects.exists()


def test_a_client_identity_cannot_sign_in_as_a_person(client, api, manager):
    make_client(client, manager)
    identity = ApiClient.objects.get().user
    answer = api.post("/api/v1/auth/token/", {"username": identity.username, "password": ""}, format="json")
    assert answer.status_code == 400
