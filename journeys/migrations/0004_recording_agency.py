"""Every contact and assessment names the agency that recorded it beside the agency the contact
was with (rule 1), and a contact's external id belongs to its recording agency."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import F, OuterRef, Subquery


def fill_recording_agency(apps, schema_editor):
    """Existing records: what an advocate logged was recorded by the advocate's agency (the
    advocacy service); everything else by the agency it names."""
    Contact = apps.get_model("journeys", "Contact")
    Assessment = apps.get_model("journeys", "Assessment")
    StaffMembership = apps.get_model("agencies", "StaffMembership")
    Agency = apps.get_model("agencies", "Agency")
    advocacy = Agency.objects.filter(sector="advocacy").order_by("pk").values_list("pk", flat=True).first()
    logged = Contact.objects.filter(recorded_via="advocate")
    logged.filter(recorded_by__isnull=False).update(
        recording_agency_id=Subquery(
            StaffMembership.objects.filter(user_id=OuterRef("recorded_by_id")).values("agency_id")[:1]
        )
    )
    if advocacy is not None:
        logged.filter(recording_agency__isnull=True).update(recording_agency_id=advocacy)
    Contact.objects.filter(recording_agency__isnull=True).update(recording_agency_id=F("agency_id"))
    Assessment.objects.filter(recording_agency__isnull=True).update(recording_agency_id=F("agency_id"))


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0001_initial"),
        ("journeys", "0003_assessment_question_ids"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="contact", name="contact_external_id_unique_per_agency"),
        migrations.AddField(
            model_name="assessment",
            name="recording_agency",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="agencies.agency"
            ),
        ),
        migrations.AddField(
            model_name="contact",
            name="recording_agency",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="agencies.agency"
            ),
        ),
        migrations.RunPython(fill_recording_agency, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="assessment",
            name="recording_agency",
            field=models.ForeignKey(
                help_text="The agency whose staff or system recorded it: its own record (rule 1).",
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="agencies.agency",
            ),
        ),
        migrations.AlterField(
            model_name="contact",
            name="recording_agency",
            field=models.ForeignKey(
                help_text="The agency whose staff or system recorded it: its own record (rule 1).",
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="agencies.agency",
            ),
        ),
        migrations.AlterField(
            model_name="contact",
            name="agency",
            field=models.ForeignKey(
                help_text="The agency the contact was with.",
                on_delete=django.db.models.deletion.PROTECT,
                related_name="contacts",
                to="agencies.agency",
            ),
        ),
        migrations.AddIndex(
            model_name="assessment",
            index=models.Index(fields=["recording_agency", "completed_at"], name="journeys_as_recordi_90e628_idx"),
        ),
        migrations.AddIndex(
            model_name="contact",
            index=models.Index(fields=["recording_agency", "occurred_at"], name="journeys_co_recordi_2cffef_idx"),
        ),
        migrations.AddConstraint(
            model_name="contact",
            constraint=models.UniqueConstraint(
                condition=models.Q(("external_id__isnull", False)),
                fields=("recording_agency", "external_id"),
                name="contact_external_id_unique_per_recording_agency",
            ),
        ),
    ]
