"""Emerging themes: group what the tagger's themes do not account for into candidate themes.

Django-free, like the rest of ``ml``; the monthly task, ``manage.py discover_themes`` and
``manage.py evaluate_discovery`` all call :func:`discover`.

How a sentence's "not covered well" is read. A sentence is covered well when the tagger is confident
about one of its themes *and* those themes account for its salient words. A theme accounts for a word
when the trained model leans on the word for some theme (the word's own feature weight in the theme
head is at least ``EXPLAINED_WEIGHT`` for a theme), or a local theme's phrase names it. What is left of a
sentence (its content words no theme accounts for) is its *residue*: "the food was cold but the nurses
were lovely" is confidently about staff, and "food, cold" is its residue. Residue words rare in the data
are dropped; a sentence with any residue left, or one the tagger is unsure about (no theme above
``LOW_CONFIDENCE``), goes to discovery.

Grouping. Residue words seen in at least a few texts are grouped by agglomerative clustering
(scikit-learn; cosine distance, average linkage) of their occurrence vectors over texts: words
said together in the same texts join one group, a word said on its own stays a group of one. A candidate
is a group and every pooled sentence whose residue holds one of its words, which is exactly what a local
theme with those words as phrases would match; groups under ``min_texts`` texts are dropped. Each
candidate reports its words (top phrases, most frequent first), a name suggestion from them, its size in
texts, its texts by month (trend), and a few example sentences (the most typical ones: nearest the
group's centre). Accepting a candidate makes a local theme matching its phrases.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from sklearn.cluster import AgglomerativeClustering
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS
from spacy.lang.en.stop_words import STOP_WORDS

from .components import scored_sentences
from .doctext import doc_text
from .tagger import Tagger
from .types import LocalTheme

# A word the model weighs at least this much towards some theme is accounted for by that theme.
# (Theme-bearing words weigh 0.5-1.8, e.g. "clean" 1.5 for Cleanliness, "wait" 1.1 for Timeliness; words
# no theme was trained on stay under 0.3.)
EXPLAINED_WEIGHT = 0.35
# Below this calibrated confidence for every theme, a sentence is "unassigned or low-confidence".
LOW_CONFIDENCE = 0.5
# Cosine distance under which two groups of words merge (average linkage): words said together in at
# least about half of the texts that hold either.
MERGE_DISTANCE = 0.5
MAX_WORDS = 3000
MIN_TEXTS = 5
MAX_CANDIDATES = 30
EXAMPLES = 5
TOP_PHRASES = 6

# Words that carry no theme of their own in feedback: sentiment, fillers, the people and places of any
# service. Without them every group would be "staff" or "good".
GENERIC_WORDS = frozenset(
    """
    good great excellent brilliant fantastic amazing lovely nice kind helpful friendly caring fab best better
    bad poor terrible awful worse worst ok okay fine happy pleased satisfied thank thanks thankyou grateful
    really very quite much lot lots bit little just also always never ever still even well yes
    thing things everything nothing anything something way time times day days experience service services
    staff people person team everyone everybody member members help helped helping care cared caring
    treated treat treatment feel felt make made need needed want wanted think thought know knew got get
    getting went come came going told say said like good professional polite having giving considering
    improve improved improvement quality medical end able sure overall general different usual certain
    """.split()  # noqa: SIM905 - a word list reads better as text
)
_STOP = frozenset(STOP_WORDS) | frozenset(ENGLISH_STOP_WORDS) | GENERIC_WORDS
_WORD = re.compile(r"^[a-z][a-z'-]+[a-z]$")


@dataclass(frozen=True)
class DiscoveryText:
    """One text to look through. ``key`` is the caller's (e.g. "feedback.comment:12"); ``month`` is
    "YYYY-MM" and feeds the trend."""

    key: str
    text: str
    question_type: str | None = None
    month: str = ""


@dataclass(frozen=True)
class SentenceRef:
    key: str
    start: int
    end: int


@dataclass
class Candidate:
    name: str
    phrases: list[str]
    patterns: list[str]
    sentences: list[SentenceRef]
    examples: list[SentenceRef]
    trend: dict[str, int] = field(default_factory=dict)

    @property
    def keys(self) -> list[str]:
        return list(dict.fromkeys(s.key for s in self.sentences))

    @property
    def size(self) -> int:
        return len(self.keys)


def normalise_word(word: str) -> str:
    """Lower case, with a plural "s" folded ("meals" -> "meal"); enough to join the forms people write."""
    word = word.lower().replace("\u2019", "'")
    if word.endswith("'s"):
        word = word[:-2]
    if len(word) > 4 and word.endswith("ies"):
        word = word[:-3] + "y"
    elif len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    return word


def content_words(tokens: Sequence[str]) -> list[str]:
    words = []
    for token in tokens:
        lower = token.lower()
        if lower in _STOP or not _WORD.match(lower):
            continue
        word = normalise_word(lower)
        if word not in _STOP and len(word) > 2:
            words.append(word)
    return words


class _Accounts:
    """Which words each theme leans on: the trained model's weight of the word's own feature."""

    def __init__(
        self, tagger: Tagger, local_themes: Sequence[LocalTheme], known_words: Sequence[str]
    ) -> None:
        linear = tagger.nlp.get_pipe("qdc_linear")
        self.head = linear.themes
        self.index = linear.featurizer.index
        self.always: set[str] = {normalise_word(w) for w in known_words}
        for theme in local_themes:
            for phrase in theme.phrases:
                self.always.update(content_words(phrase.split()))
            for pattern in theme.patterns:
                self.always.update(content_words(re.findall(r"[a-z]{3,}", pattern.lower())))

    def residue(self, tokens: list[str], margins: np.ndarray, confidence: float) -> list[str]:
        """The sentence's content words that neither its confident themes nor a local theme account for;
        every content word when no theme is confident."""
        sure = np.flatnonzero(self.head.confidence(margins, np.arange(len(margins))) >= confidence)
        out = []
        for token in tokens:
            words = content_words([token])
            if not words or words[0] in self.always:
                continue
            row = self.index.get(f"w:{token.lower()}")
            if (
                sure.size
                and row is not None
                and float(self.head.weights[row, sure].max()) >= EXPLAINED_WEIGHT
            ):
                continue
            out.append(words[0])
        return out


@dataclass
class _Sentence:
    ref: SentenceRef
    month: str
    residue: list[str]


def _pool(
    tagger: Tagger, texts: Sequence[DiscoveryText], accounts: _Accounts, confidence: float
) -> list[_Sentence]:
    nlp = tagger.nlp
    docs = []
    for item in texts:
        doc = nlp.make_doc(item.text or "")
        doc._.source_text = item.text or ""
        doc._.question_type = item.question_type
        docs.append(doc)
    pool: list[_Sentence] = []
    with nlp.select_pipes(disable=["safety_rules"]):
        for item, doc in zip(texts, nlp.pipe(docs, batch_size=256), strict=True):
            scores = doc._.qdc_scores
            text = doc_text(doc)
            for span, margins in zip(scored_sentences(doc), scores.sentence_theme_margins, strict=True):
                residue = accounts.residue(_outside_brackets(span), margins, confidence)
                if residue:
                    start, end = _trim(text, span.start_char, span.end_char)
                    pool.append(_Sentence(SentenceRef(item.key, start, end), item.month, residue))
    return pool


def _outside_brackets(span) -> list[str]:
    """The span's tokens, less those in square brackets: redaction's placeholders ("[name]", "[phone
    number]", "[nurse]") are said in every kind of text and are no theme."""
    tokens, inside = [], False
    for token in span:
        if token.text == "[":
            inside = True
        elif token.text == "]":
            inside = False
        elif not inside:
            tokens.append(token.text)
    return tokens


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    piece = text[start:end]
    left = len(piece) - len(piece.lstrip())
    return start + left, start + max(len(piece.rstrip()), left)


