"""The answer to recording a consent names no grant the recorder may not see (rule 11)."""

import pytest
from rest_framework.test import APIClient

from tests.factories import AgencyFactory, ConsentGrantFactory, PersonFactory, staff_user

pytestmark = pytest.mark.django_db
BODY = {"categories": ["contacts"], "method": "phone"}


def test_recording_consent_to_another_agency_does_not_reveal_its_standing_grant():
    police, gp = AgencyFactory(code="police"), AgencyFactory(code="gp")
    shares, does_not = PersonFactory(registered_by=police), PersonFactory(registered_by=police)
    ConsentGrantFactory(subject=shares, agency=gp)
    api = APIClient()
    api.force_authenticate(staff_user(police))
    first = api.post("/api/v1/consents/", {**BODY, "agency": gp.pk, "subject": shares.pk}, format="json")
    second = api.post("/api/v1/consents/", {**BODY, "agency": gp.pk, "subject": does_not.pk}, format="json")
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["replaces"] is None and second.json()["replaces"] is None


def test_the_agency_whose_grant_is_replaced_is_told_which_one():
    gp = AgencyFactory(code="gp")
    person = PersonFactory(registered_by=gp)
    old = ConsentGrantFactory(subject=person, agency=gp)
    api = APIClient()
    api.force_authenticate(staff_user(gp))
    answer = api.post("/api/v1/consents/", {**BODY, "agency": gp.pk, "subject": person.pk}, format="json")
    assert answer.json()["replaces"] == old.pk
