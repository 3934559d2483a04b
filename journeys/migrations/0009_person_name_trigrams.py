"""A trigram index on people's names, so a name search (a case-insensitive "contains") is an
index scan on PostgreSQL. SQLite, the embedded default, has no pg_trgm and is left as it is."""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX IF NOT EXISTS journeys_person_names_trgm ON journeys_person
USING gin (UPPER(given_name) gin_trgm_ops, UPPER(family_name) gin_trgm_ops, UPPER(preferred_name) gin_trgm_ops);
"""
DROP = "DROP INDEX IF EXISTS journeys_person_names_trgm;"


def on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("journeys", "0008_family_reference_unique")]

    operations = [migrations.RunPython(on_postgresql(CREATE), on_postgresql(DROP))]
