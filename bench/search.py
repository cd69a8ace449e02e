"""Search speed at scale, on real text: 50,000 stories and 1,000,000 survey comments on PostgreSQL.

Target (issue #18): 20 queries (10 single uncommon words, 5 phrases, 5 with OR or an exclusion), each giving
the first 20 results with highlights, p95 <= 300 ms. The text is real: the training comments
(`px_feedback_train.csv`, 4,452) repeated to 1,000,000 and the dev stories (`care_opinion_stories_dev.csv`,
963) repeated to 50,000, spread over 5 trusts of one ICS; searched as the ICB lead, who reads all of it (the
widest reach: every comment and every shared story). The texts are already anonymised, so their redacted
text is the text itself (redaction has its own benchmark).

Usage (a database of its own, loaded once; the script refuses any database whose name does not end in _bench):
    createdb -h 127.0.0.1 -U postgres ih_search_bench
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/ih_search_bench DEBUG=true
    .venv/bin/python manage.py migrate
    .venv/bin/python bench/search.py load --comments ../shared/data/px_feedback_train.csv \
        --stories ../shared/data/care_opinion_stories_dev.csv
    .venv/bin/python bench/search.py run

`load` writes with COPY (the stored search vectors are generated columns, so PostgreSQL computes them as
rows arrive) and reports how long each part took. `run` times `insight_hub.search.selectors.search` end to
end (counts, ranking, the page's rows, ts_headline) and the whole page through Django's test client; each
query once cold (not counted) and then 5 times.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "insight_hub.settings")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from feedback.models import Comment, Response  # noqa: E402
from insight_hub.organisations.models import ICS, Membership, Organisation, Role, Service  # noqa: E402
from insight_hub.search.registry import Criteria  # noqa: E402
from insight_hub.search.selectors import search  # noqa: E402
from stories.models import Story  # noqa: E402

STORIES, COMMENTS = 50_000, 1_000_000
TRUSTS = 5
LEAD_EMAIL = "bench.icb.lead@example.nhs.uk"
REPEATS = 5

QUERIES = {
    "word": [
        "receptionist",
        "sandwiches",
        "temperature",
        "pharmacy",
        "paperwork",
        "wifi",
        "blanket",
        "dismissive",
        "physiotherapist",
        "hospice",
    ],
    "phrase": ['"waiting room"', '"cup of tea"', '"pain relief"', '"blood test"', '"mental health"'],
    "or / exclusion": [
        "rude OR dismissive",
        "parking OR wifi",
        "frightened OR anxious",
        "crisis -team",
        "medication -pharmacy",
    ],
}
SENTIMENT = {"1": "positive", "2": "positive", "3": "neutral", "4": "negative", "5": "negative"}


def _check_database() -> None:
    name = settings.DATABASES["default"]["NAME"]
    if not settings.IS_POSTGRES or not str(name).endswith("_bench"):
        sys.exit(
            f"Refusing to run on database {name!r}: use a PostgreSQL database of its own ending in _bench"
        )


def _read(path: str) -> list[dict]:
    csv.field_size_limit(10**9)
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _template(model, **values) -> tuple[list, list]:
    """Columns and default values of a model's row, as COPY takes them (JSON as text)."""
    obj = model(**values)
    fields = list(model._meta.concrete_fields)
    row = []
    for f in fields:
        value = f.pre_save(obj, add=True)
        if f.get_internal_type() == "JSONField":
            row.append(json.dumps(value))
        else:
            row.append(f.get_db_prep_save(value, connection))
    return [f.column for f in fields], row


def _copy(table: str, columns: list[str], rows) -> int:
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    n = 0
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            n += 1
    return n


def _setval(table: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
        )


def _timed(label: str, fn):
    start = time.perf_counter()
    result = fn()
    print(f"{label}: {time.perf_counter() - start:.1f} s")
    return result


