"""What the demo shows each sign-in. `seed_demo` runs once for the module (it is the slowest
set-up in the suite) and each test runs in a savepoint inside it, so its writes roll back."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from consent.models import ConsentGrant
from consent.policy import viewer_for
from journeys.models import Assessment, Contact, Family, Person
from portal.services import consent_reminders_send

pytestmark = pytest.mark.django_db
PASSWORD = "synthetic-demo-pass"
STAFF = [
    "police",
    "socialcare",
    "healthvisitor",
    "gp",
    "school",
    "housing",
    "jobcentre",
    "manager",
    "advocate",
]
SIGN_INS = [*STAFF, "citizen", "admin"]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo, loaded once; what seed_demo printed."""
    printed = StringIO()
    with (
        django_db_blocker.unblock(),
        override_settings(
            DEMO_PASSWORD=PASSWORD, PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]
        ),
        transaction.atomic(),
    ):
        call_command("seed_demo", stdout=printed)
        yield printed.getvalue()
        transaction.set_rollback(True)


def user(username):
    return get_user_model().objects.get(username=username)


def counts():
    return [m.objects.count() for m in (Family, Person, Contact, Assessment, ConsentGrant)]


def test_seed_demo_prints_the_sign_ins_and_a_second_run_changes_nothing(demo, settings):
    for username in ("police", "socialcare", "advocate", "manager", "citizen", "admin"):
        assert username in demo
    first = counts()
    settings.DEMO_PASSWORD = PASSWORD
    call_command("seed_demo", stdout=StringIO())
    assert counts() == first
    assert 3 <= first[0] <= 5
    assert first[2] > 100


def test_each_demo_sign_in_reaches_its_home_page(client, demo):
    for username in SIGN_INS:
        response = client.post(reverse("login"), {"username": username, "password": PASSWORD}, follow=True)
        assert response.status_code == 200, username
        assert response.request["PATH_INFO"] == "/", username
        assert b"Sign out" in response.content, username
        client.post(reverse("logout"))


def test_wrong_password_shows_the_error_summary(client, demo):
    response = client.post(reverse("login"), {"username": "police", "password": "wrong"})
    assert response.status_code == 200
    assert b"There is a problem" in response.content
    assert b"Enter a correct username and password" in response.content


def test_every_staff_sign_in_sees_a_consented_and_a_not_consented_person(demo):
    """Jade shares her record with every agency; Grace with none."""
    jade = Person.objects.get(given_name="Jade", family_name="Carter")
    grace = Person.objects.get(given_name="Grace", family_name="Okafor")
    for username in STAFF:
        own = viewer_for(user(username)).agency_id
        client = APIClient()
        client.force_authenticate(user(username))
        shared = client.get(f"/api/v1/persons/{jade.pk}/record/").json()
        assert {c["agency_id"] for c in shared["contacts"]} - {own}, (
            f"{username} sees no shared record of Jade"
        )
        assert all(c["notes_shown"] for c in shared["contacts"] if c["sensitivity"] == "general")
        response = client.get(f"/api/v1/persons/{grace.pk}/record/")
        if username == "advocate":  # rule 3: only a count until she agrees to share
            assert response.status_code == 404, f"{username} knows Grace by name"
            continue
        assert response.status_code == 200, f"{username} does not know Grace"
        body = response.json()
        assert {c["agency_id"] for c in body["contacts"]} <= {own}, f"{username} sees Grace's other records"
        assert "has not agreed" in body["shown"]


def test_the_demo_citizen_sees_a_kept_back_record_and_a_consent_ending_soon(client, demo):
    client.force_login(user("citizen"))
    journey = client.get(reverse("portal:journey")).content.decode()
    assert "An agency has kept back 1 record" in journey
    assert "kept back to protect the caller" not in journey
    assert "Jobcentre Plus" in client.get(reverse("portal:consents")).content.decode()
    assert consent_reminders_send() == 1


def test_the_demo_advocacy_manager_sees_the_assignments(client, demo):
    client.force_login(user("advocacymanager"))
    page = client.get(reverse("advocates:assignments")).content.decode()
    assert "The Carter family (demo)" in page and "Lou Fenwick" in page
    client.force_login(user("advocate"))
    assert "1 overdue" in client.get(reverse("advocates:caseload")).content.decode()
