"""Every write to consent: grants, revocations and changes of scope."""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from agencies.models import Agency, StaffMembership
from core import dates
from core.mail import email_queue
from journeys.knowledge import agency_knows_note
from journeys.models import Person, Sensitivity

from . import access_log, events, policy
from .models import BasisKind, BreakGlass, Category, ConsentGrant, ConsentLapseNotice, Method, ReviewStatus


def add_months(moment: datetime, months: int) -> datetime:
    """The same day and time `months` later (the last day of a shorter month)."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    last_day = calendar.monthrange(year, month)[1]
    return moment.replace(year=year, month=month, day=min(moment.day, last_day))


def _age_on(person: Person, day) -> int:
    born = person.date_of_birth
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def may_give_consent_for(*, giver: Person, subject: Person, at: datetime | None = None) -> bool:
    """Rule 4: a person old enough consents for themself; a child's consent comes from an
    adult member with parental responsibility."""
    at = at or timezone.now()
    old_enough = _age_on(subject, timezone.localdate(at)) >= settings.CONSENT_OWN_AGE
    if old_enough:
        return giver.pk == subject.pk
    return policy.children_of(giver.pk, at).filter(person_id=subject.pk).exists()


def _validate_scope(categories, labels) -> tuple[list[str], list[str]]:
    errors = {}
    categories = sorted(set(categories or []))
    labels = sorted(set(labels or [Sensitivity.GENERAL]))
    if not categories:
        errors["categories"] = "Choose at least one kind of record to share."
    elif not set(categories) <= set(Category.values):
        errors["categories"] = "Choose from: " + ", ".join(Category.values) + "."
    if not set(labels) <= set(Sensitivity.values):
        errors["labels"] = "Choose from: " + ", ".join(Sensitivity.values) + "."
    if errors:
        raise ValidationError(errors)
    return categories, labels


def consent_grant(
    *,
    subject: Person,
    agency: Agency,
    categories: list[str],
    method: str,
    actor,
    given_by: Person | None = None,
    labels: list[str] | None = None,
    purpose: str = "",
    valid_from: datetime | None = None,
    expires_at: datetime | None = None,
    replaces: ConsentGrant | None = None,
) -> ConsentGrant:
    """Record a person's consent for one agency to see some of their records."""
    now = timezone.now()
    given_by = given_by or subject
    categories, labels = _validate_scope(categories, labels)
    valid_from = valid_from or now
    # The end is checked against the start only once the start is sane (no overflow at 9999).
    errors = dates.field_errors({"valid_from": (dates.CONSENT_START, valid_from)})
    if not errors:
        expires_at = expires_at or add_months(valid_from, settings.CONSENT_DEFAULT_MONTHS)
        errors = dates.field_errors({"expires_at": (dates.consent_end(valid_from), expires_at)})
    if method not in Method.values:
        errors["method"] = "Choose how the consent was given."
    if not may_give_consent_for(giver=given_by, subject=subject, at=now):
        errors["given_by"] = (
            "A child's consent must come from an adult with parental responsibility; "
            f"from {settings.CONSENT_OWN_AGE} a young person gives their own."
        )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        # One standing grant per person and agency: a new one replaces (revokes) the old,
        # so what an agency may see is never the muddle of two overlapping grants.
        standing = list(
            ConsentGrant.objects.select_for_update()
            .filter(subject=subject, agency=agency, revoked_at__isnull=True, expires_at__gt=now)
            .order_by("id")
        )
        if replaces is None and standing:
            replaces = standing[-1]
        for old in standing:
            _revoke(old, actor=actor, reason="Replaced by a new consent", at=now)
        grant = ConsentGrant.objects.create(
            subject=subject,
            agency=agency,
            categories=categories,
            labels=labels,
            purpose=purpose,
            given_by=given_by,
            recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
            recorded_by_agency_id=policy.viewer_for(actor).agency_id,
            method=method,
            valid_from=valid_from,
            expires_at=expires_at,
            replaces=replaces,
        )
        agency_knows_note(agency_id=agency.pk, person_ids=[subject.pk], reason="granted")
        events.consent_granted(actor=actor, grant=grant)
    return grant


def _revoke(grant: ConsentGrant, *, actor, reason: str, at: datetime) -> None:
    grant.revoked_at = max(at, grant.created_at)
    grant.revoked_by = actor if getattr(actor, "is_authenticated", False) else None
    grant.revoke_reason = reason
    grant.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    events.consent_revoked(actor=actor, grant=grant, reason=reason)


def consent_grant_many(*, subject: Person, agencies: list[Agency], actor, **scope) -> list[ConsentGrant]:
    """One grant for each agency chosen with the person, all or none."""
    with transaction.atomic():
        return [consent_grant(subject=subject, agency=agency, actor=actor, **scope) for agency in agencies]


