"""The portal's models move here from consent with their tables: state only, no database operation."""

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
                    name='ConsentReminder',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('sent_at', models.DateTimeField()),
                        ('sent_to', models.EmailField(max_length=254)),
                        ('grant', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='reminder', to='consent.consentgrant')),
                    ],
                    options={
                        'db_table': 'consent_consentreminder',
                    },
                ),
                migrations.CreateModel(
                    name='CorrectionRequest',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('field', models.CharField(choices=[('given_name', 'First name'), ('family_name', 'Last name'), ('date_of_birth', 'Date of birth')], max_length=16)),
                        ('current_value', models.CharField(max_length=100)),
                        ('requested_value', models.CharField(max_length=100)),
                        ('explanation', models.TextField(blank=True)),
                        ('requested_at', models.DateTimeField()),
                        ('status', models.CharField(choices=[('pending', 'Waiting for a decision'), ('accepted', 'Accepted'), ('declined', 'Declined')], default='pending', max_length=10)),
                        ('decided_at', models.DateTimeField(blank=True, null=True)),
                        ('decision_reason', models.TextField(blank=True)),
                        ('agency', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='correction_requests', to='agencies.agency')),
                        ('decided_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('person', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='correction_requests', to='journeys.person')),
                        ('requested_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'consent_correctionrequest',
                        'ordering': ['-requested_at', '-id'],
                        'indexes': [models.Index(fields=['agency', 'status'], name='consent_cor_agency__6437dd_idx')],
                        'constraints': [models.CheckConstraint(condition=models.Q(('field__in', ['given_name', 'family_name', 'date_of_birth'])), name='correction_field_valid'), models.CheckConstraint(condition=models.Q(('status__in', ['pending', 'accepted', 'declined'])), name='correction_status_valid'), models.CheckConstraint(condition=models.Q(models.Q(('status', 'declined'), _negated=True), models.Q(('decision_reason', ''), _negated=True), _connector='OR'), name='correction_decline_needs_reason'), models.CheckConstraint(condition=models.Q(('status', 'pending'), ('decided_at__isnull', False), _connector='OR'), name='correction_decision_has_time'), models.UniqueConstraint(condition=models.Q(('status', 'pending')), fields=('person', 'field'), name='correction_one_pending_per_field')],
                    },
                ),
                migrations.CreateModel(
                    name='DataExport',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('requested_at', models.DateTimeField()),
                        ('status', models.CharField(choices=[('pending', 'Waiting to start'), ('running', 'Being prepared'), ('ready', 'Ready'), ('failed', 'Could not be made')], default='pending', max_length=8)),
                        ('progress', models.PositiveSmallIntegerField(default=0, help_text='Per cent done.')),
                        ('finished_at', models.DateTimeField(blank=True, null=True)),
                        ('content', models.JSONField(blank=True, null=True)),
                        ('person', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='data_exports', to='journeys.person')),
                        ('requested_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'consent_dataexport',
                        'ordering': ['-requested_at', '-id'],
                        'constraints': [models.CheckConstraint(condition=models.Q(('status__in', ['pending', 'running', 'ready', 'failed'])), name='export_status_valid'), models.CheckConstraint(condition=models.Q(('progress__lte', 100)), name='export_progress_at_most_100'), models.CheckConstraint(condition=models.Q(models.Q(('status', 'ready'), _negated=True), ('content__isnull', False), _connector='OR'), name='export_ready_has_content')],
                    },
                ),
                migrations.CreateModel(
                    name='Invitation',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('channel', models.CharField(choices=[('email', 'By email to the address on their record'), ('sms', 'By text message to the phone number on their record'), ('in_person', 'In person, with a one-time code')], default='email', max_length=10)),
                        ('email', models.EmailField(blank=True, help_text="The record's email it was sent to.", max_length=254)),
                        ('phone', models.CharField(blank=True, help_text="The record's phone it was sent to.", max_length=40)),
                        ('username', models.CharField(help_text='The username the account will have.', max_length=150)),
                        ('token_hash', models.CharField(max_length=64, unique=True)),
                        ('failed_attempts', models.PositiveSmallIntegerField(default=0, help_text='Wrong dates of birth given with the right code.')),
                        ('created_at', models.DateTimeField()),
                        ('expires_at', models.DateTimeField()),
                        ('code_redeemed_at', models.DateTimeField(blank=True, null=True)),
                        ('accepted_at', models.DateTimeField(blank=True, null=True)),
                        ('withdrawn_at', models.DateTimeField(blank=True, help_text='Replaced by a newer invitation.', null=True)),
                        ('for_governance', models.BooleanField(default=False, help_text='No other manager could confirm the code: information governance does.')),
                        ('confirmed_at', models.DateTimeField(blank=True, null=True)),
                        ('agency', models.ForeignKey(help_text='The issuing agency.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='agencies.agency')),
                        ('confirmed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('invited_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('person', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='invitations', to='journeys.person')),
                    ],
                    options={
                        'db_table': 'consent_invitation',
                        'ordering': ['-created_at', '-id'],
                        'constraints': [models.CheckConstraint(condition=models.Q(('expires_at__gt', models.F('created_at'))), name='invitation_expires_after_created'), models.CheckConstraint(condition=models.Q(('accepted_at__isnull', True), ('withdrawn_at__isnull', True), _connector='OR'), name='invitation_accepted_or_withdrawn_not_both'), models.CheckConstraint(condition=models.Q(('channel__in', ['email', 'sms', 'in_person'])), name='invitation_channel_valid'), models.CheckConstraint(condition=models.Q(models.Q(('channel', 'email'), _negated=True), models.Q(('email', ''), _negated=True), _connector='OR'), name='invitation_email_has_address'), models.CheckConstraint(condition=models.Q(models.Q(('channel', 'sms'), _negated=True), models.Q(('phone', ''), _negated=True), _connector='OR'), name='invitation_sms_has_phone'), models.CheckConstraint(condition=models.Q(('channel', 'in_person'), ('code_redeemed_at__isnull', True), _connector='OR'), name='invitation_only_codes_are_redeemed'), models.CheckConstraint(condition=models.Q(('username', ''), _negated=True), name='invitation_has_username'), models.CheckConstraint(condition=models.Q(('channel', 'in_person'), ('confirmed_at__isnull', True), _connector='OR'), name='invitation_only_codes_are_confirmed'), models.CheckConstraint(condition=models.Q(('code_redeemed_at__isnull', True), ('confirmed_at__isnull', False), _connector='OR'), name='invitation_code_confirmed_before_redeemed')],
                    },
                ),
            ],
        ),
    ]
