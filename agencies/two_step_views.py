"""Two-step sign-in pages: enter a code after the password, set up an authenticator app, renew
recovery codes, turn it off, and information governance's reset of a lost one. Who must use it
and who may turn it off or reset it is decided in consent.policy."""

from base64 import b32encode

import django_otp
import qrcode
import qrcode.image.svg
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_static.models import StaticToken

from consent import policy
from core.forms import service_errors_on

from . import two_step_services as services
from .forms import TwoStepCodeForm, TwoStepResetForm


def _next_page(request) -> str:
    wanted = request.POST.get("next") or request.GET.get("next", "")
    if url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()}, require_https=False):
        return wanted
    return resolve_url("home")


@never_cache
@login_required
def verify(request):
    """After the password: the app's code, or a recovery code (each recovery code works once)."""
    viewer = policy.viewer_for(request.user)
    if not viewer.second_factor_due:
        return redirect(_next_page(request))
    if not viewer.has_second_factor:
        return redirect("agencies:two_step_set_up")
    form = TwoStepCodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        with service_errors_on(form):
            device = services.two_step_check(user=request.user, code=form.cleaned_data["code"])
            django_otp.login(request, device)
            return redirect(_next_page(request))
    return render(request, "agencies/two_step_verify.html", {"form": form, "next": _next_page(request)})


def _qr_svg(url: str) -> str:
    """The app's set-up link as an inline SVG QR code: no image request, no script."""
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathFillImage, box_size=8)
    return mark_safe(image.to_string(encoding="unicode"))  # noqa: S308 (made here, no user text)


@never_cache
@login_required
def set_up(request):
    """The app's secret as a QR code and as text, confirmed with a code the app shows; then ten
    recovery codes, shown this once."""
    try:
        device = services.app_device_pending(user=request.user)
    except PermissionDenied:
        return redirect("agencies:two_step_verify")
    form = TwoStepCodeForm(request.POST if request.method == "POST" else None)
    form.fields["code"].help_text = "The 6-digit code your app shows now."
    if request.method == "POST" and form.is_valid():
        with service_errors_on(form):
            device, codes = services.two_step_set_up(user=request.user, code=form.cleaned_data["code"])
            django_otp.login(request, device)
            return _codes_page(request, codes, set_up=True)
    secret = b32encode(device.bin_key).decode()
    context = {
        "form": form,
        "qr_svg": _qr_svg(device.config_url),
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
    }
    return render(request, "agencies/two_step_set_up.html", context)


def _codes_page(request, codes: list[str], *, set_up: bool = False):
    return render(request, "agencies/two_step_recovery_codes.html", {"codes": codes, "set_up": set_up})


@never_cache
@login_required
def manage(request):
    viewer = policy.viewer_for(request.user)
    context = {
        "viewer": viewer,
        "codes_left": StaticToken.objects.filter(device__user=request.user).count(),
        "may_turn_off": policy.may_turn_off_second_factor(viewer),
    }
    return render(request, "agencies/two_step_manage.html", context)


@never_cache
@login_required
@require_POST
def recovery_codes(request):
    try:
        codes = services.recovery_codes_renew(user=request.user)
    except PermissionDenied:
        raise Http404("No two-step sign-in to renew.") from None
    return _codes_page(request, codes)


@login_required
def turn_off(request):
    policy.require(policy.may_turn_off_second_factor(policy.viewer_for(request.user)))
    if request.method == "POST":
        services.two_step_turn_off(actor=request.user)
        return redirect("agencies:two_step_manage")
    return render(request, "agencies/two_step_turn_off.html")


@never_cache
@login_required
def reset(request):
    """Information governance resets a person's lost second factor."""
    policy.require(policy.resets_second_factors(policy.viewer_for(request.user)))
    form = TwoStepResetForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        with service_errors_on(form):
            account = services.two_step_reset(actor=request.user, **form.cleaned_data)
            return render(
                request, "agencies/two_step_reset.html", {"form": TwoStepResetForm(), "done": account}
            )
    return render(request, "agencies/two_step_reset.html", {"form": form})
