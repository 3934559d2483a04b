"""The manager pages: what a manager sees and can do, and what everyone else cannot."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from duplicates.models import DuplicateFlag
from duplicates.services import duplicates_rescan
from tests.factories import ConsentGrantFactory, PersonFactory
from tests.journeys.helpers import kind, questions, record

pytestmark = pytest.mark.django_db


def test_staff_may_not_open_the_duplication_pages(client, partnership):
    client.force_login(partnership.staff)
    flag = partnership.flag_police_housing
    for url in (
        reverse("duplicates:dashboard"),
        reverse("duplicates:queue"),
        reverse("duplicates:export"),
        reverse("duplicates:review", args=[flag.pk]),
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("duplicates:rescan")).status_code == 404


def test_a_manager_finds_the_dashboard_in_the_navigation(client, partnership):
    client.force_login(partnership.housing_manager)
    page = client.get(reverse("home")).content.decode()
    assert "Duplicate assessments" in page
    client.force_login(partnership.staff)
    assert "Duplicate assessments" not in client.get(reverse("home")).content.decode()


def test_the_dashboard_shows_totals_heatmap_and_questions(client, partnership):
    client.force_login(partnership.reviewer)
    page = client.get(reverse("duplicates:dashboard")).content.decode()
    assert "The whole partnership" in page
    assert 'id="heatmap"' in page
    # Police asked first and Housing again; the school asked twice itself.
    assert (
        "County Police" in page and "District Housing Options" in page and "Hillside Primary School" in page
    )
    assert "app-heat-5" in page
    assert "Question housing_0?" in page
    assert "Blocked by consent" in page
    assert "£270" in page  # the housing assessment's estimated cost


def test_the_dashboard_of_one_agency_counts_only_its_flags(client, partnership):
    client.force_login(partnership.police_manager)
    page = client.get(reverse("duplicates:dashboard")).content.decode()
    assert "Hillside Primary School" not in page
    assert "Your agency" in page


def test_the_dashboard_and_queue_use_a_fixed_number_of_queries(
    client, partnership, django_assert_num_queries
):
    client.force_login(partnership.reviewer)
    with CaptureQueriesContext(connection) as dash_before:
        client.get(reverse("duplicates:dashboard"))
    with CaptureQueriesContext(connection) as queue_before:
        client.get(reverse("duplicates:queue"))
    bank = questions(6, prefix="more")
    for _ in range(4):
        person = PersonFactory()
        ConsentGrantFactory(subject=person, agency=partnership.reviewer.staff_membership.agency)
        record(kind(bank), person=person, days_ago=30)
        record(kind(bank), person=person, days_ago=3)
    duplicates_rescan()
    assert DuplicateFlag.objects.count() == 6
    with django_assert_num_queries(len(dash_before.captured_queries)):
        client.get(reverse("duplicates:dashboard"))
    with django_assert_num_queries(len(queue_before.captured_queries)):
        page = client.get(reverse("duplicates:queue")).content.decode()
    assert "6 flags" in page


def test_the_queue_filters_by_agency_and_status(client, partnership):
    client.force_login(partnership.reviewer)
    page = client.get(reverse("duplicates:queue"), {"agency": partnership.school.pk, "status": "open"})
    text = page.content.decode()
    assert "1 flag<" in text or "1 flag\n" in text or ">1 flag" in text
    assert "Hillside Primary School" in text
    assert "County Police" not in text.split('id="flags"')[1]


def test_bad_filter_dates_show_the_error_summary_not_a_crash(client, partnership):
    client.force_login(partnership.reviewer)
    response = client.get(reverse("duplicates:queue"), {"date_from": "2026-13-45", "date_to": ""})
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert "Enter a real date" in page


def test_a_manager_confirms_a_flag_with_a_reason(client, partnership):
    flag = partnership.flag_police_housing
    client.force_login(partnership.housing_manager)
    url = reverse("duplicates:review", args=[flag.pk])
    page = client.get(url).content.decode()
    assert "Question housing_3?" in page
    response = client.post(url, {"status": "confirmed", "reason": "We should have asked Police first"})
    assert response.status_code == 302
    flag.refresh_from_db()
    assert flag.status == "confirmed"
    assert f"Flag {flag.pk} confirmed." in client.get(response["Location"]).content.decode()


def test_a_review_without_a_reason_shows_the_error_and_saves_nothing(client, partnership):
    flag = partnership.flag_police_housing
    client.force_login(partnership.housing_manager)
    response = client.post(
        reverse("duplicates:review", args=[flag.pk]), {"status": "dismissed", "reason": " "}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page
    assert "Enter the reason for your decision" in page
    flag.refresh_from_db()
    assert flag.status == "open"


def test_another_agencys_flag_is_not_found(client, partnership):
    client.force_login(partnership.police_manager)
    response = client.get(reverse("duplicates:review", args=[partnership.flag_school_twice.pk]))
    assert response.status_code == 404


def test_the_csv_export_lists_the_flags_and_defuses_formulas(client, partnership):
    flag = partnership.flag_police_housing
    DuplicateFlag.objects.filter(pk=flag.pk).update(status="dismissed", review_reason="=HYPERLINK(1)")
    client.force_login(partnership.housing_manager)
    response = client.get(reverse("duplicates:export"))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][0] == "flag"
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["asked first by"] == "County Police"
    assert row["asked again by"] == "District Housing Options"
    assert row["estimated avoidable cost (£)"] == "270.00"
    assert row["review reason"] == "'=HYPERLINK(1)"


@pytest.mark.django_db(transaction=True)  # the outbox sends on commit
def test_rescan_now_runs_at_once_without_a_worker(client, partnership):
    DuplicateFlag.objects.all().delete()
    client.force_login(partnership.reviewer)
    response = client.post(reverse("duplicates:rescan"), follow=True)
    assert "Rescan finished: 2 people checked, 2 new flags." in response.content.decode()
    assert DuplicateFlag.objects.count() == 2


def test_rescan_progress_polls_until_done_and_works_without_javascript(client, partnership):
    from core import runs

    client.force_login(partnership.reviewer)
    task_id = "0b6c1a52-7f2a-4a7e-9a55-2a6f3c1d9e10"
    url = reverse("duplicates:rescan_progress", args=[task_id])
    assert "waiting to start" in client.get(url).content.decode()
    run = runs.run_started(task_name="journeys.rescan_duplicates", task_id=task_id)
    runs.run_progress(run=run, done=2000, total=5000)
    page = client.get(url).content.decode()
    assert "Checked 2000 of 5000 people" in page
    assert "Refresh to see progress" in page
    assert 'hx-trigger="every 2s"' in page
    partial = client.get(url, HTTP_HX_REQUEST="true")
    assert partial.status_code == 200
    assert "<html" not in partial.content.decode()
    runs.run_finished(
        run=run, summary={"people": 5000, "pairs": 12, "created": 3, "refreshed": 0, "unchanged": 9}
    )
    partial = client.get(url, HTTP_HX_REQUEST="true")
    assert partial.status_code == 286  # htmx stops polling
    assert "Rescan finished" in partial.content.decode()
    assert "hx-trigger" not in partial.content.decode()


def test_a_made_up_task_id_is_not_found(client, partnership):
    client.force_login(partnership.reviewer)
    assert client.get(reverse("duplicates:rescan_progress", args=["not-a-task"])).status_code == 404


def test_the_dashboard_shows_when_the_nightly_rescan_last_finished_and_warns_when_it_is_old(
    client, partnership
):
    from datetime import timedelta

    from django.utils import timezone

    from core import runs
    from core.models import ScheduledRun

    client.force_login(partnership.reviewer)
    assert "No rescan has finished yet" in client.get(reverse("duplicates:dashboard")).content.decode()
    tasks_name = "journeys.rescan_duplicates"
    runs.run_finished(run=runs.run_started(task_name=tasks_name), summary={"people": 2})
    page = client.get(reverse("duplicates:dashboard")).content.decode()
    assert "Last rescan finished on" in page
    assert "flags may be missing" not in page
    two_days_ago = timezone.now() - timedelta(days=2)
    ScheduledRun.objects.update(started_at=two_days_ago, finished_at=two_days_ago)
    page = client.get(reverse("duplicates:dashboard")).content.decode()
    assert "more than a day ago" in page
    assert "flags may be missing" in page
