"""What every app shares: the audit trail (written through core.events), the outbox of work for
Celery, and the record of scheduled runs."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Verb(models.TextChoices):
    """Every kind of write the audit trail holds: a closed list, each written by one typed
    function in its app's events.py (core.events), so no other verb can be stored."""

    API_CLIENT_CREATED = "api_client.created", "API client created"
    API_CLIENT_TOKEN_REPLACED = "api_client.token_replaced", "API client's token replaced"
    API_CLIENT_REVOKED = "api_client.revoked", "API client revoked"
    TOKEN_ISSUED = "token.issued", "API token issued"
    TOKEN_REVOKED_ALL = "token.revoked_all", "All API tokens revoked"
    TWO_STEP_SET_UP = "two_step.set_up", "Two-step sign-in set up"
    TWO_STEP_RECOVERY_CODE_USED = "two_step.recovery_code_used", "Recovery code used"
    TWO_STEP_RECOVERY_CODES_RENEWED = "two_step.recovery_codes_renewed", "Recovery codes renewed"
    TWO_STEP_TURNED_OFF = "two_step.turned_off", "Two-step sign-in turned off"
    TWO_STEP_RESET = "two_step.reset", "Two-step sign-in reset"
    UNIT_COSTS_LOADED = "unit_costs.loaded", "Unit costs loaded"
    FAMILY_CREATED = "family.created", "Family created"
    PERSON_CREATED = "person.created", "Person created"
    MEMBERSHIP_ADDED = "membership.added", "Member added to a family"
    PARENTAL_RESPONSIBILITY_RECORDED = "parental_responsibility.recorded", "Parental responsibility recorded"
    CONTACT_RECORDED = "contact.recorded", "Contact recorded"
    ASSESSMENT_RECORDED = "assessment.recorded", "Assessment recorded"
    PERSON_IDENTIFIER_SEARCHED = "person.identifier_searched", "People searched by identifier"
    CONSENT_GRANTED = "consent.granted", "Consent granted"
    CONSENT_REVOKED = "consent.revoked", "Consent revoked"
    CONSENT_LAPSE_NOTICE_SENT = "consent.lapse_notice_sent", "Consent lapse notice sent"
    BREAK_GLASS_OPENED = "break_glass.opened", "Emergency access opened"
    BREAK_GLASS_REVIEWED = "break_glass.reviewed", "Emergency access reviewed"
    ACCESS_LOG_ANCHORED = "access_log.anchored", "Access log anchored"
    ASSIGNMENT_STARTED = "assignment.started", "Advocate assigned"
    ASSIGNMENT_ENDED = "assignment.ended", "Advocate's assignment ended"
    CONFERENCE_RECORDED = "conference.recorded", "Case conference recorded"
    CONFERENCE_OUTCOME_RECORDED = "conference.outcome_recorded", "Case conference outcome recorded"
    CONFERENCE_ACTION_ADDED = "conference.action_added", "Case conference action added"
    CONFERENCE_ACTION_COMPLETED = "conference.action_completed", "Case conference action completed"
    DUPLICATE_FLAG_REVIEWED = "duplicate_flag.reviewed", "Possible duplicate reviewed"
    CONCERN_RAISED = "concern.raised", "Concern raised"
    CONCERN_ACKNOWLEDGED = "concern.acknowledged", "Concern acknowledged"
    CONCERN_RESPONDED = "concern.responded", "Concern responded to"
    CONCERN_CLOSED = "concern.closed", "Concern closed"
    CONSENT_REMINDER_SENT = "consent.reminder_sent", "Consent reminder sent"
    INVITATION_SENT = "invitation.sent", "Portal invitation sent"
    INVITATION_CODE_CONFIRMED = "invitation.code_confirmed", "Portal invitation code confirmed"
    INVITATION_CODE_REDEEMED = "invitation.code_redeemed", "Portal invitation code redeemed"
    INVITATION_CODE_WRONG_DATE_OF_BIRTH = (
        "invitation.code_wrong_date_of_birth",
        "Portal invitation code used with a wrong date of birth",
    )
    INVITATION_ACCEPTED = "invitation.accepted", "Portal invitation accepted"
    INVITATION_HOLDERS_TOLD = "invitation.holders_told", "Other holders of parental responsibility told"
    PERSON_DETAILS_CHANGED = "person.details_changed", "Person changed their details"
    PERSON_CORRECTED = "person.corrected", "Person's details corrected"
    CORRECTION_REQUESTED = "correction.requested", "Correction requested"
    CORRECTION_ACCEPTED = "correction.accepted", "Correction accepted"
    CORRECTION_DECLINED = "correction.declined", "Correction declined"
    DATA_EXPORT_REQUESTED = "data_export.requested", "Data export requested"
    DATA_EXPORT_RETRIED = "data_export.retried", "Data export retried"
    DATA_EXPORT_READY = "data_export.ready", "Data export ready"


class AuditEvent(models.Model):
    """Who changed what: one row per write a service makes, in the same transaction."""

    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    verb = models.CharField(max_length=60, choices=Verb.choices)
    object_type = models.CharField(max_length=60)
    object_id = models.BigIntegerField()
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        db_table = "consent_auditevent"  # moved from consent with its table
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self):
        return f"{self.verb} {self.object_type} {self.object_id}"


class OutboxMessage(models.Model):
    """One task to send to the broker, written in the transaction of the write that needs it,
    so the work is neither lost when the broker is down nor sent for a write rolled back."""

    task_name = models.CharField(max_length=200)
    kwargs = models.JSONField(default=dict, blank=True)
    task_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    leased_until = models.DateTimeField(
        null=True, blank=True, help_text="A relay is sending it; another may try once this passes."
    )
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["created_at"], condition=Q(sent_at__isnull=True), name="outbox_unsent"),
            models.Index(fields=["task_name", "created_at"], name="outbox_task_created"),
        ]

    def __str__(self):
        return f"{self.task_name} {self.task_id}"


class SentEmail(models.Model):
    """That the email of a `core.send_email` task went to the mail server, so a task delivered
    twice (a worker lost after sending, before acknowledging) sends it once."""

    task_id = models.UUIDField(unique=True)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["sent_at"], name="sent_email_at")]

    def __str__(self):
        return f"email {self.task_id}"


class ScheduledRun(models.Model):
    """One run of a long or scheduled task: when it started and finished, and what it did, so
    a missed or dead run is seen (and caught up) without asking the broker."""

    task_name = models.CharField(max_length=200)
    task_id = models.CharField(max_length=64, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Set when the run stopped on an error (a lock it gave up on, a database away), or was given
    # up; a run neither finished nor failed is running, or died with its worker.
    failed_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    summary = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [models.Index(fields=["task_name", "finished_at"], name="run_task_finished")]
        constraints = [
            models.CheckConstraint(
                condition=Q(finished_at__isnull=True) | Q(finished_at__gte=models.F("started_at")),
                name="run_finishes_after_start",
            )
        ]

    def __str__(self):
        return f"{self.task_name} at {self.started_at:%d %b %Y %H:%M}"
