import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def owners_from_zones(apps, schema_editor):
    Change = apps.get_model("resolver", "Change")
    for change in Change.objects.select_related("zone").iterator():
        change.owner_id = change.zone.owner_id
        change.save(update_fields=["owner"])


class Migration(migrations.Migration):
    dependencies = [
        ("resolver", "0006_record_set_location"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="recordset",
            name="evaluate_target_health",
            field=models.BooleanField(
                default=False,
                help_text="An alias's Route 53 flag, kept as given (its target is a simple record set).",
            ),
        ),
        migrations.AddField(
            model_name="change",
            name="owner",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="zone_changes",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunPython(owners_from_zones, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="change",
            name="owner",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="zone_changes", to=settings.AUTH_USER_MODEL
            ),
        ),
        migrations.AlterField(
            model_name="change",
            name="zone",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="changes",
                to="resolver.hostedzone",
            ),
        ),
    ]
