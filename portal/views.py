"""Pages of the citizen portal under /my/, and the few staff pages that serve it (inviting a
person, deciding corrections). Thin: forms validate, services write, selectors read."""

from __future__ import annotations

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from advocates import journey_map
from concerns.services import ConcernVia, concern_raise
from consent.receipts import receipt_lines
from consent.services import consent_revoke
from core import limits
from core.forms import add_service_errors, service_errors_on
from journeys.models import DemandType

from . import selectors as portal_selectors
from . import services as portal_services
from .forms import (
    ConcernForm,
    ConsentScopeForm,
    CorrectionForm,
    DecisionForm,
    DetailsForm,
    InviteForm,
    JoinCodeForm,
    SetPasswordForm,
    StopSharingForm,
)
from .models import ExportStatus


def _posted(request):
    """The posted data, even when empty, so an empty form shows its errors."""
    return request.POST if request.method == "POST" else None


def _people_context(request, person, url_name):
    """The switcher between the citizen's own pages and their children's."""
    people = portal_selectors.my_people(user=request.user)
    return {"person": person, "people": people if len(people) > 1 else [], "switch_url": url_name}


@login_required
def home(request):
    people = portal_selectors.my_people(user=request.user)
    holders = portal_selectors.parental_responsibility_holders(user=request.user, children=people)
    for person in people:
        person.holders = holders.get(person.pk, [])
    return render(request, "portal/home.html", {"people": people, "me": people[0]})


# My journey -------------------------------------------------------------------------------


def _journey_map(record):
    lanes = sorted(
        {(c.agency_id, c.agency.name) for c in record.contacts}
        | {(a.agency_id, a.agency.name) for a in record.assessments},
        key=lambda lane: lane[1],
    )
    if not lanes:
        return None
    marks = [
        journey_map.Mark(
            day=timezone.localdate(c.occurred_at),
            lane=c.agency_id,
            title=f"{c.contact_type.label}, {c.agency.name}, {timezone.localtime(c.occurred_at):%-d %B %Y}",
            kind="failure" if c.demand_type == DemandType.FAILURE else "contact",
        )
        for c in record.contacts
    ] + [
        journey_map.Mark(
            day=timezone.localdate(a.completed_at),
            lane=a.agency_id,
            title=f"{a.assessment_type.name}, {a.agency.name}, "
            f"{timezone.localtime(a.completed_at):%-d %B %Y}",
            kind="assessment",
        )
        for a in record.assessments
    ]
    days = [m.day for m in marks]
    return mark_safe(  # noqa: S308 (journey_map.render escapes every text it draws)
        journey_map.render(
            title_id="journey-map-title",
            desc_id="journey-map-desc",
            title=f"Journey map of {record.person.full_name}",
            description=(
                f"{len(record.contacts)} contacts and {len(record.assessments)} assessments with "
                f"{len(lanes)} agencies. Every item is listed in the timeline below."
            ),
            lanes=lanes,
            marks=marks,
            events=[],
            first=min(days),
            last=max(max(days), timezone.localdate()),
            margin_days=7,
        )
    )


@login_required
def journey(request, person_id=None):
    record = portal_selectors.my_record(user=request.user, person_id=person_id)
    context = _people_context(request, record.person, "portal:journey_for")
    context.update(
        {"record": record, "years": portal_selectors.timeline(record), "journey_map": _journey_map(record)}
    )
    return render(request, "portal/journey.html", context)


# My consents ------------------------------------------------------------------------------


@login_required
def consents(request, person_id=None):
    person = portal_selectors.my_person(user=request.user, person_id=person_id)
    context = _people_context(request, person, "portal:consents_for")
    context.update(
        {
            "choices": portal_selectors.my_consent_choices(user=request.user, person=person),
            "grants": portal_selectors.my_grants(user=request.user, person_id=person.pk),
            "own_age": settings.CONSENT_OWN_AGE,
        }
    )
    return render(request, "portal/consents.html", context)


