"""Reads for the citizen portal, each scoped by the consent policy: a citizen sees their own
record and those of children they hold parental responsibility for, and nothing else.

Every function that takes a person id answers 404 alike for "missing" and "not yours".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Case, QuerySet, When
from django.http import Http404
from django.utils import timezone

from agencies.models import Agency, Role, Sector
from concerns.selectors import concerns_for_person
from consent import access_log, policy
from consent import selectors as consent_selectors
from consent.models import AccessLog, BasisKind, BreakGlass, Category, ConsentGrant, ReviewStatus
from consent.receipts import what_agency_will_see
from core.models import AuditEvent, Verb
from journeys.models import Membership, Person
from journeys.selectors import Record, person_record

from .models import (
    CorrectionRequest,
    CorrectionStatus,
    DataExport,
    ExportStatus,
    Invitation,
    InvitationChannel,
)

# Why sharing with each kind of agency helps, in plain words (reading age about 9).
WHY_IT_HELPS = {
    Sector.POLICE: "The police can see that your family already has help, so they can send the right people.",
    Sector.CHILDRENS_SOCIAL_CARE: "Social workers can see the help you already get, so they do not ask "
    "you the same things again.",
    Sector.ADULT_SOCIAL_CARE: "Care staff can see the help you already get, so they do not ask you the "
    "same things again.",
    Sector.HEALTH_VISITING: "Your health visitor can see who else is helping, and work with them.",
    Sector.GP: "Your doctor can understand what is going on in your life, not just your health.",
    Sector.HOSPITAL: "Hospital staff can see what help you already have when they plan your care.",
    Sector.MENTAL_HEALTH: "Mental health staff can see the whole picture and work with your other helpers.",
    Sector.EDUCATION: "School can understand what is happening at home, and help your child.",
    Sector.HOUSING: "Housing staff can see your story without you telling it all again.",
    Sector.EMPLOYMENT: "Your work coach can understand what makes work hard for you right now.",
    Sector.YOUTH_JUSTICE: "Youth workers can see the help your family already has.",
    Sector.PROBATION: "Your probation officer can see the help you already have.",
    Sector.ADVOCACY: "Your advocate can see everything in one place, and help you with every agency.",
}
WHY_IT_HELPS_DEFAULT = "They can see the help you already have, so they do not ask you the same things again."

ROLE_WORDS = {
    Role.STAFF: "staff member",
    Role.MANAGER: "manager",
    Role.ADVOCATE: "advocate",
    policy.CITIZEN: "parent or carer",
}

BASIS_WORDS = {
    BasisKind.OWN_AGENCY: "to read their own agency's records",
    BasisKind.CONSENT: "because you agreed to share with them",
    BasisKind.ASSIGNMENT: "because they are your family's advocate",
    BasisKind.BREAK_GLASS: "in an emergency, without asking you first",
    BasisKind.SELF: "it was you",
    BasisKind.PARENT: "because they are your parent or carer",
}

REVIEW_WORDS = {
    ReviewStatus.PENDING: "A manager has not checked this yet.",
    ReviewStatus.JUSTIFIED: "A manager checked this and said it was needed.",
    ReviewStatus.NOT_JUSTIFIED: "A manager checked this and said it was not needed. They will deal with it.",
}


def _age(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def citizen(user) -> policy.Viewer:
    """The signed-in citizen; anyone else is refused (policy.require): these pages are not for staff."""
    viewer = policy.viewer_for(user)
    policy.require(policy.uses_portal(viewer))
    return viewer


def my_people(*, user) -> list[Person]:
    """The citizen first, then the children they hold parental responsibility for."""
    viewer = citizen(user)
    today = timezone.localdate()
    people = sorted(
        policy.visible_persons(viewer),
        key=lambda p: (p.pk != viewer.person_id, p.date_of_birth, p.pk),
    )
    for person in people:
        person.is_me = person.pk == viewer.person_id
        person.age = _age(person.date_of_birth, today)
    return people


@dataclass(frozen=True)
class Holder:
    """One holder of parental responsibility for a child, as the other holders see it."""

    name: str
    is_me: bool
    recorded_by: str
    recorded_at: object  # a datetime, or None where it was recorded before this was kept
    since: date


def parental_responsibility_holders(*, user, children: list[Person]) -> dict[int, list[Holder]]:
    """For each of the citizen's children, everyone holding parental responsibility for them
    (rule 4: each holder sees the others), and which agency recorded it when. Two queries."""
    viewer = citizen(user)
    ids = [child.pk for child in children if child.pk != viewer.person_id]
    families: dict[int, set[int]] = {}
    for person_id, family_id in (
        policy.current_memberships().filter(person_id__in=ids).values_list("person_id", "family_id")
    ):
        families.setdefault(family_id, set()).add(person_id)
    holders: dict[int, list[Holder]] = {child_id: [] for child_id in ids}
    rows = (
        policy.current_memberships()
        .filter(family_id__in=families, parental_responsibility=True)
        .select_related("person", "parental_responsibility_recorded_by")
        .order_by("started", "id")
    )
    for membership in rows:
        for child_id in families[membership.family_id] - {membership.person_id}:
            holders[child_id].append(_holder(membership, viewer))
    return holders


def _holder(membership: Membership, viewer: policy.Viewer) -> Holder:
    agency = membership.parental_responsibility_recorded_by
    return Holder(
        name=membership.person.full_name,
        is_me=membership.person_id == viewer.person_id,
        recorded_by=agency.name if agency else "not known",
        recorded_at=membership.parental_responsibility_recorded_at,
        since=membership.started,
    )


def _acting_for(user, person: Person) -> policy.Viewer:
    """The citizen, who must be this person or their parent: a person handed to a selector is
    checked, never trusted (anyone else is answered as a missing page)."""
    viewer = citizen(user)
    scope = policy.scope_for(viewer, person.pk)
    policy.require(scope is not None and scope.for_subject)
    return viewer


def my_person(*, user, person_id=None) -> Person:
    """One person the citizen may act for: themself (no id) or one of their children."""
    viewer = citizen(user)
    person, scope = policy.access_person(user, viewer.person_id if person_id is None else person_id)
    if not scope.for_subject:
        raise Http404("No such person.")
    person.is_me = person.pk == viewer.person_id
    person.age = _age(person.date_of_birth, timezone.localdate())
    return person


# My journey -------------------------------------------------------------------------------


@dataclass
class TimelineEntry:
    when: object
    kind: str
    agency: str
    title: str
    summary: str


def my_record(*, user, person_id=None) -> Record:
    """The joined-up record as the person (or their parent) may see it: withheld records are
    left out (rule 6), and only counted where the agency allows."""
    person = my_person(user=user, person_id=person_id)
    record = person_record(user=user, person_id=person.pk)
    record.person.is_me = person.is_me
    record.person.age = person.age
    return record


def timeline(record: Record) -> list[tuple[int, list[TimelineEntry]]]:
    """Contacts and assessments together, newest first, grouped by year."""
    entries = [
        TimelineEntry(c.occurred_at, "contact", c.agency.name, c.contact_type.label, c.summary)
        for c in record.contacts
    ] + [
        TimelineEntry(a.completed_at, "assessment", a.agency.name, a.assessment_type.name, "")
        for a in record.assessments
    ]
    entries.sort(key=lambda e: e.when, reverse=True)
    years: dict[int, list[TimelineEntry]] = {}
    for entry in entries:
        years.setdefault(timezone.localtime(entry.when).year, []).append(entry)
    return list(years.items())


# My consents ------------------------------------------------------------------------------


@dataclass
class AgencyChoice:
    agency: Agency
    grant: ConsentGrant | None
    what_they_see: str
    why_it_helps: str


def _whose(person: Person) -> tuple[str, str]:
    return ("you", "your") if person.is_me else (person.given_name, f"{person.given_name}'s")


def my_grants(*, user, person_id) -> list[ConsentGrant]:
    """Every grant about the person, newest first, each with its `state` now."""
    return consent_selectors.grants_for_person(user=user, person_id=person_id)


def my_consent_choices(*, user, person: Person) -> list[AgencyChoice]:
    """Each agency, with the consent standing for it (if any) in plain words."""
    _acting_for(user, person)
    now = timezone.now()
    standing = {
        g.agency_id: g
        for g in policy.active_grants(now)
        .filter(subject_id=person.pk)
        .select_related("agency")
        .order_by("id")
    }
    them, their = _whose(person)
    choices = []
    for agency in Agency.objects.order_by("name"):
        grant = standing.get(agency.pk)
        if grant is not None:
            what = what_agency_will_see(
                agency_name=agency.name,
                categories=grant.categories,
                labels=grant.labels,
                them=them,
                their=their,
            )
        else:
            what = f"Staff at {agency.name} see only their own records of {them}."
        choices.append(
            AgencyChoice(agency, grant, what, WHY_IT_HELPS.get(agency.sector, WHY_IT_HELPS_DEFAULT))
        )
    return choices


def my_grant(*, user, grant_id) -> ConsentGrant:
    citizen(user)
    return consent_selectors.grant_detail(user=user, grant_id=grant_id)


def my_agency(*, agency_id) -> Agency:
    try:
        return Agency.objects.get(pk=int(agency_id))
    except (Agency.DoesNotExist, TypeError, ValueError):
        raise Http404("No such agency.") from None


def standing_grant(*, person: Person, agency: Agency) -> ConsentGrant | None:
    return policy.active_grants().filter(subject_id=person.pk, agency_id=agency.pk).order_by("-id").first()


# Who looked at my record ------------------------------------------------------------------


@dataclass
class LookedEntry:
    when: object
    who: str
    role: str
    agency: str
    what: str
    why: str
    emergency: bool


def _why(bases: list[dict]) -> str:
    kinds = []
    for basis in bases:
        words = BASIS_WORDS.get(basis.get("kind"))
        if words and words not in kinds:
            kinds.append(words)
    return "; ".join(kinds) or "no reason was recorded"


def looked_entry(entry: AccessLog) -> LookedEntry:
    return LookedEntry(
        when=entry.at,
        who=entry.user_label,
        role=ROLE_WORDS.get(entry.role, entry.role or "someone"),
        agency=entry.agency.name if entry.agency_id else "",
        what=entry.shown,
        why=_why(entry.bases),
        emergency=any(b.get("kind") == BasisKind.BREAK_GLASS for b in entry.bases),
    )


def who_looked(*, user, person: Person):
    """The access log of one person: emergency access first, then every view, newest first."""
    _acting_for(user, person)
    glasses = list(
        BreakGlass.objects.filter(subject_id=person.pk)
        .select_related("user", "agency")
        .order_by("-opened_at")
    )
    for glass in glasses:
        glass.who = glass.user.get_full_name() or glass.user.get_username()
        glass.review_words = REVIEW_WORDS.get(glass.review_status, "")
    log = AccessLog.objects.filter(subject_id=person.pk).select_related("agency").order_by("-at", "-id")
    return glasses, log


# My details -------------------------------------------------------------------------------

FIELD_WORDS = {
    "phone": "phone number",
    "email": "email address",
    "address": "address",
    "preferred_name": "the name you like to be called",
    "given_name": "first name",
    "family_name": "last name",
    "date_of_birth": "date of birth",
}


def details_history(*, user, person: Person) -> list[AuditEvent]:
    """Changes to the person's contact details and accepted corrections, newest first."""
    _acting_for(user, person)
    events = list(
        AuditEvent.objects.filter(
            object_type="journeys.person",
            object_id=person.pk,
            verb__in=[Verb.PERSON_DETAILS_CHANGED, Verb.PERSON_CORRECTED],
        ).order_by("-at", "-id")[:50]
    )
    for event in events:
        fields = event.detail.get("fields") or [event.detail.get("field")]
        event.words = ", ".join(FIELD_WORDS.get(f, str(f)) for f in fields)
    return events


