"""`setting`: the police assessed a person a month ago, and a housing officer is about to
assess them (tell us once)."""

import pytest
from django.urls import reverse

from tests.factories import AgencyFactory, PersonFactory, staff_user
from tests.journeys.helpers import kind, questions, record


@pytest.fixture
def setting(db):
    police = AgencyFactory(code="police", name="County Police")
    housing = AgencyFactory(code="housing", name="District Housing Options")
    bank = questions(8, prefix="bank")
    person = PersonFactory(registered_by=housing)
    earlier = record(kind(bank[:6], agency=police), person=person, days_ago=30)
    needs = kind(bank, agency=housing)
    user = staff_user(housing)
    url = f"{reverse('journeys:assessment_record')}?person={person.pk}&type={needs.pk}"
    return police, housing, bank, person, earlier, needs, user, url