@login_required
def consent_choose(request, person_id, agency_id):
    """Start sharing with one agency, or change what it may see."""
    person = portal_selectors.my_person(user=request.user, person_id=person_id)
    agency = portal_selectors.my_agency(agency_id=agency_id)
    grant = portal_selectors.standing_grant(person=person, agency=agency)
    them, their = ("you", "your") if person.is_me else (person.given_name, f"{person.given_name}'s")
    initial = {}
    if grant is not None:
        initial = {"categories": grant.categories, "labels": [lb for lb in grant.labels if lb != "general"]}
    form = ConsentScopeForm(_posted(request), initial=initial, them=them, their=their)
    if request.method == "POST" and form.is_valid():
        with service_errors_on(form):
            new = portal_services.portal_consent_give(
                subject=person,
                agency=agency,
                categories=form.cleaned_data["categories"],
                labels=form.cleaned_data["labels"],
                actor=request.user,
            )
            messages.success(request, f"{agency.name} can now see what you chose. Here is your receipt.")
            return redirect("portal:consent_receipt", new.pk)
    why = portal_selectors.WHY_IT_HELPS.get(agency.sector, portal_selectors.WHY_IT_HELPS_DEFAULT)
    return render(
        request,
        "portal/consent_choose.html",
        {"person": person, "agency": agency, "grant": grant, "form": form, "why": why},
    )


@login_required
def consent_stop(request, grant_id):
    grant = portal_selectors.my_grant(user=request.user, grant_id=grant_id)
    if grant.revoked_at is not None:
        return redirect("portal:consent_receipt", grant.pk)
    form = StopSharingForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        with service_errors_on(form):
            consent_revoke(
                grant=grant,
                actor=request.user,
                reason=form.cleaned_data["reason"] or "Stopped online by the person.",
            )
            messages.success(
                request, f"{grant.agency.name} can no longer see your record. Here is your receipt."
            )
            return redirect("portal:consent_receipt", grant.pk)
    return render(request, "portal/consent_stop.html", {"grant": grant, "form": form})


@login_required
def consent_renew(request, grant_id):
    grant = portal_selectors.my_grant(user=request.user, grant_id=grant_id)
    error = None
    if request.method == "POST":
        try:
            new = portal_services.consent_renew(grant=grant, actor=request.user)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(
                request, f"You will keep sharing with {grant.agency.name}. Here is your receipt."
            )
            return redirect("portal:consent_receipt", new.pk)
    return render(request, "portal/consent_renew.html", {"grant": grant, "error": error})


@login_required
def consent_receipt(request, grant_id):
    grant = portal_selectors.my_grant(user=request.user, grant_id=grant_id)
    return render(request, "portal/consent_receipt.html", {"grant": grant, "lines": receipt_lines(grant)})


# Who looked at my record ------------------------------------------------------------------


@login_required
def who_looked(request, person_id=None):
    person = portal_selectors.my_person(user=request.user, person_id=person_id)
    glasses, log = portal_selectors.who_looked(user=request.user, person=person)
    page = Paginator(log, limits.PAGE_SIZE).get_page(request.GET.get("page"))
    context = _people_context(request, person, "portal:who_looked_for")
    context.update(
        {
            "glasses": glasses,
            "page": page,
            "entries": [portal_selectors.looked_entry(e) for e in page.object_list],
        }
    )
    return render(request, "portal/who_looked.html", context)


# My details -------------------------------------------------------------------------------


@login_required
def details(request):
    person = portal_selectors.my_person(user=request.user)
    form = DetailsForm(
        _posted(request),
        initial={
            "phone": person.phone,
            "email": person.email,
            "address": person.address,
            "preferred_name": person.preferred_name,
        },
    )
    if request.method == "POST" and form.is_valid():
        with service_errors_on(form):
            changed = portal_services.person_details_change(
                person=person, actor=request.user, **form.cleaned_data
            )
            if changed:
                messages.success(
                    request, "Your details are changed. Agencies will see the new ones from now on."
                )
            else:
                messages.success(request, "Nothing was changed.")
            return redirect("portal:details")
    return render(
        request,
        "portal/details.html",
        {
            "person": person,
            "form": form,
            "history": portal_selectors.details_history(user=request.user, person=person),
            "corrections": portal_selectors.my_corrections(user=request.user, person=person),
        },
    )


