"""A code given in person needs a second person (rule 12): the staff member who gives it
cannot turn it into an account alone. It works once a manager of their agency (or, where it
has none, information governance) confirms it; information governance hears of an account
nobody could be told about, and the other parental-responsibility holders of a child hear of
an account that opens the child's record."""

import re
from datetime import date

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from agencies.models import Role
from core.models import AuditEvent
from journeys.models import Person
from portal import services as portal_services
from portal.models import Invitation
from tests.factories import ContactFactory, PersonFactory, staff_user

pytestmark = pytest.mark.django_db

PASSWORD = "Tr0ub4dor&3-long-pass"
JADE_SMS = "447700900111@sms.joinedup.invalid"
DANIEL_SMS = "447700900222@sms.joinedup.invalid"


@pytest.fixture
def give_code(client, django_capture_on_commit_callbacks):
    """Staff give a person a code on the invite page; returns the code shown once."""

    def give(staff, person):
        client.force_login(staff)
        with django_capture_on_commit_callbacks(execute=True):
            page = client.post(reverse("portal:staff_invite", args=[person.pk]), {"channel": "in_person"})
        client.logout()
        return re.search(r"<strong>([A-Z0-9]{4}-[A-Z0-9]{4})</strong>", page.content.decode()).group(1)

    return give


@pytest.fixture
def join_with_code(client, django_capture_on_commit_callbacks):
    """Whoever holds the browser types the code and date of birth, then sets a password."""

    def join(code, born):
        with django_capture_on_commit_callbacks(execute=True):
            typed = client.post(
                reverse("portal:join_code"), {"code": code, "date_of_birth": born.strftime("%d %m %Y")}
            )
            if typed.status_code != 302:
                return typed
            return client.post(typed.url, {"password": PASSWORD, "password_again": PASSWORD})

    return join


def _confirm(client, confirmer, invitation):
    client.force_login(confirmer)
    response = client.post(reverse("portal:staff_invitation_code_confirm", args=[invitation.pk]))
    client.logout()
    return response


def test_the_staff_member_who_gives_a_code_cannot_alone_turn_it_into_an_account(
    client, world, give_code, join_with_code
):
    ContactFactory(persons=[world.daniel], summary="MENTAL-HEALTH-VISIT")  # another agency's record
    code = give_code(world.police_officer, world.daniel)
    invitation = Invitation.objects.get()

    typed = join_with_code(code, world.daniel.date_of_birth)  # signed out, with a DOB they can see
    assert "cannot be used yet" in typed.content.decode()
    client.force_login(world.police_officer)
    assert client.get(reverse("portal:staff_invitation_codes")).status_code == 404  # staff, not a manager
    assert _confirm(client, world.police_officer, invitation).status_code == 404  # not their own

    manager = staff_user(world.police, Role.MANAGER)
    assert _confirm(client, manager, invitation).status_code == 302
    client.force_login(world.police_officer)  # confirmed now, but not for the one who gave it
    assert "The person it is for must" in join_with_code(code, world.daniel.date_of_birth).content.decode()
    world.daniel.refresh_from_db()
    assert world.daniel.user_id is None
    assert not AuditEvent.objects.filter(verb="invitation.accepted").exists()


def test_after_a_manager_confirms_on_the_waiting_codes_page_the_person_can_join(
    client, world, give_code, join_with_code
):
    manager = staff_user(world.police, Role.MANAGER, user__email="sergeant@police.invalid")
    code = give_code(world.police_officer, world.daniel)
    asked = [m for m in mail.outbox if m.to == ["sergeant@police.invalid"]]
    assert len(asked) == 1 and "needs your confirmation" in asked[0].subject

    client.force_login(manager)
    waiting = client.get(reverse("portal:staff_invitation_codes")).content.decode()
    assert "Codes waiting for confirmation" in waiting and "Daniel Brooks" in waiting
    invitation = Invitation.objects.get()
    assert _confirm(client, manager, invitation).status_code == 302
    client.force_login(manager)
    assert "No codes are waiting" in client.get(reverse("portal:staff_invitation_codes")).content.decode()
    client.logout()

    done = join_with_code(code, world.daniel.date_of_birth)
    assert done.status_code == 302
    world.daniel.refresh_from_db()
    assert world.daniel.user_id is not None
    assert AuditEvent.objects.filter(verb="invitation.code_confirmed", actor=manager).exists()


