"""Migration operations every app may use."""

from django.db import migrations


class AddCheckForNewRows(migrations.AddConstraint):
    """Add a check constraint that new and changed rows must pass, without refusing to migrate
    a database that already holds rows outside it: on PostgreSQL the constraint is added NOT
    VALID (existing rows stay, pages still render them, and whoever corrects one must bring it
    inside). SQLite, the embedded default, has no NOT VALID and checks every row as usual."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        model = to_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            schema_editor.execute(f"{self.constraint.create_sql(model, schema_editor)} NOT VALID")
        return None


def _audit_events(apps):
    """The audit events' model as this migration sees it: core's, or consent's before it moved."""
    try:
        return apps.get_model("core", "AuditEvent")
    except LookupError:
        return apps.get_model("consent", "AuditEvent")


def repoint_moved_models(*, old_app: str, new_app: str, models: list[str]) -> migrations.RunPython:
    """The data half of moving models between apps with their tables: content types (and so
    permissions and admin history) and stored audit labels follow the models to their new app.
    A content type that a partial migrate already made under the new label gives way to the
    old one, which keeps what refers to it."""

    def repoint(apps, from_app, to_app):
        content_type = apps.get_model("contenttypes", "ContentType")
        audit_event = _audit_events(apps)
        for model in models:
            if content_type.objects.filter(app_label=from_app, model=model).exists():
                content_type.objects.filter(app_label=to_app, model=model).delete()
                content_type.objects.filter(app_label=from_app, model=model).update(app_label=to_app)
            audit_event.objects.filter(object_type=f"{from_app}.{model}").update(
                object_type=f"{to_app}.{model}"
            )

    return migrations.RunPython(
        lambda apps, schema_editor: repoint(apps, old_app, new_app),
        lambda apps, schema_editor: repoint(apps, new_app, old_app),
    )
