"""The advocate's pages as a user meets them: caseload, journey, logging a contact, conferences,
concerns, assignments; consent decides what shows; fixed queries whatever the record's size."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from advocates import services
from agencies.models import Role, Sector
from concerns.models import Concern
from consent.models import AccessLog
from journeys.models import Contact, RecordedVia
from tests.factories import (
    AgencyFactory,
    AssessmentFactory,
    AssessmentTypeFactory,
    ConsentGrantFactory,
    ContactFactory,
    ContactTypeFactory,
    FamilyFactory,
    MembershipFactory,
    advocate_user,
    staff_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def case():
    advocacy = AgencyFactory(code="advocacy", name="Family Advocacy Service", sector=Sector.ADVOCACY)
    manager = staff_user(advocacy, Role.MANAGER)
    advocate = advocate_user(advocacy)
    gp = AgencyFactory(code="gp", name="Riverside GP")
    police = AgencyFactory(code="police", name="County Police")
    family = FamilyFactory(label="The Test family")
    mum = MembershipFactory(family=family, person__given_name="Jade", person__family_name="Tester").person
    child = MembershipFactory(
        family=family,
        relationship="child",
        parental_responsibility=False,
        person__given_name="Liam",
        person__family_name="Tester",
        # Young enough for his mother's consent to stand (rule 4).
        person__date_of_birth=timezone.localdate() - timedelta(days=8 * 365),
    ).person
    uncle = MembershipFactory(
        family=family, relationship="other", person__given_name="Dev", person__family_name="Quiet"
    ).person
    ConsentGrantFactory(subject=mum, agency=advocacy, categories=["contacts", "assessments", "notes"])
    ConsentGrantFactory(subject=child, agency=advocacy, given_by=mum)
    services.assignment_start(
        advocate=advocate, family=family, actor=manager, started=timezone.localdate() - timedelta(days=60)
    )
    gp_visit = ContactTypeFactory(code="gp_appointment", label="GP appointment")
    return locals()


def _contacts(case, n, person_key="mum", agency_key="gp", summary="Seen about sleep."):
    for i in range(n):
        ContactFactory(
            agency=case[agency_key],
            contact_type=case["gp_visit"],
            persons=[case[person_key]],
            family=case["family"],
            occurred_at=timezone.now() - timedelta(days=1 + i % 700, minutes=i),
            summary=summary,
        )


def test_caseload_lists_the_family_with_its_consent_gap(client, case):
    _contacts(case, 3)
    client.force_login(case["advocate"])
    page = client.get(reverse("advocates:caseload")).content.decode()
    assert "The Test family" in page
    # Rule 3: a member who has not agreed to share is only a count, never a name or a birthday.
    assert "A family member who has not agreed to share" in page
    assert "Dev Quiet" not in page and "Quiet" not in page
    assert client.get(reverse("advocates:caseload"), {"sort": "nonsense"}).status_code == 200


def test_empty_caseload_says_what_to_do(client):
    advocate = advocate_user(AgencyFactory(code="advocacy", sector=Sector.ADVOCACY))
    client.force_login(advocate)
    page = client.get(reverse("advocates:caseload")).content.decode()
    assert "Ask a manager of the advocacy service to assign you a family" in page


def test_caseload_queries_do_not_grow_with_families(client, case):
    client.force_login(case["advocate"])
    _contacts(case, 2)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("advocates:caseload"))
    for _ in range(4):
        family = FamilyFactory()
        MembershipFactory(family=family)
        services.assignment_start(advocate=case["advocate"], family=family, actor=case["manager"])
    with CaptureQueriesContext(connection) as five:
        response = client.get(reverse("advocates:caseload"))
    assert response.content.decode().count('class="govuk-summary-card__title"') == 5
    assert len(five) == len(one)


def test_journey_leaves_out_what_the_viewer_may_not_see_without_a_trace(client, case):
    _contacts(case, 2, summary="Seen about sleep.")
    _contacts(case, 1, person_key="uncle", agency_key="police", summary="Uncle arrested secretly.")
    sensitive = ContactFactory(
        agency=case["gp"], persons=[case["mum"]], sensitivity="mental_health", summary="Private matter."
    )
    client.force_login(case["advocate"])
    page = client.get(reverse("advocates:journey", args=[case["family"].pk])).content.decode()
    assert "Seen about sleep." in page
    assert "Uncle arrested" not in page
    assert "County Police" not in page.split('id="map"')[1].split('id="cost"')[0]
    assert "Private matter." not in page
    assert f"contact={sensitive.pk}" not in page
    assert "2 contacts" in page
    # One access-log entry per member whose records were shown, with the basis.
    [entry] = AccessLog.objects.all()
    assert entry.subject == case["mum"]
    assert {"kind": "assignment", "ref": case["family"].assignments.get().pk} in entry.bases
    assert any(b["kind"] == "consent" for b in entry.bases)


def test_journey_map_is_an_accessible_svg(client, case):
    _contacts(case, 3)
    AssessmentFactory(
        subject_person=case["mum"],
        assessment_type=AssessmentTypeFactory(agency=case["gp"], name="Mood check"),
    )
    client.force_login(case["advocate"])
    page = client.get(reverse("advocates:journey", args=[case["family"].pk])).content.decode()
    svg = page[page.index("<svg xmlns") : page.index("</svg>", page.index("<svg xmlns"))]
    assert 'role="img"' in svg and 'aria-labelledby="journey-map-title journey-map-desc"' in svg
    assert "viewBox=" in svg and "style=" not in svg
    assert svg.count('class="app-map__contact"') == 3
    assert svg.count('class="app-map__assessment"') == 1
    assert "Advocate started" in svg
    assert 'id="map-table"' in page


def test_journey_queries_are_fixed_for_10_or_1000_contacts(client, case):
    client.force_login(case["advocate"])
    url = reverse("advocates:journey", args=[case["family"].pk])
    _contacts(case, 10)
    with CaptureQueriesContext(connection) as ten:
        assert client.get(url).status_code == 200
    _contacts(case, 990)
    with CaptureQueriesContext(connection) as thousand:
        response = client.get(url)
    assert "1000 contacts" in response.content.decode()
    assert len(thousand) == len(ten)


def test_timeline_filters_and_pages(client, case):
    _contacts(case, 30)
    ContactFactory(agency=case["advocacy"], persons=[case["child"]], summary="Liam's football.")
    client.force_login(case["advocate"])
    url = reverse("advocates:journey", args=[case["family"].pk])
    page = client.get(url, {"person": case["child"].pk}).content.decode()
    assert "Liam&#x27;s football." in page and "Seen about sleep." not in page
    page2 = client.get(url, {"page": 2}).content.decode()
    assert "Page 2 of 2" in page2
    bad = client.get(url, {"date_from": "not a date", "agency": "999999"})
    assert bad.status_code == 200
    assert "There is a problem" in bad.content.decode()


def test_logging_a_contact_reported_by_the_family(client, case):
    client.force_login(case["advocate"])
    url = reverse("advocates:contact_new", args=[case["family"].pk])
    form = client.get(url).content.decode()
    assert "Failure demand is caused by" in form
    response = client.post(
        url,
        {
            "agency": case["gp"].pk,
            "persons": [case["mum"].pk],
            "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "contact_type": case["gp_visit"].pk,
            "channel": "phone",
            "summary": "Jade says the GP changed her medication.",
            "demand_type": "value",
        },
    )
    assert response.status_code == 302
    contact = Contact.objects.get()
    assert (contact.agency, contact.recorded_via, contact.recorded_by) == (
        case["gp"],
        RecordedVia.ADVOCATE,
        case["advocate"],
    )
    journey = client.get(response["Location"]).content.decode()
    assert "Jade says the GP changed her medication." in journey
    assert "Reported via the advocate" in journey


def test_a_bad_contact_keeps_what_was_typed(client, case):
    client.force_login(case["advocate"])
    url = reverse("advocates:contact_new", args=[case["family"].pk])
    response = client.post(
        url,
        {
            "agency": case["gp"].pk,
            "occurred_at": "tomorrow",
            "contact_type": case["gp_visit"].pk,
            "channel": "phone",
            "summary": "Words I do not want to type again.",
            "demand_type": "failure",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page
    assert "Choose who the contact was with" in page
    assert "Enter a real date and time" in page
    assert "Words I do not want to type again." in page
    assert not Contact.objects.exists()


def test_same_again_copies_a_recent_contact(client, case):
    _contacts(case, 1, summary="Weekly check-in.")
    source = Contact.objects.get()
    client.force_login(case["advocate"])
    page = client.get(
        reverse("advocates:contact_new", args=[case["family"].pk]), {"same_as": source.pk}
    ).content.decode()
    assert "Weekly check-in." in page
    assert f'value="{case["gp"].pk}" selected' in page


def test_another_advocate_and_a_stranger_get_404(client, case):
    for user in (advocate_user(case["advocacy"]), staff_user(case["gp"])):
        client.force_login(user)
        assert client.get(reverse("advocates:journey", args=[case["family"].pk])).status_code == 404
        assert client.get(reverse("advocates:contact_new", args=[case["family"].pk])).status_code == 404
    client.force_login(case["advocate"])
    assert client.get(reverse("advocates:journey", args=[999999])).status_code == 404


def test_a_conference_without_the_family_shows_the_error_and_needs_a_reason(client, case):
    client.force_login(case["advocate"])
    url = reverse("advocates:conference_new", args=[case["family"].pk])
    held = (timezone.localtime() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(url, {"held_at": held, "place": "Family hub", "agenda": "Housing"})
    assert "Choose who from the family is attending, or say why nobody is" in response.content.decode()
    response = client.post(
        url,
        {
            "held_at": held,
            "place": "Family hub",
            "family_members": [case["mum"].pk],
            "agencies": [case["gp"].pk],
        },
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Jade Tester" in page and "Riverside GP" in page


def test_concern_from_the_journey_reaches_the_manager_queue(client, case):
    police_manager = staff_user(case["police"], Role.MANAGER)
    _contacts(case, 1, agency_key="police")
    contact = Contact.objects.get()
    client.force_login(case["advocate"])
    url = reverse("advocates:concern_new", args=[case["family"].pk])
    response = client.post(
        url, {"contact": contact.pk, "about_agency": case["police"].pk, "text": "Rude officer."}
    )
    assert response.status_code == 302
    concern = Concern.objects.get()
    assert concern.about_contact == contact
    client.force_login(police_manager)
    assert "Rude officer." in client.get(reverse("concerns:queue")).content.decode()
    client.post(reverse("concerns:detail", args=[concern.pk]), {"respond": "1", "response": "We apologise."})
    client.force_login(case["advocate"])
    page = client.get(reverse("advocates:journey", args=[case["family"].pk])).content.decode()
    assert "We apologise." in page and "Responded" in page


def test_advocacy_manager_assigns_and_ends(client, case):
    client.force_login(case["manager"])
    other = FamilyFactory(reference="REF-9")
    response = client.post(
        reverse("advocates:assignments"), {"reference": "ref-9", "advocate": case["advocate"].pk}
    )
    assert response.status_code == 302
    assignment = other.assignments.get()
    client.post(reverse("advocates:assignment_change", args=[assignment.pk]), {"end": "1"})
    client.force_login(case["advocate"])
    assert client.get(reverse("advocates:journey", args=[other.pk])).status_code == 404
    client.force_login(case["advocate"])
    assert client.get(reverse("advocates:assignments")).status_code == 404


def test_caseload_counts_open_flags_and_concerns_the_advocate_may_see(client, case):
    from duplicates.models import DuplicateFlag

    kind = AssessmentTypeFactory(agency=case["gp"])
    earlier = AssessmentFactory(subject_person=case["mum"], assessment_type=kind)
    later = AssessmentFactory(subject_person=case["mum"], assessment_type=kind)
    hidden_earlier = AssessmentFactory(subject_person=case["uncle"], assessment_type=kind)
    hidden_later = AssessmentFactory(subject_person=case["uncle"], assessment_type=kind)
    for a, b in ((earlier, later), (hidden_earlier, hidden_later)):
        DuplicateFlag.objects.create(
            earlier=a, later=b, asked_again_by=case["gp"], shared_count=5, days_apart=3, avoidable=True
        )
    from concerns.services import concern_raise

    concern_raise(
        about_agency=case["gp"],
        subject_family=case["family"],
        raised_via="advocate",
        text="x",
        actor=case["advocate"],
    )
    from advocates.selectors import caseload

    [row] = caseload(user=case["advocate"])
    assert (row.open_flags, row.open_concerns) == (1, 1)


def test_concern_queue_queries_do_not_grow(client, case):
    from concerns.services import concern_raise

    manager = staff_user(case["gp"], Role.MANAGER)
    client.force_login(manager)

    def raise_one():
        concern_raise(
            about_agency=case["gp"],
            subject_person=case["mum"],
            raised_via="advocate",
            text="Slow reply",
            actor=case["advocate"],
        )

    raise_one()
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("concerns:queue"))
    for _ in range(5):
        raise_one()
    with CaptureQueriesContext(connection) as six:
        page = client.get(reverse("concerns:queue")).content.decode()
    assert page.count("Slow reply") == 6
    assert len(six) == len(one)
    client.force_login(case["advocate"])
    assert client.get(reverse("concerns:queue")).status_code == 404


def test_the_contact_form_warns_about_members_who_have_not_agreed_to_share(client, case):
    client.force_login(case["advocate"])
    page = client.get(reverse("advocates:contact_new", args=[case["family"].pk])).content.decode()
    assert "A family member who has not agreed to share, so you cannot record contacts" in page
    assert "Dev Quiet" not in page
