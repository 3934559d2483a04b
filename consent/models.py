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


class AuditEvent(models.Model):
    """Who changed what: one row per write a service makes, in the same transaction."""

    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    verb = models.CharField(max_length=60)
    object_type = models.CharField(max_length=60)
    object_id = models.BigIntegerField()
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self):
        return f"{self.verb} {self.object_type} {self.object_id}"


class ConcernVia(models.TextChoices):
    ADVOCATE = "advocate", "Raised by the family's advocate"
    CITIZEN = "citizen", "Raised by the person"


class ConcernStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    RESPONDED = "responded", "Responded"
    CLOSED = "closed", "Closed"


class Concern(models.Model):
    """A red flag about a contact or an agency, raised by an advocate or the person, answered
    by the agency's managers; its status and response are visible to the family."""

    subject_person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="concerns"
    )
    subject_family = models.ForeignKey(
        "journeys.Family", null=True, blank=True, on_delete=models.PROTECT, related_name="concerns"
    )
    about_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="concerns")
    about_contact = models.ForeignKey(
        "journeys.Contact", null=True, blank=True, on_delete=models.PROTECT, related_name="concerns"
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    raised_via = models.CharField(max_length=10, choices=ConcernVia.choices)
    text = models.TextField()
    status = models.CharField(max_length=14, choices=ConcernStatus.choices, default=ConcernStatus.OPEN)
    response = models.TextField(blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    responded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["about_agency", "status"]),
            models.Index(fields=["subject_family", "status"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(subject_person__isnull=False) & Q(subject_family__isnull=True))
                | (Q(subject_person__isnull=True) & Q(subject_family__isnull=False)),
                name="concern_one_subject",
            ),
            models.CheckConstraint(condition=Q(raised_via__in=ConcernVia.values), name="concern_via_valid"),
            models.CheckConstraint(condition=Q(status__in=ConcernStatus.values), name="concern_status_valid"),
            models.CheckConstraint(condition=~Q(text=""), name="concern_has_text"),
            models.CheckConstraint(
                condition=~Q(status="responded") | (~Q(response="") & Q(responded_at__isnull=False)),
                name="concern_response_recorded",
            ),
        ]

    def __str__(self):
        return f"Concern {self.pk} about {self.about_agency_id} ({self.status})"


# The citizen portal -------------------------------------------------------------------------


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

    def __str__(self):
        return f"Reminder for consent {self.grant_id}"


class ConsentLapseNotice(models.Model):
    """The one message telling a young person that a parent's grant ended with their 16th
    birthday; one row per grant keeps the nightly task idempotent."""

    grant = models.OneToOneField(ConsentGrant, on_delete=models.CASCADE, related_name="lapse_notice")
    sent_at = models.DateTimeField()
    sent_to = models.EmailField()

    def __str__(self):
        return f"Lapse notice for consent {self.grant_id}"


class AgencyKnows(models.Model):
    """Which agency knows which person, and why (rule 10): one indexed row per pair, so search
    asks one lookup instead of looking into every record of every candidate.

    Written by the services that register people, record contacts and assessments, give grants
    and open break-glass, in their own transactions (consent.knowledge), and rebuilt from those
    records by a nightly repair. Own records decide at once; a grant or break-glass only says
    there is one to check: whether it is active now is asked of its own table (rule 9)."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    registered = models.BooleanField(default=False)
    contacted = models.BooleanField(default=False)  # a contact the agency recorded
    assessed = models.BooleanField(default=False)  # an assessment the agency recorded
    granted = models.BooleanField(default=False)  # a consent grant to the agency, of any term
    break_glass = models.BooleanField(default=False)  # emergency access opened by its staff

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agency", "person"], name="agency_knows_once"),
            models.CheckConstraint(
                condition=Q(registered=True)
                | Q(contacted=True)
                | Q(assessed=True)
                | Q(granted=True)
                | Q(break_glass=True),
                name="agency_knows_for_a_reason",
            ),
        ]
        indexes = [models.Index(fields=["person"])]

    def __str__(self) -> str:
        return f"Agency {self.agency_id} knows person {self.person_id}"
