"""`partnership`: a small partnership with two flags: police then housing about one person, and the school
assessing another person twice. The adult lets police, housing and the partnership reviewer's
agency see their assessments (given after both were made), and the child lets the reviewer's,
so each manager may see the details of the flags about their agency."""

from dataclasses import dataclass

import pytest

from agencies.models import Role
from duplicates.models import DuplicateFlag
from duplicates.services import duplicates_rescan
from tests.factories import (
    AgencyFactory,
    ConsentGrantFactory,
    PersonFactory,
    UnitCostFactory,
    staff_user,
)
from tests.journeys.helpers import kind, questions, record


@dataclass
class Partnership:
    police: object
    housing: object
    school: object
    adult: object
    child: object
    police_manager: object
    housing_manager: object
    school_manager: object
    reviewer: object
    staff: object
    flag_police_housing: DuplicateFlag
    flag_school_twice: DuplicateFlag


@pytest.fixture
def partnership(db) -> Partnership:
    police = AgencyFactory(code="police", name="County Police")
    housing = AgencyFactory(code="housing", name="District Housing Options")
    school = AgencyFactory(code="school", name="Hillside Primary School")
    bank = questions(6, prefix="housing")
    dash = kind(bank, agency=police)
    needs = kind(bank, agency=housing)
    UnitCostFactory(assessment_type=needs, cost_pence=27000)
    attendance = kind(bank, agency=school)
    adult, child = PersonFactory(), PersonFactory()
    record(dash, person=adult, days_ago=60)
    record(needs, person=adult, days_ago=20)
    record(attendance, person=child, days_ago=50)
    record(attendance, person=child, days_ago=10)
    duplicates_rescan()
    socialcare = AgencyFactory(code="socialcare")
    for agency in (police, housing, socialcare):
        ConsentGrantFactory(subject=adult, agency=agency)
    ConsentGrantFactory(subject=child, agency=socialcare)
    return Partnership(
        police=police,
        housing=housing,
        school=school,
        adult=adult,
        child=child,
        police_manager=staff_user(police, Role.MANAGER),
        housing_manager=staff_user(housing, Role.MANAGER),
        school_manager=staff_user(school, Role.MANAGER),
        reviewer=staff_user(socialcare, Role.MANAGER, partnership_reviewer=True),
        staff=staff_user(police),
        flag_police_housing=DuplicateFlag.objects.get(asked_again_by=housing),
        flag_school_twice=DuplicateFlag.objects.get(asked_again_by=school),
    )
