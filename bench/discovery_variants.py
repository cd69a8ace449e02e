"""Emerging-theme discovery: compare grouping variants on cached pools (issue #18 point 3, experiments).

Training a fold's tagger without a label takes 15 s of CPU (1-2 minutes under load); the grouping takes a
second. So the taggers' per-sentence output is cached once, and variants of the grouping run on the cache:

    OMP_NUM_THREADS=1 .venv/bin/python bench/discovery_variants.py cache --out /tmp/disc
    OMP_NUM_THREADS=1 .venv/bin/python bench/discovery_variants.py run --cache /tmp/disc --variant selftrain

Folds, labels and scoring are ``bench/discovery.py``'s (the five folds of ``px_feedback_train.csv``, best
candidate by F1). Variants, none of them in the hub (see ``bench/RESULTS.md``):

- ``committed``: ``candidates_from_pool`` as the hub runs it (in-domain and general-English vectors).
- ``domain``: the same without the general-English vectors; with ``--set ATTACH_SIMILARITY=0.4
  CLUSTER_MIN_TEXTS=2`` it is the grouping before them (main at be1aa0f).

``--set NAME=VALUE`` changes one of ``discovery``'s module settings for the run; ``--folds`` runs some folds.
- ``selftrain``: each committed candidate grown by a classifier: logistic regression over the pooled
  sentences' residue words (the candidate's own words masked, so it learns their context) and their mean
  word vector, the candidate's sentences positive and every other pooled sentence negative; pooled
  sentences scoring at least the 20th percentile of the candidate's own scores join it.
- ``profile``: word groups clustered on a third source of meaning besides co-occurrence and word vectors:
  the mean theme-confidence profile (centred) of the sentences a word is said in, a fifth of the similarity.
"""

from __future__ import annotations

import argparse
import os
import pickle
import sys
from collections import Counter
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import scipy.sparse as sp  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

from insight_hub.themes.ml import discovery as D  # noqa: E402
from insight_hub.themes.ml.components import scored_sentences  # noqa: E402
from insight_hub.themes.ml.data import read_rows  # noqa: E402
from insight_hub.themes.ml.discovery_eval import train_without  # noqa: E402
from insight_hub.themes.ml.doctext import doc_text  # noqa: E402
from insight_hub.themes.ml.general_vectors import load_default as load_general  # noqa: E402
from insight_hub.themes.ml.training import cv_folds  # noqa: E402
from insight_hub.themes.ml.word_vectors import load_default, stem  # noqa: E402

LABELS = [
    "Food & drink provision & facilities",
    "Activities & access to fresh air",
    "Cleanliness, tidiness & infection control",
    "Appointment arrangements",
    "Supplying & understanding medication",
    "Transport to/ from services",
    "Contacting services",
]


def cache(csv: str, out: Path, labels: list[int]) -> None:
    """Per label and fold: every sentence of the fold's texts with its theme confidences and residue."""
    rows = read_rows(csv)
    out.mkdir(parents=True, exist_ok=True)
    for li in labels:
        for f, (train, test) in enumerate(cv_folds(len(rows), 5, 0)):
            path = out / f"c_{li}_{f}.pkl"
            if path.exists():
                continue
            tagger, data = train_without(rows.subset(train), LABELS[li]), rows.subset(test)
            accounts, nlp = D._Accounts(tagger, (), ()), tagger.nlp
            docs = []
            for text, qtype in zip(data.texts, data.question_types, strict=True):
                doc = nlp.make_doc(text or "")
                doc._.source_text, doc._.question_type = text or "", qtype
                docs.append(doc)
            sentences = []
            with nlp.select_pipes(disable=["safety_rules"]):
                for i, doc in enumerate(nlp.pipe(docs, batch_size=256)):
                    text = doc_text(doc)
                    margins_all = doc._.qdc_scores.sentence_theme_margins
                    for span, margins in zip(scored_sentences(doc), margins_all, strict=True):
                        start, end = D._trim(text, span.start_char, span.end_char)
                        sentences.append(
                            {
                                "key": str(i),
                                "start": start,
                                "end": end,
                                "conf": accounts.head.confidence(margins, np.arange(len(margins))),
                                "residue": accounts.residue(
                                    D._outside_brackets(span), margins, D.LOW_CONFIDENCE
                                ),
                            }
                        )
            gold = {str(i) for i, labs in enumerate(data.labels) if LABELS[li] in labs}
            path.write_bytes(pickle.dumps({"sentences": sentences, "gold": gold}))
            print(f"cached label {li} fold {f}", flush=True)


