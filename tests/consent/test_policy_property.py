"""Property: whatever the records, grants and viewer, the record selector returns exactly the
records the policy allows (never one it denies), and shows notes and contact details only on
a basis for those categories."""

from datetime import timedelta

from django.http import Http404
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from agencies.models import Role, Sector
from consent.models import Category
from consent.policy import scope_for, viewer_for
from journeys.models import Sensitivity
from journeys.selectors import person_record
from tests.factories import (
    AgencyFactory,
    AssessmentFactory,
    AssessmentTypeFactory,
    AssignmentFactory,
    ConsentGrantFactory,
    ContactFactory,
    FamilyFactory,
    MembershipFactory,
    PersonFactory,
    UserFactory,
    staff_user,
)

LABELS = list(Sensitivity.values)
CATEGORIES = list(Category.values)

record_st = st.tuples(
    st.integers(0, 3),  # agency (3 is the advocacy service)
    st.sampled_from(["contact", "assessment"]),
    st.sampled_from(LABELS),
    st.booleans(),  # withheld from the subject
)
grant_st = st.tuples(
    st.integers(0, 3),
    st.sets(st.sampled_from(CATEGORIES), min_size=1),
    st.sets(st.sampled_from(LABELS), min_size=1),
    st.integers(-400, 2),  # starts this many days from now
    st.integers(1, 400),  # lasts this many days
    st.booleans(),  # revoked
)
viewer_st = st.sampled_from(
    ["staff0", "staff1", "staff2", "manager1", "advocate_assigned", "advocate_unassigned", "self", "stranger"]
)


class RecordSelectorProperty(TestCase):
    @settings(max_examples=60, deadline=None)
    @given(
        records=st.lists(record_st, max_size=8),
        grants=st.lists(grant_st, max_size=4),
        who=viewer_st,
        registered_by=st.integers(0, 3),
    )
    def test_selector_returns_exactly_what_the_policy_allows(self, records, grants, who, registered_by):
        now = timezone.now()
        agencies = [AgencyFactory(code=f"prop{i}") for i in range(3)]
        agencies.append(AgencyFactory(code="prop-advocacy", sector=Sector.ADVOCACY))
        person = PersonFactory(registered_by=agencies[registered_by], phone="01234 567890")
        family = FamilyFactory()
        MembershipFactory(person=person, family=family)
        for agency_i, kind, label, withheld in records:
            extra = {"withheld_from_subject": withheld, "withheld_reason": "Risk" if withheld else ""}
            if kind == "contact":
                ContactFactory(agency=agencies[agency_i], persons=[person], sensitivity=label, **extra)
            else:
                AssessmentFactory(
                    assessment_type=AssessmentTypeFactory(agency=agencies[agency_i]),
                    subject_person=person,
                    sensitivity=label,
                    **extra,
                )
        for agency_i, categories, labels, start, days, revoked in grants:
            grant = ConsentGrantFactory(
                subject=person,
                agency=agencies[agency_i],
                categories=sorted(categories),
                labels=sorted(labels),
                valid_from=now + timedelta(days=start),
                expires_at=now + timedelta(days=start + days),
            )
            if revoked:
                grant.revoked_at = timezone.now()
                grant.save(update_fields=["revoked_at"])

        if who == "self":
            user = UserFactory()
            person.user = user
            person.save(update_fields=["user"])
        elif who.startswith("advocate"):
            user = staff_user(agencies[3], Role.ADVOCATE)
            AssignmentFactory(advocate=user, family=family if who == "advocate_assigned" else FamilyFactory())
        elif who == "stranger":
            user = staff_user(AgencyFactory(code="prop-stranger"))
        else:
            user = staff_user(
                agencies[int(who[-1])], Role.MANAGER if who.startswith("manager") else Role.STAFF
            )

        scope = scope_for(viewer_for(user), person.pk)
        try:
            record = person_record(user=user, person_id=person.pk)
        except Http404:
            assert scope is None, "the selector refused a person the policy lets the viewer know of"
            return
        assert scope is not None, "the selector showed a person the policy hides"

        def allowed(category, item):
            if scope.for_subject and item.withheld_from_subject:
                return False
            return (
                scope.basis_for(
                    category=category, recording_agency_id=item.recording_agency_id, label=item.sensitivity
                )
                is not None
            )

        from journeys.models import Assessment, Contact

        all_contacts = Contact.objects.filter(persons=person)
        all_assessments = Assessment.objects.filter(subject_person=person)
        assert {c.pk for c in record.contacts} == {
            c.pk for c in all_contacts if allowed(Category.CONTACTS, c)
        }
        assert {a.pk for a in record.assessments} == {
            a.pk for a in all_assessments if allowed(Category.ASSESSMENTS, a)
        }
        for contact in record.contacts:
            notes = scope.basis_for(
                category=Category.NOTES,
                recording_agency_id=contact.recording_agency_id,
                label=contact.sensitivity,
            )
            assert bool(contact.summary) == (notes is not None)
        details = scope.basis_for(
            category=Category.CONTACT_DETAILS,
            recording_agency_id=agencies[registered_by].pk,
            label=Sensitivity.GENERAL,
        )
        assert (record.person.phone == "01234 567890") == (details is not None)