def test_information_governance_confirms_where_the_agency_has_no_other_manager(
    client, world, give_code, settings
):
    settings.INFORMATION_GOVERNANCE_EMAIL = "ig@partnership.invalid"
    give_code(world.social_worker, world.daniel)
    invitation = Invitation.objects.get()
    assert invitation.for_governance
    assert [m.to for m in mail.outbox] == [["ig@partnership.invalid"]]
    other_manager = staff_user(world.police, Role.MANAGER)
    assert _confirm(client, other_manager, invitation).status_code == 404
    governance = staff_user(world.police, Role.INFORMATION_GOVERNANCE)
    client.force_login(governance)
    waiting = client.get(reverse("portal:staff_invitation_codes")).content.decode()
    assert f"I{invitation.pk}" in waiting and "Daniel Brooks" not in waiting  # IG sees no case data
    assert _confirm(client, governance, invitation).status_code == 302
    invitation.refresh_from_db()
    assert invitation.confirmed_by == governance


def test_information_governance_is_told_when_an_account_is_made_for_a_person_with_no_contact_details(
    client, world, give_code, join_with_code, settings
):
    settings.INFORMATION_GOVERNANCE_EMAIL = "ig@partnership.invalid"
    person = PersonFactory(email="", phone="", date_of_birth=date(1990, 5, 4), registered_by=world.police)
    code = give_code(world.police_officer, person)
    _confirm(client, staff_user(world.police, Role.MANAGER), Invitation.objects.get())
    mail.outbox.clear()

    assert join_with_code(code, person.date_of_birth).status_code == 302
    told = [m for m in mail.outbox if m.to == ["ig@partnership.invalid"]]
    assert len(told) == 1 and "no contact details" in told[0].subject and f"P{person.pk}" in told[0].body
    assert AuditEvent.objects.filter(
        verb="invitation.accepted", detail__told_by="information_governance"
    ).exists()


def test_a_parent_made_through_the_api_does_not_open_the_childs_record_without_a_second_person(
    client, world, django_capture_on_commit_callbacks
):
    ContactFactory(agency=world.police, persons=[world.liam], summary="LIAM-POLICE-CONFIDENTIAL")
    api = APIClient()
    api.force_authenticate(world.social_worker)
    made = api.post(
        "/api/v1/persons/",
        {
            "given_name": "Fake",
            "family_name": "Parent",
            "date_of_birth": "1980-01-01",
            "family": world.liam.memberships.get().family_id,
            "relationship": "parent",
            "parental_responsibility": True,
        },
        format="json",
    )
    assert made.status_code == 201, made.content
    fake = Person.objects.get(pk=made.json()["id"])
    with django_capture_on_commit_callbacks(execute=True):
        _, code = portal_services.invitation_send(person=fake, channel="in_person", actor=world.social_worker)
    with pytest.raises(ValidationError, match="cannot be used yet"):
        portal_services.invitation_code_redeem(code=code, date_of_birth=date(1980, 1, 1))
    fake.refresh_from_db()
    assert fake.user_id is None

    # Once a second person confirms, the account is made, and the other holders hear of it.
    invitation = Invitation.objects.get(person=fake)
    portal_services.invitation_code_confirm(
        invitation=invitation, actor=staff_user(world.socialcare, Role.MANAGER)
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        token = portal_services.invitation_code_redeem(code=code, date_of_birth=date(1980, 1, 1))
        portal_services.invitation_accept(token=token, password=PASSWORD)
    told = {address for m in mail.outbox for address in m.to}
    assert {JADE_SMS, DANIEL_SMS} <= told
    assert all("Fake Parent" in m.body for m in mail.outbox if m.to[0] in (JADE_SMS, DANIEL_SMS))
