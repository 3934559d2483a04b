"""Advocates' pages: thin adapters over advocates.selectors (reads) and advocates.services
(writes). Missing and not-yours are the same 404; bad input returns the form with the GOV.UK
error summary and everything typed kept."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods, require_POST

from agencies.models import Agency, ContactType
from concerns.services import concern_raise
from consent.policy import keeps_caseload, require, viewer_for
from core.forms import service_errors_on
from journeys.models import Family, Person

from . import selectors, services
from .forms import (
    ActionForm,
    AssignForm,
    ConcernForm,
    ConferenceForm,
    ContactLogForm,
    OutcomeForm,
    ReassignForm,
    TimelineFilterForm,
)
from .models import Assignment, CaseConference, ConferenceAction


def _members(family: Family, scopes) -> list[Person]:
    return Person.objects.filter(pk__in=list(scopes)).order_by("date_of_birth")


def _require_advocate(request):
    require(keeps_caseload(viewer_for(request.user)))


# Caseload --------------------------------------------------------------------------------


SORTS = [
    ("family", "Family"),
    ("last_contact", "Last contact"),
    ("recent", "Contacts, last 30 days"),
    ("flags", "Open duplicate flags"),
    ("concerns", "Open concerns"),
    ("gaps", "Consent gaps"),
    ("conference", "Next conference"),
    ("overdue", "Overdue actions"),
]


@login_required
def caseload(request):
    _require_advocate(request)
    sort = request.GET.get("sort", "family")
    if sort not in dict(SORTS):
        sort = "family"
    rows = selectors.caseload(user=request.user, sort=sort)
    return render(request, "advocates/caseload.html", {"rows": rows, "sort": sort, "sorts": SORTS})


# The family journey ------------------------------------------------------------------------


@login_required
def family_journey(request, family_id):
    access = selectors.access_family(user=request.user, family_id=family_id)
    family = access.family
    form = TimelineFilterForm(
        request.GET or None,
        members=_members(family, access.scopes),
        agencies=Agency.objects.order_by("name"),
        contact_types=ContactType.objects.order_by("label"),
    )
    filters = selectors.TimelineFilters()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = selectors.TimelineFilters(
            agency=data["agency"].pk if data.get("agency") else None,
            person=data["person"].pk if data.get("person") else None,
            contact_type=data["contact_type"].pk if data.get("contact_type") else None,
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )
    try:
        page = int(request.GET.get("page", 1))
    except ValueError:
        page = 1
    journey, page = selectors.family_journey(
        user=request.user, family_id=family.pk, filters=filters, page=page, access=access
    )
    per_page = 25
    pages = max(1, -(-journey.timeline_count // per_page))
    agency_costs = sorted(
        ((journey.agencies[a], pence) for a, pence in journey.cost.by_agency.items()),
        key=lambda row: -row[1],
    )
    return render(
        request,
        "advocates/journey.html",
        {
            "journey": journey,
            "family": family,
            "svg": mark_safe(journey.svg),  # noqa: S308 (built by journey_map with every text escaped)
            "form": form,
            "filtered": form.is_bound and form.is_valid() and any(form.cleaned_data.values()),
            "page_number": page,
            "pages": pages,
            "has_previous": page > 1,
            "has_next": page < pages,
            "query": _query_without_page(request),
            "agency_costs": agency_costs,
        },
    )


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# Logging a contact -----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def contact_new(request, family_id):
    _require_advocate(request)
    family, _ = selectors.assigned_family(user=request.user, family_id=family_id)
    scopes, unshared = selectors.shared_scopes(viewer_for(request.user), family)
    members = _members(family, scopes)
    recent = selectors.recent_contacts_for_same_again(user=request.user, family=family, scopes=scopes)
    if request.method == "POST":
        form = ContactLogForm(request.POST, members=members)
        if form.is_valid():
            data = form.cleaned_data
            try:
                with service_errors_on(form):
                    services.contact_log(
                        family=family,
                        agency=data["agency"],
                        persons=list(data["persons"]),
                        contact_type=data["contact_type"],
                        occurred_at=data["occurred_at"],
                        channel=data["channel"],
                        summary=data["summary"],
                        demand_type=data["demand_type"],
                        duration_minutes=data.get("duration_minutes"),
                        actor=request.user,
                    )
                    messages.success(
                        request,
                        f"Contact with {data['agency'].name} on "
                        f"{timezone.localtime(data['occurred_at']):%-d %B %Y} recorded",
                    )
                    return redirect(reverse("advocates:journey", args=[family.pk]) + "#timeline")
            except PermissionDenied:
                raise Http404("No such family.") from None
    else:
        initial = {
            "occurred_at": timezone.localtime().replace(second=0, microsecond=0),
            "demand_type": "unknown",
        }
        source = selectors.contact_to_copy(
            user=request.user, scopes=scopes, contact_id=request.GET.get("same_as")
        )
        if source is not None:
            selectors.log_contacts_shown(
                user=request.user,
                scopes=scopes,
                contacts=[source],
                what="Same again, copied",
            )
            initial.update(
                agency=source.agency,
                contact_type=source.contact_type,
                channel=source.channel,
                persons=list(source.persons.all()),
                demand_type=source.demand_type,
                duration_minutes=source.duration_minutes,
            )
            if source.notes_visible:
                initial["summary"] = source.summary
        form = ContactLogForm(initial=initial, members=members)
    selectors.log_contacts_shown(
        user=request.user, scopes=scopes, contacts=recent, what="Log a contact, recent contacts to copy"
    )
    return render(
        request,
        "advocates/contact_form.html",
        {
            "form": form,
            "family": family,
            "recent": recent,
            "same_as": request.GET.get("same_as"),
            "unshared": unshared,
        },
    )


# Case conferences ------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def conference_new(request, family_id):
    _require_advocate(request)
    family, _ = selectors.assigned_family(user=request.user, family_id=family_id)
    scopes, _ = selectors.shared_scopes(viewer_for(request.user), family)
    members = _members(family, scopes)
    form = ConferenceForm(request.POST or None, members=members)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with service_errors_on(form):
                conference = services.conference_record(
                    family=family,
                    held_at=data["held_at"],
                    place=data["place"],
                    family_members=list(data["family_members"]),
                    family_absent_reason=data["family_absent_reason"],
                    agency_attendees=form.agency_attendees(),
                    agenda=data["agenda"],
                    outcome=data["outcome"],
                    actor=request.user,
                )
                messages.success(request, "Case conference recorded")
                return redirect("advocates:conference", conference.pk)
        except PermissionDenied:
            raise Http404("No such family.") from None
    return render(request, "advocates/conference_form.html", {"form": form, "family": family})


def _conference_for(request, conference_id) -> CaseConference:
    conference = CaseConference.objects.filter(pk=conference_id).select_related("family").first()
    if conference is None:
        raise Http404("No such conference.")
    selectors.assigned_family(user=request.user, family_id=conference.family_id)
    return conference


@login_required
@require_http_methods(["GET", "POST"])
def conference_detail(request, conference_id):
    _require_advocate(request)
    conference = _conference_for(request, conference_id)
    family = conference.family
    scopes, _ = selectors.shared_scopes(viewer_for(request.user), family)
    members = list(_members(family, scopes))
    agencies = list(Agency.objects.order_by("name"))
    action_form = ActionForm(members=members, agencies=agencies, prefix="action")
    outcome_form = OutcomeForm(initial={"outcome": conference.outcome}, prefix="outcome")
    if request.method == "POST":
        try:
            if "add_action" in request.POST:
                action_form = ActionForm(request.POST, members=members, agencies=agencies, prefix="action")
                if action_form.is_valid():
                    with service_errors_on(action_form):
                        services.action_add(
                            conference=conference,
                            description=action_form.cleaned_data["description"],
                            due=action_form.cleaned_data["due"],
                            actor=request.user,
                            **action_form.owner_kwargs(),
                        )
                        messages.success(request, "Action added")
                        return redirect("advocates:conference", conference.pk)
            elif "record_outcome" in request.POST:
                outcome_form = OutcomeForm(request.POST, prefix="outcome")
                if outcome_form.is_valid():
                    with service_errors_on(outcome_form):
                        services.conference_record_outcome(
                            conference=conference,
                            outcome=outcome_form.cleaned_data["outcome"],
                            actor=request.user,
                        )
                        messages.success(request, "Outcome saved")
                        return redirect("advocates:conference", conference.pk)
        except PermissionDenied:
            raise Http404("No such conference.") from None
    conference = (
        CaseConference.objects.filter(pk=conference.pk)
        .prefetch_related("attendees__agency", "family_members")
        .select_related("family")
        .get()
    )
    actions = list(
        conference.actions.select_related("owner_agency", "owner_person").order_by(
            "completed_at", "due", "id"
        )
    )
    return render(
        request,
        "advocates/conference.html",
        {
            "conference": conference,
            "actions": actions,
            "today": timezone.localdate(),
            "action_form": action_form,
            "outcome_form": outcome_form,
            "form": action_form if action_form.errors else outcome_form,
        },
    )


@login_required
@require_POST
def action_complete(request, action_id):
    _require_advocate(request)
    action = get_object_or_404(ConferenceAction.objects.select_related("conference"), pk=action_id)
    _conference_for(request, action.conference_id)
    try:
        services.action_complete(action=action, actor=request.user)
        messages.success(request, "Action marked as done")
    except ValidationError as exc:
        messages.info(request, " ".join(exc.messages))
    except PermissionDenied:
        raise Http404("No such action.") from None
    return redirect("advocates:conference", action.conference_id)


# Concerns raised by the advocate ---------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def concern_new(request, family_id):
    _require_advocate(request)
    family, _ = selectors.assigned_family(user=request.user, family_id=family_id)
    scopes, _ = selectors.shared_scopes(viewer_for(request.user), family)
    contact = selectors.contact_to_copy(
        user=request.user, scopes=scopes, contact_id=request.GET.get("contact") or request.POST.get("contact")
    )
    initial = {}
    if contact is not None:
        selectors.log_contacts_shown(
            user=request.user, scopes=scopes, contacts=[contact], what="Raise a concern about a contact"
        )
        initial["about_agency"] = contact.agency
    form = ConcernForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        with service_errors_on(form):
            concern_raise(
                about_agency=form.cleaned_data["about_agency"],
                about_contact=contact,
                subject_family=family,
                raised_via="advocate",
                text=form.cleaned_data["text"],
                actor=request.user,
            )
            messages.success(
                request, f"Concern sent to the managers of {form.cleaned_data['about_agency'].name}"
            )
            return redirect(reverse("advocates:journey", args=[family.pk]) + "#concerns")
    return render(
        request, "advocates/concern_form.html", {"form": form, "family": family, "contact": contact}
    )


# Assignments (managers of the advocacy service) ------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def assignments(request):
    current, advocates = selectors.assignments_for_manager(user=request.user)
    form = AssignForm(request.POST or None, advocates=advocates)
    if request.method == "POST" and form.is_valid():
        family = selectors.family_to_assign(user=request.user, reference=form.cleaned_data["reference"])
        if family is None:
            form.add_error("reference", "No family has this reference")
        else:
            try:
                with service_errors_on(form):
                    services.assignment_start(
                        advocate=form.cleaned_data["advocate"], family=family, actor=request.user
                    )
                    advocate = form.cleaned_data["advocate"]
                    name = advocate.get_full_name() or advocate.username
                    messages.success(request, f"Family {family.reference} assigned to {name}")
                    return redirect("advocates:assignments")
            except PermissionDenied:
                raise Http404("Not found.") from None
    return render(
        request,
        "advocates/assignments.html",
        {"assignments": current, "form": form, "advocates": advocates},
    )


def _assignment_for_manager(request, assignment_id) -> tuple[Assignment, object]:
    current, advocates = selectors.assignments_for_manager(user=request.user)
    assignment = current.filter(pk=assignment_id).first()
    if assignment is None:
        raise Http404("No such assignment.")
    return assignment, advocates


@login_required
@require_http_methods(["GET", "POST"])
def assignment_change(request, assignment_id):
    assignment, advocates = _assignment_for_manager(request, assignment_id)
    form = ReassignForm(request.POST or None, advocates=advocates.exclude(pk=assignment.advocate_id))
    if request.method == "POST":
        try:
            with service_errors_on(form):
                if "end" in request.POST:
                    services.assignment_end(assignment=assignment, actor=request.user)
                    messages.success(request, f"Assignment to family {assignment.family.reference} ended")
                    return redirect("advocates:assignments")
                if form.is_valid():
                    services.assignment_reassign(
                        assignment=assignment, to_advocate=form.cleaned_data["advocate"], actor=request.user
                    )
                    messages.success(request, f"Family {assignment.family.reference} reassigned")
                    return redirect("advocates:assignments")
        except PermissionDenied:
            raise Http404("Not found.") from None
    return render(request, "advocates/assignment_change.html", {"assignment": assignment, "form": form})
