"""What every app shares: the audit trail (written through core.events), the outbox of work for
Celery, and the record of scheduled runs."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


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
