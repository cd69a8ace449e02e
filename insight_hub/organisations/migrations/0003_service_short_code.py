from django.db import migrations, models

import insight_hub.organisations.models


def fill_codes(apps, schema_editor):
    Service = apps.get_model("organisations", "Service")
    used = set()
    for service in Service.objects.filter(short_code__isnull=True).only("pk"):
        code = insight_hub.organisations.models.new_short_code()
        while code in used:
            code = insight_hub.organisations.models.new_short_code()
        used.add(code)
        Service.objects.filter(pk=service.pk).update(short_code=code)


class Migration(migrations.Migration):
    dependencies = [("organisations", "0002_organisation_kinds_for_partners")]

    operations = [
        # Added empty, filled one by one (a default would give every existing service the same code), then
        # made unique and required.
        migrations.AddField(
            model_name="service",
            name="short_code",
            field=models.CharField(editable=False, max_length=8, null=True),
        ),
        migrations.RunPython(fill_codes, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="service",
            name="short_code",
            field=models.CharField(
                default=insight_hub.organisations.models.new_short_code,
                editable=False,
                max_length=8,
                unique=True,
            ),
        ),
    ]
