"""A duplicate flag is a derived record (rule 11): its details are shown only where both of its
assessments are open to the manager under consent now; the others are only counted."""

import csv
import io

import pytest
from django.urls import reverse

from consent.models import ConsentGrant
from consent.services import consent_revoke
from duplicates.models import DuplicateFlag
from journeys.models import Assessment

pytestmark = pytest.mark.django_db
URL = "/api/v1/duplicate-flags/"


def withdraw(partnership, agency):
    """The adult withdraws their grant to one agency."""
    grant = ConsentGrant.objects.get(subject=partnership.adult, agency=agency)
    consent_revoke(grant=grant, actor=partnership.staff, reason="Changed my mind")


def test_after_consent_is_withdrawn_the_queue_shows_only_a_count(client, partnership):
    withdraw(partnership, partnership.police)
    client.force_login(partnership.police_manager)
    page = client.get(reverse("duplicates:queue")).content.decode()
    assert "0 flags" in page
    assert 'id="flags"' not in page
    assert "District Housing Options" not in page
    assert "1 flag involves records you may not see" in page
    assert reverse("duplicates:review", args=[partnership.flag_police_housing.pk]) not in page


def test_a_flag_the_manager_may_not_see_in_detail_is_not_found_for_review(client, partnership):
    flag = partnership.flag_police_housing
    withdraw(partnership, partnership.police)
    client.force_login(partnership.police_manager)
    url = reverse("duplicates:review", args=[flag.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"status": "dismissed", "reason": "Not ours"}).status_code == 404
    flag.refresh_from_db()
    assert flag.status == "open"


def test_the_dashboard_leaves_hidden_flags_out_of_its_figures_and_counts_them(client, partnership):
    withdraw(partnership, partnership.housing)
    client.force_login(partnership.housing_manager)
    page = client.get(reverse("duplicates:dashboard")).content.decode()
    assert "1 flag involves records you may not see" in page
    assert 'id="heatmap"' not in page
    assert "County Police" not in page
    assert "£270" not in page


def test_the_csv_export_lists_only_flags_open_in_detail(client, partnership):
    withdraw(partnership, partnership.housing)
    client.force_login(partnership.housing_manager)
    rows = list(csv.reader(io.StringIO(client.get(reverse("duplicates:export")).content.decode())))
    assert rows == [rows[0]]
    assert "County Police" not in str(rows)


def test_a_partnership_reviewer_sees_details_only_where_people_consented(client, partnership):
    ConsentGrant.objects.filter(subject=partnership.child).delete()
    client.force_login(partnership.reviewer)
    page = client.get(reverse("duplicates:queue")).content.decode()
    assert "1 flag<" in page or ">1 flag" in page
    assert "County Police" in page
    assert "Hillside Primary School" not in page.split('id="flags"')[1]
    assert "1 flag involves records you may not see" in page


def test_a_grant_without_the_records_label_does_not_open_the_flag(client, partnership):
    Assessment.objects.filter(pk=partnership.flag_police_housing.later_id).update(sensitivity="mental_health")
    client.force_login(partnership.police_manager)
    page = client.get(reverse("duplicates:queue")).content.decode()
    assert "District Housing Options" not in page
    assert "1 flag involves records you may not see" in page
    ConsentGrant.objects.filter(subject=partnership.adult, agency=partnership.police).update(
        labels=["general", "mental_health"]
    )
    page = client.get(reverse("duplicates:queue")).content.decode()
    assert "District Housing Options" in page
    assert "records you may not see" not in page


def test_the_api_lists_only_flags_open_in_detail_and_counts_the_rest(api, partnership):
    flag = partnership.flag_police_housing
    withdraw(partnership, partnership.police)
    client = api.as_user(partnership.police_manager)
    body = client.get(URL).json()
    assert body["results"] == []
    assert body["count"] == 0
    assert body["not_shown"] == 1
    assert client.get(f"{URL}{flag.pk}/").status_code == 404
    review = client.post(f"{URL}{flag.pk}/review/", {"status": "dismissed", "reason": "x"}, format="json")
    assert review.status_code == 404
    assert DuplicateFlag.objects.get(pk=flag.pk).status == "open"


def test_the_openapi_documents_the_count_of_flags_not_shown(api, partnership):
    schema = api.as_user(partnership.reviewer).get("/api/schema/", {"format": "json"}).json()
    page = schema["components"]["schemas"]["PaginatedDuplicateFlagList"]
    assert "not_shown" in page["properties"]
