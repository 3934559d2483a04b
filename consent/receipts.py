"""Consent receipts: a plain-language summary of a grant or its withdrawal, to print or keep."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from journeys.models import Sensitivity

from . import policy
from .models import Category, ConsentGrant, Lapse

CATEGORY_WORDS = {
    Category.CONTACTS: "when and how other agencies have been in touch with {them}",
    Category.ASSESSMENTS: "assessments other agencies have made, with the answers given",
    Category.NOTES: "what other agencies wrote about each contact",
    Category.CONTACT_DETAILS: "{their} phone number, email and address",
}


def what_agency_will_see(
    *, agency_name: str, categories, labels, them: str = "you", their: str = "your"
) -> str:
    """One sentence naming what an agency's staff will see under a grant of this scope."""
    things = [CATEGORY_WORDS[Category(c)].format(them=them, their=their) for c in sorted(categories)]
    topics = [Sensitivity(lb).label.lower() for lb in sorted(labels) if lb != Sensitivity.GENERAL]
    sentence = f"Staff at {agency_name} will see " + _join(things)
    if Sensitivity.GENERAL in labels:
        sentence += ", for everyday records"
        if topics:
            sentence += " and for records about " + _join(topics)
    elif topics:
        sentence += ", but only for records about " + _join(topics)
    return sentence + ". They always see their own agency's records."


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _when(moment) -> str:
    return f"{timezone.localtime(moment):%-d %B %Y at %H:%M}"


def receipt_lines(grant: ConsentGrant, *, subject: str | None = None) -> list[str]:
    """The receipt as short paragraphs, the same for the page, the API and print. `subject`
    calls the person otherwise where the reader may not know them by name."""
    subject = subject or grant.subject.full_name
    lines = [
        f"Consent {grant.pk}: {subject} agreed that {grant.agency.name} may see parts of "
        f"{subject}'s joined-up record.",
        what_agency_will_see(
            agency_name=grant.agency.name,
            categories=grant.categories,
            labels=grant.labels,
            them=subject,
            their=f"{subject}'s",
        ),
    ]
    if grant.purpose:
        lines.append(f"Why: {grant.purpose}")
    if grant.given_by_id != grant.subject_id:
        lines.append(f"Given by {grant.given_by.full_name}, who has parental responsibility for {subject}.")
    lines.append(f"How it was given: {grant.get_method_display().lower()}.")
    if grant.recorded_by:
        lines.append(f"Recorded by {grant.recorded_by.get_full_name() or grant.recorded_by.get_username()}.")
    lines.append(
        f"It starts {_when(grant.valid_from)} and ends {_when(grant.expires_at)} unless withdrawn sooner."
    )
    lapse = policy.lapse_of(grant)
    if lapse == Lapse.OWN_AGE:
        lines.append(
            f"It ended on {subject}'s {settings.CONSENT_OWN_AGE}th birthday, "
            f"{policy.own_age_birthday(grant.subject):%-d %B %Y}: from then {subject} decides."
        )
    elif lapse == Lapse.RESPONSIBILITY:
        lines.append(
            f"It ended when {grant.given_by.full_name}'s parental responsibility for {subject} ended."
        )
    if grant.revoked_at:
        by = (
            grant.revoked_by.get_full_name() or grant.revoked_by.get_username()
            if grant.revoked_by
            else "someone"
        )
        line = f"Withdrawn {_when(grant.revoked_at)} by {by}"
        lines.append(line + (f": {grant.revoke_reason}" if grant.revoke_reason else "."))
        lines.append(f"From that moment {grant.agency.name} no longer sees these records.")
    else:
        lines.append(
            "You can withdraw this consent at any time, online or by telling any agency or your advocate. "
            "It stops at once. You can see who looked at your record in your access log."
        )
    return lines
