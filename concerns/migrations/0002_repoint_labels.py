"""Content types and audit labels of the models that moved here from consent follow them."""

from django.db import migrations

from core.migration_operations import repoint_moved_models


class Migration(migrations.Migration):
    dependencies = [
        ("concerns", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("consent", "0012_portal_and_concerns_move_out"),
    ]

    operations = [repoint_moved_models(old_app="consent", new_app="concerns", models=["concern"])]
