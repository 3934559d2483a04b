"""The whole app under mixed use, as a county uses it: gunicorn with 2 sync workers on the
benchmark database, driven by 16 connections (threads, http.client; keep-alive is asked for,
but sync workers close each connection, so each request opens one, as wrk's would).

Each request class runs alone for BENCH_MIX_CLASS_SECONDS (default 5), then the mix of all of
them, weighted as a day's use, for BENCH_MIX_SECONDS (default 15). Every figure is beside the
sign-in page (one template, no query) served by the same server in the same run, before the
classes and after the mix: req/s, p50, p95, req/s as a share of the sign-in page's (the mean of
its two runs), and the machine's load average at the end of each run.

The requests are fixed by the seed: staff of every agency (search, record API and page, contact
POSTs), the synthetic county's advocates (caseload, family journey), citizens (portal pages) and
managers (duplicates pages). Benchmark accounts (`bench-mix-*`) are made once and kept, signed
in by sessions made in-process; the contacts the run posts are removed afterwards.
"""

from __future__ import annotations

import http.client
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from random import Random

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count
from django.test import Client

import benchmarks
from advocates.models import Assignment
from agencies.models import Agency, ContactType, Role, Sector, StaffMembership
from journeys.models import Contact, Person

CONNECTIONS = int(os.environ.get("BENCH_MIX_CONNECTIONS", "16"))
WORKERS = int(os.environ.get("BENCH_MIX_WORKERS", "2"))
MIX_SECONDS = float(os.environ.get("BENCH_MIX_SECONDS", "15"))
CLASS_SECONDS = float(os.environ.get("BENCH_MIX_CLASS_SECONDS", "5"))
PER_ROLE = 20  # people, families or names sampled for each account
EXTERNAL_PREFIX = "bench-mix-"
ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None = None


@dataclass
class RequestClass:
    """One kind of request a person makes daily, and its share of the mix."""

    name: str
    weight: int
    requests: list[Request] = field(default_factory=list)


@dataclass
class Result:
    times: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    load: float = 0.0  # the machine's 1-minute load average when the run ended

    def add(self, other: Result) -> None:
        self.times += other.times
        self.errors += other.errors
        for status, n in other.statuses.items():
            self.statuses[status] = self.statuses.get(status, 0) + n


def session_headers(user, *, json_body: bool = False) -> dict[str, str]:
    """A signed-in session made in-process (the way tests sign in), and a CSRF secret sent as
    both cookie and header, so POSTs pass Django's CSRF check as a browser's would."""
    client = Client()
    client.force_login(user)
    csrf = secrets.token_hex(16)
    headers = {
        "Cookie": f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value};"
        f" {settings.CSRF_COOKIE_NAME}={csrf}",
        "X-CSRFToken": csrf,
    }
    if json_body:
        headers["Content-Type"] = "application/json"
    return headers


def account(username: str, **membership):
    """A benchmark account, made once and kept (access-log entries refer to their users)."""
    user, _ = get_user_model().objects.get_or_create(
        username=username, defaults={"first_name": "Bench", "last_name": "Mix"}
    )
    if membership:
        StaffMembership.objects.update_or_create(user=user, defaults=membership)
    return user


def staff_classes(rng: Random, classes: dict[str, RequestClass]) -> None:
    agencies = Agency.objects.exclude(sector=Sector.ADVOCACY).annotate(n=Count("contacts")).filter(n__gt=0)
    for agency in agencies.order_by("code"):
        user = account(f"bench-mix-staff-{agency.code}", agency=agency, role=Role.STAFF)
        headers = session_headers(user)
        post_headers = session_headers(user, json_body=True)
        known = list(
            Person.objects.filter(contacts__recording_agency=agency)
            .order_by("pk")
            .distinct()
            .values_list("pk", "family_name")[:500]
        )
        sample = rng.sample(known, min(PER_ROLE, len(known)))
        kinds = list(ContactType.objects.filter(sector=agency.sector).values_list("code", flat=True)) or list(
            ContactType.objects.values_list("code", flat=True)[:1]
        )
        for person_id, family_name in sample:
            classes["search_api"].requests.append(
                Request("GET", f"/api/v1/persons/?q={family_name}", headers)
            )
            classes["search_page"].requests.append(Request("GET", f"/people/?q={family_name}", headers))
            classes["record_api"].requests.append(
                Request("GET", f"/api/v1/persons/{person_id}/record/", headers)
            )
            classes["record_page"].requests.append(Request("GET", f"/people/{person_id}/", headers))
            body = {
                "persons": [person_id],
                "contact_type": rng.choice(kinds),
                "occurred_at": "2026-11-20T10:00:00Z",
                "channel": "phone",
                "summary": "Benchmark contact.",
            }
            classes["contact_post"].requests.append(
                Request("POST", "/api/v1/contacts/", post_headers, json.dumps(body).encode())
            )