def consent_revoke(*, grant: ConsentGrant, actor, reason: str = "") -> ConsentGrant:
    """End a grant now; the very next request by that agency's staff no longer sees the records."""
    reason = (reason or "").strip()
    if len(reason) > 1000:
        raise ValidationError({"reason": "Keep the reason under 1000 characters."})
    with transaction.atomic():
        grant = ConsentGrant.objects.select_for_update().get(pk=grant.pk)
        if grant.revoked_at is not None:
            raise ValidationError({"reason": "This consent has already been withdrawn."})
        _revoke(grant, actor=actor, reason=reason, at=timezone.now())
    return grant


# Emergency (break-glass) access ---------------------------------------------------------

MIN_REASON_WORDS = 6


def _is_a_sentence(text: str) -> bool:
    words = [w for w in text.split() if any(ch.isalpha() for ch in w)]
    return len(words) >= MIN_REASON_WORDS and len(text) >= 30


def break_glass_check(*, reason: str, actor, hours: int | None = None) -> tuple[str, int]:
    """The reason and hours emergency access would open with, or why not. Checked before the
    person is looked up by an identifier, so a bad request answers alike for a right and a
    wrong pair and only an actual opening tells them apart."""
    viewer = policy.viewer_for(actor)
    reason = (reason or "").strip()
    limit = settings.BREAK_GLASS_HOURS
    hours = limit if hours is None else hours
    errors = {}
    if not policy.opens_break_glass(viewer):
        raise PermissionDenied("Only agency staff may open emergency access.")
    if not _is_a_sentence(reason):
        errors["reason"] = (
            "Explain in a full sentence why you need emergency access, for example what has "
            "happened and what you need to know."
        )
    if not 1 <= hours <= limit:
        errors["hours"] = f"Emergency access lasts between 1 and {limit} hours."
    if errors:
        raise ValidationError(errors)
    return reason, hours


def break_glass_open(*, subject: Person, reason: str, actor, hours: int | None = None) -> BreakGlass:
    """Open emergency access to every agency's records of one person for a few hours (rule 5).

    The caller must already be allowed to open it for this person (journeys.selectors.break_glass_subject);
    the opening is written to the person's access log, and once it commits the agency's other
    managers are emailed, or, where there are none to tell, information governance."""
    reason, hours = break_glass_check(reason=reason, actor=actor, hours=hours)
    viewer = policy.viewer_for(actor)
    now = timezone.now()
    with transaction.atomic():
        glass = BreakGlass.objects.create(
            user=actor,
            agency_id=viewer.agency_id,
            subject=subject,
            reason=reason,
            opened_at=now,
            expires_at=now + timedelta(hours=hours),
            for_governance=not _manager_emails(agency_id=viewer.agency_id, opener=actor),
        )
        agency_knows_note(agency_id=viewer.agency_id, person_ids=[subject.pk], reason="break_glass")
        events.break_glass_opened(actor=actor, glass=glass, hours=hours)
        access_log.append(
            user=actor,
            agency_id=viewer.agency_id,
            role=viewer.role,
            subject_id=subject.pk,
            shown=f"Opened emergency access for up to {hours} hours (no records shown yet)",
            bases=[policy.Basis(BasisKind.BREAK_GLASS, glass.pk)],
        )
        _email_reviewers(glass.pk)
    return glass


def _manager_emails(*, agency_id: int, opener) -> list[str]:
    """Managers of the agency who can review an opening: never the one who opened it."""
    return list(
        StaffMembership.objects.filter(policy.managers_of(agency_id))
        .exclude(user__email="")
        .exclude(user_id=opener.pk)
        .values_list("user__email", flat=True)
    )


def _governance_emails() -> list[str]:
    """Information governance: staff with that role, and the partnership's shared address."""
    people = StaffMembership.objects.filter(policy.information_governance()).exclude(user__email="")
    shared = [settings.INFORMATION_GOVERNANCE_EMAIL] if settings.INFORMATION_GOVERNANCE_EMAIL else []
    return sorted(set(people.values_list("user__email", flat=True)) | set(shared))


def reviewer_emails(*, for_governance: bool, agency_id: int, opener) -> list[str]:
    """Who is asked to check what one staff member did alone (opened emergency access, gave a
    portal code in person): the agency's other managers, or information governance where the
    agency has none."""
    return _governance_emails() if for_governance else _manager_emails(agency_id=agency_id, opener=opener)


