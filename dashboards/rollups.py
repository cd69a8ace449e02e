"""Keeping the roll-ups up to date: incrementally per (organisation, month), and a full rebuild.

Every roll-up table is a pure function of the source rows, so a refresh of a slice is "delete the slice,
insert it again" inside one transaction: readers see the old slice or the new one, never half. Each insert
is a single `INSERT INTO ... SELECT ... GROUP BY` whose SELECT the ORM writes (so month truncation in the
hub's time zone is the same on PostgreSQL and SQLite), and no row passes through Python.

What counts:
- survey comments: every theme tag not rejected by a person, with the tag's own sentiment (the sentiment of
  its evidence sentence) or else the comment's;
- stories: only those usable for internal learning (`Story.objects.usable_for`), so a withdrawal takes a
  story out of every figure; a story linked to several services counts once, under the first;
- FFT: responses with an FFT answer, by the month they were given; answers to the 2013–2020 question ("How
  likely are you to recommend…") in columns of their own, never in the answer counts behind % positive;
- responses to stories and critical stories' follow-up (`dashboards.follow_up`): every story not withdrawn
  and with consent not withdrawn, shared or not, by organisation and month the story happened.

Which slices are stale comes from three places: `mark_stale` (called by services that know, e.g. a consent
change), `story_moving` (a story saved into another month or organisation: the slice it leaves), and a scan
for rows changed since the last refresh (new responses, newly tagged texts, tag decisions, edited stories,
stories' actions added, claimed or signed off), which also catches bulk imports that bypass model signals.
The scan looks back a little before its watermark (`WATERMARK_OVERLAP`) so that a row written by a
transaction that was still open at the last refresh is not missed.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import (
    CharField,
    Count,
    DateField,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, NullIf, TruncMonth
from django.utils import timezone

from feedback.metrics import FFT_FIELDS, RECOMMEND_FIELDS
from feedback.models import Comment, CommentTag, FFTAnswer, FFTRecommendAnswer, Response
from insight_hub.periods import month_start, next_month
from insight_hub.themes.models import TagDecision
from stories.models import Purpose, Story, StoryAction, StoryTag

from . import follow_up
from .models import (
    Characteristic,
    CommentMonthly,
    CriticalFollowUpMonthly,
    FFTEqualityMonthly,
    FFTMonthly,
    ResponseTimeMonthly,
    RollupStale,
    RollupState,
    Source,
    StoryQuote,
    ThemeEqualityMonthly,
    ThemeMonthly,
)

logger = logging.getLogger(__name__)

WATERMARK_OVERLAP = dt.timedelta(minutes=5)
# The embedded default's pass (after a response, no beat) runs at most this often, so each stale slice is
# refreshed at most once a minute however many pages are read.
REFRESH_EVERY = 60
# Any two refreshes take this lock so they never interleave deletes and inserts of one slice.
ADVISORY_LOCK_ID = 7_343_101


def _month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(month, dt.time.min, tzinfo=tz)
    return start, dt.datetime.combine(next_month(month), dt.time.min, tzinfo=tz)


def _month(field: str):
    return TruncMonth(field, output_field=DateField())


# --- The source queries: each returns a values() queryset whose columns are, in order, the columns of its
# roll-up table. `slice_filter` narrows them to one (organisation, month) for an incremental refresh.


def _comment_tags(organisation_id: int | None = None, month: dt.date | None = None) -> QuerySet:
    """Comment tags that count (not rejected by a person), narrowed to one slice when one is given."""
    qs = CommentTag.objects.exclude(decision=TagDecision.REJECTED)
    if organisation_id is not None:
        start, end = _month_bounds(month)
        qs = qs.filter(
            comment__organisation_id=organisation_id,
            comment__responded_at__gte=start,
            comment__responded_at__lt=end,
        )
    return qs


def _tag_sentiment(item: str):
    return Coalesce(
        NullIf(F("sentiment"), Value("")), F(f"{item}__sentiment"), Value(""), output_field=CharField()
    )


def theme_comment_rows(organisation_id: int | None = None, month: dt.date | None = None) -> QuerySet:
    qs = _comment_tags(organisation_id, month)
    return (
        qs.values(
            o=F("comment__organisation_id"),
            s=F("comment__service_id"),
            t=F("theme_id"),
            m=_month("comment__responded_at"),
            se=_tag_sentiment("comment"),
            src=Value(Source.COMMENT, output_field=CharField()),
        )
        .annotate(n=Count("pk"))
        .order_by()
    )


def _usable_stories() -> QuerySet:
    return Story.objects.usable_for(Purpose.INTERNAL_LEARNING)


def _story_tag_keys(organisation_id: int | None, month: dt.date | None, **extra) -> QuerySet:
    """Theme tags (not rejected) of usable stories, keyed as the theme roll-up counts them (organisation, a
    story's first service, theme, month, sentiment), plus `extra` columns; one (organisation, month) slice
    when an organisation is given."""
    stories = _usable_stories()
    if organisation_id is not None:
        stories = stories.filter(
            organisation_id=organisation_id, occurred_on__gte=month, occurred_on__lt=next_month(month)
        )
    first_service = (
        Story.services.through.objects.filter(story_id=OuterRef("story_id"))
        .values("story_id")
        .annotate(first=Min("service_id"))
        .values("first")
    )
    return (
        StoryTag.objects.exclude(decision=TagDecision.REJECTED)
        .filter(story__in=stories.values("pk"))
        .values(
            o=F("story__organisation_id"),
            s=Subquery(first_service, output_field=IntegerField()),
            t=F("theme_id"),
            m=_month("story__occurred_on"),
            se=_tag_sentiment("story"),
            **extra,
        )
    )


def theme_story_rows(organisation_id: int | None = None, month: dt.date | None = None) -> QuerySet:
    return (
        _story_tag_keys(organisation_id, month, src=Value(Source.STORY, output_field=CharField()))
        .annotate(n=Count("pk"))
        .order_by()
    )


def story_quote_rows(organisation_id: int | None = None, month: dt.date | None = None) -> QuerySet:
    """Every theme tag (not rejected) of a usable story, with what the story picker sorts and quotes by."""
    return _story_tag_keys(
        organisation_id,
        month,
        d=F("story__occurred_on"),
        st=F("story_id"),
        c=F("confidence"),
        es=F("evidence_start"),
        ee=F("evidence_end"),
    ).order_by()


def _fft_counts() -> dict:
    return {
        name: Count("pk", filter=Q(fft_score=answer.value))
        for name, answer in zip(FFT_FIELDS, FFTAnswer, strict=True)
    }


def _recommend_counts() -> dict:
    likely = [FFTRecommendAnswer.EXTREMELY_LIKELY, FFTRecommendAnswer.LIKELY]
    unlikely = [FFTRecommendAnswer.UNLIKELY, FFTRecommendAnswer.EXTREMELY_UNLIKELY]
    return {
        "recommend_total": Count("pk", filter=Q(fft_recommend__isnull=False)),
        "recommend_likely": Count("pk", filter=Q(fft_recommend__in=likely)),
        "recommend_unlikely": Count("pk", filter=Q(fft_recommend__in=unlikely)),
    }


def _responses(organisation_id: int | None, month: dt.date | None, *, old_question: bool = False) -> QuerySet:
    """Responses with an answer to the current FFT question, and with `old_question` to the 2013–2020 one."""
    answered = Q(fft_score__isnull=False) | Q(fft_recommend__isnull=False) if old_question else None
    qs = Response.objects.filter(answered) if answered else Response.objects.exclude(fft_score=None)
    if organisation_id is not None:
        start, end = _month_bounds(month)
        qs = qs.filter(organisation_id=organisation_id, responded_at__gte=start, responded_at__lt=end)
    return qs


def fft_rows(organisation_id: int | None = None, month: dt.date | None = None) -> QuerySet:
    return (
        _responses(organisation_id, month, old_question=True)
        .values(o=F("organisation_id"), s=F("service_id"), m=_month("responded_at"))
        .annotate(**_fft_counts(), **_recommend_counts())
        .order_by()
    )


def comment_rows(organisation_id: int | None = None, month: dt.date | None = None) -> QuerySet:
    """Survey comments per organisation, service and month: every comment, tagged or not."""
    qs = Comment.objects.all()
    if organisation_id is not None:
        start, end = _month_bounds(month)
        qs = qs.filter(organisation_id=organisation_id, responded_at__gte=start, responded_at__lt=end)
    return (
        qs.values(o=F("organisation_id"), s=F("service_id"), m=_month("responded_at"))
        .annotate(n=Count("pk"))
        .order_by()
    )


def fft_equality_rows(
    characteristic: str, organisation_id: int | None = None, month: dt.date | None = None
) -> QuerySet:
    return (
        _responses(organisation_id, month)
        .values(
            o=F("organisation_id"),
            m=_month("responded_at"),
            c=Value(characteristic, output_field=CharField()),
            g=F(characteristic),
        )
        .annotate(**_fft_counts())
        .order_by()
    )


def theme_equality_rows(
    characteristic: str, organisation_id: int | None = None, month: dt.date | None = None
) -> QuerySet:
    qs = _comment_tags(organisation_id, month)
    return (
        qs.values(
            o=F("comment__organisation_id"),
            m=_month("comment__responded_at"),
            c=Value(characteristic, output_field=CharField()),
            g=F(f"comment__response__{characteristic}"),
            t=F("theme_id"),
            se=_tag_sentiment("comment"),
        )
        .annotate(n=Count("pk"))
        .order_by()
    )


def _insert_select(model, columns: list[str], queryset: QuerySet) -> int:
    """INSERT INTO model's table (columns) SELECT <the queryset's columns, in order> FROM (queryset)."""
    sql, params = queryset.query.sql_with_params()
    aliases = list(queryset.query.values_select) + list(queryset.query.annotation_select)
    if len(aliases) != len(columns):  # pragma: no cover - a programming error, caught by the tests
        raise ValueError(f"{model.__name__}: {len(aliases)} selected columns for {len(columns)}")
    table = connection.ops.quote_name(model._meta.db_table)
    target = ", ".join(connection.ops.quote_name(c) for c in columns)
    source = ", ".join(connection.ops.quote_name(a) for a in aliases)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({target}) SELECT {source} FROM ({sql}) AS rows", params)  # noqa: S608
        return cursor.rowcount


THEME_COLUMNS = ["organisation_id", "service_id", "theme_id", "month", "sentiment", "source", "count"]
FFT_COLUMNS = ["organisation_id", "service_id", "month", *FFT_FIELDS, *RECOMMEND_FIELDS]
COMMENT_COLUMNS = ["organisation_id", "service_id", "month", "count"]
FFT_EQUALITY_COLUMNS = ["organisation_id", "month", "characteristic", "group", *FFT_FIELDS]
STORY_QUOTE_COLUMNS = [
    "organisation_id",
    "service_id",
    "theme_id",
    "month",
    "sentiment",
    "occurred_on",
    "story_id",
    "confidence",
    "evidence_start",
    "evidence_end",
]
CRITICAL_FOLLOW_UP_COLUMNS = [
    "organisation_id",
    "month",
    "critical",
    "with_response",
    "with_change_made",
    "with_both",
]
THEME_EQUALITY_COLUMNS = [
    "organisation_id",
    "month",
    "characteristic",
    "group",
    "theme_id",
    "sentiment",
    "count",
]


def _build(organisation_id: int | None, month: dt.date | None) -> dict[str, int]:
    counts = {
        "theme": _insert_select(ThemeMonthly, THEME_COLUMNS, theme_comment_rows(organisation_id, month))
        + _insert_select(ThemeMonthly, THEME_COLUMNS, theme_story_rows(organisation_id, month)),
        "fft": _insert_select(FFTMonthly, FFT_COLUMNS, fft_rows(organisation_id, month)),
        "comment": _insert_select(CommentMonthly, COMMENT_COLUMNS, comment_rows(organisation_id, month)),
        "fft_equality": 0,
        "theme_equality": 0,
        "story_quote": _insert_select(
            StoryQuote, STORY_QUOTE_COLUMNS, story_quote_rows(organisation_id, month)
        ),
        "critical_follow_up": _insert_select(
            CriticalFollowUpMonthly,
            CRITICAL_FOLLOW_UP_COLUMNS,
            follow_up.critical_rows(organisation_id, month),
        ),
        # Working days are counted on England's calendar in Python: the database groups the responses by
        # pair of days first, so a few thousand pairs pass, never the stories.
        "response_time": len(
            ResponseTimeMonthly.objects.bulk_create(
                follow_up.response_time_rows(organisation_id, month), batch_size=2000
            )
        ),
    }
    for characteristic in Characteristic.values:
        counts["fft_equality"] += _insert_select(
            FFTEqualityMonthly,
            FFT_EQUALITY_COLUMNS,
            fft_equality_rows(characteristic, organisation_id, month),
        )
        counts["theme_equality"] += _insert_select(
            ThemeEqualityMonthly,
            THEME_EQUALITY_COLUMNS,
            theme_equality_rows(characteristic, organisation_id, month),
        )
    return counts


ROLLUP_MODELS = (
    ThemeMonthly,
    FFTMonthly,
    FFTEqualityMonthly,
    ThemeEqualityMonthly,
    StoryQuote,
    CommentMonthly,
    CriticalFollowUpMonthly,
    ResponseTimeMonthly,
)


def _lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK_ID])


def refresh_slice(organisation_id: int, month: dt.date) -> dict[str, int]:
    """Recompute every roll-up for one organisation and month."""
    month = month_start(month)
    with transaction.atomic():
        _lock()
        for model in ROLLUP_MODELS:
            model.objects.filter(organisation_id=organisation_id, month=month).delete()
        return _build(organisation_id, month)


def rebuild_all() -> dict[str, float]:
    """Recompute every roll-up from scratch (nightly, and after a bulk re-tag)."""
    started = time.perf_counter()
    now = timezone.now()
    with transaction.atomic():
        _lock()
        for model in ROLLUP_MODELS:
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")  # noqa: S608
            else:
                model.objects.all().delete()
        counts = _build(None, None)
        RollupStale.objects.filter(marked_at__lte=now).delete()
        seconds = time.perf_counter() - started
        RollupState.objects.update_or_create(
            key="rollups",
            defaults={"watermark": now, "last_full_rebuild_at": now, "last_full_rebuild_seconds": seconds},
        )
    _vacuum()
    logger.info("roll-ups rebuilt in %.1f s: %s", seconds, counts)
    return {**counts, "seconds": seconds}


def _vacuum() -> None:
    """After a rebuild, mark the new rows all-visible and refresh the planner's statistics, so the dashboards'
    index-only scans work at once rather than after autovacuum's next visit. VACUUM cannot run inside a
    transaction: inside one (a test, or a caller's atomic block) it is left to autovacuum."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        for model in ROLLUP_MODELS:
            cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(model._meta.db_table)}")


def mark_stale(pairs: Iterable[tuple[int, dt.date]]) -> None:
    """Note (organisation id, any day in the month) slices to refresh on the next pass."""
    now = timezone.now()
    rows = {(org, month_start(day)) for org, day in pairs if org is not None and day is not None}
    RollupStale.objects.bulk_create(
        [RollupStale(organisation_id=org, month=month, marked_at=now) for org, month in rows],
        update_conflicts=True,
        unique_fields=["organisation", "month"],
        update_fields=["marked_at"],
    )


def story_moving(sender, instance, raw: bool = False, update_fields=None, **kwargs) -> None:
    """Before a story is saved (a `pre_save` receiver, `dashboards.apps`): when the month it happened or its
    organisation changes, mark the slice it leaves. The scan finds a changed story only where it is now, so
    without this the old month would go on counting it (its theme tags, quotes, critical and response
    figures) until the nightly rebuild."""
    if raw or instance.pk is None:
        return
    if update_fields is not None and not {"occurred_on", "organisation", "organisation_id"} & set(
        update_fields
    ):
        return
    old = Story.objects.filter(pk=instance.pk).values_list("organisation_id", "occurred_on").first()
    if old is None:
        return
    occurred_on = Story._meta.get_field("occurred_on").to_python(instance.occurred_on)
    if (
        old[0] != instance.organisation_id
        or occurred_on is None
        or month_start(old[1]) != month_start(occurred_on)
    ):
        mark_stale([old])


def _changed_since(since: dt.datetime) -> set[tuple[int, dt.date]]:
    """(organisation, month) slices whose source rows changed after `since`."""
    pairs: set[tuple[int, dt.date]] = set()

    def collect(qs: QuerySet, org: str, day: str) -> None:
        pairs.update(
            (row["o"], row["m"])
            for row in qs.values(o=F(org), m=_month(day)).distinct().order_by()
            if row["o"] is not None
        )

    collect(Response.objects.filter(created_at__gt=since), "organisation_id", "responded_at")
    collect(
        CommentTag.objects.filter(Q(created_at__gt=since) | Q(decided_at__gt=since)),
        "comment__organisation_id",
        "comment__responded_at",
    )
    collect(Comment.objects.filter(tagged_at__gt=since), "organisation_id", "responded_at")
    collect(
        Story.objects.filter(Q(updated_at__gt=since) | Q(tagged_at__gt=since)),
        "organisation_id",
        "occurred_on",
    )
    collect(
        StoryTag.objects.filter(Q(created_at__gt=since) | Q(decided_at__gt=since)),
        "story__organisation_id",
        "story__occurred_on",
    )
    # An action added, or its change claimed or signed off: the story's "change made" may have changed.
    collect(StoryAction.objects.filter(updated_at__gt=since), "story__organisation_id", "story__occurred_on")
    return {(org, month_start(m)) for org, m in pairs}


def refresh_stale() -> dict[str, int]:
    """Bring the roll-ups up to date: scan for changes since the watermark, then refresh each stale slice."""
    started = timezone.now()
    state, _ = RollupState.objects.get_or_create(key="rollups")
    if state.watermark is None:
        # Never built: build everything once rather than slice by slice.
        rebuild_all()
        return {"slices": 0, "rebuilt": 1}
    mark_stale(_changed_since(state.watermark - WATERMARK_OVERLAP))
    stale = list(
        RollupStale.objects.filter(marked_at__lte=timezone.now()).values_list(
            "pk", "organisation_id", "month", "marked_at"
        )
    )
    for pk, organisation_id, month, marked_at in stale:
        refresh_slice(organisation_id, month)
        # Marked again while we worked? Then leave it for the next pass.
        RollupStale.objects.filter(pk=pk, marked_at=marked_at).delete()
    RollupState.objects.filter(key="rollups").update(watermark=started)
    return {"slices": len(stale), "rebuilt": 0}


def refresh_stale_at_most_every_minute() -> dict[str, int] | None:
    """`refresh_stale`, unless a pass started in the last REFRESH_EVERY seconds (any process sharing the
    cache: Redis when set). Returns None when it did not run."""
    from django.core.cache import cache

    if not cache.add("dashboards:rollups:pass", timezone.now().isoformat(), REFRESH_EVERY):
        return None
    return refresh_stale()


def figures_as_of() -> dt.datetime | None:
    """When the roll-ups were last brought up to date (the watermark of the last pass), in local time."""
    state = RollupState.objects.filter(key="rollups").values_list("watermark", flat=True).first()
    return timezone.localtime(state) if state else None
