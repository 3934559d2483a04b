"""Two-step sign-in (django-otp): with MFA_REQUIRED a staff sign-in reaches no case data until it
passes its second factor, on pages and in the API; setting it up, recovery codes, personal tokens,
citizens turning it on, and information governance's reset."""

import os
import re
import subprocess
import sys
import time
from base64 import b32decode
from pathlib import Path

import pytest
from django.core import mail
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies.models import Role
from core.models import AuditEvent
from tests.factories import ContactFactory, PersonFactory, UserFactory, staff_user

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
SUMMARY = "MK-TWO-STEP-CONTACT"


def app_code(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """The code the person's app shows now (or in a later 30-second step)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():06d}"


def enrolled(user) -> TOTPDevice:
    device = TOTPDevice.objects.create(user=user, name="App", confirmed=True)
    static = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
    static.token_set.create(token="recover1234")
    return device


@pytest.fixture
def staff_with_case():
    user = staff_user(user__email="sam@example.org")
    person = PersonFactory()
    ContactFactory(agency=user.staff_membership.agency, persons=[person], summary=SUMMARY)
    return user, person


def signed_in(user) -> Client:
    client = Client()
    answer = client.post("/sign-in/", {"username": user.username, "password": PASSWORD})
    assert answer.status_code == 302
    return client


def test_a_staff_sign_in_without_the_second_factor_reaches_no_case_data(settings, staff_with_case):
    settings.MFA_REQUIRED = True
    user, person = staff_with_case
    enrolled(user)
    client = signed_in(user)
    page = client.get(f"/people/{person.pk}/")
    assert page.status_code == 302 and page.url.startswith("/two-step/verify/")
    assert SUMMARY not in client.get(f"/people/{person.pk}/", follow=True).content.decode()
    record = client.get(f"/api/v1/persons/{person.pk}/record/")
    assert record.status_code == 403 and SUMMARY not in record.content.decode()
    assert client.get("/api/v1/persons/").status_code == 403


def test_an_unenrolled_staff_sign_in_is_sent_to_set_it_up(settings, staff_with_case):
    settings.MFA_REQUIRED = True
    user, person = staff_with_case
    client = signed_in(user)
    assert client.get("/").url.startswith("/two-step/set-up/")
    assert client.get(f"/people/{person.pk}/").url.startswith("/two-step/set-up/")
    assert client.get(f"/api/v1/persons/{person.pk}/record/").status_code == 403


def test_with_the_second_factor_the_case_data_is_there(settings, staff_with_case):
    settings.MFA_REQUIRED = True
    user, person = staff_with_case
    device = enrolled(user)
    client = signed_in(user)
    answer = client.post(f"/two-step/verify/?next=/people/{person.pk}/", {"code": app_code(device)})
    assert answer.status_code == 302 and answer.url == f"/people/{person.pk}/"
    assert SUMMARY in client.get(f"/people/{person.pk}/").content.decode()
    record = client.get(f"/api/v1/persons/{person.pk}/record/")
    assert record.status_code == 200 and SUMMARY in record.content.decode()


def test_a_wrong_code_is_refused_and_wrong_tries_are_throttled(settings, staff_with_case):
    settings.MFA_REQUIRED = True
    settings.OTP_TOTP_THROTTLE_FACTOR = 60  # a wrong try locks the app for a minute, not a second
    user, _ = staff_with_case
    device = enrolled(user)
    client = signed_in(user)
    wrong = client.post("/two-step/verify/", {"code": "000000" if app_code(device) != "000000" else "111111"})
    assert wrong.status_code == 200 and "govuk-error-summary" in wrong.content.decode()
    # The device is now throttled: even the right code waits.
    throttled = client.post("/two-step/verify/", {"code": app_code(device)})
    assert "too many wrong codes" in throttled.content.decode()
    assert client.get("/").status_code == 302


def test_setting_it_up_end_to_end_with_the_app_code(settings):
    settings.MFA_REQUIRED = True
    user = staff_user()
    client = signed_in(user)
    page = client.get("/two-step/set-up/")
    html = page.content.decode()
    assert "<svg" in html and "<script>" not in html  # an inline SVG, no inline script (CSP)
    secret = re.search(r'id="secret"><code>([A-Z2-7 ]+)</code>', html).group(1).replace(" ", "")
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert b32decode(secret) == device.bin_key
    wrong = client.post("/two-step/set-up/", {"code": "12345"})
    assert "Enter the 6-digit code your app shows now" in wrong.content.decode()
    done = client.post("/two-step/set-up/", {"code": app_code(device)})
    codes = re.findall(r"<li><code>([a-z2-7]+)</code></li>", done.content.decode())
    assert len(codes) == 10 and "shown only once" in done.content.decode()
    assert client.get("/").status_code == 200  # this sign-in has passed
    assert AuditEvent.objects.filter(verb="two_step.set_up", object_id=user.pk).exists()
    # The next sign-in asks for a code.
    assert signed_in(user).get("/").url.startswith("/two-step/verify/")


def test_a_recovery_code_works_once(settings, staff_with_case):
    settings.MFA_REQUIRED = True
    user, person = staff_with_case
    enrolled(user)
    first = signed_in(user)
    assert first.post("/two-step/verify/", {"code": "recover1234"}).status_code == 302
    assert first.get(f"/people/{person.pk}/").status_code == 200
    again = signed_in(user)
    assert again.post("/two-step/verify/", {"code": "recover1234"}).status_code == 200
    assert again.get(f"/people/{person.pk}/").status_code == 302


def test_new_recovery_codes_replace_the_old(settings, staff_with_case):
    settings.MFA_REQUIRED = True
    user, _ = staff_with_case
    enrolled(user)
    client = signed_in(user)
    client.post("/two-step/verify/", {"code": "recover1234"})
    answer = client.post("/two-step/recovery-codes/")
    codes = re.findall(r"<li><code>([a-z2-7]+)</code></li>", answer.content.decode())
    assert len(codes) == 10
    assert set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True)) == set(codes)
    assert client.get("/two-step/").status_code == 200  # still signed in with the second factor


def test_a_personal_token_needs_the_current_code(settings, api):
    settings.MFA_REQUIRED = True
    user = staff_user()
    device = enrolled(user)
    credentials = {"username": user.username, "password": PASSWORD}
    without = api.post("/api/v1/auth/token/", credentials, format="json")
    assert without.status_code == 400 and "otp" in without.json()
    wrong = api.post("/api/v1/auth/token/", {**credentials, "otp": "recover0000"}, format="json")
    assert wrong.status_code == 400 and "otp" in wrong.json()
    answer = api.post("/api/v1/auth/token/", {**credentials, "otp": app_code(device)}, format="json")
    assert answer.status_code == 200 and answer.json()["token"]


def test_without_mfa_required_unenrolled_staff_see_the_banner(settings):
    settings.MFA_REQUIRED = False
    client = signed_in(staff_user())
    html = client.get("/").content.decode()
    assert "govuk-notification-banner" in html and "Set up two-step sign-in" in html


def test_staff_cannot_turn_it_off_while_required(settings):
    settings.MFA_REQUIRED = True
    user = staff_user()
    device = enrolled(user)
    client = signed_in(user)
    client.post("/two-step/verify/", {"code": app_code(device)})
    assert "Turn off two-step sign-in" not in client.get("/two-step/").content.decode()
    assert client.post("/two-step/turn-off/").status_code == 404
    assert TOTPDevice.objects.filter(user=user).exists()


def test_a_citizen_can_turn_it_on_and_is_asked_for_it_next_time():
    citizen = UserFactory(email="pat@example.org")
    PersonFactory(user=citizen)
    client = signed_in(citizen)
    details = client.get("/my/details/").content.decode()
    assert 'href="/two-step/"' in details
    client.get("/two-step/set-up/")
    device = TOTPDevice.objects.get(user=citizen, confirmed=False)
    assert client.post("/two-step/set-up/", {"code": app_code(device)}).status_code == 200
    later = signed_in(citizen)
    assert later.get("/my/details/").url.startswith("/two-step/verify/")
    later.post("/two-step/verify/", {"code": app_code(device, steps_ahead=1)})
    assert later.get("/my/details/").status_code == 200
    assert later.post("/two-step/turn-off/").status_code == 302
    assert not TOTPDevice.objects.filter(user=citizen).exists()


def test_information_governance_resets_a_lost_factor_audited_and_emailed(
    staff_with_case, django_capture_on_commit_callbacks
):
    user, _ = staff_with_case
    enrolled(user)
    steward = staff_user(role=Role.INFORMATION_GOVERNANCE)
    client = Client()
    client.force_login(steward)
    reason = "Phone lost; identity checked by video call with their manager"
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post("/two-step/reset/", {"username": user.username, "reason": reason})
    assert "was reset" in answer.content.decode()
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert not StaticDevice.objects.filter(user=user).exists()
    event = AuditEvent.objects.get(verb="two_step.reset", object_id=user.pk)
    assert event.actor == steward and event.detail["reason"] == reason
    assert [m.to for m in mail.outbox] == [["sam@example.org"]]
    assert "reset your two-step sign-in" in mail.outbox[0].body


@pytest.mark.parametrize("role", [Role.STAFF, Role.MANAGER])
def test_no_one_else_can_reset(role, staff_with_case):
    user, _ = staff_with_case
    enrolled(user)
    client = Client()
    client.force_login(staff_user(role=role))
    assert client.get("/two-step/reset/").status_code == 404
    assert client.post("/two-step/reset/", {"username": user.username, "reason": "x"}).status_code == 404
    assert TOTPDevice.objects.filter(user=user).exists()
    assert not AuditEvent.objects.filter(verb="two_step.reset").exists()


def test_two_step_sign_in_is_required_by_default_outside_debug():
    """The safe default: production settings (DEBUG off) require it without being told to."""
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "MFA_REQUIRED")}
    env["SECRET_KEY"] = "a-test-secret-key-long-enough-for-settings-to-load-0123456789"
    shown = subprocess.run(
        [sys.executable, "-c", "from config import settings; print(settings.MFA_REQUIRED)"],
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        check=True,
    )
    assert shown.stdout.strip() == "True"
