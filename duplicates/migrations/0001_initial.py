"""Duplicate flags move here from journeys with their table: state only, no database operation."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('agencies', '0003_api_clients'),
        ('journeys', '0007_date_ranges'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='DuplicateFlag',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('shared_count', models.PositiveIntegerField()),
                        ('shared_ids', models.CharField(blank=True, editable=False, help_text='The shared question ids, sorted and comma-separated: a rescan compares these instead of reading shared_questions back for every flag.', max_length=1000)),
                        ('days_apart', models.PositiveIntegerField()),
                        ('avoidable', models.BooleanField(help_text='The earlier answers were open to the later agency under consent at the time.')),
                        ('estimated_cost_pence', models.PositiveIntegerField(default=0)),
                        ('status', models.CharField(choices=[('open', 'Open'), ('confirmed', 'Confirmed'), ('dismissed', 'Dismissed')], default='open', max_length=10)),
                        ('reviewed_at', models.DateTimeField(blank=True, null=True)),
                        ('review_reason', models.TextField(blank=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('asked_again_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='agencies.agency')),
                        ('earlier', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='journeys.assessment')),
                        ('later', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='duplicate_flags', to='journeys.assessment')),
                        ('reviewed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('shared_questions', models.ManyToManyField(related_name='+', to='agencies.question')),
                    ],
                    options={
                        'db_table': 'journeys_duplicateflag',
                        'ordering': ['-created_at', '-id'],
                        'indexes': [models.Index(fields=['asked_again_by', 'status'], name='journeys_du_asked_a_8a1cfe_idx')],
                        'constraints': [models.UniqueConstraint(fields=('earlier', 'later'), name='duplicate_flag_one_per_pair'), models.CheckConstraint(condition=models.Q(('earlier', models.F('later')), _negated=True), name='duplicate_flag_two_assessments'), models.CheckConstraint(condition=models.Q(('status__in', ['open', 'confirmed', 'dismissed'])), name='duplicate_flag_status_valid'), models.CheckConstraint(condition=models.Q(('status', 'open'), models.Q(('review_reason', ''), _negated=True), _connector='OR'), name='duplicate_flag_review_needs_reason')],
                    },
                ),
            ],
        ),
    ]
