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

Words are folded to a stem first (``word_vectors.stem``: "cleaning", "cleanliness" -> "clean"), so a
word stands for its forms.

Grouping. Residue words seen in at least ``CLUSTER_MIN_TEXTS`` texts are grouped by agglomerative
clustering (scikit-learn; average linkage) on a weighted mean of three sources of meaning: how much the two
words are said in the same texts here (cosine of their occurrence vectors over the pooled texts), how close
their in-domain word vectors are (``word_vectors``: learnt from the whole training corpus, so "food" and
"meal" are close even where no text here says both), and how close their general-English vectors are
(``general_vectors``: GloVe, which places words said once or twice here, "coffee", "antibiotic",
"canteen"). A source that does not know a word is left out of its pairs. Then each rarer residue word joins
the group whose centre is nearest on the mean of the two vector sources' cosines, if that reaches
``ATTACH_SIMILARITY``: "pudding", said once, joins "food, meal". A candidate is a
group and every pooled sentence whose residue holds one of its words, which is exactly what a local theme
with those words' forms as patterns would match; groups under ``min_texts`` texts are dropped. Each
candidate reports its words (top phrases, most frequent first), a name suggestion from them, its size in
texts, its texts by month (trend), and a few example sentences (the most typical ones: nearest the
group's centre, each from another text and saying other words). Accepting a candidate makes a local theme
matching its phrases and their forms.
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
from .discovery_rank import subjects_first
from .doctext import doc_text
from .general_vectors import GeneralVectors
from .general_vectors import load_default as load_general
from .tagger import Tagger
from .types import LocalTheme
from .word_vectors import WordVectors, load_default, normalise_word, stem

# A word the model weighs at least this much towards a theme the sentence is confidently about is accounted
# for by that theme. (Theme-bearing words weigh 0.5-1.8, e.g. "clean" 1.5 for Cleanliness, "wait" 1.1 for
# Timeliness; words no theme was trained on stay under 0.3.) At 0.35 a word a neighbouring theme leans on a
# little ("clean" for the environment when cleanliness is not a theme) was taken as accounted for, and a
# hidden theme lost it; 1.0 keeps only the words a theme is named by (bench/RESULTS.md, branch discovery).
EXPLAINED_WEIGHT = 1.0
# Below this calibrated confidence for every theme, a sentence is "unassigned or low-confidence".
LOW_CONFIDENCE = 0.5
# Distance (1 - similarity) under which two groups of words merge (average linkage). Two words' similarity is
# the weighted mean of the sources that know both: their texts' cosine here (CO_OCCURRENCE_WEIGHT), their
# in-domain word vectors' cosine (DOMAIN_WEIGHT) and their general-English vectors' cosine (GENERAL_WEIGHT).
MERGE_DISTANCE = 0.5
CO_OCCURRENCE_WEIGHT = 0.5
DOMAIN_WEIGHT = 0.5
GENERAL_WEIGHT = 1.0
# Words said in fewer texts than this are too rare to cluster on co-occurrence: a word in two texts of 900
# is "like" any word it happened to share a text with. They join a group by meaning instead: the group
# whose centre they are nearest, if the mean of their in-domain and general cosines to it (weighted as
# above, over the sources that know the word) reaches ATTACH_SIMILARITY.
CLUSTER_MIN_TEXTS = 3
ATTACH_SIMILARITY = 0.35
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
        always = {normalise_word(w) for w in known_words}
        for theme in local_themes:
            for phrase in theme.phrases:
                always.update(content_words(phrase.split()))
            for pattern in theme.patterns:
                always.update(content_words(re.findall(r"[a-z]{3,}", pattern.lower())))
        self.always: set[str] = {stem(w) for w in always}

    def residue(self, tokens: list[str], margins: np.ndarray, confidence: float) -> list[str]:
        """The sentence's content words that neither its confident themes nor a local theme account for;
        every content word when no theme is confident."""
        sure = np.flatnonzero(self.head.confidence(margins, np.arange(len(margins))) >= confidence)
        out = []
        for token in tokens:
            words = content_words([token])
            if not words or stem(words[0]) in self.always:
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
    residue: list[str]  # stems
    # The sentence's words (case and spacing ignored), hashed: short comments repeat word for word, and
    # the examples show different sentences. None: not known (pools built by hand).
    said: int | None = None


def _pool(
    tagger: Tagger,
    texts: Sequence[DiscoveryText],
    accounts: _Accounts,
    confidence: float,
    forms: dict[str, Counter[str]],
) -> list[_Sentence]:
    """The sentences with a residue, as stems; ``forms`` gathers each stem's words as said."""
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
                    stems = [stem(w) for w in residue]
                    for word, word_stem in zip(residue, stems, strict=True):
                        forms.setdefault(word_stem, Counter())[word] += 1
                    start, end = _trim(text, span.start_char, span.end_char)
                    said = hash(" ".join(text[start:end].lower().split()))
                    pool.append(_Sentence(SentenceRef(item.key, start, end), item.month, stems, said))
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


def _candidate(
    members: list[_Sentence],
    rows: sp.csr_matrix,
    stems: list[str],
    forms: dict[str, Counter[str]],
    named: int = 2,
) -> Candidate:
    """``stems`` most frequent first; a phrase is a stem's commonest form, and the patterns match every
    form seen (what the candidate's sentences say). The name is the first ``named`` phrases (1 when the
    group's second word is a rare one that joined it, so "Children", not "Children and bellamy")."""
    centre = np.asarray(rows.mean(axis=0)).ravel()
    typical = np.argsort(-(rows @ centre))
    seen_text: set[str] = set()
    seen_said: set[int] = set()
    examples = []
    for i in typical:
        member = members[int(i)]
        ref = member.ref
        if ref.key not in seen_text and member.said not in seen_said:
            seen_text.add(ref.key)
            if member.said is not None:
                seen_said.add(member.said)
            examples.append(ref)
        if len(examples) == EXAMPLES:
            break
    trend: Counter[str] = Counter()
    for _key, month in {(m.ref.key, m.month) for m in members if m.month}:
        trend[month] += 1
    phrases = [forms[s].most_common(1)[0][0] if s in forms else s for s in stems]
    patterns = [_word_pattern(w) for s in stems for w in sorted(forms.get(s, {s: 1}))]
    return Candidate(
        name=" and ".join(phrases[: max(1, named)]).capitalize(),
        phrases=phrases,
        patterns=list(dict.fromkeys(patterns)),
        sentences=[m.ref for m in members],
        examples=examples,
        trend=dict(sorted(trend.items())),
    )


def _unit_rows(m: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    return m / np.where(norms > 0, norms, 1)


def _words_by_text(
    pool: list[_Sentence], kept: np.ndarray, x: sp.csr_matrix, *, min_df: int
) -> tuple[sp.csc_matrix, np.ndarray, np.ndarray, np.ndarray]:
    """Which texts (not sentences) hold each residue word: the 0/1 texts x words matrix, each word's text
    count, the words common enough to cluster (at most ``MAX_WORDS``, commonest first) and the rarer rest."""
    keys = [pool[int(i)].ref.key for i in kept]
    text_index = {key: t for t, key in enumerate(dict.fromkeys(keys))}
    owner = np.array([text_index[key] for key in keys])
    to_text = sp.csr_matrix(
        (np.ones(len(owner)), (owner, np.arange(len(owner)))), shape=(len(text_index), len(owner))
    )
    by_text = ((to_text @ (x > 0).astype(np.float64)) > 0).astype(np.float64).tocsc()
    df = np.asarray(by_text.sum(axis=0)).ravel()
    # Agglomerative clustering keeps an n x n distance matrix: the commonest words are clustered.
    order = np.argsort(-df, kind="stable")
    words = order[df[order] >= min_df][:MAX_WORDS]
    rare = np.setdiff1d(np.flatnonzero(df > 0), words)
    return by_text, df, words, rare


def _plural(word: str) -> str:
    """The plural people would write ("activity" -> "activities"): ``normalise_word`` folded it away, and
    general English often says a theme's word in the plural ("activities", "meals")."""
    if word.endswith("y") and len(word) > 3 and word[-2] not in "aeiou":
        return word[:-1] + "ies"
    return word + ("es" if word.endswith(("s", "x", "ch", "sh")) else "s")


def _general_rows(stems: list[str], forms: dict[str, Counter[str]], general: GeneralVectors) -> np.ndarray:
    """Each stem's general-English vector: the unit mean of the vectors of its forms as said in the pool
    (and their plurals), weighted by how often each form is said ("phon": phone, phoned, phoning); a zero
    row if none has one."""
    out = np.zeros((len(stems), general.dimensions), dtype=np.float32)
    for i, word_stem in enumerate(stems):
        for word, n in (forms.get(word_stem) or Counter({word_stem: 1})).items():
            for form in (word, _plural(word)):
                vector = general.vector(form)
                if vector is not None:
                    out[i] += n * vector
    return _unit_rows(out)


def _spaces(
    stems: list[str],
    forms: dict[str, Counter[str]],
    vectors: WordVectors | None,
    general: GeneralVectors | None,
) -> list[tuple[float, np.ndarray, np.ndarray]]:
    """The word-meaning sources for ``stems``: (weight, unit rows, which rows exist) for the in-domain
    vectors and the general-English ones."""
    spaces = []
    if vectors is not None:
        rows = [vectors.index(s) for s in stems]
        has = np.array([r is not None for r in rows], dtype=bool)
        own = np.zeros((len(stems), vectors.vectors.shape[1]), dtype=np.float32)
        if has.any():
            own[has] = vectors.vectors[[r for r in rows if r is not None]]
        spaces.append((DOMAIN_WEIGHT, own, has))
    if general is not None:
        rows_g = _general_rows(stems, forms, general)
        spaces.append((GENERAL_WEIGHT, rows_g, np.linalg.norm(rows_g, axis=1) > 0))
    return spaces


def _word_groups(
    pool: list[_Sentence],
    kept: np.ndarray,
    x: sp.csr_matrix,
    vocabulary: list[str],
    *,
    min_df: int,
    distance: float,
    vectors: WordVectors | None,
    general: GeneralVectors | None = None,
    forms: dict[str, Counter[str]] | None = None,
) -> list[list[int]]:
    """Groups of residue words (columns of ``x``) that mean one thing: words seen in ``min_df`` texts or
    more are clustered (agglomerative, average linkage) on a weighted mean of co-occurrence in the pooled
    texts and the cosines of each word-vector source both words have; rarer words then join the group
    whose centre is nearest on the mean of the vector sources, if close enough. A group's words come most
    frequent first."""
    by_text, df, words, rare = _words_by_text(pool, kept, x, min_df=min_df)
    if len(words) < 2:
        return [[int(j)] for j in words]
    columns = by_text[:, words].T.tocsr()
    norms = np.sqrt(np.asarray(columns.multiply(columns).sum(axis=1)).ravel())
    columns = sp.diags(1 / norms) @ columns
    co_occurrence = np.asarray((columns @ columns.T).todense())
    total = CO_OCCURRENCE_WEIGHT * co_occurrence
    weight = np.full(total.shape, CO_OCCURRENCE_WEIGHT)
    spaces = _spaces([vocabulary[j] for j in words], forms or {}, vectors, general)
    for share, rows, has in spaces:
        both = np.outer(has, has)
        total += np.where(both, share * (rows @ rows.T), 0.0)
        weight += share * both
    # Words no source but co-occurrence covers are compared on co-occurrence alone.
    similarity = np.where(weight > 0, total / np.maximum(weight, 1e-12), co_occurrence)
    np.fill_diagonal(similarity, 1.0)
    labels = AgglomerativeClustering(
        n_clusters=None, distance_threshold=distance, metric="precomputed", linkage="average"
    ).fit_predict(np.clip(1 - similarity, 0, 2))
    groups = [list(words[labels == label]) for label in np.unique(labels)]
    if spaces and len(rare):
        _attach(
            groups,
            words,
            rare,
            df,
            spaces,
            _spaces([vocabulary[j] for j in rare], forms or {}, vectors, general),
        )
    return [[int(j) for j in sorted(g, key=lambda j: (-df[j], j))] for g in groups]


def _attach(
    groups: list[list[int]],
    words: np.ndarray,
    rare: np.ndarray,
    df: np.ndarray,
    spaces: list[tuple[float, np.ndarray, np.ndarray]],
    rare_spaces: list[tuple[float, np.ndarray, np.ndarray]],
) -> None:
    """Each rare word joins the group whose centre (its words' vectors weighted by how many texts say them)
    is nearest on the weighted mean of the cosines of the sources that know the word, if that mean reaches
    ``ATTACH_SIMILARITY``: "pudding", said once, joins "food, meal"; a word near no centre stays out."""
    position = {int(j): i for i, j in enumerate(words)}
    members = np.zeros((len(groups), len(words)))
    for g, group in enumerate(groups):
        for j in group:
            members[g, position[int(j)]] = df[j]
    total = np.zeros((len(rare), len(groups)))
    weight = np.zeros((len(rare), 1))
    for (share, rows, has), (_, rare_rows, rare_has) in zip(spaces, rare_spaces, strict=True):
        centres = _unit_rows(members @ (rows * has[:, None]))
        total += share * (rare_rows @ centres.T) * rare_has[:, None]
        weight += share * rare_has[:, None]
    mean = np.where(weight > 0, total / np.maximum(weight, 1e-12), -np.inf)
    for j, g, best in zip(rare, mean.argmax(axis=1), mean.max(axis=1), strict=True):
        if best >= ATTACH_SIMILARITY:
            groups[int(g)].append(int(j))


def candidates_from_pool(
    pool: list[_Sentence],
    forms: dict[str, Counter[str]],
    *,
    min_texts: int = MIN_TEXTS,
    distance: float = MERGE_DISTANCE,
    vectors: WordVectors | None = None,
    general: GeneralVectors | None = None,
) -> list[Candidate]:
    """Candidates (largest first) from pooled sentences: the grouping half of :func:`discover`."""
    if not pool:
        return []
    x, vocabulary, kept = _matrix(pool, min_df=1)
    if x.shape[0] == 0:
        return []
    candidates = []
    seen: set[tuple[str, ...]] = set()
    binary = (x > 0).tocsc()
    min_df = max(int(CLUSTER_MIN_TEXTS), min_texts // 2)
    df = _words_by_text(pool, kept, x, min_df=min_df)[1]
    groups = _word_groups(
        pool,
        kept,
        x,
        vocabulary,
        min_df=min_df,
        distance=distance,
        vectors=vectors,
        general=general,
        forms=forms,
    )
    for words in groups:
        rows = np.flatnonzero(np.asarray(binary[:, words].sum(axis=1)).ravel() > 0)
        stems = [vocabulary[j] for j in words]
        members = [pool[int(kept[i])] for i in rows]
        if tuple(stems) in seen or len({m.ref.key for m in members}) < min_texts:
            continue
        seen.add(tuple(stems))
        core = int((df[words] >= min_df).sum())  # the group's clustered words
        candidates.append(_candidate(members, x[rows], stems, forms, named=min(2, core)))
    candidates.sort(key=lambda c: -c.size)
    return candidates


_DEFAULT = object()


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
    vectors: WordVectors | None | object = _DEFAULT,
    general: GeneralVectors | None | object = _DEFAULT,
) -> list[Candidate]:
    """Candidate themes in what the tagger's themes (and ``local_themes``) leave unaccounted for, largest
    first (when there are more than ``max_candidates``, those that name a subject fill the places first:
    ``discovery_rank``). ``known_words`` are words already dealt with (e.g. of candidates people dismissed).
    ``vectors`` and ``general`` default to the committed in-domain and general-English word vectors;
    ``None`` leaves a source out (both ``None``: co-occurrence alone)."""
    forms: dict[str, Counter[str]] = {}
    pool = _pool(tagger, texts, _Accounts(tagger, local_themes, known_words), confidence, forms)
    found = candidates_from_pool(
        pool,
        forms,
        min_texts=min_texts,
        distance=distance,
        vectors=load_default() if vectors is _DEFAULT else vectors,  # type: ignore[arg-type]
        general=load_general() if general is _DEFAULT else general,  # type: ignore[arg-type]
    )
    if max_candidates is not None and len(found) > max_candidates:  # the page's places go to subjects first
        return subjects_first(found, {t.key: t.text for t in texts}, max_candidates)
    return found[:max_candidates]
