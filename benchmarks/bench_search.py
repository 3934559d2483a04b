"""Finding a person (rule 10) across the county: the median server time of
`GET /api/v1/persons/?q=<the county's most common family name>` for staff of the three agencies
with the most contacts and the three with the fewest, beside
a floor measured in the same run: the same name matched by one plain query over everyone,
encoded with json.dumps. The search must also check, for each match, that the agency may know of
the person; the ratio shows what that costs.

Staff users are made in a transaction that is rolled back, so the county stays as it was.
"""

from __future__ import annotations

import json
import os
import statistics
import time

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Q
from django.test import Client

from agencies.models import Agency, Role, StaffMembership
from journeys.models import Person

RUNS = int(os.environ.get("BENCH_SEARCH_RUNS", "5"))


def median_ms(fn) -> float:
    fn()
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    name = (
        Person.objects.values("family_name")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("family_name")[:1]
    )[0][0]

    def floor():
        people = Person.objects.filter(
            Q(given_name__icontains=name) | Q(family_name__icontains=name) | Q(preferred_name__icontains=name)
        ).values("id", "given_name", "family_name", "preferred_name", "date_of_birth")[:20]
        return json.dumps(list(people), default=str)

    floor_ms = median_ms(floor)
    print(f'search for "{name}" (the most common family name); floor: one name query, {floor_ms:.1f} ms')
    with transaction.atomic():
        by_size = list(Agency.objects.annotate(n=Count("contacts")).order_by("-n", "code"))
        for agency in by_size[:3] + by_size[-3:]:
            user = get_user_model().objects.create_user(f"bench-search-{agency.code}")
            StaffMembership.objects.create(user=user, agency=agency, role=Role.STAFF)
            client = Client()
            client.force_login(user)
            url = f"/api/v1/persons/?q={name}"
            found = client.get(url).json()["count"]
            ms = median_ms(lambda url=url, client=client: client.get(url))
            print(
                f"  {agency.name:<40} {agency.n:>9,} contacts {found:>6,} found"
                f"  median {ms:7.1f} ms  {ms / floor_ms:5.1f}x floor"
            )
        transaction.set_rollback(True)
