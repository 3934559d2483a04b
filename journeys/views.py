"""Pages for finding a person, reading their joined-up record, and a family's members."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from consent import selectors as consent_selectors
from consent.policy import uses_staff_pages, viewer_for
from core import limits

from . import selectors


@login_required
def person_search(request):
    q = request.GET.get("q", "").strip()
    try:
        people = selectors.person_search(user=request.user, q=q) if q else None
    except selectors.SearchRateLimited as exc:
        error = f"You have searched for too many identifiers. Try again in {exc.retry_after} seconds."
        response = render(request, "journeys/person_search.html", {"q": q, "page": None, "error": error})
        response.status_code = 429
        response["Retry-After"] = str(exc.retry_after)
        return response
    page = (
        Paginator(people, limits.PAGE_SIZE).get_page(request.GET.get("page")) if people is not None else None
    )
    return render(request, "journeys/person_search.html", {"q": q, "page": page})


@login_required
def person_record(request, person_id):
    record = selectors.person_record(user=request.user, person_id=person_id)
    viewer = viewer_for(request.user)
    context = {"record": record}
    if uses_staff_pages(viewer):
        context["grants"] = consent_selectors.grants_for_person(user=request.user, person_id=record.person.pk)
    return render(request, "journeys/person_record.html", context)


@login_required
def family_detail(request, family_id):
    family = selectors.family_detail(user=request.user, family_id=family_id)
    return render(request, "journeys/family_detail.html", {"family": family})
