"""The portal's models and concerns leave consent's state for their own apps; their tables stay."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('consent', '0011_invitation_code_confirmation'),
        ('concerns', '0001_initial'),
        ('portal', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.RemoveField(
                    model_name='consentreminder',
                    name='grant',
                ),
                migrations.RemoveField(
                    model_name='correctionrequest',
                    name='agency',
                ),
                migrations.RemoveField(
                    model_name='correctionrequest',
                    name='decided_by',
                ),
                migrations.RemoveField(
                    model_name='correctionrequest',
                    name='person',
                ),
                migrations.RemoveField(
                    model_name='correctionrequest',
                    name='requested_by',
                ),
                migrations.RemoveField(
                    model_name='dataexport',
                    name='person',
                ),
                migrations.RemoveField(
                    model_name='dataexport',
                    name='requested_by',
                ),
                migrations.RemoveField(
                    model_name='invitation',
                    name='agency',
                ),
                migrations.RemoveField(
                    model_name='invitation',
                    name='confirmed_by',
                ),
                migrations.RemoveField(
                    model_name='invitation',
                    name='invited_by',
                ),
                migrations.RemoveField(
                    model_name='invitation',
                    name='person',
                ),
                migrations.DeleteModel(
                    name='Concern',
                ),
                migrations.DeleteModel(
                    name='ConsentReminder',
                ),
                migrations.DeleteModel(
                    name='CorrectionRequest',
                ),
                migrations.DeleteModel(
                    name='DataExport',
                ),
                migrations.DeleteModel(
                    name='Invitation',
                ),
            ],
        ),
    ]
