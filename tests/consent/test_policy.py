"""Rules of the consent policy that the matrix does not spell out: revocation on the very next
request, the own-consent age, decisions as of a past time, and the access log of each view."""

from datetime import date, timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from consent import services
from consent.models import AccessLog
from consent.policy import GrantIndex, scope_for, viewer_for
from tests.factories import (
    AgencyFactory,
    ConsentGrantFactory,
    ContactFactory,
    FamilyFactory,
    MembershipFactory,
    PersonFactory,
    UserFactory,
    staff_user,
)

pytestmark = pytest.mark.django_db


def _shared_world():
    recording, consented = AgencyFactory(), AgencyFactory()
    person = PersonFactory()
    ContactFactory(agency=recording, persons=[person], summary="Seen by the recording agency")
    viewer = staff_user(consented)
    grant = services.consent_grant(
        subject=person, agency=consented, categories=["contacts", "notes"], method="in_person", actor=viewer
    )
    return person, viewer, grant


def test_revocation_takes_effect_on_the_very_next_request():
    person, viewer, grant = _shared_world()
    client = APIClient()
    client.force_authenticate(viewer)  # the same user object across requests
    first = client.get(f"/api/v1/persons/{person.pk}/record/")
    assert first.status_code == 200
    assert [c["summary"] for c in first.json()["contacts"]] == ["Seen by the recording agency"]

    citizen = UserFactory()
    person.user = citizen
    person.save()
    withdrawn = APIClient()
    withdrawn.force_authenticate(citizen)
    assert (
        withdrawn.post(f"/api/v1/consents/{grant.pk}/revoke/", {"reason": "Changed my mind"}).status_code
        == 200
    )

    assert client.get(f"/api/v1/persons/{person.pk}/record/").status_code == 404
    assert client.get(f"/api/v1/persons/?q={person.family_name}").json()["count"] == 0


def test_a_move_to_another_agency_counts_on_the_next_request():
    person, viewer, _grant = _shared_world()
    client = APIClient()
    client.force_authenticate(viewer)  # the same user object across requests
    assert client.get(f"/api/v1/persons/{person.pk}/record/").status_code == 200

    moved_to = AgencyFactory()  # an agency the person has not consented to
    viewer.staff_membership.agency = moved_to
    viewer.staff_membership.save()
    assert client.get(f"/api/v1/persons/{person.pk}/record/").status_code == 404
    assert viewer_for(viewer).agency_id == moved_to.pk  # outside a request: read afresh each call


def test_each_view_by_someone_else_is_logged_with_its_basis():
    person, viewer, grant = _shared_world()
    client = APIClient()
    client.force_login(viewer)
    client.get(f"/people/{person.pk}/")
    entry = AccessLog.objects.get(subject=person)
    assert entry.user == viewer
    assert entry.bases == [{"kind": "consent", "ref": grant.pk}]
    assert "1 contacts" in entry.shown


def test_a_parent_sees_a_young_child_but_not_a_sixteen_year_old():
    today = timezone.localdate()
    parent = PersonFactory(user=UserFactory())
    family = FamilyFactory()
    young = PersonFactory(date_of_birth=today.replace(year=today.year - 10))
    older = PersonFactory(date_of_birth=date(today.year - 16, 1, 1) - timedelta(days=1))
    MembershipFactory(person=parent, family=family)
    for child in (young, older):
        MembershipFactory(person=child, family=family, relationship="child", parental_responsibility=False)
    viewer = viewer_for(parent.user)
    assert scope_for(viewer, young) is not None
    assert scope_for(viewer, older) is None
    # ...and consent for the sixteen-year-old is theirs alone.
    with pytest.raises(Exception, match="parental responsibility"):
        services.consent_grant(
            subject=older,
            given_by=parent,
            agency=AgencyFactory(),
            categories=["contacts"],
            method="written",
            actor=None,
        )
    services.consent_grant(
        subject=young,
        given_by=parent,
        agency=AgencyFactory(),
        categories=["contacts"],
        method="written",
        actor=None,
    )
    with pytest.raises(Exception, match="parental responsibility"):
        services.consent_grant(
            subject=young, agency=AgencyFactory(), categories=["contacts"], method="written", actor=None
        )


def test_decisions_as_of_a_past_time():
    person, viewer, grant = _shared_world()
    recording_agency = person.contacts.get().agency_id
    consented_agency = grant.agency_id
    before = timezone.now() - timedelta(days=2)
    args = {"agency_id": consented_agency, "person_id": person.pk, "record_agency_id": recording_agency}
    could_see = GrantIndex.of_people([person.pk]).could_see
    assert could_see(category="contacts", label="general", at=timezone.now(), **args) is not None
    assert could_see(category="contacts", label="general", at=before, **args) is None
    assert could_see(category="contacts", label="offending", at=timezone.now(), **args) is None
    assert scope_for(viewer_for(viewer), person, at=before) is None


def test_a_new_grant_replaces_the_standing_one_for_that_agency():
    person, viewer, grant = _shared_world()
    newer = services.consent_grant(
        subject=person, agency=grant.agency, categories=["assessments"], method="phone", actor=viewer
    )
    grant.refresh_from_db()
    assert grant.revoked_at is not None
    assert newer.replaces == grant


def test_an_expired_grant_alone_does_not_make_a_person_known():
    person = PersonFactory()
    agency = AgencyFactory()
    now = timezone.now()
    ConsentGrantFactory(
        subject=person,
        agency=agency,
        valid_from=now - timedelta(days=400),
        expires_at=now - timedelta(days=1),
    )
    assert scope_for(viewer_for(staff_user(agency)), person) is None


def test_an_advocate_view_is_logged_with_the_assignment_and_the_grant():
    from agencies.models import Role, Sector
    from tests.factories import AssignmentFactory

    advocacy = AgencyFactory(sector=Sector.ADVOCACY)
    advocate = staff_user(advocacy, Role.ADVOCATE)
    person = PersonFactory()
    family = FamilyFactory()
    MembershipFactory(person=person, family=family)
    AssignmentFactory(advocate=advocate, family=family)
    ContactFactory(persons=[person], summary="A GP appointment")
    grant = ConsentGrantFactory(subject=person, agency=advocacy, categories=["contacts", "notes"])
    client = APIClient()
    client.force_authenticate(advocate)
    body = client.get(f"/api/v1/persons/{person.pk}/record/").json()
    assert [c["summary"] for c in body["contacts"]] == ["A GP appointment"]
    assert AccessLog.objects.get(subject=person).bases == [
        {"kind": "assignment", "ref": None},
        {"kind": "consent", "ref": grant.pk},
    ]
