"""Reads of the story import flow. Only the px leads of the importing organisation reach an import (its
file holds patients' words): anyone else gets 404."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from pathlib import Path

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from insight_hub.imports import tabular
from insight_hub.organisations.models import Organisation
from insight_hub.organisations.permissions import scope_for

from ..models import CRITICALITY_LABELS, CriticalityScale, DatePrecision, SourceChannel, Teller
from .mapping import OnError
from .models import StoryImport
from .rows import StoryRecord

PREVIEW_ROWS = 10


def importable_organisations(user) -> QuerySet[Organisation]:
    return Organisation.objects.filter(pk__in=scope_for(user).px_org_ids).order_by("name")


def story_imports_for(user) -> QuerySet[StoryImport]:
    return StoryImport.objects.filter(organisation_id__in=scope_for(user).px_org_ids).select_related(
        "organisation", "uploaded_by"
    )


def story_import_get_for(user, *, uid) -> StoryImport:
    return get_object_or_404(story_imports_for(user), uid=uid)


@dataclass
class PreviewRow:
    number: int
    cells: list[str]  # as stored, in the order of PREVIEW_HEADER
    problems: list


PREVIEW_HEADER = ["Story id", "Title", "Story", "Who told it", "When", "Source", "Criticality", "Labels"]


def _as_stored(record: StoryRecord) -> list[str]:
    story = record.fields
    when = story["occurred_on"].strftime(
        "%B %Y" if story["occurred_precision"] == DatePrecision.MONTH else "%-d %B %Y"
    )
    if story.get("praise"):
        rating = f"Praise {story['praise']} of 5"
    elif story.get("criticality") is not None:
        rating = f"{story['criticality']} of 5, {CRITICALITY_LABELS[story['criticality']]}"
    else:
        rating = "None given"
    return [
        record.external_id,
        story["title"],
        story["narrative"],
        Teller(story["teller"]).label if story["teller"] else "",
        when,
        SourceChannel(story["source_channel"]).label if story["source_channel"] else "",
        rating,
        "; ".join(tag["name"] for tag in story.get("external_tags", [])),
    ]


def story_import_preview(batch: StoryImport) -> list[PreviewRow]:
    """The first rows of the file as they will be stored, or with the problems that keep them out."""
    from .services import parser_for

    rows = []
    with tabular.open_table(Path(batch.file.path)) as table:
        parse = parser_for(batch, table)
        for number, cells in itertools.islice(table.rows, PREVIEW_ROWS):
            parsed = parse(number, cells)
            if isinstance(parsed, list):
                rows.append(PreviewRow(number, [], parsed))
            else:
                rows.append(PreviewRow(number, _as_stored(parsed), []))
    return rows


def _month(value: str) -> str:
    try:
        return dt.datetime.strptime(value, "%Y-%m").strftime("%B %Y")
    except ValueError:
        return value


# Each default (mapping.DEFAULTS) as a person reads it: its name, and its value in words.
_DEFAULTS_IN_WORDS = {
    "teller": ("Who told the stories", dict(Teller.choices).get),
    "source_channel": ("Source", dict(SourceChannel.choices).get),
    "occurred_on": ("Month they happened", _month),
    "title_words": ("Title, when the file has none", lambda words: f"the story’s first {words} words"),
    "criticality_scale": ("Criticality scale", dict(CriticalityScale.choices).get),
    "on_error": ("If a row has a problem", dict(OnError.CHOICES).get),
}


def defaults_in_words(defaults: dict[str, str]) -> list[tuple[str, str]]:
    """The import's defaults as a person reads them ("Source: Care Opinion", not "source_channel:
    care_opinion"), each with the choice label its model gives; one the hub does not know is shown as
    it is rather than hidden."""
    rows = []
    for key, (name, words) in _DEFAULTS_IN_WORDS.items():
        if value := defaults.get(key):
            rows.append((name, words(str(value)) or str(value)))
    rows += [(key, str(value)) for key, value in defaults.items() if key not in _DEFAULTS_IN_WORDS]
    return rows
