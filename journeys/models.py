"""Families, people and everything agencies record about them: contacts, assessments, answers
and duplicate-assessment flags."""

from collections.abc import Iterable

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper

from agencies.models import Agency, AssessmentType, ContactType, Question
from core.dates import db_bounds


class Sensitivity(models.TextChoices):
    GENERAL = "general", "General"
    MENTAL_HEALTH = "mental_health", "Mental health"
    SEXUAL_HEALTH = "sexual_health", "Sexual health"
    SUBSTANCE_USE = "substance_use", "Substance use"
    DOMESTIC_ABUSE = "domestic_abuse", "Domestic abuse"
    OFFENDING = "offending", "Offending"


# From least to most sensitive: a record made from several (tell us once) carries the most
# sensitive label among them, so it is never shared more widely than any of its sources.
SENSITIVITY_ORDER = (
    Sensitivity.GENERAL,
    Sensitivity.SUBSTANCE_USE,
    Sensitivity.OFFENDING,
    Sensitivity.MENTAL_HEALTH,
    Sensitivity.SEXUAL_HEALTH,
    Sensitivity.DOMESTIC_ABUSE,
)


def most_sensitive(labels) -> str:
    """The most sensitive of these labels; general when there are none."""
    return max(labels, key=SENSITIVITY_ORDER.index, default=Sensitivity.GENERAL)


class Family(models.Model):
    reference = models.CharField(max_length=40)
    label = models.CharField(max_length=200, help_text="How staff refer to the family.")
    registered_by = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["label"]
        verbose_name_plural = "families"
        constraints = [
            # People type a reference in any case (an advocacy manager assigning a family finds
            # it case-insensitively), so "demo-003" and "DEMO-003" must never be two families.
            models.UniqueConstraint(Upper("reference"), name="family_reference_unique"),
        ]

    def __str__(self):
        return self.label


@pghistory.track(
    pghistory.UpdateEvent(
        "details_changed",
        condition=pghistory.AnyChange("phone", "email", "address", "preferred_name"),
    ),
    fields=["phone", "email", "address", "preferred_name"],
)
class Person(models.Model):
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    preferred_name = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField()
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    address = models.TextField(blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
    )
    registered_by = models.ForeignKey(
        Agency,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The agency that first recorded the person; it knows of them (rule 10).",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["family_name", "given_name"]
        indexes = [models.Index(fields=["family_name", "given_name"])]
        constraints = [
            models.CheckConstraint(condition=db_bounds("date_of_birth"), name="person_born_in_range"),
        ]

    def __str__(self):
        return self.full_name

    @property
    def full_name(self):
        return f"{self.preferred_name or self.given_name} {self.family_name}"


class Relationship(models.TextChoices):
    PARENT = "parent", "Parent"
    CARER = "carer", "Carer"
    CHILD = "child", "Child"
    PARTNER = "partner", "Partner"
    GRANDPARENT = "grandparent", "Grandparent"
    SIBLING = "sibling", "Sibling"
    OTHER = "other", "Other"


class Membership(models.Model):
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="memberships")
    family = models.ForeignKey(Family, on_delete=models.PROTECT, related_name="memberships")
    relationship = models.CharField(max_length=16, choices=Relationship.choices)
    parental_responsibility = models.BooleanField(default=False)
    parental_responsibility_recorded_by = models.ForeignKey(
        Agency,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The agency that recorded the parental responsibility (rule 4).",
    )
    parental_responsibility_recorded_at = models.DateTimeField(null=True, blank=True)
    started = models.DateField()
    ended = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["started"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended__isnull=True) | Q(ended__gte=F("started")),
                name="membership_ends_after_start",
            ),
            models.UniqueConstraint(
                fields=["person", "family"],
                condition=Q(ended__isnull=True),
                name="membership_one_current_per_family",
            ),
            models.CheckConstraint(
                condition=Q(relationship__in=Relationship.values),
                name="membership_relationship_valid",
            ),
            models.CheckConstraint(
                condition=Q(parental_responsibility=True)
                | Q(
                    parental_responsibility_recorded_by__isnull=True,
                    parental_responsibility_recorded_at__isnull=True,
                ),
                name="membership_pr_recorded_only_with_pr",
            ),
            models.CheckConstraint(
                condition=db_bounds("started") & db_bounds("ended", nullable=True),
                name="membership_dates_in_range",
            ),
        ]

    def __str__(self):
        return f"{self.person} in {self.family}"


