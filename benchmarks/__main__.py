"""Run the benchmarks: `python -m benchmarks [NAME ...]` (or `make bench BENCH_ARGS=...`).

Makes sure the benchmark database exists, is migrated and holds the synthetic county of
BENCH_FAMILIES families (seed 1), then runs main() of every benchmarks/bench_*.py in name order,
or only those whose names contain one of the NAMEs. A benchmark that fails is reported and the
others still run; the exit status says whether all passed.
"""

import argparse
import importlib
import pkgutil
import sys
import time
import traceback

import psycopg
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from psycopg import sql

import benchmarks
from devdata import synthetic
from journeys.models import Family


def ensure_database() -> None:
    """Create the benchmark database when the server does not have it yet."""
    db = settings.DATABASES["default"]
    if connection.vendor != "postgresql":
        sys.exit("The benchmarks need PostgreSQL: set BENCH_DATABASE_URL to a postgres:// URL.")
    params = {"host": db["HOST"], "port": db["PORT"], "user": db["USER"], "password": db["PASSWORD"]}
    server = {key: value for key, value in params.items() if value}
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]]).fetchone():
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db["NAME"])))
            print(f"Created database {db['NAME']}.")


def ensure_dataset(families: int, seed: int) -> None:
    """Load the county unless it is there. The load is one transaction, so the count of this
    seed's families is the marker: all of them means the whole dataset is loaded."""
    loaded = Family.objects.filter(reference__startswith=synthetic.reference_prefix(seed)).count()
    name = settings.DATABASES["default"]["NAME"]
    if loaded == families:
        print(f"{name} already holds the synthetic county: {families:,} families, seed {seed}.")
        return
    if loaded:
        sys.exit(
            f"{name} holds {loaded:,} synthetic families of seed {seed}, not {families:,}. "
            "Drop that database or point BENCH_DATABASE_URL at another."
        )
    print(f"Loading {families:,} synthetic families (seed {seed}) into {name}.")
    call_command("generate_synthetic", families=families, seed=seed)


def bench_modules(only: list[str]) -> list[str]:
    names = sorted(m.name for m in pkgutil.iter_modules(benchmarks.__path__) if m.name.startswith("bench_"))
    return [n for n in names if not only or any(word in n for word in only)]


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument(
        "only", nargs="*", metavar="NAME", help="run only benchmarks whose names contain NAME"
    )
    args = parser.parse_args()
    started = time.perf_counter()
    ensure_database()
    call_command("migrate", interactive=False, verbosity=0)
    ensure_dataset(benchmarks.FAMILIES, benchmarks.SEED)
    failed = []
    for name in bench_modules(args.only):
        print(f"\n== {name}", flush=True)
        begun = time.perf_counter()
        try:
            importlib.import_module(f"benchmarks.{name}").main()
        except Exception:
            traceback.print_exc()
            failed.append(name)
        finally:
            connection.close()  # the next benchmark starts on a clean connection
        print(f"-- {name}: {time.perf_counter() - begun:.1f}s", flush=True)
    print(f"\nTotal {time.perf_counter() - started:.1f}s", end="")
    print(f"; failed: {', '.join(failed)}" if failed else "; all benchmarks ran.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
