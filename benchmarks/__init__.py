"""`make bench`: figures measured on a synthetic county in PostgreSQL.

Importing this package points Django at the benchmark database (BENCH_DATABASE_URL, by default
a local `joinedup_bench`) with DEBUG on and sets Django up, so each bench_*.py module can use
the ORM straight away. `python -m benchmarks` creates, migrates and loads that database first.
"""

import os

import django

DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/joinedup_bench")
FAMILIES = int(os.environ.get("BENCH_FAMILIES", "20000"))
SEED = 1

os.environ["DATABASE_URL"] = DATABASE_URL
os.environ["DEBUG"] = "1"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