class IdentifierScheme(models.TextChoices):
    NHS_NUMBER = "nhs_number", "NHS number"
    NI_NUMBER = "ni_number", "National Insurance number"
    UPN = "upn", "Unique pupil number"
    LOCAL = "local", "Local reference"


class PersonIdentifier(models.Model):
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="identifiers")
    scheme = models.CharField(max_length=16, choices=IdentifierScheme.choices)
    value = models.CharField(max_length=40)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scheme", "value"], name="identifier_unique_per_scheme"),
            models.CheckConstraint(
                condition=Q(scheme__in=IdentifierScheme.values), name="identifier_scheme_valid"
            ),
            models.CheckConstraint(
                condition=~Q(scheme="nhs_number") | Q(value__regex=r"^[0-9]{10}$"),
                name="identifier_nhs_number_ten_digits",
            ),
            models.CheckConstraint(
                condition=~Q(scheme="ni_number") | Q(value__regex=r"^[A-Z]{2}[0-9]{6}[A-D]$"),
                name="identifier_ni_number_format",
            ),
        ]

    def __str__(self):
        return f"{self.get_scheme_display()} {self.value}"


class Channel(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    HOME_VISIT = "home_visit", "Home visit"
    PHONE = "phone", "Phone"
    VIDEO = "video", "Video call"
    LETTER = "letter", "Letter"
    EMAIL = "email", "Email or message"
    OTHER = "other", "Other"


class DemandType(models.TextChoices):
    VALUE = "value", "Value demand"
    FAILURE = "failure", "Failure demand"
    UNKNOWN = "unknown", "Not known"


class RecordedVia(models.TextChoices):
    AGENCY = "agency", "The agency"
    ADVOCATE = "advocate", "Reported via an advocate"
    CITIZEN = "citizen", "The person"
    IMPORT = "import", "Import"


class WithholdingFields(models.Model):
    """Rule 6: the recording agency may withhold a record from its subject, with a reason."""

    withheld_from_subject = models.BooleanField(default=False)
    withheld_reason = models.TextField(blank=True)
    withheld_existence_shown = models.BooleanField(
        default=False, help_text="The subject may see that a withheld record exists."
    )

    class Meta:
        abstract = True


class AgencyRecord(WithholdingFields):
    """A record an agency made: rule 1 reads the agency that recorded it, which for a contact
    may differ from the agency the contact was with (an advocate logs a family's police contact)."""

    recording_agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The agency whose staff or system recorded it: its own record (rule 1).",
    )

    class Meta:
        abstract = True


class Contact(AgencyRecord):
    persons = models.ManyToManyField(Person, related_name="contacts")
    family = models.ForeignKey(
        Family, null=True, blank=True, on_delete=models.PROTECT, related_name="contacts"
    )
    agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        related_name="contacts",
        help_text="The agency the contact was with.",
    )
    contact_type = models.ForeignKey(ContactType, on_delete=models.PROTECT)
    occurred_at = models.DateTimeField()
    channel = models.CharField(max_length=16, choices=Channel.choices)
    duration_minutes = models.PositiveIntegerField(null=True, blank=True)
    summary = models.TextField()
    purpose = models.CharField(max_length=200, blank=True)
    outcome = models.CharField(max_length=200, blank=True)
    demand_type = models.CharField(max_length=8, choices=DemandType.choices, default=DemandType.UNKNOWN)
    sensitivity = models.CharField(max_length=16, choices=Sensitivity.choices, default=Sensitivity.GENERAL)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_via = models.CharField(max_length=8, choices=RecordedVia.choices, default=RecordedVia.AGENCY)
    external_id = models.CharField(max_length=100, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["agency", "occurred_at"]),
            models.Index(fields=["recording_agency", "occurred_at"]),
            models.Index(fields=["family", "occurred_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["recording_agency", "external_id"],
                condition=Q(external_id__isnull=False),
                name="contact_external_id_unique_per_recording_agency",
            ),
            models.CheckConstraint(condition=Q(channel__in=Channel.values), name="contact_channel_valid"),
            models.CheckConstraint(
                condition=Q(demand_type__in=DemandType.values), name="contact_demand_type_valid"
            ),
            models.CheckConstraint(
                condition=Q(sensitivity__in=Sensitivity.values), name="contact_sensitivity_valid"
            ),
            models.CheckConstraint(
                condition=Q(recorded_via__in=RecordedVia.values), name="contact_recorded_via_valid"
            ),
            models.CheckConstraint(
                condition=Q(withheld_from_subject=False) | ~Q(withheld_reason=""),
                name="contact_withheld_needs_reason",
            ),
            models.CheckConstraint(
                condition=db_bounds("occurred_at", moment=True), name="contact_occurred_in_range"
            ),
        ]

    def __str__(self):
        return f"{self.contact_type} with {self.agency} on {self.occurred_at:%d %b %Y}"


