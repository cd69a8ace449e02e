"""The sources search reads: each app registers one in its AppConfig.ready() (stories, survey comments), so
the core never imports a feature app and each app keeps its own rule for who may read which rows.

A source answers three things; the engine (`selectors.py`) does the matching, ranking and highlighting:
- `candidates(user, criteria)`: the rows the person may read at all (the app's own visibility rule), narrowed
  by the filters; no text matching. Must not repeat rows (filter through subqueries, not joins).
- `present(user, pks)`: for the page's rows, what the person is shown: the original text inside its
  organisation, the redacted text anywhere else (the app decides, as on its own pages).
- where the words are: `vector_column`, a stored tsvector kept by PostgreSQL itself (a generated column over
  the redacted text, GIN-indexed); `text_fields`, the same redacted fields with their weights, for SQLite.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import models


@dataclass(frozen=True)
class Criteria:
    """What a person searches for: the text in web-search syntax and the usual filters."""

    q: str = ""
    organisation: models.Model | None = None
    service: models.Model | None = None
    theme: models.Model | None = None
    sentiment: str = ""
    criticality: str = ""  # "critical" / "not_critical" (see CRITICALITY_CHOICES)
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    sources: tuple[str, ...] = ()  # keys of the sources to search; empty: all the person reads
    # Only rows added to the hub since then (an alert subscription's "new since my last digest").
    added_since: dt.datetime | None = None


# Critical: a story with a safety concern or criticality 4–5 (`stories.models.CRITICAL_STORY`, the meaning
# board reports, the system view and the digest count); a survey comment with a safety signal from the
# tagger (comments carry no criticality rating). Each source applies its own (`CRITICALITY` in its search.py).
CRITICALITY_CHOICES = [
    ("", "Any"),
    ("critical", "Critical"),
    ("not_critical", "Not critical"),
]
CRITICALITY_MEANS = (
    "A story is critical with a safety concern or criticality 4 or 5, as board reports count it; "
    "a comment, with a safety signal."
)


@dataclass(frozen=True)
class Hit:
    """One result as the person is allowed to read it."""

    source: str
    pk: int
    title: str
    text: str
    url: str
    organisation: str
    when: str  # already formatted as the person may read it (to the month outside the organisation)
    is_original: bool
    labels: tuple[tuple[str, str], ...] = ()  # (text, colour) tags: sentiment, safety, service


@dataclass(frozen=True)
class SearchSource:
    key: str  # "story", "comment": the `source` filter's value
    label: str  # "Patient stories"
    candidates: Callable[[object, Criteria], models.QuerySet]
    present: Callable[[object, list[int]], dict[int, Hit]]
    date_field: str  # ordering when there is no text to rank by
    text_fields: tuple[tuple[str, float], ...]  # (redacted field, weight) for SQLite
    vector_column: str = "search_vector"
    # Whether the person reads this source at all (a board member reads stories, not survey comments).
    readable_by: Callable[[object], bool] = field(default=lambda user: True)
    # Recorded when results show original text (`insight_hub.privacy.models.AuditAction`).
    audit_action: str = ""


_SOURCES: dict[str, SearchSource] = {}


def register(source: SearchSource) -> None:
    _SOURCES[source.key] = source


def all_sources() -> list[SearchSource]:
    return list(_SOURCES.values())


def sources_for(user, keys: Iterable[str] = ()) -> list[SearchSource]:
    wanted = set(keys)
    return [s for s in _SOURCES.values() if (not wanted or s.key in wanted) and s.readable_by(user)]
