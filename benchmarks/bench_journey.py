"""The family journey page for a family with 1,000 contacts: median server time over repeated
requests, the number of queries, and the size of the journey-map SVG.

Builds its own family (four members, two years of contacts with eight agencies, assessments,
a case conference) beside the synthetic county, asks for the page through Django's test client
as the family's advocate, and rolls everything back, so the benchmark database stays as it was.
Goal: a fixed number of queries (the tests check 10 against 1,000 contacts) and a median well
under a second.
"""

from __future__ import annotations

import os
import random
import statistics
import time
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from advocates import services as advocate_services
from advocates.models import Assignment
from agencies.models import Agency, AssessmentType, ContactType, Role, Sector, StaffMembership
from consent.models import ConsentGrant
from journeys.models import Assessment, Contact, Family, Membership, Person

CONTACTS = int(os.environ.get("BENCH_JOURNEY_CONTACTS", "1000"))
REQUESTS = int(os.environ.get("BENCH_JOURNEY_REQUESTS", "25"))


class Rollback(Exception):
    pass


def build_family(rng: random.Random):
    now = timezone.now()
    advocacy, _ = Agency.objects.get_or_create(
        code="bench-advocacy", defaults={"name": "Bench Advocacy Service", "sector": Sector.ADVOCACY}
    )
    agencies = [
        Agency.objects.get_or_create(
            code=f"bench-agency-{i}", defaults={"name": f"Bench agency {i}", "sector": s}
        )[0]
        for i, s in enumerate(
            [
                Sector.POLICE,
                Sector.GP,
                Sector.HOUSING,
                Sector.EDUCATION,
                Sector.EMPLOYMENT,
                Sector.HOSPITAL,
                Sector.CHILDRENS_SOCIAL_CARE,
            ]
        )
    ] + [advocacy]
    User = get_user_model()
    advocate = User.objects.create_user(
        "bench-advocate", password=None, first_name="Bench", last_name="Advocate"
    )
    StaffMembership.objects.create(user=advocate, agency=advocacy, role=Role.ADVOCATE)
    manager = User.objects.create_user("bench-advocacy-manager", password=None)
    StaffMembership.objects.create(user=manager, agency=advocacy, role=Role.MANAGER)
    family = Family.objects.create(reference="BENCH-JOURNEY-1", label="The Bench family")
    people = []
    for i, (given, age, rel) in enumerate(
        [("Alex", 34, "parent"), ("Sam", 36, "partner"), ("Kit", 9, "child"), ("Jo", 4, "child")]
    ):
        person = Person.objects.create(
            given_name=given, family_name="Bench", date_of_birth=(now - timedelta(days=365 * age + i)).date()
        )
        Membership.objects.create(
            person=person,
            family=family,
            relationship=rel,
            parental_responsibility=rel != "child",
            started=(now - timedelta(days=900)).date(),
        )
        ConsentGrant.objects.create(
            subject=person,
            agency=advocacy,
            categories=["contacts", "assessments", "notes"],
            labels=["general"],
            given_by=people[0] if people and rel == "child" else person,
            method="in_person",
            valid_from=now - timedelta(days=1),
            expires_at=now + timedelta(days=365),
        )
        people.append(person)
    advocate_services.assignment_start(
        advocate=advocate, family=family, actor=manager, started=(now - timedelta(days=200)).date()
    )
    types = list(ContactType.objects.all()[:12]) or [
        ContactType.objects.create(code="bench-contact", label="Bench contact", sector=Sector.OTHER)
    ]
    contacts = Contact.objects.bulk_create(
        Contact(
            agency=(agency := rng.choice(agencies)),
            recording_agency=agency,
            contact_type=rng.choice(types),
            family=family,
            occurred_at=now - timedelta(days=rng.randint(1, 730), minutes=rng.randint(0, 600)),
            channel=rng.choice(["phone", "in_person", "home_visit"]),
            summary="Synthetic contact for the journey benchmark.",
            demand_type=rng.choice(["value", "failure", "unknown"]),
            duration_minutes=rng.choice([None, 15, 30, 60]),
        )
        for _ in range(CONTACTS)
    )
    Contact.persons.through.objects.bulk_create(
        Contact.persons.through(contact_id=c.pk, person_id=rng.choice(people).pk) for c in contacts
    )
    assessment_types = list(AssessmentType.objects.all()[:6])
    for n in range(min(20, len(assessment_types) * 4)):
        kind = assessment_types[n % len(assessment_types)]
        Assessment.objects.create(
            assessment_type=kind,
            agency=kind.agency,
            subject_person=rng.choice(people) if kind.level == "person" else None,
            subject_family=family if kind.level == "family" else None,
            completed_at=now - timedelta(days=rng.randint(1, 700)),
        )
    return advocate, family


def main() -> None:
    rng = random.Random(11)
    from django.test.utils import override_settings

    result = {}
    try:
        with transaction.atomic(), override_settings(ALLOWED_HOSTS=["testserver"]):
            advocate, family = build_family(rng)
            assert Assignment.objects.filter(family=family).exists()
            client = Client()
            client.force_login(advocate)
            url = reverse("advocates:journey", args=[family.pk])
            client.get(url)  # warm up templates and connections
            times = []
            for _ in range(REQUESTS):
                started = time.perf_counter()
                response = client.get(url)
                times.append(time.perf_counter() - started)
                assert response.status_code == 200, response.status_code
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
            html = response.content.decode()
            start = html.index("<svg xmlns")
            svg = html[start : html.index("</svg>", start) + len("</svg>")]
            result = {
                "median_ms": statistics.median(times) * 1000,
                "p95_ms": sorted(times)[int(len(times) * 0.95) - 1] * 1000,
                "queries": len(queries),
                "svg_kb": len(svg.encode()) / 1024,
                "page_kb": len(response.content) / 1024,
                "marks": svg.count("<circle"),
            }
            raise Rollback
    except Rollback:
        pass
    print(
        f"journey page: median {result['median_ms']:.0f} ms, {result['queries']} queries, "
        f"SVG {result['svg_kb']:.0f} KB"
    )
    print(
        f"  ({CONTACTS} contacts, {result['marks']} contact marks drawn; p95 {result['p95_ms']:.0f} ms over "
        f"{REQUESTS} requests; whole page {result['page_kb']:.0f} KB; time includes one access-log entry "
        "per member shown)"
    )


if __name__ == "__main__":
    main()