def advocate_classes(rng: Random, classes: dict[str, RequestClass]) -> None:
    advocate_ids = sorted(
        set(Assignment.objects.filter(ended__isnull=True).values_list("advocate_id", flat=True))
    )
    for advocate in get_user_model().objects.filter(
        pk__in=rng.sample(advocate_ids, min(PER_ROLE, len(advocate_ids)))
    ):
        headers = session_headers(advocate)
        classes["caseload"].requests.append(Request("GET", "/caseload/", headers))
        for family_id in Assignment.objects.filter(advocate=advocate, ended__isnull=True).values_list(
            "family_id", flat=True
        )[:3]:
            classes["journey"].requests.append(Request("GET", f"/caseload/families/{family_id}/", headers))


def citizen_classes(rng: Random, classes: dict[str, RequestClass]) -> None:
    """Citizens of the county with the busiest records get a portal account each."""
    busy = list(
        Person.objects.annotate(n=Count("contacts")).order_by("-n", "pk").values_list("pk", flat=True)[:200]
    )
    for index, person_id in enumerate(sorted(rng.sample(busy, min(PER_ROLE, len(busy))))):
        user = account(f"bench-mix-citizen-{index}")
        person = Person.objects.get(pk=person_id)
        if person.user_id is None and not Person.objects.filter(user=user).exists():
            Person.objects.filter(pk=person_id).update(user=user)
        if Person.objects.filter(user=user).exists():
            headers = session_headers(user)
            for path in ("/my/", "/my/journey/", "/my/consents/", "/my/who-looked/"):
                classes["portal"].requests.append(Request("GET", path, headers))


def manager_classes(classes: dict[str, RequestClass]) -> None:
    busiest = Agency.objects.annotate(n=Count("assessments")).order_by("-n", "code")[:3]
    for agency in busiest:
        user = account(f"bench-mix-manager-{agency.code}", agency=agency, role=Role.MANAGER)
        headers = session_headers(user)
        for path in ("/duplicates/", "/duplicates/review/"):
            classes["duplicates"].requests.append(Request("GET", path, headers))


def build_classes() -> dict[str, RequestClass]:
    rng = Random(benchmarks.SEED)
    weights = {
        "search_api": 10,
        "search_page": 10,
        "record_api": 15,
        "record_page": 15,
        "contact_post": 15,
        "caseload": 8,
        "journey": 8,
        "portal": 12,
        "duplicates": 7,
    }
    classes = {name: RequestClass(name, weight) for name, weight in weights.items()}
    staff_classes(rng, classes)
    advocate_classes(rng, classes)
    citizen_classes(rng, classes)
    manager_classes(classes)
    return {name: c for name, c in classes.items() if c.requests}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": benchmarks.DATABASE_URL, "DEBUG": "1", "LOG_LEVEL": "WARNING"}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--workers", str(WORKERS),
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.3)
    server.terminate()
    raise RuntimeError("gunicorn did not answer /healthz within a minute")


