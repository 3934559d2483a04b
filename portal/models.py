"""The citizen portal's data: invitations (links and in-person codes), correction requests,
data exports and the one reminder before a grant ends."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from agencies.models import Agency
from consent.models import ConsentGrant
from journeys.models import Person


class InvitationChannel(models.TextChoices):
    EMAIL = "email", "By email to the address on their record"
    SMS = "sms", "By text message to the phone number on their record"
    IN_PERSON = "in_person", "In person, with a one-time code"


class Invitation(models.Model):
    """An invitation for a person to set a password and use the portal (rule 12). It goes
    only to the email or phone already on the person's record, or is handed over in person
    as a one-time code redeemed with their date of birth. Only a hash of the link token (or
    of the code) is kept; each works once, and only until it expires."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="invitations")
    channel = models.CharField(
        max_length=10, choices=InvitationChannel.choices, default=InvitationChannel.EMAIL
    )
    email = models.EmailField(blank=True, help_text="The record's email it was sent to.")
    phone = models.CharField(max_length=40, blank=True, help_text="The record's phone it was sent to.")
    username = models.CharField(max_length=150, help_text="The username the account will have.")
    token_hash = models.CharField(max_length=64, unique=True)
    failed_attempts = models.PositiveSmallIntegerField(
        default=0, help_text="Wrong dates of birth given with the right code."
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    code_redeemed_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True, help_text="Replaced by a newer invitation.")
    # A code given in person needs a second person (rule 12): a manager of the issuing agency,
    # or information governance where it has none, confirms the issue before it can be used.
    agency = models.ForeignKey(
        Agency, null=True, on_delete=models.PROTECT, related_name="+", help_text="The issuing agency."
    )
    for_governance = models.BooleanField(
        default=False, help_text="No other manager could confirm the code: information governance does."
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "consent_invitation"  # moved from consent with its table
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("created_at")), name="invitation_expires_after_created"
            ),
            models.CheckConstraint(
                condition=Q(accepted_at__isnull=True) | Q(withdrawn_at__isnull=True),
                name="invitation_accepted_or_withdrawn_not_both",
            ),
            models.CheckConstraint(
                condition=Q(channel__in=InvitationChannel.values), name="invitation_channel_valid"
            ),
            models.CheckConstraint(
                condition=~Q(channel="email") | ~Q(email=""), name="invitation_email_has_address"
            ),
            models.CheckConstraint(
                condition=~Q(channel="sms") | ~Q(phone=""), name="invitation_sms_has_phone"
            ),
            models.CheckConstraint(
                condition=Q(channel="in_person") | Q(code_redeemed_at__isnull=True),
                name="invitation_only_codes_are_redeemed",
            ),
            models.CheckConstraint(condition=~Q(username=""), name="invitation_has_username"),
            models.CheckConstraint(
                condition=Q(channel="in_person") | Q(confirmed_at__isnull=True),
                name="invitation_only_codes_are_confirmed",
            ),
            models.CheckConstraint(
                condition=Q(code_redeemed_at__isnull=True) | Q(confirmed_at__isnull=False),
                name="invitation_code_confirmed_before_redeemed",
            ),
        ]

    def __str__(self):
        return f"Invitation {self.pk} for {self.person_id}"


class CorrectableField(models.TextChoices):
    GIVEN_NAME = "given_name", "First name"
    FAMILY_NAME = "family_name", "Last name"
    DATE_OF_BIRTH = "date_of_birth", "Date of birth"


class CorrectionStatus(models.TextChoices):
    PENDING = "pending", "Waiting for a decision"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"


class CorrectionRequest(models.Model):
    """A person asks the agency that recorded them to correct their name or date of birth."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="correction_requests")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="correction_requests")
    field = models.CharField(max_length=16, choices=CorrectableField.choices)
    current_value = models.CharField(max_length=100)
    requested_value = models.CharField(max_length=100)
    explanation = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField()
    status = models.CharField(
        max_length=10, choices=CorrectionStatus.choices, default=CorrectionStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)

    class Meta:
        db_table = "consent_correctionrequest"  # moved from consent with its table
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["agency", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(field__in=CorrectableField.values), name="correction_field_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=CorrectionStatus.values), name="correction_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status="declined") | ~Q(decision_reason=""),
                name="correction_decline_needs_reason",
            ),
            models.CheckConstraint(
                condition=Q(status="pending") | Q(decided_at__isnull=False),
                name="correction_decision_has_time",
            ),
            models.UniqueConstraint(
                fields=["person", "field"],
                condition=Q(status="pending"),
                name="correction_one_pending_per_field",
            ),
        ]

    def __str__(self):
        return f"Correction {self.pk} of {self.field} for {self.person_id} ({self.status})"


class ExportStatus(models.TextChoices):
    PENDING = "pending", "Waiting to start"
    RUNNING = "running", "Being prepared"
    READY = "ready", "Ready"
    FAILED = "failed", "Could not be made"


class DataExport(models.Model):
    """Everything held about a person, gathered for them to download or print."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="data_exports")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField()
    status = models.CharField(max_length=8, choices=ExportStatus.choices, default=ExportStatus.PENDING)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Per cent done.")
    finished_at = models.DateTimeField(null=True, blank=True)
    content = models.JSONField(null=True, blank=True)

    class Meta:
        db_table = "consent_dataexport"  # moved from consent with its table
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ExportStatus.values), name="export_status_valid"),
            models.CheckConstraint(condition=Q(progress__lte=100), name="export_progress_at_most_100"),
            models.CheckConstraint(
                condition=~Q(status="ready") | Q(content__isnull=False), name="export_ready_has_content"
            ),
        ]

    def __str__(self):
        return f"Data export {self.pk} for {self.person_id} ({self.status})"


class ConsentReminder(models.Model):
    """The one email sent before a grant ends; one row per grant keeps the beat task idempotent."""

    grant = models.OneToOneField(ConsentGrant, on_delete=models.CASCADE, related_name="reminder")
    sent_at = models.DateTimeField()
    sent_to = models.EmailField()

    class Meta:
        db_table = "consent_consentreminder"  # moved from consent with its table

    def __str__(self):
        return f"Reminder for consent {self.grant_id}"
