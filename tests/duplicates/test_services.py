"""Flags in the database: one per pair, avoidable or blocked under consent at the time, priced,
idempotent across rescans, and reviews that stick."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from agencies.models import Role
from consent.models import BasisKind
from consent.policy import Basis, GrantIndex, active_grants
from duplicates.models import DuplicateFlag
from duplicates.services import (
    duplicate_flag_review,
    duplicates_check_assessment,
    duplicates_rescan,
)
from journeys.models import Answer
from tests.factories import (
    AgencyFactory,
    ConsentGrantFactory,
    FamilyFactory,
    MembershipFactory,
    PersonFactory,
    UnitCostFactory,
    UserFactory,
    staff_user,
)
from tests.journeys.helpers import kind, questions, record

pytestmark = pytest.mark.django_db


def flags():
    return sorted(
        (
            f.earlier_id,
            f.later_id,
            f.status,
            f.shared_count,
            f.days_apart,
            f.avoidable,
            f.estimated_cost_pence,
        )
        for f in DuplicateFlag.objects.all()
    )


def test_a_family_level_assessment_counts_against_a_members_own():
    bank = questions(6)
    family = FamilyFactory()
    member = MembershipFactory(family=family).person
    early_help = kind(bank, level="family")
    housing = kind(bank)
    first = record(early_help, family=family, days_ago=40)
    second = record(housing, person=member, days_ago=10)
    duplicates_rescan()
    flag = DuplicateFlag.objects.get()
    assert (flag.earlier_id, flag.later_id) == (first.pk, second.pk)
    assert flag.asked_again_by_id == housing.agency_id
    assert flag.days_apart == 30


def test_a_family_assessment_counts_for_members_registered_since_but_not_for_those_who_had_left():
    bank = questions(6)
    family = FamilyFactory()
    today = timezone.localdate()
    # Registered in the service last week, but in the family all along: the family was asked.
    registered = MembershipFactory(family=family, started=today - timedelta(days=5)).person
    left = MembershipFactory(
        family=family, started=today - timedelta(days=400), ended=today - timedelta(days=60)
    ).person
    record(kind(bank, level="family"), family=family, days_ago=40)
    record(kind(bank), person=registered, days_ago=1)
    record(kind(bank), person=left, days_ago=2)
    duplicates_rescan()
    assert list(DuplicateFlag.objects.values_list("later__subject_person", flat=True)) == [registered.pk]


def test_two_members_finding_the_same_family_pair_make_one_flag():
    bank = questions(6)
    family = FamilyFactory()
    MembershipFactory(family=family)
    MembershipFactory(family=family)
    record(kind(bank, level="family"), family=family, days_ago=40)
    record(kind(bank, level="family"), family=family, days_ago=10)
    duplicates_rescan()
    assert DuplicateFlag.objects.count() == 1


def test_a_family_pair_is_avoidable_through_any_member_whichever_chunk_finds_it():
    bank = questions(6)
    family = FamilyFactory()
    first_member = MembershipFactory(family=family).person
    second_member = MembershipFactory(family=family).person
    early_help = kind(bank, level="family")
    again = kind(bank, level="family")
    record(early_help, family=family, days_ago=40)
    record(again, family=family, days_ago=10)
    # Only the second member shares with the agency that asked again.
    ConsentGrantFactory(
        subject=second_member, agency=again.agency, valid_from=timezone.now() - timedelta(days=60)
    )
    first = duplicates_rescan(chunk_size=1)
    assert DuplicateFlag.objects.get().avoidable is True
    second = duplicates_rescan(chunk_size=1)
    assert (second["created"], second["refreshed"]) == (0, 0)
    assert first["people"] == 2 and first_member.pk != second_member.pk


def test_the_same_agency_assessing_twice_is_flagged_and_avoidable():
    bank = questions(6)
    person = PersonFactory()
    same = kind(bank)
    record(same, person=person, days_ago=60)
    record(same, person=person, days_ago=5)
    duplicates_rescan()
    flag = DuplicateFlag.objects.get()
    assert flag.avoidable is True
    assert flag.asked_again_by_id == same.agency_id


def test_blocked_without_consent_avoidable_with_it_at_the_time():
    bank = questions(6)
    person = PersonFactory()
    police, housing = kind(bank), kind(bank)
    record(police, person=person, days_ago=60)
    later = record(housing, person=person, days_ago=20)
    duplicates_rescan()
    assert DuplicateFlag.objects.get().avoidable is False

    # A consent given after the later assessment does not make it avoidable.
    ConsentGrantFactory(subject=person, agency=housing.agency, valid_from=timezone.now() - timedelta(days=1))
    DuplicateFlag.objects.all().delete()
    duplicates_check_assessment(assessment_id=later.pk)
    assert DuplicateFlag.objects.get().avoidable is False

    # One in force on the day of the later assessment does.
    ConsentGrantFactory(subject=person, agency=housing.agency, valid_from=timezone.now() - timedelta(days=30))
    DuplicateFlag.objects.all().delete()
    duplicates_rescan()
    assert DuplicateFlag.objects.get().avoidable is True


def test_a_consent_not_covering_the_label_leaves_it_blocked():
    bank = questions(6)
    person = PersonFactory()
    police, housing = kind(bank), kind(bank)
    record(police, person=person, days_ago=60, sensitivity="domestic_abuse")
    record(housing, person=person, days_ago=20)
    ConsentGrantFactory(subject=person, agency=housing.agency, valid_from=timezone.now() - timedelta(days=90))
    duplicates_rescan()
    assert DuplicateFlag.objects.get().avoidable is False


def test_estimated_cost_is_the_later_unit_cost_times_the_shared_fraction():
    bank = questions(8)
    person = PersonFactory()
    early = kind(bank[:4])
    later_kind = kind(bank)
    UnitCostFactory(assessment_type=later_kind, cost_pence=30001)
    record(early, person=person, days_ago=30)
    record(later_kind, person=person, days_ago=1)
    duplicates_rescan()
    flag = DuplicateFlag.objects.get()
    assert flag.shared_count == 4
    assert flag.estimated_cost_pence == 15000  # 30001 x 4/8, rounded
    assert sorted(flag.shared_questions.values_list("code", flat=True)) == [q.code for q in bank[:4]]


def test_no_unit_cost_means_no_estimated_cost():
    bank = questions(6)
    person = PersonFactory()
    record(kind(bank), person=person, days_ago=30)
    record(kind(bank), person=person, days_ago=1)
    duplicates_rescan()
    assert DuplicateFlag.objects.get().estimated_cost_pence == 0


def test_reused_answers_are_not_asked_again():
    bank = questions(6)
    person = PersonFactory()
    first = record(kind(bank), person=person, days_ago=30)
    earlier_answers = {
        a.question.code: a for a in Answer.objects.filter(assessment=first).select_related("question")
    }
    record(kind(bank), person=person, days_ago=1, reuse=earlier_answers)
    duplicates_rescan()
    assert DuplicateFlag.objects.count() == 0


def test_day_90_is_flagged_and_day_91_is_not():
    bank = questions(6)
    person = PersonFactory()
    now = timezone.now().replace(hour=12) - timedelta(days=1)  # noon yesterday: never in the future
    record(kind(bank), person=person, at=now - timedelta(days=91))
    record(kind(bank), person=person, at=now - timedelta(days=90))
    record(kind(bank), person=person, at=now)
    duplicates_rescan()
    assert sorted(f.days_apart for f in DuplicateFlag.objects.all()) == [1, 90]


def test_running_the_rescan_twice_gives_the_same_flags():
    bank = questions(6)
    for _ in range(3):
        person = PersonFactory()
        record(kind(bank), person=person, days_ago=50)
        record(kind(bank), person=person, days_ago=20)
        record(kind(bank), person=person, days_ago=2)
    first = duplicates_rescan(chunk_size=2)
    before = flags()
    second = duplicates_rescan(chunk_size=2)
    assert flags() == before
    assert len(before) == 9
    assert first["created"] == 9
    assert (second["created"], second["refreshed"], second["unchanged"]) == (0, 0, 9)


def _flagged_pair() -> tuple[DuplicateFlag, object]:
    """One person assessed twice by different agencies, 30 days apart, rescanned: the flag and
    the later assessment."""
    bank = questions(6)
    person = PersonFactory()
    record(kind(bank), person=person, days_ago=50)
    later = record(kind(bank), person=person, days_ago=20)
    duplicates_rescan()
    return DuplicateFlag.objects.get(), later


def test_a_dismissed_flag_stays_dismissed_through_rescans():
    flag, later = _flagged_pair()
    manager = staff_user(later.recording_agency, Role.MANAGER)
    duplicate_flag_review(flag=flag, status="dismissed", reason="Different concern", actor=manager)
    UnitCostFactory(assessment_type=later.assessment_type, cost_pence=50000)
    duplicates_rescan()
    duplicates_check_assessment(assessment_id=later.pk)
    flag.refresh_from_db()
    assert flag.status == "dismissed"
    assert flag.review_reason == "Different concern"
    assert flag.estimated_cost_pence == 0  # a reviewed flag's numbers are left alone
    assert DuplicateFlag.objects.count() == 1


def test_an_open_flag_has_its_numbers_refreshed():
    bank = questions(6)
    person = PersonFactory()
    record(kind(bank), person=person, days_ago=50)
    later = record(kind(bank), person=person, days_ago=20)
    duplicates_rescan()
    UnitCostFactory(assessment_type=later.assessment_type, cost_pence=50000)
    result = duplicates_rescan()
    assert result["refreshed"] == 1
    assert DuplicateFlag.objects.get().estimated_cost_pence == 50000


def test_review_needs_a_known_status_and_a_reason():
    flag, later = _flagged_pair()
    manager = staff_user(later.recording_agency, Role.MANAGER)
    with pytest.raises(ValidationError) as error:
        duplicate_flag_review(flag=flag, status="open", reason="  ", actor=manager)
    assert set(error.value.message_dict) == {"status", "reason"}
    flag.refresh_from_db()
    assert flag.status == "open"


def test_only_a_manager_whose_agencies_the_flag_concerns_reviews_it():
    flag, later = _flagged_pair()
    for actor in (UserFactory(), staff_user(later.recording_agency), staff_user(role=Role.MANAGER)):
        with pytest.raises(PermissionDenied):
            duplicate_flag_review(flag=flag, status="dismissed", reason="Not the same need", actor=actor)
    flag.refresh_from_db()
    assert flag.status == "open"


def test_the_incremental_check_is_quiet_when_the_assessment_is_gone():
    assert duplicates_check_assessment(assessment_id=987654) is None


def test_the_incremental_check_uses_a_fixed_number_of_queries(django_assert_max_num_queries):
    bank = questions(6)
    person = PersonFactory()
    for days in (80, 60, 40):
        record(kind(bank), person=person, days_ago=days)
    small = record(kind(bank), person=person, days_ago=1)
    # 13: on PostgreSQL the flag writes first set a lock timeout (one statement more).
    with django_assert_max_num_queries(13) as small_run:
        duplicates_check_assessment(assessment_id=small.pk)
    other = PersonFactory()
    for days in range(2, 88, 6):
        record(kind(bank), person=other, days_ago=days)
    big = record(kind(bank), person=other, days_ago=1)
    with django_assert_max_num_queries(13) as big_run:
        duplicates_check_assessment(assessment_id=big.pk)
    assert len(big_run.captured_queries) == len(small_run.captured_queries)


@pytest.mark.parametrize(
    ("categories", "labels", "label", "from_days", "to_days", "revoked_days"),
    [
        (["assessments"], ["general"], "general", 10, -10, None),
        (["assessments"], ["general"], "general", 10, -10, 5),
        (["assessments"], ["general"], "general", 10, -10, -1),
        (["contacts"], ["general"], "general", 10, -10, None),
        (["assessments"], ["general"], "mental_health", 10, -10, None),
        (["assessments"], ["general"], "general", -1, -10, None),
        (["assessments"], ["general"], "general", 10, 1, None),
        (["assessments"], ["general"], "general", 10, 0, None),
        (["assessments"], ["general"], "general", 0, -10, None),
    ],
)
def test_the_grant_index_agrees_with_active_grants(
    categories, labels, label, from_days, to_days, revoked_days
):
    person = PersonFactory()
    agency, other = AgencyFactory(), AgencyFactory()
    at = timezone.now() + timedelta(days=30)  # revocations are never before the grant was made
    grant = ConsentGrantFactory(
        subject=person,
        agency=agency,
        categories=categories,
        labels=labels,
        valid_from=at - timedelta(days=from_days),
        expires_at=at - timedelta(days=to_days),
        revoked_at=None if revoked_days is None else at - timedelta(days=revoked_days),
    )
    question = {
        "agency_id": agency.pk,
        "person_id": person.pk,
        "category": "assessments",
        "record_agency_id": other.pk,
        "label": label,
        "at": at,
    }
    in_force = active_grants(at).filter(pk=grant.pk).exists()
    covers = "assessments" in categories and label in labels
    basis = GrantIndex.of_people([person.pk]).could_see(**question)
    assert basis == (Basis(BasisKind.CONSENT, grant.pk) if in_force and covers else None)


@pytest.mark.django_db
def test_overlapping_rescans_count_only_the_flags_each_created(monkeypatch):
    """Issue 14: a rescan that read the flags before another rescan inserted them must not
    count the other's flags as its own."""
    from duplicates import services as duplicate_services

    bank = questions(6)
    person = PersonFactory()
    record(kind(bank), person=person, days_ago=30)
    record(kind(bank), person=person, days_ago=1)
    DuplicateFlag.objects.all().delete()
    assert duplicate_services.duplicates_rescan()["created"] == 1
    # The second rescan read no flags: the first had not committed when it looked.
    monkeypatch.setattr(duplicate_services, "fetch_rows", lambda queryset: [])
    assert duplicate_services.duplicates_rescan()["created"] == 0
    assert DuplicateFlag.objects.count() == 1
