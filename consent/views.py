"""Pages for staff: record consent given in person or on paper, see its receipt, withdraw it,
open emergency access, and (managers) review emergency access."""

from datetime import datetime, time

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone

from core.forms import service_errors_on
from journeys.models import Person
from journeys.selectors import SearchRateLimited, break_glass_subject

from . import policy, selectors, services
from .forms import BreakGlassForm, ConsentForm, ReviewForm, RevokeForm
from .receipts import receipt_lines, what_agency_will_see


def _staff_only(request):
    viewer = policy.viewer_for(request.user)
    policy.require(policy.uses_staff_pages(viewer))
    return viewer


def _givers(person: Person, viewer) -> list[Person]:
    """Who may give consent for this person (rule 4), among people the viewer may know of."""
    if services.may_give_consent_for(giver=person, subject=person):
        return [person]
    parents = (
        policy.current_memberships()
        .filter(
            family_id__in=policy.current_memberships().filter(person=person).values("family_id"),
            parental_responsibility=True,
        )
        .exclude(person=person)
        .values("person_id")
    )
    return list(policy.visible_persons(viewer).filter(pk__in=parents).order_by("given_name"))


# Who an unnamed member is on their consent pages, and their value among the givers.
THIS_MEMBER = "this family member"
UNNAMED_GIVER = 0


@login_required
def consent_new(request, person_id):
    """Record consent given in person, on paper or by phone. Two steps: choose with the person,
    then check, in plain words, what each agency will see, and record it."""
    viewer = _staff_only(request)
    person, _ = policy.access_person(request.user, person_id)
    return _record_consent(request, viewer, person, named=True)


@login_required
def consent_new_member(request, family_id, membership_id):
    """Record the consent of an assigned family's member the advocate may not name yet (rule 3):
    the pages call them "this family member" until a grant to the advocacy service exists."""
    viewer = _staff_only(request)
    person = policy.unnamed_member(request.user, family_id=family_id, membership_id=membership_id)
    return _record_consent(request, viewer, person, named=False)


def _record_consent(request, viewer, person: Person, *, named: bool):
    givers = _givers(person, viewer)
    choices = [
        (UNNAMED_GIVER, THIS_MEMBER.capitalize()) if not named and p == person else (p.pk, p.full_name)
        for p in givers
    ]
    form = ConsentForm(
        request.POST if request.method == "POST" else None,
        givers=choices,
        initial={"given_by": choices[0][0] if choices else None},
    )
    context = {
        "person": person,
        "form": form,
        "givers": givers,
        "months": settings.CONSENT_DEFAULT_MONTHS,
        "who": _who(person, named=named),
    }
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        valid_from = None
        if data["valid_from"] and data["valid_from"] != timezone.localdate():
            valid_from = timezone.make_aware(datetime.combine(data["valid_from"], time(9, 0)))
        if "confirm" not in request.POST:
            context["check"] = [
                (
                    agency,
                    what_agency_will_see(
                        agency_name=agency.name,
                        categories=data["categories"],
                        labels=data["labels"],
                        them=context["who"]["full"],
                        their=f"{context['who']['full']}'s",
                    ),
                )
                for agency in data["agencies"]
            ]
            return render(request, "consent/consent_check.html", context)
        giver = next(p for p, (value, _) in zip(givers, choices, strict=True) if value == data["given_by"])
        with service_errors_on(form):
            grants = services.consent_grant_many(
                subject=person,
                agencies=list(data["agencies"]),
                categories=data["categories"],
                labels=data["labels"],
                method=data["method"],
                given_by=giver,
                purpose=data["purpose"],
                valid_from=valid_from,
                actor=request.user,
            )
            # Named now only if one of the grants is to the advocacy service.
            named = named or bool(policy.named_persons(viewer, [person.pk]))
            return render(
                request,
                "consent/receipts.html",
                {
                    "person": person,
                    "grants": _with_receipts(grants, named=named),
                    "who": _who(person, named=named),
                },
            )
    return render(request, "consent/consent_form.html", context)


def _who(person: Person, *, named: bool) -> dict:
    """How the consent pages call the person: by name only where the viewer may name them."""
    if named:
        return {"full": person.full_name, "given": person.given_name, "named": True}
    return {"full": THIS_MEMBER, "given": THIS_MEMBER, "named": False}


def _with_receipts(grants, *, named: bool = True):
    return [(grant, receipt_lines(grant, subject=None if named else THIS_MEMBER)) for grant in grants]


@login_required
def consent_receipt(request, grant_id):
    grant = selectors.grant_detail(user=request.user, grant_id=grant_id)
    return render(
        request,
        "consent/receipts.html",
        {"person": grant.subject, "grants": _with_receipts([grant]), "who": _who(grant.subject, named=True)},
    )


@login_required
def consent_revoke(request, grant_id):
    grant = selectors.grant_detail(user=request.user, grant_id=grant_id)
    if grant.revoked_at is not None:
        return redirect("consent:receipt", grant.pk)
    form = RevokeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        with service_errors_on(form):
            grant = services.consent_revoke(
                grant=grant, actor=request.user, reason=form.cleaned_data["reason"]
            )
            return render(
                request,
                "consent/receipts.html",
                {
                    "person": grant.subject,
                    "grants": _with_receipts([grant]),
                    "who": _who(grant.subject, named=True),
                },
            )
    return render(
        request, "consent/revoke.html", {"grant": grant, "form": form, "lines": receipt_lines(grant)}
    )


@login_required
def break_glass_new(request, person_id):
    """Open emergency access to a person the viewer may know of, or found by an exact
    identifier (the search result's link carries it; the form sends it back). Found by an
    identifier, the person is looked up, counted and logged only on opening, and not named
    before: the page answers alike for a right and a wrong pair."""
    _staff_only(request)
    data = request.POST if request.method == "POST" else request.GET
    identifier = {"scheme": data.get("scheme", ""), "value": data.get("value", "")}
    if not identifier["value"]:
        identifier = None
    person = break_glass_subject(request.user, person_id) if identifier is None else None
    form = BreakGlassForm(
        request.POST if request.method == "POST" else None,
        max_hours=settings.BREAK_GLASS_HOURS,
        initial=identifier,
    )
    if request.method == "POST" and form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k in ("reason", "hours")}
        try:
            with service_errors_on(form):
                services.break_glass_check(actor=request.user, **fields)
                subject = person or break_glass_subject(request.user, person_id, identifier)
                services.break_glass_open(subject=subject, actor=request.user, **fields)
                return redirect("journeys:person_record", subject.pk)
        except PermissionDenied:
            raise Http404("No such page.") from None
        except SearchRateLimited as exc:
            form.add_error(
                None, f"You have searched for too many identifiers. Try again in {exc.retry_after} seconds."
            )
    return render(request, "consent/break_glass_form.html", {"person": person, "form": form})


@login_required
def review_queue(request):
    policy.require(policy.reviews_break_glass(policy.viewer_for(request.user)))
    pending = list(selectors.break_glass_reviews(user=request.user))
    return render(request, "consent/review_queue.html", {"pending": pending})


@login_required
def review(request, glass_id):
    glass = selectors.break_glass_for_review(user=request.user, glass_id=glass_id)
    form = ReviewForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            with service_errors_on(form):
                services.break_glass_review(glass=glass, actor=request.user, **form.cleaned_data)
                return redirect("consent:review_queue")
        except PermissionDenied:
            form.add_error(None, "You opened this emergency access, so another manager must review it.")
    return render(request, "consent/review.html", {"glass": glass, "form": form})
