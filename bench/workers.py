"""What the end-to-end benchmarks share (bench/tagging_e2e.py, bench/stories_e2e.py): a real `celery worker`
started and stopped around the timed part, and CPU read from /proc (the worker's pool processes, the
PostgreSQL backends serving them, the whole machine), so that a figure taken on a shared machine can be
given in CPU seconds beside the wall clock.

Imported by those scripts with bench/ on sys.path (they are run as files); Django must be set up before
`celery_worker` or `CpuSample` is used.
"""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _stat_fields(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process."""
    fields = _stat_fields(pid)
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def reaped_children_cpu_seconds(pid: int) -> float:
    fields = _stat_fields(pid)
    return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")


def run_queue_wait_seconds(pid: int) -> float:
    """Seconds the process has spent runnable but waiting for a CPU (held by other processes)."""
    return int(Path(f"/proc/{pid}/schedstat").read_text().split()[1]) / 1e9


def our_backends_cpu(seen: dict[int, float]) -> None:
    """Record the CPU so far of each PostgreSQL backend serving another session on this benchmark's database
    (the workers'); called every second, so a backend that is replaced still counts up to its last sample."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        pids = [pid for (pid,) in cursor.fetchall()]
    for pid in pids:
        try:
            seen[pid] = cpu_seconds(pid)
        except FileNotFoundError:
            continue


def backend_cpu_seconds() -> float:
    """CPU seconds used so far by this connection's PostgreSQL backend (same machine), from /proc."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    return cpu_seconds(pid)


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, all cores."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return (sum(values) - idle) / os.sysconf("SC_CLK_TCK"), sum(values) / os.sysconf("SC_CLK_TCK")


def postgres_cpu_seconds() -> float:
    """CPU of every PostgreSQL process, live ones and the backends the postmaster has reaped. Other
    people's sessions are in it too: it bounds what our writes cost the database server."""
    out = subprocess.run(["pgrep", "-u", "postgres"], capture_output=True, text=True).stdout
    total = 0.0
    for pid in map(int, out.split()):
        try:
            total += cpu_seconds(pid)
            status = Path(f"/proc/{pid}/status").read_text()
            if "PPid:\t1\n" in status:  # the postmaster: add the backends it has reaped
                total += reaped_children_cpu_seconds(pid)
        except FileNotFoundError:
            continue
    return total


def wait_for_quiet(seconds: float) -> None:
    deadline = time.perf_counter() + seconds
    while True:
        busy0, total0 = machine_cpu()
        time.sleep(3)
        busy1, total1 = machine_cpu()
        share = (busy1 - busy0) / (total1 - total0)
        if share < 0.25 or time.perf_counter() > deadline:
            break
    print(f"starting with the machine {share:.0%} busy, load average {os.getloadavg()[0]:.1f}", flush=True)


def pool_pids(parent: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(parent)], capture_output=True, text=True).stdout
    return [int(pid) for pid in out.split()]


@contextmanager
def celery_worker(processes: int) -> Iterator[subprocess.Popen]:
    """One `celery worker` taking both queues (nlp, default) with `processes` pool processes, yielded once it
    answers a ping; stopped afterwards. The queues are purged before it starts and after it stops, so that
    no task of an earlier or an interrupted run is counted."""
    from insight_hub.celery import app, worker_command

    app.control.purge()
    name = f"bench-{uuid.uuid4().hex[:6]}@localhost"
    worker = subprocess.Popen(
        worker_command(name=name, concurrency=processes, loglevel="WARNING"), cwd=ROOT, env=os.environ.copy()
    )
    try:
        while not app.control.ping(destination=[name], timeout=1):
            time.sleep(0.5)
        yield worker
    finally:
        worker.terminate()
        worker.wait(timeout=60)
        app.control.purge()


class CpuSample:
    """CPU counters taken when the clock starts: the worker's pool processes (CPU and time spent waiting for
    a CPU), the PostgreSQL backends serving the workers, and the whole machine. Call `poll()` about every
    second while waiting (backends come and go); read the differences at the end."""

    def __init__(self, worker: subprocess.Popen) -> None:
        self.worker = worker
        pools = pool_pids(worker.pid)
        self.pool_cpu0 = {pid: cpu_seconds(pid) for pid in pools}
        self.pool_wait0 = {pid: run_queue_wait_seconds(pid) for pid in pools}
        self.backends0: dict[int, float] = {}
        our_backends_cpu(self.backends0)
        self.backends = dict(self.backends0)
        self.machine0 = machine_cpu()

    def poll(self) -> None:
        our_backends_cpu(self.backends)

    def pool_cpu(self) -> float:
        """CPU seconds of the pool processes since the start."""
        return sum(cpu_seconds(pid) - cpu for pid, cpu in self.pool_cpu0.items())

    def pool_wait(self) -> list[float]:
        """Per pool process, the seconds since the start it waited for a CPU held by another process."""
        return [run_queue_wait_seconds(pid) - wait for pid, wait in self.pool_wait0.items()]

    def workers_pg_cpu(self) -> float:
        """CPU seconds of the PostgreSQL backends serving the workers, up to the last `poll()`."""
        return sum(cpu - self.backends0.get(pid, 0.0) for pid, cpu in self.backends.items())

    def machine_busy(self) -> float:
        """The share of the machine's CPU (all cores) that was busy since the start."""
        busy1, total1 = machine_cpu()
        busy0, total0 = self.machine0
        return (busy1 - busy0) / (total1 - total0)

    def peak_rss(self) -> list[float]:
        """Each pool process's peak memory, MiB."""
        return [peak_rss_mib(pid) for pid in pool_pids(self.worker.pid)]
