"""Rebuild which agency knows which person (rule 10's search table) from the records: after a
bulk load, or whenever the nightly task could not run. Idempotent."""

from django.core.management.base import BaseCommand

from consent.knowledge import agency_knows_repair


class Command(BaseCommand):
    help = "Rebuild journeys.AgencyKnows from people, contacts, assessments, grants and break-glass."

    def handle(self, *args, **options):
        self.stdout.write(f"Repaired who knows whom: {agency_knows_repair()}.")
