"""The joined-up record of a person with 500 contacts across 8 agencies: median server time of
the record endpoint (`GET /api/v1/persons/{id}/record/`) and page (`/people/{id}/`), and their
query counts, each as a ratio to a floor measured in the same run: the same rows fetched by one
plain query and encoded with json.dumps. Goal: the endpoint at most 3x the floor. The ratio is
the median of the ratios within each round, the floor, endpoint and page taking turns.

Builds its own person beside whatever the database holds, asks as staff of an agency the person
consented to (so the policy, the access log and every join are on the path), and rolls it all back.
"""

from __future__ import annotations

import json
import os
import statistics
import time
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agencies.models import Agency, AssessmentType, ContactType, Question, Role, Sector, StaffMembership
from consent.models import ConsentGrant
from journeys.models import Answer, Assessment, Contact, Person
from journeys.selectors import CONTACT_FIELDS

CONTACTS = int(os.environ.get("BENCH_RECORD_CONTACTS", "500"))
AGENCIES = 8
RUNS = int(os.environ.get("BENCH_RECORD_RUNS", "40"))

# The floor's columns, in the order of the API's contact fields (CONTACT_FIELDS).
FLOOR_SQL = """
SELECT c.id, c.family_id, a.code, a.id, r.code, r.id, t.code, c.occurred_at, c.channel,
       c.duration_minutes, c.summary, c.purpose, c.outcome, c.demand_type, c.sensitivity,
       c.recorded_via, c.external_id
FROM journeys_contact c
JOIN journeys_contact_persons cp ON cp.contact_id = c.id
JOIN agencies_agency a ON a.id = c.agency_id
JOIN agencies_agency r ON r.id = c.recording_agency_id
JOIN agencies_contacttype t ON t.id = c.contact_type_id
WHERE cp.person_id = %s
ORDER BY c.occurred_at DESC, c.id DESC
"""


class Rollback(Exception):
    pass


def build() -> tuple[Person, object]:
    now = timezone.now()
    agencies = [
        Agency.objects.create(code=f"bench-record-{i}", name=f"Bench record agency {i}", sector=Sector.OTHER)
        for i in range(AGENCIES)
    ]
    viewer_agency = agencies[0]
    user = get_user_model().objects.create_user("bench-record-viewer", first_name="Bench", last_name="Viewer")
    StaffMembership.objects.create(user=user, agency=viewer_agency, role=Role.STAFF)
    person = Person.objects.create(
        given_name="Bench",
        family_name="Record",
        date_of_birth=now.date().replace(year=1990),
        registered_by=agencies[1],
    )
    kinds = [
        ContactType.objects.create(code=f"bench-record-type-{i}", label=f"Type {i}", sector=Sector.OTHER)
        for i in range(4)
    ]
    contacts = Contact.objects.bulk_create(
        [
            Contact(
                agency=agencies[i % AGENCIES],
                recording_agency=agencies[i % AGENCIES],
                contact_type=kinds[i % 4],
                occurred_at=now - timedelta(hours=3 * i + 1),
                channel="phone",
                duration_minutes=30,
                summary=f"Synthetic contact {i} about how things are going at home.",
                sensitivity="general",
            )
            for i in range(CONTACTS)
        ]
    )
    Contact.persons.through.objects.bulk_create(
        [Contact.persons.through(contact_id=c.pk, person_id=person.pk) for c in contacts]
    )
    questions = [Question.objects.create(code=f"bench-record-q{i}", text=f"Question {i}?") for i in range(6)]
    for i, agency in enumerate(agencies):
        kind = AssessmentType.objects.create(
            agency=agency, code=f"bench-record-at-{i}", name=f"Assessment {i}"
        )
        assessment = Assessment.objects.create(
            assessment_type=kind, agency=agency, subject_person=person, completed_at=now - timedelta(days=i)
        )
        Answer.objects.bulk_create(
            [Answer(assessment=assessment, question=q, value="Yes") for q in questions]
        )
    ConsentGrant.objects.create(
        subject=person,
        agency=viewer_agency,
        categories=["contacts", "assessments", "notes", "contact_details"],
        labels=["general"],
        given_by=person,
        method="in_person",
        valid_from=now - timedelta(days=1),
        expires_at=now + timedelta(days=300),
    )
    return person, user


def measure(fns: dict[str, object]) -> dict[str, tuple[float, float, int]]:
    """For each function: the median milliseconds, the median of its ratio to the first (the
    floor) within each round, and the queries of one call. The functions take turns in every
    round (after two warm-up rounds), so a slow spell of the machine falls on all of them alike."""
    for fn in fns.values():
        fn()
        fn()
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(RUNS):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            times[name].append((time.perf_counter() - start) * 1000)
    floor = times[next(iter(fns))]
    results = {}
    for name, fn in fns.items():
        with CaptureQueriesContext(connection) as queries:
            fn()
        ratio = statistics.median(t / f for t, f in zip(times[name], floor, strict=True))
        results[name] = (statistics.median(times[name]), ratio, len(queries))
    return results


def main() -> None:
    results = {}
    try:
        with transaction.atomic():
            person, user = build()
            client = Client()
            client.force_login(user)

            def floor():
                with connection.cursor() as cursor:
                    cursor.execute(FLOOR_SQL, [person.pk])
                    rows = [dict(zip(CONTACT_FIELDS, row, strict=True)) for row in cursor.fetchall()]
                assert len(rows) == CONTACTS
                return json.dumps({"contacts": rows}, default=str)

            def endpoint():
                response = client.get(f"/api/v1/persons/{person.pk}/record/")
                assert response.status_code == 200, response.status_code
                assert len(response.json()["contacts"]) == CONTACTS

            def page():
                response = client.get(f"/people/{person.pk}/")
                assert response.status_code == 200, response.status_code

            results = measure({"floor": floor, "record endpoint": endpoint, "record page": page})
            raise Rollback
    except Rollback:
        pass
    floor_ms, _, floor_queries = results["floor"]
    print(
        f"record floor ({CONTACTS} contacts, {AGENCIES} agencies, {connection.vendor}): "
        f"median {floor_ms:.1f} ms, {floor_queries} query"
    )
    for name in ("record endpoint", "record page"):
        ms, ratio, queries = results[name]
        print(
            f"{name}: median {ms:.1f} ms, {queries} queries, {ratio:.1f}x floor time, "
            f"{queries / floor_queries:.0f}x floor queries"
        )
