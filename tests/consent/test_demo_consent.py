"""The demo shows consent at work: every staff sign-in finds Jade, who shares her record with
every agency, and Grace, who shares it with none."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from rest_framework.test import APIClient

from consent.policy import viewer_for
from journeys.models import Person

pytestmark = pytest.mark.django_db
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


def test_every_staff_sign_in_sees_a_consented_and_a_not_consented_person(settings):
    settings.DEMO_PASSWORD = "synthetic-demo-pass"
    call_command("seed_demo")
    jade = Person.objects.get(given_name="Jade", family_name="Carter")
    grace = Person.objects.get(given_name="Grace", family_name="Okafor")
    for username in STAFF:
        user = get_user_model().objects.get(username=username)
        own = viewer_for(user).agency_id
        client = APIClient()
        client.force_authenticate(user)
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
