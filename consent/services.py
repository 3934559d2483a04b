"""Every write to consent: grants, revocations and changes of scope."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from agencies.models import Agency
from journeys.models import Person, Sensitivity

from . import policy
from .events import record_event
from .models import Category, ConsentGrant, Method


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
    expires_at = expires_at or valid_from + timedelta(days=30 * settings.CONSENT_DEFAULT_MONTHS)
    errors = {}
    if method not in Method.values:
        errors["method"] = "Choose how the consent was given."
    if valid_from < now - timedelta(days=settings.CONSENT_BACKDATE_DAYS):
        errors["valid_from"] = f"Consent can start at most {settings.CONSENT_BACKDATE_DAYS} days ago."
    if expires_at <= valid_from:
        errors["expires_at"] = "The end date must be after the start date."
    if not may_give_consent_for(giver=given_by, subject=subject, at=now):
        errors["given_by"] = (
            "A child's consent must come from an adult with parental responsibility; "
            f"from {settings.CONSENT_OWN_AGE} a young person gives their own."
        )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        grant = ConsentGrant.objects.create(
            subject=subject,
            agency=agency,
            categories=categories,
            labels=labels,
            purpose=purpose,
            given_by=given_by,
            recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
            method=method,
            valid_from=valid_from,
            expires_at=expires_at,
            replaces=replaces,
        )
        record_event(actor=actor, verb="consent.granted", obj=grant, agency=agency.pk)
    return grant


def consent_revoke(*, grant: ConsentGrant, actor, reason: str = "") -> ConsentGrant:
    """End a grant now; the very next request by that agency's staff no longer sees the records."""
    with transaction.atomic():
        grant = ConsentGrant.objects.select_for_update().get(pk=grant.pk)
        if grant.revoked_at is not None:
            raise ValidationError({"grant": "This consent has already been withdrawn."})
        grant.revoked_at = timezone.now()
        grant.revoked_by = actor if getattr(actor, "is_authenticated", False) else None
        grant.revoke_reason = reason
        grant.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
        record_event(actor=actor, verb="consent.revoked", obj=grant, reason=reason)
    return grant


def consent_change_scope(
    *, grant: ConsentGrant, categories: list[str], labels: list[str] | None, actor, method: str
) -> ConsentGrant:
    """A grant is never edited: revoke it and make its successor in one transaction."""
    with transaction.atomic():
        consent_revoke(grant=grant, actor=actor, reason="Scope changed")
        return consent_grant(
            subject=grant.subject,
            agency=grant.agency,
            categories=categories,
            labels=labels,
            method=method,
            actor=actor,
            given_by=grant.given_by,
            purpose=grant.purpose,
            expires_at=grant.expires_at,
            replaces=grant,
        )
