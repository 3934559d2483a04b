"""Issue 11: an advocate knows a member of an assigned family who has not agreed to share with
the advocacy service only as "a family member who has not agreed to share", on every page and
in the API alike; the one thing done for them is recording their consent when they agree."""

import re

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from agencies.models import Sector
from consent.models import ConsentGrant
from tests.factories import (
    AgencyFactory,
    AssessmentTypeFactory,
    AssignmentFactory,
    ConsentGrantFactory,
    ContactTypeFactory,
    FamilyFactory,
    MembershipFactory,
    PersonFactory,
    QuestionFactory,
    advocate_user,
)

pytestmark = pytest.mark.django_db
NAME = "Zephyrine"


@pytest.fixture
def world():
    advocacy = AgencyFactory(code="advocacy", sector=Sector.ADVOCACY)
    advocate = advocate_user(advocacy)
    family = FamilyFactory()
    sharer = MembershipFactory(family=family).person
    ConsentGrantFactory(subject=sharer, agency=advocacy)
    silent = MembershipFactory(
        family=family, person=PersonFactory(given_name=NAME, family_name="Quill")
    ).person
    AssignmentFactory(advocate=advocate, family=family)
    AssessmentTypeFactory(agency=advocacy, questions=[QuestionFactory()])
    return {"advocacy": advocacy, "advocate": advocate, "family": family, "sharer": sharer, "silent": silent}


def test_no_page_or_api_answer_names_a_member_who_has_not_agreed(client, world):
    silent, family = world["silent"], world["family"]
    api = APIClient()
    api.force_authenticate(world["advocate"])
    client.force_login(world["advocate"])
    answers = {
        url: api.get(url)
        for url in [
            "/api/v1/persons/",
            f"/api/v1/persons/?q={NAME[:6]}",
            f"/api/v1/persons/{silent.pk}/",
            f"/api/v1/persons/{silent.pk}/record/",
            f"/api/v1/families/{family.pk}/",
        ]
    } | {
        url: client.get(url)
        for url in [
            f"/people/{silent.pk}/",
            f"/people/?q={NAME[:6]}",
            f"/assessments/new/?person={silent.pk}",
            f"/people/{silent.pk}/invite/",
            f"/people/{silent.pk}/emergency-access/",
            f"/people/{silent.pk}/consent/new/",
            f"/families/{family.pk}/",
            f"/caseload/families/{family.pk}/",
        ]
    }
    leaks = {url: r.status_code for url, r in answers.items() if NAME in r.content.decode()}
    assert leaks == {}
    for url in [
        f"/api/v1/persons/{silent.pk}/",
        f"/api/v1/persons/{silent.pk}/record/",
        f"/people/{silent.pk}/",
    ]:
        assert answers[url].status_code == 404, url  # the same answer as a person who does not exist
    assert [p["id"] for p in answers["/api/v1/persons/"].json()["results"]] == [world["sharer"].pk]
    assert (
        "family member who has not agreed to share"
        in answers[f"/caseload/families/{family.pk}/"].content.decode()
    )


def test_an_advocate_cannot_record_a_contact_for_a_member_who_has_not_agreed(world):
    ContactTypeFactory(code="call")
    api = APIClient()
    api.force_authenticate(world["advocate"])
    response = api.post(
        "/api/v1/contacts/",
        {
            "persons": [world["silent"].pk],
            "contact_type": "call",
            "occurred_at": "2026-11-30T10:00:00Z",
            "channel": "phone",
            "summary": "s",
        },
        format="json",
    )
    assert response.status_code == 400
    assert NAME not in response.content.decode()


def test_an_advocate_records_the_consent_of_a_member_who_agrees_without_seeing_their_name(client, world):
    silent, family, advocacy = world["silent"], world["family"], world["advocacy"]
    client.force_login(world["advocate"])
    journey = client.get(reverse("advocates:journey", args=[family.pk])).content.decode()
    links = re.findall(r'href="([^"]*/consent/new/)"[^>]*>Record consent for family member', journey)
    membership = family.memberships.get(person=silent)
    assert links == [reverse("consent:consent_new_member", args=[family.pk, membership.pk])]  # no person id

    form = client.get(links[0]).content.decode()
    assert NAME not in form and "this family member" in form.lower()
    body = {
        "agencies": [advocacy.pk],
        "categories": ["contacts"],
        "labels": ["general"],
        "given_by": "0",
        "method": "in_person",
    }
    check = client.post(links[0], body).content.decode()
    assert NAME not in check and "Check what each agency will see" in check
    receipt = client.post(links[0], body | {"confirm": "1"}).content.decode()

    grant = ConsentGrant.objects.get(subject=silent, agency=advocacy)
    assert grant.given_by == silent and grant.recorded_by == world["advocate"]
    assert NAME in receipt  # agreed to share with the advocacy service: named from now on
    assert client.get(f"/people/{silent.pk}/").status_code == 200
    assert client.get(links[0]).status_code == 404  # named now: their own pages serve


def test_consent_to_another_agency_only_keeps_the_member_unnamed(client, world):
    silent, family = world["silent"], world["family"]
    police = AgencyFactory(code="police", name="Police")
    client.force_login(world["advocate"])
    membership = family.memberships.get(person=silent)
    url = reverse("consent:consent_new_member", args=[family.pk, membership.pk])
    body = {"agencies": [police.pk], "categories": ["contacts"], "labels": ["general"], "given_by": "0"}
    receipt = client.post(url, body | {"method": "in_person", "confirm": "1"}).content.decode()
    assert ConsentGrant.objects.filter(subject=silent, agency=police).exists()
    assert NAME not in receipt
    assert client.get(f"/people/{silent.pk}/").status_code == 404


def test_the_consent_link_is_a_404_outside_the_advocates_unnamed_members(client, world):
    family = world["family"]
    other_family = FamilyFactory()
    stranger = MembershipFactory(family=other_family)
    client.force_login(world["advocate"])
    for family_id, membership in [
        (family.pk, family.memberships.get(person=world["sharer"])),  # named: use their pages
        (other_family.pk, stranger),  # not assigned
        (family.pk, stranger),  # not of this family
    ]:
        url = reverse("consent:consent_new_member", args=[family_id, membership.pk])
        assert client.get(url).status_code == 404, url
    client.force_login(advocate_user(world["advocacy"]))  # a colleague without the assignment
    url = reverse(
        "consent:consent_new_member", args=[family.pk, family.memberships.get(person=world["silent"]).pk]
    )
    assert client.get(url).status_code == 404
