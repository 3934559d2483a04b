"""Issue 11, item 1: an external id belongs to the agency that recorded the contact, and a
replay answers only with what the caller's own agency recorded (rule 11)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from agencies.models import Sector
from journeys.models import Contact, RecordedVia
from tests.concurrency import at_once
from tests.factories import (
    AgencyFactory,
    AssignmentFactory,
    ConsentGrantFactory,
    ContactFactory,
    ContactTypeFactory,
    FamilyFactory,
    MembershipFactory,
    PersonFactory,
    advocate_user,
    staff_user,
)

pytestmark = pytest.mark.django_db

SECRET = "Police summary that only the police may read"


@pytest.fixture
def world():
    police = AgencyFactory(code="police", sector=Sector.POLICE)
    advocacy = AgencyFactory(code="advocacy", sector=Sector.ADVOCACY)
    kind = ContactTypeFactory(code="welfare_check")
    family = FamilyFactory()
    sean = PersonFactory(given_name="Sean", registered_by=police)
    MembershipFactory(person=sean, family=family)
    police_contact = ContactFactory(
        agency=police, persons=[sean], contact_type=kind, summary=SECRET, external_id="demo-police-sean-0"
    )
    advocate = advocate_user(advocacy)
    AssignmentFactory(advocate=advocate, family=family)
    # Sean agreed to share with the advocacy service (so his advocate knows him: rule 3), but
    # none of the police's contacts.
    ConsentGrantFactory(subject=sean, agency=advocacy, categories=["contact_details"])
    return {
        "police": police,
        "advocacy": advocacy,
        "sean": sean,
        "family": family,
        "police_contact": police_contact,
        "advocate": advocate,
        "police_user": staff_user(police),
    }


def _body(world, **extra):
    return {
        "persons": [world["sean"].pk],
        "contact_type": "welfare_check",
        "occurred_at": (timezone.now() - timedelta(days=1)).isoformat(),
        "channel": "phone",
        "summary": "Sean told me the police called round.",
        **extra,
    }


def test_an_advocate_replaying_a_police_external_id_gets_their_own_contact_not_the_polices(api, world):
    response = api.as_user(world["advocate"]).post(
        "/api/v1/contacts/",
        _body(world, agency=world["police"].pk, external_id="demo-police-sean-0"),
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert SECRET not in response.content.decode()
    assert body["id"] != world["police_contact"].pk
    assert (body["agency"], body["recording_agency"], body["recorded_via"]) == (
        "police",
        "advocacy",
        "advocate",
    )
    assert Contact.objects.filter(external_id="demo-police-sean-0").count() == 2


def test_the_police_can_still_load_their_own_id_after_an_advocate_used_it(api, world):
    world["police_contact"].delete()
    api.as_user(world["advocate"]).post(
        "/api/v1/contacts/",
        _body(world, agency=world["police"].pk, external_id="demo-police-sean-0"),
        format="json",
    )
    response = api.as_user(world["police_user"]).post(
        "/api/v1/contacts/", _body(world, external_id="demo-police-sean-0", summary=SECRET), format="json"
    )
    assert response.status_code == 201
    assert response.json()["recording_agency"] == "police"


def test_a_replay_by_the_recording_agency_returns_the_stored_contact_and_writes_nothing(api, world):
    response = api.as_user(world["police_user"]).post(
        "/api/v1/contacts/", _body(world, external_id="demo-police-sean-0"), format="json"
    )
    assert response.status_code == 200
    assert response.json()["id"] == world["police_contact"].pk
    assert Contact.objects.count() == 1


def test_a_replay_of_a_colleagues_unassigned_family_shows_nothing_of_it(api, world):
    other_family = FamilyFactory()
    stranger = PersonFactory()
    MembershipFactory(person=stranger, family=other_family)
    ContactFactory(
        agency=world["advocacy"],
        persons=[stranger],
        summary="A colleague's caseload",
        external_id="adv-1",
    )
    response = api.as_user(world["advocate"]).post(
        "/api/v1/contacts/", _body(world, external_id="adv-1"), format="json"
    )
    assert response.status_code == 400
    assert "caseload" not in response.content.decode()
    assert list(response.json()) == ["external_id"]


def test_staff_may_not_record_for_another_agency(api, world):
    response = api.as_user(staff_user(AgencyFactory())).post(
        "/api/v1/contacts/", _body(world, agency=world["police"].pk), format="json"
    )
    # The caller cannot name Sean at all (rule 10), nor record for the police.
    assert response.status_code == 400
    assert Contact.objects.count() == 1


def test_what_an_advocate_logged_is_the_advocacy_services_record_not_the_polices(api, world):
    api.as_user(world["advocate"]).post(
        "/api/v1/contacts/",
        _body(world, agency=world["police"].pk, summary="Logged by the advocate"),
        format="json",
    )
    logged = Contact.objects.get(summary="Logged by the advocate")
    assert (logged.agency, logged.recording_agency, logged.recorded_via) == (
        world["police"],
        world["advocacy"],
        RecordedVia.ADVOCATE,
    )
    # The police did not record it, so they do not see it without consent (rule 1)...
    police_view = api.as_user(world["police_user"]).get(f"/api/v1/persons/{world['sean'].pk}/record/").json()
    assert [c["id"] for c in police_view["contacts"]] == [world["police_contact"].pk]
    # ...and the advocacy service sees what it recorded, notes and all.
    mine = api.as_user(world["advocate"]).get("/api/v1/contacts/").json()["results"]
    assert [c["summary"] for c in mine] == ["Logged by the advocate"]


def test_an_empty_batch_is_a_400(api, world):
    response = api.as_user(world["police_user"]).post("/api/v1/contacts/", [], format="json")
    assert response.status_code == 400


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite's in-memory test database locks tables")
@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_of_one_external_id_all_answer_with_the_one_stored_contact(world):
    """A client that retries while its first request is still being written gets the stored
    contact back (200 in the API), not an error, and only one contact is stored."""
    from journeys.services import contact_record

    outcomes, errors = at_once(
        lambda: contact_record(
            actor=world["police_user"],
            agency=world["police"],
            persons=[world["sean"]],
            contact_type="welfare_check",
            occurred_at=timezone.now() - timedelta(hours=1),
            channel="phone",
            summary="Sent four times at once",
            external_id="retry-1",
        )
    )
    assert not errors
    assert sorted(created for _, created in outcomes) == [False, False, False, True]
    assert len({contact.pk for contact, _ in outcomes}) == 1
    assert Contact.objects.filter(external_id="retry-1").count() == 1
