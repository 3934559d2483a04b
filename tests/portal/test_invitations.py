"""Invitations (rule 12): only to the email or phone already on the person's record, or in
person as a one-time code redeemed with the date of birth; the person is told when an
account is made."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from agencies.models import Role
from core.models import AuditEvent
from portal.models import Invitation
from portal.services import invitation_send
from tests.factories import staff_user

pytestmark = pytest.mark.django_db

PASSWORD = "blue kettle on a hill"
DANIEL_SMS = "447700900222@sms.joinedup.invalid"
JADE_SMS = "447700900111@sms.joinedup.invalid"


@pytest.fixture
def invite(client, django_capture_on_commit_callbacks):
    """Staff send an invitation through the page; its message goes out once committed."""

    def send(staff, person, channel="email", **extra):
        client.force_login(staff)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("portal:staff_invite", args=[person.pk]), {"channel": channel, **extra}
            )
        client.logout()
        return response

    return send


@pytest.fixture
def join(client, django_capture_on_commit_callbacks):
    """The person sets a password through a link; the 'account made' message goes on commit."""

    def post(path, password=PASSWORD):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(path, {"password": password, "password_again": password}, follow=True)

    return post


@pytest.fixture
def daniel_with_email(world):
    world.daniel.email = "daniel@example.invalid"
    world.daniel.save()
    return world.daniel


@pytest.fixture
def confirm(client, django_capture_on_commit_callbacks):
    """The second person confirms the newest code given in person on the waiting-codes page."""

    def post(confirmer):
        client.force_login(confirmer)
        invitation = Invitation.objects.latest("created_at", "id")
        response = client.post(reverse("portal:staff_invitation_code_confirm", args=[invitation.pk]))
        client.logout()
        return response

    return post


def _to(address):
    return [m for m in mail.outbox if m.to == [address]]


def _link_path(message) -> str:
    return re.search(r"https?://[^/\s]+(/my/join/[^\s]+/)", message.body).group(1)


def test_an_invited_person_sets_a_password_once_and_is_told_an_account_was_made(
    client, world, invite, join, daniel_with_email
):
    response = invite(world.social_worker, daniel_with_email)
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [["daniel@example.invalid"]]
    path = _link_path(mail.outbox[0])

    page = client.get(path)
    assert "Set your password" in page.content.decode()
    assert "daniel@example.invalid" in page.content.decode()  # the username
    done = join(path)
    assert done.request["PATH_INFO"] == reverse("portal:home")
    assert "Hello Daniel" in done.content.decode()
    told = _to("daniel@example.invalid")[-1]
    assert "A Joined Up account was made for you" in told.subject
    assert "If this was not you" in told.body
    assert AuditEvent.objects.filter(verb="invitation.accepted", detail__told_by="email").exists()

    # The same link a second time: it does not work, and nothing changes.
    client.logout()
    again = client.post(path, {"password": "another password 123", "password_again": "another password 123"})
    assert again.status_code == 410
    signed_in = client.post(
        reverse("login"), {"username": "daniel@example.invalid", "password": PASSWORD}, follow=True
    )
    assert "Hello Daniel" in signed_in.content.decode()


def test_an_invitation_goes_only_to_the_email_on_the_record_never_a_typed_one(
    world, invite, daniel_with_email
):
    invite(world.social_worker, daniel_with_email, email="attacker@example.invalid")
    assert [m.to for m in mail.outbox] == [["daniel@example.invalid"]]
    assert Invitation.objects.get().username == "daniel@example.invalid"


def test_with_only_a_phone_the_invitation_and_the_account_notice_are_text_messages(
    client, world, invite, join
):
    invite(world.social_worker, world.daniel, channel="sms")
    assert [m.to for m in mail.outbox] == [[DANIEL_SMS]]
    username = Invitation.objects.get().username
    assert username.startswith("daniel-")
    join(_link_path(mail.outbox[0]))
    told = _to(DANIEL_SMS)[-1]
    assert "A Joined Up account was made for you" in told.body
    assert username in told.body


def test_staff_who_may_not_see_contact_details_are_offered_only_a_code_in_person(client, world, invite):
    world.daniel.email = "daniel@example.invalid"
    world.daniel.save()
    client.force_login(world.police_officer)  # police know Daniel, but not his contact details
    page = client.get(reverse("portal:staff_invite", args=[world.daniel.pk])).content.decode()
    assert "07700 900222" not in page and "daniel@example.invalid" not in page
    assert 'value="in_person"' in page and 'value="email"' not in page and 'value="sms"' not in page

    for channel in ("email", "sms"):
        response = invite(world.police_officer, world.daniel, channel=channel)
        assert "Choose one of the ways shown" in response.content.decode()
    with pytest.raises(ValidationError, match="Choose one of the ways shown"):
        invitation_send(person=world.daniel, channel="email", actor=world.police_officer)
    assert mail.outbox == [] and not Invitation.objects.exists()


def test_contact_details_shown_under_consent_may_be_used_and_the_view_is_logged(client, world, invite):
    from consent.models import AccessLog
    from tests.factories import ConsentGrantFactory

    ConsentGrantFactory(subject=world.daniel, agency=world.police, categories=["contact_details"])
    client.force_login(world.police_officer)
    page = client.get(reverse("portal:staff_invite", args=[world.daniel.pk])).content.decode()
    assert "By text message to 07700 900222" in page
    entry = AccessLog.objects.get(subject=world.daniel)
    assert entry.shown == "contact details, to invite them to the portal"
    assert entry.bases[0]["kind"] == "consent"
    invite(world.police_officer, world.daniel, channel="sms")
    assert [m.to for m in mail.outbox] == [[DANIEL_SMS]]


def test_emergency_access_does_not_open_an_invitation_by_email_or_text(client, world, invite):
    from tests.factories import BreakGlassFactory

    BreakGlassFactory(user=world.police_officer, subject=world.daniel)
    client.force_login(world.police_officer)
    page = client.get(reverse("portal:staff_invite", args=[world.daniel.pk])).content.decode()
    assert "07700 900222" not in page and 'value="sms"' not in page
    assert (
        "Choose one of the ways shown" in invite(world.police_officer, world.daniel, "sms").content.decode()
    )
    assert mail.outbox == []


def _code_from(response) -> str:
    return re.search(r"<strong>([A-Z0-9]{4}-[A-Z0-9]{4})</strong>", response.content.decode()).group(1)


def test_a_code_given_in_person_works_once_with_the_date_of_birth(client, world, invite, join, confirm):
    world.daniel.email = "daniel@example.invalid"  # on the record, though police may not see it
    world.daniel.save()
    manager = staff_user(world.police, Role.MANAGER, user__email="sergeant@police.invalid")
    response = invite(world.police_officer, world.daniel, channel="in_person")
    code = _code_from(response)
    assert [m.to for m in mail.outbox] == [["sergeant@police.invalid"]]  # asked to confirm it
    assert confirm(manager).status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.username == "daniel@example.invalid"
    assert code not in invitation.token_hash and code.replace("-", "") not in invitation.token_hash

    url = reverse("portal:join_code")
    wrong_day = world.daniel.date_of_birth - timedelta(days=1)
    wrong = client.post(url, {"code": code, "date_of_birth": wrong_day.strftime("%d %m %Y")})
    assert "The code or the date of birth is not right" in wrong.content.decode()
    invitation.refresh_from_db()
    assert invitation.failed_attempts == 1

    right = client.post(
        url, {"code": code.lower(), "date_of_birth": world.daniel.date_of_birth.strftime("%d %m %Y")}
    )
    assert right.status_code == 302
    done = join(right.url)
    assert "Hello Daniel" in done.content.decode()
    assert _to("daniel@example.invalid")  # told through his recorded email

    client.logout()
    again = client.post(url, {"code": code, "date_of_birth": world.daniel.date_of_birth.strftime("%d %m %Y")})
    assert "The code or the date of birth is not right" in again.content.decode()


def test_a_wrong_code_reads_like_a_wrong_date_and_a_code_stops_after_too_many_wrong_dates(
    client, world, invite, settings, confirm
):
    settings.INVITATION_CODE_ATTEMPTS = 2
    code = _code_from(invite(world.social_worker, world.daniel, channel="in_person"))
    confirm(staff_user(world.socialcare, Role.MANAGER))
    url = reverse("portal:join_code")
    born = world.daniel.date_of_birth.strftime("%d %m %Y")
    wrong_code = client.post(url, {"code": "AAAA-AAAA", "date_of_birth": born}).content.decode()
    wrong_day = (world.daniel.date_of_birth - timedelta(days=3)).strftime("%d %m %Y")
    for _ in range(2):
        wrong_date = client.post(url, {"code": code, "date_of_birth": wrong_day}).content.decode()
    assert "The code or the date of birth is not right" in wrong_code
    assert "The code or the date of birth is not right" in wrong_date
    locked = client.post(url, {"code": code, "date_of_birth": born})
    assert locked.status_code == 200 and "not right" in locked.content.decode()


def test_too_many_wrong_codes_lock_the_code_page(client, world, settings):
    url = reverse("portal:join_code")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(url, {"code": "AAAA-AAAA", "date_of_birth": "1 1 1990"})
    assert client.get(url).status_code == 429


def test_an_expired_link_does_not_work(client, world, invite, daniel_with_email):
    invite(world.social_worker, daniel_with_email)
    path = _link_path(mail.outbox[0])
    past = timezone.now() - timedelta(minutes=1)
    Invitation.objects.update(created_at=past - timedelta(days=7), expires_at=past)
    assert client.get(path).status_code == 410
    response = client.post(path, {"password": PASSWORD, "password_again": PASSWORD})
    assert response.status_code == 410
    world.daniel.refresh_from_db()
    assert world.daniel.user_id is None


def test_a_new_invitation_replaces_the_old_link(client, world, invite, daniel_with_email):
    invite(world.social_worker, daniel_with_email)
    invite(world.social_worker, daniel_with_email, channel="sms")
    first, second = (_link_path(m) for m in mail.outbox)
    assert client.get(first).status_code == 410
    assert client.get(second).status_code == 200


def test_a_weak_or_mismatched_password_shows_the_error_summary_and_keeps_the_link(
    client, world, invite, daniel_with_email
):
    invite(world.social_worker, daniel_with_email)
    path = _link_path(mail.outbox[0])
    weak = client.post(path, {"password": "password", "password_again": "password"})
    assert "There is a problem" in weak.content.decode()
    assert "too common" in weak.content.decode()
    mismatch = client.post(path, {"password": PASSWORD, "password_again": "blue kettle"})
    assert "The passwords do not match" in mismatch.content.decode()
    assert client.get(path).status_code == 200  # still usable
    world.daniel.refresh_from_db()
    assert world.daniel.user_id is None


def test_staff_cannot_invite_a_child_or_someone_with_an_account(client, world):
    client.force_login(world.social_worker)
    child = client.post(reverse("portal:staff_invite", args=[world.liam.pk]), {"channel": "in_person"})
    assert "Invite a parent with parental responsibility instead" in child.content.decode()
    has_account = client.post(reverse("portal:staff_invite", args=[world.jade.pk]), {"channel": "sms"})
    assert "already has an account" in has_account.content.decode()
    assert mail.outbox == [] and not Invitation.objects.exists()


def test_staff_cannot_invite_someone_their_agency_does_not_know(client, world):
    from tests.factories import AgencyFactory, staff_user

    stranger = staff_user(AgencyFactory(code="housing"))
    client.force_login(stranger)
    url = reverse("portal:staff_invite", args=[world.daniel.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"channel": "in_person"}).status_code == 404


def test_repeated_failed_sign_ins_lock_a_citizen_out(client, world, settings):
    world.jade_user.set_password("the right password 42")
    world.jade_user.save()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": world.jade_user.username, "password": "wrong"})
    locked = client.post(
        reverse("login"), {"username": world.jade_user.username, "password": "the right password 42"}
    )
    assert locked.status_code == 429
    assert "You tried to sign in too many times" in locked.content.decode()


def test_a_citizen_signs_in_to_their_portal_not_a_staff_home(client, world):
    world.jade_user.set_password("the right password 42")
    world.jade_user.save()
    response = client.post(
        reverse("login"),
        {"username": world.jade_user.username, "password": "the right password 42"},
        follow=True,
    )
    body = response.content.decode()
    assert "This is your Joined Up record" in body
    assert "Find a person" not in body
