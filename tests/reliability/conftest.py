"""Private Redis and PostgreSQL servers that a fault test may stop, kill and restart.

The shared servers (PostgreSQL on 5432, Redis on 6379) serve everyone's test runs and are never touched:
each fault test starts its own instance on a free port in a temporary folder and removes it afterwards.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from kombu import pools

from insight_hub.celery import app
from tests.conftest import ROOT, WorkerProcess, require_service

RUN_AS_POSTGRES = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


@dataclass
class PrivateRedis:
    """A redis-server of the test's own, without persistence: a stop loses whatever was queued, as a
    broker that crashes would."""

    folder: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        # S108 is about predictable names; the folder is a fresh mkdtemp.
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.folder),
                "--save",
                "",
                "--appendonly",
                "no",
                "--logfile",
                str(self.folder / "redis.log"),
            ]
        )
        deadline = time.monotonic() + 20
        while not _answers(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"private redis-server did not start on port {self.port}")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


def _postgres_bin() -> Path | None:
    """The newest server binaries Debian installed (initdb, pg_ctl), matching the shared server's."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parent.parent.name))
    return found[-1].parent if found else None


@dataclass
class PrivatePostgres:
    """A PostgreSQL cluster of the test's own (initdb in a temporary folder, trust authentication on
    loopback), owned by the `postgres` OS user because the server refuses to run as root."""

    folder: Path
    bin: Path
    port: int = field(default_factory=free_port)

    def _run(self, *command: str) -> None:
        # Not captured: the server pg_ctl starts would inherit the pipe and keep it open for good.
        with (self.folder / "pg_ctl.out").open("ab") as out:
            subprocess.run(
                [*RUN_AS_POSTGRES, *command], check=True, stdout=out, stderr=out, cwd="/", timeout=120
            )

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def url(self, name: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def init(self) -> None:
        self._run(
            str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync"
        )
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.log), "-w", "start"
        )

    @property
    def log(self) -> Path:
        return self.folder / "postgres.log"

    def restart(self) -> None:
        """A fast restart: every connection is cut, as when the server is restarted for an upgrade."""
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-m", "fast", "-w", "restart"
        )

    def stop(self) -> None:
        subprocess.run(
            [*RUN_AS_POSTGRES, str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"],
            check=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd="/",
            timeout=60,
        )


def _private_folder(prefix: str) -> Path:
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    if RUN_AS_POSTGRES:
        shutil.chown(folder, "postgres", "postgres")
    return folder


@pytest.fixture
def private_redis():
    require_service("redis-server (to start a private Redis)", bool(shutil.which("redis-server")))
    folder = Path(tempfile.mkdtemp(prefix="hub-redis-"))
    server = PrivateRedis(folder=folder)
    server.start()
    yield server
    server.stop()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def private_postgres():
    bin_dir = _postgres_bin()
    require_service("PostgreSQL server binaries (to start a private cluster)", bin_dir is not None)
    require_service("runuser (to run PostgreSQL as postgres)", not RUN_AS_POSTGRES or shutil.which("runuser"))
    folder = _private_folder("hub-postgres-")
    server = PrivatePostgres(folder=folder, bin=bin_dir)
    server.init()
    yield server
    server.stop()
    shutil.rmtree(folder, ignore_errors=True)


def point_app_at(broker_url: str) -> None:
    """Send this process's Celery messages (tasks, worker pings) to another broker from now on. kombu keeps
    its connection and producer pools in a process-wide registry: empty it, or a later test would be handed
    a pool closed here."""
    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None
    app.conf.broker_url = broker_url


@pytest.fixture
def app_on(settings):
    """Point this process (Celery and the Django cache) at a private Redis; put everything back after."""
    previous = app.conf.broker_url

    def point(redis_url: str) -> None:
        point_app_at(redis_url)
        settings.CACHES = {
            "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}
        }

    yield point
    point_app_at(previous)


@pytest.fixture
def start_worker(transactional_db, tmp_path):
    """Start real Celery workers with extra environment (a private broker or database); all are stopped at
    the end of the test."""
    require_service("PostgreSQL", settings.IS_POSTGRES)
    workers: list[WorkerProcess] = []

    def start(*, database_url: str, redis_url: str, concurrency: int = 1, **extra_env: str) -> WorkerProcess:
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "LOG_LEVEL": "INFO",
            **extra_env,
        }
        worker = WorkerProcess(env=env, log=tmp_path / f"worker-{len(workers)}.log")
        workers.append(worker)
        worker.start(concurrency=concurrency)
        return worker

    yield start
    for worker in workers:
        worker.kill()  # a fault test's worker has nothing to finish; a warm shutdown costs seconds


TAGGED_LINE = re.compile(r"tagged (\S+): \{'tagged': (\d+)")


def tagged_in_log(log: Path, label: str) -> int:
    """How many items a worker wrote tags for, from its log lines `tagged <label>: {'tagged': N, ...}`."""
    return sum(int(n) for found_label, n in TAGGED_LINE.findall(log.read_text()) if found_label == label)


__all__ = ["ROOT", "PrivatePostgres", "PrivateRedis", "free_port", "tagged_in_log"]
