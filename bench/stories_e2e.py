"""End to end: 2,000 real stories imported, redacted and tagged (PostgreSQL, Redis, Celery workers).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/insight_hub_bench REDIS_URL=redis://127.0.0.1:6379/14 \\
    DEBUG=true .venv/bin/python bench/stories_e2e.py [--workers 2] [--quiet-wait 120]

Builds a CSV in the story import's fixed columns from the Care Opinion dev file (title from the story's first
words, teller patient, occurred_on this month, source channel care_opinion, criticality on the signed scale)
and imports it into two trusts of the demo ICS (963 stories each: 1,926). One `celery worker` with N pool
processes takes both queues. The clock starts at the import call and stops when the last story of the two
trusts is redacted by the current rules and tagged: what a person importing the file waits for.

The import is called through `import_stories` below, the one place that names the import service: point it
at another import flow (a Celery-run mapped import, say) and the rest of the benchmark stays as it is.
The benchmark deletes every story in its database first, so the database's name must contain "bench".
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "insight_hub.settings")

from workers import CpuSample, celery_worker, wait_for_quiet  # noqa: E402

DEV_FILE = ROOT.parent / "shared/data/care_opinion_stories_dev.csv"
TITLE_WORDS = 8


def import_stories(*, organisation, user, name: str, content: bytes) -> int:
    """The adapter: import one CSV file of stories for `organisation` as `user` through the story import flow
    (`stories.importing`) and return how many stories it created. The upload, the settings page's choices
    and the import task run here, as the pages and a worker would; the redaction and tagging chunks the task
    queues go to the real workers."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from stories.importing import services

    batch = services.story_import_upload(
        user=user, organisation=organisation, uploaded_file=SimpleUploadedFile(name, content)
    )
    services.story_import_settings_save(
        batch=batch,
        user=user,
        values=batch.values,
        defaults={**batch.defaults, "teller": "patient", "source_channel": "care_opinion"},
        consent={"internal_learning": True, "board_quote": False, "publication": False},
        consent_reason="Published by the teller on Care Opinion under its terms: internal learning",
    )
    batch = services.story_import_run_here(batch=batch)
    if batch.status != "done" or batch.rows_failed:
        raise SystemExit(f"the import refused the file: {batch.message} {batch.errors[:3]}")
    return batch.rows_imported


def stories_csv(source: Path, *, prefix: str) -> bytes:
    """The dev file in the import's fixed columns; `prefix` keeps the two trusts' external ids apart."""
    month = date.today().strftime("%Y-%m")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["external_id", "title", "narrative", "teller", "occurred_on", "source_channel", "criticality"]
    )
    with source.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            words = row["text"].split()
            title = " ".join(words[:TITLE_WORDS]) + ("…" if len(words) > TITLE_WORDS else "")
            writer.writerow(
                [
                    f"{prefix}-{row['story_id']}",
                    title,
                    row["text"],
                    "patient",
                    month,
                    "care_opinion",
                    row["criticality"],
                ]
            )
    return out.getvalue().encode("utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--data", type=Path, default=DEV_FILE)
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=0,
        help="on a shared machine: wait up to this many seconds for 3 s in which the machine is under 25%% "
        "busy before starting the clock",
    )
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres") or not os.environ.get("REDIS_URL"):
        sys.exit("Set DATABASE_URL (PostgreSQL) and REDIS_URL: this benchmark measures the real parts.")

    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from insight_hub.organisations.demo import DEMO_PARTNERS, demo_organisations_load
    from insight_hub.organisations.models import Organisation
    from insight_hub.privacy.redaction import VERSION
    from insight_hub.themes.models import TagStatus
    from stories.models import Story

    database = str(settings.DATABASES["default"]["NAME"])
    if "bench" not in database:
        sys.exit(f"refusing to delete the stories of {database!r}: use a database whose name holds 'bench'")
    call_command("migrate", verbosity=0)
    demo_organisations_load()
    Story.objects.all().delete()
    trusts = list(Organisation.objects.filter(ods_code__in=DEMO_PARTNERS).order_by("ods_code")[:2])
    user, _ = get_user_model().objects.get_or_create(username="bench-stories@example.nhs.uk")
    files = [(trust, stories_csv(args.data, prefix=trust.ods_code)) for trust in trusts]

    with celery_worker(args.workers) as worker:
        time.sleep(2)  # each pool process loads its models as it starts (themes.tasks._load_models)
        if args.quiet_wait:
            wait_for_quiet(args.quiet_wait)
        sample = CpuSample(worker)
        load_before = os.getloadavg()[0]
        started, cpu0 = time.perf_counter(), time.process_time()
        created = 0
        for trust, content in files:
            created += import_stories(organisation=trust, user=user, name="stories.csv", content=content)
        imported_at, import_cpu = time.perf_counter() - started, time.process_time() - cpu0
        print(
            f"  {imported_at:6.1f}s  {created:,} stories imported ({import_cpu:.1f} s CPU here)", flush=True
        )
        ours = Story.objects.filter(organisation__in=trusts)
        waiting = ours.exclude(tag_status=TagStatus.TAGGED) | ours.exclude(redaction_version=VERSION)
        pending = created
        while pending and time.perf_counter() - started < args.timeout:
            time.sleep(0.5)
            pending = waiting.count()
            sample.poll()
        elapsed = time.perf_counter() - started
        pool_cpu, workers_pg_cpu, busy = sample.pool_cpu(), sample.workers_pg_cpu(), sample.machine_busy()
        failed = ours.filter(tag_status=TagStatus.FAILED).count()
        done = created - pending
        print(
            f"\n{done:,} of {created:,} stories imported, redacted and tagged in {elapsed:.1f} s "
            f"({done / elapsed:,.0f}/s; the import call itself {imported_at:.1f} s) by {args.workers} worker "
            f"processes; {failed} failed"
        )
        print("peak RSS per pool process: " + ", ".join(f"{m:.0f} MiB" for m in sample.peak_rss()))
        print(
            f"CPU: the import call {import_cpu:.1f} s, pool processes {pool_cpu:.1f} s, PostgreSQL for this "
            f"database about {workers_pg_cpu:.1f} s; machine busy {busy:.0%} "
            f"of {os.cpu_count()} cores, load average {load_before:.1f} before, "
            f"{os.getloadavg()[0]:.1f} after"
        )


if __name__ == "__main__":
    main()
