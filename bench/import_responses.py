"""Benchmark the row-level import: N responses, each with one free-text comment, from CSV into the database.

    createdb -h 127.0.0.1 -U postgres insight_hub_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/insight_hub_bench DEBUG=1 \\
        .venv/bin/python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/insight_hub_bench SECRET_KEY=<40+ characters> \\
        SECURE_SSL_REDIRECT=false .venv/bin/python bench/import_responses.py [--rows N] [--seed 0] [--twice]

Generates a seeded CSV in the NHS patient-experience dashboard's template columns, sets up a demo-like trust
with 40 services, and runs the import service directly (no HTTP, no Celery), as a worker would. Tagging is
not run: the tagging queue call is only counted. Prints wall time, rows/s and peak RSS, and a line for
bench/RESULTS.md. The database's feedback tables are emptied first, so the DB name must end in "_bench".
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import os
import platform
import random
import resource
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WORDS = [
    "staff",
    "were",
    "kind",
    "and",
    "caring",
    "the",
    "nurse",
    "explained",
    "everything",
    "clearly",
    "waiting",
    "time",
    "was",
    "too",
    "long",
    "food",
    "was",
    "cold",
    "doctor",
    "listened",
    "to",
    "me",
    "felt",
    "safe",
    "clean",
    "ward",
    "parking",
    "was",
    "difficult",
    "discharge",
    "was",
    "slow",
    "thank",
    "you",
    "to",
    "the",
    "team",
    "on",
    "the",
    "ward",
    "very",
    "helpful",
    "reception",
    "friendly",
    "appointment",
    "on",
    "time",
]
HEADER = [
    "date",
    "location_1",
    "location_2",
    "location_3",
    "question_1",
    "fft_score",
    "ethnic_category",
    "age_band",
    "sex",
    "disability",
]


def generate_csv(path: Path, rows: int, services: list[str], seed: int) -> None:
    rng = random.Random(seed)
    start = date(2024, 4, 1)
    days = [(start + timedelta(days=d)) for d in range(365)]
    ethnic = "ABCDEFGHJKLMNPRSZ"
    ages = ["16-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75-84", "85+", ""]
    with open(path, "w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(HEADER)
        for i in range(rows):
            day = rng.choice(days)
            # Half the rows in ISO form, half as a UK spreadsheet writes them; a unique reference makes
            # every row a distinct response.
            written = day.isoformat() if i % 2 else day.strftime("%d/%m/%Y")
            comment = " ".join(rng.choices(WORDS, k=rng.randint(5, 30))) + f" (ref {i})"
            writer.writerow(
                [
                    written,
                    rng.choice(services),
                    f"Bay {rng.randint(1, 6)}",
                    "",
                    comment,
                    rng.randint(1, 6),
                    rng.choice(ethnic),
                    rng.choice(ages),
                    rng.choice(["female", "male", ""]),
                    rng.choice(["yes", "no", ""]),
                ]
            )


def _cpu_seconds() -> tuple[float, float]:
    """User and system CPU of this process, and of the children it has waited for (the parsing process the
    import forks for a file of more than one chunk)."""
    return tuple(
        usage.ru_utime + usage.ru_stime
        for usage in (resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN))
    )


def _peak_mib() -> tuple[float, float]:
    """Peak resident memory of this process and of its largest child (which shares the pages it was forked
    with, so the sum is an upper bound on the two together)."""
    return tuple(
        resource.getrusage(who).ru_maxrss / 1024 for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )


class DatabaseCpu:
    """CPU time of the PostgreSQL server processes serving this database (the import's own connections),
    sampled from /proc five times a second: the database's share of the work, apart from other load on the
    machine. Works when PostgreSQL runs on this machine; otherwise reports nothing."""

    def __init__(self, dsn: str, database: str) -> None:
        import psycopg

        self.connection = psycopg.connect(dsn, autocommit=True)
        self.database = database
        self.seen: dict[int, float] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> DatabaseCpu:
        self._sample()
        self.start = dict(self.seen)
        self.thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop.set()
        self.thread.join()
        self._sample()
        self.connection.close()

    def seconds(self) -> float:
        return sum(value - self.start.get(pid, 0.0) for pid, value in self.seen.items())

    def busiest(self) -> float:
        """The CPU of the one backend that did the most: on PostgreSQL, the import's writing session."""
        return max((value - self.start.get(pid, 0.0) for pid, value in self.seen.items()), default=0.0)

    def _run(self) -> None:
        while not self.stop.wait(0.2):
            self._sample()

    def _sample(self) -> None:
        pids = self.connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [self.database]
        ).fetchall()
        tick = os.sysconf("SC_CLK_TCK")
        for (pid,) in pids:
            try:
                with open(f"/proc/{pid}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            self.seen[pid] = (int(fields[11]) + int(fields[12])) / tick


def _timed(function, spent: dict[str, float], key: str):
    def timed(*args, **kwargs):
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent[key] += time.perf_counter() - started

    return timed


def _timed_iterator(iterator, spent: dict[str, float], key: str):
    while True:
        started = time.perf_counter()
        try:
            item = next(iterator)
        except StopIteration:
            return
        finally:
            spent[key] += time.perf_counter() - started
        yield item


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--twice", action="store_true", help="import the same file again (all duplicates)")
    parser.add_argument(
        "--mapped-locations",
        action="store_true",
        help="the file names its locations 'Surgery N', no service's name; the import's location mapping "
        "(the location step's choices) maps each to 'Ward N'. Also times the location step's file read",
    )
    args = parser.parse_args()

    media = tempfile.mkdtemp(prefix="bench-import-")
    os.environ["MEDIA_ROOT"] = media
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "insight_hub.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection

    from feedback.importers import forked, services
    from feedback.models import ImportBatch, ImportKind, ImportStatus
    from insight_hub.organisations.models import FFTSetting, Organisation, Service

    name = settings.DATABASES["default"]["NAME"]
    if not str(name).endswith("_bench"):
        sys.exit(
            f"refusing to empty the feedback tables of {name!r}: use a database whose name ends in _bench"
        )
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE feedback_comment, feedback_response, feedback_importbatch CASCADE")

    organisation, _ = Organisation.objects.get_or_create(
        ods_code="RBX", defaults={"name": "BENCHMARK HOSPITALS NHS TRUST", "kind": "acute"}
    )
    service_names = [f"Ward {n}" for n in range(1, 41)]
    for service_name in service_names:
        Service.objects.get_or_create(
            organisation=organisation, name=service_name, defaults={"fft_setting": FFTSetting.INPATIENT}
        )
    user, _ = get_user_model().objects.get_or_create(username="bench@example.nhs.uk")

    csv_path = Path(media) / "imports" / "bench.csv"
    csv_path.parent.mkdir(parents=True)
    started = time.perf_counter()
    file_names = [f"Surgery {n}" for n in range(1, 41)] if args.mapped_locations else service_names
    generate_csv(csv_path, args.rows, file_names, args.seed)
    location_mapping = {}
    if args.mapped_locations:
        ids = dict(Service.objects.filter(organisation=organisation).values_list("name", "pk"))
        location_mapping = {
            f"Surgery {n}": {"service": ids[f"Ward {n}"]} for n in range(1, len(service_names) + 1)
        }
    print(
        f"generated {args.rows:,} rows ({csv_path.stat().st_size / 1e6:,.0f} MB) in "
        f"{time.perf_counter() - started:.1f} s"
    )

    queued = []
    services.tagging_queue = lambda *, label, ids: queued.append(len(ids))  # counted, not run
    # Where the import's own process spends its wall time: waiting for the next parsed chunk, or writing.
    spent = {"waiting for parsed chunks": 0.0, "writing (COPY, commit)": 0.0}
    services._write_encoded = _timed(services._write_encoded, spent, "writing (COPY, commit)")
    services._insert_chunk = _timed(services._insert_chunk, spent, "writing (COPY, commit)")
    parsed_elsewhere = forked.parsed_elsewhere

    @contextlib.contextmanager
    def timed_elsewhere(*args, **kwargs):
        with parsed_elsewhere(*args, **kwargs) as chunks:
            yield _timed_iterator(chunks, spent, "waiting for parsed chunks")

    forked.parsed_elsewhere = timed_elsewhere

    database = connection.vendor
    if connection.vendor == "postgresql":
        database += f" {connection.pg_version // 10000}"
    for attempt in range(2 if args.twice else 1):
        batch = ImportBatch.objects.create(
            organisation=organisation,
            kind=ImportKind.ROWS,
            uploaded_by=user,
            original_name="bench.csv",
            file="imports/bench.csv",
            status=ImportStatus.QUEUED,
            column_mapping={**services.suggest_mapping(HEADER)},
            location_mapping=location_mapping,
        )
        if args.mapped_locations and not attempt:
            from feedback.importers.selectors import location_counts

            started = time.perf_counter()
            listed = location_counts(batch).shown
            print(
                f"location step: {len(listed)} locations that name no service listed, the file read in "
                f"{time.perf_counter() - started:.1f} s"
            )
        queued.clear()
        load_before = _load()
        with DatabaseCpu(os.environ["DATABASE_URL"], name) as database_cpu:
            started, cpu_started = time.perf_counter(), _cpu_seconds()
            services.import_batch_run(batch_id=batch.pk)
            elapsed = time.perf_counter() - started
            cpu_self, cpu_child = (
                after - before for after, before in zip(_cpu_seconds(), cpu_started, strict=True)
            )
            cpu = cpu_self + cpu_child
        batch.refresh_from_db()
        peak_self, peak_child = _peak_mib()
        peak_mib = peak_self + peak_child
        label = "re-import" if attempt else "import"
        print(
            f"{label}: {batch.get_status_display()}; {batch.rows_imported:,} imported, "
            f"{batch.rows_duplicate:,} duplicate, {batch.rows_failed:,} failed; "
            f"{sum(queued):,} comments queued for tagging in {len(queued)} calls"
        )
        print(
            f"{label}: {elapsed:.1f} s, {args.rows / elapsed:,.0f} rows/s, peak RSS {peak_mib:,.0f} MiB "
            f"(this process {peak_self:,.0f}, its parsing process {peak_child:,.0f}); "
            f"CPU of this process and its parsing process {cpu:.1f} s ({cpu_self:.1f} + {cpu_child:.1f}), "
            "of their PostgreSQL backends about "
            f"{database_cpu.seconds():.1f} s (the busiest backend {database_cpu.busiest():.1f} s); "
            f"load average before {load_before}, after {_load()}"
        )
        print(
            f"{label}: wall of the import's own process: "
            + ", ".join(f"{k} {v:.1f} s" for k, v in spent.items())
        )
        spent.update(dict.fromkeys(spent, 0.0))
        print(
            f"RESULTS.md | {date.today().isoformat()} | {platform.node()} "
            f"({os.cpu_count()} cores, {database}) | "
            f"{label} {args.rows:,} rows | {elapsed:.1f} s | {args.rows / elapsed:,.0f} rows/s | "
            f"{peak_mib:,.0f} MiB |"
        )


if __name__ == "__main__":
    main()
