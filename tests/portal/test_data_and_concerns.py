"""Who looked, download my data (with progress while a Celery task builds it), and concerns."""

from datetime import timedelta

import pytest
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from concerns.services import concern_acknowledge, concern_respond
from consent.models import BreakGlass
from portal import selectors as portal_selectors
from portal.models import DataExport, ExportStatus
from portal.tasks import build_data_export
from tests.factories import staff_user

pytestmark = pytest.mark.django_db


def test_who_looked_shows_each_view_in_plain_words_with_emergency_access_first(client, world):
    client.force_login(world.social_worker)
    client.get(reverse("journeys:person_record", args=[world.jade.pk]))
    BreakGlass.objects.create(
        user=world.police_officer,
        agency=world.police,
        subject=world.jade,
        reason="Found at the roadside and confused, we need to know who to call.",
        opened_at=timezone.now() - timedelta(minutes=5),
        expires_at=timezone.now() + timedelta(hours=3),
    )

    client.force_login(world.jade_user)
    body = client.get(reverse("portal:who_looked")).content.decode()
    assert "Someone used emergency access" in body
    assert "Found at the roadside and confused" in body
    assert "A manager has not checked this yet." in body
    assert body.index("Emergency access") < body.index("Every time someone looked")
    worker = world.social_worker.get_full_name()
    assert f"<strong>{worker}</strong>, staff member at Children&#x27;s Social Care" in body
    assert "because you agreed to share with them" in body


def test_a_small_download_is_ready_at_once(client, world):
    client.force_login(world.jade_user)
    page = client.post(reverse("portal:data"), follow=True).content.decode()
    assert "Your data is ready" in page
    export = DataExport.objects.get()
    data = client.get(reverse("portal:data_export_json", args=[export.pk])).json()
    assert data["person"]["given_name"] == "Jade"
    assert {c["summary"] for c in data["contacts"]} == {"JADE-POLICE-CONTACT", "JADE-SCHOOL-CONTACT"}
    assert data["records_kept_back"] == 1
    assert [g["agency"] for g in data["consents"]] == ["Children's Social Care"]


def test_a_large_download_is_built_by_a_task_with_progress_shown(
    client, world, settings, django_capture_on_commit_callbacks
):
    settings.DATA_EXPORT_INLINE_LIMIT = 0
    client.force_login(world.jade_user)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(reverse("portal:data"), follow=True)
    body = response.content.decode()
    assert "We are getting your data ready" in body
    assert "0% done" in body
    assert 'hx-trigger="every 2s"' in body
    export = DataExport.objects.get()
    # Asking again while it is being made gives the same one.
    client.post(reverse("portal:data"))
    assert DataExport.objects.count() == 1
    assert client.get(reverse("portal:data_export_json", args=[export.pk])).status_code == 302

    assert len(callbacks) == 1  # the Celery task, sent once the request commits
    assert build_data_export(export.pk) == "ready"  # the task body, as the worker runs it
    partial = client.get(reverse("portal:data_export", args=[export.pk]), headers={"HX-Request": "true"})
    assert "Your data is ready" in partial.content.decode()
    assert "<html" not in partial.content.decode()
    export.refresh_from_db()
    assert export.status == ExportStatus.READY and export.progress == 100
    assert build_data_export(export.pk) == "ready"  # idempotent
    assert build_data_export(999999) is None  # quiet when gone


def test_a_stuck_download_says_so_and_asking_again_makes_it(
    client, world, settings, django_capture_on_commit_callbacks
):
    """Issue 14: its worker died (or the queue lost it): the page says so plainly, and asking
    again queues it again instead of returning the stuck one for ever."""
    settings.DATA_EXPORT_INLINE_LIMIT = 0
    client.force_login(world.jade_user)
    with django_capture_on_commit_callbacks(execute=False):
        client.post(reverse("portal:data"))
    export = DataExport.objects.get()
    DataExport.objects.filter(pk=export.pk).update(
        status=ExportStatus.RUNNING, progress=40, requested_at=timezone.now() - timedelta(hours=1)
    )
    page = client.get(reverse("portal:data_export", args=[export.pk])).content.decode()
    assert "This is taking longer than it should" in page
    assert "Ask again" in page
    assert "hx-trigger" not in page
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        page = client.post(reverse("portal:data"), follow=True).content.decode()
    assert "We are getting your data ready" in page
    assert len(callbacks) == 1  # queued again
    assert DataExport.objects.get().status == ExportStatus.READY  # the same export, made


def test_a_citizen_raises_a_concern_and_follows_its_answer(client, world, django_capture_on_commit_callbacks):
    client.force_login(world.jade_user)
    empty = client.post(reverse("portal:concern_new"), {"about_agency": "", "text": ""})
    assert "Choose the agency your concern is about" in empty.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("portal:concern_new"),
            {"about_agency": world.police.pk, "text": "The officer came at midnight and woke the children."},
            follow=True,
        )
    body = response.content.decode()
    assert "Your concern is sent to County Police" in body
    assert "Waiting for a manager to read it" in body
    concern = world.jade.concerns.get()

    manager = staff_user(world.police, "manager")
    concern_acknowledge(concern=concern, actor=manager)
    assert "is looking into it" in client.get(reverse("portal:concern", args=[concern.pk])).content.decode()
    concern_respond(
        concern=concern, response="We are sorry. Visits will be in the day from now on.", actor=manager
    )
    page = client.get(reverse("portal:concern", args=[concern.pk])).content.decode()
    assert "Answered." in page
    assert "Visits will be in the day from now on." in page
    assert "Responded" in client.get(reverse("portal:concerns")).content.decode()


def test_the_portal_reads_check_the_person_they_are_given(world):
    """A person handed to a portal read is checked against the signed-in citizen: her child's
    pages open, her partner's (an adult with his own record) read as missing."""
    reads = (
        portal_selectors.who_looked,
        portal_selectors.details_history,
        portal_selectors.my_corrections,
        portal_selectors.my_exports,
        portal_selectors.my_consent_choices,
    )
    child = portal_selectors.my_person(user=world.jade_user, person_id=world.liam.pk)
    for read in reads:
        read(user=world.jade_user, person=child)
        with pytest.raises(Http404):
            read(user=world.jade_user, person=world.daniel)
