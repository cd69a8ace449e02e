"""Emerging themes for an ICS: run discovery over its texts, and people's decisions on the candidates.

Reads and writes both live here (one small feature). Permission checks are the views'; these record each
decision (`CandidateDecision`) and do it.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, time

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from insight_hub.organisations.permissions import scope_for
from insight_hub.periods import add_months, month_value, this_month
from insight_hub.retry import delay_on_commit
from insight_hub.themes.ml import LocalTheme, load_tagger
from insight_hub.themes.ml.discovery import DiscoveryText, discover

from . import registry
from .models import CandidateDecision, CandidateStatus, CandidateTheme, Dimension, TagStatus, Theme
from .services import _send, local_theme_create

logger = logging.getLogger(__name__)

# Discovery reads the texts people gave in the six whole months before the current one and in the current
# month so far, by each kind's `Taggable.given_on_path` (when the comment was given, when the story happened),
# not by when the hub saved them: history imported today keeps its months. The trend counts them by that
# month (local time), the six whole months always shown, with 0 where none.
DISCOVERY_MONTHS = 6
# The annotation carrying an item's "given on" value, read in the same query as the item.
GIVEN = "discovery_given_on"
# At most this many texts of each kind (the most recent): discovery holds its texts and sentences in memory.
MAX_TEXTS = 50_000
CHUNK = 1000
EXAMPLE_CHARS = 300
LOCAL_CATEGORY = "Local themes"


def _shared_items(taggable, ics_id: int) -> QuerySet:
    items = taggable.model.objects.filter(**{taggable.ics_path: ics_id})
    return taggable.shared(items) if taggable.shared else items


def window_start(now: datetime) -> datetime:
    """The first moment (local time) of the sixth whole month before `now`'s month."""
    first = add_months(this_month(timezone.localdate(now)), -DISCOVERY_MONTHS)
    return timezone.make_aware(datetime.combine(first, time.min))


def _given_path(taggable) -> str:
    # A kind that registers no "given on" date falls back to when the hub saved its text.
    return taggable.given_on_path or "text_changed_at"


def _discovery_texts(ics_id: int, since, until) -> tuple[list[DiscoveryText], dict[str, str]]:
    texts, by_key = [], {}
    for taggable in registry.all_taggables():
        path = _given_path(taggable)
        # A date field compares with the local date of `since` and `until` (Django converts them); the most
        # recently given first, so that the cap keeps the latest.
        items = _shared_items(taggable, ics_id).filter(**{f"{path}__gte": since, f"{path}__lte": until})
        items = items.annotate(**{GIVEN: F(path)}).order_by(f"-{GIVEN}", "-pk")[:MAX_TEXTS]
        batch = []
        for item in items.iterator(chunk_size=CHUNK):
            batch.append(item)
            if len(batch) == CHUNK:
                _add_texts(taggable, batch, texts, by_key)
                batch = []
        _add_texts(taggable, batch, texts, by_key)
    return texts, by_key


def _add_texts(taggable, items, texts: list, by_key: dict) -> None:
    if not items:
        return
    if taggable.prepare:
        taggable.prepare(items)
    for item in items:
        text = item.taggable_text()
        if not text.strip():
            continue
        key = f"{taggable.label}:{item.pk}"
        by_key[key] = text
        given = getattr(item, GIVEN)
        if isinstance(given, datetime):
            given = timezone.localtime(given)
        month = given.strftime("%Y-%m") if given else ""
        texts.append(DiscoveryText(key, text, item.taggable_question_type(), month))


def _local_themes(ics_id: int) -> list[LocalTheme]:
    return [
        LocalTheme(code=f"local:{t.pk}", phrases=t.phrases, patterns=t.patterns)
        for t in Theme.objects.filter(ics_id=ics_id, active=True)
    ]


