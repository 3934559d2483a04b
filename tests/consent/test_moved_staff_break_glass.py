"""Emergency access is opened for one agency's work: it does not follow its opener to another."""

import pytest
from rest_framework.test import APIClient

from consent.services import break_glass_open
from tests.factories import AgencyFactory, ContactFactory, PersonFactory, staff_user

pytestmark = pytest.mark.django_db
REASON = "The child was brought to hospital at night and we need to know who has parental responsibility."


def test_break_glass_does_not_follow_staff_to_their_new_agency():
    first, second, other = AgencyFactory(), AgencyFactory(), AgencyFactory()
    person = PersonFactory(registered_by=first)
    ContactFactory(agency=other, persons=[person], summary="Another agency's record")
    user = staff_user(first)
    break_glass_open(subject=person, reason=REASON, actor=user)
    api = APIClient()
    api.force_authenticate(user)
    assert "Another agency's record" in api.get(f"/api/v1/persons/{person.pk}/record/").content.decode()
    membership = user.staff_membership
    membership.agency = second
    membership.save()
    assert api.get(f"/api/v1/persons/{person.pk}/record/").status_code == 404
