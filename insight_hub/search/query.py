"""Web-search syntax, read the way PostgreSQL's `websearch_to_tsquery` reads it, for the embedded default.

On PostgreSQL the query text goes to `websearch_to_tsquery('english', …)` as typed, and matching, ranking and
highlighting (`ts_headline`) happen in the database over a stored, GIN-indexed search vector. SQLite has none
of that, so this module parses the same syntax:

    rude nurse              both words (AND)
    "waiting room"          the phrase
    parking OR car          either (OR binds tighter than AND: `a b OR c` is a AND (b OR c))
    -food  -"long wait"     leave out texts with the word or phrase

and matches it with case-insensitive substrings of a crude English stem (so "nurses" finds "nurse" and
"nursing"), ranks by how often the terms appear, and marks them for highlighting. The parse is also used on
PostgreSQL to refuse a query that only excludes (it would have to read every row) and to say why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Words PostgreSQL's english configuration drops; dropping them here too keeps the two paths alike (a lone
# stop word finds nothing on either).
STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "for",
        "from",
        "had",
        "has",
        "have",
        "he",
        "her",
        "his",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "me",
        "my",
        "no",
        "not",
        "of",
        "on",
        "or",
        "our",
        "she",
        "so",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "to",
        "was",
        "we",
        "were",
        "what",
        "when",
        "which",
        "who",
        "will",
        "with",
        "you",
        "your",
    ]
)
_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_WORD = re.compile(r"[\w']+")
_SUFFIXES = ("ing", "ed", "es", "s", "e", "y")


def stem(word: str) -> str:
    """A crude English stem, enough for substring matching: nurses, nurse and nursing all give "nurs"."""
    word = word.lower().strip("'")
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]  # one word, or the words of a phrase
    negated: bool = False

    @property
    def stems(self) -> tuple[str, ...]:
        return tuple(stem(w) for w in self.words)

    @property
    def needle(self) -> str:
        """The substring looked for: a word's stem; a phrase as typed (lower case, single spaces)."""
        if len(self.words) == 1:
            return stem(self.words[0])
        return " ".join(self.words).lower()

    def pattern(self) -> str:
        """A regular expression finding the term in text, for ranking and highlighting."""
        return r"\W+".join(rf"\b{re.escape(s)}\w*" for s in self.stems)


@dataclass(frozen=True)
class ParsedQuery:
    # AND of groups; each group is an OR of terms.
    groups: tuple[tuple[Term, ...], ...] = field(default_factory=tuple)

    @property
    def positive_terms(self) -> list[Term]:
        return [t for group in self.groups for t in group if not t.negated]

    @property
    def is_empty(self) -> bool:
        return not self.groups

    @property
    def only_excludes(self) -> bool:
        return bool(self.groups) and not self.positive_terms

    def regex(self) -> re.Pattern | None:
        terms = sorted(self.positive_terms, key=lambda t: -len(t.words))  # phrases before their words
        if not terms:
            return None
        return re.compile("|".join(f"(?:{t.pattern()})" for t in terms), re.IGNORECASE)


def _words(text: str) -> tuple[str, ...]:
    return tuple(w for w in _WORD.findall(text.lower()) if w.strip("'"))


def parse(text: str) -> ParsedQuery:
    """Parse web-search syntax; stop words and empty quotes are dropped as PostgreSQL drops them."""
    groups: list[list[Term]] = []
    pending_or = False
    for match in _TOKEN.finditer(text or ""):
        negated, quoted, bare = match.group(1) == "-", match.group(2), match.group(3)
        if bare is not None:
            if bare == "OR":
                pending_or = bool(groups)
                continue
            negated = bare.startswith("-") and len(bare) > 1
            words = _words(bare[1:] if negated else bare)
            words = tuple(w for w in words if w not in STOP_WORDS)
            if not words:
                continue
            # "follow-up" is one token of several words: a phrase, as PostgreSQL reads it.
            term = Term(words=words, negated=negated)
        else:
            words = _words(quoted)
            if not any(w not in STOP_WORDS for w in words):
                continue
            term = Term(words=words, negated=negated)
        if pending_or and groups:
            groups[-1].append(term)
        else:
            groups.append([term])
        pending_or = False
    return ParsedQuery(groups=tuple(tuple(g) for g in groups))


def score(parsed: ParsedQuery, texts: list[tuple[str, float]]) -> float:
    """How well weighted texts match: occurrences of the terms, weighted (a title counts more), shorter texts
    a little ahead, as `ts_rank` with length normalisation does."""
    regex = parsed.regex()
    if regex is None:
        return 0.0
    total, length = 0.0, 1
    for text, weight in texts:
        total += weight * len(regex.findall(text or ""))
        length += len((text or "").split())
    return total / (1 + len(str(length)))


START, STOP = "\ue000", "\ue001"  # private-use marks around a match, made safe into <mark> after escaping


def marks_to_html(marked: str) -> SafeString:
    """Escape text whose matches are between START and STOP marks, then turn the marks into <mark>."""
    html = str(escape(marked)).replace(START, "<mark>").replace(STOP, "</mark>")
    if html.count("<mark>") != html.count("</mark>"):  # a stray mark in the text itself: show it plain
        html = str(escape(marked.replace(START, "").replace(STOP, "")))
    return mark_safe(html)  # noqa: S308 - the text is escaped above; only our own <mark> tags are added


def mark_all(text: str, parsed: ParsedQuery) -> str:
    """`text` with every match between START and STOP marks (titles: short enough to show whole)."""
    regex = parsed.regex()
    clean = (text or "").replace(START, "").replace(STOP, "")
    if regex is None:
        return clean
    return regex.sub(lambda m: f"{START}{m.group(0)}{STOP}", clean)


def fragments(text: str, parsed: ParsedQuery, *, words: int = 30, most: int = 2) -> str:
    """Up to `most` fragments of about `words` words around the matches, marked, joined with " … ": what
    `ts_headline(…, 'MaxFragments=2, MaxWords=30')` gives on PostgreSQL. The text's start when nothing
    matches (a search by filters only)."""
    clean = (text or "").replace(START, "").replace(STOP, "")
    tokens = list(re.finditer(r"\S+", clean))
    if len(tokens) <= 60:  # a short text (most comments) is shown whole, as on PostgreSQL
        return mark_all(clean, parsed)
    regex = parsed.regex()
    if not tokens:
        return ""
    hits = []
    if regex is not None:
        starts = [t.start() for t in tokens]
        for match in regex.finditer(clean):
            index = max(0, _bisect(starts, match.start()))
            if not hits or index - hits[-1] > words:
                hits.append(index)
            if len(hits) == most:
                break
    if not hits:
        hits = [words // 3]
    pieces = []
    for index in hits:
        lo = max(0, index - words // 3)
        hi = min(len(tokens), lo + words)
        piece = clean[tokens[lo].start() : tokens[hi - 1].end()]
        pieces.append(mark_all(piece, parsed) if regex is not None else piece)
    return " … ".join(pieces)


def _bisect(starts: list[int], position: int) -> int:
    lo, hi = 0, len(starts)
    while lo < hi:
        mid = (lo + hi) // 2
        if starts[mid] <= position:
            lo = mid + 1
        else:
            hi = mid
    return lo - 1
