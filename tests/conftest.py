"""Shared fixtures: the real services check, and a small ICS with a person in every role."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlparse

import pytest
from django.conf import settings
from django.db import connection

from insight_hub.organisations.models import ICS, Organisation, Role, Service
from tests.factories import (
    MembershipFactory,
    OrganisationFactory,
    ServiceFactory,
    UserFactory,
)

IN_CI = os.environ.get("CI", "").lower() == "true"
# CI's first pass runs the suite as a newcomer's `make test` does, on the embedded default (SQLite, Celery
# eager: DATABASE_URL and REDIS_URL unset). There, and only there, tests that need PostgreSQL or Redis skip;
# anything else missing (chromium, pg_dump) still fails under CI=true. The second pass has the real parts.
EMBEDDED_PASS = os.environ.get("INSIGHT_HUB_EMBEDDED_TEST", "").lower() in {"1", "true", "yes"}
EMBEDDED_ABSENT = {"PostgreSQL", "Redis"}
ROOT = Path(__file__).resolve().parent.parent


def _answers(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=2
        ):
            return True
    except OSError:
        return False


def pytest_sessionstart(session):
    """In CI the suite runs on the real parts or not at all: a missing service fails the run, never skips.
    The embedded pass (INSIGHT_HUB_EMBEDDED_TEST=1) must really be embedded: no DATABASE_URL, no REDIS_URL."""
    if EMBEDDED_PASS:
        if settings.IS_POSTGRES or settings.REDIS_URL:
            pytest.exit(
                "INSIGHT_HUB_EMBEDDED_TEST=1 runs the embedded default: unset DATABASE_URL and REDIS_URL",
                returncode=3,
            )
        return
    if not IN_CI:
        return
    problems = []
    if not settings.IS_POSTGRES:
        problems.append("DATABASE_URL must point at PostgreSQL in CI")
    elif not _answers(os.environ["DATABASE_URL"], 5432):
        problems.append("PostgreSQL does not answer at DATABASE_URL")
    if not settings.REDIS_URL:
        problems.append("REDIS_URL must be set in CI")
    elif not _answers(settings.REDIS_URL, 6379):
        problems.append("Redis does not answer at REDIS_URL")
    if problems:
        pytest.exit("; ".join(problems), returncode=3)


def require_service(name: str, available: bool) -> None:
    """Skip a test that needs a service on a developer's machine without it; fail in CI."""
    if available:
        return
    if IN_CI and not (EMBEDDED_PASS and name in EMBEDDED_ABSENT):
        pytest.fail(f"{name} is needed by this test and is not available (CI=true: failing, not skipping)")
    pytest.skip(f"{name} not available")


@pytest.fixture(autouse=True)
def _tasks_in_process(request):
    """Tasks run in the test's own process, except in tests marked `worker`, which start a real Celery
    worker on Redis. (Without this, CI's REDIS_URL would send them to a queue nobody reads.)"""
    from insight_hub.celery import app

    previous = app.conf.task_always_eager
    # Set either way, never inherited: an earlier test that left the flag on (a monkeypatch undone after
    # this fixture's own teardown, say) would otherwise run a worker test's tasks in the test process.
    app.conf.task_always_eager = not request.node.get_closest_marker("worker")
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on loopback, and the hub's real SMTP backend pointed at it."""
    from tests.smtp import SMTPServer

    server = SMTPServer()
    server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class World:
    """One ICS with two trusts, their services, and a person in every role (plus a colleague)."""

    ics: ICS
    icb: Organisation
    trust_a: Organisation
    trust_b: Organisation
    service_a: Service
    service_b: Service
    px_a: object
    px_a_colleague: object
    px_b: object
    icb_lead: object
    board_a: object
    admin: object
    stranger: object  # signed in, no role anywhere

    def people(self) -> dict[str, object]:
        return {
            "px_a": self.px_a,
            "px_a_colleague": self.px_a_colleague,
            "px_b": self.px_b,
            "icb_lead": self.icb_lead,
            "board_a": self.board_a,
            "admin": self.admin,
            "stranger": self.stranger,
        }


