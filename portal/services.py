"""Every write the citizen portal makes: invitations, a person's own contact details,
corrections of recorded details, renewing consent, data exports and consent reminders.

Each service validates, writes in one transaction with its audit event, and sends email or
schedules Celery work only once the transaction commits.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from contextlib import nullcontext
from datetime import date, datetime, timedelta

import pghistory
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.text import slugify

from agencies.models import Agency
from consent import policy
from consent.models import ConsentGrant, Method
from consent.services import (
    _governance_emails,
    _manager_emails,
    consent_grant,
    grant_notices_send,
    reviewer_emails,
)
from core import dates
from core.mail import email_queue
from core.outbox import outbox_enqueue
from journeys.models import Contact, Person

from . import events
from .models import (
    ConsentReminder,
    CorrectableField,
    CorrectionRequest,
    CorrectionStatus,
    DataExport,
    ExportStatus,
    Invitation,
    InvitationChannel,
)
from .selectors import codes_waiting_for_confirmation
from .sms import send_sms

log = logging.getLogger(__name__)

EXPIRED_LINK = (
    "This link has expired or has already been used. Ask the person who invited you to send a new one."
)
NOT_CONFIRMED = (
    "This code cannot be used yet: a second person has to confirm that it was given to you. "
    "Try again later, or ask the person who gave you the code."
)
NOT_FOR_STAFF = "The staff who gave or confirmed this code cannot use it. The person it is for must."


def _link(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def _age_on(person: Person, day: date) -> int:
    born = person.date_of_birth
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _for_subject(actor, person: Person) -> policy.Viewer:
    """The actor is the person, or a parent of the child: anyone else is refused."""
    viewer = policy.viewer_for(actor)
    scope = policy.scope_for(viewer, person.pk) if policy.uses_portal(viewer) else None
    if scope is None or not scope.for_subject:
        raise PermissionDenied("Only the person or their parent may do this.")
    return viewer


# Invitations ------------------------------------------------------------------------------

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"  # no 0/O, 1/I/L or U to misread
WRONG_CODE = "The code or the date of birth is not right. Check both and try again."


def code_hash(code: str) -> str:
    """Codes are short, so they are kept as a keyed hash: a copy of the table alone does not
    let anyone try every code. Spaces, dashes and case do not matter."""
    normal = re.sub(r"[^A-Z0-9]", "", (code or "").upper())
    return salted_hmac("joinedup.invitation-code", normal).hexdigest()


def _new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def _username_for(person: Person) -> str:
    """The record's email where it is free, else a name the person is shown when they join."""
    if person.email and not get_user_model().objects.filter(username__iexact=person.email).exists():
        return person.email.lower()
    return f"{slugify(person.given_name) or 'person'}-{secrets.randbelow(10**6):06d}"


def invitation_send(*, person: Person, channel: str, actor) -> tuple[Invitation, str | None]:
    """Invite a person to the portal (rule 12): by email or text message to the details
    already on their record, which only staff who may see those details can choose, or in
    person with a one-time code. A newer invitation withdraws any older one that was not used.
    Returns the invitation and, in person, the code to hand over (shown once, kept hashed).
    A code works only once a second person confirms it (invitation_code_confirm): the agency's
    other managers, or information governance where it has none, are asked by email."""
    from .selectors import invitation_channels

    viewer = policy.viewer_for(actor)
    person = Person.objects.get(pk=person.pk)  # the record as stored, not as a page showed it
    scope = policy.scope_for(viewer, person) if policy.uses_staff_pages(viewer) else None
    if scope is None:
        raise PermissionDenied("Only staff who may see this person can invite them.")
    errors = {}
    if channel not in invitation_channels(scope=scope, person=person):
        errors["channel"] = "Choose one of the ways shown to give them the invitation."
    if _age_on(person, timezone.localdate()) < settings.CONSENT_OWN_AGE:
        errors["person"] = (
            f"People under {settings.CONSENT_OWN_AGE} do not have their own account. "
            "Invite a parent with parental responsibility instead."
        )
    elif person.user_id is not None:
        errors["person"] = "This person already has an account."
    elif (
        channel == InvitationChannel.EMAIL
        and get_user_model().objects.filter(username__iexact=person.email).exists()
    ):
        errors["channel"] = "The email address on their record is already used for another account."
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    code = _new_code() if channel == InvitationChannel.IN_PERSON else None
    token = None if code else secrets.token_urlsafe(32)
    lasts = (
        timedelta(hours=settings.INVITATION_CODE_HOURS) if code else timedelta(days=settings.INVITATION_DAYS)
    )
    with transaction.atomic():
        Invitation.objects.filter(person=person, accepted_at__isnull=True, withdrawn_at__isnull=True).update(
            withdrawn_at=now
        )
        invitation = Invitation.objects.create(
            person=person,
            channel=channel,
            email=person.email if channel == InvitationChannel.EMAIL else "",
            phone=person.phone if channel == InvitationChannel.SMS else "",
            username=_username_for(person),
            token_hash=code_hash(code) if code else token_hash(token),
            invited_by=actor,
            created_at=now,
            expires_at=now + lasts,
            agency_id=viewer.agency_id,
            for_governance=bool(code) and not _manager_emails(agency_id=viewer.agency_id, opener=actor),
        )
        events.invitation_sent(actor=actor, invitation=invitation)
        if token:
            _send_invitation(invitation.pk, token)
        else:
            _ask_to_confirm(invitation.pk)
    return invitation, code


