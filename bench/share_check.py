"""Benchmark the check queue and bulk sharing over one import's worth of real stories (issue #14).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> SECRET_KEY=<40+ characters> \\
        SECURE_SSL_REDIRECT=false ALLOWED_HOSTS=testserver .venv/bin/python bench/share_check.py \\
            [--stories 2000] [--runs 5]

Makes `--stories` draft stories of one trust from the dev stories' real text (repeated as needed), redacted
by the hub's redaction (`redact_many`) and stored in one bulk insert, with consent recorded; then, as the
trust's px lead through Django's test client: the queue page (counts over the whole queue, one story
original beside redacted), every story marked "fine to share" (one POST each, as a lead pressing c), and the
one POST that shares them all. Everything runs inside one transaction that is rolled back at the end, so the
database is left as it was (the access audit included).
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data" / "care_opinion_stories_dev.csv"


class Rollback(Exception):
    pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "insight_hub.settings")
    import django

    django.setup()
    from django.db import connection, transaction
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from insight_hub.organisations.models import ICS, Membership, Organisation, Role
    from insight_hub.privacy.redaction import redact_many
    from stories.models import Story
    from stories.services import REDACTION_VERSION

    with DATA.open(newline="", encoding="utf-8") as handle:
        texts = [row["text"] for row in csv.DictReader(handle) if row["text"].strip()]
    texts = (texts * (args.stories // len(texts) + 1))[: args.stories]
    print(f"{connection.vendor}, {args.stories} stories of real text ({len(set(texts))} distinct)")

    try:
        with transaction.atomic():
            icb = Organisation.objects.create(ods_code="QZZ", name="Bench ICB", kind="icb")
            ics = ICS.objects.create(name="Bench ICS", icb=icb)
            trust = Organisation.objects.create(
                ods_code="RZZ", name="Bench trust", kind="trust", icb=icb, ics=ics
            )
            from django.contrib.auth import get_user_model

            lead = get_user_model().objects.create_user(
                username="bench-lead", email="bench-lead@example.nhs.uk"
            )
            Membership.objects.create(user=lead, organisation=trust, role=Role.PX_LEAD)

            started = time.perf_counter()
            redactions = redact_many(texts)
            titles = [" ".join(text.split()[:8]) for text in texts]
            title_redactions = redact_many(titles)
            now = timezone.now()
            Story.objects.bulk_create(
                [
                    Story(
                        organisation=trust,
                        title=title[:200],
                        narrative=text,
                        teller="patient",
                        occurred_on=now.date(),
                        source_channel="other",
                        import_source="csv",
                        external_id=f"bench-{n}",
                        redacted_title=title_red.text,
                        title_spans=[s.to_dict() for s in title_red.spans],
                        redacted_narrative=red.text,
                        narrative_spans=[s.to_dict() for s in red.spans],
                        redaction_version=REDACTION_VERSION,
                        consent_internal_learning=True,
                        consent_recorded_by=lead,
                        consent_recorded_at=now,
                    )
                    for n, (text, red, title, title_red) in enumerate(
                        zip(texts, redactions, titles, title_redactions, strict=True)
                    )
                ],
                batch_size=500,
            )
            print(f"made and redacted in {time.perf_counter() - started:.1f} s (setup, not measured)")

            client = Client()
            client.force_login(lead)
            queue_url = reverse("stories:share_check") + "?import_source=csv"
            timings = []
            for _ in range(args.runs):
                t = time.perf_counter()
                response = client.get(queue_url)
                timings.append((time.perf_counter() - t) * 1000)
                assert response.status_code == 200, response.status_code
            print(
                f"queue page, {args.stories} unchecked: median {statistics.median(timings):.0f} ms, "
                f"worst {max(timings):.0f} ms"
            )

            ids = list(Story.objects.filter(organisation=trust).order_by("pk").values_list("pk", flat=True))
            marks = []
            for pk in ids:
                t = time.perf_counter()
                response = client.post(
                    reverse("stories:share_check_mark", args=[pk]), {"decision": "ok", "import_source": "csv"}
                )
                marks.append((time.perf_counter() - t) * 1000)
                assert response.status_code == 302, response.status_code
            marks.sort()
            print(
                f"mark one story (POST and redirect target computed), {len(marks)} times: median "
                f"{statistics.median(marks):.0f} ms, p95 {marks[int(len(marks) * 0.95)]:.0f} ms"
            )

            t = time.perf_counter()
            response = client.get(queue_url)
            print(f"queue page, all checked: {(time.perf_counter() - t) * 1000:.0f} ms")
            t = time.perf_counter()
            response = client.post(reverse("stories:share_check_share"), {"import_source": "csv"})
            took = time.perf_counter() - t
            shared = Story.objects.filter(organisation=trust, status="shared").count()
            print(f"share all checked in one POST: {shared} shared in {took * 1000:.0f} ms")
            raise Rollback
    except Rollback:
        print("rolled back: the database is as it was")


if __name__ == "__main__":
    main()