def run_load(port: int, pick: Callable[[Random], tuple[str, Request]], seconds: float) -> dict[str, Result]:
    """CONNECTIONS threads, each on its own connection, each drawing requests from its own seeded
    generator until the time is up. Sync workers close each connection; http.client reopens."""
    results: dict[str, Result] = {}
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def worker(index: int) -> None:
        rng = Random(benchmarks.SEED * 1000 + index)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine: dict[str, Result] = {}
        while time.monotonic() < stop:
            name, req = pick(rng)
            result = mine.setdefault(name, Result())
            started = time.perf_counter()
            try:
                conn.request(req.method, req.path, body=req.body, headers=req.headers)
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                conn.close()
                result.errors += 1
                continue
            result.times.append(time.perf_counter() - started)
            result.statuses[response.status] = result.statuses.get(response.status, 0) + 1
        with lock:
            for name, result in mine.items():
                results.setdefault(name, Result()).add(result)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(CONNECTIONS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for result in results.values():
        result.load = os.getloadavg()[0]
    return results


def figures(result: Result, seconds: float) -> tuple[float, float, float]:
    times = sorted(result.times)
    if not times:
        return 0.0, 0.0, 0.0
    p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
    return len(times) / seconds, statistics.median(times) * 1000, p95 * 1000


def report(label: str, result: Result, seconds: float, floor_rate: float | None) -> None:
    if not result.times and not result.errors:
        print(f"  {label:<14} no requests in this run", flush=True)
        return
    rate, p50, p95 = figures(result, seconds)
    share = f"{rate / floor_rate:6.3f}x" if floor_rate else "   1   x"
    statuses = ", ".join(f"{s}: {n}" for s, n in sorted(result.statuses.items()))
    errors = f", {result.errors} failed" if result.errors else ""
    print(
        f"  {label:<14} {rate:8.1f} req/s  p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  {share} sign-in"
        f"  load {result.load:.2f}  ({statuses}{errors})",
        flush=True,
    )


def remove_posted_contacts(before: int) -> None:
    """The run's contacts go again, so the county stays as it was."""
    posted = Contact.objects.filter(pk__gt=before, summary="Benchmark contact.")
    Contact.persons.through.objects.filter(contact__in=posted).delete()
    posted.delete()


def main() -> None:
    classes = build_classes()
    print(
        f"{CONNECTIONS} connections, gunicorn {WORKERS} sync workers; "
        + ", ".join(f"{c.name} {len(c.requests)}" for c in classes.values())
    )
    anonymous = Request("GET", "/sign-in/", {})
    last_contact = Contact.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    port = free_port()
    server = start_server(port)
    try:
        run_load(port, lambda rng: ("warm-up", rng.choice(rng.choice(list(classes.values())).requests)), 2)

        def sign_in() -> Result:
            return run_load(port, lambda rng: ("sign-in", anonymous), CLASS_SECONDS)["sign-in"]

        first = sign_in()
        alone = {
            c.name: run_load(port, lambda rng, c=c: (c.name, rng.choice(c.requests)), CLASS_SECONDS)[c.name]
            for c in classes.values()
        }
        names = list(classes)
        weights = [classes[n].weight for n in names]

        def pick(rng: Random) -> tuple[str, Request]:
            name = rng.choices(names, weights)[0]
            return name, rng.choice(classes[name].requests)

        mixed = run_load(port, pick, MIX_SECONDS)
        last = sign_in()
        # The machine may be shared: the floor is the mean of the sign-in page before and after.
        floor_rate = (len(first.times) + len(last.times)) / (2 * CLASS_SECONDS)
        report("/sign-in/ 1st", first, CLASS_SECONDS, None)
        report("/sign-in/ 2nd", last, CLASS_SECONDS, None)
        print(f"each class alone, {CLASS_SECONDS:.0f}s (share: of the sign-in page's mean req/s):")
        for name, result in alone.items():
            report(name, result, CLASS_SECONDS, floor_rate)
        print(f"the mix, {MIX_SECONDS:.0f}s (each class's part of it, then the whole):")
        total = Result(load=max(r.load for r in mixed.values()))
        for name in names:
            report(name, mixed.get(name, Result()), MIX_SECONDS, floor_rate)
            total.add(mixed.get(name, Result()))
        report("the mix", total, MIX_SECONDS, floor_rate)
    finally:
        server.terminate()
        server.wait(timeout=30)
        remove_posted_contacts(last_contact)
