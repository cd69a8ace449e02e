from django.conf import settings
from django.db import migrations, models


def redact_existing_responses(apps, schema_editor):
    """Responses recorded before this migration get their public version now, redacted like their story
    (the engine, then the story's corrections): the same function the app uses at every save."""
    from stories.services import _redact_with_corrections

    Story = apps.get_model("stories", "Story")
    responded = Story.objects.exclude(teller_response="").only(
        "pk", "teller_response", "redaction_corrections"
    )
    for story in responded.iterator(chunk_size=500):
        text, _ = _redact_with_corrections(story.teller_response, story.redaction_corrections or {})
        Story.objects.filter(pk=story.pk).update(teller_response_public=text)


class Migration(migrations.Migration):
    dependencies = [
        ("organisations", "0003_service_short_code"),
        ("stories", "0010_story_share_check"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="story",
            name="teller_response_public",
            field=models.TextField(blank=True),
        ),
        migrations.AddIndex(
            model_name="story",
            index=models.Index(
                condition=models.Q(("teller_response_at__isnull", False)),
                fields=["organisation", "teller_response_at"],
                name="story_responded",
            ),
        ),
        migrations.RunPython(redact_existing_responses, migrations.RunPython.noop),
    ]
