"""Assignments, contact logging and case conferences: what an advocate or a manager would notice."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from advocates import selectors, services
from advocates.models import CaseConference
from agencies.models import Role, Sector
from consent.policy import known_persons, scope_for, scopes_for_family, viewer_for, visible_persons
from journeys.models import RecordedVia
from tests.factories import (
    AgencyFactory,
    ConsentGrantFactory,
    ContactTypeFactory,
    FamilyFactory,
    MembershipFactory,
    advocate_user,
    staff_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def advocacy():
    return AgencyFactory(code="advocacy", name="Family Advocacy Service", sector=Sector.ADVOCACY)


@pytest.fixture
def manager(advocacy):
    return staff_user(advocacy, Role.MANAGER)


@pytest.fixture
def family():
    family = FamilyFactory()
    MembershipFactory(family=family, relationship="parent")
    MembershipFactory(family=family, relationship="child", parental_responsibility=False)
    return family


def test_an_ended_assignment_loses_access_at_once(advocacy, manager, family):
    advocate = advocate_user(advocacy)
    assignment = services.assignment_start(advocate=advocate, family=family, actor=manager)
    viewer = viewer_for(advocate)
    assert known_persons(viewer).count() == 2
    assert visible_persons(viewer).count() == 0  # neither has agreed to share: not named
    assert selectors.assigned_family(user=advocate, family_id=family.pk)[0] == family

    services.assignment_end(assignment=assignment, actor=manager)

    assert known_persons(viewer_for(advocate)).count() == 0
    assert scopes_for_family(viewer_for(advocate), family) == {}
    assert selectors.caseload(user=advocate) == []
    from django.http import Http404

    with pytest.raises(Http404):
        selectors.assigned_family(user=advocate, family_id=family.pk)
    with pytest.raises(PermissionDenied):
        services.contact_log(
            family=family,
            agency=advocacy,
            persons=list(family.memberships.values_list("person", flat=True)),
            contact_type=ContactTypeFactory(),
            occurred_at=timezone.now(),
            channel="phone",
            summary="After the end",
            demand_type="value",
            actor=advocate,
        )


def test_reassigning_moves_access_to_the_new_advocate(advocacy, manager, family):
    first, second = advocate_user(advocacy), advocate_user(advocacy)
    assignment = services.assignment_start(advocate=first, family=family, actor=manager)
    services.assignment_reassign(assignment=assignment, to_advocate=second, actor=manager)
    assert [r.family for r in selectors.caseload(user=second)] == [family]
    assert selectors.caseload(user=first) == []


def test_only_an_advocacy_manager_assigns(advocacy, family):
    advocate = advocate_user(advocacy)
    with pytest.raises(PermissionDenied):
        services.assignment_start(advocate=advocate, family=family, actor=advocate)
    other_manager = staff_user(AgencyFactory(), Role.MANAGER)
    with pytest.raises(PermissionDenied):
        services.assignment_start(advocate=advocate, family=family, actor=other_manager)


def test_a_family_has_one_lead_advocate(advocacy, manager, family):
    services.assignment_start(advocate=advocate_user(advocacy), family=family, actor=manager)
    with pytest.raises(ValidationError) as error:
        services.assignment_start(advocate=advocate_user(advocacy), family=family, actor=manager)
    assert "lead advocate" in str(error.value)


def test_batch_scopes_agree_with_scope_for(advocacy, manager, family):
    advocate = advocate_user(advocacy)
    services.assignment_start(advocate=advocate, family=family, actor=manager)
    parent = family.memberships.get(relationship="parent").person
    ConsentGrantFactory(subject=parent, agency=advocacy, labels=["general", "mental_health"])
    viewer = viewer_for(advocate)
    batch = scopes_for_family(viewer, family)
    for person_id, scope in batch.items():
        single = scope_for(viewer, person_id)
        if not scope.names_person:  # the child has not agreed to share: not known by name
            assert single is None
            continue
        assert (single.own_agency_id, single.grants, single.everything) == (
            scope.own_agency_id,
            scope.grants,
            scope.everything,
        )
    assert batch[parent.pk].sees_other_agencies


def test_a_contact_the_family_reports_is_recorded_via_the_advocate(advocacy, manager, family):
    advocate = advocate_user(advocacy)
    services.assignment_start(advocate=advocate, family=family, actor=manager)
    gp = AgencyFactory(code="gp", name="Riverside GP")
    parent = family.memberships.get(relationship="parent").person
    contact = services.contact_log(
        family=family,
        agency=gp,
        persons=[parent],
        contact_type=ContactTypeFactory(),
        occurred_at=timezone.now() - timedelta(hours=2),
        channel="phone",
        summary="Jade rang the GP about sleep.",
        demand_type="failure",
        actor=advocate,
    )
    assert (contact.agency, contact.recorded_via, contact.recorded_by) == (gp, RecordedVia.ADVOCATE, advocate)
    own = services.contact_log(
        family=family,
        agency=advocacy,
        persons=[parent],
        contact_type=ContactTypeFactory(),
        occurred_at=timezone.now(),
        channel="home_visit",
        summary="Visit",
        demand_type="value",
        actor=advocate,
    )
    assert own.recorded_via == RecordedVia.AGENCY


def test_a_contact_in_the_future_or_for_someone_outside_the_family_is_refused(advocacy, manager, family):
    advocate = advocate_user(advocacy)
    services.assignment_start(advocate=advocate, family=family, actor=manager)
    stranger = MembershipFactory().person
    with pytest.raises(ValidationError) as error:
        services.contact_log(
            family=family,
            agency=advocacy,
            persons=[stranger],
            contact_type=ContactTypeFactory(),
            occurred_at=timezone.now() + timedelta(days=1),
            channel="phone",
            summary="x",
            demand_type="value",
            actor=advocate,
        )
    assert set(error.value.message_dict) == {"persons", "occurred_at"}


def test_a_conference_without_the_family_needs_a_reason(advocacy, manager, family):
    advocate = advocate_user(advocacy)
    services.assignment_start(advocate=advocate, family=family, actor=manager)
    held_at = timezone.now() + timedelta(days=7)
    with pytest.raises(ValidationError) as error:
        services.conference_record(family=family, held_at=held_at, place="Family hub", actor=advocate)
    assert "family_absent_reason" in error.value.message_dict
    assert not CaseConference.objects.exists()

    conference = services.conference_record(
        family=family,
        held_at=held_at,
        place="Family hub",
        family_absent_reason="Jade was in hospital; she chose to go ahead and hear the outcome by phone.",
        actor=advocate,
    )
    assert conference.family_attended is False
    # The database refuses it too, whatever writes it.
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseConference.objects.create(family=family, held_at=held_at, place="Hub", family_attended=False)


def test_an_overdue_action_shows_on_the_caseload(advocacy, manager, family):
    advocate = advocate_user(advocacy)
    services.assignment_start(advocate=advocate, family=family, actor=manager)
    parent = family.memberships.get(relationship="parent").person
    housing = AgencyFactory(code="housing")
    conference = services.conference_record(
        family=family,
        held_at=timezone.now() - timedelta(days=20),
        place="Family hub",
        family_members=[parent],
        agency_attendees=[(housing, "K. Mensah")],
        actor=advocate,
    )
    services.action_add(
        conference=conference,
        description="Inspect the damp",
        owner_agency=housing,
        due=date.today() - timedelta(days=2),
        actor=advocate,
    )
    done = services.action_add(
        conference=conference,
        description="Book GP",
        owner_person=parent,
        due=date.today() - timedelta(days=5),
        actor=advocate,
    )
    services.action_complete(action=done, actor=advocate)
    services.conference_record(
        family=family,
        held_at=timezone.now() + timedelta(days=10),
        place="School",
        family_members=[parent],
        actor=advocate,
    )
    [row] = selectors.caseload(user=advocate)
    assert row.overdue_actions == 1
    assert row.next_conference is not None
    # Nobody has agreed to share: each member is only counted, none is named.
    assert row.unshared == family.memberships.count()
    assert row.members == []
