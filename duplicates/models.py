"""Duplicate-assessment flags: one pair of assessments that asked the same questions again."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from agencies.models import Agency, Question
from journeys.models import Assessment


class FlagStatus(models.TextChoices):
    OPEN = "open", "Open"
    CONFIRMED = "confirmed", "Confirmed"
    DISMISSED = "dismissed", "Dismissed"


class DuplicateFlag(models.Model):
    """One pair of assessments that asked the same questions again; one flag a pair."""

    earlier = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="+")
    later = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="duplicate_flags")
    asked_again_by = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    shared_questions = models.ManyToManyField(Question, related_name="+")
    shared_count = models.PositiveIntegerField()
    shared_ids = models.CharField(
        max_length=1000,
        blank=True,
        editable=False,
        help_text="The shared question ids, sorted and comma-separated: a rescan compares these"
        " instead of reading shared_questions back for every flag.",
    )
    days_apart = models.PositiveIntegerField()
    avoidable = models.BooleanField(
        help_text="The earlier answers were open to the later agency under consent at the time."
    )
    estimated_cost_pence = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=FlagStatus.choices, default=FlagStatus.OPEN)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "journeys_duplicateflag"  # moved from journeys with its table
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["asked_again_by", "status"])]
        constraints = [
            models.UniqueConstraint(fields=["earlier", "later"], name="duplicate_flag_one_per_pair"),
            models.CheckConstraint(condition=~Q(earlier=F("later")), name="duplicate_flag_two_assessments"),
            models.CheckConstraint(
                condition=Q(status__in=FlagStatus.values), name="duplicate_flag_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status="open") | ~Q(review_reason=""),
                name="duplicate_flag_review_needs_reason",
            ),
        ]

    def __str__(self):
        return f"Flag {self.pk}: {self.earlier_id} then {self.later_id}"
