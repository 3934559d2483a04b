"""Rule 10's search table (journeys.AgencyKnows): written by every service that lets an agency
know a person, in its transaction; rebuilt by the nightly repair; and search follows it, while
grants and break-glass still count only while they are active."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.utils import timezone

from consent import tasks
from consent.knowledge import agency_knows_repair
from consent.models import BreakGlass, ConsentGrant
from consent.services import break_glass_open, consent_grant
from journeys import services
from journeys.models import AgencyKnows
from tests.factories import (
    AgencyFactory,
    AssessmentTypeFactory,
    ContactFactory,
    ContactTypeFactory,
    PersonFactory,
    QuestionFactory,
    staff_user,
)

pytestmark = pytest.mark.django_db

SURNAME = "Quillfeather"
REASON = "A child was found alone at home and we need to know who cares for them."


def found(user) -> list[int]:
    client = Client()
    client.force_login(user)
    return [row["id"] for row in client.get(f"/api/v1/persons/?q={SURNAME}").json()["results"]]


def register(agency, user):
    return services.person_create(
        given_name="Ida",
        family_name=SURNAME,
        date_of_birth=timezone.localdate().replace(year=1988),
        agency=agency,
        actor=user,
    )


def contact(agency, user, person):
    services.contact_record(
        agency=agency,
        persons=[person],
        contact_type=ContactTypeFactory(),
        channel="phone",
        occurred_at=timezone.now() - timedelta(days=1),
        summary="Synthetic call",
        actor=user,
    )


def assess(agency, user, person):
    question = QuestionFactory()
    services.assessment_record(
        assessment_type=AssessmentTypeFactory(agency=agency, questions=[question]),
        subject_person=person,
        completed_at=timezone.now() - timedelta(days=1),
        answers=[{"question": question.code, "value": "yes"}],
        actor=user,
    )


def grant(agency, user, person):
    consent_grant(subject=person, agency=agency, categories=["contacts"], method="in_person", actor=user)


def glass(agency, user, person):
    break_glass_open(subject=person, reason=REASON, actor=user)


WRITERS = {"contacted": contact, "assessed": assess, "granted": grant, "break_glass": glass}


def test_registering_a_person_lets_the_agency_find_them():
    agency = AgencyFactory()
    user = staff_user(agency)
    person = register(agency, user)
    assert found(user) == [person.pk]
    assert AgencyKnows.objects.get(agency=agency, person=person).registered
    assert found(staff_user(AgencyFactory())) == []


@pytest.mark.parametrize("reason", WRITERS)
def test_each_service_lets_the_agency_find_the_person(reason):
    agency, elsewhere = AgencyFactory(), AgencyFactory()
    user = staff_user(agency)
    person = register(elsewhere, staff_user(elsewhere))
    assert found(user) == []
    WRITERS[reason](agency, user, person)
    assert found(user) == [person.pk]
    row = AgencyKnows.objects.get(agency=agency, person=person)
    assert [
        r for r in ("registered", "contacted", "assessed", "granted", "break_glass") if getattr(row, r)
    ] == [reason]


def test_a_grant_or_break_glass_counts_only_while_active():
    agency = AgencyFactory()
    user, colleague = staff_user(agency), staff_user(agency)
    person = PersonFactory(family_name=SURNAME)
    grant(agency, user, person)
    glass(agency, user, person)
    assert found(user) == [person.pk]
    assert found(colleague) == [person.pk]  # the grant is to the agency; the break-glass is the user's
    ended = {"expires_at": timezone.now() - timedelta(minutes=1)}
    BreakGlass.objects.update(opened_at=timezone.now() - timedelta(hours=2), **ended)
    ConsentGrant.objects.update(valid_from=timezone.now() - timedelta(days=2), **ended)
    assert AgencyKnows.objects.filter(agency=agency, person=person, granted=True, break_glass=True).exists()
    assert found(user) == []


def test_the_repair_rebuilds_the_table_from_the_records_and_is_idempotent():
    agency, stranger = AgencyFactory(), AgencyFactory()
    user, outsider = staff_user(agency), staff_user(stranger)
    person = register(agency, user)
    contact(agency, user, person)
    written = list(AgencyKnows.objects.values_list("agency", "person", "registered", "contacted"))
    # Written around the services: a lost row, a row with the wrong reason, a row with none true.
    other = PersonFactory(family_name=SURNAME)
    ContactFactory(agency=agency, recording_agency=agency).persons.set([other])
    AgencyKnows.objects.filter(person=person).update(contacted=False)
    AgencyKnows.objects.create(agency=stranger, person=person, contacted=True)
    assert sorted(found(user)) == [person.pk]
    assert found(outsider) == [person.pk]

    out = StringIO()
    call_command("repair_agency_knows", stdout=out)
    assert "1 pairs added, 1 changed, 1 removed" in out.getvalue()

    assert sorted(found(user)) == sorted([person.pk, other.pk])
    assert found(outsider) == []
    assert (
        list(
            AgencyKnows.objects.filter(person=person).values_list(
                "agency", "person", "registered", "contacted"
            )
        )
        == written
    )
    assert tasks.repair_agency_knows() == "0 pairs added, 0 changed, 0 removed"


@pytest.mark.migrations
@pytest.mark.django_db(transaction=True)
def test_the_upgrade_fills_the_table_as_the_repair_would():
    agency, other = AgencyFactory(), AgencyFactory()
    user, colleague = staff_user(agency), staff_user(other)
    person = register(agency, user)
    for writer in WRITERS.values():
        writer(other, colleague, person)
    columns = ("agency", "person", "registered", "contacted", "assessed", "granted", "break_glass")
    written = sorted(AgencyKnows.objects.values_list(*columns))
    MigrationExecutor(connection).migrate([("journeys", "0010_assessment_external_id")])
    try:
        MigrationExecutor(connection).migrate([("journeys", "0011_agency_knows")])
    finally:
        call_command("migrate", verbosity=0)
    assert sorted(AgencyKnows.objects.values_list(*columns)) == written
    assert str(agency_knows_repair()) == "0 pairs added, 0 changed, 0 removed"
    assert found(colleague) == [person.pk]
