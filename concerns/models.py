"""Concerns: red flags raised by citizens or advocates about an agency or a contact, and the
agencies' answers."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from agencies.models import Agency
from journeys.models import Person


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
        db_table = "consent_concern"  # moved from consent with its table
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
