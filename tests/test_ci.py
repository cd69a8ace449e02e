"""CI runs the README's test command twice: on the embedded default a newcomer gets (SQLite, Celery
eager), then on PostgreSQL, Redis and real workers. In the embedded pass only tests needing PostgreSQL or
Redis skip."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import uuid

from tests.conftest import ROOT

PROBE = """
from tests.conftest import require_service

def test_needs_postgresql():
    require_service("PostgreSQL", False)

def test_needs_redis():
    require_service("Redis", False)

def test_needs_chromium():
    require_service("Debian chromium", False)
"""


def run_probe(**env: str) -> subprocess.CompletedProcess:
    """Run a probe test file under tests/ (so tests/conftest.py applies, as to every test) in a new pytest."""
    folder = ROOT / "tests" / f"_probe_{uuid.uuid4().hex[:8]}"
    folder.mkdir()
    try:
        (folder / "test_probe.py").write_text(PROBE)
        # The probe decides its own services and pass: nothing of the running pass leaks into it.
        dropped = {"DATABASE_URL", "REDIS_URL", "CI", "INSIGHT_HUB_EMBEDDED_TEST"}
        base = {k: v for k, v in os.environ.items() if k not in dropped}
        return subprocess.run(
            [sys.executable, "-m", "pytest", str(folder), "-p", "no:cacheprovider", "-rA"],
            cwd=ROOT,
            env={**base, **env},
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_the_embedded_pass_skips_only_what_needs_postgresql_or_redis():
    result = run_probe(CI="true", INSIGHT_HUB_EMBEDDED_TEST="1")
    assert re.search(r"SKIPPED .*PostgreSQL not available", result.stdout), result.stdout[-3000:]
    assert re.search(r"SKIPPED .*Redis not available", result.stdout), result.stdout[-3000:]
    assert "FAILED" in result.stdout and "test_needs_chromium" in result.stdout
    assert "1 failed, 2 skipped" in result.stdout, result.stdout[-3000:]


def test_in_ci_without_the_embedded_flag_a_missing_database_stops_the_run():
    result = run_probe(CI="true")
    assert result.returncode == 3
    assert "DATABASE_URL must point at PostgreSQL in CI" in result.stdout + result.stderr


def test_the_embedded_pass_refuses_to_run_on_real_services():
    result = run_probe(INSIGHT_HUB_EMBEDDED_TEST="1", DATABASE_URL="postgres://postgres@127.0.0.1:5432/none")
    assert result.returncode == 3
    assert "unset DATABASE_URL and REDIS_URL" in result.stdout + result.stderr


def test_ci_runs_the_embedded_default_first_then_the_real_parts():
    script = (ROOT / ".ci" / "run").read_text()
    commands = [line.strip() for line in script.splitlines() if "make test" in line and line[0] != "#"]
    assert commands[0] == "env -u DATABASE_URL -u REDIS_URL INSIGHT_HUB_EMBEDDED_TEST=1 make test"
    assert commands[1] == "make test"
    real = script.split(commands[0], 1)[1]
    assert re.search(r"^export DATABASE_URL=\"postgres://", real, re.MULTILINE)
    assert re.search(r"^export REDIS_URL=\"redis://", real, re.MULTILINE)
    assert "export CI=true" in script.split(commands[0], 1)[0]
