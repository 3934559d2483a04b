"""Content types and audit labels of the models that moved here from journeys follow them."""

from django.db import migrations

from core.migration_operations import repoint_moved_models


class Migration(migrations.Migration):
    dependencies = [
        ("duplicates", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("journeys", "0008_duplicate_flags_move_out"),
        ("consent", "0011_invitation_code_confirmation"),
    ]

    operations = [repoint_moved_models(old_app="journeys", new_app="duplicates", models=["duplicateflag"])]
