"""End to end: survey comments saved in PostgreSQL, queued on Redis, redacted and tagged by Celery workers.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/insight_hub_bench REDIS_URL=redis://127.0.0.1:6379/14 \\
    DEBUG=true .venv/bin/python bench/tagging_e2e.py --comments 100000 --workers 2

Creates the bench database's tables if needed (migrate), inserts N comments (texts drawn from the shared
training file, seeded), starts one `celery worker` with N pool processes on both queues, queues tagging in
the chunks the product uses, and reports the time until every comment is tagged, comments/s and each pool
process's peak memory (VmHWM). The timed part starts when the first chunk is queued.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import os
import random
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "insight_hub.settings")

from workers import (  # noqa: E402
    CpuSample,
    backend_cpu_seconds,
    celery_worker,
    postgres_cpu_seconds,
    wait_for_quiet,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--csv", type=Path, default=ROOT.parent / "shared/data/px_feedback_train.csv")
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument(
        "--in-process",
        action="store_true",
        help="no Celery: tag the comments here, chunk by chunk, and report CPU seconds per 1k per stage",
    )
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=0,
        help="on a shared machine: wait up to this many seconds for 3 s in which the machine is under 25%% "
        "busy before starting the clock",
    )
    parser.add_argument(
        "--chunk", type=int, help="with --in-process: comments per batch (default: the product's)"
    )
    parser.add_argument("--profile", type=Path, help="with --in-process: write cProfile stats to this file")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres") or not os.environ.get("REDIS_URL"):
        sys.exit("Set DATABASE_URL (PostgreSQL) and REDIS_URL: this benchmark measures the real parts.")

    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from feedback.models import Comment, Response
    from insight_hub.organisations.demo import demo_organisations_load
    from insight_hub.organisations.models import Service
    from insight_hub.themes.models import TagStatus
    from insight_hub.themes.services import TAG_CHUNK, _send

    call_command("migrate", verbosity=0)
    demo_organisations_load()
    Comment.objects.all().delete()
    Response.objects.all().delete()
    with args.csv.open(newline="", encoding="utf-8") as handle:
        rows = [(row["text"], row["question_type"]) for row in csv.DictReader(handle) if row["text"].strip()]
    rng = random.Random(0)
    services = list(Service.objects.select_related("organisation"))
    now = timezone.now()
    print(f"inserting {args.comments:,} comments…", flush=True)
    for start in range(0, args.comments, 10_000):
        size = min(10_000, args.comments - start)
        picks = [(rng.choice(services), *rng.choice(rows)) for _ in range(size)]
        responses = Response.objects.bulk_create(
            [
                Response(
                    organisation=service.organisation,
                    service=service,
                    source="import",
                    responded_at=now,
                    dedupe_key=f"bench:{uuid.uuid4()}",
                    fft_score=rng.randint(1, 6),
                )
                for service, _, _ in picks
            ],
            batch_size=5000,
        )
        Comment.objects.bulk_create(
            [
                Comment(
                    response=response,
                    organisation=service.organisation,
                    service=service,
                    question_type=qt,
                    text=text,
                    responded_at=now,
                    tag_status=TagStatus.UNTAGGED,
                    text_changed_at=now,
                )
                for response, (service, text, qt) in zip(responses, picks, strict=True)
            ],
            batch_size=5000,
        )
    ids = list(Comment.objects.order_by("pk").values_list("pk", flat=True))
    if args.in_process:
        in_process(ids, args.chunk or TAG_CHUNK, args.profile)
        return

    with celery_worker(args.workers) as worker:
        print(f"worker ready; queueing {len(ids):,} comments in chunks of {TAG_CHUNK}", flush=True)
        if args.quiet_wait:
            wait_for_quiet(args.quiet_wait)
        poll_cpu0, pg_cpu0 = backend_cpu_seconds(), postgres_cpu_seconds()
        sample = CpuSample(worker)
        started = time.perf_counter()
        _send("feedback.comment", ids)
        pending = len(ids)
        untagged = Comment.objects.exclude(tag_status=TagStatus.TAGGED)
        # Counting the untagged comments scans the table (~40 ms of PostgreSQL CPU at 100k), which competes
        # with the workers: count every 10 s for progress, and in between only look up the last chunks
        # queued (by primary key) and count once they are done.
        last_chunks = ids[-2 * TAG_CHUNK :]
        polls = 0
        while pending and time.perf_counter() - started < args.timeout:
            time.sleep(1)
            polls += 1
            if polls % 10 == 0 or not untagged.filter(pk__in=last_chunks).exists():
                pending = untagged.count()
                print(f"  {time.perf_counter() - started:6.1f}s  {len(ids) - pending:,} tagged", flush=True)
            sample.poll()
        elapsed = time.perf_counter() - started
        pool_cpu, pool_wait, workers_pg_cpu = sample.pool_cpu(), sample.pool_wait(), sample.workers_pg_cpu()
        poll_cpu = backend_cpu_seconds() - poll_cpu0
        pg_cpu, busy = postgres_cpu_seconds() - pg_cpu0, sample.machine_busy()
        memory = sample.peak_rss()
        failed = Comment.objects.filter(tag_status=TagStatus.FAILED).count()
        print(
            f"\n{len(ids) - pending:,} of {len(ids):,} comments tagged in {elapsed:.1f}s "
            f"({(len(ids) - pending) / elapsed:,.0f}/s) by {args.workers} worker processes; {failed} failed"
        )
        print("peak RSS per pool process: " + ", ".join(f"{m:.0f} MiB" for m in memory))
        per_k = 1000 / max(1, len(ids) - pending)
        print(
            f"CPU per 1k comments: pool processes {pool_cpu * per_k:.3f} s, PostgreSQL (all sessions on the "
            f"machine) {pg_cpu * per_k:.3f} s; machine busy {busy:.0%} of "
            f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end"
        )
        print(
            f"PostgreSQL for this database: the workers' sessions {workers_pg_cpu * per_k:.3f} s per 1k, "
            f"this script's polling {poll_cpu * per_k:.3f} s per 1k"
        )
        print(
            "pool processes waited for a CPU held by another process: "
            + ", ".join(f"{wait:.1f} s" for wait in pool_wait)
            + f" of the {elapsed:.1f} s"
        )


def in_process(ids: list[int], chunk: int, profile: Path | None) -> None:
    """Tag in this process with the worker's code path; time each stage in CPU and wall seconds."""
    import cProfile

    from insight_hub.privacy.redaction import redact
    from insight_hub.themes import registry, services
    from insight_hub.themes.ml import load_tagger

    taggable = registry.get("feedback.comment")
    tagger = load_tagger()
    tagger.tag([])  # load everything lazily loaded before timing
    redact("Warm up, Dr Patel.")
    taggable.prepare(list(taggable.model.objects.filter(pk__in=ids[:1])))
    cpu = {"redaction": 0.0, "tagger": 0.0}
    wall = dict(cpu)

    def timed(stage, func):
        def wrapper(*a, **kw):
            c, w = time.process_time(), time.perf_counter()
            try:
                return func(*a, **kw)
            finally:
                cpu[stage] += time.process_time() - c
                wall[stage] += time.perf_counter() - w

        return wrapper

    registry._REGISTRY[taggable.label] = dataclasses.replace(
        taggable, prepare=timed("redaction", taggable.prepare)
    )
    tagger.tag = timed("tagger", tagger.tag)
    profiler = cProfile.Profile() if profile else None
    pg0 = backend_cpu_seconds()
    c0, w0 = time.process_time(), time.perf_counter()
    if profiler:
        profiler.enable()
    for start in range(0, len(ids), chunk):
        services.items_tag(label=taggable.label, ids=ids[start : start + chunk], tagger=tagger)
    if profiler:
        profiler.disable()
        profiler.dump_stats(profile)
    total_cpu, total_wall = time.process_time() - c0, time.perf_counter() - w0
    pg = backend_cpu_seconds() - pg0
    cpu["database and the rest"] = total_cpu - cpu["redaction"] - cpu["tagger"]
    wall["database and the rest"] = total_wall - wall["redaction"] - wall["tagger"]
    per_k = 1000 / len(ids)
    print(
        f"\n{len(ids):,} comments in one process, chunks of {chunk}: {total_wall:.1f}s wall, "
        f"{total_cpu:.1f}s CPU ({len(ids) / total_wall:,.0f}/s)"
    )
    print(f"{'stage':<24}{'CPU s/1k':>10}{'wall s/1k':>11}{'share of CPU':>14}")
    for stage in cpu:
        print(
            f"{stage:<24}{cpu[stage] * per_k:>10.3f}{wall[stage] * per_k:>11.3f}"
            f"{cpu[stage] / total_cpu:>13.0%}"
        )
    print(f"{'total':<24}{total_cpu * per_k:>10.3f}{total_wall * per_k:>11.3f}")
    print(f"{'PostgreSQL backend':<24}{pg * per_k:>10.3f}   (its own process, not in the total)")


if __name__ == "__main__":
    main()
