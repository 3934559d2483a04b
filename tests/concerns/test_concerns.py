"""Concerns reach the managers of the agency they are about (email and queue), and only them."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from agencies.models import Role
from concerns.models import Concern, ConcernStatus
from concerns.selectors import concern_queue, concerns_for_person
from concerns.services import concern_acknowledge, concern_raise, concern_respond
from tests.factories import (
    AgencyFactory,
    AssignmentFactory,
    ContactFactory,
    FamilyFactory,
    MembershipFactory,
    advocate_user,
    staff_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    police = AgencyFactory(code="police", name="County Police")
    school = AgencyFactory(code="school", name="Hillside School")
    police_manager = staff_user(police, Role.MANAGER)
    police_manager.email = "manager@police.example.invalid"
    police_manager.save()
    police_staff = staff_user(police, Role.STAFF)
    police_staff.email = "officer@police.example.invalid"
    police_staff.save()
    school_manager = staff_user(school, Role.MANAGER)
    school_manager.email = "head@school.example.invalid"
    school_manager.save()
    family = FamilyFactory()
    parent = MembershipFactory(family=family).person
    advocate = advocate_user()
    AssignmentFactory(advocate=advocate, family=family)
    contact = ContactFactory(agency=police, persons=[parent])
    return locals()


def test_a_concern_reaches_the_agency_managers_by_email_and_queue(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        concern = concern_raise(
            about_agency=None,
            about_contact=world["contact"],
            subject_family=world["family"],
            raised_via="advocate",
            text="The officer spoke to the children without their mum present.",
            actor=world["advocate"],
        )
    assert concern.about_agency == world["police"]
    assert [m.to for m in mail.outbox] == [["manager@police.example.invalid"]]
    assert "County Police" in mail.outbox[0].subject
    # The email names no one: details stay behind the sign-in.
    assert world["parent"].family_name not in mail.outbox[0].body
    assert list(concern_queue(user=world["police_manager"])) == [concern]
    assert list(concern_queue(user=world["school_manager"])) == []
    assert list(concern_queue(user=world["police_staff"])) == []


def _nobody_called_back(world):
    """The advocate's concern about the police, for the parent."""
    return concern_raise(
        about_agency=world["police"],
        subject_person=world["parent"],
        raised_via="advocate",
        text="Nobody called back.",
        actor=world["advocate"],
    )


def test_the_response_is_visible_and_only_a_manager_of_that_agency_may_answer(world):
    concern = _nobody_called_back(world)
    with pytest.raises(PermissionDenied):
        concern_respond(concern=concern, response="Not ours to answer", actor=world["school_manager"])
    concern_acknowledge(concern=concern, actor=world["police_manager"])
    concern_respond(
        concern=concern, response="We have apologised and called back.", actor=world["police_manager"]
    )
    concern.refresh_from_db()
    assert concern.status == ConcernStatus.RESPONDED
    assert concern.responded_by == world["police_manager"]


def test_only_the_familys_advocate_may_raise_a_concern_for_it(world):
    stranger = advocate_user()
    with pytest.raises(ValidationError) as error:
        concern_raise(
            about_agency=world["police"],
            subject_family=world["family"],
            raised_via="advocate",
            text="Something",
            actor=stranger,
        )
    assert "subject" in error.value.message_dict
    assert not Concern.objects.exists()


def test_a_concern_about_a_contact_must_name_that_contacts_agency(world):
    with pytest.raises(ValidationError) as error:
        concern_raise(
            about_agency=world["school"],
            about_contact=world["contact"],
            subject_family=world["family"],
            raised_via="advocate",
            text="Something",
            actor=world["advocate"],
        )
    assert "about_contact" in error.value.message_dict


def test_the_database_refuses_a_concern_with_two_subjects_or_a_response_without_text(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        Concern.objects.create(
            subject_person=world["parent"],
            subject_family=world["family"],
            about_agency=world["police"],
            raised_via="advocate",
            text="x",
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Concern.objects.create(
            subject_person=world["parent"],
            about_agency=world["police"],
            raised_via="advocate",
            text="x",
            status="responded",
        )


def test_a_citizen_sees_concerns_about_themself(world):
    from django.contrib.auth import get_user_model

    citizen = get_user_model().objects.create_user("jade-test", password="x")
    world["parent"].user = citizen
    world["parent"].save()
    concern = concern_raise(
        about_agency=world["police"],
        subject_person=world["parent"],
        raised_via="citizen",
        text="I was not told why the police visited.",
        actor=citizen,
    )
    assert list(concerns_for_person(user=citizen, person_id=world["parent"].pk)) == [concern]
    assert list(concerns_for_person(user=world["advocate"], person_id=world["parent"].pk)) == []


def test_acknowledging_twice_shows_why_on_the_page_and_asks_for_no_response(world, client):
    concern = _nobody_called_back(world)
    concern_acknowledge(concern=concern, actor=world["police_manager"])
    client.force_login(world["police_manager"])
    page = client.post(f"/concerns/{concern.pk}/", {"acknowledge": "1"}).content.decode()
    assert "There is a problem" in page
    assert "This concern has already been acknowledged." in page
    assert "Enter your response to the concern" not in page
