"""Agencies, their staff, and the configuration they share: contact types, unit costs, the
question bank and assessment types."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Sector(models.TextChoices):
    POLICE = "police", "Police"
    CHILDRENS_SOCIAL_CARE = "childrens_social_care", "Children's social care"
    ADULT_SOCIAL_CARE = "adult_social_care", "Adult social care"
    HEALTH_VISITING = "health_visiting", "Health visiting"
    GP = "gp", "GP"
    HOSPITAL = "hospital", "Hospital"
    MENTAL_HEALTH = "mental_health", "Mental health"
    EDUCATION = "education", "Education"
    HOUSING = "housing", "Housing"
    EMPLOYMENT = "employment", "Employment"
    YOUTH_JUSTICE = "youth_justice", "Youth justice"
    PROBATION = "probation", "Probation"
    FIRE = "fire", "Fire"
    ADVOCACY = "advocacy", "Advocacy"
    VOLUNTARY = "voluntary", "Voluntary"
    OTHER = "other", "Other"


class Agency(models.Model):
    name = models.CharField(max_length=200, unique=True)
    code = models.SlugField(max_length=50, unique=True)
    sector = models.CharField(max_length=32, choices=Sector.choices)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "agencies"
        constraints = [
            models.CheckConstraint(condition=Q(sector__in=Sector.values), name="agency_sector_valid"),
        ]

    def __str__(self):
        return self.name


class Role(models.TextChoices):
    STAFF = "staff", "Staff"
    MANAGER = "manager", "Manager"
    ADVOCATE = "advocate", "Advocate"
    ADMINISTRATOR = "administrator", "Administrator"
    # Reviews emergency access where an agency has no other manager to do it; sees no case data.
    INFORMATION_GOVERNANCE = "information_governance", "Information governance"


class StaffMembership(models.Model):
    """A user's place in one agency. One agency a user, so every decision has one 'own agency'."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_membership"
    )
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="staff")
    role = models.CharField(max_length=24, choices=Role.choices, default=Role.STAFF)
    partnership_reviewer = models.BooleanField(
        default=False, help_text="A manager who reviews duplication across the whole partnership."
    )

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(role__in=Role.values), name="membership_role_valid"),
            models.CheckConstraint(
                condition=Q(partnership_reviewer=False) | Q(role="manager"),
                name="membership_partnership_reviewer_is_manager",
            ),
        ]

    def __str__(self):
        return f"{self.user} ({self.get_role_display()}, {self.agency})"


class ContactType(models.Model):
    code = models.SlugField(max_length=80, unique=True)
    label = models.CharField(max_length=200)
    sector = models.CharField(max_length=32, choices=Sector.choices)

    class Meta:
        ordering = ["label"]

    def __str__(self):
        return self.label


class Question(models.Model):
    """A canonical question of the shared bank; each agency maps its own form onto these."""

    code = models.SlugField(max_length=80, unique=True)
    text = models.CharField(max_length=300)
    domain = models.CharField(max_length=80)

    class Meta:
        ordering = ["domain", "code"]

    def __str__(self):
        return self.text


class Level(models.TextChoices):
    PERSON = "person", "Person"
    FAMILY = "family", "Family"


class AssessmentType(models.Model):
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="assessment_types")
    code = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=200)
    level = models.CharField(max_length=8, choices=Level.choices, default=Level.PERSON)
    questions = models.ManyToManyField(Question, related_name="assessment_types", blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(level__in=Level.values), name="assessment_type_level_valid"),
        ]

    def __str__(self):
        return f"{self.name} ({self.agency})"


class UnitCost(models.Model):
    """The estimated cost of one contact or assessment, for pricing journeys and duplicates."""

    contact_type = models.ForeignKey(
        ContactType, null=True, blank=True, on_delete=models.CASCADE, related_name="unit_costs"
    )
    assessment_type = models.ForeignKey(
        AssessmentType, null=True, blank=True, on_delete=models.CASCADE, related_name="unit_costs"
    )
    agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.CASCADE, help_text="Blank: any agency."
    )
    cost_pence = models.PositiveIntegerField()
    unit = models.CharField(max_length=80, default="per contact")
    price_year = models.CharField(max_length=9)
    source = models.CharField(max_length=500)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(Q(contact_type__isnull=False) & Q(assessment_type__isnull=True))
                | (Q(contact_type__isnull=True) & Q(assessment_type__isnull=False)),
                name="unit_cost_prices_one_thing",
            ),
            models.UniqueConstraint(
                fields=["contact_type", "agency"],
                condition=Q(contact_type__isnull=False, agency__isnull=False),
                name="unit_cost_one_per_contact_type_agency",
            ),
            models.UniqueConstraint(
                fields=["contact_type"],
                condition=Q(contact_type__isnull=False, agency__isnull=True),
                name="unit_cost_one_default_per_contact_type",
            ),
            models.UniqueConstraint(
                fields=["assessment_type"],
                condition=Q(assessment_type__isnull=False),
                name="unit_cost_one_per_assessment_type",
            ),
        ]

    def __str__(self):
        return f"£{self.cost_pence / 100:,.2f} {self.unit} ({self.price_year})"


class ApiScope(models.TextChoices):
    """What an agency system may do through the API: the fixed list a manager picks from."""

    PERSONS_READ = "persons:read", "Find people and read their names"
    PERSONS_WRITE = "persons:write", "Register people"
    RECORD_READ = (
        "record:read",
        "Read joined-up records, families, and the contacts and assessments it recorded",
    )
    CONTACTS_WRITE = "contacts:write", "Record contacts"
    ASSESSMENTS_WRITE = "assessments:write", "Record assessments"


class ApiClient(models.Model):
    """One agency system's access to the API. It signs in as its own service identity (`user`,
    with no password and no staff place), so nothing it does is done as a person, and every
    write it makes is audited under that identity."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="api_clients")
    name = models.CharField(max_length=100)
    scopes = models.JSONField(default=list)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_client")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_clients_created"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="api_clients_revoked",
    )

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="api_client_named"),
            models.UniqueConstraint(
                fields=["agency", "name"], condition=Q(revoked_at__isnull=True), name="api_client_name_unique"
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | Q(revoked_by__isnull=False),
                name="api_client_revoked_by_someone",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.agency})"
