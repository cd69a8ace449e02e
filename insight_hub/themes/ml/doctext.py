"""The text a ``Doc`` was made from, without asking spaCy to rebuild it."""

from __future__ import annotations

from spacy.tokens import Doc

if not Doc.has_extension("source_text"):
    Doc.set_extension("source_text", default=None)


def doc_text(doc: Doc) -> str:
    """``doc.text`` without rebuilding it: spaCy joins every token's text on each access, which for a short
    comment costs as much as a pipeline step. The tagger stores the text it made the doc from in
    ``doc._.source_text``; any other doc falls back to ``doc.text``."""
    text = doc._.source_text
    return doc.text if text is None else text