@login_required
def correction_new(request):
    person = portal_selectors.my_person(user=request.user)
    form = CorrectionForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        with service_errors_on(form):
            portal_services.correction_request(person=person, actor=request.user, **form.cleaned_data)
            messages.success(request, "We have sent your request. The agency will accept or decline it.")
            return redirect("portal:details")
    return render(request, "portal/correction_new.html", {"person": person, "form": form})


# Raise a concern --------------------------------------------------------------------------


@login_required
def concerns(request):
    person = portal_selectors.my_person(user=request.user)
    return render(
        request,
        "portal/concerns.html",
        {"person": person, "concerns": portal_selectors.my_concerns(user=request.user, person=person)},
    )


@login_required
def concern_new(request):
    person = portal_selectors.my_person(user=request.user)
    agencies = portal_selectors.concern_agencies()
    form = ConcernForm(_posted(request), agencies=agencies)
    if request.method == "POST" and form.is_valid():
        agency = next(a for a in agencies if a.pk == form.cleaned_data["about_agency"])
        with service_errors_on(form):
            concern = concern_raise(
                about_agency=agency,
                text=form.cleaned_data["text"],
                raised_via=ConcernVia.CITIZEN,
                subject_person=person,
                actor=request.user,
            )
            messages.success(
                request, f"Your concern is sent to {agency.name}. We will show their answer here."
            )
            return redirect("portal:concern", concern.pk)
    return render(request, "portal/concern_new.html", {"person": person, "form": form})


@login_required
def concern(request, concern_id):
    person = portal_selectors.my_person(user=request.user)
    item = portal_selectors.my_concern(user=request.user, person=person, concern_id=concern_id)
    return render(request, "portal/concern.html", {"person": person, "concern": item})


# Download my data -------------------------------------------------------------------------


@login_required
def data(request):
    person = portal_selectors.my_person(user=request.user)
    if request.method == "POST":
        export = portal_services.data_export_request(person=person, actor=request.user)
        return redirect("portal:data_export", export.pk)
    return render(
        request,
        "portal/data.html",
        {"person": person, "exports": portal_selectors.my_exports(user=request.user, person=person)},
    )


@never_cache
@login_required
def data_export(request, export_id):
    export = portal_selectors.my_export(user=request.user, export_id=export_id)
    template = (
        "portal/_export_status.html" if request.headers.get("HX-Request") else "portal/data_export.html"
    )
    return render(request, template, {"export": export, "stuck": portal_selectors.export_stuck(export)})


@login_required
def data_export_print(request, export_id):
    export = portal_selectors.my_export(user=request.user, export_id=export_id)
    if export.status != ExportStatus.READY:
        return redirect("portal:data_export", export.pk)
    return render(request, "portal/data_print.html", {"export": export, "data": export.content})


@login_required
def data_export_json(request, export_id):
    export = portal_selectors.my_export(user=request.user, export_id=export_id)
    if export.status != ExportStatus.READY:
        return redirect("portal:data_export", export.pk)
    response = JsonResponse(export.content, json_dumps_params={"indent": 2, "ensure_ascii": False})
    stamp = timezone.localtime(export.finished_at).strftime("%Y-%m-%d")
    response["Content-Disposition"] = f'attachment; filename="joined-up-my-data-{stamp}.json"'
    return response


# Joining: set a password through the invitation link --------------------------------------


@never_cache
def join(request, token):
    invitation = portal_services.invitation_for_token(token)
    if request.user.is_authenticated and invitation is None:
        return redirect("home")
    if invitation is None:
        return render(request, "portal/join_expired.html", status=410)
    form = SetPasswordForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            user = portal_services.invitation_accept(
                token=token, password=form.cleaned_data["password"], by=_signed_in(request)
            )
        except ValidationError as error:
            if "token" in error.message_dict:
                return render(request, "portal/join_expired.html", status=410)
            add_service_errors(form, error)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, f"Your account is ready. Your username is {user.username}.")
            return redirect("portal:home")
    return render(request, "portal/join.html", {"invitation": invitation, "form": form})


