"""PostgreSQL restarts (an upgrade, a failover) while the worker runs: the worker notices its dead
connections and carries on, with no one restarting it. Run against a private cluster, never the shared one."""

from __future__ import annotations

import subprocess
import time

import psycopg
import pytest

from insight_hub.themes.services import tagging_queue
from tests.conftest import _test_database_url, build_world, wait_for
from tests.reliability.test_worker_crash import LABEL, comments_saved

pytestmark = pytest.mark.worker
BATCH = 1_500


def copy_database(source_url: str, server, name: str) -> str:
    """The test database copied into the private cluster with pg_dump and pg_restore; its URL there."""
    with psycopg.connect(server.url(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    dump = subprocess.run(
        ["pg_dump", "--format=custom", "--no-owner", "--dbname", source_url],
        check=True,
        capture_output=True,
    ).stdout
    subprocess.run(
        ["pg_restore", "--no-owner", "--exit-on-error", "--dbname", server.url(name)],
        input=dump,
        check=True,
        capture_output=True,
    )
    return server.url(name)


def scalar(url: str, sql: str):
    """One value, on a fresh connection: the server may have restarted since the last query."""
    with psycopg.connect(url, connect_timeout=5) as conn:
        return conn.execute(sql).fetchone()[0]


def tagged(url: str) -> int:
    try:
        return scalar(url, "SELECT count(*) FROM feedback_comment WHERE tag_status = 'tagged'")
    except psycopg.OperationalError:  # still starting up
        return -1


def test_the_worker_recovers_from_postgres_restarts_without_a_hand(
    transactional_db, private_postgres, private_redis, app_on, start_worker
):
    world = build_world()
    ids = comments_saved(world.service_a, BATCH)
    database = copy_database(_test_database_url(), private_postgres, "hub")
    app_on(private_redis.url)
    worker = start_worker(database_url=database, redis_url=private_redis.url)
    pid = worker.process.pid

    # The worker tags a first batch and keeps its connection open (CONN_MAX_AGE)...
    tagging_queue(label=LABEL, ids=ids[:200])
    wait_for(lambda: tagged(database) == 200, timeout=60, message="the first batch")
    # ...which a restart cuts while the worker is idle.
    private_postgres.restart()
    tagging_queue(label=LABEL, ids=ids[200:700])
    wait_for(lambda: tagged(database) == 700, timeout=60, message="a batch after a restart while idle")

    # A restart while batches are queued and one is running: a task that meets the dead connection fails
    # with OperationalError and is retried (insight_hub.retry.TRANSIENT); the others find a fresh connection.
    tagging_queue(label=LABEL, ids=ids[700:])
    time.sleep(0.5)
    private_postgres.restart()
    wait_for(
        lambda: tagged(database) == BATCH,
        timeout=90,
        message="every comment tagged after a restart mid-batch",
    )

    assert worker.process.poll() is None and worker.process.pid == pid, "the same worker, never restarted"
    assert scalar(database, "SELECT count(*) FROM feedback_comment WHERE tag_status <> 'tagged'") == 0
    duplicates = scalar(
        database,
        "SELECT count(*) FROM (SELECT 1 FROM feedback_commenttag "
        "GROUP BY comment_id, theme_id HAVING count(*) > 1) AS twice",
    )
    assert duplicates == 0
