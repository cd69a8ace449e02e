"""Which models are tagged, and how to reach their tags and ICS. Each app registers its taggable models in
its AppConfig.ready(), so the engine never imports an app and the apps only depend on the engine."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import models


@dataclass(frozen=True)
class Taggable:
    model: type[models.Model]
    tag_model: type[models.Model]
    item_field: str  # the tag model's foreign key to the item
    # Lookup from the item to the organisation it belongs to: permissions and local themes follow it.
    organisation_path: str = "organisation"
    # The items a person may see (and so review), e.g. only stories shared with the ICS for an ICB lead.
    # Default: every item of an organisation within the person's reach.
    visible_to: Callable[[object], models.QuerySet] | None = None
    # What a person is shown of the item's text (the original inside its organisation, redacted elsewhere).
    # Evidence offsets always refer to `taggable_text()`, the redacted text.
    display_text: Callable[[object, models.Model], str] | None = None
    # Called by the worker with the batch about to be tagged, before tagging: e.g. to make redacted text
    # in bulk when `taggable_text()` reads it. Must save what it changes.
    prepare: Callable[[list[models.Model]], None] | None = None
    # Called inside the tagging transaction with the freshly tagged item (its `safety_signals` set), e.g. to
    # flag a story as critical. Must save what it changes.
    after_tag: Callable[[models.Model], None] | None = None
    # The items every ICB reader of the ICS may see (e.g. stories shared with the ICS for internal learning):
    # emerging-theme discovery reads only these, as its examples are shown across the ICS. Default: all.
    shared: Callable[[models.QuerySet], models.QuerySet] | None = None
    # Lookup from the item to the FFT answer its sentiment may read (1–5, 6 don't know; see
    # `themes.ml.TagInput.rating`), e.g. a comment's response's; None: the item has no rating.
    rating_path: str | None = None
    # Lookup from the item to when the person gave it (a date or datetime field, set on every item), e.g. a
    # comment's `responded_at`: emerging-theme discovery reads the last six months and shows its trend by
    # this date, not by `text_changed_at` (when the hub saved the text: a year imported today is all "this
    # month"). None: the kind has no such date, and discovery falls back to `text_changed_at`.
    given_on_path: str | None = None
    # Items per tagging task: fewer for long texts, so that the workers share a big import to its end.
    chunk: int = 500
    # The item's integer field keeping its count of standing tags (suggested or confirmed, not rejected), for
    # queries such as "three themes or more" that would otherwise group every tag. The engine recounts it in
    # the transaction that changes the item's tags (tagging, re-tagging, a person's decision); anything else
    # writing tags directly must call `services.tag_counts_refresh`. None: the model keeps no count.
    tag_count_field: str | None = None

    @property
    def label(self) -> str:
        return self.model._meta.label_lower

    @property
    def ics_path(self) -> str:
        return f"{self.organisation_path}__ics_id"

    def queryset_for(self, user) -> models.QuerySet:
        if self.visible_to is not None:
            return self.visible_to(user)
        from insight_hub.organisations.permissions import filter_for

        return filter_for(user, self.model.objects.all(), organisation_path=self.organisation_path)


_REGISTRY: dict[str, Taggable] = {}


def register(taggable: Taggable) -> None:
    _REGISTRY[taggable.label] = taggable


def get(label: str) -> Taggable:
    try:
        return _REGISTRY[label]
    except KeyError:
        raise LookupError(f"{label} is not a taggable model; registered: {sorted(_REGISTRY)}") from None


def all_taggables() -> list[Taggable]:
    return list(_REGISTRY.values())