def build_world() -> World:
    # Transactional tests (browser, worker) flush the tables between tests, migration data included.
    from insight_hub.themes.services import taxonomy_load_default

    taxonomy_load_default()
    icb = OrganisationFactory(kind="icb", ods_code="QXX", name="NHS Testshire Integrated Care Board")
    ics = ICS.objects.create(name="Testshire ICS", icb=icb)
    icb.ics = ics
    icb.save()
    trust_a = OrganisationFactory(ods_code="RAA", name="TRUST A NHS FOUNDATION TRUST", icb=icb, ics=ics)
    trust_b = OrganisationFactory(ods_code="RBB", name="TRUST B NHS TRUST", icb=icb, ics=ics)
    people = {}
    for key, org, role in [
        ("px_a", trust_a, Role.PX_LEAD),
        ("px_a_colleague", trust_a, Role.PX_LEAD),
        ("px_b", trust_b, Role.PX_LEAD),
        ("icb_lead", icb, Role.ICB_LEAD),
        ("board_a", trust_a, Role.BOARD),
        ("admin", icb, Role.SYSTEM_ADMIN),
    ]:
        people[key] = MembershipFactory(organisation=org, role=role).user
    ics.px_lead = people["icb_lead"]
    ics.save()
    return World(
        ics=ics,
        icb=icb,
        trust_a=trust_a,
        trust_b=trust_b,
        service_a=ServiceFactory(organisation=trust_a),
        service_b=ServiceFactory(organisation=trust_b),
        stranger=UserFactory(),
        **people,
    )


@pytest.fixture
def world(db) -> World:
    return build_world()


@dataclass
class WorkerProcess:
    """A real `celery worker` process: tests start, kill and restart it."""

    env: dict[str, str]
    log: Path
    process: subprocess.Popen | None = None
    name: str = ""

    def start(self, *, concurrency: int = 1, timeout: float = 90) -> None:
        from insight_hub.celery import app, worker_command

        self.name = f"test-{uuid.uuid4().hex[:8]}@localhost"
        command = worker_command(name=self.name, concurrency=concurrency)
        handle = self.log.open("ab")
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=handle, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the Celery worker exited at start:\n{self.log.read_text()[-3000:]}")
            if app.control.ping(destination=[self.name], timeout=1):
                return
        raise RuntimeError(
            f"the Celery worker did not answer within {timeout}s:\n{self.log.read_text()[-3000:]}"
        )

    def kill(self) -> None:
        """SIGKILL, as a crash or the OOM killer would: no chance to finish or acknowledge anything."""
        if self.process and self.process.poll() is None:
            # The pool's child processes die too, or they would finish the task they hold.
            subprocess.run(["pkill", "-KILL", "-f", self.name], check=False)
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


def _test_database_url() -> str:
    db = connection.settings_dict
    credentials = quote(db["USER"] or "postgres") + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def celery_worker(transactional_db, tmp_path):
    """A real Celery worker on Redis, working on this test's PostgreSQL database."""
    require_service("Redis", bool(settings.REDIS_URL) and _answers(settings.REDIS_URL, 6379))
    # A worker is another process: it cannot see SQLite's in-memory test database.
    require_service("PostgreSQL", settings.IS_POSTGRES)
    from insight_hub.celery import app

    app.control.purge()
    worker = WorkerProcess(
        env={**os.environ, "DATABASE_URL": _test_database_url()}, log=tmp_path / "worker.log"
    )
    worker.start()
    yield worker
    worker.stop()
    app.control.purge()


def wait_for(
    condition, *, timeout: float = 60, interval: float = 0.25, message: str = "condition", state=None
):
    """Poll until `condition()` is truthy; fail the test with `message` after `timeout` seconds, and with what
    `state()` says then, if given (what was not yet so: a failure on CI should say which part was missing)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout}s waiting for {message}" + (f"; then: {state()}" if state else ""))
