"""Reads for themes: an item's tag panel, the review queue and review coverage, always within reach."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Min, Q, QuerySet
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from insight_hub.organisations.models import Role
from insight_hub.organisations.permissions import records_filter_for, scope_for

from . import registry
from .models import TagAudit, TagDecision, TagStatus, Theme

REVIEW_ROLES = (Role.PX_LEAD, Role.ICB_LEAD)


def highlight(text: str, spans: list[tuple[int | None, int | None]]) -> SafeString:
    """`text` escaped, with each (start, end) evidence span in <mark>; overlapping spans are merged."""
    merged: list[list[int]] = []
    for start, end in sorted(
        (max(0, s), min(len(text), e)) for s, e in spans if s is not None and e is not None
    ):
        if start >= end:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    parts, cursor = [], 0
    for start, end in merged:
        parts += [escape(text[cursor:start]), "<mark>", escape(text[start:end]), "</mark>"]
        cursor = end
    parts.append(escape(text[cursor:]))
    return mark_safe("".join(parts))  # noqa: S308 - every piece of text above is escaped


@dataclass(frozen=True)
class EvidenceTag:
    tag: object
    evidence: str  # the sentence that justifies the tag


def can_review(user, item, taggable: registry.Taggable) -> bool:
    """px_lead for their own organisation's items, icb_lead for any item of their ICS they can see."""
    scope = scope_for(user)
    organisation_id = _organisation_id(item, taggable)
    if organisation_id in scope.px_org_ids:
        return True
    if not scope.icb_lead_ics_ids:
        return False
    return (
        taggable.queryset_for(user)
        .filter(pk=item.pk, **{f"{taggable.ics_path}__in": scope.icb_lead_ics_ids})
        .exists()
    )


def _organisation_id(item, taggable: registry.Taggable) -> int:
    return getattr(item, f"{taggable.organisation_path}_id")


def item_for_user(user, label: str, pk: int):
    """The item, if the person may see it and read its tags; None otherwise (the view answers 404). Tag
    panels are records: a board member, who reads dashboards and reports only, has none."""
    taggable = registry.get(label)
    items = records_filter_for(
        user, taggable.queryset_for(user), organisation_path=taggable.organisation_path
    )
    return items.filter(pk=pk).first()


def themes_for_item(item, taggable: registry.Taggable) -> QuerySet[Theme]:
    """Themes a person may add: the framework's and the item's ICS's own."""
    ics_id = taggable.model.objects.filter(pk=item.pk).values_list(taggable.ics_path, flat=True).first()
    return Theme.objects.filter(
        Q(ics__isnull=True) | Q(ics_id=ics_id), active=True, taxonomy__is_default=True
    )


def tag_panel(user, label: str, item) -> dict:
    """Everything the tag panel template needs: tags with their evidence, and what the person may do."""
    taggable = registry.get(label)
    text = item.taggable_text()
    tags = (
        taggable.tag_model.objects.filter(**{taggable.item_field: item})
        .select_related("theme", "decided_by")
        .order_by("decision", "-confidence")
    )
    evidence = [
        EvidenceTag(
            tag=tag,
            evidence=text[tag.evidence_start : tag.evidence_end] if tag.evidence_start is not None else "",
        )
        for tag in tags
    ]
    reviewable = can_review(user, item, taggable)
    tagged = {tag.theme_id for tag in tags}
    return {
        "label": label,
        "item": item,
        "tags": evidence,
        "sentiment_evidence": sentiment_evidence(item, text),
        "can_review": reviewable,
        "addable_themes": themes_for_item(item, taggable).exclude(pk__in=tagged) if reviewable else [],
        "history": TagAudit.objects.filter(item_label=label, item_id=item.pk).select_related("theme", "user")[
            :20
        ],
        "status": item.get_tag_status_display(),
        "failed": item.tag_status == TagStatus.FAILED,
    }


