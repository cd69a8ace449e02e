"""The README's backup procedure works: a `pg_dump` of the database, restored with `pg_restore` into a fresh
database, holds every story and every survey response (with their comments) exactly as they were."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import uuid
from urllib.parse import urlparse, urlunparse

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from feedback.models import Comment, Response
from insight_hub.themes import services as theme_services
from stories.models import Story
from tests.conftest import ROOT, _test_database_url, build_world, require_service
from tests.factories import StoryFactory
from tests.themes.conftest import make_comment

NARRATIVE = "My husband John Smith waited six hours; his NHS number is 943 476 5919. The nurses were kind."


def major(version_text: str) -> int:
    return int(re.search(r"(\d+)(?:\.\d+)?", version_text).group(1))


def readme_commands() -> tuple[str, str]:
    """The dump and restore commands as the README gives them, so the test runs what people are told to."""
    section = (ROOT / "README.md").read_text().split("## Backups", 1)[1].split("\n## ", 1)[0]
    dump = re.search(r"^pg_dump .*$", section, re.MULTILINE).group(0)
    restore = re.search(r"^pg_restore .*--dbname.*$", section, re.MULTILINE).group(0)
    return dump, restore


def run_as_documented(command: str, *, folder, **env: str) -> None:
    """A README command line, run by the shell in `folder` with the variables it names set."""
    subprocess.run(
        ["bash", "-c", command],
        cwd=folder,
        env={**os.environ, **env},
        check=True,
        capture_output=True,
        timeout=120,
    )


@pytest.fixture
def fresh_database():
    """An empty database beside the test database, dropped afterwards (PostgreSQL only: on the embedded
    SQLite default there is nothing to dump with pg_dump, and no PostgreSQL address to build)."""
    require_service("PostgreSQL", settings.IS_POSTGRES)
    source = urlparse(_test_database_url())
    name = f"{source.path.lstrip('/')}_restore_{uuid.uuid4().hex[:6]}"
    admin = urlunparse(source._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield urlunparse(source._replace(path=f"/{name}"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def rows(url: str, sql: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(sql).fetchall()


def test_pg_dump_is_there_and_not_older_than_the_server(db):
    require_service("pg_dump and pg_restore", bool(shutil.which("pg_dump") and shutil.which("pg_restore")))
    require_service("PostgreSQL", settings.IS_POSTGRES)
    client = subprocess.run(["pg_dump", "--version"], check=True, capture_output=True, text=True).stdout
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]
    # pg_dump refuses a server newer than itself; an older server is fine.
    assert major(client.split("(PostgreSQL)")[1]) >= major(server), (client, server)


def test_a_dump_restored_into_a_fresh_database_holds_every_story_and_response(
    transactional_db, fresh_database, tmp_path, monkeypatch
):
    require_service("pg_dump and pg_restore", bool(shutil.which("pg_dump") and shutil.which("pg_restore")))
    require_service("PostgreSQL", settings.IS_POSTGRES)
    # Tagging is not what is backed up here; queueing is recorded, not run.
    monkeypatch.setattr(theme_services, "tagging_queue", lambda *, label, ids: None)
    world = build_world()
    for number in range(12):
        StoryFactory(
            organisation=world.trust_a if number % 2 else world.trust_b,
            user=world.px_a if number % 2 else world.px_b,
            title=f"Story {number}: a long night in A&E",
            narrative=f"{NARRATIVE} ({number})",
        )
    for number in range(30):
        make_comment(world.service_a, f"Parking was a nightmare ({number}) – £12 for two hours, naïve café.")
    Response.objects.create(
        organisation=world.trust_b,
        service=world.service_b,
        source="import",
        dedupe_key="RBB:import:no-comment",
        responded_at=timezone.now(),
        fft_score=1,
    )

    dump_command, restore_command = readme_commands()
    run_as_documented(dump_command, folder=tmp_path, DATABASE_URL=_test_database_url())
    assert (tmp_path / "insight_hub.dump").stat().st_size > 0
    run_as_documented(restore_command, folder=tmp_path, RESTORE_URL=fresh_database)

    stories = sorted(
        Story.objects.values_list("pk", "organisation_id", "title", "narrative", "redacted_narrative")
    )
    responses = sorted(Response.objects.values_list("pk", "organisation_id", "dedupe_key", "fft_score"))
    comments = sorted(Comment.objects.values_list("pk", "response_id", "text"))
    assert len(stories) == 12 and len(responses) == 31 and len(comments) == 30
    restored = fresh_database
    assert (
        sorted(
            rows(
                restored,
                "SELECT id, organisation_id, title, narrative, redacted_narrative FROM stories_story",
            )
        )
        == stories
    )
    assert (
        sorted(rows(restored, "SELECT id, organisation_id, dedupe_key, fft_score FROM feedback_response"))
        == responses
    )
    assert sorted(rows(restored, "SELECT id, response_id, text FROM feedback_comment")) == comments
    # The schema came too: the restored database is at the same migration as the one dumped.
    assert rows(restored, "SELECT count(*) FROM django_migrations") == rows(
        _test_database_url(), "SELECT count(*) FROM django_migrations"
    )
