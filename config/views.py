"""The start page: each role lands on its own home (it knows every app, so it lives here)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from agencies import selectors as agencies_selectors
from consent.policy import family_label, keeps_caseload, manages_api_clients, uses_portal, viewer_for
from journeys.selectors import families_visible
from portal.views import home as portal_home


@login_required
def home(request):
    viewer = viewer_for(request.user)
    if uses_portal(viewer):
        # Citizens land on their own portal, never on a staff home.
        return portal_home(request)
    context = {
        "previous_sign_in": agencies_selectors.previous_sign_in(user=request.user),
        "manages_api_clients": manages_api_clients(viewer),
        # Shown only while MFA_REQUIRED is off: when on, such a sign-in is sent to set it up.
        "offer_two_step": viewer.agency_id is not None and not viewer.has_second_factor,
    }
    if keeps_caseload(viewer):
        context["families"] = list(families_visible(user=request.user))
        for family in context["families"]:  # for display only, never saved
            family.label = family_label(family)
    return render(request, "agencies/home.html", context)
