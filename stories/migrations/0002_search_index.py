"""The full-text search index (functional GIN over the redacted text), on PostgreSQL only: SQLite, the
embedded default, cannot build it and falls back to a plain `icontains` search."""

from django.db import migrations


def add_search_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from stories.models import SEARCH_INDEX

    schema_editor.add_index(apps.get_model("stories", "Story"), SEARCH_INDEX)


def remove_search_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from stories.models import SEARCH_INDEX

    schema_editor.remove_index(apps.get_model("stories", "Story"), SEARCH_INDEX)


class Migration(migrations.Migration):
    dependencies = [("stories", "0001_initial")]

    operations = [migrations.RunPython(add_search_index, remove_search_index)]
