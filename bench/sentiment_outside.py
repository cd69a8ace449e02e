"""Outside knowledge for comment sentiment: GloVe word vectors, a sentiment lexicon, character n-grams across
words, ordinal targets; scored on the five folds of ``bench/tagger.py``.

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/sentiment_outside.py \
        --csv ../shared/data/px_feedback_train.csv [--only V1 C1 ...]

Like ``bench/sentiment_calibrators.py``: the featuriser is fitted on each outer fold's training rows, the
sentiment SVMs exactly as ``fit_sentiment_head`` fits them (same inner 3-fold split), the text-only and rated
calibrators as the tagger has them (logistic C 1; rated comments of at most 1,500 characters use the rated
one). Each variant only changes what the SVMs or calibrators read. A variant's weight or C is chosen inside
each outer fold's training rows (best 3-fold accuracy of the rated calibrator on the inner out-of-fold
margins), never on the evaluation fold. Nothing is written to the repository.

The lexicon variant (L1) needs VADER (``vaderSentiment`` 3.3.2, MIT), which the project does not depend on:
``pip install --target /tmp/vader vaderSentiment==3.3.2`` and ``PYTHONPATH=/tmp/vader``; without it L1 is
skipped.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import scipy.sparse as sp  # noqa: E402
from scipy.stats import binomtest  # noqa: E402
from sklearn.cluster import MiniBatchKMeans  # noqa: E402
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import KFold  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402

from insight_hub.themes.ml import general_vectors  # noqa: E402
from insight_hub.themes.ml import training as T  # noqa: E402
from insight_hub.themes.ml.components import build_pipeline, scored_sentences, sentence_tokens, tokenise_only  # noqa: E402
from insight_hub.themes.ml.data import read_rows  # noqa: E402
from insight_hub.themes.ml.features import Featurizer, normalise_question_type  # noqa: E402
from insight_hub.themes.ml.heads import rating_inputs  # noqa: E402
from insight_hub.themes.ml.types import SENTIMENTS  # noqa: E402

MAX_RATED_CHARS = 1500
# Pooled GloVe vectors skip stop words but keep negations and degree words; the clusters keep negations only.
POOL_STOP = set(ENGLISH_STOP_WORDS) - {
    *("no", "not", "nor", "never", "nothing", "none", "cannot"),
    *("very", "too", "less", "least", "more", "most", "well"),
}
CLUSTER_STOP = set(ENGLISH_STOP_WORDS) - {"no", "not", "nor", "never", "nothing", "none", "cannot"}
CLUSTERS, CLUSTER_WORDS = 1000, 50_000
WEIGHTS = (0.5, 1.0)


# -- inputs ----------------------------------------------------------------------------------
def _unit(v: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(v)
    return v / n if n > 0 else v


def glove_pools(words_per_doc: list[list[str]], vectors: general_vectors.GeneralVectors) -> np.ndarray:
    """(docs, 300): unit mean, unit elementwise max and unit elementwise min of the content words' vectors."""
    codes = vectors.codes.astype(np.float32) / general_vectors.SCALE
    out = np.zeros((len(words_per_doc), 3 * vectors.dimensions), dtype=np.float32)
    for d, words in enumerate(words_per_doc):
        rows = [r for w in words if w not in POOL_STOP and w.isalpha() and (r := vectors.row(w)) is not None]
        if rows:
            v = codes[rows]
            out[d] = np.concatenate([_unit(v.sum(0)), _unit(v.max(0)), _unit(v.min(0))])
    return out


def glove_clusters(words_per_doc: list[list[str]], vectors: general_vectors.GeneralVectors) -> sp.csr_matrix:
    """Counts of k-means clusters of GloVe's most frequent words (no project text involved), sublinear,
    unit rows: a word unseen in training shares a feature with the words near it."""
    codes = vectors.codes.astype(np.float32) / general_vectors.SCALE
    km = MiniBatchKMeans(CLUSTERS, random_state=0, n_init=1, batch_size=4096, max_iter=50)
    centres = km.fit(codes[:CLUSTER_WORDS]).cluster_centers_
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    cache: dict[str, int] = {}

    def cluster(w: str) -> int:
        if w not in cache:
            r = vectors.row(w) if w not in CLUSTER_STOP and w.isalpha() else None
            cache[w] = -1 if r is None else int((codes[r] @ centres.T).argmax())
        return cache[w]

    indices: list[int] = []
    indptr = [0]
    for words in words_per_doc:
        indices += [i for i in map(cluster, words) if i >= 0]
        indptr.append(len(indices))
    m = sp.csr_matrix(
        (np.ones(len(indices), np.float32), indices, indptr), shape=(len(words_per_doc), CLUSTERS)
    )
    m.sum_duplicates()
    m.data = 1 + np.log(m.data)
    norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1))).ravel()
    return (sp.diags(1 / np.maximum(norms, 1e-9)) @ m).tocsr()


