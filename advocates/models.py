"""Advocates walk beside families: who is assigned to whom, and when."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from journeys.models import Family


class Assignment(models.Model):
    advocate = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assignments"
    )
    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="assignments")
    started = models.DateField()
    ended = models.DateField(null=True, blank=True)
    lead = models.BooleanField(default=True)

    class Meta:
        ordering = ["-started"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended__isnull=True) | Q(ended__gte=F("started")),
                name="assignment_ends_after_start",
            ),
            models.UniqueConstraint(
                fields=["advocate", "family"],
                condition=Q(ended__isnull=True),
                name="assignment_one_open_per_advocate_family",
            ),
            models.UniqueConstraint(
                fields=["family"],
                condition=Q(ended__isnull=True, lead=True),
                name="assignment_one_open_lead_per_family",
            ),
        ]

    def __str__(self):
        return f"{self.advocate} with {self.family} from {self.started}"