def _email_reviewers(glass_id: int) -> None:
    """Tell whoever must review the opening: the agency's managers, else information
    governance, whose review queue holds it either way."""
    glass = BreakGlass.objects.select_related("user", "agency").filter(pk=glass_id).first()
    if glass is None:
        return
    queue = "Emergency access reviews"
    if glass.for_governance:
        queue = f"Information governance: {queue.lower()}"
    recipients = reviewer_emails(
        for_governance=glass.for_governance, agency_id=glass.agency_id, opener=glass.user
    )
    if not recipients:
        return
    who = glass.user.get_full_name() or glass.user.get_username()
    email_queue(
        subject=f"Emergency access {glass.pk} needs your review",
        message=(
            f"{who} of {glass.agency.name} opened emergency access to one person's joined-up record "
            f"at {timezone.localtime(glass.opened_at):%H:%M on %d %B %Y}, until "
            f"{timezone.localtime(glass.expires_at):%H:%M}.\n\n"
            f"Their reason: {glass.reason}\n\n"
            f"Please review it in Joined Up ({queue}) and record whether it was "
            "justified. The person can see this access in their access log."
        ),
        from_email=None,
        recipient_list=recipients,
    )


def break_glass_review(*, glass: BreakGlass, status: str, note: str, actor) -> BreakGlass:
    """A manager of the agency records whether the emergency access was justified."""
    viewer = policy.viewer_for(actor)
    note = (note or "").strip()
    errors = {}
    if status not in (ReviewStatus.JUSTIFIED, ReviewStatus.NOT_JUSTIFIED):
        errors["status"] = "Choose whether the emergency access was justified."
    if not note:
        errors["note"] = "Write a note saying why."
    if errors:
        raise ValidationError(errors)
    if not policy.may_review_break_glass(viewer, glass):
        raise PermissionDenied("Only another manager of the agency or information governance may review it.")
    with transaction.atomic():
        glass = BreakGlass.objects.select_for_update().get(pk=glass.pk)
        if glass.review_status != ReviewStatus.PENDING:
            raise ValidationError({"status": "This emergency access has already been reviewed."})
        glass.review_status = status
        glass.review_note = note
        glass.reviewed_by = actor
        glass.reviewed_at = timezone.now()
        glass.save(update_fields=["review_status", "review_note", "reviewed_by", "reviewed_at"])
        events.break_glass_reviewed(actor=actor, glass=glass)
    return glass


# A parent's consent that ended on the young person's 16th birthday (rule 4) -------------


def consent_lapse_notices_send(*, now: datetime | None = None) -> int:
    """Tell each young person, once per grant, that a consent a parent gave for them ended
    when they reached the own-consent age, and that they can give their own. Safe to run
    twice: the notice row is unique per grant."""
    now = now or timezone.now()
    due = (
        policy.lapsed_parent_grants(now)
        .filter(
            subject__date_of_birth__lte=policy.own_consent_birthday_cutoff(now), lapse_notice__isnull=True
        )
        .exclude(subject__email="")
        .select_related("subject")
        .order_by("id")
    )
    return grant_notices_send(
        due,
        notice_model=ConsentLapseNotice,
        to=lambda grant: grant.subject.email,
        event=events.consent_lapse_notice_sent,
        send=_send_lapse_notice,
        now=now,
    )


def grant_notices_send(due, *, notice_model, to, event, send, now: datetime) -> int:
    """Send one email a grant for each grant due, at most once ever: the notice row (unique
    per grant) is written, audited (`event`, the notice's typed audit event) and its email
    queued on commit in one transaction, so a nightly run repeated, or two at once, sends
    nothing twice. Returns how many were sent."""
    sent = 0
    for grant in due.iterator(chunk_size=500):
        with transaction.atomic():
            notice, created = notice_model.objects.get_or_create(
                grant=grant, defaults={"sent_at": now, "sent_to": to(grant)}
            )
            if not created:
                continue
            event(notice=notice)
            send(grant.pk)
        sent += 1
    return sent


def _send_lapse_notice(grant_id: int) -> None:
    grant = ConsentGrant.objects.select_related("agency", "subject", "lapse_notice").get(pk=grant_id)
    person = grant.subject
    email_queue(
        subject=f"Your parent's consent for {grant.agency.name} has ended",
        message=(
            f"Hello {person.preferred_name or person.given_name},\n\n"
            f"A parent agreed that {grant.agency.name} may see parts of your Joined Up record. "
            f"That consent ended on your {settings.CONSENT_OWN_AGE}th birthday, "
            f"{policy.own_age_birthday(person):%-d %B %Y}: from then, you decide.\n\n"
            f"{grant.agency.name} now sees only its own records of you. To choose what it may see, "
            f"or to withdraw the old consent, go to:\n{settings.SITE_URL}{reverse('portal:consents')}"
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[grant.lapse_notice.sent_to],
    )