def vader_scores(texts: list[str]) -> np.ndarray | None:
    try:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
    except ImportError:
        return None
    analyser = SentimentIntensityAnalyzer()
    return np.array(
        [[s["neg"], s["neu"], s["pos"], s["compound"]] for s in map(analyser.polarity_scores, texts)]
    )


def cache(csv: str, folds: int, seed: int) -> dict:
    rows = read_rows(csv)
    raw = pd.read_csv(csv)["sentiment"].fillna(-1).astype(int).to_numpy()  # 1 very positive … 5 very negative
    nlp = build_pipeline()
    docs = list(tokenise_only(nlp, rows.texts))
    for doc, qtype in zip(docs, rows.question_types, strict=True):
        doc._.question_type = qtype
    linear = nlp.get_pipe("qdc_linear")
    sentences = [scored_sentences(doc) for doc in docs]
    words = [[w for ws, _ in sentence_tokens(s) for w in ws] for s in sentences]
    vectors = general_vectors.load_default()
    assert vectors is not None, "model/general_vectors.npz is missing"
    c = {
        "texts": rows.texts,
        "sent": np.array([-1 if s is None else SENTIMENTS.index(s) for s in rows.sentiments]),
        "raw": raw,
        "ratings": np.array([-1 if r is None else r for r in rows.ratings]),
        "nchar": np.array([len(t) for t in rows.texts]),
        "pools": glove_pools(words, vectors),
        "clusters": glove_clusters(words, vectors),
        "vader": vader_scores(rows.texts),
        "folds": [],
    }
    for train, test in T.cv_folds(len(rows), folds, seed):
        linear.featurizer = Featurizer.fit(
            (sentence_tokens(sentences[i]), normalise_question_type(docs[i]._.question_type)) for i in train
        )
        x, _, _ = linear.doc_matrix(docs, sentences)
        chars = TfidfVectorizer(analyzer="char", ngram_range=(2, 5), sublinear_tf=True, min_df=2)
        chars.fit([rows.texts[i] for i in train])
        c["folds"].append((train, test, x, chars.transform(rows.texts).astype(np.float32).tocsr()))
    return c


# -- fitting ---------------------------------------------------------------------------------
def svm_margins(x, tr: np.ndarray, test: np.ndarray, targets: np.ndarray, seed: int = 0):
    """(inner out-of-fold margins of the training rows, full-fold model's margins of the test rows)."""
    oof = np.zeros(targets.shape, dtype=np.float32)
    for a, b in KFold(T.INNER_FOLDS, shuffle=True, random_state=seed).split(targets):
        w, bias = T._fit_margins(x[tr[a]], targets[a], seed)
        oof[b] = np.asarray(x[tr[b]] @ w) + bias
    w, bias = T._fit_margins(x[tr], targets, seed)
    return oof, np.asarray(x[test] @ w) + bias


def stacked_proba(make, dense: np.ndarray, tr: np.ndarray, test: np.ndarray, y: np.ndarray, seed: int = 0):
    """Log-probabilities of a classifier on ``dense`` inputs, out-of-fold (same inner split) and full-fold."""
    oof = np.zeros((len(tr), len(SENTIMENTS)), dtype=np.float32)
    for a, b in KFold(T.INNER_FOLDS, shuffle=True, random_state=seed).split(tr):
        oof[b] = np.log(np.clip(make().fit(dense[tr[a]], y[a]).predict_proba(dense[tr[b]]), 1e-6, 1))
    return oof, np.log(np.clip(make().fit(dense[tr], y).predict_proba(dense[test]), 1e-6, 1))


