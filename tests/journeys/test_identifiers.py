"""Identifiers: a mistyped or already-used number is refused with a clear message."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.transaction import atomic

from journeys import services
from journeys.identifiers import nhs_number_is_valid
from journeys.models import PersonIdentifier
from tests.factories import PersonFactory, staff_user

VALID_NHS = "9434765919"  # a well-known synthetic test number with a valid check digit


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        (VALID_NHS, True),
        ("9434765918", False),
        ("943476591", False),
        ("94347659190", False),
        ("abcdefghij", False),
    ],
)
def test_nhs_check_digit(value, ok):
    assert nhs_number_is_valid(value) is ok


@pytest.mark.django_db
def test_second_person_with_same_nhs_number_is_refused():
    services.person_create(
        given_name="Ann",
        family_name="Example",
        date_of_birth="1990-01-01",
        identifiers=[{"scheme": "nhs_number", "value": "943 476 5919"}],
        actor=staff_user(),
    )
    with pytest.raises(ValidationError) as error:
        services.person_create(
            given_name="Bea",
            family_name="Example",
            date_of_birth="1991-01-01",
            identifiers=[{"scheme": "nhs_number", "value": VALID_NHS}],
            actor=staff_user(),
        )
    assert "already recorded" in str(error.value)
    assert PersonIdentifier.objects.count() == 1


@pytest.mark.django_db
def test_invalid_check_digit_is_refused_and_nothing_saved():
    with pytest.raises(ValidationError) as error:
        services.person_create(
            given_name="Ann",
            family_name="Example",
            date_of_birth="1990-01-01",
            identifiers=[{"scheme": "nhs_number", "value": "9434765918"}],
            actor=staff_user(),
        )
    assert "valid NHS number" in str(error.value)


@pytest.mark.django_db
def test_ni_number_format_is_checked():
    with pytest.raises(ValidationError):
        services.identifier_check(scheme="ni_number", value="AB12345")
    assert services.identifier_check(scheme="ni_number", value="ab 12 34 56 c") == "AB123456C"


@pytest.mark.django_db
def test_database_refuses_duplicate_identifier_directly():
    person = PersonFactory()
    PersonIdentifier.objects.create(person=person, scheme="nhs_number", value=VALID_NHS)
    with pytest.raises(IntegrityError), atomic():
        PersonIdentifier.objects.create(person=PersonFactory(), scheme="nhs_number", value=VALID_NHS)


@pytest.mark.django_db
def test_database_refuses_malformed_nhs_number():
    with pytest.raises(IntegrityError), atomic():
        PersonIdentifier.objects.create(person=PersonFactory(), scheme="nhs_number", value="12345")
