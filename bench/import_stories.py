"""Benchmark the import side of the story import flow: a Care Opinion export of real stories (the shared
dev file) received, read, saved in bulk and redacted, as the pages and the workers do it. Tagging is not run
(its queue calls are counted): the end-to-end bench with tagging on two workers is bench/tagging_e2e.py's.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db>_bench SECRET_KEY=<40+ characters> \\
        SECURE_SSL_REDIRECT=false .venv/bin/python bench/import_stories.py [--copies 1]

Steps timed: the upload (what the web request does: keep the file, read its first rows, guess the mapping),
the import task (read every row, save in bulk), and the redaction chunks (what `imported_stories_prepare`
does on the workers, here one after the other in this process). `--copies N` repeats the file's rows N times
(with new ids) for a bigger file. The stories of the bench organisation are deleted first, so the database
name must end in "_bench".
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEV_FILE = ROOT.parent.parent / "shared" / "data" / "care_opinion_stories_dev.csv"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=1)
    parser.add_argument("--source", type=Path, default=Path(os.environ.get("DEV_STORIES", DEV_FILE)))
    args = parser.parse_args()
    media = tempfile.mkdtemp(prefix="bench-story-import-")
    os.environ["MEDIA_ROOT"] = media
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "insight_hub.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.files import File

    from insight_hub.themes import services as theme_services
    from stories.importing import services
    from stories.models import Story

    name = str(settings.DATABASES["default"]["NAME"])
    if not name.endswith("_bench"):
        sys.exit(f"refusing to delete stories of {name!r}: use a database whose name ends in _bench")
    from insight_hub.organisations.models import Organisation

    organisation, _ = Organisation.objects.get_or_create(
        ods_code="RBS", defaults={"name": "BENCHMARK STORIES NHS TRUST", "kind": "acute"}
    )
    Story.objects.filter(organisation=organisation).delete()
    user, _ = get_user_model().objects.get_or_create(username="bench-stories@example.nhs.uk")

    path = Path(media) / "care_opinion_export.csv"
    with args.source.open(encoding="utf-8") as source, path.open("w", newline="", encoding="utf-8") as out:
        rows = list(csv.reader(source))
        writer = csv.writer(out)
        writer.writerow(rows[0])
        for copy in range(args.copies):
            for row in rows[1:]:
                writer.writerow([f"{row[0]}-{copy}", *row[1:]])
    total = (len(rows) - 1) * args.copies

    queued: list[int] = []
    theme_services.tagging_queue = lambda *, label, ids: queued.append(len(ids))  # counted, not run
    prepared: list[list[int]] = []
    services._queue_prepare = lambda ids: prepared.append(ids)  # run below, as the workers would

    started = time.perf_counter()
    with path.open("rb") as stream:
        batch = services.story_import_upload(user=user, organisation=organisation, uploaded_file=File(stream))
    upload_s = time.perf_counter() - started
    services.story_import_settings_save(
        batch=batch,
        user=user,
        values=batch.values,
        defaults={**batch.defaults, "teller": "patient", "source_channel": "care_opinion"},
        consent={"internal_learning": True, "board_quote": False, "publication": False},
        consent_reason="Published by the teller on Care Opinion under its terms: internal learning",
    )
    started = time.perf_counter()
    batch = services.story_import_run_here(batch=batch)
    run_s = time.perf_counter() - started
    started = time.perf_counter()
    for ids in prepared:
        for start in range(0, len(ids), services.PREPARE_CHUNK):
            services.imported_stories_prepare(ids=ids[start : start + services.PREPARE_CHUNK])
    prepare_s = time.perf_counter() - started
    print(
        f"{total:,} rows: upload request {upload_s * 1000:.0f} ms; import task {run_s:.2f} s "
        f"({batch.rows_imported:,} imported, {batch.rows_failed} refused, {batch.status}); redaction chunks "
        f"{prepare_s:.2f} s in one process ({sum(queued):,} stories queued for tagging); "
        f"database {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}"
    )


if __name__ == "__main__":
    main()