def rated_accuracy(oof: np.ndarray, y: np.ndarray, ratings: np.ndarray) -> float:
    """3-fold accuracy of the rated calibrator on inner out-of-fold margins (the inner choice's score)."""
    m = ratings > 0
    inputs, target = rating_inputs(oof[m], ratings[m]), y[m]
    pred = np.empty(len(target), dtype=int)
    for a, b in KFold(3, shuffle=True, random_state=0).split(inputs):
        pred[b] = LogisticRegression(C=1.0, max_iter=1000).fit(inputs[a], target[a]).predict(inputs[b])
    return float((pred == target).mean())


def pick(candidates: list[tuple[object, Callable]], y: np.ndarray, ratings: np.ndarray):
    """(setting, (oof, test margins)) of the candidate with the best inner rated accuracy."""
    scored = [(s, make()) for s, make in candidates]
    if len(scored) == 1:
        return scored[0]
    return max(scored, key=lambda sm: rated_accuracy(sm[1][0], y, ratings))


def _onehot(y: np.ndarray) -> np.ndarray:
    return np.eye(len(SENTIMENTS), dtype=bool)[y]


def variants(c: dict) -> dict[str, Callable]:
    """name -> f(train rows with a sentiment, test rows, x, cross-word chars) -> (setting, (oof, test))."""
    pools, raw, ratings, sent = c["pools"], c["raw"], c["ratings"], c["sent"]

    def plus(block_of):
        def run(tr, te, x, ch):
            y = sent[tr]
            return pick(
                [
                    (
                        w,
                        lambda w=w: svm_margins(
                            sp.hstack([x, w * block_of(ch)], format="csr"), tr, te, _onehot(y)
                        ),
                    )
                    for w in WEIGHTS
                ],
                y,
                ratings[tr],
            )

        return run

    def stacked(makers):
        def run(tr, te, x, ch):
            y = sent[tr]
            oof, tm = svm_margins(x, tr, te, _onehot(y))

            def inner(make):
                p = np.empty(len(y), dtype=int)
                for a, b in KFold(3, shuffle=True, random_state=0).split(y):
                    p[b] = make().fit(pools[tr[a]], y[a]).predict(pools[tr[b]])
                return (p == y).mean()

            name, make = max(makers, key=lambda nm: inner(nm[1])) if len(makers) > 1 else makers[0]
            o2, t2 = stacked_proba(make, pools, tr, te, y)
            return name, (np.hstack([oof, o2]), np.hstack([tm, t2]))

        return run

    def targets(kind):
        def run(tr, te, x, ch):
            cum = np.stack([raw[tr] <= k for k in (1, 2, 3, 4)], axis=1)
            t = cum if kind == "cum" else np.hstack([_onehot(sent[tr]), cum])
            return kind, svm_margins(x, tr, te, t)

        return run

    def lexicon(tr, te, x, ch):
        oof, tm = svm_margins(x, tr, te, _onehot(sent[tr]))
        return "vader", (np.hstack([oof, c["vader"][tr]]), np.hstack([tm, c["vader"][te]]))

    def unweighted(tr, te, x, ch):
        balance = T._soft_balance
        T._soft_balance = lambda y: None  # type: ignore[assignment]
        try:
            return None, svm_margins(x, tr, te, _onehot(sent[tr]))
        finally:
            T._soft_balance = balance

    def two_views(tr, te, x, ch):
        o1, t1 = svm_margins(x, tr, te, _onehot(sent[tr]))
        o2, t2 = svm_margins(ch, tr, te, _onehot(sent[tr]))
        return None, (np.hstack([o1, o2]), np.hstack([t1, t2]))

    out = {
        "base: committed recipe": lambda tr, te, x, ch: (None, svm_margins(x, tr, te, _onehot(sent[tr]))),
        "V1: SVMs + GloVe mean block, w inner": plus(lambda ch: sp.csr_matrix(pools[:, :100])),
        "V2: SVMs + GloVe mean/max/min blocks, w inner": plus(lambda ch: sp.csr_matrix(pools)),
        "V3: calibrators + logistic on GloVe mean/max/min (C inner)": stacked(
            [(C, lambda C=C: LogisticRegression(C=C, max_iter=2000)) for C in (0.3, 1, 3)]
        ),
        "V4: calibrators + MLP(100) on GloVe mean/max/min (alpha inner)": stacked(
            [
                (
                    a,
                    lambda a=a: MLPClassifier(
                        (100,), alpha=a, max_iter=300, early_stopping=True, random_state=0
                    ),
                )
                for a in (1e-3, 1e-2, 1e-1)
            ]
        ),
        "O1: SVMs for the 4 cumulative 1-5 cuts instead of one-vs-rest": targets("cum"),
        "O2: one-vs-rest + 4 cumulative cuts": targets("both"),
        "L1: calibrators + VADER neg/neu/pos/compound": lexicon,
        "K1: SVMs + GloVe k-means cluster counts (1000), w inner": plus(lambda ch: c["clusters"]),
        "C1: SVMs + character 2-5-grams across words, w inner": plus(lambda ch: ch),
        "W1: SVMs without class weights": unweighted,
        "E1: calibrators + margins of a second SVM on cross-word characters": two_views,
    }
    if c["vader"] is None:
        del out["L1: calibrators + VADER neg/neu/pos/compound"]
    return out


