"""Every write to families, people, contacts and assessments. Each service validates, writes
in one transaction, records the audit event, and schedules background work on commit."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from agencies.models import Agency, AssessmentType, ContactType, Question
from consent.events import record_event
from core import dates

from .identifiers import normalise, validate_identifier
from .models import (
    Answer,
    Assessment,
    Contact,
    Family,
    Membership,
    Person,
    PersonIdentifier,
    question_ids_text,
)


def family_create(*, label: str, reference: str = "", actor, agency: Agency | None = None) -> Family:
    with transaction.atomic():
        family = Family.objects.create(
            label=label, reference=reference or _next_reference(), registered_by=agency
        )
        record_event(actor=actor, verb="family.created", obj=family)
    return family


def _next_reference() -> str:
    last = Family.objects.order_by("-id").values_list("id", flat=True).first() or 0
    return f"FAM-{last + 1:06d}"


def identifier_check(*, scheme: str, value: str, exclude_person: Person | None = None) -> str:
    """Normalise and validate one identifier; refuse one already held by someone else."""
    value = normalise(scheme, value)
    validate_identifier(scheme, value)
    clash = PersonIdentifier.objects.filter(scheme=scheme, value=value)
    if exclude_person is not None:
        clash = clash.exclude(person=exclude_person)
    if clash.exists():
        raise ValidationError({"value": "This identifier is already recorded for a person."})
    return value


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
    try:
        with transaction.atomic():
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
            person.save()
            PersonIdentifier.objects.bulk_create(
                PersonIdentifier(person=person, **identifier) for identifier in identifiers
            )
            if family is not None:
                membership_add(
                    person=person,
                    family=family,
                    relationship=relationship,
                    parental_responsibility=parental_responsibility,
                    actor=actor,
                )
            record_event(actor=actor, verb="person.created", obj=person)
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
    started: date | None = None,
    actor,
) -> Membership:
    from django.utils import timezone

    if errors := dates.field_errors({"started": (dates.MEMBERSHIP, started)}):
        raise ValidationError(errors)
    with transaction.atomic():
        membership = Membership.objects.create(
            person=person,
            family=family,
            relationship=relationship,
            parental_responsibility=parental_responsibility,
            started=started or timezone.localdate(),
        )
        record_event(actor=actor, verb="membership.added", obj=membership, family=family.pk)
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
    """Record one contact. Returns (contact, created); re-sending an agency's external_id
    returns the stored contact and writes nothing."""
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


def contacts_record(*, items: list[dict], actor) -> list[tuple[Contact, bool]]:
    """Record several contacts all-or-nothing; each is (contact, created)."""
    results: list[tuple[Contact, bool]] = []
    errors: dict[int, object] = {}
    with transaction.atomic():
        for index, raw in enumerate(items):
            data = dict(raw)
            persons = data.pop("persons")
            external_id = data.get("external_id") or None
            data["external_id"] = external_id
            if external_id:
                existing = Contact.objects.filter(agency=data["agency"], external_id=external_id).first()
                if existing is not None:
                    results.append((existing, False))
                    continue
            try:
                data = _contact_fields(data)
                if not persons:
                    raise ValidationError({"persons": "Choose at least one person."})
                contact = Contact(**data)
                # Field checks give clear messages; the database's constraints still guard the
                # rest, and the external id was looked up above, so skip the per-row queries.
                contact.full_clean(exclude=["persons"], validate_unique=False, validate_constraints=False)
                if when := dates.field_errors({"occurred_at": (dates.HAPPENED, contact.occurred_at)}):
                    raise ValidationError(when)
                with transaction.atomic():
                    contact.save()
                contact.persons.set(persons)
            except ValidationError as exc:
                errors[index] = exc.message_dict if hasattr(exc, "error_dict") else {"item": exc.messages}
                continue
            except IntegrityError:
                errors[index] = {"external_id": ["This external id is sent twice in one batch."]}
                continue
            record_event(actor=actor, verb="contact.recorded", obj=contact)
            results.append((contact, True))
        if errors:
            transaction.set_rollback(True)
            raise BatchValidationError(errors) if len(items) > 1 else ValidationError(errors[0])
    return results


def assessment_record(
    *,
    assessment_type: AssessmentType,
    completed_at: datetime,
    answers: list[dict],
    actor,
    agency: Agency | None = None,
    subject_person: Person | None = None,
    subject_family: Family | None = None,
    **extra,
) -> Assessment:
    """Record an assessment and its answers.

    Each answer is {"question": code or Question, "value", "reused_from"?: Answer}.
    """
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
    rows = []
    for answer in answers:
        code = answer["question"].code if isinstance(answer["question"], Question) else answer["question"]
        if code not in asked:
            errors.setdefault("answers", []).append(f"{code} is not a question of this assessment.")
            continue
        rows.append((asked[code], str(answer["value"]), answer.get("reused_from")))
    if len({q.code for q, _, _ in rows}) != len(rows):
        errors.setdefault("answers", []).append("Answer each question once.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        assessment = Assessment(
            assessment_type=assessment_type,
            agency=agency or assessment_type.agency,
            subject_person=subject_person,
            subject_family=subject_family,
            completed_at=completed_at,
            assessor=actor if getattr(actor, "is_authenticated", False) else None,
            question_ids=question_ids_text((q.pk, r is not None) for q, _, r in rows),
            **extra,
        )
        assessment.full_clean()
        assessment.save()
        Answer.objects.bulk_create(
            Answer(assessment=assessment, question=q, value=v, reused_from=r) for q, v, r in rows
        )
        record_event(actor=actor, verb="assessment.recorded", obj=assessment)
        # Check for duplicates once the assessment is committed (never inside the transaction).
        from .tasks import enqueue_duplicate_check

        transaction.on_commit(lambda: enqueue_duplicate_check(assessment.pk), robust=True)
    return assessment