def question_ids_text(answers: Iterable[tuple[int, bool]]) -> str:
    """Assessment.question_ids from (question id, reused) pairs: "3,-7,12"."""
    return ",".join(str(-q if reused else q) for q, reused in sorted(answers))


def question_id_sets(question_ids: str) -> tuple[frozenset[int], frozenset[int]] | None:
    """Read back question_ids_text: (questions held, questions asked afresh); None for none."""
    if not question_ids:
        return None
    ids = [int(part) for part in question_ids.split(",")]
    held = frozenset(map(abs, ids))
    asked = frozenset(i for i in ids if i > 0)
    return held, (held if asked == held else asked)


class Assessment(AgencyRecord):
    assessment_type = models.ForeignKey(AssessmentType, on_delete=models.PROTECT)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="assessments")
    subject_person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="assessments"
    )
    subject_family = models.ForeignKey(
        Family, null=True, blank=True, on_delete=models.PROTECT, related_name="assessments"
    )
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField()
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sensitivity = models.CharField(max_length=16, choices=Sensitivity.choices, default=Sensitivity.GENERAL)
    question_ids = models.TextField(
        blank=True,
        editable=False,
        help_text="The ids of the questions it holds answers to, in order, an id negated where the"
        " answer was reused (told once); written with the answers (see question_ids_text). Duplicate"
        " detection reads this, not the answers, so a nightly rescan reads one row an assessment.",
    )
    external_id = models.CharField(
        max_length=100,
        null=True,
        blank=True,
        help_text="The recording agency's own id: sending it again stores nothing new.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-completed_at", "-id"]
        indexes = [
            models.Index(fields=["subject_person", "completed_at"]),
            models.Index(fields=["subject_family", "completed_at"]),
            models.Index(fields=["recording_agency", "completed_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["recording_agency", "external_id"],
                condition=Q(external_id__isnull=False),
                name="assessment_external_id_unique_per_recording_agency",
            ),
            models.CheckConstraint(
                condition=(Q(subject_person__isnull=False) & Q(subject_family__isnull=True))
                | (Q(subject_person__isnull=True) & Q(subject_family__isnull=False)),
                name="assessment_one_subject",
            ),
            models.CheckConstraint(
                condition=Q(started_at__isnull=True) | Q(completed_at__gte=F("started_at")),
                name="assessment_completed_after_start",
            ),
            models.CheckConstraint(
                condition=Q(sensitivity__in=Sensitivity.values), name="assessment_sensitivity_valid"
            ),
            models.CheckConstraint(
                condition=Q(withheld_from_subject=False) | ~Q(withheld_reason=""),
                name="assessment_withheld_needs_reason",
            ),
            models.CheckConstraint(
                condition=db_bounds("completed_at", moment=True)
                & db_bounds("started_at", moment=True, nullable=True),
                name="assessment_dates_in_range",
            ),
        ]

    def __str__(self):
        return f"{self.assessment_type.name} on {self.completed_at:%d %b %Y}"


class Answer(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    value = models.TextField()
    reused_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reused_by",
        help_text="Told once: the earlier answer this one reuses instead of asking again.",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assessment", "question"], name="answer_one_per_question"),
        ]

    def __str__(self):
        return f"{self.question.code}: {self.value}"
