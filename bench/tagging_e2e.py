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
import os
import random
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "insight_hub.settings")


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def pool_pids(parent: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(parent)], capture_output=True, text=True).stdout
    return [int(pid) for pid in out.split()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--csv", type=Path, default=ROOT.parent / "shared/data/px_feedback_train.csv")
    parser.add_argument("--timeout", type=float, default=900)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres") or not os.environ.get("REDIS_URL"):
        sys.exit("Set DATABASE_URL (PostgreSQL) and REDIS_URL: this benchmark measures the real parts.")

    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from feedback.models import Comment, Response
    from insight_hub.celery import app
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

    app.control.purge()
    name = f"bench-{uuid.uuid4().hex[:6]}@localhost"
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "insight_hub",
            "worker",
            "-Q",
            "nlp,default",
            "--concurrency",
            str(args.workers),
            "-n",
            name,
            "--without-mingle",
            "--without-gossip",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env=os.environ.copy(),
    )
    try:
        while not app.control.ping(destination=[name], timeout=1):
            time.sleep(0.5)
        print(f"worker ready; queueing {len(ids):,} comments in chunks of {TAG_CHUNK}", flush=True)
        started = time.perf_counter()
        _send("feedback.comment", ids)
        pending = len(ids)
        while pending and time.perf_counter() - started < args.timeout:
            time.sleep(1)
            pending = Comment.objects.exclude(tag_status=TagStatus.TAGGED).count()
            print(f"  {time.perf_counter() - started:6.1f}s  {len(ids) - pending:,} tagged", flush=True)
        elapsed = time.perf_counter() - started
        memory = [peak_rss_mib(pid) for pid in pool_pids(worker.pid)]
        failed = Comment.objects.filter(tag_status=TagStatus.FAILED).count()
        print(
            f"\n{len(ids) - pending:,} of {len(ids):,} comments tagged in {elapsed:.1f}s "
            f"({(len(ids) - pending) / elapsed:,.0f}/s) by {args.workers} worker processes; {failed} failed"
        )
        print("peak RSS per pool process: " + ", ".join(f"{m:.0f} MiB" for m in memory))
    finally:
        worker.terminate()
        worker.wait(timeout=60)
        app.control.purge()


if __name__ == "__main__":
    main()
