"""Advocates walk beside families: who is assigned to whom, and when."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from core.dates import db_bounds
from journeys.models import Family


class Assignment(models.Model):
    advocate = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assignments"
    )
    family = models.ForeignKey(Family, on_delete=models.PROTECT, related_name="assignments")
    started = models.DateField()
    ended = models.DateField(
        null=True,
        blank=True,
        help_text="The first day without the assignment: access stops from the start of this day.",
    )
    lead = models.BooleanField(default=True)

    class Meta:
        ordering = ["-started"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended__isnull=True) | Q(ended__gte=F("started")),
                name="assignment_ends_after_start",
            ),
            models.CheckConstraint(
                condition=db_bounds("started") & db_bounds("ended", nullable=True),
                name="assignment_dates_in_range",
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


class CaseConference(models.Model):
    """A meeting held with the family, not about it: the family attends unless a reason says
    why not."""

    family = models.ForeignKey(Family, on_delete=models.PROTECT, related_name="case_conferences")
    held_at = models.DateTimeField()
    place = models.CharField(max_length=200)
    agenda = models.TextField(blank=True)
    outcome = models.TextField(blank=True)
    family_members = models.ManyToManyField(
        "journeys.Person", blank=True, related_name="case_conferences_attended"
    )
    family_attended = models.BooleanField(
        default=True, help_text="At least one family member attends (set by the service)."
    )
    family_absent_reason = models.TextField(
        blank=True, help_text="Why the family did not attend; required when nobody from it did."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-held_at", "-id"]
        indexes = [models.Index(fields=["family", "held_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(family_attended=True) | ~Q(family_absent_reason=""),
                name="conference_without_family_needs_reason",
            ),
            models.CheckConstraint(condition=~Q(place=""), name="conference_has_place"),
            models.CheckConstraint(
                condition=db_bounds("held_at", moment=True), name="conference_held_in_range"
            ),
        ]

    def __str__(self):
        return f"Case conference for {self.family} on {self.held_at:%d %b %Y}"


class ConferenceAttendee(models.Model):
    """An agency represented at a case conference, with the name of who came."""

    conference = models.ForeignKey(CaseConference, on_delete=models.CASCADE, related_name="attendees")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["agency__name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["conference", "agency"], name="conference_attendee_one_per_agency"
            ),
        ]

    def __str__(self):
        return f"{self.name or 'Someone'} from {self.agency}"


class ConferenceAction(models.Model):
    """Something a conference agreed: who does it (an agency or a family member) and by when."""

    conference = models.ForeignKey(CaseConference, on_delete=models.CASCADE, related_name="actions")
    description = models.TextField()
    owner_agency = models.ForeignKey(
        "agencies.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    owner_person = models.ForeignKey(
        "journeys.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    due = models.DateField()
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due", "id"]
        indexes = [models.Index(fields=["due", "completed_at"])]
        constraints = [
            models.CheckConstraint(
                condition=(Q(owner_agency__isnull=False) & Q(owner_person__isnull=True))
                | (Q(owner_agency__isnull=True) & Q(owner_person__isnull=False)),
                name="conference_action_one_owner",
            ),
            models.CheckConstraint(condition=~Q(description=""), name="conference_action_has_description"),
            models.CheckConstraint(condition=db_bounds("due"), name="conference_action_due_in_range"),
        ]

    def __str__(self):
        return self.description[:60]

    @property
    def owner(self):
        return self.owner_agency or self.owner_person
