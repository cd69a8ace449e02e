"""A stored search vector for stories, on PostgreSQL only: a generated column over the redacted title (weight
A) and narrative (weight B), GIN-indexed. PostgreSQL keeps it right on every insert and update, so no save
path can forget it; ranking and phrase checks read it instead of re-parsing every narrative, and the old
functional index (0002) gives way to it. Django's model does not declare the column (no page loads it): the
search reads it through `insight_hub.search.selectors.StoredVector`. SQLite, the embedded default, has neither
and searches with `insight_hub.search.query`.

Note for later migrations: PostgreSQL refuses to change the type of `redacted_title` or `redacted_narrative`
while this column uses them; drop the column first and add it again after."""

from django.db import migrations

ADD = """
ALTER TABLE stories_story ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english'::regconfig, coalesce(redacted_title, '')), 'A')
    || setweight(to_tsvector('english'::regconfig, coalesce(redacted_narrative, '')), 'B')
) STORED;
-- Search: WHERE search_vector @@ websearch_to_tsquery('english', q) ORDER BY ts_rank(search_vector, …)
CREATE INDEX story_search_vector ON stories_story USING gin (search_vector);
DROP INDEX IF EXISTS story_search;
"""
REMOVE = """
ALTER TABLE stories_story DROP COLUMN IF EXISTS search_vector;
CREATE INDEX IF NOT EXISTS story_search ON stories_story USING gin ((
    to_tsvector('english'::regconfig, COALESCE(redacted_title, '') || ' ' || COALESCE(redacted_narrative, ''))
));
"""


def add_vector(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in filter(str.strip, ADD.split(";")):
            schema_editor.execute(statement, params=None)


def remove_vector(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in filter(str.strip, REMOVE.split(";")):
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("stories", "0007_care_opinion_sync")]

    operations = [migrations.RunPython(add_vector, remove_vector)]
