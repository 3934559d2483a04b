"""The synthetic loader against its floor, measured in one run on the same database: building
the rows in Python and writing them, against writing the same rows already built (binary COPY).

BENCH_LOAD_FAMILIES families (default 500) of seed 2 are built and written in a transaction that
is rolled back, so the benchmark county stays as it was.
"""

import os
import time

from django.db import transaction

from devdata import synthetic

FAMILIES = int(os.environ.get("BENCH_LOAD_FAMILIES", "500"))
SEED = 2  # not the county's seed, so references and advocates' usernames cannot clash


def main() -> None:
    with transaction.atomic():
        county = synthetic.prepare_county(families=FAMILIES, seed=SEED)
        summary = synthetic.Summary()
        ids, taken = synthetic.next_ids(), synthetic.taken_identifiers()
        started = time.perf_counter()
        chunks = list(
            synthetic.generate(county, families=FAMILIES, seed=SEED, ids=ids, taken=taken, summary=summary)
        )
        built = time.perf_counter() - started
        specs = synthetic.tables()
        writer = synthetic.CopyWriter(list(specs.values()))
        started = time.perf_counter()
        for rows in chunks:
            for key, table_rows in rows.items():
                writer.write(specs[key], table_rows)
        floor = time.perf_counter() - started
        transaction.set_rollback(True)
    rows = sum(summary.counts.values())
    print(f"{FAMILIES:,} families, {rows:,} rows ({summary.counts['contact']:,} contacts)")
    print(f"  build rows in Python  {built:6.2f}s  {rows / built:>10,.0f} rows/s")
    print(f"  binary COPY (floor)   {floor:6.2f}s  {rows / floor:>10,.0f} rows/s")
    print(f"  loader / floor        {(built + floor) / floor:6.2f}x")
