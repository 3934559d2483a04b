"""Reads of consent data, each scoped by the policy: grants, emergency access and reviews."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from . import policy
from .models import BreakGlass, ConsentGrant, ReviewStatus


def grant_answer(*, user, grant: ConsentGrant) -> ConsentGrant:
    """A grant just recorded, as its recorder may be told of it (rule 11): the grant it replaced
    is named only where the recorder may see that one, or the answer would tell them which other
    agencies the person already shares with (rule 10)."""
    if grant.replaces_id and not grants_visible(user=user).filter(pk=grant.replaces_id).exists():
        grant.replaces = None  # for the answer only; never saved
    return grant


def grants_visible(*, user) -> QuerySet[ConsentGrant]:
    """Consent grants the user may see.

    Staff see grants to their current agency (for people they may know of) and grants they
    recorded while at it: someone who moves agency leaves the old one's grants behind. An
    advocate also sees the grants of members of families assigned to them, since they help
    the family decide. A citizen sees grants about themself and their children below the
    own-consent age. Nobody else sees any: a list of someone's grants to other agencies would
    tell staff which agencies know them (rule 10). Each carries `in_force` (policy)."""
    viewer = policy.viewer_for(user)
    base = policy.with_activity(
        ConsentGrant.objects.select_related("subject", "agency", "given_by", "recorded_by", "revoked_by")
    )
    if policy.uses_portal(viewer):
        mine = Q(subject_id=viewer.person_id) | Q(subject_id__in=policy.children_of(viewer.person_id))
        return base.filter(mine).order_by("-created_at", "-id")
    if not policy.uses_staff_pages(viewer):
        return base.none()
    visible = policy.visible_persons(viewer).values("pk")
    mine = Q(agency_id=viewer.agency_id) | Q(recorded_by_id=user.pk, recorded_by_agency_id=viewer.agency_id)
    if policy.keeps_caseload(viewer):
        mine |= Q(subject_id__in=visible)
    return base.filter(mine, subject_id__in=visible).order_by("-created_at", "-id")


def grant_detail(*, user, grant_id) -> ConsentGrant:
    """One grant the user may see; 404 alike for 'missing' and 'not allowed'."""
    try:
        return grants_visible(user=user).get(pk=int(grant_id))
    except (ConsentGrant.DoesNotExist, TypeError, ValueError):
        raise Http404("No such consent.") from None


def grants_for_person(*, user, person_id) -> list[ConsentGrant]:
    """The grants of one person the user may see, newest first, each with its `state` now and,
    for a parent's grant that lapsed (rule 4), its `lapse` and the birthday it ended on."""
    grants = list(grants_visible(user=user).filter(subject_id=person_id))
    now = timezone.now()
    for grant in grants:
        grant.state = grant_state(grant, now)
        grant.lapse = policy.lapse_of(grant, now) if grant.state == "lapsed" else None
        grant.own_age_birthday = policy.own_age_birthday(grant.subject)
    return grants


def grant_state(grant: ConsentGrant, at) -> str:
    if grant.revoked_at is not None and grant.revoked_at <= at:
        return "withdrawn"
    if grant.expires_at <= at:
        return "ended"
    if grant.valid_from > at:
        return "not started"
    return "lapsed" if policy.lapse_of(grant, at) else "active"


def break_glass_reviews(*, user, status: str | None = ReviewStatus.PENDING) -> QuerySet[BreakGlass]:
    """Emergency access for the user to review: a manager's agency's, or, for information
    governance, every one no manager could review; nobody else's."""
    qs = policy.break_glass_for_reviewer(policy.viewer_for(user)).select_related(
        "user", "agency", "subject", "reviewed_by"
    )
    if status:
        qs = qs.filter(review_status=status)
    return qs.order_by("opened_at", "id")


def break_glass_for_review(*, user, glass_id) -> BreakGlass:
    try:
        return break_glass_reviews(user=user, status=None).get(pk=int(glass_id))
    except (BreakGlass.DoesNotExist, TypeError, ValueError):
        raise Http404("No such emergency access.") from None


def is_active(grant: ConsentGrant) -> bool:
    return grant_state(grant, timezone.now()) == "active"
