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