def _matrix(pool: list[_Sentence], min_df: int) -> tuple[sp.csr_matrix, list[str], np.ndarray]:
    """Binary TF-IDF rows over residue words seen in at least ``min_df`` texts; rows left empty are
    dropped (the third value: which pool rows are kept)."""
    df: Counter[str] = Counter()
    by_text: dict[str, set[str]] = {}
    for sentence in pool:
        by_text.setdefault(sentence.ref.key, set()).update(sentence.residue)
    for words in by_text.values():
        df.update(words)
    vocabulary = sorted(w for w, n in df.items() if n >= min_df)
    column = {w: j for j, w in enumerate(vocabulary)}
    rows, cols = [], []
    for i, sentence in enumerate(pool):
        for j in {column[w] for w in sentence.residue if w in column}:
            rows.append(i)
            cols.append(j)
    counts = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(pool), len(vocabulary)))
    n_texts = max(len(by_text), 1)
    idf = np.log((1 + n_texts) / (1 + np.array([df[w] for w in vocabulary], dtype=float))) + 1
    x = counts.multiply(idf).tocsr()
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    kept = np.flatnonzero(norms > 0)
    x = sp.diags(1 / norms[kept]) @ x[kept]
    return x.tocsr(), vocabulary, kept


def _word_pattern(word: str) -> str:
    """The word and its plural, as a pattern: "meal" -> meal(s), "activity" -> activit(y|ies)."""
    if word.endswith("y") and len(word) > 3:
        return rf"\b{re.escape(word[:-1])}(?:y|ies)\b"
    return rf"\b{re.escape(word)}s?\b"


