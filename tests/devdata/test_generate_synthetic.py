"""The synthetic county: deterministic, within every constraint, and heavy-tailed like real demand."""

import re
from collections import Counter
from statistics import median

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count

from consent.models import ConsentGrant
from devdata import synthetic
from journeys.identifiers import NI_NUMBER, nhs_number_is_valid
from journeys.models import (
    Assessment,
    Contact,
    Family,
    Membership,
    Person,
    PersonIdentifier,
    question_ids_text,
)

pytestmark = pytest.mark.django_db

FAMILIES = 30


def content():
    """What was loaded, without ids, so two loads compare equal whatever ids they were given."""
    rows = [
        *Contact.objects.values_list(
            "family__reference", "agency__code", "contact_type__code", "occurred_at", "channel", "summary"
        ),
        *Assessment.objects.values_list(
            "assessment_type__code", "subject_family__reference", "subject_person__given_name", "completed_at"
        ).annotate(answers=Count("answers")),
        *PersonIdentifier.objects.values_list("scheme", "value"),
        *ConsentGrant.objects.values_list("subject__given_name", "agency__code", "valid_from", "categories"),
    ]
    return sorted(map(repr, rows))


def load_and_roll_back(seed):
    """Load in a transaction of its own, read it back, then undo it."""
    with transaction.atomic():
        summary = synthetic.load(families=FAMILIES, seed=seed)
        loaded = content()
        transaction.set_rollback(True)
    return summary, loaded


def test_same_seed_same_data_and_checksum():
    first, first_content = load_and_roll_back(7)
    second, second_content = load_and_roll_back(7)
    assert first.counts == second.counts
    assert first.checksum == second.checksum
    assert first_content == second_content
    assert first.counts["family"] == FAMILIES
    assert first.counts["contact"] > FAMILIES * 10


def test_a_different_seed_gives_different_data():
    first, first_content = load_and_roll_back(7)
    other, other_content = load_and_roll_back(8)
    assert other.checksum != first.checksum
    assert other_content != first_content


def test_command_prints_counts_and_checksum_and_refuses_a_second_load(capsys):
    call_command("generate_synthetic", families=FAMILIES, seed=3, verbosity=0)
    out = capsys.readouterr().out
    assert re.search(rf"^family\s+{FAMILIES}$", out, re.M)
    assert re.search(r"^contact\s+[\d,]+$", out, re.M)
    assert re.search(r"^checksum\s+[0-9a-f]{64}$", out, re.M)
    with pytest.raises(CommandError, match="already loaded"):
        call_command("generate_synthetic", families=FAMILIES, seed=3, verbosity=0)


def test_rows_hold_together():
    synthetic.load(families=FAMILIES, seed=11)
    for value in PersonIdentifier.objects.filter(scheme="nhs_number").values_list("value", flat=True):
        assert nhs_number_is_valid(value), value
    for value in PersonIdentifier.objects.filter(scheme="ni_number").values_list("value", flat=True):
        assert NI_NUMBER.match(value), value
    sizes = Counter(Membership.objects.values_list("family_id", flat=True))
    assert set(sizes.values()) <= set(range(2, 7))
    assert all(
        Membership.objects.filter(family=f, parental_responsibility=True).exists()
        for f in Family.objects.all()
    )
    members = set(Membership.objects.values_list("family_id", "person_id"))
    links = Contact.persons.through.objects.values_list("contact__family_id", "person_id")
    assert all(link in members for link in links), "a contact names someone outside its family"
    for assessment in Assessment.objects.prefetch_related("answers", "assessment_type__questions"):
        asked = {a.question_id for a in assessment.answers.all()}
        assert asked == {q.id for q in assessment.assessment_type.questions.all()}
        assert assessment.question_ids == question_ids_text((q, False) for q in asked)
        assert assessment.agency_id == assessment.assessment_type.agency_id
    assert 5 * FAMILIES <= Assessment.objects.count() <= 30 * FAMILIES
    assert ConsentGrant.objects.exists()
    # The loader handed out ids itself: the ordinary way of adding rows still works afterwards.
    person = Person.objects.first()
    Family.objects.create(reference="AFTER-LOAD", label="Added after the load")
    Contact.objects.create(
        agency_id=Contact.objects.first().agency_id,
        recording_agency_id=Contact.objects.first().agency_id,
        contact_type_id=Contact.objects.first().contact_type_id,
        occurred_at=Contact.objects.first().occurred_at,
        channel="phone",
        summary="Added after the load",
    ).persons.add(person)


def test_contacts_per_family_are_heavy_tailed():
    summary = synthetic.load(families=FAMILIES, seed=5)
    per_family = list(Counter(Contact.objects.values_list("family_id", flat=True)).values())
    assert sorted(per_family) == sorted(summary.contacts_per_family)
    assert max(per_family) >= 4 * median(per_family)
    assert median(per_family) < 100


def test_nhs_numbers_carry_the_modulus_11_check_digit():
    stems = range(999_000_000, 999_000_200)
    numbers = {stem: synthetic.nhs_number(stem) for stem in stems}
    assert all(nhs_number_is_valid(n) for n in numbers.values() if n is not None)
    # A stem without a number is one whose check digit would be 10: no tenth digit makes it valid.
    without = [stem for stem, n in numbers.items() if n is None]
    assert 0 < len(without) < 40
    assert not any(nhs_number_is_valid(f"{stem}{d}") for stem in without for d in range(10))
