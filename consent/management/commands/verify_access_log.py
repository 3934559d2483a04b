"""Check the access log's chain, and with --anchors its anchors; exit non-zero naming the
first bad entry."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from consent import access_log
from consent.models import AccessLog


class Command(BaseCommand):
    help = "Verify that the access log is whole: every entry links to the one before, under the key."

    def add_arguments(self, parser):
        parser.add_argument(
            "--anchors",
            nargs="?",
            const="",
            metavar="FILE",
            help="Check every anchor too: those of the anchor directory, or of FILE (e.g. the lines "
            "of the anchor emails).",
        )

    def handle(self, *args, anchors=None, **options):
        checked = None
        if anchors is not None:
            path = Path(anchors) if anchors else access_log.anchor_file()
            if not path.is_file():
                raise CommandError(f"No anchors to check: {path.name} does not exist.")
            try:
                checked = access_log.read_anchors(path)
            except access_log.AnchorError as error:
                raise CommandError(f"The anchors cannot be trusted: {error}.") from None
            if not checked:
                raise CommandError(f"No anchors to check: {path.name} is empty.")
        problem = access_log.first_problem(anchors=checked)
        if problem is not None:
            raise CommandError(f"The access log is {problem}.")
        against = f", and matches {len(checked)} anchors" if checked else ""
        self.stdout.write(
            self.style.SUCCESS(f"The access log is whole: {AccessLog.objects.count()} entries{against}.")
        )
