"""Benchmark "Responses and changes made" (dashboards/follow_up.py) for a whole ICS: the response-time chart
over 24 months and the critical stories' shares, as the system view reads them.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<your db> SECRET_KEY=<40+ characters> \\
        SECURE_SSL_REDIRECT=false .venv/bin/python bench/follow_up.py [--stories 50000] [--runs 20]

It seeds its own ICS ("Bench follow-up ICS", 6 trusts) with `--stories` stories over 24 months (bulk inserts,
not the services: no redaction or tagging, which this does not read): 40% answered after 0 to 14 days, a
third critical (negative, or rated 4 or 5), one in ten with a change made and signed off. It then builds the
roll-ups (`rollups.rebuild_all`, every roll-up of the database: timed, with one slice's refresh), checks the
roll-up's counts against the story-by-story selector, and times `follow_up_figures` (the roll-up reads and
the SPC) and `follow_up_for` (plus the plotly chart) for the ICS, and the story-by-story selector for
comparison; it deletes what it seeded unless `--keep`. Use a database of your own: it writes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ICS_NAME = "Bench follow-up ICS"


def seed(n: int):
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from insight_hub.organisations.models import ICS, Organisation
    from stories.models import ChangeClaim, Story, StoryAction

    User = get_user_model()
    icb = Organisation.objects.create(ods_code="QZZ", name="Bench follow-up ICB", kind="icb")
    ics = ICS.objects.create(name=ICS_NAME, icb=icb)
    trusts = [
        Organisation.objects.create(
            ods_code=f"RZ{i}", name=f"Bench trust {i}", kind="acute", icb=icb, ics=ics
        )
        for i in range(6)
    ]
    owner = User.objects.create_user(username="bench-follow-up", email="bench-follow-up@example.nhs.uk")
    tz = timezone.get_current_timezone()
    today = timezone.localdate()
    stories = []
    for i in range(n):
        day = today - dt.timedelta(days=i * 730 // n)
        answered = i % 5 < 2
        at = dt.datetime.combine(day, dt.time(9 + i % 8), tzinfo=tz)
        stories.append(
            Story(
                organisation=trusts[i % 6],
                title=f"Bench story {i}",
                narrative="Bench narrative.",
                teller="patient",
                occurred_on=day - dt.timedelta(days=i % 20),
                source_channel="interview",
                status="shared" if i % 3 else "submitted",
                sentiment="negative" if i % 3 == 0 else "positive",
                criticality=5 if i % 7 == 0 else None,
                teller_response="Thank you." if answered else "",
                teller_response_at=at + dt.timedelta(days=i % 15) if answered else None,
            )
        )
    Story.objects.bulk_create(stories, batch_size=2000)
    ids = list(Story.objects.filter(organisation__in=trusts).values_list("pk", flat=True))
    # logged_at is set on insert: put it 0 to 14 days before the response (PostgreSQL's interval arithmetic).
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE stories_story SET logged_at = teller_response_at - (id %% 15) * interval '1 day' "
            "WHERE organisation_id = ANY(%s) AND teller_response_at IS NOT NULL",
            [[t.pk for t in trusts]],
        )
    actions = [
        StoryAction(
            story_id=pk,
            description="Bench action",
            owner=owner,
            due_on=today,
            change_claim=ChangeClaim.MADE,
            change_description="Bench change",
            change_claimed_by=owner,
            change_claimed_at=timezone.now(),
            change_signed_off_by=owner,
            change_signed_off_at=timezone.now(),
        )  # fmt: skip
        for pk in ids[::10]
    ]
    StoryAction.objects.bulk_create(actions, batch_size=2000)
    return ics, trusts, owner


def cleanup():
    from django.contrib.auth import get_user_model

    from insight_hub.organisations.models import ICS, Organisation
    from stories.models import Story, StoryAction

    trusts = Organisation.objects.filter(ics__name=ICS_NAME)
    StoryAction.objects.filter(story__organisation__in=trusts).delete()
    Story.objects.filter(organisation__in=trusts).delete()
    ics = ICS.objects.filter(name=ICS_NAME).first()
    trusts.delete()
    if ics is not None:
        icb = ics.icb
        ics.delete()
        icb.delete()
    get_user_model().objects.filter(email="bench-follow-up@example.nhs.uk").delete()


def _p50_p95(values: list[float]) -> tuple[float, float]:
    values = sorted(values)
    return statistics.median(values), values[max(0, int(round(0.95 * len(values))) - 1)]


def timed(fn, runs: int) -> tuple[tuple[float, float], tuple[float, float]]:
    """(p50, p95) of the wall time and of this process's CPU time (Python's side; PostgreSQL's is not in it),
    in ms."""
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return _p50_p95(wall), _p50_p95(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="keep the seeded rows")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "insight_hub.settings")
    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    from dashboards import follow_up, rollups
    from insight_hub.periods import Period, next_month
    from stories.selectors import critical_follow_up

    cleanup()
    start = time.perf_counter()
    ics, trusts, _ = seed(args.stories)
    print(f"seeded {args.stories} stories in {time.perf_counter() - start:.1f} s ({connection.vendor})")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE stories_story; ANALYZE stories_storyaction")
    org_ids = [t.pk for t in trusts]
    period = Period.last_months(12)
    built = rollups.rebuild_all()
    print(
        f"roll-ups rebuilt in {built['seconds']:.1f} s: {built['critical_follow_up']} critical follow-up "
        f"rows, {built['response_time']} response-time rows"
    )
    this_month = timezone.localdate().replace(day=1)
    slice_seconds = []
    for _ in range(3):
        start = time.perf_counter()
        rollups.refresh_slice(trusts[0].pk, this_month)
        slice_seconds.append(time.perf_counter() - start)
    print(f"one slice refreshed (every roll-up): worst of 3 {max(slice_seconds):.2f} s")
    direct = critical_follow_up(org_ids, since=period.first, before=next_month(period.last))
    assert follow_up.critical_counts(org_ids, period) == direct, (
        follow_up.critical_counts(org_ids, period),
        direct,
    )
    figures = follow_up.follow_up_figures(org_ids, period)
    shown = sum(m.shown_mean not in (None, "*") for m in figures.months)
    print(f"shares: {figures.shares}; months shown: {shown}")
    for name, fn in (
        ("follow_up_figures (queries + SPC)", lambda: follow_up.follow_up_figures(org_ids, period)),
        (
            "follow_up_for (+ plotly chart)",
            lambda: follow_up.follow_up_for(org_ids, period, scope_name="ICS"),
        ),
        (
            "for comparison: critical_follow_up (story rows)",
            lambda: critical_follow_up(org_ids, since=period.first, before=next_month(period.last)),
        ),
    ):
        (p50, p95), (cpu50, cpu95) = timed(fn, args.runs)
        print(
            f"{name}: p50 {p50:.0f} ms, p95 {p95:.0f} ms over {args.runs} runs "
            f"(this process's CPU p50 {cpu50:.0f} ms, p95 {cpu95:.0f} ms)"
        )
    print(f"{platform.node()} {platform.processor() or platform.machine()} {os.cpu_count()} CPUs")
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if not args.keep:
        cleanup()


if __name__ == "__main__":
    main()
