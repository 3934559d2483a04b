"""Moving models to their own apps rewrites no table: a database upgraded from the release
before the move keeps every row, its content types and audit labels follow the models, and its
schema ends exactly as a freshly migrated one's."""

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from concerns.models import Concern
from core.models import AuditEvent
from duplicates.models import DuplicateFlag
from portal.models import ConsentReminder, CorrectionRequest, DataExport, Invitation
from tests.factories import (
    AgencyFactory,
    AssessmentTypeFactory,
    ConsentGrantFactory,
    PersonFactory,
    QuestionFactory,
    UserFactory,
)

# The release before the move: the moved models' apps unapplied, their old homes at these.
BEFORE = [
    ("consent", "0011_invitation_code_confirmation"),
    ("journeys", "0007_date_ranges"),
    ("concerns", None),
    ("portal", None),
    ("duplicates", None),
    ("core", None),
]
MOVED = {
    "concern": ("consent", Concern),
    "invitation": ("consent", Invitation),
    "correctionrequest": ("consent", CorrectionRequest),
    "dataexport": ("consent", DataExport),
    "consentreminder": ("consent", ConsentReminder),
    "duplicateflag": ("journeys", DuplicateFlag),
    "auditevent": ("consent", AuditEvent),
}


def _schema() -> dict:
    """Every table's columns and constraints (with indexes), as the database describes them."""
    with connection.cursor() as cursor:
        tables = sorted(t.name for t in connection.introspection.get_table_list(cursor))
        return {
            table: (
                [
                    tuple(column)[:7]
                    for column in connection.introspection.get_table_description(cursor, table)
                ],
                sorted(
                    (name, sorted(detail.items(), key=str))
                    for name, detail in connection.introspection.get_constraints(cursor, table).items()
                ),
            )
            for table in tables
        }


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state([t for t in targets if t[1]]).apps


def _old_rows(apps) -> dict[str, int]:
    """One row of each moved model, written through the models as they were before the move."""
    now = timezone.now()
    user, agency, person = UserFactory(), AgencyFactory(), PersonFactory()
    kind = AssessmentTypeFactory(agency=agency)
    # Before the release that made AgencyKnows, so the factory does not note who knows whom.
    grant = ConsentGrantFactory(subject=person, given_by=person, known_by_agency=False)
    question = QuestionFactory()

    def old(app, model):
        return apps.get_model(app, model).objects

    # Assessments as that release stored them (later releases add columns to the table).
    earlier, later = (
        old("journeys", "Assessment").create(
            assessment_type_id=kind.pk,
            agency_id=agency.pk,
            recording_agency_id=agency.pk,
            subject_person_id=person.pk,
            completed_at=now - timedelta(days=days_ago),
        )
        for days_ago in (4, 1)
    )

    flag = old("journeys", "DuplicateFlag").create(
        earlier_id=earlier.pk,
        later_id=later.pk,
        asked_again_by_id=agency.pk,
        shared_count=1,
        shared_ids=str(question.pk),
        days_apart=3,
        avoidable=True,
    )
    flag.shared_questions.add(question.pk)
    concern = old("consent", "Concern").create(
        subject_person_id=person.pk, about_agency_id=agency.pk, raised_via="citizen", text="Nobody rang back"
    )
    event = old("consent", "AuditEvent").create(
        verb="raised", object_type="consent.concern", object_id=concern.pk
    )
    return {
        "auditevent": event.pk,
        "duplicateflag": flag.pk,
        "concern": concern.pk,
        "invitation": old("consent", "Invitation")
        .create(
            person_id=person.pk,
            email="jade@example.org",
            username="jade",
            token_hash="0" * 64,
            created_at=now,
            expires_at=now + timedelta(days=7),
        )
        .pk,
        "correctionrequest": old("consent", "CorrectionRequest")
        .create(
            person_id=person.pk,
            agency_id=agency.pk,
            field="given_name",
            current_value="Jayde",
            requested_value="Jade",
            requested_by_id=user.pk,
            requested_at=now,
        )
        .pk,
        "dataexport": old("consent", "DataExport").create(person_id=person.pk, requested_at=now).pk,
        "consentreminder": old("consent", "ConsentReminder")
        .create(grant_id=grant.pk, sent_at=now, sent_to="jade@example.org")
        .pk,
    }


@pytest.mark.migrations
@pytest.mark.django_db(transaction=True)
def test_an_upgraded_database_keeps_the_moved_rows_and_ends_like_a_fresh_one():
    fresh = _schema()
    try:
        rows = _old_rows(_migrate(BEFORE))
        old_types = {
            model: ContentType.objects.get(app_label=app, model=model).pk for model, (app, _) in MOVED.items()
        }
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    finally:
        call_command("migrate", verbosity=0)
    ContentType.objects.clear_cache()

    assert _schema() == fresh
    for model, (app, new_model) in MOVED.items():
        assert new_model.objects.filter(pk=rows[model]).exists(), model
        # The content type is the same row, now under the new app: permissions and admin
        # history that point at it follow the model.
        assert ContentType.objects.get_for_model(new_model).pk == old_types[model]
        assert not ContentType.objects.filter(app_label=app, model=model).exists()
    assert list(DuplicateFlag.objects.get(pk=rows["duplicateflag"]).shared_questions.values_list("pk")) != []
    assert AuditEvent.objects.get(object_id=rows["concern"], verb="raised").object_type == "concerns.concern"
