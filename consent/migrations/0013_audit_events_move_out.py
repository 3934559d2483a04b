"""Audit events leave consent's state for core; their table stays. (After the other moves'
label repointing, which reads the events as consent's.)"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('consent', '0012_portal_and_concerns_move_out'),
        ('core', '0001_initial'),
        ('concerns', '0002_repoint_labels'),
        ('portal', '0002_repoint_labels'),
        ('duplicates', '0002_repoint_labels'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(
                    name='AuditEvent',
                ),
            ],
        ),
    ]
