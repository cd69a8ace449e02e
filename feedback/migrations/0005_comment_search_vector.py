"""A stored search vector for comments, on PostgreSQL only: a generated column over the redacted text,
GIN-indexed. PostgreSQL computes it on every insert and update (an import inserts comments with no redacted
text yet, so an empty vector; the tagging worker's redaction fills it), so no save path can forget it and no
trigger is needed. Django's model does not declare it, so no page, export or roll-up loads it: the search reads
it through `insight_hub.search.selectors.StoredVector`. SQLite, the embedded default, searches with
`insight_hub.search.query` instead.

Note for later migrations: PostgreSQL refuses to change the type of `redacted_text` while this column uses
it; drop the column first and add it again after."""

from django.db import migrations

ADD = """
ALTER TABLE feedback_comment ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english'::regconfig, coalesce(redacted_text, '')), 'B')
) STORED;
-- Search: WHERE search_vector @@ websearch_to_tsquery('english', q) ORDER BY ts_rank(search_vector, …)
CREATE INDEX comment_search_vector ON feedback_comment USING gin (search_vector);
"""
REMOVE = "ALTER TABLE feedback_comment DROP COLUMN IF EXISTS search_vector;"


def add_vector(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in filter(str.strip, ADD.split(";")):
            schema_editor.execute(statement, params=None)


def remove_vector(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in filter(str.strip, REMOVE.split(";")):
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("feedback", "0004_response_fft_recommend_old_question")]

    operations = [migrations.RunPython(add_vector, remove_vector)]