def load(args) -> None:
    if Comment.objects.exists() or Story.objects.exists():
        sys.exit("The bench database already holds data: drop and create it again to reload")
    comments, stories = _read(args.comments), _read(args.stories)
    icb = Organisation.objects.create(ods_code="QB1", name="NHS BENCH INTEGRATED CARE BOARD", kind="icb")
    ics = ICS.objects.create(name="Bench ICS", icb=icb)
    icb.ics = ics
    icb.save()
    trusts = [
        Organisation.objects.create(
            ods_code=f"RB{i}", name=f"BENCH TRUST {i}", kind="acute", icb=icb, ics=ics
        )
        for i in range(TRUSTS)
    ]
    services = [
        Service.objects.create(organisation=t, name=f"Ward {i}", fft_setting="inpatient")
        for i, t in enumerate(trusts)
    ]
    from django.contrib.auth import get_user_model

    lead = get_user_model().objects.create_user(
        username=LEAD_EMAIL, email=LEAD_EMAIL, password="bench-only-password-123"
    )
    Membership.objects.create(user=lead, organisation=icb, role=Role.ICB_LEAD, job_title="ICB lead")
    now = timezone.now()
    start_day = now - dt.timedelta(days=730)

    columns, base = _template(
        Story,
        organisation=trusts[0],
        title="x",
        narrative="x",
        teller="patient",
        occurred_on=now.date(),
        source_channel="care_opinion",
        status="shared",
        consent_internal_learning=True,
        consent_recorded_at=now,
        tag_status="tagged",
    )
    at = {c: i for i, c in enumerate(columns)}

    def story_rows():
        for i in range(STORIES):
            source = stories[i % len(stories)]
            text = source["text"]
            title = " ".join(text.split()[:8])[:200]
            row = list(base)
            row[at["id"]] = i + 1
            row[at["organisation_id"]] = trusts[i % TRUSTS].pk
            row[at["title"]], row[at["redacted_title"]] = title, title
            row[at["narrative"]], row[at["redacted_narrative"]] = text, text
            row[at["occurred_on"]] = (start_day + dt.timedelta(days=i % 730)).date()
            yield row

    _timed(
        f"COPY {STORIES:,} stories (search vector generated as they arrive)",
        lambda: _copy("stories_story", columns, story_rows()),
    )
    _setval("stories_story")

    columns, base = _template(
        Response,
        organisation=trusts[0],
        service=services[0],
        source="import",
        dedupe_key="x",
        responded_at=now,
    )
    at = {c: i for i, c in enumerate(columns)}

    def response_rows():
        for i in range(COMMENTS):
            source = comments[i % len(comments)]
            row = list(base)
            row[at["id"]] = i + 1
            row[at["organisation_id"]] = trusts[i % TRUSTS].pk
            row[at["service_id"]] = services[i % TRUSTS].pk
            row[at["dedupe_key"]] = f"bench:{i}"
            row[at["responded_at"]] = start_day + dt.timedelta(minutes=i)
            row[at["fft_score"]] = int(source["fft_score"]) if source["fft_score"].isdigit() else None
            yield row

    _timed(f"COPY {COMMENTS:,} responses", lambda: _copy("feedback_response", columns, response_rows()))
    _setval("feedback_response")

    columns, base = _template(
        Comment,
        response_id=1,
        organisation=trusts[0],
        service=services[0],
        question_type="nonspecific",
        text="x",
        redacted_text="x",
        redaction_version="bench",
        responded_at=now,
        tag_status="tagged",
    )
    at = {c: i for i, c in enumerate(columns)}

    def comment_rows():
        for i in range(COMMENTS):
            source = comments[i % len(comments)]
            row = list(base)
            row[at["id"]] = row[at["response_id"]] = i + 1
            row[at["organisation_id"]] = trusts[i % TRUSTS].pk
            row[at["service_id"]] = services[i % TRUSTS].pk
            row[at["question_type"]] = source["question_type"] or "nonspecific"
            row[at["text"]] = row[at["redacted_text"]] = source["text"]
            row[at["responded_at"]] = start_day + dt.timedelta(minutes=i)
            row[at["sentiment"]] = SENTIMENT.get(source["sentiment"], "")
            yield row

    # The GIN index is built once after the rows are in (as a bulk import into an empty table would do);
    # the generated column itself is computed during COPY either way.
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX IF EXISTS comment_search_vector")
    _timed(
        f"COPY {COMMENTS:,} comments (search vector generated as they arrive)",
        lambda: _copy("feedback_comment", columns, comment_rows()),
    )
    _setval("feedback_comment")

    def build_index():
        with connection.cursor() as cursor:
            cursor.execute("CREATE INDEX comment_search_vector ON feedback_comment USING gin (search_vector)")

    _timed("GIN index on the comments' search vector", build_index)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE feedback_comment")
        cursor.execute("VACUUM ANALYZE stories_story")
        cursor.execute("VACUUM ANALYZE feedback_response")


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def run(args) -> None:
    from django.contrib.auth import get_user_model

    lead = get_user_model().objects.get(email=LEAD_EMAIL)
    client = Client()
    client.force_login(lead)
    selector_ms, page_ms = [], []
    print(f"{'kind':15} {'query':28} {'matches':>10} {'p50 ms':>8} {'max ms':>8} {'page p50':>9}")
    for kind, queries in QUERIES.items():
        for q in queries:
            first = search(lead, Criteria(q=q))  # cold: not counted
            assert len(first.results) == 20 and all("<mark>" in r.snippet_html for r in first.results), q
            times, pages = [], []
            for _ in range(REPEATS):
                start = time.perf_counter()
                result = search(lead, Criteria(q=q))
                times.append((time.perf_counter() - start) * 1000)
                start = time.perf_counter()
                response = client.get(reverse("search:search"), {"q": q})
                pages.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200 and response.content.count(b"<mark>") >= 20, q
            selector_ms += times
            page_ms += pages
            print(
                f"{kind:15} {q:28} {result.total_display:>10} {statistics.median(times):8.0f} "
                f"{max(times):8.0f} {statistics.median(pages):9.0f}"
            )
    median, page_median = statistics.median(selector_ms), statistics.median(page_ms)
    print(
        f"\n{len(selector_ms)} searches: p95 {p95(selector_ms):.0f} ms, median {median:.0f} ms (selector);"
        f" whole page p95 {p95(page_ms):.0f} ms, median {page_median:.0f} ms"
    )
    print(f"load average: {os.getloadavg()}")


def main() -> None:
    _check_database()
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    loader = sub.add_parser("load")
    loader.add_argument("--comments", required=True)
    loader.add_argument("--stories", required=True)
    sub.add_parser("run")
    args = parser.parse_args()
    {"load": load, "run": run}[args.command](args)


if __name__ == "__main__":
    main()