def sentiment_evidence(item, text: str) -> list[dict]:
    """The sentences that carry a story's sentiment, [{"text", "sentiment"}] in text order; offsets that no
    longer fit the text (it changed since tagging) are dropped rather than shown cut."""
    out = []
    for entry in getattr(item, "sentiment_evidence", None) or []:
        start, end = entry.get("start"), entry.get("end")
        if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text):
            out.append({"text": text[start:end], "sentiment": entry.get("sentiment", "")})
    return out


def review_queue(user, *, limit: int = 50) -> list[dict]:
    """Items awaiting a person's review, least certain first: low confidence, or the model's sentiment
    disagreeing with the question that was asked (praise under "what could we do better", say)."""
    queue = []
    for taggable in registry.all_taggables():
        related = _tags(taggable)
        suggested = Q(**{f"{related}__decision": TagDecision.SUGGESTED})
        items = (
            taggable.queryset_for(user)
            .filter(tag_status=TagStatus.TAGGED)
            .annotate(
                unreviewed=Count(related, filter=suggested),
                lowest=Min(f"{related}__confidence", filter=suggested),
            )
            .filter(unreviewed__gt=0)
            .order_by("lowest")[:limit]
        )
        for item in items:
            queue.append(
                {
                    "label": taggable.label,
                    "kind": taggable.model._meta.verbose_name,
                    "item": item,
                    "confidence": item.lowest,
                    "disagrees": _disagrees(item),
                    "text": item.taggable_text(),
                }
            )
    queue.sort(key=lambda entry: (not entry["disagrees"], entry["confidence"] or 0))
    return queue[:limit]


def _tags(taggable: registry.Taggable) -> str:
    return taggable.tag_model._meta.get_field(taggable.item_field).remote_field.related_name


def _disagrees(item) -> bool:
    question_type = item.taggable_question_type()
    return (question_type == "what_good" and item.sentiment == "negative") or (
        question_type == "could_improve" and item.sentiment == "positive"
    )


def review_share_by_theme(user) -> list[dict]:
    """Per theme: how many items carry it, and the share a person has reviewed (a tracked figure)."""
    totals: dict[int, dict] = {}
    for taggable in registry.all_taggables():
        visible = taggable.queryset_for(user).values("pk")
        rows = (
            taggable.tag_model.objects.filter(**{f"{taggable.item_field}__in": visible})
            .values("theme_id", "theme__name")
            .annotate(items=Count("pk"), reviewed=Count("pk", filter=~Q(decision=TagDecision.SUGGESTED)))
        )
        for row in rows:
            entry = totals.setdefault(
                row["theme_id"], {"theme": row["theme__name"], "items": 0, "reviewed": 0}
            )
            entry["items"] += row["items"]
            entry["reviewed"] += row["reviewed"]
    for entry in totals.values():
        entry["share"] = round(100 * entry["reviewed"] / entry["items"]) if entry["items"] else 0
    return sorted(totals.values(), key=lambda entry: (entry["share"], entry["theme"]))


def corrections_as_training_rows(user) -> list[dict]:
    """Items a person has reviewed, in the training file's columns, so `train_tagger` can learn from them.
    A reviewed item's labels are its standing tags: confirmed, added, and suggestions not rejected."""
    rows = []
    for taggable in registry.all_taggables():
        related = _tags(taggable)
        reviewed = (
            taggable.queryset_for(user)
            .filter(**{f"{related}__decision__in": [TagDecision.CONFIRMED, TagDecision.REJECTED]})
            .distinct()
            .prefetch_related(f"{related}__theme")
        )
        for item in reviewed:
            labels = sorted(
                tag.theme.name
                for tag in getattr(item, related).all()
                if tag.decision != TagDecision.REJECTED and tag.theme.ics_id is None
            )
            rows.append(
                {
                    "comment_id": f"{taggable.label}:{item.pk}",
                    "question_type": item.taggable_question_type() or "nonspecific",
                    "text": item.taggable_text(),
                    "sentiment": "",
                    "labels": "; ".join(labels),
                }
            )
    return rows


def may_review_anything(user) -> bool:
    scope = scope_for(user)
    return any(scope.has_role(role) for role in REVIEW_ROLES)
