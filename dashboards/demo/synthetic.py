"""Synthetic data for one ICS at scale: FFT responses with comments, and stories, already tagged.

For the benchmarks and for trying the dashboards with a realistic volume. Seeded, so a given
(seed, responses, stories) gives the same data. The ICS is the demo's (Kent and Medway's eight trusts and
their services); everything synthetic is marked so it can be told apart and removed:
- responses have dedupe keys `synthetic:<seed>:<n>`,
- stories are imported with source "demo" and external ids `synthetic-<seed>-<n>`,
- tags carry the model version `synthetic`, with no text hash, so `manage.py retag --all` replaces them
  with the real tagger's (generating them with the tagger would take the tagger's time, not the data's).

What makes it realistic enough to exercise the product: each service has its own level of % positive, one
service per trust drifts (worse, or better) over the last eight months so the SPC charts have special
causes to show; comments follow their rating (praise under "what was good", criticism under "could
improve"), and criticism seldom carries the thanks theme; the themes people mention, and their words, fit
the setting (no Mental Health Act in A&E, no midwife in district nursing); demographics follow England's
broad mix, with some people not stating; a few stories raise safety concerns, some still awaiting a response.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone
from psycopg.types.json import Jsonb

from feedback.importers.writers import _copy_columns, _copy_sql, _take_ids
from feedback.models import Comment, CommentTag, Response, ResponseSource
from insight_hub.organisations.demo import demo_organisations_load
from insight_hub.organisations.models import Membership, Role, Service
from insight_hub.themes.models import TagDecision, TagOrigin, TagStatus, Theme
from stories.models import ImportSource, SafetyConcern, SourceChannel, Story, StoryStatus, StoryTag, Teller

from .synthetic_text import (
    AGE_MIX,
    BASE_WEIGHTS,
    CRITICISM_GRATITUDE,
    DISABILITY_MIX,
    ETHNIC_MIX,
    PHRASES,
    QUESTION_OF_SCORE,
    SAFETY_SENTENCES,
    SETTING_PHRASES,
    SETTING_WEIGHTS,
    SEX_MIX,
    STORY_OPENINGS,
    STORY_WHO,
)

MODEL_VERSION = "synthetic"
GRATITUDE = "Positive experience & gratitude"


@dataclass
class SyntheticResult:
    responses: int = 0
    comments: int = 0
    comment_tags: int = 0
    stories: int = 0
    story_tags: int = 0
    seconds: float = 0.0


def _pick(rng: random.Random, mix: list[tuple[str, int]]) -> str:
    return rng.choices([value for value, _ in mix], weights=[w for _, w in mix])[0]


class _Writer:
    """Rows into a table: COPY on PostgreSQL, bulk_create on SQLite. Ids are taken up front so children
    can name their parents before either is written."""

    def __init__(self, model, columns: tuple[str, ...]):
        self.model, self.columns = model, columns
        self.rows: list[tuple] = []
        self.postgres = connection.vendor == "postgresql"
        self.next_id = (
            None
            if self.postgres
            else (model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
        )

    def ids(self, count: int) -> list[int]:
        if self.postgres:
            with connection.cursor() as cursor:
                return _take_ids(cursor.cursor, self.model, count)
        first, self.next_id = self.next_id, self.next_id + count
        return list(range(first, first + count))

    def add(self, row: tuple) -> None:
        self.rows.append(row)

    def flush(self) -> None:
        if not self.rows:
            return
        if self.postgres:
            all_columns, defaults = _copy_columns(self.model, self.columns)
            pk = self.model._meta.pk.column
            if pk not in self.columns:  # the sequence numbers rows we need not name
                at = all_columns.index(pk) - len(self.columns)
                all_columns.remove(pk)
                defaults = defaults[:at] + defaults[at + 1 :]
            with (
                connection.cursor() as cursor,
                cursor.cursor.copy(_copy_sql(self.model, all_columns)) as copy,
            ):
                for row in self.rows:
                    copy.write_row((*(Jsonb(v) if isinstance(v, list | dict) else v for v in row), *defaults))
        else:
            fields = {f.column: f.attname for f in self.model._meta.concrete_fields}
            self.model.objects.bulk_create(
                [
                    self.model(**{fields[c]: v for c, v in zip(self.columns, row, strict=True)})
                    for row in self.rows
                ],
                batch_size=500,
            )
        self.rows.clear()


def _month_starts(today: dt.date, months: int) -> list[dt.date]:
    first = today.replace(day=1)
    out = []
    for _ in range(months):
        out.append(first)
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return out[::-1]


def _random_moment(rng: random.Random, month: dt.date, today: dt.date, tz) -> dt.datetime:
    last = min((month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1), today)
    day = month + dt.timedelta(days=rng.randrange((last - month).days + 1))
    return dt.datetime.combine(day, dt.time(rng.randrange(7, 22), rng.randrange(60)), tzinfo=tz)


@dataclass
class _ServicePlan:
    service: Service
    base_positive: float
    drift: float  # change in the chance of a positive answer over the last eight months
    weight: float
    theme_weights: list[float]  # by theme_names, for praise and for stories
    criticism_weights: list[float]  # the same for criticism
    phrases: dict[str, tuple[list[str], list[str]]]  # theme -> (praise, criticism) in the service's setting


def generate(
    *,
    responses: int,
    stories: int,
    seed: int = 2026,
    months: int = 24,
    comment_share: float = 0.4,
    chunk: int = 20_000,
    progress=None,
) -> SyntheticResult:
    """Add `responses` FFT responses and `stories` stories to the demo ICS. Rerunning with the same seed adds
    nothing twice: responses are keyed by seed and number, so an existing key stops the run."""
    started = time.perf_counter()
    rng = random.Random(seed)
    ics = demo_organisations_load()
    if Response.objects.filter(dedupe_key=f"synthetic:{seed}:0").exists():
        raise ValueError(f"synthetic data with seed {seed} is already loaded; choose another --seed")
    themes = {t.name: t for t in Theme.objects.filter(taxonomy__is_default=True, name__in=PHRASES)}
    theme_names = [name for name in PHRASES if name in themes]
    services = list(
        Service.objects.filter(organisation__ics=ics, active=True)
        .select_related("organisation")
        .order_by("pk")
    )
    plans = []
    for i, service in enumerate(services):
        weights = {**BASE_WEIGHTS, **SETTING_WEIGHTS.get(service.fft_setting, {})}
        criticism = {**weights, GRATITUDE: weights.get(GRATITUDE, 1) * CRITICISM_GRATITUDE}
        drift = 0.0
        if i % 4 == 0:
            drift = -0.12 if i % 8 == 0 else 0.06
        plans.append(
            _ServicePlan(
                service=service,
                base_positive=rng.uniform(0.78, 0.95),
                drift=drift,
                weight=6 if service.fft_setting in ("ae", "inpatient") else 3,
                theme_weights=[weights.get(name, 1) for name in theme_names],
                criticism_weights=[criticism.get(name, 1) for name in theme_names],
                phrases={**PHRASES, **SETTING_PHRASES.get(service.fft_setting, {})},
            )
        )
    today = timezone.localdate()
    month_list = _month_starts(today, months)
    tz = timezone.get_current_timezone()
    result = SyntheticResult()
    plan_weights = [p.weight for p in plans]

    def comment_for(plan: _ServicePlan, positive: bool) -> tuple[str, list[tuple[str, int, int, str]]]:
        n = 1 if rng.random() < 0.6 else 2
        parts, tags, offset = [], [], 0
        weights = plan.theme_weights if positive else plan.criticism_weights
        for name in dict.fromkeys(rng.choices(theme_names, weights=weights, k=n)):
            praise, criticism = plan.phrases[name]
            sentence = rng.choice(praise if positive else criticism)
            parts.append(sentence)
            tags.append((name, offset, offset + len(sentence), "positive" if positive else "negative"))
            offset += len(sentence) + 1
        return " ".join(parts), tags

    response_cols = (
        "id",
        "organisation_id",
        "service_id",
        "source",
        "dedupe_key",
        "responded_at",
        "fft_score",
        "ethnic_category",
        "age_band",
        "sex",
        "disability",
    )
    comment_cols = (
        "id",
        "response_id",
        "organisation_id",
        "service_id",
        "question_type",
        "text",
        "redacted_text",
        "responded_at",
        "tag_status",
        "tagged_model_version",
        "tagged_at",
        "sentiment",
        "sentiment_confidence",
        "theme_count",  # its tags below are all standing (suggested)
    )
    tag_cols = (
        "comment_id",
        "theme_id",
        "origin",
        "decision",
        "confidence",
        "evidence_start",
        "evidence_end",
        "sentiment",
        "model_version",
    )
    now = timezone.now()
    done = 0
    while done < responses:
        size = min(chunk, responses - done)
        with transaction.atomic():
            rw, cw, tw = (
                _Writer(Response, response_cols),
                _Writer(Comment, comment_cols),
                _Writer(CommentTag, tag_cols),
            )
            response_ids = rw.ids(size)
            pending_comments = []
            for k, response_id in enumerate(response_ids):
                n = done + k
                plan = rng.choices(plans, weights=plan_weights)[0]
                m = rng.randrange(len(month_list))
                month = month_list[m]
                p = plan.base_positive + (plan.drift if m >= len(month_list) - 8 else 0.0)
                roll = rng.random()
                if roll < p:
                    score = 1 if rng.random() < 0.7 else 2
                elif roll < p + (1 - p) * 0.35:
                    score = rng.choice((3, 6))
                else:
                    score = 4 if rng.random() < 0.5 else 5
                moment = _random_moment(rng, month, today, tz)
                svc = plan.service
                rw.add(
                    (
                        response_id,
                        svc.organisation_id,
                        svc.pk,
                        ResponseSource.IMPORT,
                        f"synthetic:{seed}:{n}",
                        moment,
                        score,
                        _pick(rng, ETHNIC_MIX),
                        _pick(rng, AGE_MIX),
                        _pick(rng, SEX_MIX),
                        _pick(rng, DISABILITY_MIX),
                    )
                )
                if score != 6 and rng.random() < comment_share:
                    pending_comments.append((response_id, plan, score, moment))
            comment_ids = cw.ids(len(pending_comments))
            for comment_id, (response_id, plan, score, moment) in zip(
                comment_ids, pending_comments, strict=True
            ):
                positive = score <= 2 or (score == 3 and rng.random() < 0.5)
                text, tags = comment_for(plan, positive)
                sentiment = "positive" if positive else "negative"
                svc = plan.service
                cw.add(
                    (
                        comment_id,
                        response_id,
                        svc.organisation_id,
                        svc.pk,
                        QUESTION_OF_SCORE[score],
                        text,
                        text,
                        moment,
                        TagStatus.TAGGED,
                        MODEL_VERSION,
                        now,
                        sentiment,
                        0.9,
                        len(tags),
                    )
                )
                for name, start, end, tag_sentiment in tags:
                    tw.add(
                        (
                            comment_id,
                            themes[name].pk,
                            TagOrigin.MODEL,
                            TagDecision.SUGGESTED,
                            round(rng.uniform(0.45, 0.99), 3),
                            start,
                            end,
                            tag_sentiment,
                            MODEL_VERSION,
                        )
                    )
                    result.comment_tags += 1
            rw.flush()
            cw.flush()
            tw.flush()
        result.responses += size
        result.comments += len(pending_comments)
        done += size
        if progress:
            progress(f"{done:,} of {responses:,} responses")
    _stories(rng, ics, plans, themes, theme_names, month_list, today, stories, seed, result)
    result.seconds = time.perf_counter() - started
    return result


def _stories(rng, ics, plans, themes, theme_names, month_list, today, count, seed, result) -> None:
    if not count:
        return
    px_leads = dict(
        Membership.objects.filter(role=Role.PX_LEAD, organisation__ics=ics).values_list(
            "organisation_id", "user_id"
        )
    )
    story_cols = (
        "id",
        "organisation_id",
        "title",
        "narrative",
        "teller",
        "occurred_on",
        "occurred_precision",
        "source_channel",
        "ethnic_category",
        "age_band",
        "sex",
        "disability",
        "status",
        "logged_by_id",
        "redacted_title",
        "redacted_narrative",
        "redaction_version",
        "consent_internal_learning",
        "consent_board_quote",
        "consent_publication",
        "consent_recorded_at",
        "consent_withdrawn_on",
        "safety_concern",
        "safety_flag_source",
        "safety_flagged_at",
        "safety_closed_at",
        "safety_response",
        "import_source",
        "external_id",
        "tag_status",
        "tagged_model_version",
        "tagged_at",
        "sentiment",
        "safety_signals",
    )
    tag_cols = (
        "story_id",
        "theme_id",
        "origin",
        "decision",
        "confidence",
        "evidence_start",
        "evidence_end",
        "sentiment",
        "model_version",
    )
    now = timezone.now()
    done = 0
    while done < count:
        size = min(5_000, count - done)
        with transaction.atomic():
            sw, tw = _Writer(Story, story_cols), _Writer(StoryTag, tag_cols)
            links = _Writer(Story.services.through, ("story_id", "service_id"))
            for story_id in sw.ids(size):
                n = done
                done += 1
                plan = rng.choice(plans)
                svc = plan.service
                month = rng.choice(month_list)
                occurred = month + dt.timedelta(days=rng.randrange(28))
                occurred = min(occurred, today)
                critical = rng.random() < 0.2
                positive_share = 0.25 if critical else 0.6
                sentences = [rng.choice(STORY_OPENINGS).format(who=rng.choice(STORY_WHO))]
                tags, offset = [], len(sentences[0]) + 1
                picked = dict.fromkeys(
                    rng.choices(theme_names, weights=plan.theme_weights, k=rng.randint(2, 4))
                )
                polarity = []
                for name in picked:
                    positive = rng.random() < positive_share
                    polarity.append(positive)
                    sentence = rng.choice(plan.phrases[name][0 if positive else 1])
                    tags.append(
                        (name, offset, offset + len(sentence), "positive" if positive else "negative")
                    )
                    sentences.append(sentence)
                    offset += len(sentence) + 1
                concern = ""
                if critical and rng.random() < 0.5:
                    sentences.append(rng.choice(SAFETY_SENTENCES))
                    concern = SafetyConcern.SAFETY
                narrative = " ".join(sentences)
                share = sum(polarity) / len(polarity)
                sentiment = "positive" if share > 0.6 else "negative" if share < 0.4 else "neutral"
                title = f"{svc.name}: " + (
                    "a good experience"
                    if sentiment == "positive"
                    else "what went wrong"
                    if sentiment == "negative"
                    else "mixed experience"
                )
                roll = rng.random()
                status = StoryStatus.SHARED if roll < 0.85 else StoryStatus.SUBMITTED
                withdrawn = today if rng.random() < 0.02 else None
                flagged_at = dt.datetime.combine(
                    occurred, dt.time(12), tzinfo=timezone.get_current_timezone()
                )
                closed = concern and rng.random() < 0.7
                sw.add(
                    (
                        story_id,
                        svc.organisation_id,
                        title,
                        narrative,
                        rng.choice(Teller.values),
                        occurred,
                        "day",
                        rng.choice(SourceChannel.values),
                        _pick(rng, ETHNIC_MIX),
                        _pick(rng, AGE_MIX),
                        _pick(rng, SEX_MIX),
                        _pick(rng, DISABILITY_MIX),
                        status,
                        px_leads.get(svc.organisation_id),
                        title,
                        narrative,
                        MODEL_VERSION,
                        True,
                        rng.random() < 0.7,
                        rng.random() < 0.2,
                        now,
                        withdrawn,
                        concern,
                        "tagger" if concern else "",
                        flagged_at if concern else None,
                        flagged_at + dt.timedelta(days=3) if closed else None,
                        "We have met the family and reviewed the care." if closed else "",
                        ImportSource.DEMO,
                        f"synthetic-{seed}-{n}",
                        TagStatus.TAGGED,
                        MODEL_VERSION,
                        now,
                        sentiment,
                        ["harm"] if concern else [],
                    )
                )
                links.add((story_id, svc.pk))
                narrative_offset = len(title) + 2  # the tagger reads "title\n\nnarrative"
                for name, start, end, tag_sentiment in tags:
                    tw.add(
                        (
                            story_id,
                            themes[name].pk,
                            TagOrigin.MODEL,
                            TagDecision.SUGGESTED,
                            round(rng.uniform(0.45, 0.99), 3),
                            narrative_offset + start,
                            narrative_offset + end,
                            tag_sentiment,
                            MODEL_VERSION,
                        )
                    )
                    result.story_tags += 1
            sw.flush()
            tw.flush()
            links.flush()
        result.stories += size
