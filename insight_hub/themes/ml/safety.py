"""Safety rules: flag comments and stories for urgent human review, with precision.

Two steps, so that the cost stays with the few texts that need it:

1. *cue words*: a regex prefilter and substring checks over the raw text, then spaCy ``Matcher`` patterns
   (``safety_patterns.RULE_GROUPS``) on the tokens of the texts that pass;
2. *a closer look* at each hit's sentence (``review``): is the cue negated ("I don't feel suicidal"), over
   ("no longer", "anymore", "self-harm free", "stopped self-harming"), a topic ("drug abuse", "suicide
   prevention"), an idiom ("the weight fell from my shoulders", "pushed me just enough")? A *weak* cue, one
   that is as often history as a failure of care ("after my overdose I was admitted"), is kept only when its
   sentence or the two either side say that care failed ("nobody rang back", "I was refused help").

Only the tokenizer and sentencizer run before this component (the tagger's pipeline has no parser: a
parse costs ~50x the tokenizer and the patterns read clause-local word order well enough). The rules are
not a substitute for the trust's safeguarding process; ``tests/data/real_text/story_safety.jsonl`` and
``insight_hub/evaluation/safety.py`` measure them on real stories.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc, Span

from .doctext import doc_text
from .safety_patterns import (
    CLAUSE_BREAKS,
    FAILURE,
    IDIOMS,
    NEGATORS,
    RESOLVED_AFTER,
    RESOLVED_AFTER_PAIRS,
    RESOLVED_BEFORE,
    RESOLVED_BEFORE_PAIRS,
    RULE_GROUPS,
    TOPIC_AFTER,
    TOPIC_BEFORE,
    Pattern,
)

SAFETY_SPAN_KEY = "safety"
# Every pattern of every group, as the prechecks read them.
SAFETY_PATTERNS: dict[str, list[Pattern]] = {name: group.patterns for name, group in RULE_GROUPS.items()}
# A clitic split off by the tokenizer ("n't" of "didn't") starts inside a word, where a regex \b fails.
_CLITIC = re.compile(r"^[^a-z]|^(?:nt|m)$")


def _optional(token: dict[str, Any]) -> bool:
    return token.get("OP") in ("?", "*")


# What the lowercased text must contain wherever a token matches: one of these words, or a regex match.
_Need = tuple[str, ...] | re.Pattern[str]


def _token_need(token: dict[str, Any]) -> _Need | None:
    """None when the token does not constrain the text. A token's lowercase form is a substring of the
    lowercased text, so each need is a necessary condition for the token to match."""
    spec = token.get("LOWER")
    if spec is None or _optional(token):
        return None
    if isinstance(spec, str):
        return (spec,)
    if "IN" in spec:
        return tuple(spec["IN"])
    return re.compile(spec["REGEX"].removeprefix("^").removesuffix("$"))


# Everyday words of the patterns: a poor key (patients' stories say "had", "feel" and "support" in most
# sentences). Chosen by hand, no data is read at run time.
_COMMON_WORDS = """
a the to of in on at for by from with without and or but no not never nt so too very really quite is are
am was were been being had has have having get got getting give gave given received receive offered feel
feels feeling felt care support help think thinking thoughts life lives enough still left want wants
wanted wanting keep keeps night food water drink self myself lost trying tries run ran running available
sent me him her them us you my his their your our it this that which any some will
live reason end take took taking taken found lying out off over down back home side patient patients
staff mum dad son daughter two three safety crisis check checks anyone anybody money transport follow
equipment assessment referral
"""
_COMMON = frozenset(_COMMON_WORDS.split())


def _rarity(need: _Need) -> tuple[int, int]:
    """How rarely a need is met, roughly: a regex (a word stem) is rare; a list of words is as common as its
    most common word ("me" and "had" are everywhere, "suicidal" is not); between equals, longer words."""
    if isinstance(need, re.Pattern):
        return 7, 7
    if any(_CLITIC.search(word) for word in need):
        return 0, 0  # may start inside a word ("n't"), where the prefilter's \b fails
    shortest = min(map(len, need))
    return min(1 if word in _COMMON else len(word) for word in need), shortest


def _key(pattern: Pattern) -> _Need:
    """The rarest required token of a pattern: the prefilter looks for it, the checks start from it."""
    needs = [need for token in pattern for need in [_token_need(token)] if need is not None]
    key = max(needs, key=_rarity, default=None)
    if key is None or _rarity(key)[0] == 0:
        raise ValueError(f"safety pattern without a word to prefilter on: {pattern}")
    return key


def _alternatives(need: _Need) -> list[str]:
    if isinstance(need, re.Pattern):
        return [need.pattern]
    # \b after a word that ends in a letter, so that "feel" does not stand for "feeling".
    return [re.escape(word) + (r"\b" if word[-1].isalnum() else "") for word in need]


def build_prefilter() -> re.Pattern[str]:
    """One regex over the raw text that every safety hit must pass: one of the patterns' rarest words at
    the start of a word. The token Matcher is the slowest step of tagging; most comments contain none of
    these words and skip it."""
    alternatives = {
        a for patterns in SAFETY_PATTERNS.values() for p in patterns for a in _alternatives(_key(p))
    }
    ordered = sorted(alternatives, key=lambda a: (-len(a), a))  # longest first: "feeling" before "feel"
    return re.compile(r"\b(?:" + "|".join(f"(?:{a})" for a in ordered) + ")", re.IGNORECASE)


def _met(need: _Need, lower: str) -> bool:
    return any(word in lower for word in need) if isinstance(need, tuple) else bool(need.search(lower))


@dataclass
class KeyGroup:
    """The patterns that share a key: the other needs of each, and a Matcher for them alone."""

    key: _Need
    rests: list[list[_Need]]
    matcher: Matcher


def build_key_groups(vocab: Any) -> list[KeyGroup]:
    """For each pattern, what its required tokens need: if any need is unmet, the pattern cannot match.
    Unlike the prefilter this needs every required word of some pattern ("no food or water", not just
    "no"), so it rules out most of the comments the prefilter lets through. Patterns that share a key are
    checked together, the key once, and matched by their own Matcher: the Matcher's cost grows with its
    number of patterns, and a text needs only the few groups whose words it holds."""
    groups: dict[Any, KeyGroup] = {}
    for name, patterns in SAFETY_PATTERNS.items():
        for pattern in patterns:
            needs = [n for token in pattern for n in [_token_need(token)] if n is not None]
            key = needs.pop(needs.index(_key(pattern)))
            # Word lists first (a substring test is cheaper than a regex), rarest-looking first.
            needs.sort(key=lambda n: (isinstance(n, re.Pattern), tuple(-r for r in _rarity(n))))
            ident = key.pattern if isinstance(key, re.Pattern) else key
            group = groups.setdefault(ident, KeyGroup(key, [], Matcher(vocab)))
            group.rests.append(needs)
            group.matcher.add(name, [pattern])
    return list(groups.values())


def _matchers_for(groups: list[KeyGroup], lower: str) -> list[Matcher]:
    """The matchers of the groups that may match ``lower`` (the lowercased text)."""
    return [
        g.matcher
        for g in groups
        if _met(g.key, lower) and any(all(_met(need, lower) for need in needs) for needs in g.rests)
    ]


def build_matcher(vocab: Any) -> Matcher:
    matcher = Matcher(vocab)
    for name, patterns in SAFETY_PATTERNS.items():
        matcher.add(name, patterns)
    return matcher


# -- the closer look ---------------------------------------------------------------------------------------
def _negated(doc: Doc, start: int, sent: Span) -> bool:
    """A negator within four tokens before the cue, in the same clause ("I don't feel suicidal", "there
    were no bruises"). "never felt so neglected" is an intensifier, not a negation."""
    for i in range(start - 1, max(sent.start, start - 4) - 1, -1):
        token = doc[i]
        low = token.lower_
        if (token.is_punct and low != "-") or low in CLAUSE_BREAKS:
            return False
        if low in NEGATORS:
            return not (low == "never" and any(doc[j].lower_ in ("so", "more") for j in range(i + 1, start)))
    return False


def _resolved(doc: Doc, start: int, end: int, sent: Span) -> bool:
    """The state is over or being reduced: "not self-harming anymore", "no longer suicidal", "self-harm
    free", "to reduce self-harm", "I used to self-harm"."""
    for i in range(end, sent.end):
        token = doc[i]
        low = token.lower_
        if low == "free" and i <= end + 1:
            return True
        if (token.is_punct and low != "-") or low in CLAUSE_BREAKS:
            break
        if low in RESOLVED_AFTER - {"free"}:
            return True
        if i + 1 < sent.end and (low, doc[i + 1].lower_) in RESOLVED_AFTER_PAIRS:
            return True
    for i in range(max(sent.start, start - 3), start):
        low = doc[i].lower_
        if low in RESOLVED_BEFORE:
            return True
        if i + 1 < start and (low, doc[i + 1].lower_) in RESOLVED_BEFORE_PAIRS:
            return True
    return False


def _topic(doc: Doc, start: int, end: int, sent: Span) -> bool:
    """The cue names a subject, not an event: "drug abuse", "e.g. abuse", "the self-harm group"."""
    before = [doc[i].lower_ for i in range(max(sent.start, start - 2), start)]
    if any(word in TOPIC_BEFORE for word in before) or before[-2:] == ["such", "as"]:
        return True
    after = end if end < sent.end and doc[end].lower_ != "-" else end + 1
    return after < sent.end and doc[after].lower_ in TOPIC_AFTER


def _sentence(doc: Doc, token: int) -> Span:
    return doc[token].sent if doc.has_annotation("SENT_START") else doc[:]


# How many sentences either side of a weak cue may say that care failed: a story often tells the failure
# and what followed in neighbouring sentences ("I was told I would not be seen. I was in despair. I then
# tried to take my own life.").
WINDOW_SENTENCES = 2


def _window(doc: Doc, sent: Span) -> tuple[int, int]:
    """Character offsets of the sentence with ``WINDOW_SENTENCES`` sentences before and after it."""
    first = last = sent
    for _ in range(WINDOW_SENTENCES):
        if first.start > 0:
            first = _sentence(doc, first.start - 1)
        if last.end < len(doc):
            last = _sentence(doc, last.end)
    return first.start_char, last.end_char


def review(doc: Doc, text: str, hits: list[tuple[int, int, int]]) -> list[Span]:
    """The hits that survive the closer look, as spans labelled with their kind (in text order; a cue of
    one kind that two groups match is kept once)."""
    lower = text.lower()
    strings = doc.vocab.strings
    kept: dict[tuple[str, int, int], Span] = {}
    idioms: dict[int, list[tuple[int, int]]] = {}
    for match_id, start, end in sorted(hits, key=lambda h: (h[1], h[2])):
        group = RULE_GROUPS[strings[match_id]]
        sent = _sentence(doc, start)
        if _negated(doc, start, sent) or _resolved(doc, start, end, sent) or _topic(doc, start, end, sent):
            continue
        if sent.start not in idioms:
            idioms[sent.start] = [m.span() for m in IDIOMS.finditer(lower, sent.start_char, sent.end_char)]
        span = doc[start:end]
        if any(a < span.end_char and span.start_char < b for a, b in idioms[sent.start]):
            continue
        if group.strength == "weak":
            lo, hi = (sent.start_char, sent.end_char) if group.scope == "sentence" else _window(doc, sent)
            context = (group.failure_counts and FAILURE.search(lower, lo, hi)) or (
                group.cues is not None and group.cues.search(lower, lo, hi)
            )
            if not context:
                continue
        kept.setdefault((group.kind, start, end), Span(doc, start, end, label=group.kind))
    spans = list(kept.values())
    # "I harmed myself" is self-harm, not also harm done by care.
    self_harm = [s for s in spans if s.label_ == "self_harm_or_suicide"]
    return [
        s
        for s in spans
        if s.label_ != "harm" or not any(o.start < s.end and s.start < o.end for o in self_harm)
    ]


class SafetyRules:
    """Pipeline component: writes every reviewed rule hit to ``doc.spans["safety"]`` (label = kind)."""

    def __init__(self, nlp: Language, name: str) -> None:
        self.name = name
        self.matcher = build_matcher(nlp.vocab)
        self.prefilter = build_prefilter()
        # The same regex for lowercased ASCII text, where it finds exactly what the case-insensitive one
        # finds (its letters are all lowercase) at a quarter of the cost.
        self.prefilter_lower = re.compile(self.prefilter.pattern)
        self.key_groups = build_key_groups(nlp.vocab)

    def __call__(self, doc: Doc) -> Doc:
        text = doc_text(doc)
        lower = text.lower()
        prefilter = self.prefilter_lower.search(lower) if text.isascii() else self.prefilter.search(text)
        # Both checks are necessary conditions for a hit, so the hits are those of ``self.matcher``.
        matchers = _matchers_for(self.key_groups, lower) if prefilter else []
        hits = self.match(doc, text, lower, matchers) if matchers else []
        doc.spans[SAFETY_SPAN_KEY] = review(doc, text, hits) if hits else []
        return doc

    def match(self, doc: Doc, text: str, lower: str, matchers: list[Matcher]) -> list[tuple[int, int, int]]:
        """The hits of ``matchers`` in the sentences that hold a prefilter word: every pattern needs one (its
        key) and no pattern can match across a sentence end, so the hits are those over the whole doc."""
        if not doc.has_annotation("SENT_START"):
            return [hit for matcher in matchers for hit in matcher(doc)]
        finder = self.prefilter_lower.finditer(lower) if text.isascii() else self.prefilter.finditer(text)
        starts = [m.start() for m in finder]
        hits: list[tuple[int, int, int]] = []
        i = 0
        for sent in doc.sents:
            while i < len(starts) and starts[i] < sent.start_char:
                i += 1
            if i < len(starts) and starts[i] < sent.end_char:
                for matcher in matchers:
                    hits += [(m, sent.start + s, sent.start + e) for m, s, e in matcher(sent)]
        return hits


@Language.factory("safety_rules")
def make_safety_rules(nlp: Language, name: str) -> SafetyRules:
    return SafetyRules(nlp, name)