def _candidate(members: list[_Sentence], rows: sp.csr_matrix, phrases: list[str]) -> Candidate:
    centre = np.asarray(rows.mean(axis=0)).ravel()
    typical = np.argsort(-(rows @ centre))
    seen_text: set[str] = set()
    examples = []
    for i in typical:
        ref = members[int(i)].ref
        if ref.key not in seen_text:
            seen_text.add(ref.key)
            examples.append(ref)
        if len(examples) == EXAMPLES:
            break
    trend: Counter[str] = Counter()
    for _key, month in {(m.ref.key, m.month) for m in members if m.month}:
        trend[month] += 1
    return Candidate(
        name=" and ".join(phrases[:2]).capitalize(),
        phrases=phrases,
        patterns=[_word_pattern(w) for w in phrases],
        sentences=[m.ref for m in members],
        examples=examples,
        trend=dict(sorted(trend.items())),
    )


def _word_groups(
    pool: list[_Sentence], kept: np.ndarray, x: sp.csr_matrix, distance: float
) -> list[list[int]]:
    """Groups of residue words said together: each word is read as the set of texts whose residue holds it,
    and words are clustered by those sets (agglomerative, cosine distance, average linkage). A group's words
    come most frequent first."""
    keys = [pool[int(i)].ref.key for i in kept]
    text_index = {key: t for t, key in enumerate(dict.fromkeys(keys))}
    owner = np.array([text_index[key] for key in keys])
    to_text = sp.csr_matrix(
        (np.ones(len(owner)), (owner, np.arange(len(owner)))), shape=(len(text_index), len(owner))
    )
    by_text = ((to_text @ (x > 0).astype(np.float64)) > 0).astype(np.float64).tocsc()
    df = np.asarray(by_text.sum(axis=0)).ravel()
    # Agglomerative clustering keeps an n x n distance matrix: the commonest words are clustered.
    words = np.argsort(-df, kind="stable")[:MAX_WORDS]
    words = words[df[words] > 0]
    if len(words) < 2:
        return [[int(j) for j in words]]
    columns = by_text[:, words].T.tocsr()
    norms = np.sqrt(np.asarray(columns.multiply(columns).sum(axis=1)).ravel())
    columns = sp.diags(1 / norms) @ columns
    labels = AgglomerativeClustering(
        n_clusters=None, distance_threshold=distance, metric="cosine", linkage="average"
    ).fit_predict(columns.toarray())
    groups = []
    for label in np.unique(labels):
        members = words[labels == label]
        groups.append([int(j) for j in members[np.argsort(-df[members], kind="stable")]])
    return groups


def discover(
    tagger: Tagger,
    texts: Sequence[DiscoveryText],
    *,
    local_themes: Sequence[LocalTheme] = (),
    known_words: Sequence[str] = (),
    min_texts: int = MIN_TEXTS,
    max_candidates: int | None = MAX_CANDIDATES,
    distance: float = MERGE_DISTANCE,
    confidence: float = LOW_CONFIDENCE,
) -> list[Candidate]:
    """Candidate themes in what the tagger's themes (and ``local_themes``) leave unaccounted for, largest
    first. ``known_words`` are words already dealt with (e.g. of candidates people dismissed)."""
    pool = _pool(tagger, texts, _Accounts(tagger, local_themes, known_words), confidence)
    if not pool:
        return []
    x, vocabulary, kept = _matrix(pool, min_df=max(2, min_texts // 2))
    if x.shape[0] == 0:
        return []
    candidates = []
    seen: set[tuple[str, ...]] = set()
    binary = (x > 0).tocsc()
    for words in _word_groups(pool, kept, x, distance):
        rows = np.flatnonzero(np.asarray(binary[:, words].sum(axis=1)).ravel() > 0)
        words = [vocabulary[j] for j in words]
        members = [pool[int(kept[i])] for i in rows]
        if tuple(words) in seen or len({m.ref.key for m in members}) < min_texts:
            continue
        seen.add(tuple(words))
        candidates.append(_candidate(members, x[rows], words))
    candidates.sort(key=lambda c: -c.size)
    return candidates[:max_candidates]