def my_corrections(*, user, person: Person) -> list[CorrectionRequest]:
    _acting_for(user, person)
    return list(
        CorrectionRequest.objects.filter(person=person)
        .select_related("agency")
        .order_by("-requested_at", "-id")
    )


# Raise a concern --------------------------------------------------------------------------


def my_concerns(*, user, person: Person):
    return concerns_for_person(user=user, person_id=person.pk)


def my_concern(*, user, person: Person, concern_id):
    try:
        concern = my_concerns(user=user, person=person).filter(pk=int(concern_id)).first()
    except (TypeError, ValueError):
        concern = None
    if concern is None:
        raise Http404("No such concern.")
    return concern


def concern_agencies() -> list[Agency]:
    """Agencies a concern may be about: any of the partnership's."""
    return list(Agency.objects.order_by("name"))


# Download my data -------------------------------------------------------------------------


def my_exports(*, user, person: Person) -> list[DataExport]:
    _acting_for(user, person)
    return list(DataExport.objects.filter(person=person, requested_by=user).order_by("-requested_at")[:10])


def export_stuck(export: DataExport) -> bool:
    """Still being made long after it was asked for: the page offers to ask again."""
    return export.status in (ExportStatus.PENDING, ExportStatus.RUNNING) and (
        timezone.now() - export.requested_at > timedelta(minutes=settings.DATA_EXPORT_STUCK_MINUTES)
    )


