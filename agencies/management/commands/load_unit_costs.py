"""manage.py load_unit_costs PATH: load unit costs from a CSV file (format in README.md)."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from agencies.unit_cost_services import REFERENCE_ALIASES, unit_costs_load


class Command(BaseCommand):
    help = "Load unit costs from a CSV file; all rows or none. Running it twice changes nothing."

    def add_arguments(self, parser):
        parser.add_argument("path", help="CSV file with the columns described in README.md")
        parser.add_argument(
            "--demo-aliases",
            action="store_true",
            help="Also price the demo's own contact and assessment types by the reference rows.",
        )

    def handle(self, *args, path, demo_aliases, **options):
        try:
            result = unit_costs_load(
                path=path, actor=None, aliases=REFERENCE_ALIASES if demo_aliases else None
            )
        except FileNotFoundError:
            raise CommandError(f"No file at {path}.") from None
        except ValidationError as exc:
            raise CommandError("\n".join(exc.messages)) from None
        self.stdout.write(
            f"Stored {result.prices} prices; created {len(result.contact_types_created)} contact types."
        )
