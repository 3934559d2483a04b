"""The audit trail every app writes to (through core.events), so it belongs to none of them."""

from django.conf import settings
from django.db import models


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