def my_export(*, user, export_id) -> DataExport:
    """One export the user asked for, of a person they may still see."""
    viewer = citizen(user)
    try:
        export = DataExport.objects.select_related("person").get(pk=int(export_id), requested_by=user)
    except (DataExport.DoesNotExist, TypeError, ValueError):
        raise Http404("No such download.") from None
    if policy.scope_for(viewer, export.person_id) is None:
        raise Http404("No such download.")
    return export


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def data_export_content(*, user, person_id: int, progress: Callable[[int], None]) -> dict:
    """Everything held about a person that they may see, as plain JSON-ready data."""
    record = my_record(user=user, person_id=person_id)
    person = record.person
    progress(20)
    memberships = person.memberships.select_related("family").order_by("started")
    content = {
        "about": "Everything Joined Up holds about this person that they may see.",
        "made_at": _iso(timezone.now()),
        "person": {
            "id": person.pk,
            "given_name": person.given_name,
            "family_name": person.family_name,
            "preferred_name": person.preferred_name,
            "date_of_birth": _iso(person.date_of_birth),
            "phone": person.phone,
            "email": person.email,
            "address": person.address,
        },
        "families": [
            {
                "family": m.family.label,
                "relationship": m.get_relationship_display(),
                "parental_responsibility": m.parental_responsibility,
                "from": _iso(m.started),
                "until": _iso(m.ended),
            }
            for m in memberships
        ],
        "contacts": [
            {
                "id": c.pk,
                "when": _iso(c.occurred_at),
                "agency": c.agency.name,
                "type": c.contact_type.label,
                "channel": c.get_channel_display(),
                "summary": c.summary,
                "purpose": c.purpose,
                "outcome": c.outcome,
            }
            for c in record.contacts
        ],
    }
    progress(45)
    content["assessments"] = [
        {
            "id": a.pk,
            "when": _iso(a.completed_at),
            "agency": a.agency.name,
            "type": a.assessment_type.name,
            "answers": [{"question": ans.question.text, "answer": ans.value} for ans in a.answers.all()],
        }
        for a in record.assessments
    ]
    content["records_kept_back"] = record.withheld_count
    progress(60)
    content["consents"] = [
        {
            "id": g.pk,
            "agency": g.agency.name,
            "categories": [Category(c).label for c in g.categories],
            "topics": list(g.labels),
            "given_by": g.given_by.full_name,
            "how": g.get_method_display(),
            "from": _iso(g.valid_from),
            "until": _iso(g.expires_at),
            "withdrawn": _iso(g.revoked_at),
            "state": g.state,
        }
        for g in my_grants(user=user, person_id=person.pk)
    ]
    progress(75)
    glasses, log = who_looked(user=user, person=person)
    content["emergency_access"] = [
        {
            "who": g.who,
            "agency": g.agency.name,
            "opened": _iso(g.opened_at),
            "until": _iso(g.expires_at),
            "reason": g.reason,
            "review": g.get_review_status_display(),
        }
        for g in glasses
    ]
    content["who_looked"] = []
    for entry in log.iterator(chunk_size=2000):
        looked = looked_entry(entry)
        content["who_looked"].append(
            {
                "when": _iso(looked.when),
                "who": looked.who,
                "role": looked.role,
                "agency": looked.agency,
                "what": looked.what,
                "why": looked.why,
            }
        )
    progress(90)
    content["detail_changes"] = [
        {"when": _iso(e.at), "what": e.verb, "detail": e.detail}
        for e in details_history(user=user, person=person)
    ]
    content["correction_requests"] = [
        {
            "asked": _iso(c.requested_at),
            "what": c.get_field_display(),
            "from": c.current_value,
            "to": c.requested_value,
            "status": c.get_status_display(),
            "reason": c.decision_reason,
        }
        for c in my_corrections(user=user, person=person)
    ]
    content["concerns"] = [
        {
            "raised": _iso(c.created_at),
            "about": c.about_agency.name,
            "text": c.text,
            "status": c.get_status_display(),
            "answer": c.response,
        }
        for c in my_concerns(user=user, person=person)
    ]
    return content


