"""Compare response dedupe keys byte by byte (collation "C") on PostgreSQL, so that the unique index an import
checks and fills for every row compares bytes instead of calling the locale's strcoll(): a third of the index's
cost on a million-row import. Equality, all the key is used for, is the same under either collation.

PostgreSQL only (SQLite has no such collation and compares bytes already). Note for later migrations: an
AlterField on `Response.dedupe_key` rewrites the column's type without this collation; add it back after."""

from django.db import migrations

FORWARD = 'ALTER TABLE feedback_response ALTER COLUMN dedupe_key TYPE varchar(200) COLLATE "C"'
BACKWARD = "ALTER TABLE feedback_response ALTER COLUMN dedupe_key TYPE varchar(200) COLLATE pg_catalog.default"


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("feedback", "0007_comment_word_count")]

    operations = [migrations.RunPython(forward, backward)]
