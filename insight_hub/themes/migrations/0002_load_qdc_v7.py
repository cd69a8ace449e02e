"""Every hub starts with the QDC framework v7 as its default taxonomy."""

from django.db import migrations

from insight_hub.themes.taxonomy import QDC_NAME, QDC_VERSION, qdc_themes


def load(apps, schema_editor):
    Taxonomy = apps.get_model("themes", "Taxonomy")
    Theme = apps.get_model("themes", "Theme")
    taxonomy, _ = Taxonomy.objects.get_or_create(name=QDC_NAME, version=QDC_VERSION, defaults={"is_default": True})
    for theme in qdc_themes():
        Theme.objects.get_or_create(taxonomy=taxonomy, ics=None, name=theme.pop("name"), defaults=theme)


class Migration(migrations.Migration):
    dependencies = [("themes", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
