"""Two synthetic families for the portal tests.

The Carters: Jade (parent, signed in as a citizen), her partner Daniel (an adult she must not
see), and Liam, 9 (her child). The Okafors: Grace (also a citizen) and Tobi, 12. Each record
carries a marker in its summary so a test can tell whose data a page shows.
"""

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.utils import timezone

from agencies.models import Role
from tests.factories import (
    AgencyFactory,
    AssessmentFactory,
    AssessmentTypeFactory,
    ConsentGrantFactory,
    ContactFactory,
    FamilyFactory,
    MembershipFactory,
    PersonFactory,
    UserFactory,
    staff_user,
)

PASSWORD = "correct horse battery staple"


@dataclass
class World:
    socialcare: object
    police: object
    school: object
    social_worker: object
    police_officer: object
    school_staff: object
    jade_user: object
    grace_user: object
    jade: object
    daniel: object
    liam: object
    grace: object
    tobi: object
    withheld: object
    withheld_shown: object


def _years_ago(years: int) -> date:
    today = timezone.localdate()
    return today.replace(year=today.year - years) - timedelta(days=40)


@pytest.fixture
def world(db) -> World:
    return build_families()


def build_families() -> World:
    """The two families; the permission matrix builds them too (tests/matrix)."""
    socialcare = AgencyFactory(
        code="socialcare", name="Children's Social Care", sector="childrens_social_care"
    )
    police = AgencyFactory(code="police", name="County Police", sector="police")
    school = AgencyFactory(code="school", name="Hillside Primary School", sector="education")
    carters, okafors = FamilyFactory(label="Carters"), FamilyFactory(label="Okafors")

    def person(given, family_name, years, family, relationship, pr=False, **extra):
        p = PersonFactory(
            given_name=given,
            family_name=family_name,
            date_of_birth=_years_ago(years),
            registered_by=socialcare,
            **extra,
        )
        MembershipFactory(person=p, family=family, relationship=relationship, parental_responsibility=pr)
        return p

    jade_user = UserFactory(username="jade@example.invalid", first_name="Jade", last_name="Carter")
    grace_user = UserFactory(username="grace@example.invalid", first_name="Grace", last_name="Okafor")
    jade = person("Jade", "Carter", 31, carters, "parent", True, user=jade_user, phone="07700 900111")
    daniel = person("Daniel", "Brooks", 34, carters, "partner", True, phone="07700 900222")
    liam = person("Liam", "Carter", 9, carters, "child")
    grace = person("Grace", "Okafor", 38, okafors, "parent", True, user=grace_user, phone="07700 900333")
    tobi = person("Tobi", "Okafor", 12, okafors, "child")

    ContactFactory(agency=police, persons=[jade], summary="JADE-POLICE-CONTACT")
    ContactFactory(agency=school, persons=[jade], summary="JADE-SCHOOL-CONTACT")
    ContactFactory(agency=school, persons=[liam], summary="LIAM-SCHOOL-CONTACT")
    ContactFactory(agency=police, persons=[daniel], summary="DANIEL-POLICE-CONTACT")
    ContactFactory(agency=police, persons=[grace], summary="GRACE-POLICE-CONTACT")
    ContactFactory(agency=school, persons=[tobi], summary="TOBI-SCHOOL-CONTACT")
    withheld = ContactFactory(
        agency=police,
        persons=[jade],
        summary="JADE-WITHHELD-SECRET",
        withheld_from_subject=True,
        withheld_reason="Telling would put someone at risk.",
    )
    withheld_shown = ContactFactory(
        agency=police,
        persons=[jade],
        summary="JADE-WITHHELD-EXISTS",
        withheld_from_subject=True,
        withheld_reason="Telling would put someone at risk.",
        withheld_existence_shown=True,
    )
    AssessmentFactory(
        assessment_type=AssessmentTypeFactory(agency=school, name="Attendance review"), subject_person=liam
    )
    ConsentGrantFactory(
        subject=jade, agency=socialcare, categories=["contacts", "notes", "assessments", "contact_details"]
    )
    return World(
        socialcare=socialcare,
        police=police,
        school=school,
        social_worker=staff_user(socialcare, Role.STAFF),
        police_officer=staff_user(police, Role.STAFF),
        school_staff=staff_user(school, Role.STAFF),
        jade_user=jade_user,
        grace_user=grace_user,
        jade=jade,
        daniel=daniel,
        liam=liam,
        grace=grace,
        tobi=tobi,
        withheld=withheld,
        withheld_shown=withheld_shown,
    )
