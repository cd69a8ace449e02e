"""Spans: what a redaction hides, and how hand-corrected spans become text again.

Span offsets always refer to the ORIGINAL text, never to the redacted one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    """What a span hides. Declaration order is the priority when overlapping spans merge."""

    EMAIL = "email"
    NHS_NUMBER = "nhs_number"
    PHONE = "phone"
    POSTCODE = "postcode"
    DATE_OF_BIRTH = "date_of_birth"
    DATE = "date"
    STAFF_TITLE = "staff_title"
    PERSON = "person"


_PRIORITY: Mapping[Kind, int] = {kind: rank for rank, kind in enumerate(Kind)}

DEFAULT_REPLACEMENTS: Mapping[Kind, str] = {
    Kind.EMAIL: "[email]",
    Kind.NHS_NUMBER: "[NHS number]",
    Kind.PHONE: "[phone number]",
    Kind.POSTCODE: "[postcode]",
    Kind.DATE_OF_BIRTH: "[date of birth]",
    Kind.DATE: "[date]",
    # Staff spans normally carry their role ("[nurse]"); this is only the
    # fallback for a span added by hand without one.
    Kind.STAFF_TITLE: "[staff member]",
    Kind.PERSON: "[name]",
}


@dataclass(frozen=True, slots=True)
class RedactedSpan:
    """``text[start:end]`` of the original text is shown as ``replacement``."""

    start: int
    end: int
    kind: Kind
    replacement: str

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "kind": str(self.kind), "replacement": self.replacement}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RedactedSpan:
        """Rebuild a stored or hand-made span; ``replacement`` defaults from ``kind``."""
        kind = Kind(data["kind"])
        replacement = data.get("replacement") or DEFAULT_REPLACEMENTS[kind]
        return cls(int(data["start"]), int(data["end"]), kind, replacement)


@dataclass(frozen=True, slots=True)
class Redaction:
    text: str
    spans: tuple[RedactedSpan, ...]
    version: str

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "spans": [span.to_dict() for span in self.spans], "version": self.version}


def apply_spans(text: str, spans: Iterable[RedactedSpan]) -> str:
    """Recompute the redacted text from a (possibly hand-corrected) list of spans.

    Overlapping spans are merged exactly as ``redact`` merges them, so a span
    added on top of an existing one never leaves part of either visible.
    """
    spans = list(spans)
    for span in spans:
        if not 0 <= span.start < span.end <= len(text):
            raise ValueError(f"Span {span.start}:{span.end} is outside a text of length {len(text)}")
    return render(text, resolve(spans))


def resolve(candidates: Iterable[RedactedSpan]) -> tuple[RedactedSpan, ...]:
    """Merge overlapping candidates into disjoint spans, sorted by offset.

    A cluster of overlapping spans is redacted as one span covering all of it,
    because keeping only the winner could leave part of a name visible. The
    cluster is labelled by its highest-priority kind (precise patterns beat the
    NER model's looser spans, e.g. "Email jane@nhs.net" tagged PERSON), then by
    its longest span, then position, so the result never depends on detector order.
    """
    clusters: list[list[RedactedSpan]] = []
    cluster_end = -1
    for span in sorted(candidates, key=lambda span: (span.start, span.end)):
        if span.start < cluster_end:
            clusters[-1].append(span)
        else:
            clusters.append([span])
        cluster_end = max(cluster_end, span.end)

    resolved = []
    for cluster in clusters:
        winner = min(cluster, key=lambda span: (_PRIORITY[span.kind], span.start - span.end, span.start))
        resolved.append(
            RedactedSpan(cluster[0].start, max(span.end for span in cluster), winner.kind, winner.replacement)
        )
    return tuple(resolved)


def render(text: str, spans: tuple[RedactedSpan, ...]) -> str:
    """Splice replacements into ``text``; ``spans`` must be disjoint and sorted."""
    parts: list[str] = []
    cursor = 0
    for span in spans:
        parts += [text[cursor : span.start], span.replacement]
        cursor = span.end
    parts.append(text[cursor:])
    return "".join(parts)


def new_span(start: int, end: int, kind: Kind) -> RedactedSpan:
    return RedactedSpan(start, end, kind, DEFAULT_REPLACEMENTS[kind])
