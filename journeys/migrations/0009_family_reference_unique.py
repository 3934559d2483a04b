"""Family references become unique whatever their case. Families that share a reference in
another case keep the oldest one's as it is; each later one gets a suffix ("DEMO-003-2"), and
the migration says which, so staff can tell the families whose reference changed."""

import django.db.models.functions.text
from django.db import migrations, models
from django.db.models.functions import Upper

MAX_LENGTH = 40


def _free(reference: str, taken: set[str]) -> str:
    """The reference with the first suffix that no family uses, within the column's length."""
    n = 2
    while True:
        suffix = f"-{n}"
        candidate = reference[: MAX_LENGTH - len(suffix)] + suffix
        if candidate.upper() not in taken:
            return candidate
        n += 1


def make_references_unique(apps, schema_editor):
    Family = apps.get_model("journeys", "Family")
    clashing = set(
        Family.objects.values(key=Upper("reference"))
        .annotate(n=models.Count("id"))
        .filter(n__gt=1)
        .values_list("key", flat=True)
    )
    if not clashing:
        return
    taken = {r.upper() for r in Family.objects.values_list("reference", flat=True)}
    kept = set()
    families = Family.objects.annotate(key=Upper("reference")).filter(key__in=clashing).order_by("id")
    for family in families:
        if family.key not in kept:
            kept.add(family.key)  # the oldest family keeps its reference
            continue
        old = family.reference
        family.reference = _free(old, taken)
        taken.add(family.reference.upper())
        family.save(update_fields=["reference"])
        print(f"\n  Family {family.pk}: reference {old!r} was another family's too; it is now {family.reference!r}")


class Migration(migrations.Migration):
    dependencies = [
        ("journeys", "0008_duplicate_flags_move_out"),
    ]

    operations = [
        migrations.RunPython(make_references_unique, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="family",
            name="reference",
            field=models.CharField(max_length=40),
        ),
        migrations.AddConstraint(
            model_name="family",
            constraint=models.UniqueConstraint(
                django.db.models.functions.text.Upper("reference"), name="family_reference_unique"
            ),
        ),
    ]
