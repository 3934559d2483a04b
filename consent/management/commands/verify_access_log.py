"""Check the access log's hash chain; exit non-zero naming the first bad entry."""

from django.core.management.base import BaseCommand, CommandError

from consent import access_log
from consent.models import AccessLog


class Command(BaseCommand):
    help = "Verify that the access log is whole: every entry links to the one before."

    def handle(self, *args, **options):
        bad = access_log.first_broken()
        if bad is not None:
            if bad.id is None:
                raise CommandError("The access log is broken: its newest entries are missing.")
            raise CommandError(f"The access log is broken at entry {bad.id} (at {bad.at:%Y-%m-%d %H:%M:%S}).")
        self.stdout.write(
            self.style.SUCCESS(f"The access log is whole: {AccessLog.objects.count()} entries.")
        )
