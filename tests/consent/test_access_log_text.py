"""What the access log says was shown counts only what its subject may know of (rules 6, 7,
11): a citizen reading "who looked" learns nothing of the records withheld from them."""

import pytest
from django.urls import reverse

from consent.models import AccessLog
from tests.factories import (
    AgencyFactory,
    AssessmentFactory,
    AssessmentTypeFactory,
    ContactFactory,
    PersonFactory,
    UserFactory,
    staff_user,
)

pytestmark = pytest.mark.django_db

WITHHELD = {"withheld_from_subject": True, "withheld_reason": "Telling would put someone at risk."}


@pytest.fixture
def jade():
    """Jade, a citizen, with two police contacts and a police assessment, of which one contact
    and the assessment are withheld from her; and a school contact the police may not see."""
    police, school = AgencyFactory(code="police"), AgencyFactory(code="school")
    person = PersonFactory(given_name="Jade", user=UserFactory(username="jade@example.invalid"))
    ContactFactory(agency=police, persons=[person])
    ContactFactory(agency=police, persons=[person], **WITHHELD)
    ContactFactory(agency=school, persons=[person])
    AssessmentFactory(assessment_type=AssessmentTypeFactory(agency=police), subject_person=person, **WITHHELD)
    person.officer = staff_user(police)
    return person


@pytest.mark.parametrize("where", ["page", "api"])
def test_who_looked_counts_only_what_the_citizen_may_know_of(client, api, jade, where):
    if where == "page":
        client.force_login(jade.officer)
        assert client.get(reverse("journeys:person_record", args=[jade.pk])).status_code == 200
    else:
        assert api.as_user(jade.officer).get(reverse("person-record", args=[jade.pk])).status_code == 200

    entries = api.as_user(jade.user).get(reverse("api-me-access-log")).json()["results"]
    assert [e["shown"] for e in entries] == ["1 contacts and 0 assessments from 1 agencies"]
    client.force_login(jade.user)
    page = client.get(reverse("portal:who_looked")).content.decode()
    assert "1 contacts and 0 assessments from 1 agencies" in page
    assert "2 contacts" not in page
    # Information governance still learns that the officer saw the two withheld records.
    assert AccessLog.objects.get().withheld_shown == 2
