"""With DEBUG off the web server refuses to start before `collectstatic` has run, naming the command, rather
than answering every page with a 500 (the README's "Without Docker" start, `gunicorn insight_hub.wsgi`)."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import ROOT
from tests.reliability.conftest import free_port

BASE_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "test-only-secret-key-that-is-long-enough-for-the-check-1234",
    "SECURE_SSL_REDIRECT": "false",
    "ALLOWED_HOSTS": "localhost,127.0.0.1",
}


def environment(static_root, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "REDIS_URL"}}
    return {**env, **BASE_ENV, "STATIC_ROOT": str(static_root), **extra}


def run(command: list[str], env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)


def test_gunicorn_refuses_to_start_without_collected_static_files_and_names_the_command(tmp_path):
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    started = run(
        [gunicorn, "insight_hub.wsgi", "--bind", f"127.0.0.1:{free_port()}", "--workers", "1"],
        environment(tmp_path / "empty"),
    )
    assert started.returncode != 0
    assert "python manage.py collectstatic" in started.stderr
    assert "staticfiles.json is missing" in started.stderr


def test_once_static_files_are_collected_the_wsgi_application_loads_and_check_deploy_is_clean(tmp_path):
    env = environment(tmp_path / "collected")
    collected = run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], env, timeout=300)
    assert collected.returncode == 0, collected.stderr[-2000:]
    loaded = run([sys.executable, "-c", "import insight_hub.wsgi"], env)
    assert loaded.returncode == 0, loaded.stderr[-2000:]
    checked = run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "ERROR"], env)
    assert "insight_hub.E001" not in checked.stderr, checked.stderr[-2000:]


def test_check_deploy_reports_missing_static_files(tmp_path):
    checked = run([sys.executable, "manage.py", "check", "--deploy"], environment(tmp_path / "empty"))
    assert checked.returncode != 0
    assert "insight_hub.E001" in checked.stderr and "collectstatic" in checked.stderr


def test_with_debug_on_the_finders_serve_static_files_and_nothing_is_refused(tmp_path):
    loaded = run(
        [sys.executable, "-c", "import insight_hub.wsgi"], environment(tmp_path / "none", DEBUG="true")
    )
    assert loaded.returncode == 0, loaded.stderr[-2000:]
