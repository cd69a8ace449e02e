"""Writes for themes: loading the taxonomy, tagging items, queueing and sweeping, human review."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone

from insight_hub.bulk import bulk_insert, bulk_update_fields
from insight_hub.privacy import audit
from insight_hub.privacy.models import AuditAction
from insight_hub.retry import send_on_commit
from insight_hub.themes.ml import LocalTheme, TagInput, load_tagger

from . import registry
from .models import (
    TagAudit,
    TagDecision,
    TaggingClaim,
    TagOrigin,
    TagStatus,
    Taxonomy,
    Theme,
    text_hash,
)
from .taxonomy import QDC_NAME, QDC_VERSION, qdc_themes

logger = logging.getLogger(__name__)

TAG_CHUNK = 500


@transaction.atomic
def taxonomy_load_default() -> Taxonomy:
    """Load the QDC framework v7 as the default taxonomy (a migration does it too); idempotent."""
    taxonomy, _ = Taxonomy.objects.get_or_create(name=QDC_NAME, version=QDC_VERSION)
    if not taxonomy.is_default:
        Taxonomy.objects.filter(is_default=True).exclude(pk=taxonomy.pk).update(is_default=False)
        taxonomy.is_default = True
        taxonomy.save(update_fields=["is_default"])
    for theme in qdc_themes():
        Theme.objects.update_or_create(taxonomy=taxonomy, ics=None, name=theme.pop("name"), defaults=theme)
    return taxonomy


def local_theme_create(
    *,
    ics,
    name: str,
    category: str,
    dimension: str,
    phrases: list[str],
    patterns: list[str],
    description: str = "",
) -> Theme:
    theme = Theme(
        taxonomy=Taxonomy.objects.get(is_default=True),
        ics=ics,
        name=name,
        category=category,
        dimension=dimension,
        phrases=phrases,
        patterns=patterns,
        description=description,
    )
    theme.full_clean()
    theme.save()
    return theme


def _local_themes_by_ics(ics_ids: set[int]) -> dict[int, list[LocalTheme]]:
    by_ics: dict[int, list] = {}
    for theme in Theme.objects.filter(ics_id__in=ics_ids, active=True):
        by_ics.setdefault(theme.ics_id, []).append(
            LocalTheme(code=f"local:{theme.pk}", phrases=theme.phrases, patterns=theme.patterns)
        )
    return by_ics


def _themes_by_label(taxonomy_themes) -> dict[str, Theme]:
    by_label = {theme.name: theme for theme in taxonomy_themes if theme.ics_id is None}
    by_label.update({f"local:{theme.pk}": theme for theme in taxonomy_themes if theme.ics_id is not None})
    return by_label


def items_tag(*, label: str, ids: list[int], tagger=None) -> dict[str, int]:
    """Tag a batch of items: model suggestions are replaced, people's decisions stand.

    Idempotent: an item whose (text hash, model version) is unchanged since it was tagged is skipped, so a
    redelivered task (a worker killed mid-batch) tags nothing twice. A text that makes the tagger raise is
    marked failed with its error and the rest of the batch goes on.
    """
    tagger = tagger or load_tagger()
    taggable = registry.get(label)
    counts = {"tagged": 0, "skipped": 0, "failed": 0, "missing": 0}
    items = taggable.model.objects.filter(pk__in=ids).annotate(hub_ics_id=F(taggable.ics_path))
    if taggable.rating_path:
        items = items.annotate(hub_rating=F(taggable.rating_path))
    items = list(items)
    counts["missing"] = len(set(ids) - {item.pk for item in items})
    if counts["missing"]:
        logger.info("tagging %s: %d ids no longer exist", label, counts["missing"])
    if taggable.prepare:
        taggable.prepare(items)
    digests = {item.pk: text_hash(item.taggable_text()) for item in items}
    todo = [item for item in items if not _is_current(item, digests[item.pk], tagger.version)]
    counts["skipped"] = len(items) - len(todo)
    if not todo:
        return counts
    local = _local_themes_by_ics({item.hub_ics_id for item in todo if item.hub_ics_id})
    results, failures = {}, {}
    for ics_id, group in _group_by(todo, lambda item: item.hub_ics_id).items():
        results.update(_tag_group(tagger, group, local.get(ics_id, []), failures))
    for item_id, error in failures.items():
        logger.warning("tagging %s %s failed: %s", label, item_id, error.split(":", 1)[0])
        taggable.model.objects.filter(pk=item_id).update(tag_status=TagStatus.FAILED, tag_error=error[:2000])
    counts["failed"] = len(failures)
    tagged_digests = {pk: digest for pk, digest in digests.items() if pk in results}
    saved = _items_save_tags(
        taggable, tagged_digests, results, _themes_by_label(Theme.objects.filter(active=True)), tagger.version
    )
    counts["tagged"] = saved
    counts["skipped"] += len(results) - saved
    return counts


# Reasons a worker death leaves on a text (`tag_error`), shown to people and administrators.
WORKER_DIED_RETRY = (
    "WorkerLostError: the worker process died while tagging this text on its own (killed, or out of "
    "memory); it will be tried again on its own in a few minutes."
)
WORKER_DIED_FOR_GOOD = (
    "WorkerLostError: the worker process died each time it tagged this text on its own ({deaths} times; "
    "killed, or out of memory); it is not tried again automatically. Re-tag it once the cause is fixed."
)


def tagging_start(*, label: str, ids: list[int], holder: str) -> list[int]:
    """Claim `ids` for `holder` (a task delivery: "<task id>/<retries>") before tagging them.

    A redelivered task (its worker died) finds its own claims still there: those texts were being tagged
    when the worker died. Each counts one death (one more death alone when the batch was that text alone),
    nothing is claimed, and their ids are returned for the caller to split the batch or give up on the
    text. Texts the dead worker had only prefetched were never claimed, so a death is counted per text that
    was in the worker's hands, never per batch that came back."""
    ids = list(dict.fromkeys(ids))
    with transaction.atomic():
        claims = TaggingClaim.objects.filter(item_label=label, item_id__in=ids)
        died = list(claims.filter(holder=holder).values_list("item_id", flat=True))
        if died:
            alone = 1 if len(ids) == 1 else 0
            claims.filter(item_id__in=died).update(
                holder="",
                deaths=F("deaths") + 1,
                deaths_alone=F("deaths_alone") + alone,
                last_death_at=timezone.now(),
            )
            return died
        TaggingClaim.objects.bulk_create(
            [TaggingClaim(item_label=label, item_id=item_id, holder=holder) for item_id in ids],
            update_conflicts=True,
            unique_fields=["item_label", "item_id"],
            update_fields=["holder"],
        )
    return []


