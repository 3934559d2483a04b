"""Case pages and the API are never kept by a browser or proxy, and the API docs run from our
own static files under the Content Security Policy (issue 11)."""

import re

import pytest
from django.urls import reverse

from tests.factories import ContactFactory, FamilyFactory, MembershipFactory, staff_user

pytestmark = pytest.mark.django_db


def test_case_pages_and_api_answers_say_no_store(client):
    user = staff_user()
    family = FamilyFactory(registered_by=user.staff_membership.agency)
    person = MembershipFactory(family=family).person
    ContactFactory(agency=user.staff_membership.agency, persons=[person])
    client.force_login(user)
    for url in (
        reverse("journeys:person_record", args=[person.pk]),
        reverse("journeys:family_detail", args=[family.pk]),
        reverse("journeys:person_search") + "?q=x",
        f"/api/v1/persons/{person.pk}/record/",
        "/api/v1/families/",
        "/api/v1/persons/999999/record/",  # a 404 too
    ):
        response = client.get(url)
        assert "no-store" in response["Cache-Control"], url


def test_the_api_docs_load_swagger_ui_from_our_static_files_with_no_inline_code(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower() and "https://" not in page
    assert "<style" not in page
    # Every script has a source: the CSP allows no inline script.
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page) == []
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    [script_url] = [src for src in re.findall(r'<script src="([^"]+)"', page) if "script=" in src]
    script = client.get(script_url.replace("&amp;", "&"))
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()
