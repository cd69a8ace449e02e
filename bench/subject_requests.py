"""Requests about a person at scale: how long the administrator waits for a search, a copy, an anonymisation
and an erasure when the ICS holds a million survey responses and 50,000 stories.

A search reads original text, which has no index (an index on it would be a second copy of every patient's
words, and the searches are rare): each kind scans the ICS's stories and comments once. This measures that.

Usage (the data once, as for bench/dashboards.py, then the benchmark):
    createdb -h 127.0.0.1 -U postgres ih_bench
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/ih_bench DEBUG=true
    .venv/bin/python manage.py migrate
    .venv/bin/python manage.py generate_synthetic --responses 1000000 --stories 50000
    .venv/bin/python bench/subject_requests.py

It plants one person (a story and a survey comment holding their name, email address and phone number),
times each search kind (5 runs, after one that is not counted), then a copy, an anonymisation and an erasure
of the person's records, each inside a transaction that is rolled back, so the database is left as it was.
"""

from __future__ import annotations

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

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from feedback.models import Comment, Response  # noqa: E402
from insight_hub.organisations.models import ICS, Membership, Role  # noqa: E402
from insight_hub.privacy import subjects  # noqa: E402
from stories import services as story_services  # noqa: E402
from stories.models import Story  # noqa: E402

RUNS = 5
WORDS = "I am Perpetua Quennell. Call me on 07700 900987 or write to perpetua.q@example.org."


class Rollback(Exception):
    pass


def _admin(ics):
    membership = Membership.objects.filter(role=Role.SYSTEM_ADMIN, organisation=ics.icb).first()
    if membership:
        return membership.user
    user, _ = get_user_model().objects.get_or_create(
        username="bench-admin@example.nhs.uk", defaults={"email": "bench-admin@example.nhs.uk"}
    )
    Membership.objects.create(user=user, organisation=ics.icb, role=Role.SYSTEM_ADMIN)
    return user


def _timed(function, runs: int = RUNS) -> tuple[float, float, object]:
    function()
    seconds, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = function()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds), max(seconds), result


def main() -> None:
    ics = ICS.objects.exclude(icb=None).order_by("pk").first()
    admin = _admin(ics)
    story_count = Story.objects.filter(organisation__ics=ics).count()
    comment_count = Comment.objects.filter(organisation__ics_id=ics.pk).count()
    response_count = Response.objects.filter(organisation__ics_id=ics.pk).count()
    print(
        f"{connection.vendor}: {response_count:,} responses, {comment_count:,} comments, "
        f"{story_count:,} stories"
    )

    comment = Comment.objects.filter(organisation__ics_id=ics.pk).order_by("-pk").first()
    story = story_services.story_create(
        user=None,
        organisation=comment.organisation,
        title="A night on the ward",
        narrative=WORDS,
        teller="patient",
        occurred_on=timezone.localdate().replace(day=1),
        occurred_precision="month",
        source_channel="interview",
    )
    original = comment.text
    Comment.objects.filter(pk=comment.pk).update(text=f"{original} {WORDS}")
    try:
        searches = {
            "email": "perpetua.q@example.org",
            "phone": "+44 7700 900987",
            "name": "Perpetua Quennell",
            "reference": f"S{story.pk}",
        }
        keys = []
        print("| step | median | max | records |")
        print("|---|---|---|---|")
        for by, value in searches.items():
            search = subjects.Search(by=by, value=value)
            median, worst, (records, _) = _timed(lambda s=search: subjects.subject_find(admin, search=s))
            keys = keys or [record.key for record in records]
            print(f"| search by {by} | {median * 1000:,.0f} ms | {worst * 1000:,.0f} ms | {len(records)} |")
        median, worst, copy = _timed(lambda: subjects.subject_export(admin, keys=keys))
        print(f"| copy (JSON) | {median * 1000:,.0f} ms | {worst * 1000:,.0f} ms | {len(copy['records'])} |")
        for name, step in (("anonymise", subjects.subject_anonymise), ("erase", subjects.subject_erase)):
            started = time.perf_counter()
            try:
                with transaction.atomic():
                    done, changed = step(admin, keys=keys)
                    raise Rollback
            except Rollback:
                pass
            seconds = time.perf_counter() - started
            slices = len(changed.slices)
            print(f"| {name} (roll-ups: {slices} slices) | {seconds * 1000:,.0f} ms | (once) | {len(done)} |")
    finally:
        Comment.objects.filter(pk=comment.pk).update(text=original)
        Story.objects.filter(pk=story.pk).delete()


if __name__ == "__main__":
    main()