def tagging_finish(*, holder: str) -> None:
    """Drop a delivery's claims once its batch is written: the texts are tagged (or failed with the
    tagger's own error), and a crash history they had is over."""
    TaggingClaim.objects.filter(holder=holder).delete()


def tagging_died_alone(*, label: str, item_id: int) -> bool:
    """A worker died while tagging this text alone. The first time it is marked failed and the sweep tries it
    again on its own a little later (the death may have been a deploy or another process's memory); the
    second time it is failed for good, with the reason. Returns whether a retry is planned."""
    with transaction.atomic():
        claim = TaggingClaim.objects.select_for_update().get(item_label=label, item_id=item_id)
        if claim.deaths_alone < 2:
            claim.retry_at = timezone.now() + timedelta(seconds=settings.TAGGING_SWEEP_AFTER_SECONDS)
            error = WORKER_DIED_RETRY
        else:
            claim.retry_at = None
            error = WORKER_DIED_FOR_GOOD.format(deaths=claim.deaths_alone)
        claim.save(update_fields=["retry_at"])
        items_mark_failed(label=label, ids=[item_id], error=error)
    return claim.retry_at is not None


def crash_retries_queue() -> int:
    """Queue, each alone, the texts failed by a worker death whose retry is due (see `tagging_died_alone`).
    The next retry is pushed back first (compare-and-set, so two sweeps never queue one text twice), so a
    signal lost with the broker is sent again later rather than every minute."""
    now = timezone.now()
    later = now + timedelta(seconds=settings.TAGGING_SWEEP_AFTER_SECONDS)
    queued = 0
    for claim in TaggingClaim.objects.filter(retry_at__lte=now).order_by("retry_at")[:TAG_CHUNK]:
        if TaggingClaim.objects.filter(pk=claim.pk, retry_at=claim.retry_at).update(retry_at=later):
            _send(claim.item_label, [claim.item_id])
            queued += 1
    if queued:
        logger.info("tagging: %d texts a worker died on queued again, each alone", queued)
    return queued


