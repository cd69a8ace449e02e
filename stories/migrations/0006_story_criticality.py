"""Criticality as a first-class field: `external_criticality` (Care Opinion's 0–5, the only scale it ever
held) becomes `criticality`, with its scale recorded, and `praise` for signed scales that rate praise too."""

import django.core.validators
from django.db import migrations, models


def existing_scale(apps, schema_editor):
    """Every value held so far came from Care Opinion's 0–5 scale (the field refused anything else)."""
    Story = apps.get_model("stories", "Story")
    Story.objects.filter(criticality__isnull=False).update(criticality_scale="care_opinion")


def no_scale(apps, schema_editor):
    """Back: a praise-only rating has no place in the old field, which never meant praise."""
    Story = apps.get_model("stories", "Story")
    Story.objects.filter(criticality=0, praise__gt=0).update(criticality=None)


class Migration(migrations.Migration):
    dependencies = [("stories", "0005_safety_routing")]

    operations = [
        migrations.RenameField("story", "external_criticality", "criticality"),
        migrations.AlterField(
            model_name="story",
            name="criticality",
            field=models.PositiveSmallIntegerField(
                blank=True, null=True, validators=[django.core.validators.MaxValueValidator(5)]
            ),
        ),
        migrations.AddField(
            model_name="story",
            name="praise",
            field=models.PositiveSmallIntegerField(
                blank=True, null=True, validators=[django.core.validators.MaxValueValidator(5)]
            ),
        ),
        migrations.AddField(
            model_name="story",
            name="criticality_scale",
            field=models.CharField(
                blank=True,
                choices=[
                    ("care_opinion", "Care Opinion 0–5 criticality"),
                    ("signed", "Signed −5..+5 (negative critical, positive praise)"),
                ],
                max_length=12,
            ),
        ),
        migrations.AlterField(
            model_name="story",
            name="safety_flag_source",
            field=models.CharField(
                blank=True,
                choices=[
                    ("person", "A person"),
                    ("tagger", "The tagger (safety signals in the text)"),
                    ("import", "The import (rated severely critical at source)"),
                    ("critical", "Its criticality (rated strongly or severely critical at source)"),
                ],
                max_length=10,
            ),
        ),
        migrations.RunPython(existing_scale, no_scale),
    ]
