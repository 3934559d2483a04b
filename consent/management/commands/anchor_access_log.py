"""Anchor the access log's head outside the database (Celery beat runs this daily too)."""

from django.core.management.base import BaseCommand

from consent import access_log


class Command(BaseCommand):
    help = (
        "Append the signed head of the access log to the anchor file and email it to information governance."
    )

    def handle(self, *args, **options):
        anchor = access_log.anchor_head()
        if anchor is None:
            self.stdout.write("The access log is empty: nothing to anchor.")
            return
        self.stdout.write(self.style.SUCCESS(f"Anchored entry {anchor.entry} at {anchor.anchored_at}."))
