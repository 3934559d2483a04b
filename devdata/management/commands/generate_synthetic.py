"""Load a synthetic county for benchmarks; the work is in devdata.synthetic."""

import sys
import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from consent.knowledge import agency_knows_repair
from devdata import synthetic


class Command(BaseCommand):
    help = (
        "Bulk-load a deterministic synthetic county for benchmarks: agencies, families, contacts, "
        "assessments, consent and advocates. Every name and number is made up. It writes the tables "
        "directly (no services, audit entries or tasks), so use it on a benchmark database, not for "
        "case work. The same --seed gives the same data and checksum."
    )

    def add_arguments(self, parser):
        parser.add_argument("--families", type=int, default=1000, help="How many families (default 1000).")
        parser.add_argument("--seed", type=int, default=1, help="Random seed (default 1).")

    def handle(self, *args, families, seed, **options):
        if families < 1:
            raise CommandError("--families must be at least 1.")
        started = time.perf_counter()
        with tqdm(total=families, unit="family", disable=options["verbosity"] < 1, file=sys.stderr) as bar:
            try:
                summary = synthetic.load(families=families, seed=seed, progress=bar.update)
            except synthetic.AlreadyLoaded as error:
                raise CommandError(str(error)) from error
        # The loader writes around the services, so who knows whom is built from its rows.
        self.stdout.write(f"Who knows whom: {agency_knows_repair()}.")
        synthetic.analyze()
        elapsed = time.perf_counter() - started
        for table, count in summary.counts.items():
            self.stdout.write(f"{table:<16} {count:>12,}")
        self.stdout.write(f"elapsed          {elapsed:>11.1f}s")
        self.stdout.write(f"checksum         {summary.checksum}")
