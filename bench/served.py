"""What the HTTP benchmarks share (bench/load_test.py, bench/public_form.py): a scratch PostgreSQL database
beside DATABASE_URL's, a settings module of the run's own, and gunicorn serving the hub on a free loopback
port, as the Dockerfile runs it.

Imported by those scripts with bench/ on sys.path (they are run as files).
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import psycopg

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def scratch_database(url: str, suffix: str) -> str:
    """Drop and create `<name>_<suffix>` on the same server as `url`; return its URL."""
    parsed = urlparse(url)
    name = f"{parsed.path.lstrip('/') or 'insight_hub'}_{suffix}"
    admin = urlunparse(parsed._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunparse(parsed._replace(path=f"/{name}"))


def drop_database(url: str) -> None:
    parsed = urlparse(url)
    admin = urlunparse(parsed._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{parsed.path.lstrip("/")}" WITH (FORCE)')


def run_environment(*, database_url: str, redis_url: str, settings: str, prefix: str, **extra: str) -> dict:
    """The environment of the run, for this process and for gunicorn: `settings` (the text of a settings
    module, written to a folder of its own) as DJANGO_SETTINGS_MODULE, the scratch database and Redis, DEBUG
    off, a fresh SECRET_KEY, plus `extra`. This process's environment and sys.path take it too, so that
    Django can be set up here next."""
    settings_dir = tempfile.mkdtemp(prefix=prefix)
    Path(settings_dir, "bench_settings.py").write_text(settings)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench_settings",
        "PYTHONPATH": os.pathsep.join([settings_dir, str(ROOT)]),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "LOG_LEVEL": "WARNING",
        **extra,
    }
    os.environ.update(env)
    sys.path[:0] = [settings_dir, str(ROOT)]
    return env


def _healthy(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/healthz", timeout=5) as answer:
            return answer.status == 200
    except OSError:  # not listening yet, or a worker still starting
        return False


@contextmanager
def gunicorn(env: dict, *, workers: int, options: tuple[str, ...] = (), tries: int = 150) -> Iterator[str]:
    """gunicorn serving the hub with `workers` workers (and any other `options`), on a free loopback port;
    yields its base URL once /healthz answers (asked `tries` times, 0.2 s apart, or the run stops); stops it
    after."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "insight_hub.wsgi:application",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            *options,
        ],
        env=env,
        cwd=ROOT,
    )
    try:
        for _ in range(tries):
            if _healthy(base):
                break
            time.sleep(0.2)
        else:
            sys.exit("gunicorn did not answer /healthz")
        yield base
    finally:
        server.terminate()
        server.wait(timeout=60)
