"""Duplicate detection at county scale, measured in one run on the same database.

- The full rescan (chunks of people, sliding window, flag upsert) against a lower bound measured
  in the same run: streaming the same assessment-question rows once, doing nothing with them.
  The nightly run (flags already there) is timed BENCH_DUP_NIGHTS times, taking turns with the
  lower bound, and the fastest of each is compared. Goal: rescan / lower bound <= 3.
- The incremental check for one new assessment (the Celery task's work): p50 and p95 over
  BENCH_DUP_SAMPLES new assessments, each a copy of an existing one a week later. Goal: p95 <= 20 ms.
- The naive formulation (a pairwise self-join of assessments within the window across the set,
  then keeping the pairs about a same person) beside the sliding window, on the people of the
  first 250, 1,000 and 4,000 families (BENCH_DUP_SUBSETS), to show how each grows. Both find the
  same pairs, which the run checks; the naive query is stopped after BENCH_DUP_NAIVE_TIMEOUT
  seconds (default 300).

Each part runs in a transaction that is rolled back, so the benchmark county stays as it was.
"""

from __future__ import annotations

import os
import random
import statistics
import time
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models.functions import TruncDate

from duplicates import services as duplicate_services
from duplicates.detection import find_candidates
from duplicates.models import DuplicateFlag
from journeys.models import Answer, Assessment, Family, Membership

SAMPLES = int(os.environ.get("BENCH_DUP_SAMPLES", "300"))
SUBSETS = [int(n) for n in os.environ.get("BENCH_DUP_SUBSETS", "250,1000,4000").split(",")]
NAIVE_TIMEOUT_S = int(os.environ.get("BENCH_DUP_NAIVE_TIMEOUT", "300"))
NIGHTS = int(os.environ.get("BENCH_DUP_NIGHTS", "3"))


def _stream(queryset) -> int:
    """Read every row of the query once through a server-side cursor, with the same compiled
    loaders the rescan reads with (core.rows.fetch_rows), keeping none of them."""
    from psycopg.types.datetime import TimestamptzLoader

    sql, params = queryset.query.sql_with_params()
    connection.ensure_connection()
    count = 0
    with connection.connection.cursor(name="lower_bound") as cursor:
        cursor.adapters.register_loader("timestamptz", TimestamptzLoader)
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(20000):
            count += len(rows)
    return count


def lower_bound() -> tuple[float, int]:
    """Stream once the same rows the rescan reads: each assessment's head and every
    assessment-question row, doing nothing with them."""
    started = time.perf_counter()
    _stream(
        Assessment.objects.order_by()
        .annotate(day=TruncDate("completed_at"))
        .values_list(*duplicate_services.HEAD_FIELDS)
    )
    rows = _stream(Answer.objects.order_by().values_list("assessment_id", "question_id", "reused_from_id"))
    return time.perf_counter() - started, rows


def timed_rescan() -> tuple[float, dict]:
    started = time.perf_counter()
    summary = duplicate_services.duplicates_rescan()
    return time.perf_counter() - started, summary


def incremental(samples: int) -> list[float]:
    """Record `samples` new assessments (copies of existing ones a week later, so each is a
    duplicate), then time the check of each one as the Celery task would run it."""
    rng = random.Random(7)
    ids = list(Assessment.objects.order_by("id").values_list("id", flat=True))
    sources = Assessment.objects.in_bulk(rng.sample(ids, min(samples, len(ids))))
    copies = []
    for source in sources.values():
        source.pk = None
        source.completed_at = source.completed_at + timedelta(days=7)
        source.started_at = None
        copies.append(source)
    originals = list(sources)
    Assessment.objects.bulk_create(copies)
    answers = []
    by_source = {}
    for assessment_id, question_id, value in Answer.objects.filter(assessment_id__in=originals).values_list(
        "assessment_id", "question_id", "value"
    ):
        by_source.setdefault(assessment_id, []).append((question_id, value))
    for original_id, copy in zip(originals, copies, strict=True):
        answers.extend(
            Answer(assessment_id=copy.pk, question_id=q, value=v) for q, v in by_source.get(original_id, [])
        )
    Answer.objects.bulk_create(answers, batch_size=5000)
    times = []
    for copy in copies:
        started = time.perf_counter()
        duplicate_services.duplicates_check_assessment(assessment_id=copy.pk)
        times.append(time.perf_counter() - started)
    return times


