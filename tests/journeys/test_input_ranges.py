"""Bad input is a 400, never a 500 or a stored absurdity (issue 11, item 10): every date has a
range, the database refuses what is outside its outer bounds, rows that are already bad still
render, and malformed ids are a 404."""

from contextlib import contextmanager
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from advocates import services as advocate_services
from agencies.models import Role, Sector
from consent.models import ConsentGrant
from journeys.models import Assessment, Contact, Membership, Person
from tests.factories import (
    AgencyFactory,
    AssessmentFactory,
    AssessmentTypeFactory,
    ConsentGrantFactory,
    ContactFactory,
    ContactTypeFactory,
    FamilyFactory,
    MembershipFactory,
    PersonFactory,
    QuestionFactory,
    UserFactory,
    advocate_user,
    staff_user,
)

pytestmark = pytest.mark.django_db

# As the API stored them before the ranges: "0001-01-01T00:00:00" and "9999-12-31T23:59:59" in
# the local time zone.
LONDON = ZoneInfo("Europe/London")
YEAR_1 = datetime(1, 1, 1, tzinfo=LONDON)
YEAR_9999 = datetime(9999, 12, 31, 23, 59, 59, tzinfo=LONDON)


@contextmanager
def stored_before_the_checks():
    """Write rows as an older release could, before the database checked date ranges: SQLite
    is told to ignore CHECK constraints; PostgreSQL drops the range checks inside the test's
    own transaction, which is rolled back afterwards."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA ignore_check_constraints = ON")
        else:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending checks block ALTER TABLE
            for table, name in [
                ("journeys_person", "person_born_in_range"),
                ("journeys_contact", "contact_occurred_in_range"),
                ("journeys_assessment", "assessment_dates_in_range"),
                ("journeys_membership", "membership_dates_in_range"),
                ("consent_consentgrant", "grant_dates_in_range"),
            ]:
                cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
    try:
        yield
    finally:
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA ignore_check_constraints = OFF")


# Dates outside their range are refused with field errors ------------------------------------


@pytest.fixture
def staff():
    return staff_user(AgencyFactory(code="gp", name="Riverside GP"))


def _person_body(date_of_birth):
    return {"given_name": "Ann", "family_name": "Example", "date_of_birth": date_of_birth}


@pytest.mark.parametrize("born", ["2999-01-01", "1700-01-01", "0001-01-01"])
def test_a_date_of_birth_out_of_range_is_a_400_naming_the_field(api, staff, born):
    response = api.as_user(staff).post("/api/v1/persons/", _person_body(born), format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["date_of_birth"]
    assert not Person.objects.exists()


def test_a_date_of_birth_tomorrow_is_refused_and_today_accepted(api, staff):
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    refused = api.as_user(staff).post("/api/v1/persons/", _person_body(tomorrow), format="json")
    assert refused.status_code == 400
    assert "today or in the past" in refused.json()["date_of_birth"][0]
    today = api.as_user(staff).post("/api/v1/persons/", _person_body(timezone.localdate().isoformat()))
    assert today.status_code == 201


def _contact_body(person, occurred_at):
    return {
        "persons": [person.pk],
        "contact_type": ContactTypeFactory(code="visit").code,
        "occurred_at": occurred_at,
        "channel": "phone",
        "summary": "Talked about sleep.",
    }


@pytest.mark.parametrize(
    "when",
    ["9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z", "0001-01-01T00:00:00+05:00", "1989-12-31T12:00:00Z"],
)
def test_a_contact_in_year_9999_or_year_1_is_a_400(api, staff, when):
    person = PersonFactory(registered_by=staff.staff_membership.agency)
    response = api.as_user(staff).post("/api/v1/contacts/", _contact_body(person, when), format="json")
    assert response.status_code == 400
    assert "occurred_at" in response.json()
    assert not Contact.objects.exists()


def test_a_future_contact_is_refused_but_a_clock_a_minute_ahead_is_not(api, staff):
    person = PersonFactory(registered_by=staff.staff_membership.agency)
    client = api.as_user(staff)
    tomorrow = (timezone.now() + timedelta(days=1)).isoformat()
    refused = client.post("/api/v1/contacts/", _contact_body(person, tomorrow), format="json")
    assert refused.status_code == 400
    assert "today or in the past" in refused.json()["occurred_at"][0]
    skewed = (timezone.now() + timedelta(minutes=1)).isoformat()
    assert client.post("/api/v1/contacts/", _contact_body(person, skewed), format="json").status_code == 201


def test_a_batch_names_the_item_with_the_bad_date_and_saves_nothing(api, staff):
    person = PersonFactory(registered_by=staff.staff_membership.agency)
    good = _contact_body(person, (timezone.now() - timedelta(days=1)).isoformat())
    bad = {**good, "occurred_at": "9999-01-01T00:00:00Z"}
    response = api.as_user(staff).post("/api/v1/contacts/", [good, bad], format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["1"]
    assert "occurred_at" in response.json()["1"]
    assert not Contact.objects.exists()


def test_an_empty_batch_is_a_400_with_a_clear_message(api, staff):
    response = api.as_user(staff).post("/api/v1/contacts/", [], format="json")
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Send at least one contact: the list is empty."]}


@pytest.mark.parametrize("field", ["completed_at", "started_at"])
@pytest.mark.parametrize("when", ["9999-06-01T10:00:00Z", "0001-01-01T00:00:00Z"])
def test_an_assessment_in_year_9999_or_year_1_is_a_400(api, staff, field, when):
    agency = staff.staff_membership.agency
    question = QuestionFactory(code="sleep")
    kind = AssessmentTypeFactory(agency=agency, questions=[question])
    body = {
        "assessment_type": kind.pk,
        "subject_person": PersonFactory(registered_by=agency).pk,
        "completed_at": (timezone.now() - timedelta(hours=1)).isoformat(),
        "answers": [{"question": "sleep", "value": "Poor"}],
        field: when,
    }
    response = api.as_user(staff).post("/api/v1/assessments/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Assessment.objects.exists()


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"valid_from": "9999-01-01T00:00:00Z"}, "valid_from"),
        ({"valid_from": "0001-01-01T00:00:00Z"}, "valid_from"),
        ({"expires_at": "9999-01-01T00:00:00Z"}, "expires_at"),
        ({"expires_at": "2000-01-01T00:00:00Z"}, "expires_at"),
    ],
)
def test_a_consent_starting_or_ending_in_9999_is_a_400(api, staff, extra, field):
    person = PersonFactory(registered_by=staff.staff_membership.agency)
    body = {
        "subject": person.pk,
        "agency": staff.staff_membership.agency_id,
        "categories": ["contacts"],
        "method": "in_person",
        **extra,
    }
    response = api.as_user(staff).post("/api/v1/consents/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not ConsentGrant.objects.exists()


def test_a_consent_may_run_for_five_years_but_not_longer(api, staff):
    person = PersonFactory(registered_by=staff.staff_membership.agency)
    body = {
        "subject": person.pk,
        "agency": staff.staff_membership.agency_id,
        "categories": ["contacts"],
        "method": "in_person",
    }
    client = api.as_user(staff)
    longer = (timezone.now() + timedelta(days=6 * 365)).isoformat()
    refused = client.post("/api/v1/consents/", {**body, "expires_at": longer}, format="json")
    assert "at most 5 years" in refused.json()["expires_at"][0]
    four = (timezone.now() + timedelta(days=4 * 365)).isoformat()
    assert client.post("/api/v1/consents/", {**body, "expires_at": four}, format="json").status_code == 201


def test_the_duplicate_flag_filter_refuses_a_day_the_database_cannot_hold(api):
    manager = staff_user(AgencyFactory(), Role.MANAGER)
    response = api.as_user(manager).get("/api/v1/duplicate-flags/?date_to=9999-12-31")
    assert response.status_code == 400
    assert "date_to" in response.json()


# Pages: the GOV.UK error summary names the date ---------------------------------------------


@pytest.fixture
def caseload():
    advocacy = AgencyFactory(code="advocacy", name="Family Advocacy Service", sector=Sector.ADVOCACY)
    manager = staff_user(advocacy, Role.MANAGER)
    advocate = advocate_user(advocacy)
    gp = AgencyFactory(code="gp", name="Riverside GP")
    family = FamilyFactory(label="The Test family")
    mum = MembershipFactory(family=family, person__given_name="Jade", person__family_name="Tester").person
    ConsentGrantFactory(subject=mum, agency=advocacy, categories=["contacts", "assessments", "notes"])
    advocate_services.assignment_start(
        advocate=advocate, family=family, actor=manager, started=timezone.localdate() - timedelta(days=60)
    )
    return {"advocate": advocate, "family": family, "mum": mum, "gp": gp, "visit": ContactTypeFactory()}


@pytest.mark.parametrize("when", ["9999-12-31T10:00", "1066-10-14T09:00"])
def test_the_advocate_contact_form_refuses_a_date_out_of_range(client, caseload, when):
    client.force_login(caseload["advocate"])
    response = client.post(
        f"/caseload/families/{caseload['family'].pk}/contacts/new/",
        {
            "agency": caseload["gp"].pk,
            "persons": [caseload["mum"].pk],
            "occurred_at": when,
            "contact_type": caseload["visit"].pk,
            "channel": "phone",
            "summary": "Went to the GP about sleep.",
            "demand_type": "value",
        },
    )
    assert response.status_code in (200, 400)
    page = response.content.decode()
    assert "There is a problem" in page
    assert 'href="#id_occurred_at"' in page
    assert not Contact.objects.exists()


def test_the_conference_form_refuses_a_meeting_in_9999(client, caseload):
    client.force_login(caseload["advocate"])
    response = client.post(
        f"/caseload/families/{caseload['family'].pk}/conferences/new/",
        {"held_at": "9999-01-01T10:00", "place": "Family centre", "members": [caseload["mum"].pk]},
    )
    page = response.content.decode()
    assert "There is a problem" in page
    assert "no more than 2 years from now" in page


def test_the_consent_form_refuses_a_start_date_in_9999(client, staff):
    person = PersonFactory(registered_by=staff.staff_membership.agency, date_of_birth=date(1980, 1, 1))
    client.force_login(staff)
    response = client.post(
        f"/people/{person.pk}/consent/new/",
        {
            "agencies": [staff.staff_membership.agency_id],
            "categories": ["contacts"],
            "labels": ["general"],
            "given_by": person.pk,
            "method": "in_person",
            "valid_from": "31/12/9999",
        },
    )
    page = response.content.decode()
    assert "There is a problem" in page
    assert "Consent can start at most a year from now" in page
    assert not ConsentGrant.objects.exists()


# The database refuses absurdities from any path ----------------------------------------------


def test_the_database_refuses_a_contact_in_year_9999():
    contact = ContactFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Contact.objects.filter(pk=contact.pk).update(occurred_at=YEAR_9999)


def test_the_database_refuses_a_date_of_birth_in_2999():
    person = PersonFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.filter(pk=person.pk).update(date_of_birth=date(2999, 1, 1))


# Rows stored before the ranges still render --------------------------------------------------


@pytest.fixture
def bad_rows(caseload):
    """A family whose record holds every absurd date an older release let in."""
    gp, mum, family = caseload["gp"], caseload["mum"], caseload["family"]
    citizen = UserFactory(username="jade@example.invalid")
    Person.objects.filter(pk=mum.pk).update(user=citizen)
    child = MembershipFactory(family=family, relationship="child", parental_responsibility=False).person
    ConsentGrantFactory(subject=mum, agency=gp, categories=["contacts", "assessments", "notes"])
    kind = AssessmentTypeFactory(agency=gp, name="Sleep check", questions=[QuestionFactory(code="sleep")])
    future = ContactFactory(agency=gp, persons=[mum, child], family=family, summary="YEAR-9999-CONTACT")
    past = ContactFactory(agency=gp, persons=[mum], family=family, summary="YEAR-1-CONTACT")
    assessed = AssessmentFactory(assessment_type=kind, subject_person=mum)
    grant = ConsentGrantFactory(subject=child, agency=gp, given_by=mum)
    with stored_before_the_checks():
        Contact.objects.filter(pk=future.pk).update(occurred_at=YEAR_9999)
        Contact.objects.filter(pk=past.pk).update(occurred_at=YEAR_1)
        Assessment.objects.filter(pk=assessed.pk).update(completed_at=YEAR_1, started_at=YEAR_1)
        Person.objects.filter(pk=child.pk).update(date_of_birth=date(2999, 1, 1))
        Membership.objects.filter(person=child).update(started=date(1, 1, 1))
        ConsentGrant.objects.filter(pk=grant.pk).update(valid_from=YEAR_1, expires_at=YEAR_9999)
    gp_staff = staff_user(gp)
    manager = staff_user(gp, Role.MANAGER)
    return {
        **caseload,
        "citizen": citizen,
        "child": child,
        "kind": kind,
        "gp_staff": gp_staff,
        "grant": grant,
        "manager": manager,
    }


def _pages(rows):
    mum, child, family, grant = rows["mum"].pk, rows["child"].pk, rows["family"].pk, rows["grant"].pk
    return {
        "gp_staff": [
            f"/people/?q={rows['child'].family_name}",
            f"/consents/{grant}/",
            f"/people/{mum}/",
            f"/people/{child}/",
            f"/families/{family}/",
            f"/assessments/new/?person={mum}&type={rows['kind'].pk}",
            f"/people/{mum}/consent/new/",
            f"/api/v1/persons/{mum}/record/",
            f"/api/v1/persons/{child}/record/",
            f"/api/v1/persons/{child}/",
            f"/api/v1/families/{family}/",
            "/api/v1/contacts/",
            "/api/v1/assessments/",
            "/api/v1/consents/",
        ],
        "advocate": [
            "/caseload/",
            f"/caseload/families/{family}/",
            f"/caseload/families/{family}/contacts/new/",
            f"/caseload/families/{family}/conferences/new/",
        ],
        "citizen": [
            "/my/",
            "/my/journey/",
            f"/my/journey/{child}/",
            "/my/consents/",
            f"/my/consents/receipt/{grant}/",
            f"/my/consents/receipt/{grant}/renew/",
            f"/my/consents/receipt/{grant}/stop/",
            f"/my/consents/{child}/",
            "/my/who-looked/",
            "/my/details/",
            "/my/data/",
            "/api/v1/me/record/",
            "/api/v1/me/consents/",
            "/api/v1/me/access-log/",
        ],
        "manager": ["/duplicates/", "/duplicates/review/", "/api/v1/duplicate-flags/"],
    }


def test_every_page_renders_rows_stored_with_absurd_dates(client, bad_rows):
    failures = []
    for who, urls in _pages(bad_rows).items():
        client.force_login(bad_rows[who])
        for url in urls:
            response = client.get(url)
            if response.status_code != 200:
                failures.append((who, url, response.status_code))
    assert failures == []


def test_the_record_shows_the_absurd_rows_as_they_are(client, bad_rows):
    client.force_login(bad_rows["gp_staff"])
    page = client.get(f"/people/{bad_rows['mum'].pk}/").content.decode()
    assert "YEAR-9999-CONTACT" in page
    assert "YEAR-1-CONTACT" in page


# Malformed ids are a 404 --------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/families/null,null/",
        "/api/v1/families/1e20/",
        "/api/v1/families/-1/",
        "/api/v1/families/99999999999999999999999999/",
        "/api/v1/persons/null/record/",
        "/api/v1/persons/1e20/",
        "/api/v1/consents/null,null/",
        "/api/v1/agencies/1e20/",
        "/people/99999999999999999999999999/",
    ],
)
def test_a_malformed_id_is_a_404(client, staff, url):
    client.force_login(staff)
    assert client.get(url).status_code == 404


def test_break_glass_on_a_malformed_id_is_a_404(api, staff):
    url = "/api/v1/persons/99999999999999999999999999/break-glass/"
    reason = "A child was found alone at home and we need to know who cares for them."
    assert api.as_user(staff).post(url, {"reason": reason}, format="json").status_code == 404


def test_a_citizen_downloads_and_renews_a_record_holding_absurd_dates(client, bad_rows):
    client.force_login(bad_rows["citizen"])
    export = client.post("/my/data/", follow=True)
    assert export.status_code == 200
    for suffix in ("", "print/", "download/"):
        assert client.get(export.redirect_chain[-1][0] + suffix).status_code == 200
    renewed = client.post(f"/my/consents/receipt/{bad_rows['grant'].pk}/renew/", follow=True)
    assert renewed.status_code == 200


# The services refuse the same ranges for every other path (commands, imports, demo data) ------


def test_the_contact_service_refuses_year_9999_with_a_field_error(staff):
    from django.core.exceptions import ValidationError

    from journeys import services

    agency = staff.staff_membership.agency
    with pytest.raises(ValidationError) as refused:
        services.contact_record(
            agency=agency,
            persons=[PersonFactory(registered_by=agency)],
            contact_type=ContactTypeFactory(),
            occurred_at=YEAR_9999,
            channel="phone",
            summary="Sent by a system with a broken clock.",
            actor=staff,
        )
    assert "occurred_at" in refused.value.message_dict


def test_the_consent_service_refuses_a_start_in_9999_without_overflowing(staff):
    from django.core.exceptions import ValidationError

    from consent import services

    person = PersonFactory(registered_by=staff.staff_membership.agency)
    with pytest.raises(ValidationError) as refused:
        services.consent_grant(
            subject=person,
            agency=staff.staff_membership.agency,
            categories=["contacts"],
            method="in_person",
            valid_from=YEAR_9999,
            actor=staff,
        )
    assert list(refused.value.message_dict) == ["valid_from"]


def test_a_citizen_cannot_ask_to_correct_their_date_of_birth_to_1700():
    from django.core.exceptions import ValidationError

    from portal import services as portal_services

    citizen = UserFactory(username="ann@example.invalid")
    person = PersonFactory(user=citizen, registered_by=AgencyFactory())
    with pytest.raises(ValidationError) as refused:
        portal_services.correction_request(
            person=person, field="date_of_birth", requested_value=date(1700, 1, 1), actor=citizen
        )
    assert "on or after 1 January 1900" in refused.value.message_dict["requested_value"][0]


def test_the_person_service_refuses_a_date_of_birth_in_2999_even_as_text(staff):
    from django.core.exceptions import ValidationError

    from journeys import services

    with pytest.raises(ValidationError) as refused:
        services.person_create(
            given_name="Ann", family_name="Example", date_of_birth="2999-01-01", actor=staff
        )
    assert list(refused.value.message_dict) == ["date_of_birth"]
    assert not Person.objects.exists()
