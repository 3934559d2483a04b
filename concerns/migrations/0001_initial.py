"""Concerns move here from consent with their table: state only, no database operation."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('agencies', '0003_api_clients'),
        ('consent', '0011_invitation_code_confirmation'),
        ('journeys', '0007_date_ranges'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='Concern',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('raised_via', models.CharField(choices=[('advocate', "Raised by the family's advocate"), ('citizen', 'Raised by the person')], max_length=10)),
                        ('text', models.TextField()),
                        ('status', models.CharField(choices=[('open', 'Open'), ('acknowledged', 'Acknowledged'), ('responded', 'Responded'), ('closed', 'Closed')], default='open', max_length=14)),
                        ('response', models.TextField(blank=True)),
                        ('responded_at', models.DateTimeField(blank=True, null=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('about_agency', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='concerns', to='agencies.agency')),
                        ('about_contact', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='concerns', to='journeys.contact')),
                        ('raised_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('responded_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('subject_family', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='concerns', to='journeys.family')),
                        ('subject_person', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='concerns', to='journeys.person')),
                    ],
                    options={
                        'db_table': 'consent_concern',
                        'ordering': ['-created_at', '-id'],
                        'indexes': [models.Index(fields=['about_agency', 'status'], name='consent_con_about_a_839ae9_idx'), models.Index(fields=['subject_family', 'status'], name='consent_con_subject_d3c21f_idx')],
                        'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('subject_person__isnull', False), ('subject_family__isnull', True)), models.Q(('subject_person__isnull', True), ('subject_family__isnull', False)), _connector='OR'), name='concern_one_subject'), models.CheckConstraint(condition=models.Q(('raised_via__in', ['advocate', 'citizen'])), name='concern_via_valid'), models.CheckConstraint(condition=models.Q(('status__in', ['open', 'acknowledged', 'responded', 'closed'])), name='concern_status_valid'), models.CheckConstraint(condition=models.Q(('text', ''), _negated=True), name='concern_has_text'), models.CheckConstraint(condition=models.Q(models.Q(('status', 'responded'), _negated=True), models.Q(models.Q(('response', ''), _negated=True), ('responded_at__isnull', False)), _connector='OR'), name='concern_response_recorded')],
                    },
                ),
            ],
        ),
    ]