def score(c: dict, run: Callable) -> tuple[np.ndarray, np.ndarray, list]:
    sent, ratings, nchar = c["sent"], c["ratings"], c["nchar"]
    pred = np.full(len(sent), -1)
    text = np.full(len(sent), -1)
    settings = []
    for train, test, x, chars in c["folds"]:
        tr = np.array([i for i in train if sent[i] >= 0])
        y = sent[tr]
        setting, (oof, tm) = run(tr, test, x, chars)
        settings.append(setting)
        text[test] = LogisticRegression(C=1.0, max_iter=1000).fit(oof, y).predict(tm)
        pred[test] = text[test]
        rated = ratings[tr] > 0
        calibrator = LogisticRegression(C=1.0, max_iter=1000)
        calibrator.fit(rating_inputs(oof[rated], ratings[tr][rated]), y[rated])
        use = (ratings[test] > 0) & (nchar[test] <= MAX_RATED_CHARS)
        pred[test[use]] = calibrator.predict(rating_inputs(tm[use], ratings[test][use]))
    return pred, text, settings


def _breakdown(c: dict, pred: np.ndarray) -> str:
    """The base's confusion matrix (rows gold, columns predicted) and its accuracy by FFT rating."""
    sent, ratings = c["sent"], c["ratings"]
    lines = ["  gold \\ predicted   " + " ".join(f"{s:>9s}" for s in SENTIMENTS)]
    for i, s in enumerate(SENTIMENTS):
        lines.append(
            f"  {s:19s} " + " ".join(f"{int(((sent == i) & (pred == j)).sum()):9d}" for j in range(3))
        )
    for r in sorted(set(ratings.tolist())):
        m = (sent >= 0) & (ratings == r)
        lines.append(f"  rating {'none' if r < 0 else r}: {(pred[m] == sent[m]).mean():.3f} of {m.sum()}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--csv", default=str(ROOT.parent / "shared/data/px_feedback_train.csv"))
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", nargs="*", help="variant letters to run (base always runs)")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    started = time.perf_counter()
    c = cache(args.csv, args.folds, args.seed)
    print(f"inputs cached in {time.perf_counter() - started:.0f}s", flush=True)
    known = c["sent"] >= 0
    base = None
    for name, run in variants(c).items():
        if base is not None and args.only and name.split(":")[0] not in args.only:
            continue
        started = time.perf_counter()
        pred, text, settings = score(c, run)
        right = pred == c["sent"]
        line = (
            f"{name:66s} {right[known].mean():.4f} ({right[known].sum()} / {known.sum()}) "
            f"text only {(text == c['sent'])[known].mean():.4f}"
        )
        if base is None:
            base = right
            print(_breakdown(c, pred), flush=True)
        else:
            fixes, breaks = int((right & ~base & known).sum()), int((~right & base & known).sum())
            p = binomtest(fixes, fixes + breaks).pvalue if fixes + breaks else 1.0
            line += f"  fixes {fixes}, breaks {breaks}, McNemar p {p:.2f}"
        if any(s is not None for s in settings):
            line += f"  chosen {settings}"
        print(f"{line}  [{time.perf_counter() - started:.0f}s]", flush=True)


if __name__ == "__main__":
    main()