def _ask_to_confirm(invitation_id: int) -> None:
    """Tell whoever may confirm a code given in person that one is waiting."""
    invitation = Invitation.objects.select_related("invited_by", "agency").filter(pk=invitation_id).first()
    if invitation is None or invitation.invited_by is None:
        return
    recipients = reviewer_emails(
        for_governance=invitation.for_governance, agency_id=invitation.agency_id, opener=invitation.invited_by
    )
    if not recipients:
        return
    who = invitation.invited_by.get_full_name() or invitation.invited_by.get_username()
    email_queue(
        subject=f"A one-time portal code (I{invitation.pk}) needs your confirmation",
        message=(
            f"{who} of {invitation.agency.name} gave a person a one-time code to open a Joined Up "
            f"portal account at {timezone.localtime(invitation.created_at):%H:%M on %d %B %Y}.\n\n"
            "The code works only once you confirm it was given properly. Check with them, then "
            f"confirm it here:\n{_link(reverse('portal:staff_invitation_codes'))}"
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=recipients,
    )


def invitation_code_confirm(*, invitation: Invitation, actor) -> Invitation:
    """The second person confirms a code given in person (rule 12), so no one member of staff
    alone can open a portal account, and through it the person's whole record."""
    viewer = policy.viewer_for(actor)
    with transaction.atomic():
        invitation = (
            policy.invitation_codes_to_confirm(viewer, codes_waiting_for_confirmation())
            .select_for_update()
            .filter(pk=invitation.pk)
            .first()
        )
        if invitation is None:
            raise PermissionDenied(
                "Only another manager of the agency or information governance may confirm it."
            )
        invitation.confirmed_by = actor
        invitation.confirmed_at = timezone.now()
        invitation.save(update_fields=["confirmed_by", "confirmed_at"])
        events.invitation_code_confirmed(actor=actor, invitation=invitation)
    return invitation


def _refuse_staff(invitation: Invitation, by) -> None:
    """The staff who gave or confirmed a code cannot be the ones who use it."""
    if by is not None and by.pk in (invitation.invited_by_id, invitation.confirmed_by_id):
        raise ValidationError({"code": NOT_FOR_STAFF})


def _send_invitation(invitation_id: int, token: str) -> None:
    invitation = Invitation.objects.select_related("person").filter(pk=invitation_id).first()
    if invitation is None:
        return
    until = timezone.localtime(invitation.expires_at)
    link = _link(reverse("portal:join", args=[token]))
    if invitation.channel == InvitationChannel.SMS:
        send_sms(
            phone=invitation.phone,
            text=f"Joined Up: you can now see your record online. Set a password here: {link} "
            f"It works once, until {until:%-d %B %Y}. Your username: {invitation.username}",
        )
        return
    email_queue(
        subject="You are invited to see your Joined Up record",
        message=(
            f"Hello {invitation.person.preferred_name or invitation.person.given_name},\n\n"
            "You can now see your Joined Up record online. You can see who looked at it, "
            "choose which agencies may see it, and change your phone number or address.\n\n"
            f"To start, set a password here:\n{link}\n\n"
            f"This link works once, until {until:%-d %B %Y at %H:%M}.\n"
            f"Your username is: {invitation.username}\n\n"
            "If you did not expect this email, you can ignore it."
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[invitation.email],
    )


def invitation_for_token(token: str) -> Invitation | None:
    """The invitation this link belongs to while it can still be used, else None."""
    invitation = Invitation.objects.select_related("person").filter(token_hash=token_hash(token)).first()
    if invitation is None or not _usable(invitation, timezone.now()):
        return None
    return invitation


def _usable(invitation: Invitation, now: datetime) -> bool:
    """Unused, not replaced, not expired, and (for a code not yet redeemed) fewer wrong
    dates of birth than INVITATION_CODE_ATTEMPTS."""
    waiting_code = invitation.channel == InvitationChannel.IN_PERSON and invitation.code_redeemed_at is None
    return (
        invitation.accepted_at is None
        and invitation.withdrawn_at is None
        and invitation.expires_at > now
        and not (waiting_code and invitation.failed_attempts >= settings.INVITATION_CODE_ATTEMPTS)
    )


def invitation_code_redeem(*, code: str, date_of_birth: date, by=None) -> str:
    """The person types the code they were handed and their date of birth. Right: the code is
    used up and a link token to set their password is returned. Wrong code or wrong date of
    birth: the same error, and a wrong date counts against the code, which stops working after
    INVITATION_CODE_ATTEMPTS. A code not yet confirmed by a second person does not work, nor
    for `by` (whoever is signed in) when they gave or confirmed it."""
    now = timezone.now()
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update()
            .select_related("person")
            .filter(
                token_hash=code_hash(code),
                channel=InvitationChannel.IN_PERSON,
                code_redeemed_at__isnull=True,
            )
            .first()
        )
        if invitation is None or not _usable(invitation, now) or invitation.person.user_id is not None:
            raise ValidationError({"code": WRONG_CODE})
        _refuse_staff(invitation, by)
        if invitation.confirmed_at is None:
            raise ValidationError({"code": NOT_CONFIRMED})
        matched = invitation.person.date_of_birth == date_of_birth
        if matched:
            token = secrets.token_urlsafe(32)
            invitation.token_hash = token_hash(token)
            invitation.code_redeemed_at = now
            invitation.save(update_fields=["token_hash", "code_redeemed_at"])
        else:
            invitation.failed_attempts += 1
            invitation.save(update_fields=["failed_attempts"])
        if matched:
            events.invitation_code_redeemed(invitation=invitation)
        else:
            events.invitation_code_wrong_date_of_birth(invitation=invitation)
    if not matched:
        raise ValidationError({"code": WRONG_CODE})
    return token


def invitation_accept(*, token: str, password: str, by=None):
    """Set the person's password through their invitation link: makes their account, uses up
    the link, and tells the person through the details on their record, or information
    governance where the record has none; the other holders of parental responsibility for
    any child the account opens are told too. Returns the new user."""
    User = get_user_model()
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().filter(token_hash=token_hash(token or "")).first()
        if invitation is None or not _usable(invitation, timezone.now()):
            raise ValidationError({"token": EXPIRED_LINK})
        _refuse_staff(invitation, by)
        person = Person.objects.select_for_update().get(pk=invitation.person_id)
        if person.user_id is not None:
            raise ValidationError({"token": EXPIRED_LINK})
        user = User(
            username=invitation.username,
            email=person.email,
            first_name=person.preferred_name or person.given_name,
            last_name=person.family_name,
        )
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise ValidationError({"password": exc.messages}) from None
        user.set_password(password)
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:
            raise ValidationError({"token": "This username is already used for another account."}) from None
        Person.objects.filter(pk=person.pk).update(user=user)
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_at"])
        told = "email" if person.email else "sms" if person.phone else "information_governance"
        events.invitation_accepted(user=user, invitation=invitation, told_by=told)
        children = list(policy.children_of(person.pk).values_list("person_id", flat=True))
        if children:
            events.invitation_holders_told(user=user, invitation=invitation, children=children)
        _tell_account_made(person.pk)
        _tell_other_holders(person.pk, children)
    return user


def _tell_account_made(person_id: int) -> None:
    """Rule 12: the person hears of a new account through the details on their record, so an
    account made by someone else does not go unnoticed."""
    person = Person.objects.select_related("user", "registered_by").filter(pk=person_id).first()
    if person is None or person.user is None:
        return
    made = timezone.localtime(person.user.date_joined)
    who = person.registered_by.name if person.registered_by else "the agency that invited you"
    text = (
        f"A Joined Up account was made for you on {made:%-d %B %Y at %H:%M}, with the username "
        f"{person.user.username}. If this was not you, tell {who} at once."
    )
    if person.email:
        email_queue(
            subject="A Joined Up account was made for you",
            message=f"Hello {person.preferred_name or person.given_name},\n\n{text}\n\n"
            f"Sign in: {_link(reverse('login'))}",
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[person.email],
        )
    elif person.phone:
        send_sms(phone=person.phone, text=f"Joined Up: {text}")
    elif recipients := _governance_emails():
        email_queue(
            subject=f"A portal account was made for a person with no contact details (P{person.pk})",
            message=(
                f"A Joined Up portal account was made on {made:%-d %B %Y at %H:%M} for person P{person.pk}, "
                "whose record has no email or phone, so they could not be told.\n\n"
                "Please check with the agency that gave the invitation that the account is theirs."
            ),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=recipients,
        )


def _tell_other_holders(person_id: int, children: list[int]) -> None:
    """Rule 4: every other holder of parental responsibility for a child hears, through their
    recorded details, that a new account can now see the child's record."""
    if not children:
        return
    parent = Person.objects.get(pk=person_id)
    families = policy.current_memberships().filter(person_id__in=children).values("family_id")
    holders = (
        policy.current_memberships()
        .filter(family_id__in=families, parental_responsibility=True)
        .exclude(person_id=person_id)
        .select_related("person")
    )
    for holder in {membership.person for membership in holders}:
        text = (
            f"A Joined Up account was made for {parent.full_name}, who is recorded as holding parental "
            "responsibility for a child you hold it for too. They can now see the child's record "
            "online. If this is wrong, tell the agency that works with your family at once."
        )
        if holder.email:
            email_queue(
                subject="Someone else can now see your child's Joined Up record",
                message=f"Hello {holder.preferred_name or holder.given_name},\n\n{text}",
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=[holder.email],
            )
        elif holder.phone:
            send_sms(phone=holder.phone, text=f"Joined Up: {text}")


# A person's own contact details -----------------------------------------------------------

DETAIL_FIELDS = ("phone", "email", "address", "preferred_name")
PHONE_CHARS = re.compile(r"^[0-9 +()\-]+$")


def _clean_details(phone: str, email: str, address: str, preferred_name: str) -> dict:
    values = {
        "phone": " ".join((phone or "").split()),
        "email": (email or "").strip().lower(),
        "address": "\n".join(line.strip() for line in (address or "").strip().splitlines() if line.strip()),
        "preferred_name": " ".join((preferred_name or "").split()),
    }
    errors = {}
    digits = re.sub(r"\D", "", values["phone"])
    if values["phone"] and (not PHONE_CHARS.match(values["phone"]) or not 10 <= len(digits) <= 15):
        errors["phone"] = "Enter a phone number, like 07700 900 982 or +44 7700 900 982."
    if values["email"]:
        try:
            validate_email(values["email"])
        except ValidationError:
            errors["email"] = "Enter an email address in the correct format, like name@example.com."
    if len(values["address"]) > 500:
        errors["address"] = "The address must be 500 characters or fewer."
    if len(values["preferred_name"]) > 100:
        errors["preferred_name"] = "The name must be 100 characters or fewer."
    if errors:
        raise ValidationError(errors)
    return values


def person_details_change(
    *, person: Person, phone: str, email: str, address: str, preferred_name: str, actor
) -> list[str]:
    """Change a person's phone, email, address or preferred name at once. Agencies see the new
    details on their next request; the old ones are kept in the history. Returns the names of
    the fields that changed."""
    _for_subject(actor, person)
    values = _clean_details(phone, email, address, preferred_name)
    with transaction.atomic():
        person = Person.objects.select_for_update().get(pk=person.pk)
        before = {name: getattr(person, name) for name in DETAIL_FIELDS}
        changed = [name for name in DETAIL_FIELDS if before[name] != values[name]]
        if not changed:
            return []
        for name in changed:
            setattr(person, name, values[name])
        # On PostgreSQL the pghistory trigger keeps each version, tagged with who changed it.
        tag = (
            pghistory.context(user=actor.pk, via="portal")
            if connection.vendor == "postgresql"
            else nullcontext()
        )
        with tag:
            person.save(update_fields=changed)
        if "email" in changed and person.user_id and values["email"]:
            get_user_model().objects.filter(pk=person.user_id).update(email=values["email"])
        events.person_details_changed(
            actor=actor,
            person=person,
            before={name: before[name] for name in changed},
            after={name: values[name] for name in changed},
        )
    return changed


# Corrections of recorded details ----------------------------------------------------------


def _display(field: str, value) -> str:
    if field == CorrectableField.DATE_OF_BIRTH:
        day = value if isinstance(value, date) else date.fromisoformat(str(value))
        return day.isoformat()
    return " ".join(str(value or "").split())


def correction_request(
    *, person: Person, field: str, requested_value, explanation: str = "", actor
) -> CorrectionRequest:
    """Ask the agency that recorded the person to correct their name or date of birth."""
    _for_subject(actor, person)
    errors = {}
    explanation = (explanation or "").strip()
    if field not in CorrectableField.values:
        raise ValidationError({"field": "Choose what needs correcting."})
    try:
        value = _display(field, requested_value)
    except (TypeError, ValueError):
        value = ""
    current = _display(field, getattr(person, field))
    if not value:
        errors["requested_value"] = "Enter what it should say."
    elif len(value) > 100:
        errors["requested_value"] = "The new value must be 100 characters or fewer."
    elif value == current:
        errors["requested_value"] = "This is what your record says already. Enter the correct value."
    elif field == CorrectableField.DATE_OF_BIRTH:
        errors.update(
            dates.field_errors({"requested_value": (dates.DATE_OF_BIRTH, date.fromisoformat(value))})
        )
    if len(explanation) > 2000:
        errors["explanation"] = "The explanation must be 2000 characters or fewer."
    if person.registered_by_id is None:
        errors["field"] = "We cannot tell which agency recorded your details. Ask your advocate to help."
    elif CorrectionRequest.objects.filter(
        person=person, field=field, status=CorrectionStatus.PENDING
    ).exists():
        errors["field"] = "You have already asked for this to be corrected. Wait for the answer."
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            correction = CorrectionRequest.objects.create(
                person=person,
                agency_id=person.registered_by_id,
                field=field,
                current_value=current,
                requested_value=value,
                explanation=explanation,
                requested_by=actor,
                requested_at=timezone.now(),
            )
            events.correction_requested(actor=actor, correction=correction)
            _email_agency_staff(correction.pk)
    except IntegrityError:
        raise ValidationError(
            {"field": "You have already asked for this to be corrected. Wait for the answer."}
        ) from None
    return correction


def _email_agency_staff(correction_id: int) -> None:
    correction = CorrectionRequest.objects.select_related("agency").filter(pk=correction_id).first()
    if correction is None:
        return
    emails = list(
        get_user_model()
        .objects.filter(staff_membership__agency_id=correction.agency_id, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    if emails:
        email_queue(
            subject="A person has asked for their details to be corrected",
            message=(
                f"Someone your agency recorded has asked for a correction (reference R{correction.pk}).\n\n"
                "Sign in and open 'Corrections' to accept or decline it:\n"
                f"{_link(reverse('portal:staff_corrections'))}"
            ),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=emails,
        )


def correction_decide(
    *, correction: CorrectionRequest, accept: bool, reason: str = "", actor
) -> CorrectionRequest:
    """Staff of the recording agency accept a correction (the record changes) or decline it
    with a reason the person will read."""
    viewer = policy.viewer_for(actor)
    if not policy.decides_corrections_of(viewer, correction.agency_id):
        raise PermissionDenied("Only staff of the agency that recorded the details may decide.")
    reason = (reason or "").strip()
    if not accept and not reason:
        raise ValidationError({"reason": "Say why you are declining, in words the person will understand."})
    if len(reason) > 2000:
        raise ValidationError({"reason": "The reason must be 2000 characters or fewer."})
    with transaction.atomic():
        correction = CorrectionRequest.objects.select_for_update().get(pk=correction.pk)
        if correction.status != CorrectionStatus.PENDING:
            raise ValidationError({"decision": "This request has already been decided."})
        if accept:
            person = Person.objects.select_for_update().get(pk=correction.person_id)
            value = correction.requested_value
            if correction.field == CorrectableField.DATE_OF_BIRTH:
                value = date.fromisoformat(value)
            setattr(person, correction.field, value)
            person.save(update_fields=[correction.field])
            events.person_corrected(actor=actor, person=person, correction=correction)
        correction.status = CorrectionStatus.ACCEPTED if accept else CorrectionStatus.DECLINED
        correction.decided_by = actor
        correction.decided_at = timezone.now()
        correction.decision_reason = reason
        correction.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
        if accept:
            events.correction_accepted(actor=actor, correction=correction)
        else:
            events.correction_declined(actor=actor, correction=correction)
        _email_person_decision(correction.pk)
    return correction


def _email_person_decision(correction_id: int) -> None:
    correction = CorrectionRequest.objects.select_related("person", "agency").filter(pk=correction_id).first()
    if correction is None or not correction.person.email:
        return
    answer = "accepted" if correction.status == CorrectionStatus.ACCEPTED else "declined"
    email_queue(
        subject=f"Your request to correct your details was {answer}",
        message=(
            f"{correction.agency.name} has {answer} your request to change your "
            f"{correction.get_field_display().lower()}.\n\n"
            + (f"Their reason: {correction.decision_reason}\n\n" if correction.decision_reason else "")
            + f"See your details: {_link(reverse('portal:details'))}"
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[correction.person.email],
    )


# Consent given online ---------------------------------------------------------------------


def portal_consent_give(
    *, subject: Person, agency: Agency, categories: list[str], labels: list[str], actor
) -> ConsentGrant:
    """The person (or a parent, for a child) gives or changes consent online. A new grant
    replaces the one standing for that agency, so changing the scope is giving again."""
    viewer = _for_subject(actor, subject)
    giver = Person.objects.get(pk=viewer.person_id)
    return consent_grant(
        subject=subject,
        agency=agency,
        categories=categories,
        labels=labels,
        method=Method.PORTAL,
        given_by=giver,
        purpose="Given online by the person.",
        actor=actor,
    )


def consent_renew(*, grant: ConsentGrant, actor) -> ConsentGrant:
    """Keep sharing with the same agency and the same scope for another term."""
    viewer = _for_subject(actor, grant.subject)
    with transaction.atomic():
        grant = ConsentGrant.objects.select_for_update().get(pk=grant.pk)
        if grant.revoked_at is not None or ConsentGrant.objects.filter(replaces=grant).exists():
            raise ValidationError({"grant": "This consent has been withdrawn or renewed already."})
        return consent_grant(
            subject=grant.subject,
            agency=grant.agency,
            categories=grant.categories,
            labels=grant.labels,
            method=Method.PORTAL,
            given_by=Person.objects.get(pk=viewer.person_id),
            purpose=grant.purpose,
            replaces=grant,
            actor=actor,
        )


def consent_reminders_send(*, now: datetime | None = None) -> int:
    """Email whoever gave each consent that ends within CONSENT_REMINDER_DAYS, once per grant,
    with a link to renew it. Safe to run twice: the reminder row is unique per grant."""
    now = now or timezone.now()
    due = (
        policy.active_grants(now)
        .filter(
            expires_at__lte=now + timedelta(days=settings.CONSENT_REMINDER_DAYS),
            reminder__isnull=True,
            replaced_by__isnull=True,
        )
        .exclude(given_by__email="")
        .select_related("agency", "subject", "given_by")
        .order_by("expires_at", "id")
    )
    return grant_notices_send(
        due,
        notice_model=ConsentReminder,
        to=lambda grant: grant.given_by.email,
        event=events.consent_reminder_sent,
        send=_send_reminder,
        now=now,
    )


def _send_reminder(grant_id: int) -> None:
    grant = ConsentGrant.objects.select_related("agency", "subject", "given_by", "reminder").get(pk=grant_id)
    whose = "your" if grant.given_by_id == grant.subject_id else f"{grant.subject.given_name}'s"
    ends = timezone.localtime(grant.expires_at)
    email_queue(
        subject=f"{grant.agency.name} will stop seeing {whose} record on {ends:%-d %B %Y}",
        message=(
            f"Hello {grant.given_by.preferred_name or grant.given_by.given_name},\n\n"
            f"You agreed that {grant.agency.name} may see parts of {whose} Joined Up record. "
            f"This ends on {ends:%-d %B %Y}.\n\n"
            f"To keep sharing, renew it here:\n{_link(reverse('portal:consent_renew', args=[grant.pk]))}\n\n"
            f"If you do nothing, {grant.agency.name} will stop seeing it on that day. "
            "They will still see their own records."
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[grant.reminder.sent_to],
    )


# Download my data -------------------------------------------------------------------------


def export_size(person: Person) -> int:
    """About how many rows an export of this person gathers: decides task or inline."""
    contacts = Contact.persons.through.objects.filter(person_id=person.pk).count()
    return contacts + person.assessments.count() + person.access_log.count()


def data_export_request(*, person: Person, actor) -> DataExport:
    """Start gathering everything held about a person for them. Small records are ready at
    once; larger ones are built by a Celery task while the page shows progress. Asking again
    while one is being made returns that one, queued again if it is stuck (its worker died)."""
    from .selectors import export_stuck

    _for_subject(actor, person)
    with transaction.atomic():
        Person.objects.select_for_update().filter(pk=person.pk).first()
        waiting = DataExport.objects.filter(
            person=person, requested_by=actor, status__in=[ExportStatus.PENDING, ExportStatus.RUNNING]
        ).first()
        if waiting is not None and export_stuck(waiting):
            DataExport.objects.filter(pk=waiting.pk).update(
                status=ExportStatus.PENDING, progress=0, requested_at=timezone.now()
            )
            events.data_export_retried(actor=actor, export=waiting)
            _queue_export(waiting.pk)
            waiting.refresh_from_db()
        if waiting is not None:
            return waiting
        export = DataExport.objects.create(person=person, requested_by=actor, requested_at=timezone.now())
        events.data_export_requested(actor=actor, export=export)
        inline = export_size(person) <= settings.DATA_EXPORT_INLINE_LIMIT
        if not inline:
            _queue_export(export.pk)
    if inline:
        data_export_build(export_id=export.pk)
        export.refresh_from_db()
    return export


def _queue_export(export_id: int) -> None:
    outbox_enqueue(task_name="consent.build_data_export", kwargs={"export_id": export_id})


def data_export_build(*, export_id: int) -> DataExport | None:
    """Gather the export's content, showing progress as it goes. Idempotent: a ready export
    is left alone, and a missing one is ignored."""
    from .selectors import data_export_content

    export = DataExport.objects.select_related("requested_by").filter(pk=export_id).first()
    if export is None or export.status == ExportStatus.READY:
        return export
    if export.requested_by is None:
        DataExport.objects.filter(pk=export_id).update(status=ExportStatus.FAILED)
        return export
    DataExport.objects.filter(pk=export_id).update(status=ExportStatus.RUNNING, progress=5)

    def progress(percent: int) -> None:
        DataExport.objects.filter(pk=export_id).update(progress=min(max(percent, 0), 99))

    try:
        content = data_export_content(user=export.requested_by, person_id=export.person_id, progress=progress)
    except Exception:
        DataExport.objects.filter(pk=export_id).update(status=ExportStatus.FAILED)
        log.exception("Data export %s failed", export_id)
        raise
    with transaction.atomic():
        export = DataExport.objects.select_for_update().get(pk=export_id)
        export.content = content
        export.status = ExportStatus.READY
        export.progress = 100
        export.finished_at = timezone.now()
        export.save(update_fields=["content", "status", "progress", "finished_at"])
        events.data_export_ready(export=export)
    return export