def pool_of(cached: dict):
    forms: dict[str, Counter[str]] = {}
    pool, profiles = [], []
    for s in cached["sentences"]:
        if s["residue"]:
            stems = [stem(w) for w in s["residue"]]
            for word, word_stem in zip(s["residue"], stems, strict=True):
                forms.setdefault(word_stem, Counter())[word] += 1
            pool.append(D._Sentence(D.SentenceRef(s["key"], s["start"], s["end"]), "", stems))
            profiles.append(s["conf"])
    return pool, forms, np.array(profiles)


def _word_vectors(vocabulary: list[str], vectors) -> np.ndarray:
    out = np.zeros((len(vocabulary), vectors.vectors.shape[1]), dtype=np.float32)
    for j, word in enumerate(vocabulary):
        row = vectors.index(word)
        if row is not None:
            out[j] = vectors.vectors[row]
    return out


def selftrain(cached: dict, vectors, *, quantile: float = 0.2) -> list[D.Candidate]:
    pool, forms, _ = pool_of(cached)
    found = D.candidates_from_pool(pool, forms, vectors=vectors)
    x, vocabulary, kept = D._matrix(pool, min_df=1)
    column = {w: j for j, w in enumerate(vocabulary)}
    binary = (x > 0).astype(np.float64).tocsr()
    own = _word_vectors(vocabulary, vectors)
    row_of = {pool[int(i)].ref: r for r, i in enumerate(kept)}
    grown = []
    for candidate in found:
        seed = sorted({row_of[s] for s in candidate.sentences if s in row_of})
        words = {column[w] for r in seed for w in pool[int(kept[r])].residue if w in column}
        # The candidate's own words: those of its phrases' stems that its sentences say.
        said = {stem(D.normalise_word(p)) for p in candidate.phrases}
        mask = np.ones(x.shape[1])
        mask[[j for j in words if vocabulary[j] in said]] = 0
        masked = x @ sp.diags(mask)
        dense = D._unit_rows(np.asarray((binary @ sp.diags(mask)) @ own))
        features = sp.hstack([masked, sp.csr_matrix(dense)]).tocsr()
        members = np.zeros(x.shape[0], dtype=bool)
        members[seed] = True
        model = LogisticRegression(class_weight="balanced", solver="liblinear", max_iter=200)
        scores = model.fit(features, members.astype(int)).decision_function(features)
        members |= scores >= np.quantile(scores[members], quantile)
        refs = [pool[int(kept[r])].ref for r in np.flatnonzero(members)]
        grown.append(D.Candidate(candidate.name, candidate.phrases, candidate.patterns, refs, []))
    return grown