# Staff: invitations and corrections -------------------------------------------------------


def staff(user) -> policy.Viewer:
    viewer = policy.viewer_for(user)
    policy.require(policy.uses_staff_pages(viewer))
    return viewer


def _invitation_details_basis(scope: policy.Scope, person: Person) -> policy.Basis | None:
    """The basis on which the viewer may invite to the contact details on the record: shown to
    them as their own agency's record or under consent. Emergency access (rule 5) is for the
    emergency, not for binding an account to someone."""
    basis = scope.shows_contact_details(person.registered_by_id)
    return None if basis is None or basis.kind == BasisKind.BREAK_GLASS else basis


def invitation_channels(*, scope: policy.Scope, person: Person) -> list[str]:
    """The ways a viewer may invite a person (rule 12): to the email or phone already on the
    record only where the viewer may see them for this; in person always."""
    channels = []
    if _invitation_details_basis(scope, person) is not None:
        channels += [InvitationChannel.EMAIL] if person.email else []
        channels += [InvitationChannel.SMS] if person.phone else []
    return [*channels, InvitationChannel.IN_PERSON]


def invite_page(*, user, person_id) -> tuple[Person, list[str]]:
    """The person to invite and the ways open to this viewer. Contact details the viewer may
    not use are blanked, so the page shows nothing it should not; where they are shown from
    another agency's record, the access log says so (rule 7)."""
    staff(user)
    person, scope = policy.access_person(user, person_id)
    channels = invitation_channels(scope=scope, person=person)
    basis = _invitation_details_basis(scope, person)
    if basis is None:
        person.phone = person.email = person.address = ""
    elif basis.kind != BasisKind.OWN_AGENCY and channels != [InvitationChannel.IN_PERSON]:
        access_log.append(
            user=user,
            agency_id=scope.viewer.agency_id,
            role=scope.viewer.role,
            subject_id=person.pk,
            shown="contact details, to invite them to the portal",
            bases=[basis],
        )
    return person, channels


