"""Invariants held by the database itself, whatever code writes."""

from datetime import date, timedelta

import pytest
from django.db import IntegrityError
from django.db.transaction import atomic
from django.utils import timezone

from journeys.models import Assessment, Contact, Membership
from tests.factories import (
    AgencyFactory,
    AssessmentTypeFactory,
    ContactFactory,
    ContactTypeFactory,
    FamilyFactory,
    PersonFactory,
)

pytestmark = pytest.mark.django_db


def refused(**kwargs):
    return pytest.raises(IntegrityError), atomic()


def test_contact_external_id_unique_per_agency_only():
    agency = AgencyFactory()
    ContactFactory(agency=agency, external_id="X1")
    ContactFactory(agency=AgencyFactory(), external_id="X1")
    with pytest.raises(IntegrityError), atomic():
        ContactFactory(agency=agency, external_id="X1")


def test_many_contacts_without_external_id():
    agency = AgencyFactory()
    ContactFactory(agency=agency, external_id=None)
    ContactFactory(agency=agency, external_id=None)
    assert Contact.objects.count() == 2


def test_withheld_contact_needs_a_reason():
    with pytest.raises(IntegrityError), atomic():
        ContactFactory(withheld_from_subject=True, withheld_reason="")


def test_assessment_has_exactly_one_subject():
    kind = AssessmentTypeFactory()
    with pytest.raises(IntegrityError), atomic():
        Assessment.objects.create(
            assessment_type=kind,
            agency=kind.agency,
            subject_person=PersonFactory(),
            subject_family=FamilyFactory(),
            completed_at=timezone.now(),
        )


def test_membership_cannot_end_before_it_starts():
    with pytest.raises(IntegrityError), atomic():
        Membership.objects.create(
            person=PersonFactory(),
            family=FamilyFactory(),
            relationship="parent",
            started=date(2024, 1, 1),
            ended=date(2023, 1, 1),
        )


def test_unknown_channel_is_refused_by_the_database():
    with pytest.raises(IntegrityError), atomic():
        Contact.objects.create(
            agency=AgencyFactory(),
            contact_type=ContactTypeFactory(),
            occurred_at=timezone.now() - timedelta(days=1),
            channel="carrier_pigeon",
            summary="x",
        )
