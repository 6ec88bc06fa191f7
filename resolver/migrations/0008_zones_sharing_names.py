import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def keys_for_stored_zones(apps, schema_editor):
    """A stored zone's key is its name, or the id of the hosted zone it publishes."""
    Zone = apps.get_model("resolver", "Zone")
    HostedZone = apps.get_model("resolver", "HostedZone")
    hosted = dict(HostedZone.objects.values_list("name", "id"))
    for zone in Zone.objects.all():
        zone.key = hosted.get(zone.name, zone.name) if zone.kind == "hosted" else zone.name
        zone.save(update_fields=["key"])


class Migration(migrations.Migration):

    dependencies = [
        ('resolver', '0007_route53_changes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='DelegationSet',
            fields=[
                ('id', models.CharField(editable=False, max_length=32, primary_key=True, serialize=False)),
                ('caller_reference', models.CharField(max_length=128)),
                ('nameservers', models.JSONField(default=list, help_text='Host names of four rental nameservers.')),
                ('created_at', models.DateTimeField()),
            ],
            options={
                'ordering': ['created_at'],
            },
        ),
        migrations.CreateModel(
            name='PoolServer',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.PositiveIntegerField(unique=True)),
                ('name', models.CharField(max_length=255, unique=True)),
                ('address', models.GenericIPAddressField()),
                ('added_at', models.DateTimeField()),
            ],
            options={
                'ordering': ['number'],
            },
        ),
        migrations.AddField(
            model_name='zone',
            name='key',
            field=models.CharField(help_text="The zone's name, or for a hosted zone its id (several share a name).", max_length=255, null=True),
        ),
        migrations.RunPython(keys_for_stored_zones, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='zone',
            name='key',
            field=models.CharField(help_text="The zone's name, or for a hosted zone its id (several share a name).", max_length=255, unique=True),
        ),
        migrations.AlterField(
            model_name='hostedzone',
            name='name',
            field=models.CharField(db_index=True, help_text="Absolute, lower case, ASCII: 'example.com.'.", max_length=255),
        ),
        migrations.AlterField(
            model_name='zone',
            name='name',
            field=models.CharField(db_index=True, help_text="Absolute, lower case: 'com.', '.'.", max_length=255),
        ),
        migrations.AddConstraint(
            model_name='zone',
            constraint=models.UniqueConstraint(condition=models.Q(('kind', 'hosted'), _negated=True), fields=('name',), name='zone_name_once_unless_hosted'),
        ),
        migrations.AddField(
            model_name='delegationset',
            name='owner',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='delegation_sets', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='hostedzone',
            name='delegation_set',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='hosted_zones', to='resolver.delegationset'),
        ),
        migrations.AddConstraint(
            model_name='delegationset',
            constraint=models.UniqueConstraint(fields=('owner', 'caller_reference'), name='delegation_set_caller_reference'),
        ),
    ]
