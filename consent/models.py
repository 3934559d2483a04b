"""Consent grants, the tamper-evident access log, and emergency (break-glass) access."""

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import F, Q

from agencies.models import Agency
from core.dates import db_bounds
from journeys.models import Person, Sensitivity


class Category(models.TextChoices):
    CONTACTS = "contacts", "Contacts"
    ASSESSMENTS = "assessments", "Assessments"
    NOTES = "notes", "Notes"
    CONTACT_DETAILS = "contact_details", "Contact details"


class Method(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    PORTAL = "portal", "Online, by the person"
    ADVOCATE_WITNESSED = "advocate_witnessed", "Witnessed by an advocate"
    WRITTEN = "written", "Signed paper form"
    PHONE = "phone", "By phone"


class ConsentGrant(models.Model):
    """A person's permission for one agency to see some of their records. Never edited:
    a change of scope revokes it and makes a new grant, so history answers 'who could see
    what on a given date'."""

    subject = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="consent_grants")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="consent_grants")
    categories = models.JSONField(help_text="Any of: " + ", ".join(Category.values))
    labels = models.JSONField(default=list, help_text="Any of: " + ", ".join(Sensitivity.values))
    purpose = models.CharField(max_length=300, blank=True)
    given_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_by_agency = models.ForeignKey(
        Agency,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The recorder's agency then: their receipt stays with that agency if they move.",
    )
    method = models.CharField(max_length=20, choices=Method.choices)
    valid_from = models.DateTimeField()
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoke_reason = models.TextField(blank=True)
    replaces = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-valid_from", "-id"]
        indexes = [models.Index(fields=["subject", "agency", "expires_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("valid_from")), name="grant_expires_after_start"
            ),
            models.CheckConstraint(condition=Q(method__in=Method.values), name="grant_method_valid"),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | Q(revoked_at__gte=F("created_at")),
                name="grant_revoked_after_created",
            ),
            models.CheckConstraint(
                condition=db_bounds("valid_from", moment=True) & db_bounds("expires_at", moment=True),
                name="grant_dates_in_range",
            ),
        ]

    def __str__(self):
        return f"Consent {self.pk}: {self.subject} to {self.agency}"


class Lapse(models.TextChoices):
    """Why a parent's grant stopped before its end date (rule 4)."""

    OWN_AGE = "own_age", "The young person reached the age to give their own consent"
    RESPONSIBILITY = "responsibility", "The parent's parental responsibility ended"


class BasisKind(models.TextChoices):
    OWN_AGENCY = "own_agency", "Own agency's records"
    CONSENT = "consent", "Consent grant"
    ASSIGNMENT = "assignment", "Advocate assignment"
    BREAK_GLASS = "break_glass", "Emergency access"
    SELF = "self", "The person's own record"
    PARENT = "parent", "Parental responsibility"


@pgtrigger.register(
    pgtrigger.Protect(name="access_log_append_only", operation=pgtrigger.Delete),
    # An update may only forget a deleted user (on_delete SET_NULL); the hashed copies stay.
    pgtrigger.Protect(
        name="access_log_unchanged",
        operation=pgtrigger.Update,
        condition=pgtrigger.AnyChange(exclude=["user"]),
    ),
    pgtrigger.Protect(
        name="access_log_user_only_cleared",
        operation=pgtrigger.Update,
        condition=pgtrigger.Q(new__user__isnull=False),
    ),
)
class AccessLog(models.Model):
    """One row per request that showed a person's records; chained by a keyed hash (HMAC),
    append-only. The hashed payload reads only columns of this row, never a related row, so
    deleting a user (the foreign key goes to NULL) leaves every entry whole."""

    at = models.DateTimeField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    user_ref = models.BigIntegerField(null=True, help_text="The user's id, copied when written.")
    username = models.CharField(max_length=150, blank=True, help_text="The username, copied when written.")
    user_label = models.CharField(max_length=200)
    agency = models.ForeignKey(Agency, null=True, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=32)
    subject = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="access_log")
    shown = models.CharField(max_length=300, help_text="What was shown, in plain words.")
    withheld_shown = models.PositiveIntegerField(
        default=0,
        help_text="Records withheld from the subject (rule 6) that were shown too: counted here, "
        "never in the words the subject reads.",
    )
    bases = models.JSONField(help_text='Each basis as {"kind", "ref"}.')
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["subject", "at"])]

    def __str__(self):
        return f"{self.user_label} saw {self.shown} of {self.subject_id} at {self.at}"


class AccessLogHead(models.Model):
    """A single row locked by each writer, so concurrent writers never fork the chain."""

    last_hash = models.CharField(max_length=64)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(id=1), name="access_log_head_singleton")]

    def __str__(self):
        return self.last_hash


class ReviewStatus(models.TextChoices):
    PENDING = "pending", "Waiting for review"
    JUSTIFIED = "justified", "Justified"
    NOT_JUSTIFIED = "not_justified", "Not justified"


class BreakGlass(models.Model):
    """Emergency access to one person's records, for a few hours, reviewed by a manager."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    subject = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="break_glasses")
    reason = models.TextField()
    opened_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    review_status = models.CharField(
        max_length=16, choices=ReviewStatus.choices, default=ReviewStatus.PENDING
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True)
    for_governance = models.BooleanField(
        default=False,
        help_text="No other manager of the agency could be emailed, so information governance reviews it.",
    )

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("opened_at")), name="break_glass_expires_after_open"
            ),
            models.CheckConstraint(
                condition=Q(review_status__in=ReviewStatus.values), name="break_glass_review_status_valid"
            ),
        ]

    def __str__(self):
        return f"Emergency access {self.pk} to {self.subject_id} by {self.user}"


class ConsentLapseNotice(models.Model):
    """The one message telling a young person that a parent's grant ended with their 16th
    birthday; one row per grant keeps the nightly task idempotent."""

    grant = models.OneToOneField(ConsentGrant, on_delete=models.CASCADE, related_name="lapse_notice")
    sent_at = models.DateTimeField()
    sent_to = models.EmailField()

    def __str__(self):
        return f"Lapse notice for consent {self.grant_id}"
