"""Emergency (break-glass) access: a reason, a time limit, an email to managers, a review, and
an entry the citizen can read in their access log."""

import pytest
from django.core import mail
from django.test import override_settings

from agencies.models import Role
from consent.models import AccessLog, BreakGlass
from tests.factories import AgencyFactory, ContactFactory, PersonFactory, UserFactory, staff_user

pytestmark = pytest.mark.django_db
REASON = "The child was brought to hospital at night and we need to know who has parental responsibility."


@pytest.fixture
def world():
    agency, other = AgencyFactory(), AgencyFactory()
    person = PersonFactory()
    ContactFactory(agency=agency, persons=[person], summary="Our own contact")
    ContactFactory(agency=other, persons=[person], summary="Another agency's contact")
    staff = staff_user(agency)
    manager = staff_user(agency, Role.MANAGER)
    manager.email = "manager@example.invalid"
    manager.save()
    return agency, person, staff, manager


def test_opening_shows_everything_emails_managers_and_is_logged(
    client, world, django_capture_on_commit_callbacks
):
    agency, person, staff, _manager = world
    client.force_login(staff)
    assert "Another agency" not in client.get(f"/people/{person.pk}/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/people/{person.pk}/emergency-access/", {"reason": REASON, "hours": 2})
    assert response.status_code == 302
    page = client.get(f"/people/{person.pk}/").content.decode()
    assert "Another agency&#x27;s contact" in page
    assert "Emergency access" in page
    assert [m.to for m in mail.outbox] == [["manager@example.invalid"]]
    assert REASON in mail.outbox[0].body
    glass = BreakGlass.objects.get()
    assert (glass.expires_at - glass.opened_at).total_seconds() == 2 * 3600
    before, opened, after = AccessLog.objects.filter(subject=person).order_by("id")
    assert before.bases == [{"kind": "own_agency", "ref": agency.pk}]
    assert opened.bases == [{"kind": "break_glass", "ref": glass.pk}]
    assert opened.shown.startswith("Opened emergency access")
    assert after.bases == [{"kind": "break_glass", "ref": glass.pk}]


def test_a_word_is_not_a_reason(client, world):
    _, person, staff, _ = world
    client.force_login(staff)
    response = client.post(f"/people/{person.pk}/emergency-access/", {"reason": "urgent", "hours": 1})
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert not BreakGlass.objects.exists()


@override_settings(BREAK_GLASS_HOURS=4)
def test_the_api_caps_the_hours_and_hides_unknown_people(world):
    from rest_framework.test import APIClient

    _, person, staff, _ = world
    client = APIClient()
    client.force_authenticate(staff)
    too_long = client.post(
        f"/api/v1/persons/{person.pk}/break-glass/", {"reason": REASON, "hours": 9}, format="json"
    )
    assert too_long.status_code == 400
    assert "hours" in too_long.json()
    made = client.post(f"/api/v1/persons/{person.pk}/break-glass/", {"reason": REASON}, format="json")
    assert made.status_code == 201
    assert "expires_at" in made.json()
    stranger = PersonFactory()
    assert client.post(f"/api/v1/persons/{stranger.pk}/break-glass/", {"reason": REASON}).status_code == 404


def test_a_manager_reviews_in_the_queue(client, world):
    from consent.services import break_glass_open

    _agency, person, staff, manager = world
    glass = break_glass_open(subject=person, reason=REASON, actor=staff)
    client.force_login(manager)
    queue = client.get("/emergency-access/reviews/").content.decode()
    assert REASON in queue
    missing_note = client.post(f"/emergency-access/{glass.pk}/review/", {"status": "not_justified"})
    assert "Write a note" in missing_note.content.decode()
    client.post(f"/emergency-access/{glass.pk}/review/", {"status": "not_justified", "note": "No emergency."})
    glass.refresh_from_db()
    assert glass.review_status == "not_justified"
    assert REASON not in client.get("/emergency-access/reviews/").content.decode()
    # Another agency's manager and plain staff have no queue to see.
    client.force_login(staff_user(AgencyFactory(), Role.MANAGER))
    assert client.get(f"/emergency-access/{glass.pk}/review/").status_code == 404
    client.force_login(staff)
    assert client.get("/emergency-access/reviews/").status_code == 404
    client.force_login(UserFactory())
    assert client.get("/emergency-access/reviews/").status_code == 404
