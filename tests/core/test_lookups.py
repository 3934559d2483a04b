"""The __any lookup finds what __in finds, on both databases."""

import pytest

from journeys.models import Membership
from tests.factories import FamilyFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def test_any_matches_in_for_ids_and_for_nothing():
    families = [FamilyFactory() for _ in range(3)]
    for family in families:
        MembershipFactory(family=family)
    wanted = [families[0].pk, families[2].pk]
    expected = set(Membership.objects.filter(family_id__in=wanted))
    assert len(expected) == 2
    assert set(Membership.objects.filter(family_id__any=wanted)) == expected
    assert set(Membership.objects.filter(family__any=wanted)) == expected
    assert not Membership.objects.filter(family_id__any=[]).exists()
