from django.db import migrations

GENESIS = "0" * 64


def create_head(apps, schema_editor):
    apps.get_model("consent", "AccessLogHead").objects.get_or_create(pk=1, defaults={"last_hash": GENESIS})


class Migration(migrations.Migration):
    dependencies = [("consent", "0002_initial")]
    operations = [migrations.RunPython(create_head, migrations.RunPython.noop)]
