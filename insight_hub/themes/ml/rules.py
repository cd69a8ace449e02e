"""Keyword rules that add themes the linear model cannot learn.

Two sources, one mechanism:

* ``BUILTIN_RULES`` – QDC v7 labels with too few training examples for a model (Parking has
  one in 4,452 comments), written as :class:`LocalTheme` whose code is the QDC label;
* local themes defined by an ICS (code, phrases, regex patterns), supplied at run time.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from .types import LocalTheme

# Bump when the built-in theme rules or the safety rules (``safety.py``, ``safety_patterns.py``) change: it is
# appended to the model's version, so stored tags are recomputed (the worker skips an item whose text hash
# and version are unchanged).
RULES_VERSION = "rules2"

_MEDS = (
    r"(?:medications?|medicines?|meds|tablets|pills|insulin|morphine|antibiotics|doses?|prescriptions?|prn)"
)
_NOT = r"(?:not|never|n[’']?t)"
_GIVEN = r"(?:given|gave|give|received|got|administered|offered)"

BUILTIN_RULES: tuple[LocalTheme, ...] = (
    LocalTheme(code="Parking", patterns=[r"\bparking\b", r"\bcar[ -]?parks?\b", r"\bpark(ed)? the car\b"]),
    # Plain concerns about pain, medicines and discharge, which the model (12 Pain management and 24
    # Discharge examples in its training data) misses in long stories: precise phrases only.
    LocalTheme(
        code="Pain management",
        patterns=[
            r"\bpain ?(?:relief|killers?)\b|\banalgesi[ac]\b",
            r"\b(?:pain|agony)\b[^.!?\n]{0,60}\b(?:ignored|dismissed|disregarded)\b",
            r"\b(?:ignored|dismissed) (?:my|his|her|their|the) pain\b",
            r"\bleft in (?:\w+ ){0,3}?(?:pain|agony)\b",
        ],
    ),
    LocalTheme(
        code="Supplying & understanding medication",
        patterns=[
            rf"\b{_NOT} (?:been )?{_GIVEN} (?:\w+ ){{0,2}}?{_MEDS}\b",
            rf"\b{_MEDS} (?:was |were )?(?:not|never|n[’']?t) (?:been )?(?:given|administered|dispensed)\b",
            rf"\bprescribed \w+(?: \w+)? but (?:it |they )?(?:was |were )?{_NOT} (?:given|administered)\b",
            rf"\b(?:wrong|incorrect|missed|missing|double|extra) (?:\w+ )?{_MEDS}\b",
            r"\b(?:medication|medicine|prescribing|prescription|dispensing|drug|dose) "
            r"(?:errors?|mistakes?|mix-?up)\b",
            rf"\b(?:without|ran out of) (?:his |her |my |their |any |the )?{_MEDS}\b",
            rf"\brefus\w* to give (?:\w+ ){{0,2}}?{_MEDS}\b",
            r"\bdose (?:was )?(?:way |far |much )?too (?:high|low|strong)\b",
        ],
    ),
    LocalTheme(
        code="Discharge",
        patterns=[
            r"\b(?:discharged|sent (?:\w+ )?home|released) (?:\w+ )?(?:without|with no|"
            r"too (?:early|soon|quickly)|prematurely|at (?:night|midnight)|in the middle of the night|"
            r"while still|still)\b",
            r"\b(?:unsafe|premature|early|inappropriate) discharge\b",
            r"\bdischarge (?:plans?|letters?|summary|package|process|planning|lounge)\b",
        ],
    ),
)


@dataclass(frozen=True)
class RuleHit:
    code: str
    start_char: int
    end_char: int


class ThemeRules:
    """Compiled rules; ``match(doc)`` returns one hit per code (its first occurrence)."""

    def __init__(self, nlp: Language, themes: Sequence[LocalTheme]) -> None:
        self.themes = tuple(themes)
        self.phrases = PhraseMatcher(nlp.vocab, attr="LOWER")
        for theme in self.themes:
            if theme.phrases:
                self.phrases.add(theme.code, list(nlp.tokenizer.pipe(theme.phrases)))
        self.regexes = [
            (theme.code, re.compile(p, re.IGNORECASE)) for theme in self.themes for p in theme.patterns
        ]

    def match(self, doc: Doc, text: str | None = None) -> list[RuleHit]:
        """``text`` is ``doc.text`` if the caller has it: spaCy rebuilds ``Doc.text`` from the tokens on
        every access, which for short comments cost more than the matching itself."""
        if not self.themes:
            return []
        text = doc.text if text is None else text
        hits: dict[str, RuleHit] = {}
        if len(self.phrases):
            for match_id, start, end in self.phrases(doc):
                span = doc[start:end]
                code = doc.vocab.strings[match_id]
                self._keep_first(hits, RuleHit(code, span.start_char, span.end_char))
        for code, regex in self.regexes:
            m = regex.search(text)
            if m:
                self._keep_first(hits, RuleHit(code, m.start(), m.end()))
        return list(hits.values())

    @staticmethod
    def _keep_first(hits: dict[str, RuleHit], hit: RuleHit) -> None:
        if hit.code not in hits or hit.start_char < hits[hit.code].start_char:
            hits[hit.code] = hit
