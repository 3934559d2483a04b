"""Recording, reading and withdrawing consent, on the pages and through the API; and the
record's fixed number of queries."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from consent.models import ConsentGrant
from journeys.models import Contact
from tests.factories import (
    AgencyFactory,
    AnswerFactory,
    AssessmentFactory,
    AssessmentTypeFactory,
    ConsentGrantFactory,
    ContactFactory,
    ContactTypeFactory,
    PersonFactory,
    staff_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def known():
    """A person our agency knows, and one of our staff."""
    agency = AgencyFactory(name="Our agency")
    person = PersonFactory(given_name="Ada", family_name="Example")
    ContactFactory(agency=agency, persons=[person])
    return agency, person, staff_user(agency)


def test_record_consent_in_person_with_a_check_step_and_a_receipt(client, known):
    _agency, person, staff = known
    police = AgencyFactory(name="County Police")
    client.force_login(staff)
    form = {
        "agencies": [police.pk],
        "categories": ["contacts", "notes"],
        "labels": ["general"],
        "given_by": person.pk,
        "method": "in_person",
        "purpose": "So I am not asked the same things again",
    }
    check = client.post(f"/people/{person.pk}/consent/new/", form).content.decode()
    assert "Staff at County Police will see when and how other agencies have been in touch" in check
    assert not ConsentGrant.objects.exists()
    receipt = client.post(f"/people/{person.pk}/consent/new/", {**form, "confirm": "1"}).content.decode()
    grant = ConsentGrant.objects.get()
    assert (grant.agency, grant.categories, grant.recorded_by) == (police, ["contacts", "notes"], staff)
    assert f"Consent {grant.pk}: Ada Example agreed that County Police" in receipt
    assert "You can withdraw this consent at any time" in receipt


def test_bad_consent_form_shows_the_error_summary_and_saves_nothing(client, known):
    _, person, staff = known
    client.force_login(staff)
    response = client.post(f"/people/{person.pk}/consent/new/", {"confirm": "1", "given_by": person.pk})
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page and "Choose at least one agency." in page
    assert not ConsentGrant.objects.exists()


def test_withdraw_with_a_reason(client, known):
    agency, person, staff = known
    grant = ConsentGrantFactory(subject=person, agency=agency)
    client.force_login(staff)
    assert "Enter the reason" in client.post(f"/consents/{grant.pk}/withdraw/", {}).content.decode()
    page = client.post(
        f"/consents/{grant.pk}/withdraw/", {"reason": "Ada asked us to stop."}
    ).content.decode()
    grant.refresh_from_db()
    assert grant.revoke_reason == "Ada asked us to stop."
    assert "Withdrawn" in page and "no longer sees these records" in page


def test_api_post_consent_and_field_errors(known):
    agency, person, staff = known
    client = APIClient()
    client.force_authenticate(staff)
    made = client.post(
        "/api/v1/consents/",
        {"subject": person.pk, "agency": agency.pk, "categories": ["contacts"], "method": "phone"},
        format="json",
    )
    assert made.status_code == 201
    body = made.json()
    assert body["labels"] == ["general"] and body["active"] is True and body["receipt"]
    bad = client.post(
        "/api/v1/consents/",
        {
            "subject": person.pk,
            "agency": agency.pk,
            "categories": ["gossip"],
            "method": "pigeon",
            "valid_from": (timezone.now() - timedelta(days=90)).isoformat(),
        },
        format="json",
    )
    assert bad.status_code == 400
    assert {"categories", "method"} <= set(bad.json())
    too_early = client.post(
        "/api/v1/consents/",
        {
            "subject": person.pk,
            "agency": agency.pk,
            "categories": ["contacts"],
            "method": "written",
            "valid_from": (timezone.now() - timedelta(days=90)).isoformat(),
        },
        format="json",
    )
    assert too_early.status_code == 400 and "valid_from" in too_early.json()
    unknown = client.post(
        "/api/v1/consents/",
        {"subject": PersonFactory().pk, "agency": agency.pk, "categories": ["contacts"], "method": "phone"},
        format="json",
    )
    assert unknown.status_code == 400 and "subject" in unknown.json()
    assert ConsentGrant.objects.count() == 1
    revoked = client.post(
        f"/api/v1/consents/{body['id']}/revoke/", {"reason": "Asked to stop"}, format="json"
    )
    assert revoked.status_code == 200 and revoked.json()["active"] is False
    again = client.post(f"/api/v1/consents/{body['id']}/revoke/", {}, format="json")
    assert again.status_code == 400


def _record_of(n_contacts: int):
    """A person with n contacts across 8 agencies, all shared with the viewer's agency."""
    viewer_agency = AgencyFactory()
    agencies = [AgencyFactory() for _ in range(8)]
    person = PersonFactory(registered_by=agencies[0])
    kind = ContactTypeFactory()
    contacts = Contact.objects.bulk_create(
        [
            Contact(
                agency=agencies[i % 8],
                recording_agency=agencies[i % 8],
                contact_type=kind,
                occurred_at=timezone.now() - timedelta(hours=i),
                channel="phone",
                summary=f"Contact {i}",
            )
            for i in range(n_contacts)
        ]
    )
    Contact.persons.through.objects.bulk_create(
        [Contact.persons.through(contact_id=c.pk, person_id=person.pk) for c in contacts]
    )
    for agency in agencies[:3]:
        AnswerFactory(
            assessment=AssessmentFactory(
                assessment_type=AssessmentTypeFactory(agency=agency), subject_person=person
            )
        )
    ConsentGrantFactory(
        subject=person,
        agency=viewer_agency,
        categories=["contacts", "assessments", "notes", "contact_details"],
    )
    return person, staff_user(viewer_agency)


@pytest.mark.parametrize("path", ["/people/{}/", "/api/v1/persons/{}/record/"])
def test_record_queries_do_not_grow_with_the_record(client, path):
    counts = []
    for n in (10, 500):
        person, viewer = _record_of(n)
        client.force_login(viewer)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path.format(person.pk))
        assert response.status_code == 200
        assert response.content.decode().count("Contact ") >= n
        counts.append(len(queries))
    assert counts[0] == counts[1], f"{counts[0]} queries for 10 contacts, {counts[1]} for 500"


def test_record_endpoint_contacts_match_the_contact_serializer(client):
    from journeys.api import RecordContactSerializer
    from journeys.selectors import person_record

    person, viewer = _record_of(3)
    client.force_login(viewer)
    body = client.get(f"/api/v1/persons/{person.pk}/record/").json()
    expected = RecordContactSerializer(
        person_record(user=viewer, person_id=person.pk).contacts, many=True
    ).data
    assert body["contacts"] == [dict(item) for item in expected]


def test_an_exact_identifier_finds_a_person_to_link_without_opening_their_record(client, known):
    from journeys.models import PersonIdentifier

    _, _, staff = known
    stranger = PersonFactory(given_name="Linnea", family_name="Vance")
    ContactFactory(persons=[stranger], summary="Another agency's business")
    PersonIdentifier.objects.create(person=stranger, scheme="local", value="LINK42")
    client.force_login(staff)
    assert "Vance" not in client.get("/people/?q=Linnea").content.decode()
    page = client.get("/people/?q=link42").content.decode()
    assert "Linnea Vance" in page and "has no records of this person yet" in page
    assert f'href="/people/{stranger.pk}/"' not in page
    assert client.get(f"/people/{stranger.pk}/").status_code == 404