def profile(cached: dict, vectors, *, share: float = 0.2) -> list[D.Candidate]:
    """The committed grouping with the similarity of words' theme-confidence profiles mixed in."""
    pool, forms, profiles = pool_of(cached)
    committed = D._word_groups

    def groups(
        pool_, kept, x, vocabulary, *, min_df, distance, vectors, **_
    ):  # ``_word_groups``, plus profiles
        by_text, df, words, rare = D._words_by_text(pool_, kept, x, min_df=min_df)
        columns = D._unit_rows(by_text[:, words].T.toarray())
        own = _word_vectors([vocabulary[j] for j in words], vectors)
        has = np.linalg.norm(own, axis=1) > 0
        share_co = D.CO_OCCURRENCE_WEIGHT / (D.CO_OCCURRENCE_WEIGHT + D.DOMAIN_WEIGHT)
        mixed = np.where(
            np.outer(has, has),
            share_co * (columns @ columns.T) + (1 - share_co) * (own @ own.T),
            columns @ columns.T,
        )
        by_word = (x > 0).astype(np.float64).T.tocsr()[words]
        centred = profiles[kept] - profiles[kept].mean(axis=0)
        word_profiles = D._unit_rows(np.asarray(by_word @ centred))
        similarity = (1 - share) * mixed + share * (word_profiles @ word_profiles.T)
        np.fill_diagonal(similarity, 1.0)
        labels = D.AgglomerativeClustering(
            n_clusters=None, distance_threshold=distance, metric="precomputed", linkage="average"
        ).fit_predict(np.clip(1 - similarity, 0, 2))
        found = [list(words[labels == label]) for label in np.unique(labels)]
        if len(rare):
            spaces = D._spaces([vocabulary[j] for j in words], forms, vectors, None)
            rare_spaces = D._spaces([vocabulary[j] for j in rare], forms, vectors, None)
            D._attach(found, words, rare, df, spaces, rare_spaces)
        return [[int(j) for j in sorted(g, key=lambda j: (-df[j], j))] for g in found]

    D._word_groups = groups
    try:
        return D.candidates_from_pool(pool, forms, vectors=vectors)
    finally:
        D._word_groups = committed


def best(candidates: list[D.Candidate], gold: set[str]) -> tuple[float, float]:
    top = (0.0, 0.0, 0.0)
    for candidate in candidates:
        keys = set(candidate.keys)
        hits = len(keys & gold)
        if hits:
            recall, precision = hits / len(gold), hits / len(keys)
            top = max(top, (2 * recall * precision / (recall + precision), recall, precision))
    return top[1], top[2]


def run(cache_dir: Path, variant: str, labels: list[int], folds: list[int], settings: list[str]) -> None:
    vectors, general = load_default(), load_general()
    for setting in settings:  # e.g. GENERAL_WEIGHT=0.5: a module setting of ``discovery`` for this run
        name, value = setting.split("=")
        if not hasattr(D, name):
            raise SystemExit(f"discovery has no setting {name}")
        setattr(D, name, float(value))
    grouping = {
        "committed": lambda c: D.candidates_from_pool(*pool_of(c)[:2], vectors=vectors, general=general),
        "domain": lambda c: D.candidates_from_pool(*pool_of(c)[:2], vectors=vectors),
        "selftrain": lambda c: selftrain(c, vectors),
        "profile": lambda c: profile(c, vectors),
    }[variant]
    means = []
    for li in labels:
        scores = [
            best(grouping(cached), cached["gold"])
            for cached in (pickle.loads((cache_dir / f"c_{li}_{f}.pkl").read_bytes()) for f in folds)
        ]
        means.append(np.mean(scores, axis=0))
        print(f"{LABELS[li][:45]:45s} recall {means[-1][0]:.2f} precision {means[-1][1]:.2f}", flush=True)
    print(
        f"{'mean over ' + str(len(means)) + ' labels':45s} recall {np.mean(means, axis=0)[0]:.2f} "
        f"precision {np.mean(means, axis=0)[1]:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    make = sub.add_parser("cache")
    make.add_argument("--csv", default=str(ROOT.parent / "shared/data/px_feedback_train.csv"))
    make.add_argument("--out", type=Path, required=True)
    make.add_argument("--labels", type=int, nargs="+", default=list(range(len(LABELS))))
    compare = sub.add_parser("run")
    compare.add_argument("--cache", type=Path, required=True)
    compare.add_argument(
        "--variant", choices=["committed", "domain", "selftrain", "profile"], default="committed"
    )
    compare.add_argument("--labels", type=int, nargs="+", default=list(range(len(LABELS))))
    compare.add_argument("--folds", type=int, nargs="+", default=list(range(5)))
    compare.add_argument("--set", nargs="*", default=[], metavar="NAME=VALUE")
    args = parser.parse_args()
    if args.command == "cache":
        cache(args.csv, args.out, args.labels)
    else:
        run(args.cache, args.variant, args.labels, args.folds, args.set)


if __name__ == "__main__":
    main()