def items_mark_failed(*, label: str, ids: list[int], error: str) -> int:
    """Mark items failed with the reason, untagged: the sweep leaves them alone and people see why. An item
    tagged meanwhile stays tagged. Returns how many were marked."""
    taggable = registry.get(label)
    return (
        taggable.model.objects.filter(pk__in=ids)
        .exclude(tag_status=TagStatus.TAGGED)
        .update(tag_status=TagStatus.FAILED, tag_error=error[:2000])
    )


def _group_by(items, key) -> dict:
    groups: dict = {}
    for item in items:
        groups.setdefault(key(item), []).append(item)
    return groups


def _tag_group(tagger, group, local_themes, failures: dict[int, str]) -> dict[int, object]:
    """Tag a group in one call; if the call raises, tag one by one to find the poison text."""

    def inputs(items):
        return [
            TagInput(
                text=item.taggable_text(),
                question_type=item.taggable_question_type(),
                kind=item.taggable_kind(),
                rating=getattr(item, "hub_rating", None),
            )
            for item in items
        ]

    try:
        return dict(
            zip(
                [item.pk for item in group], tagger.tag(inputs(group), local_themes=local_themes), strict=True
            )
        )
    except Exception:  # noqa: BLE001 - isolate the failing text below; the batch must go on
        results = {}
        for item in group:
            try:
                [results[item.pk]] = tagger.tag(inputs([item]), local_themes=local_themes)
            except Exception as exc:  # noqa: BLE001 - a poison text is recorded with its error
                failures[item.pk] = f"{exc.__class__.__name__}: {exc}"
        return results


def _is_current(item, digest: str, model_version: str) -> bool:
    return (
        item.tag_status == TagStatus.TAGGED
        and item.tagged_text_hash == digest
        and item.tagged_model_version == model_version
    )


@transaction.atomic
def _items_save_tags(
    taggable, texts: dict[int, str], results: dict, themes: dict[str, Theme], model_version: str
) -> int:
    """Write a batch's tags under row locks, in a few queries. `texts` maps each tagged item to the hash of
    the text it was tagged on. Returns how many items were written; an item whose text changed meanwhile, or
    that another worker already tagged, is left alone."""
    locked = {
        row.pk: row
        for row in taggable.model.objects.select_for_update().filter(pk__in=list(texts)).order_by("pk")
    }
    # A changed text will be tagged by the task its change queued; an already current one needs nothing.
    writable = [
        row
        for pk, row in locked.items()
        if text_hash(row.taggable_text()) == texts[pk] and not _is_current(row, texts[pk], model_version)
    ]
    if not writable:
        return 0
    tags = taggable.tag_model.objects.filter(**{f"{taggable.item_field}__in": writable})
    human = set(
        tags.exclude(decision=TagDecision.SUGGESTED).values_list(f"{taggable.item_field}_id", "theme_id")
    )
    tags.filter(decision=TagDecision.SUGGESTED, origin=TagOrigin.MODEL).delete()
    now = timezone.now()
    new_tags = []
    for row in writable:
        result = results[row.pk]
        for tag in result.themes:
            theme = themes.get(tag.label)
            if theme is None or (row.pk, theme.pk) in human:
                continue
            new_tags.append(
                taggable.tag_model(
                    **{taggable.item_field: row},
                    theme=theme,
                    confidence=round(tag.confidence, 4),
                    evidence_start=tag.start,
                    evidence_end=tag.end,
                    sentiment=_sentence_sentiment(result, tag),
                    model_version=model_version,
                )
            )
        row.tag_status = TagStatus.TAGGED
        row.tagged_text_hash = texts[row.pk]
        row.tagged_model_version = model_version
        row.tagged_at = now
        row.tag_error = ""
        row.sentiment = result.sentiment
        row.sentiment_confidence = round(result.sentiment_confidence, 4)
        row.sentiment_evidence = [
            {"start": e.start, "end": e.end, "sentiment": e.sentiment} for e in result.sentiment_evidence
        ]
        row.safety_signals = [{"kind": s.kind, "start": s.start, "end": s.end} for s in result.safety]
    bulk_insert(taggable.tag_model, new_tags)
    count_fields = []
    if taggable.tag_count_field:
        # Recounted from the tags now written (people's decisions included), in the same row update.
        counts = _standing_counts(taggable, [row.pk for row in writable])
        for row in writable:
            setattr(row, taggable.tag_count_field, counts.get(row.pk, 0))
        count_fields = [taggable.tag_count_field]
    bulk_update_fields(
        taggable.model,
        writable,
        [
            *count_fields,
            "tag_status",
            "tagged_text_hash",
            "tagged_model_version",
            "tagged_at",
            "tag_error",
            "sentiment",
            "sentiment_confidence",
            "sentiment_evidence",
            "safety_signals",
        ],
    )
    if taggable.after_tag:
        for row in writable:
            taggable.after_tag(row)
    return len(writable)


