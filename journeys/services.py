"""Every write to families, people, contacts and assessments. Each service validates, writes
in one transaction, records the audit event, and schedules background work on commit."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from agencies.models import Agency, AssessmentType, ContactType, Question, Sector
from consent import policy
from consent.models import Category
from consent.policy import scope_for, viewer_for
from core import dates, limits

from . import events, selectors
from .identifiers import normalise, validate_identifier
from .knowledge import agency_knows_note
from .models import (
    Answer,
    Assessment,
    Contact,
    Family,
    Membership,
    Person,
    PersonIdentifier,
    Sensitivity,
    most_sensitive,
    question_ids_text,
)
from .tell_us_once import log_earlier_answers

# Called with an assessment's id inside the transaction that records it, to queue work through
# the outbox; apps above journeys add theirs when they load (duplicates: the duplicate check),
# so journeys imports none of them.
ON_ASSESSMENT_RECORDED: list[Callable[[int], None]] = []

# A generated reference can meet one typed by hand, or one another request took at the same
# moment: the next few numbers are tried before giving up.
GENERATED_REFERENCE_TRIES = 5


def family_create(*, label: str, reference: str = "", actor, agency: Agency | None = None) -> Family:
    """A new family. A reference given is kept as typed; without one, the next free FAM-
    number is chosen. The database decides uniqueness (whatever the case), so two requests
    at once can never both have a reference."""
    reference = reference.strip()
    with transaction.atomic():
        references = [reference] if reference else _free_references()
        family = _family_insert(label=label, references=references, agency=agency)
        events.family_created(actor=actor, family=family)
    return family


def _family_insert(*, label: str, references: list[str], agency: Agency | None) -> Family:
    """The family under the first of these references no family has."""
    for reference in references:
        try:
            with transaction.atomic():
                return Family.objects.create(label=label, reference=reference, registered_by=agency)
        except IntegrityError:
            if not Family.objects.filter(reference__iexact=reference).exists():
                raise
    raise ValidationError(
        {"reference": "A family with this reference already exists."}
        if len(references) == 1
        else {"reference": "No reference could be chosen for the family just now. Try again, or give one."}
    )


def _free_references() -> list[str]:
    last = Family.objects.order_by("-id").values_list("id", flat=True).first() or 0
    return [f"FAM-{last + n:06d}" for n in range(1, GENERATED_REFERENCE_TRIES + 1)]


def identifier_check(*, scheme: str, value: str) -> str:
    """Normalise and validate one identifier."""
    value = normalise(scheme, value)
    validate_identifier(scheme, value)
    return value


def _refuse_held_identifiers(*, actor, identifiers: list[dict]) -> None:
    """Refuse identifiers someone already holds. Asking is an identifier search (counted
    against the actor's limit and logged), and comes only once the rest of the person is
    valid, so creating people tells nobody who the partnership knows more cheaply than a
    search does."""
    if identifiers and selectors.identifier_holders(
        user=actor, terms=[(i["scheme"], i["value"]) for i in identifiers]
    ):
        raise ValidationError({"identifiers": "This identifier is already recorded for a person."})


def person_create(
    *,
    given_name: str,
    family_name: str,
    date_of_birth: date,
    actor,
    agency: Agency | None = None,
    family: Family | None = None,
    relationship: str = "other",
    parental_responsibility: bool = False,
    identifiers: Iterable[dict] = (),
    **details,
) -> Person:
    identifiers = [
        {"scheme": i["scheme"], "value": identifier_check(scheme=i["scheme"], value=i["value"])}
        for i in identifiers
    ]
    person = Person(
        given_name=given_name,
        family_name=family_name,
        date_of_birth=date_of_birth,
        registered_by=agency,
        **details,
    )
    person.clean_fields()  # parsed first, so the range speaks of the date, not the constraint
    if errors := dates.field_errors({"date_of_birth": (dates.DATE_OF_BIRTH, person.date_of_birth)}):
        raise ValidationError(errors)
    person.full_clean()
    _refuse_held_identifiers(actor=actor, identifiers=identifiers)  # its log outlives a refusal
    try:
        with transaction.atomic():
            person.save()
            agency_knows_note(agency_id=person.registered_by_id, person_ids=[person.pk], reason="registered")
            PersonIdentifier.objects.bulk_create(
                PersonIdentifier(person=person, **identifier) for identifier in identifiers
            )
            if family is not None:
                membership_add(
                    person=person,
                    family=family,
                    relationship=relationship,
                    parental_responsibility=parental_responsibility,
                    recorded_by=agency,
                    actor=actor,
                )
            events.person_created(actor=actor, person=person)
    except IntegrityError as exc:
        # Two requests racing to store the same identifier: the database decides.
        raise ValidationError({"identifiers": "This identifier is already recorded for a person."}) from exc
    return person


def membership_add(
    *,
    person: Person,
    family: Family,
    relationship: str,
    parental_responsibility: bool = False,
    recorded_by: Agency | None = None,
    started: date | None = None,
    actor,
) -> Membership:
    """Add a person to a family. Parental responsibility opens a child's record to the parent
    in the portal, so only agencies of the named sectors record it (rule 4), and who recorded
    it and when is kept for the other holders to see."""
    from django.utils import timezone

    if parental_responsibility and not policy.may_record_parental_responsibility(recorded_by):
        sectors = ", ".join(Sector(s).label.lower() for s in settings.PARENTAL_RESPONSIBILITY_SECTORS)
        raise ValidationError(
            {"parental_responsibility": f"Only these services can record parental responsibility: {sectors}."}
        )
    if errors := dates.field_errors({"started": (dates.MEMBERSHIP, started)}):
        raise ValidationError(errors)
    with transaction.atomic():
        membership = Membership.objects.create(
            person=person,
            family=family,
            relationship=relationship,
            parental_responsibility=parental_responsibility,
            parental_responsibility_recorded_by=recorded_by if parental_responsibility else None,
            parental_responsibility_recorded_at=timezone.now() if parental_responsibility else None,
            started=started or timezone.localdate(),
        )
        events.membership_added(actor=actor, membership=membership)
        if parental_responsibility:
            events.parental_responsibility_recorded(actor=actor, membership=membership)
    return membership


class BatchValidationError(ValidationError):
    """Errors of a batch, keyed by the position of each bad item; nothing was saved."""

    def __init__(self, errors: dict[int, dict]):
        self.errors_by_index = errors
        super().__init__(f"{len(errors)} of the items are not valid.")


def _contact_fields(data: dict) -> dict:
    contact_type = data["contact_type"]
    if isinstance(contact_type, str):
        try:
            contact_type = ContactType.objects.get(code=contact_type)
        except ContactType.DoesNotExist:
            raise ValidationError({"contact_type": "Choose a known contact type."}) from None
    return {**data, "contact_type": contact_type}


def contact_record(
    *,
    agency: Agency,
    persons: list[Person],
    contact_type: ContactType | str,
    occurred_at: datetime,
    channel: str,
    summary: str,
    actor,
    family: Family | None = None,
    external_id: str | None = None,
    **extra,
) -> tuple[Contact, bool]:
    """Record one contact. Returns (contact, created); re-sending an external_id that the
    recording agency already stored returns that contact and writes nothing."""
    contacts = contacts_record(
        items=[
            {
                "agency": agency,
                "persons": persons,
                "contact_type": contact_type,
                "occurred_at": occurred_at,
                "channel": channel,
                "summary": summary,
                "family": family,
                "external_id": external_id,
                **extra,
            }
        ],
        actor=actor,
    )
    return contacts[0]


def _recorder(actor, recording_agency: Agency | None):
    """Who records: staff record as their own agency, as the policy says they may; a system
    load (no staff actor) as the agency it names, or the agency each contact was with."""
    viewer = policy.viewer_for(actor)
    if policy.uses_staff_pages(viewer):
        return viewer, viewer.agency_id
    return None, recording_agency.pk if recording_agency is not None else None


# Who a record is about (what the policy reads to scope a replay), and its name, by kind.
_REPLAYABLE = {Contact: ("persons", "a contact"), Assessment: ("subject_person", "an assessment")}


def _replayed(viewer, recorder_id: int, external_id: str, model):
    """The record (a contact, an assessment) this recording agency already stored under this
    external id, or None. Only the caller's own agency's record can answer a replay (rule 11),
    and an advocate's only where it is about a family assigned to them; another record under
    the id is an error that shows nothing of it."""
    existing = model.objects.filter(recording_agency_id=recorder_id, external_id=external_id).first()
    if existing is None or viewer is None:
        return existing
    subject, name = _REPLAYABLE[model]
    if not policy.own_agency_records(viewer, model.objects.filter(pk=existing.pk), subject).exists():
        raise ValidationError({"external_id": f"Your agency has already used this external id for {name}."})
    return existing


def contacts_record(
    *, items: list[dict], actor, recording_agency: Agency | None = None
) -> list[tuple[Contact, bool]]:
    """Record several contacts all-or-nothing; each is (contact, created).

    Every contact is stored with the agency it was with and the agency that recorded it; an
    external id belongs to the recording agency, so one agency's ids never collide with or
    reveal another's."""
    if not items:
        raise ValidationError({"items": "Send at least one contact."})
    viewer, fixed_recorder = _recorder(actor, recording_agency)
    results: list[tuple[Contact, bool]] = []
    errors: dict[int, object] = {}
    with transaction.atomic():
        for index, raw in enumerate(items):
            data = dict(raw)
            persons = data.pop("persons")
            external_id = data.get("external_id") or None
            data["external_id"] = external_id
            try:
                if data.get("agency") is None and viewer is not None:
                    data["agency"] = Agency.objects.get(pk=viewer.agency_id)
                recorder_id = fixed_recorder or data["agency"].pk
                if viewer is not None:
                    via = policy.contact_recording(viewer, agency_id=data["agency"].pk)
                    if via is None:
                        raise ValidationError({"agency": "You may record contacts for your own agency only."})
                    data["recorded_via"] = via
                if external_id:
                    existing = _replayed(viewer, recorder_id, external_id, Contact)
                    if existing is not None:
                        results.append((existing, False))
                        continue
                data = _contact_fields(data)
                if not persons:
                    raise ValidationError({"persons": "Choose at least one person."})
                if len(data.get("summary") or "") > limits.LONG_TEXT:
                    raise ValidationError(
                        {"summary": f"The summary must be {limits.LONG_TEXT} characters or fewer."}
                    )
                contact = Contact(recording_agency_id=recorder_id, **data)
                # Field checks give clear messages; the database's constraints still guard the
                # rest, and the external id was looked up above, so skip the per-row queries.
                contact.full_clean(exclude=["persons"], validate_unique=False, validate_constraints=False)
                if when := dates.field_errors({"occurred_at": (dates.HAPPENED, contact.occurred_at)}):
                    raise ValidationError(when)
                with transaction.atomic():
                    contact.save()
                contact.persons.set(persons)
                agency_knows_note(
                    agency_id=recorder_id,
                    person_ids=[getattr(p, "pk", p) for p in persons],
                    reason="contacted",
                )
            except ValidationError as exc:
                errors[index] = exc.message_dict if hasattr(exc, "error_dict") else {"item": exc.messages}
                continue
            except IntegrityError:
                # Stored a moment ago by a concurrent retry of the same request: a replay like
                # any other. Otherwise the batch itself sent the id twice.
                try:
                    stored = _replayed(viewer, recorder_id, external_id, Contact) if external_id else None
                except ValidationError as exc:
                    errors[index] = exc.message_dict
                    continue
                if stored is not None and all(stored.pk != c.pk for c, _ in results):
                    results.append((stored, False))
                    continue
                errors[index] = {"external_id": ["This external id is sent twice in one batch."]}
                continue
            events.contact_recorded(actor=actor, contact=contact)
            results.append((contact, True))
        if errors:
            transaction.set_rollback(True)
            raise BatchValidationError(errors) if len(items) > 1 else ValidationError(errors[0])
    return results


def assessment_record(**fields) -> Assessment:
    """Record an assessment and its answers (see assessment_record_once)."""
    return assessment_record_once(**fields)[0]


def assessment_record_once(
    *,
    assessment_type: AssessmentType,
    completed_at: datetime,
    answers: list[dict],
    actor,
    agency: Agency | None = None,
    subject_person: Person | None = None,
    subject_family: Family | None = None,
    sensitivity: str = Sensitivity.GENERAL,
    external_id: str | None = None,
    **extra,
) -> tuple[Assessment, bool]:
    """Record an assessment and its answers; returns (assessment, created). Re-sending an
    external id the recording agency already stored (a retry, even one racing the first)
    returns that assessment and writes nothing.

    Each answer is {"question": code or Question, "value", "reused_from"?: Answer}. A reused
    answer keeps its source's label: the assessment carries the most sensitive of `sensitivity`
    and its sources' labels (rule 11). A source withheld from the subject is never copied, and
    copying another agency's answers about a person writes an access-log entry (rule 7).
    """
    agency = agency or assessment_type.agency
    viewer, _ = _recorder(actor, agency)
    recorder_id = viewer.agency_id if viewer is not None else agency.pk
    external_id = external_id or None
    if external_id and (stored := _replayed(viewer, recorder_id, external_id, Assessment)) is not None:
        return stored, False
    asked = {q.code: q for q in assessment_type.questions.all()}
    errors = dates.field_errors(
        {
            "completed_at": (dates.HAPPENED, completed_at),
            "started_at": (dates.HAPPENED, extra.get("started_at")),
        }
    )
    if (subject_person is None) == (subject_family is None):
        errors["subject"] = "Choose either a person or a family."
    elif assessment_type.level == "family" and subject_family is None:
        errors["subject"] = "This assessment is about a whole family: choose the family."
    elif assessment_type.level == "person" and subject_person is None:
        errors["subject"] = "This assessment is about one person: choose the person."
    if sensitivity not in Sensitivity.values:
        errors["sensitivity"] = "Choose a known kind of information."
    rows = []
    for answer in answers:
        code = answer["question"].code if isinstance(answer["question"], Question) else answer["question"]
        if code not in asked:
            errors.setdefault("answers", []).append(f"{code} is not a question of this assessment.")
            continue
        if len(str(answer["value"])) > limits.LONG_TEXT:
            errors.setdefault("answers", []).append(
                f"The answer to {code} must be {limits.LONG_TEXT} characters or fewer."
            )
            continue
        rows.append((asked[code], str(answer["value"]), answer.get("reused_from")))
    if len({q.code for q, _, _ in rows}) != len(rows):
        errors.setdefault("answers", []).append("Answer each question once.")
    sources = _reused_sources(r for _, _, r in rows if r is not None)
    if any(source.withheld_from_subject for source in sources.values()):
        errors.setdefault("answers", []).append(
            "An answer withheld from the person cannot be reused: ask the question again."
        )
    if not rows and not errors.get("answers"):
        errors["answers"] = "Answer at least one question."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        assessment = Assessment(
            assessment_type=assessment_type,
            agency=agency,
            recording_agency_id=recorder_id,
            external_id=external_id,
            subject_person=subject_person,
            subject_family=subject_family,
            completed_at=completed_at,
            assessor=actor if getattr(actor, "is_authenticated", False) else None,
            sensitivity=most_sensitive([sensitivity, *(source.sensitivity for source in sources.values())]),
            question_ids=question_ids_text((q.pk, r is not None) for q, _, r in rows),
            **extra,
        )
        # The external id was looked up above; a race for it is settled by the database.
        assessment.full_clean(exclude=["external_id"])
        try:
            with transaction.atomic():
                assessment.save()
        except IntegrityError:
            # Stored a moment ago by a concurrent retry of the same request: a replay.
            stored = _replayed(viewer, recorder_id, external_id, Assessment) if external_id else None
            if stored is None:
                raise
            return stored, False
        if subject_person is not None:
            agency_knows_note(
                agency_id=assessment.recording_agency_id, person_ids=[subject_person.pk], reason="assessed"
            )
        Answer.objects.bulk_create(
            Answer(assessment=assessment, question=q, value=v, reused_from=r) for q, v, r in rows
        )
        events.assessment_recorded(actor=actor, assessment=assessment)
        # A system write (no signed-in actor) shows no one anything.
        if sources and subject_person is not None and getattr(actor, "is_authenticated", False):
            reused = [r for _, _, r in rows if r is not None]
            _log_reuse(actor=actor, person=subject_person, answers=reused, sources=sources)
        # What other apps do with a new assessment (the duplicate check) is queued with it, in
        # its transaction, and sent once it is committed (core.outbox).
        for hook in ON_ASSESSMENT_RECORDED:
            hook(assessment.pk)
    return assessment, True


def _reused_sources(answers: Iterable[Answer]) -> dict[int, Assessment]:
    """The source assessments of reused answers, read afresh (their label and withholding
    decide the copy's), by id; one query, none when nothing is reused."""
    ids = {answer.assessment_id for answer in answers}
    if not ids:
        return {}
    return Assessment.objects.only("recording_agency", "sensitivity", "withheld_from_subject").in_bulk(
        sorted(ids)
    )


def _log_reuse(*, actor, person: Person, answers: list[Answer], sources: dict[int, Assessment]) -> None:
    """Log copying other agencies' answers about a person into a new assessment, each on the
    basis it was open to the actor (the actor's own agency's answers are not logged)."""
    scope = scope_for(viewer_for(actor), person)
    used = []
    for answer in answers:
        source = sources[answer.assessment_id]
        basis = scope and scope.basis_for(
            category=Category.ASSESSMENTS,
            recording_agency_id=source.recording_agency_id,
            label=source.sensitivity,
        )
        used.append((source.recording_agency_id, basis))
    log_earlier_answers(user=actor, person=person, used=used, reused=True)
