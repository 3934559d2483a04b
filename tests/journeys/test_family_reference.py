"""A family reference names one family whatever its case: the database refuses a second one,
the API answers 400 on the reference field, and a generated reference steps past one typed by
hand. The upgrade gives families that already clash a suffix instead of failing."""

import importlib

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection
from django.db.migrations.executor import MigrationExecutor

from journeys.models import Family
from tests.factories import FamilyFactory, staff_user

upgrade = importlib.import_module("journeys.migrations.0009_family_reference_unique")


@pytest.mark.django_db
def test_the_api_refuses_a_reference_another_family_has_in_another_case(api):
    FamilyFactory(reference="DEMO-003")
    client = api.as_user(staff_user())
    response = client.post("/api/v1/families/", {"reference": " demo-003 ", "label": "Second"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"reference": ["A family with this reference already exists."]}
    assert list(Family.objects.values_list("reference", flat=True)) == ["DEMO-003"]


@pytest.mark.django_db
def test_a_generated_reference_steps_past_one_typed_by_hand(api):
    client = api.as_user(staff_user())
    first = client.post("/api/v1/families/", {"label": "First"}, format="json").json()
    typed = f"FAM-{first['id'] + 1:06d}"
    assert (
        client.post("/api/v1/families/", {"reference": typed, "label": "Typed"}, format="json").status_code
        == 201
    )
    generated = client.post("/api/v1/families/", {"label": "Generated"}, format="json")
    assert generated.status_code == 201
    assert generated.json()["reference"] not in (first["reference"], typed)


@pytest.mark.django_db
def test_the_database_refuses_two_families_with_one_reference():
    """Even a write that skips the service (two requests at once both checking first)."""
    FamilyFactory(reference="REF-1")
    with pytest.raises(IntegrityError):
        Family.objects.create(reference="ref-1", label="Same reference")


@pytest.mark.migrations
@pytest.mark.django_db(transaction=True)
def test_the_upgrade_gives_clashing_references_a_suffix(capsys):
    executor = MigrationExecutor(connection)
    before = ("journeys", "0008_duplicate_flags_move_out")
    executor.migrate([before])
    try:
        OldFamily = executor.loader.project_state([before]).apps.get_model("journeys", "Family")
        kept = OldFamily.objects.create(reference="DEMO-3", label="Oldest")
        renamed = OldFamily.objects.create(reference="demo-3", label="Later")
        taken = OldFamily.objects.create(reference="DEMO-3-2", label="Holds the first suffix")
        MigrationExecutor(connection).migrate([("journeys", "0009_family_reference_unique")])
    finally:
        call_command("migrate", verbosity=0)
    assert dict(Family.objects.values_list("pk", "reference")) == {
        kept.pk: "DEMO-3",
        renamed.pk: "demo-3-3",
        taken.pk: "DEMO-3-2",
    }
    assert f"Family {renamed.pk}: reference 'demo-3'" in capsys.readouterr().out


def test_a_suffix_keeps_within_the_column():
    assert upgrade._free("X" * 40, set()) == "X" * 38 + "-2"
