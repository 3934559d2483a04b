"""The header shows each role the links of the pages that let it in, and no other: every link
shown opens, every other one does not (the navigation asks the pages' own gates)."""

import re

import pytest
from django.urls import reverse

from agencies.models import Role, Sector
from tests.factories import AgencyFactory, PersonFactory, UserFactory, advocate_user, staff_user

pytestmark = pytest.mark.django_db
LINK = re.compile(r'<a class="govuk-service-navigation__link" href="([^"]+)">([^<]+)</a></li>')
PAGES = {
    "Find a person": "journeys:person_search",
    "Emergency access reviews": "consent:review_queue",
    "Duplicate assessments": "duplicates:dashboard",
    "Caseload": "advocates:caseload",
    "Concerns": "concerns:queue",
    "Codes to confirm": "portal:staff_invitation_codes",
    "Assignments": "advocates:assignments",
    "Corrections": "portal:staff_corrections",
    "Reset two-step sign-in": "agencies:two_step_reset",
    "My journey": "portal:journey",
    "Who can see it": "portal:consents",
    "Who looked": "portal:who_looked",
    "My details": "portal:details",
    "Configuration": "admin:index",
}
# The search opens to anyone signed in, listing only whom they may know (the matrix pins it);
# the header offers it to agency staff only.
OPEN_TO_EVERYONE = {"Find a person"}
MANAGES = ["Emergency access reviews", "Duplicate assessments"]


def _advocacy():
    return AgencyFactory(code="advocacy", sector=Sector.ADVOCACY)


def _citizen():
    user = UserFactory()
    PersonFactory(user=user)
    return user


USERS = {
    "staff": (staff_user, ["Find a person", "Corrections"]),
    "manager": (
        lambda: staff_user(role=Role.MANAGER),
        ["Find a person", *MANAGES, "Concerns", "Codes to confirm", "Corrections"],
    ),
    "advocate": (lambda: advocate_user(_advocacy()), ["Find a person", "Caseload", "Corrections"]),
    "advocacy manager": (
        lambda: staff_user(_advocacy(), Role.MANAGER),
        ["Find a person", *MANAGES, "Caseload", "Concerns", "Codes to confirm", "Assignments", "Corrections"],
    ),
    "information governance": (
        lambda: staff_user(role=Role.INFORMATION_GOVERNANCE),
        ["Emergency access reviews", "Codes to confirm", "Reset two-step sign-in"],
    ),
    "citizen": (_citizen, ["My journey", "Who can see it", "Who looked", "My details"]),
    "administrator": (lambda: UserFactory(is_staff=True, is_superuser=True), ["Configuration"]),
}


@pytest.mark.parametrize("who", USERS)
def test_each_role_sees_the_links_of_the_pages_it_may_open_and_only_those(client, who):
    make, expected = USERS[who]
    client.force_login(make())
    shown = {text: href for href, text in LINK.findall(client.get("/").content.decode()) if text != "Home"}
    assert list(shown) == expected
    assert all(shown[text] == reverse(name) for text, name in PAGES.items() if text in shown)
    opens = {text for text, name in PAGES.items() if client.get(reverse(name)).status_code == 200}
    assert opens - OPEN_TO_EVERYONE == set(shown) - OPEN_TO_EVERYONE