def subset(families: int) -> tuple[list[int], list[int]]:
    family_ids = list(Family.objects.order_by("id").values_list("id", flat=True)[:families])
    person_ids = sorted(
        set(Membership.objects.filter(family_id__in=family_ids).values_list("person_id", flat=True))
    )
    return family_ids, person_ids


def sliding(person_ids: list[int]) -> tuple[float, set[tuple[int, int]]]:
    """The sliding window over the same people, reading and detecting (no writes), in the
    rescan's chunks (by id range where the people's ids run without a gap, as here)."""
    rules = duplicate_services.rules()
    started = time.perf_counter()
    pairs = set()
    for start in range(0, len(person_ids), duplicate_services.RESCAN_CHUNK):
        chunk = person_ids[start : start + duplicate_services.RESCAN_CHUNK]
        if chunk[-1] - chunk[0] + 1 == len(chunk):
            loaded = duplicate_services.load_items(id_range=(chunk[0], chunk[-1]))
        else:
            loaded = duplicate_services.load_items(person_ids=chunk)
        for items in loaded.items_by_person.values():
            pairs.update(c.key for c in find_candidates(items, rules))
    return time.perf_counter() - started, pairs


NAIVE_SQL = """
WITH subject AS MATERIALIZED (
    -- each assessment of these families, with the people it is about and its question count
    SELECT a.id, a.completed_at,
           (a.completed_at AT TIME ZONE %(tz)s)::date AS day,
           CASE WHEN a.subject_person_id IS NOT NULL THEN ARRAY[a.subject_person_id]
                ELSE ARRAY(SELECT m.person_id FROM journeys_membership m
                           WHERE m.family_id = a.subject_family_id
                             AND (m.ended IS NULL OR m.ended >= (a.completed_at AT TIME ZONE %(tz)s)::date))
           END AS people,
           (SELECT count(*) FROM journeys_answer q WHERE q.assessment_id = a.id) AS size
    FROM journeys_assessment a
    WHERE a.subject_person_id = ANY(%(persons)s) OR a.subject_family_id = ANY(%(families)s)
),
pairs AS MATERIALIZED (
    -- every pair of assessments within the window, across the whole set (the pairwise join),
    -- then only those about a same person
    SELECT x.id AS earlier, y.id AS later, LEAST(x.size, y.size) AS smaller
    FROM subject x
    JOIN subject y
      ON y.completed_at >= x.completed_at
     AND y.completed_at <= x.completed_at + make_interval(days => %(window_plus)s)
    WHERE (y.completed_at, y.id) > (x.completed_at, x.id)
      AND y.day - x.day <= %(window)s
      AND x.people && y.people
)
SELECT p.earlier, p.later
FROM pairs p
JOIN journeys_answer ax ON ax.assessment_id = p.earlier
JOIN journeys_answer ay ON ay.assessment_id = p.later AND ay.question_id = ax.question_id
                       AND ay.reused_from_id IS NULL
GROUP BY p.earlier, p.later, p.smaller
HAVING count(*) >= %(min_shared)s OR count(*) + 1e-9 >= %(share)s * p.smaller
"""


