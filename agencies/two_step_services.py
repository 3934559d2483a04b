"""Writes to a person's second factor (django-otp): an authenticator app (TOTP) and ten recovery
codes (static tokens, each good once). Each write is atomic and audited; a code is checked on
the device it looks like, with django-otp's throttling, so guessing slows down at every wrong try."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from consent import policy
from core.mail import email_queue

from . import events

APP_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"
WRONG_CODE = "Enter the 6-digit code from your app, or one of your recovery codes"
TOO_MANY = "You entered too many wrong codes. Wait a minute, then try again"


def _is_app_code(code: str) -> bool:
    return len(code) == 6 and code.isdigit()


def _may_set_up(user) -> None:
    """A password alone cannot replace a second factor already set up: that takes its code."""
    viewer = policy.viewer_for(user)
    if viewer.second_factor_due and viewer.has_second_factor:
        raise PermissionDenied("Enter a code from your second factor first.")


def app_device_pending(*, user) -> TOTPDevice:
    """The authenticator app being set up: its secret stays the same until it is confirmed, so
    reloading the page does not invalidate what was scanned."""
    _may_set_up(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=APP_NAME, confirmed=False)


def _new_recovery_codes(user) -> list[str]:
    """New codes on the same device, so a sign-in that passed with a recovery code stays passed."""
    device = StaticDevice.objects.filter(user=user).order_by("pk").first()
    if device is None:
        device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    StaticToken.objects.filter(device__user=user).delete()
    codes = [StaticToken.random_token() for _ in range(settings.RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def two_step_set_up(*, user, code: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm the app being set up with a code it shows now; replace any other app, and issue
    new recovery codes (returned once, to be shown once)."""
    _may_set_up(user)
    code = code.strip()
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None or not _is_app_code(code) or not device.verify_token(code):
        raise ValidationError({"code": "Enter the 6-digit code your app shows now"})
    with transaction.atomic(durable=True):
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _new_recovery_codes(user)
        events.two_step_set_up(user=user)
    return device, codes


def two_step_check(*, user, code: str, field: str = "code") -> Device:
    """The device that accepts this code (a recovery code is used up). Each wrong try counts
    towards the device's throttle; a throttled device refuses even the right code."""
    code = code.strip().lower().replace(" ", "")
    model = TOTPDevice if _is_app_code(code) else StaticDevice
    throttled = False
    with transaction.atomic():
        for device in model.objects.devices_for_user(user, confirmed=True).select_for_update():
            allowed, _ = device.verify_is_allowed()
            throttled = throttled or not allowed
            if device.verify_token(code):
                if model is StaticDevice:
                    events.two_step_recovery_code_used(user=user)
                return device
    # Outside the transaction, so the throttle's count of this wrong try is kept.
    raise ValidationError({field: TOO_MANY if throttled else WRONG_CODE})


def recovery_codes_renew(*, user) -> list[str]:
    """Ten new recovery codes; the old ones stop working."""
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise PermissionDenied("Set up an authenticator app first.")
    with transaction.atomic(durable=True):
        codes = _new_recovery_codes(user)
        events.two_step_recovery_codes_renewed(user=user)
    return codes


def _delete_devices(user) -> int:
    return sum(model.objects.filter(user=user).delete()[0] for model in (TOTPDevice, StaticDevice))


def two_step_turn_off(*, actor) -> None:
    if not policy.may_turn_off_second_factor(policy.viewer_for(actor)):
        raise PermissionDenied("Your agency needs you to keep two-step sign-in.")
    with transaction.atomic(durable=True):
        _delete_devices(actor)
        events.two_step_turned_off(user=actor)


def two_step_reset(*, actor, username: str, reason: str):
    """Information governance resets a lost second factor: the person's devices go, the reset is
    audited, and the person is told by email (so a reset they did not ask for is noticed). With
    MFA_REQUIRED, an agency's staff set up a new one at their next sign-in."""
    account = get_user_model().objects.filter(username=username.strip(), is_active=True).first()
    viewer = policy.viewer_for(actor)
    if account is None or not policy.may_reset_second_factor(viewer, account):
        raise ValidationError({"username": "There is no account with that username that you can reset"})
    with transaction.atomic(durable=True):
        removed = _delete_devices(account)
        events.two_step_reset(actor=actor, account=account, devices=removed, reason=reason)
        _tell_reset(account.pk)
    return account


def _tell_reset(user_id: int) -> None:
    account = get_user_model().objects.filter(pk=user_id).first()
    if account is None or not account.email:
        return
    email_queue(
        subject="Your Joined Up two-step sign-in was reset",
        message=(
            f"Hello {account.get_full_name() or account.username},\n\n"
            "Information governance reset your two-step sign-in, as asked when a phone or "
            "recovery codes are lost. Set it up again the next time you sign in. If you did not "
            "ask for this, tell information governance at once.\n\n"
            f"Sign in: {settings.SITE_URL}{reverse('login')}"
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[account.email],
    )