def _standing_counts(taggable, ids: list[int]) -> dict[int, int]:
    """Standing tags (suggested or confirmed, not rejected) per item, in one grouped query over their tags."""
    item_id = f"{taggable.item_field}_id"
    return dict(
        taggable.tag_model.objects.filter(**{f"{item_id}__in": ids})
        .exclude(decision=TagDecision.REJECTED)
        .order_by()
        .values(item_id)
        .annotate(n=Count("pk"))
        .values_list(item_id, "n")
    )


def tag_counts_refresh(*, label: str, ids: list[int]) -> int:
    """Recount the items' standing tags into their count field (`Taggable.tag_count_field`), for code that
    writes tags other than through this module. Call it in the transaction that changed them, which should
    hold the items' row locks (`select_for_update`) from before the change. Returns how many items changed."""
    taggable = registry.get(label)
    field = taggable.tag_count_field
    if field is None or not ids:
        return 0
    counts = _standing_counts(taggable, list(ids))
    changed = [
        taggable.model(pk=pk, **{field: counts.get(pk, 0)})
        for pk, current in taggable.model.objects.filter(pk__in=ids).values_list("pk", field)
        if current != counts.get(pk, 0)
    ]
    bulk_update_fields(taggable.model, changed, [field])
    return len(changed)


def _sentence_sentiment(result, tag) -> str:
    for sentence in result.sentences:
        if sentence.start <= tag.start < sentence.end:
            return sentence.sentiment
    return result.sentiment


def tagging_reset(item) -> None:
    """Mark an item's text as new or changed (call before saving it), so the sweep can find it."""
    item.tag_status = TagStatus.UNTAGGED
    item.text_changed_at = timezone.now()


def tagging_queue(*, label: str, ids: list[int]) -> None:
    """Queue tagging once the current transaction commits. A broker that is down loses nothing: the item
    stays untagged in the database and the periodic sweep queues it again."""
    ids = list(ids)
    send_on_commit(lambda: _send(label, ids))


def _send(label: str, ids: list[int]) -> None:
    from .tasks import tag_items

    try:
        chunk = registry.get(label).chunk  # each model's own: a story is many comments long
    except LookupError:
        chunk = TAG_CHUNK
    for start in range(0, len(ids), chunk):
        try:
            tag_items.delay(label, ids[start : start + chunk])
        except Exception as exc:  # noqa: BLE001 - kombu raises several types for an unreachable broker
            logger.warning(
                "could not queue tagging for %d %s (%s); the sweep will",
                len(ids),
                label,
                exc.__class__.__name__,
            )
            return


