"""Duplicate flags leave journeys' state for the duplicates app; their table stays."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('journeys', '0007_date_ranges'),
        ('duplicates', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(
                    name='DuplicateFlag',
                ),
            ],
        ),
    ]
