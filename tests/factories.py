"""Factories for every model the tests build; synthetic data only."""

from datetime import date, timedelta

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from advocates.models import Assignment
from agencies.models import Agency, AssessmentType, ContactType, Question, Role, Sector, StaffMembership
from consent.models import ConsentGrant
from journeys.knowledge import agency_knows_note
from journeys.models import Answer, Assessment, Contact, Family, Membership, Person


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password("correct horse battery staple")


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"agency{n}")
    name = factory.LazyAttribute(lambda o: f"Agency {o.code}")
    sector = Sector.OTHER


class StaffFactory(factory.django.DjangoModelFactory):
    """A user with a membership of one agency."""

    class Meta:
        model = StaffMembership

    user = factory.SubFactory(UserFactory)
    agency = factory.SubFactory(AgencyFactory)
    role = Role.STAFF


def staff_user(agency=None, role=Role.STAFF, **kwargs):
    return StaffFactory(agency=agency or AgencyFactory(), role=role, **kwargs).user


def advocate_user(advocacy=None):
    return staff_user(advocacy or AgencyFactory(code="advocacy", sector=Sector.ADVOCACY), Role.ADVOCATE)


class ContactTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactType
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"contact_type_{n}")
    label = factory.LazyAttribute(lambda o: o.code.replace("_", " ").capitalize())
    sector = Sector.OTHER


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"question_{n}")
    text = factory.LazyAttribute(lambda o: f"Question {o.code}?")
    domain = "General"


class AssessmentTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AssessmentType
        skip_postgeneration_save = True

    agency = factory.SubFactory(AgencyFactory)
    code = factory.Sequence(lambda n: f"assessment_type_{n}")
    name = factory.LazyAttribute(lambda o: o.code.replace("_", " ").capitalize())
    level = "person"

    @factory.post_generation
    def questions(self, create, extracted, **kwargs):
        if create and extracted:
            self.questions.set(extracted)


def known(reason: str, agency: str = "agency_id", person: str = "subject_id"):
    """A hook that notes, as the services do, that the record's agency knows its person
    (journeys.AgencyKnows), so searches see what the factories made. `<hook>=False` skips it,
    for a database migrated to before the table."""

    def note(obj, create, extracted, **kwargs):
        person_id = getattr(obj, person)
        if create and extracted is not False and person_id is not None:
            agency_knows_note(agency_id=getattr(obj, agency), person_ids=[person_id], reason=reason)

    return factory.post_generation(note)


class FamilyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Family

    reference = factory.Sequence(lambda n: f"TEST-{n:05d}")
    label = factory.LazyAttribute(lambda o: f"Family {o.reference}")


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person
        skip_postgeneration_save = True

    given_name = factory.Faker("first_name")
    family_name = factory.Faker("last_name")
    date_of_birth = date(1990, 5, 17)
    known_by_registrar = known("registered", agency="registered_by_id", person="pk")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    person = factory.SubFactory(PersonFactory)
    family = factory.SubFactory(FamilyFactory)
    relationship = "parent"
    parental_responsibility = True
    started = date(2020, 1, 1)


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact
        skip_postgeneration_save = True

    agency = factory.SubFactory(AgencyFactory)
    recording_agency = factory.LazyAttribute(lambda o: o.agency)
    contact_type = factory.SubFactory(ContactTypeFactory)
    occurred_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=3))
    channel = "phone"
    summary = "Synthetic contact for a test."

    @factory.post_generation
    def persons(self, create, extracted, **kwargs):
        if create and extracted:
            self.persons.set(extracted)
            agency_knows_note(
                agency_id=self.recording_agency_id, person_ids=[p.pk for p in extracted], reason="contacted"
            )


class AssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assessment
        skip_postgeneration_save = True

    assessment_type = factory.SubFactory(AssessmentTypeFactory)
    agency = factory.LazyAttribute(lambda o: o.assessment_type.agency)
    recording_agency = factory.LazyAttribute(lambda o: o.agency)
    subject_person = factory.SubFactory(PersonFactory)
    completed_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=3))
    known_by_recorder = known("assessed", agency="recording_agency_id", person="subject_person_id")


class AnswerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Answer

    assessment = factory.SubFactory(AssessmentFactory)
    question = factory.SubFactory(QuestionFactory)
    value = "Synthetic answer"


class ConsentGrantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConsentGrant
        skip_postgeneration_save = True

    subject = factory.SubFactory(PersonFactory)
    agency = factory.SubFactory(AgencyFactory)
    categories = factory.LazyFunction(lambda: ["contacts", "assessments"])
    labels = factory.LazyFunction(lambda: ["general"])
    given_by = factory.SelfAttribute("subject")
    method = "in_person"
    valid_from = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=365))
    known_by_agency = known("granted")


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assignment

    advocate = factory.SubFactory(UserFactory)
    family = factory.SubFactory(FamilyFactory)
    started = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=30))


class UnitCostFactory(factory.django.DjangoModelFactory):
    """A unit cost of an assessment type (duplicate flags price the later assessment)."""

    class Meta:
        model = "agencies.UnitCost"

    assessment_type = factory.SubFactory(AssessmentTypeFactory)
    cost_pence = 30000
    unit = "per assessment"
    price_year = "2024/25"
    source = "Synthetic unit cost for a test."


class BreakGlassFactory(factory.django.DjangoModelFactory):
    """Emergency access opened by a staff user of their own agency."""

    class Meta:
        model = "consent.BreakGlass"
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    agency = factory.LazyAttribute(lambda o: o.user.staff_membership.agency)
    subject = factory.SubFactory(PersonFactory)
    reason = "A child was found alone at home and we need to know who cares for them."
    opened_at = factory.LazyFunction(lambda: timezone.now() - timedelta(minutes=5))
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(hours=3))
    known_by_agency = known("break_glass")
