"""What an advocate's pages write in the access log counts only what its subject may know of
(rules 6, 7, 11): a citizen reading "who looked" learns nothing of the records withheld from
them, while information governance still sees how many were shown."""

import pytest
from django.urls import reverse

from agencies.models import Sector
from consent.models import AccessLog
from tests.factories import (
    AgencyFactory,
    AssessmentFactory,
    AssessmentTypeFactory,
    AssignmentFactory,
    ConsentGrantFactory,
    ContactFactory,
    FamilyFactory,
    MembershipFactory,
    UserFactory,
    advocate_user,
)

pytestmark = pytest.mark.django_db

WITHHELD = {"withheld_from_subject": True, "withheld_reason": "Telling would put someone at risk."}


@pytest.fixture
def jade():
    """Jade, who shares her records with the advocacy service: two police contacts and a police
    assessment, of which one contact and the assessment are withheld from her."""
    advocacy, police = AgencyFactory(code="advocacy", sector=Sector.ADVOCACY), AgencyFactory(code="police")
    family = FamilyFactory()
    person = MembershipFactory(
        family=family, person__user=UserFactory(username="jade@example.invalid")
    ).person
    ConsentGrantFactory(subject=person, agency=advocacy, categories=["contacts", "assessments", "notes"])
    ContactFactory(agency=police, persons=[person], summary="Ordinary visit.")
    person.withheld = ContactFactory(agency=police, persons=[person], summary="Hidden from her.", **WITHHELD)
    AssessmentFactory(assessment_type=AssessmentTypeFactory(agency=police), subject_person=person, **WITHHELD)
    person.advocate = advocate_user(advocacy)
    AssignmentFactory(advocate=person.advocate, family=family)
    person.family = family
    return person


def _who_looked(api, client, person) -> list[str]:
    """The log's words as Jade reads them, in the API and on her "who looked" page."""
    words = [e["shown"] for e in api.as_user(person.user).get(reverse("api-me-access-log")).json()["results"]]
    client.force_login(person.user)
    page = client.get(reverse("portal:who_looked")).content.decode()
    assert all(w in page for w in words)
    assert "2 contacts" not in page and "1 assessments" not in page
    return words


def test_family_journey_log_counts_only_what_the_citizen_may_know_of(client, api, jade):
    client.force_login(jade.advocate)
    assert client.get(reverse("advocates:journey", args=[jade.family.pk])).status_code == 200

    assert _who_looked(api, client, jade) == ["Family journey: 1 contacts and 0 assessments from 1 agencies"]
    assert AccessLog.objects.get().withheld_shown == 2


def test_recent_contacts_to_copy_log_counts_only_what_the_citizen_may_know_of(client, api, jade):
    client.force_login(jade.advocate)
    assert client.get(reverse("advocates:contact_new", args=[jade.family.pk])).status_code == 200

    assert _who_looked(api, client, jade) == [
        "Log a contact, recent contacts to copy: 1 contacts from 1 agencies"
    ]
    assert AccessLog.objects.get().withheld_shown == 0  # a withheld contact is never offered to copy


@pytest.mark.parametrize(
    ("route", "param"), [("advocates:contact_new", "same_as"), ("advocates:concern_new", "contact")]
)
def test_a_contact_withheld_from_the_family_is_never_copied_into_a_form(client, jade, route, param):
    """Its copy would be a record the family can read (rule 6), as a reused answer would."""
    client.force_login(jade.advocate)
    page = client.get(reverse(route, args=[jade.family.pk]), {param: jade.withheld.pk})
    assert page.status_code == 200
    assert "Hidden from her." not in page.content.decode()
    assert not AccessLog.objects.filter(withheld_shown__gt=0).exists()