def naive(family_ids: list[int], person_ids: list[int]) -> tuple[float | None, set[tuple[int, int]]]:
    params = {
        "tz": settings.TIME_ZONE,
        "persons": person_ids,
        "families": family_ids,
        "window": settings.DUPLICATE_WINDOW_DAYS,
        "window_plus": settings.DUPLICATE_WINDOW_DAYS + 2,
        "min_shared": settings.DUPLICATE_MIN_SHARED,
        "share": settings.DUPLICATE_SHARE,
    }
    sql = NAIVE_SQL
    with connection.cursor() as cursor:
        cursor.execute("SAVEPOINT naive")
        cursor.execute(f"SET LOCAL statement_timeout = {NAIVE_TIMEOUT_S * 1000}")
        started = time.perf_counter()
        try:
            cursor.execute(sql, params)
            pairs = {(a, b) for a, b in cursor.fetchall()}
        except Exception as exc:  # the timeout: report it rather than wait for ever
            cursor.execute("ROLLBACK TO SAVEPOINT naive")
            print(f"    naive query stopped after {NAIVE_TIMEOUT_S}s: {type(exc).__name__}")
            return None, set()
        elapsed = time.perf_counter() - started
        cursor.execute("SET LOCAL statement_timeout = 0")
        cursor.execute("RELEASE SAVEPOINT naive")
    return elapsed, pairs


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def _on_flag_tables(command: str) -> None:
    for model in (DuplicateFlag, DuplicateFlag.shared_questions.through):
        with connection.cursor() as cursor:
            cursor.execute(f"{command} {connection.ops.quote_name(model._meta.db_table)}")


def analyze() -> None:
    """Refresh the planner's statistics of the flag tables (possible inside a transaction)."""
    _on_flag_tables("ANALYZE")


def vacuum() -> None:
    """Clear away the rows of the rolled-back flags, so each part starts on clean tables."""
    _on_flag_tables("VACUUM ANALYZE")


def main() -> None:
    assessments = Assessment.objects.count()
    families = Family.objects.count()
    print(
        f"{families:,} families, {assessments:,} assessments, {Answer.objects.count():,} answers", flush=True
    )
    print(f"  load average of this machine at the start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")

    with transaction.atomic():
        times = incremental(SAMPLES)
        transaction.set_rollback(True)
    vacuum()
    print(
        f"  incremental check of one new assessment ({len(times)} samples):"
        f" p50 {statistics.median(times) * 1000:5.1f} ms, p95 {percentile(times, 95) * 1000:5.1f} ms"
        "  (goal p95 <= 20 ms)",
        flush=True,
    )

    with transaction.atomic():
        DuplicateFlag.objects.all().delete()  # start from none; rolled back at the end
        bound_first, rows = lower_bound()
        bounds = [bound_first]
        rescan_first, _ = timed_rescan()
        flags_first = DuplicateFlag.objects.count()
        analyze()  # as autovacuum does after the first run's inserts, before any night
        nights = []
        for _ in range(NIGHTS):  # the nights and the bound take turns, so both meet the same machine
            nights.append(timed_rescan())
            bounds.append(lower_bound()[0])
        flags_again = DuplicateFlag.objects.count()
        transaction.set_rollback(True)
    vacuum()
    bound = min(bounds)
    rescan_again, again = min(nights, key=lambda night: night[0])
    print(f"  lower bound: stream the same {rows:,} assessment-question rows once  {bound:7.2f}s")
    print(
        f"  full rescan, first run (creates {flags_first:,} flags)        {rescan_first:7.2f}s"
        f"  ratio {rescan_first / bound:5.2f}"
    )
    print(
        f"  full rescan, nightly run ({again['created']} created, {again['refreshed']} refreshed)"
        f"      {rescan_again:7.2f}s  ratio {rescan_again / bound:5.2f}  (goal <= 3)"
    )
    print(
        f"  flags after the second run: {flags_again:,} (unchanged: {flags_again == flags_first})", flush=True
    )

    print("  the naive pairwise self-join beside the sliding window, on the same people:")
    for n in SUBSETS:
        with transaction.atomic():
            family_ids, person_ids = subset(n)
            slide_s, slide_pairs = sliding(person_ids)
            naive_s, naive_pairs = naive(family_ids, person_ids)
            transaction.set_rollback(True)
        if naive_s is None:
            naive_text, check = f"> {NAIVE_TIMEOUT_S}s (stopped)", "not compared"
        else:
            naive_text = f"{naive_s:7.2f}s"
            check = "same pairs" if naive_pairs == slide_pairs else "PAIRS DIFFER"
        print(
            f"    {n:>6,} families ({len(person_ids):,} people): sliding window {slide_s:6.2f}s,"
            f" naive {naive_text}  ({len(slide_pairs):,} pairs; {check})",
            flush=True,
        )