# Joining in person: a one-time code and a date of birth -----------------------------------


def _signed_in(request):
    """Whoever is signed in while joining: the staff who gave or confirmed a code may not."""
    return request.user if request.user.is_authenticated else None


# Wrong codes count like failed sign-ins (django-axes), per address, under one name.
CODE_CREDENTIALS = {"username": "invitation code"}


@never_cache
def join_code(request):
    """The person types the code staff gave them and their date of birth, then sets a
    password through the link page. Wrong code or date: one error for both, and too many
    tries lock this page for a while, as failed sign-ins do."""
    if AxesProxyHandler.is_locked(request, CODE_CREDENTIALS):
        return render(request, "registration/locked_out.html", status=429)
    form = JoinCodeForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            token = portal_services.invitation_code_redeem(**form.cleaned_data, by=_signed_in(request))
        except ValidationError as error:
            user_login_failed.send(sender=__name__, credentials=CODE_CREDENTIALS, request=request)
            add_service_errors(form, error)
        else:
            return redirect("portal:join", token)
    return render(request, "portal/join_code.html", {"form": form})


# Staff pages ------------------------------------------------------------------------------


@never_cache
@login_required
def invite(request, person_id):
    """Invite a person to the portal: to the email or phone on their record where the viewer
    may see it, or in person with a one-time code shown once on this page."""
    person, channels = portal_selectors.invite_page(user=request.user, person_id=person_id)
    form = InviteForm(_posted(request), person=person, channels=channels)
    if request.method == "POST" and form.is_valid():
        try:
            invitation, code = portal_services.invitation_send(
                person=person, channel=form.cleaned_data["channel"], actor=request.user
            )
        except PermissionDenied:
            raise Http404("No such person.") from None
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if code:
                return render(
                    request,
                    "portal/staff_invite_code.html",
                    {"person": person, "code": code, "invitation": invitation},
                )
            where = "email address" if invitation.email else "phone number"
            messages.success(request, f"Invitation sent to the {where} on their record.")
            return redirect("journeys:person_record", person.pk)
    return render(request, "portal/staff_invite.html", {"person": person, "form": form})


@never_cache
@login_required
def invitation_codes(request):
    """Codes given in person waiting for a second person (a manager, or information
    governance) to confirm them: until then a code does not work."""
    codes = portal_selectors.invitation_codes_waiting(user=request.user)
    return render(request, "portal/staff_invitation_codes.html", {"codes": codes})


@require_POST
@login_required
def invitation_code_confirm(request, invitation_id):
    invitation = portal_selectors.invitation_code_to_confirm(user=request.user, invitation_id=invitation_id)
    try:
        portal_services.invitation_code_confirm(invitation=invitation, actor=request.user)
    except PermissionDenied:
        raise Http404("No such code.") from None
    messages.success(request, f"Code I{invitation.pk} is confirmed. The person can now use it.")
    return redirect("portal:staff_invitation_codes")


@login_required
def corrections(request):
    queue = portal_selectors.correction_queue(user=request.user)
    page = Paginator(queue, limits.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "portal/staff_corrections.html", {"page": page})


@login_required
def correction_decide(request, correction_id):
    correction = portal_selectors.correction_for_staff(user=request.user, correction_id=correction_id)
    form = DecisionForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        with service_errors_on(form):
            portal_services.correction_decide(
                correction=correction,
                accept=form.cleaned_data["decision"] == "accept",
                reason=form.cleaned_data["reason"],
                actor=request.user,
            )
            messages.success(request, "Your decision is saved. The person will see it.")
            return redirect("portal:staff_corrections")
    return render(request, "portal/staff_correction.html", {"correction": correction, "form": form})
