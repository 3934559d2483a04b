"""The Django admin as the administrator meets it: configuration only. No case record, token
or log is listed; configuration that records use is not deleted, and the refusal names no
record; a citizen's account is out of the administrator's reach."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db.models import ProtectedError
from django.urls import reverse

from agencies.models import Agency, ContactType, StaffMembership
from journeys.models import Contact, Person
from tests.factories import (
    AgencyFactory,
    AnswerFactory,
    AssessmentFactory,
    AssignmentFactory,
    ConsentGrantFactory,
    ContactFactory,
    ContactTypeFactory,
    FamilyFactory,
    MembershipFactory,
    PersonFactory,
    UserFactory,
    staff_user,
)

pytestmark = pytest.mark.django_db

CONFIGURATION = {
    "agencies.agency",
    "agencies.staffmembership",
    "agencies.contacttype",
    "agencies.question",
    "agencies.assessmenttype",
    "agencies.unitcost",
    "auth.user",
    "auth.group",
    "django_celery_beat.periodictask",
    "django_celery_beat.clockedschedule",
    "django_celery_beat.crontabschedule",
    "django_celery_beat.solarschedule",
    "django_celery_beat.intervalschedule",
}
CASE_APPS = ("journeys", "advocates", "consent")
CASE_MODELS = sorted(
    model._meta.label_lower for label in CASE_APPS for model in apps.get_app_config(label).get_models()
)
NOT_CONFIGURATION = [*CASE_MODELS, "knox.authtoken", "agencies.apiclient", "axes.accessattempt",
                     "axes.accesslog", "axes.accessfailurelog"]  # fmt: skip


@pytest.fixture
def administrator(client):
    client.force_login(UserFactory(username="ada", is_staff=True, is_superuser=True))
    return client


def admin_url(label: str, view: str = "changelist", pk: int | None = None) -> str:
    app_label, model_name = label.split(".")
    suffix = {"changelist": "", "add": "add/"}.get(view) if pk is None else f"{pk}/{view}/"
    return f"/admin/{app_label}/{model_name}/{suffix}"


def test_the_admin_registers_configuration_only():
    assert {model._meta.label_lower for model in admin.site._registry} == CONFIGURATION


@pytest.mark.parametrize("label", NOT_CONFIGURATION)
def test_case_data_tokens_and_logs_have_no_admin_pages(administrator, label):
    for view in ("changelist", "add"):
        assert administrator.get(admin_url(label, view)).status_code == 404, (label, view)
    assert administrator.get(admin_url(label, "change", 1)).status_code == 404, label


def test_the_admin_index_offers_configuration_only(administrator):
    page = administrator.get(reverse("admin:index")).content.decode()
    assert "Agencies" in page and "Contact types" in page
    for absent in ("Families", "Assignments", "Access logs", "Tokens", "Access attempts"):
        assert absent not in page, absent


@pytest.fixture
def police_with_records():
    """An agency whose contact, consent grant and registered person name someone."""
    police = AgencyFactory(code="police", name="Police")
    person = PersonFactory(given_name="Zebedee", family_name="Quillfeather", registered_by=police)
    visit = ContactTypeFactory(code="home_visit", label="Home visit")
    ContactFactory(agency=police, contact_type=visit, persons=[person])
    ConsentGrantFactory(subject=person, agency=police)
    return police, person, visit


def test_deleting_an_agency_with_records_says_how_many_and_deletes_nothing(
    administrator, police_with_records
):
    police, person, _ = police_with_records
    url = admin_url("agencies.agency", "delete", police.pk)

    page = administrator.get(url).content.decode()
    assert "would require deleting the following protected related objects" in page
    for count in ("1 contact<", "1 consent grant<", "1 person<"):
        assert count in page, count
    assert "Zebedee" not in page and "Quillfeather" not in page
    assert 'name="post"' not in page  # no confirmation form

    assert administrator.post(url, {"post": "yes"}).status_code == 200
    assert Agency.objects.filter(pk=police.pk).exists()
    assert Contact.objects.filter(agency=police).count() == 1
    assert Person.objects.get(pk=person.pk).registered_by_id == police.pk


def test_deleting_agencies_from_the_list_is_refused_the_same_way(administrator, police_with_records):
    police, _, _ = police_with_records
    response = administrator.post(
        reverse("admin:agencies_agency_changelist"),
        {"action": "delete_selected", "_selected_action": [police.pk], "post": "yes"},
    )
    page = response.content.decode()
    assert "1 contact<" in page and "Zebedee" not in page
    assert Agency.objects.filter(pk=police.pk).exists()


def test_deleting_a_contact_type_with_contacts_says_how_many_and_deletes_nothing(
    administrator, police_with_records
):
    _, _, visit = police_with_records
    url = admin_url("agencies.contacttype", "delete", visit.pk)
    page = administrator.get(url).content.decode()
    assert "1 contact<" in page and "Home visit with Police" not in page
    administrator.post(url, {"post": "yes"})
    assert ContactType.objects.filter(pk=visit.pk).exists()


def test_deleting_an_advocate_with_a_family_says_how_many_and_names_no_family(administrator):
    advocate = staff_user()
    AssignmentFactory(advocate=advocate, family=FamilyFactory(label="The Quillfeather family"))
    url = reverse("admin:auth_user_delete", args=[advocate.pk])
    page = administrator.get(url).content.decode()
    assert "1 assignment<" in page and "Quillfeather" not in page
    administrator.post(url, {"post": "yes"})
    assert get_user_model().objects.filter(pk=advocate.pk).exists()


def test_configuration_nothing_uses_still_deletes(administrator):
    unused = AgencyFactory(code="unused")
    response = administrator.post(admin_url("agencies.agency", "delete", unused.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not Agency.objects.filter(pk=unused.pk).exists()


def test_case_records_are_never_deleted_by_a_cascade():
    family = FamilyFactory()
    person = MembershipFactory(family=family).person
    AssignmentFactory(family=family)
    ConsentGrantFactory(subject=person)
    answer = AnswerFactory(assessment=AssessmentFactory(subject_person=person))
    AnswerFactory(reused_from=answer)
    for record in (family, person, answer.assessment):
        with pytest.raises(ProtectedError):
            record.delete()


@pytest.fixture
def citizen():
    user = UserFactory(username="zebedee@example.invalid", first_name="Zebedee", last_name="Quillfeather")
    PersonFactory(user=user)
    return user


def test_a_citizens_password_cannot_be_set_from_the_admin(administrator, citizen):
    url = reverse("admin:auth_user_password_change", args=[citizen.pk])
    assert administrator.get(url).status_code == 404
    new = "a-new-password-the-admin-chose"
    response = administrator.post(url, {"password1": new, "password2": new, "set-password": "1"})
    assert response.status_code == 404
    citizen.refresh_from_db()
    assert citizen.check_password("correct horse battery staple")


def test_a_citizens_account_is_not_listed_nor_made_superuser(administrator, citizen):
    listing = administrator.get(reverse("admin:auth_user_changelist")).content.decode()
    assert "ada" in listing and "zebedee" not in listing.lower()

    change = reverse("admin:auth_user_change", args=[citizen.pk])
    assert administrator.get(change).status_code == 302  # "does not exist", back to the index
    administrator.post(change, {"username": citizen.username, "is_superuser": "on", "is_staff": "on"})
    citizen.refresh_from_db()
    assert not citizen.is_superuser and not citizen.is_staff


def test_a_citizen_cannot_be_given_a_staff_place(administrator, citizen):
    response = administrator.post(
        reverse("admin:agencies_staffmembership_add"),
        {"user": citizen.pk, "agency": AgencyFactory().pk, "role": "manager"},
    )
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert not StaffMembership.objects.filter(user=citizen).exists()


def test_a_staff_members_password_can_still_be_set(administrator):
    user = staff_user()
    url = reverse("admin:auth_user_password_change", args=[user.pk])
    assert administrator.get(url).status_code == 200
    new = "a-new-password-for-staff-7"
    response = administrator.post(url, {"password1": new, "password2": new, "set-password": "1"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new)
