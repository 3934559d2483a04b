"""The content type of the audit events, which moved here from consent, follows them."""

from django.db import migrations

from core.migration_operations import repoint_moved_models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("consent", "0013_audit_events_move_out"),
    ]

    operations = [repoint_moved_models(old_app="consent", new_app="core", models=["auditevent"])]
