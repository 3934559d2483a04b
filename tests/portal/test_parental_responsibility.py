"""Parental responsibility (rule 4): recorded only by agencies of the named sectors, audited,
and shown to every other holder."""

import pytest
from django.urls import reverse

from core.models import AuditEvent
from journeys.models import Membership, Person
from journeys.services import membership_add
from tests.factories import FamilyFactory, PersonFactory

pytestmark = pytest.mark.django_db


def _person_body(family, **extra):
    return {
        "given_name": "Sam",
        "family_name": "Carter",
        "date_of_birth": "1985-04-02",
        "family": family.pk,
        "relationship": "parent",
        "parental_responsibility": True,
        **extra,
    }


def test_police_cannot_record_parental_responsibility_through_the_api(api, world):
    carters = world.liam.memberships.get().family
    response = api.as_user(world.police_officer).post(
        "/api/v1/persons/", _person_body(carters), format="json"
    )
    assert response.status_code == 400
    assert "parental_responsibility" in response.json()
    assert not Person.objects.filter(given_name="Sam").exists()


def test_police_cannot_record_parental_responsibility_through_the_service(world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="parental responsibility"):
        membership_add(
            person=PersonFactory(),
            family=world.liam.memberships.get().family,
            relationship="parent",
            parental_responsibility=True,
            recorded_by=world.police,
            actor=world.police_officer,
        )


def test_police_may_still_add_a_family_member_without_parental_responsibility(api, world):
    carters = world.liam.memberships.get().family
    created = api.as_user(world.police_officer).post(
        "/api/v1/persons/", _person_body(carters, parental_responsibility=False), format="json"
    )
    assert created.status_code == 201
    membership = Membership.objects.get(person_id=created.json()["id"])
    assert membership.parental_responsibility is False


def test_social_care_records_it_audited_and_with_who_and_when(api, world):
    carters = world.liam.memberships.get().family
    created = api.as_user(world.social_worker).post("/api/v1/persons/", _person_body(carters), format="json")
    assert created.status_code == 201
    membership = Membership.objects.get(person_id=created.json()["id"])
    assert membership.parental_responsibility
    assert membership.parental_responsibility_recorded_by == world.socialcare
    assert membership.parental_responsibility_recorded_at is not None
    event = AuditEvent.objects.get(verb="parental_responsibility.recorded")
    assert event.object_id == membership.pk and event.detail["agency"] == world.socialcare.pk


def test_the_sectors_are_a_setting(api, world, settings):
    settings.PARENTAL_RESPONSIBILITY_SECTORS = ["police"]
    carters = world.liam.memberships.get().family
    assert (
        api.as_user(world.police_officer)
        .post("/api/v1/persons/", _person_body(carters), format="json")
        .status_code
        == 201
    )
    assert (
        api.as_user(world.social_worker)
        .post("/api/v1/persons/", _person_body(carters, given_name="Max"), format="json")
        .status_code
        == 400
    )


def test_a_holder_sees_who_else_holds_it_and_who_recorded_it(client, world):
    stepdad = PersonFactory(given_name="Owen", family_name="Price")
    membership_add(
        person=stepdad,
        family=world.liam.memberships.get().family,
        relationship="carer",
        parental_responsibility=True,
        recorded_by=world.socialcare,
        actor=world.social_worker,
    )
    client.force_login(world.jade_user)
    page = client.get(reverse("portal:home")).content.decode()
    assert "Parental responsibility for Liam" in page
    assert "Daniel Brooks" in page  # recorded before who and when were kept
    assert "Owen Price, recorded by Children&#x27;s Social Care on" in page
    # Grace's family is not Jade's: nobody else's holders are shown.
    assert "Grace" not in page and "Tobi" not in page


def test_other_families_holders_are_not_shown(client, world):
    other = FamilyFactory()
    membership_add(
        person=PersonFactory(given_name="Stranger"),
        family=other,
        relationship="parent",
        parental_responsibility=True,
        recorded_by=world.socialcare,
        actor=world.social_worker,
    )
    client.force_login(world.jade_user)
    assert "Stranger" not in client.get(reverse("portal:home")).content.decode()