def _queue_each(select) -> dict[str, int]:
    """For every taggable model, queue the items `select(queryset)` picks; how many, by model label."""
    queued = {}
    for taggable in registry.all_taggables():
        ids = list(select(taggable.model.objects.all()).order_by("pk").values_list("pk", flat=True))
        _send(taggable.label, ids)
        queued[taggable.label] = len(ids)
    return queued


def untagged_sweep(*, older_than: timedelta | None = None) -> int:
    """Queue everything still untagged a while after it was saved (TAGGING_SWEEP_AFTER_SECONDS), and the
    texts a worker died on whose retry alone is due; the database is the source of truth."""
    if older_than is None:
        older_than = timedelta(seconds=settings.TAGGING_SWEEP_AFTER_SECONDS)
    cutoff = timezone.now() - older_than
    queued = _queue_each(
        lambda items: items.filter(tag_status=TagStatus.UNTAGGED, text_changed_at__lte=cutoff)
    )
    return sum(queued.values()) + crash_retries_queue()


def demo_tagging_queue() -> str:
    """Queue everything not yet tagged (the demo loaders' comments and stories). On the embedded default
    Celery is eager, so this tags them before the command returns; with Redis a worker does."""
    queued = _queue_each(lambda items: items.exclude(tag_status=TagStatus.TAGGED))
    return ", ".join(f"{count} {label}" for label, count in queued.items()) + " queued for tagging"


def retag_queue(*, since=None, force: bool = False, stale: bool = False) -> dict[str, int]:
    """Queue a re-tag of everything (or everything changed since a date, or, with `stale`, everything not yet
    tagged by the current model: stories and comments alike). Unchanged text under the same model version is
    skipped by the worker unless `force`; people's decisions survive either way."""

    def select(items):
        if stale:
            items = items.exclude(tag_status=TagStatus.TAGGED, tagged_model_version=load_tagger().version)
        return items if since is None else items.filter(text_changed_at__gte=since)

    if force:
        for taggable in registry.all_taggables():
            select(taggable.model.objects.all()).update(tagged_text_hash="")
    return _queue_each(select)


# Human review. Permission checks are the caller's (the view's); these record the decision and its audit.


def _tag_for(taggable, item, theme):
    return taggable.tag_model.objects.filter(**{taggable.item_field: item}, theme=theme).first()


@transaction.atomic
def tag_decide(*, user, label: str, item, theme: Theme, action: str):
    """confirm / reject a suggested tag, or add a theme the model missed. The decision stands for good."""
    taggable = registry.get(label)
    if action not in {"confirm", "reject", "add"}:
        raise ValidationError({"action": f"Unknown review action {action!r}."})
    # The item's row lock first, before its tags, as the tagging worker takes them: two decisions on one item
    # (or a decision and a re-tag) then recount its standing tags one after the other, never from the same
    # snapshot, and cannot deadlock.
    list(taggable.model.objects.select_for_update().filter(pk=item.pk).values_list("pk", flat=True))
    tag = _tag_for(taggable, item, theme)
    decision = TagDecision.REJECTED if action == "reject" else TagDecision.CONFIRMED
    if tag is None:
        if action == "reject":
            raise ValidationError({"theme": f"{theme.name} is not tagged on this item."})
        tag = taggable.tag_model(**{taggable.item_field: item}, theme=theme, origin=TagOrigin.PERSON)
    tag.decision = decision
    tag.decided_by = user
    tag.decided_at = timezone.now()
    tag.save()
    if taggable.tag_count_field:
        count = _standing_counts(taggable, [item.pk]).get(item.pk, 0)
        taggable.model.objects.filter(pk=item.pk).update(**{taggable.tag_count_field: count})
        setattr(item, taggable.tag_count_field, count)
    TagAudit.objects.create(item_label=label, item_id=item.pk, theme=theme, action=action, user=user)
    # TagAudit is the item's own review history (shown beside its tags); the access audit is the one
    # place a system administrator reads every change across the hub.
    audit.record(user, AuditAction.TAGS_CHANGED, item, theme=theme.pk, decision=action)
    return tag
