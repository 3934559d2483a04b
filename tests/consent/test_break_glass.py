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


# Rule 5 with rule 10: a person found only by an exact identifier -------------------------

NHS_NUMBER = "9434765919"


@pytest.fixture
def found_by_identifier():
    """A person another agency knows, whom this agency has only found by NHS number."""
    from journeys.models import PersonIdentifier

    stranger = PersonFactory(given_name="Linnea", family_name="Vance")
    ContactFactory(persons=[stranger], summary="Another agency's contact")
    PersonIdentifier.objects.create(person=stranger, scheme="nhs_number", value=NHS_NUMBER)
    return stranger, staff_user(AgencyFactory())


def test_the_api_opens_emergency_access_to_a_person_found_by_exact_identifier(found_by_identifier):
    from rest_framework.test import APIClient

    stranger, staff = found_by_identifier
    client = APIClient()
    client.force_authenticate(staff)
    url = f"/api/v1/persons/{stranger.pk}/break-glass/"
    assert client.post(url, {"reason": REASON}, format="json").status_code == 404
    other = PersonFactory()
    wrong_pair = {"reason": REASON, "identifier": {"scheme": "nhs_number", "value": NHS_NUMBER}}
    assert (
        client.post(f"/api/v1/persons/{other.pk}/break-glass/", wrong_pair, format="json").status_code == 404
    )
    wrong_scheme = {"reason": REASON, "identifier": {"scheme": "upn", "value": NHS_NUMBER}}
    assert client.post(url, wrong_scheme, format="json").status_code == 404
    assert not BreakGlass.objects.exists()

    spaced = {"reason": REASON, "identifier": {"scheme": "nhs_number", "value": "943 476 5919"}}
    made = client.post(url, spaced, format="json")
    assert made.status_code == 201 and "expires_at" in made.json()
    contacts = client.get(f"/api/v1/persons/{stranger.pk}/record/").json()["contacts"]
    assert [c["summary"] for c in contacts] == ["Another agency's contact"]


def test_the_search_result_leads_to_the_emergency_access_page(client, found_by_identifier):
    stranger, staff = found_by_identifier
    client.force_login(staff)
    results = client.get("/people/", {"q": NHS_NUMBER}).content.decode()
    link = f"/people/{stranger.pk}/emergency-access/?scheme=nhs_number&value={NHS_NUMBER}"
    assert link.replace("&", "&amp;") in results
    assert client.get(f"/people/{stranger.pk}/emergency-access/").status_code == 404
    assert "Open emergency access" in client.get(link).content.decode()
    response = client.post(link, {"reason": REASON, "hours": 1, "scheme": "nhs_number", "value": NHS_NUMBER})
    assert response.status_code == 302
    assert "Another agency&#x27;s contact" in client.get(f"/people/{stranger.pk}/").content.decode()


# Never unreviewed: information governance when no other manager can be told ---------------


@override_settings(INFORMATION_GOVERNANCE_EMAIL="ig@example.invalid")
@pytest.mark.parametrize("opener", ["staff", "only_manager"])
def test_without_another_manager_information_governance_is_told_and_reviews(
    client, opener, django_capture_on_commit_callbacks
):
    from consent.services import break_glass_open

    agency = AgencyFactory()
    person = PersonFactory(registered_by=agency)
    if opener == "staff":
        staff_user(agency, Role.MANAGER)  # a manager without an email cannot be told
        actor = staff_user(agency)
    else:
        actor = staff_user(agency, Role.MANAGER)
        actor.email = "only-manager@example.invalid"
        actor.save()
    governance = staff_user(AgencyFactory(code="county"), Role.INFORMATION_GOVERNANCE)
    governance.email = "governance.officer@example.invalid"
    governance.save()
    with django_capture_on_commit_callbacks(execute=True):
        glass = break_glass_open(subject=person, reason=REASON, actor=actor)
    assert [sorted(m.to) for m in mail.outbox] == [
        ["governance.officer@example.invalid", "ig@example.invalid"]
    ]
    assert "Information governance" in mail.outbox[0].body

    client.force_login(governance)
    assert "Emergency access reviews" in client.get("/").content.decode()
    queue = client.get("/emergency-access/reviews/").content.decode()
    assert REASON in queue and "No manager to review" in queue
    assert client.get(f"/people/{person.pk}/").status_code == 404  # reviews, never reads records
    client.post(f"/emergency-access/{glass.pk}/review/", {"status": "justified", "note": "A real emergency."})
    glass.refresh_from_db()
    assert (glass.review_status, glass.reviewed_by) == ("justified", governance)


def test_information_governance_reviews_only_what_no_manager_could(client, world):
    from consent.services import break_glass_open

    _agency, person, staff, _manager = world
    glass = break_glass_open(subject=person, reason=REASON, actor=staff)
    assert glass.for_governance is False
    client.force_login(staff_user(AgencyFactory(), Role.INFORMATION_GOVERNANCE))
    assert REASON not in client.get("/emergency-access/reviews/").content.decode()
    assert client.get(f"/emergency-access/{glass.pk}/review/").status_code == 404


def test_bad_break_glass_input_is_a_400_only_for_a_person_the_caller_may_open(found_by_identifier):
    from rest_framework.test import APIClient

    stranger, staff = found_by_identifier
    client = APIClient()
    client.force_authenticate(staff)
    url = f"/api/v1/persons/{stranger.pk}/break-glass/"
    assert client.post(url, [1, 2], format="json").status_code == 404
    assert client.post(url, {"identifier": "x"}, format="json").status_code == 404
    short = {"reason": "urgent", "identifier": {"scheme": "nhs_number", "value": NHS_NUMBER}}
    assert client.post(url, short, format="json").status_code == 400
    assert client.post(
        url, {"identifier": {"scheme": "nhs_number", "value": NHS_NUMBER}}, format="json"
    ).json()["reason"]