def themes_discover(*, ics, now=None, tagger=None) -> list[CandidateTheme]:
    """Replace the ICS's open candidates with this run's. Words of dismissed candidates are not offered
    again; accepted ones are local themes now, which account for their words."""
    now = now or timezone.now()
    since = window_start(now)
    texts, by_key = _discovery_texts(ics.pk, since, now)
    whole_months = {month_value(add_months(since.date(), i)): 0 for i in range(DISCOVERY_MONTHS)}
    dismissed = CandidateTheme.objects.filter(ics=ics, status=CandidateStatus.DISMISSED)
    known = [word for phrases in dismissed.values_list("phrases", flat=True) for word in phrases]
    found = discover(tagger or load_tagger(), texts, local_themes=_local_themes(ics.pk), known_words=known)
    rows = [
        CandidateTheme(
            ics=ics,
            found_at=now,
            name=candidate.name,
            suggested_name=candidate.name,
            phrases=candidate.phrases,
            patterns=candidate.patterns,
            size=candidate.size,
            trend=dict(sorted((whole_months | candidate.trend).items())),
            examples=[
                {
                    "label": ref.key.rsplit(":", 1)[0],
                    "id": int(ref.key.rsplit(":", 1)[1]),
                    "text": by_key[ref.key][ref.start : ref.end][:EXAMPLE_CHARS],
                }
                for ref in candidate.examples
            ],
        )
        for candidate in found
    ]
    with transaction.atomic():
        # Open candidates nobody has touched give way to this run's; a renamed or merged one is kept.
        CandidateTheme.objects.filter(ics=ics, status=CandidateStatus.OPEN, decisions__isnull=True).delete()
        created = CandidateTheme.objects.bulk_create(rows)
    logger.info("emerging themes for ICS %s: %d candidates from %d texts", ics.pk, len(created), len(texts))
    return created


# -- reads --------------------------------------------------------------------------------------------


def may_review_candidates(user) -> bool:
    """ICB quality leads decide on emerging themes for their ICS (a local theme is the ICS's)."""
    return bool(scope_for(user).icb_lead_ics_ids)


def candidates_for(user) -> QuerySet[CandidateTheme]:
    """Candidates of the ICSs the person leads as ICB lead; nothing for anyone else."""
    return CandidateTheme.objects.filter(ics_id__in=scope_for(user).icb_lead_ics_ids).select_related(
        "ics", "theme", "merged_into"
    )


# -- decisions ----------------------------------------------------------------------------------------


def _decide(candidate: CandidateTheme, *, user, action: str, **detail) -> None:
    CandidateDecision.objects.create(candidate=candidate, user=user, action=action, detail=detail)


def _open_or_error(candidate: CandidateTheme) -> None:
    if candidate.status != CandidateStatus.OPEN:
        raise ValidationError(
            {"candidate": f"This candidate was already {candidate.get_status_display().lower()}."}
        )


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": "Give the theme a name."})
    if len(name) > 120:
        raise ValidationError({"name": "A theme name has at most 120 characters."})
    return name


@transaction.atomic
def candidate_rename(*, user, candidate: CandidateTheme, name: str) -> CandidateTheme:
    _open_or_error(candidate)
    old, candidate.name = candidate.name, _clean_name(name)
    candidate.save(update_fields=["name"])
    _decide(candidate, user=user, action="rename", old=old, name=candidate.name)
    return candidate


@transaction.atomic
def candidate_dismiss(*, user, candidate: CandidateTheme) -> CandidateTheme:
    _open_or_error(candidate)
    candidate.status = CandidateStatus.DISMISSED
    candidate.save(update_fields=["status"])
    _decide(candidate, user=user, action="dismiss")
    return candidate