def _confirmer(user) -> policy.Viewer:
    viewer = policy.viewer_for(user)
    policy.require(policy.confirms_invitation_codes(viewer))
    return viewer


def codes_waiting_for_confirmation() -> QuerySet[Invitation]:
    """In-person codes still usable that no second person has confirmed yet."""
    return Invitation.objects.filter(
        channel=InvitationChannel.IN_PERSON,
        confirmed_at__isnull=True,
        withdrawn_at__isnull=True,
        accepted_at__isnull=True,
        expires_at__gt=timezone.now(),
    )


def invitation_codes_waiting(*, user) -> list[Invitation]:
    """Codes given in person that wait for this viewer to confirm them, oldest first. Each
    carries `shown_name`: the person's name where the viewer may know them, else blank."""
    viewer = _confirmer(user)
    codes = list(
        policy.invitation_codes_to_confirm(viewer, codes_waiting_for_confirmation())
        .select_related("person", "invited_by", "agency")
        .order_by("created_at", "id")
    )
    for invitation in codes:
        known = policy.scope_for(viewer, invitation.person) is not None
        invitation.shown_name = invitation.person.full_name if known else ""
    return codes


def invitation_code_to_confirm(*, user, invitation_id) -> Invitation:
    try:
        return policy.invitation_codes_to_confirm(_confirmer(user), codes_waiting_for_confirmation()).get(
            pk=int(invitation_id)
        )
    except (Invitation.DoesNotExist, TypeError, ValueError):
        raise Http404("No such code.") from None


def correction_queue(*, user):
    """Correction requests for the user's agency: waiting ones first."""
    viewer = staff(user)
    waiting_first = Case(When(status=CorrectionStatus.PENDING, then=0), default=1)
    return (
        CorrectionRequest.objects.filter(agency_id=viewer.agency_id)
        .select_related("person", "agency")
        .order_by(waiting_first, "-requested_at", "-id")
    )


def correction_for_staff(*, user, correction_id) -> CorrectionRequest:
    try:
        return correction_queue(user=user).get(pk=int(correction_id))
    except (CorrectionRequest.DoesNotExist, TypeError, ValueError):
        raise Http404("No such request.") from None