@transaction.atomic
def candidate_merge(*, user, candidate: CandidateTheme, into: CandidateTheme) -> CandidateTheme:
    """Fold `candidate` into `into` (both open, same ICS): phrases, patterns, examples and size join."""
    _open_or_error(candidate)
    if into.pk == candidate.pk or into.ics_id != candidate.ics_id or into.status != CandidateStatus.OPEN:
        raise ValidationError({"into": "Choose another open candidate of the same ICS to merge into."})
    into.phrases = list(dict.fromkeys(into.phrases + candidate.phrases))
    into.patterns = list(dict.fromkeys(into.patterns + candidate.patterns))
    into.examples = (into.examples + candidate.examples)[:10]
    into.size += candidate.size  # an upper bound: a text may be in both
    into.trend = {
        month: into.trend.get(month, 0) + candidate.trend.get(month, 0)
        for month in sorted(set(into.trend) | set(candidate.trend))
    }
    into.save(update_fields=["phrases", "patterns", "examples", "size", "trend"])
    candidate.status, candidate.merged_into = CandidateStatus.MERGED, into
    candidate.save(update_fields=["status", "merged_into"])
    _decide(candidate, user=user, action="merge", into=into.pk)
    _decide(into, user=user, action="merge", merged=candidate.pk, name=candidate.name)
    return into


@transaction.atomic
def candidate_accept(*, user, candidate: CandidateTheme, name: str | None = None) -> Theme:
    """Make the candidate a local theme of its ICS (its phrases and patterns), then re-tag in the background
    the texts it may match: tagging skips a text whose hash and model version are unchanged, so those are
    marked for re-tagging."""
    _open_or_error(candidate)
    name = _clean_name(name or candidate.name)
    if Theme.objects.filter(ics_id=candidate.ics_id, name=name).exists():
        raise ValidationError({"name": f"The ICS already has a local theme called {name!r}."})
    theme = local_theme_create(
        ics=candidate.ics,
        name=name,
        category=LOCAL_CATEGORY,
        dimension=Dimension.EXPERIENCE,
        phrases=candidate.phrases,
        patterns=candidate.patterns,
        description=f"Emerging theme accepted from discovery on {candidate.found_at:%d %B %Y}.",
    )
    candidate.status, candidate.theme, candidate.name = CandidateStatus.ACCEPTED, theme, name
    candidate.save(update_fields=["status", "theme", "name"])
    _decide(candidate, user=user, action="accept", theme=theme.pk, name=name)
    from .tasks import retag_local_theme

    delay_on_commit(retag_local_theme, theme.pk)
    return theme


def _matcher(theme: Theme):
    parts = [rf"\b{re.escape(phrase)}\b" for phrase in theme.phrases if phrase.strip()]
    parts += [f"(?:{pattern})" for pattern in theme.patterns]
    return re.compile("|".join(parts), re.IGNORECASE) if parts else None


def local_theme_retag(*, theme_id: int) -> dict[str, int]:
    """Queue a re-tag of the ICS's texts the local theme may match (any of its phrases or patterns), so the
    theme appears on them; how many, by model label. Every text of the ICS is read, in chunks."""
    theme = Theme.objects.filter(pk=theme_id, ics__isnull=False).first()
    matcher = _matcher(theme) if theme else None
    if matcher is None:
        return {}
    queued = {}
    for taggable in registry.all_taggables():
        items = taggable.model.objects.filter(**{taggable.ics_path: theme.ics_id}).order_by("pk")
        ids, batch = [], []
        for item in items.iterator(chunk_size=CHUNK):
            batch.append(item)
            if len(batch) == CHUNK:
                ids += _matching(taggable, batch, matcher)
                batch = []
        ids += _matching(taggable, batch, matcher)
        # Only texts already tagged need the nudge; untagged ones will meet the theme when they are tagged.
        taggable.model.objects.filter(pk__in=ids, tag_status=TagStatus.TAGGED).update(tagged_text_hash="")
        _send(taggable.label, ids)
        queued[taggable.label] = len(ids)
    logger.info("local theme %s: re-tag queued for %s", theme_id, queued)
    return queued


def _matching(taggable, items, matcher) -> list[int]:
    if not items:
        return []
    if taggable.prepare:
        taggable.prepare(items)
    return [item.pk for item in items if matcher.search(item.taggable_text())]
