"""Compare calibrators for a rated comment's sentiment on the five folds of ``bench/tagger.py``.

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/sentiment_calibrators.py \
        --csv ../shared/data/px_feedback_train.csv

The sentiment SVMs are fitted once per outer fold exactly as ``fit_sentiment_head`` fits them (same
featuriser, same inner 3-fold split), and their text margins are kept: out-of-fold for the training rows
(what a calibrator learns from), full-fold model for the evaluation rows. Every calibrator below then costs
seconds. Rows without a rating (or longer than 1,500 characters) always get the text-only calibrator, as
in the tagger; only the calibrator of rated comments differs. Each calibrator's settings are chosen by a
3-fold CV inside the training rows of each outer fold, never on the evaluation fold. Nothing is written to
the repository; this is an experiment, the committed model is not changed by it.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from scipy.stats import binomtest  # noqa: E402
from sklearn.ensemble import HistGradientBoostingClassifier  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import KFold  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from insight_hub.themes.ml.components import build_pipeline, scored_sentences, sentence_tokens, tokenise_only  # noqa: E402
from insight_hub.themes.ml.data import read_rows  # noqa: E402
from insight_hub.themes.ml.features import Featurizer, normalise_question_type  # noqa: E402
from insight_hub.themes.ml.heads import rating_inputs  # noqa: E402
from insight_hub.themes.ml.story_language import language_features  # noqa: E402
from insight_hub.themes.ml.training import INNER_FOLDS, _fit_margins, cv_folds  # noqa: E402
from insight_hub.themes.ml.types import RATING_LEVELS, SENTIMENTS  # noqa: E402

MAX_RATED_CHARS = 1500  # the tagger reads a rating only for comments up to this length


# -- cached inputs ---------------------------------------------------------------------------
def _spread(xs, owners: np.ndarray, w: np.ndarray, b: np.ndarray, docs: np.ndarray) -> np.ndarray:
    """(len(docs), 6): max and min over each doc's sentences of the three class margins."""
    where = {d: i for i, d in enumerate(docs.tolist())}
    rows = np.flatnonzero(np.isin(owners, docs))
    margins = np.asarray(xs[rows] @ w) + b
    own = np.array([where[o] for o in owners[rows].tolist()], dtype=int)
    out = np.concatenate([np.full((len(docs), 3), -np.inf), np.full((len(docs), 3), np.inf)], axis=1)
    np.maximum.at(out[:, :3], own, margins)
    np.minimum.at(out[:, 3:], own, margins)
    out[~np.isfinite(out[:, 0])] = np.concatenate([b, b])  # a doc without sentences: bias only
    return out


def cache(csv: str, folds: int, seed: int) -> dict:
    rows = read_rows(csv)
    nlp = build_pipeline()
    docs = list(tokenise_only(nlp, rows.texts))
    for doc, qtype in zip(docs, rows.question_types, strict=True):
        doc._.question_type = qtype
    linear = nlp.get_pipe("qdc_linear")
    sentences = [scored_sentences(doc) for doc in docs]
    lang = np.array(
        [
            language_features(d, [(s.start_char, s.end_char) for s in ss])
            for d, ss in zip(docs, sentences, strict=True)
        ]
    )
    c = {
        "sent": np.array([-1 if s is None else SENTIMENTS.index(s) for s in rows.sentiments]),
        "ratings": np.array([-1 if r is None else r for r in rows.ratings]),
        "nchar": np.array([len(t) for t in rows.texts]),
        "qt": np.array([normalise_question_type(q) for q in rows.question_types]),
        # comment-level complaint/praise language (story_language's general word lists) and length
        "side": np.hstack(
            [lang, np.log1p([[len(s)] for s in sentences]), np.log1p([[len(t)] for t in rows.texts])]
        ),
        "folds": [],
    }
    for train, test in cv_folds(len(rows), folds, seed):
        linear.featurizer = Featurizer.fit(
            (sentence_tokens(sentences[i]), normalise_question_type(docs[i]._.question_type)) for i in train
        )
        x, xs, owners = linear.doc_matrix(docs, sentences)
        owners = np.asarray(owners)
        tr = np.array([i for i in train if c["sent"][i] >= 0])
        onehot = np.eye(len(SENTIMENTS), dtype=bool)[c["sent"][tr]]
        oof = np.zeros((len(tr), 3), dtype=np.float32)
        spread_tr = np.zeros((len(tr), 6))
        for a, b in KFold(INNER_FOLDS, shuffle=True, random_state=seed).split(onehot):  # as _out_of_fold
            w, bias = _fit_margins(x[tr[a]], onehot[a], seed)
            oof[b] = np.asarray(x[tr[b]] @ w) + bias
            spread_tr[b] = _spread(xs, owners, w, bias, tr[b])
        w, bias = _fit_margins(x[tr], onehot, seed)
        test_margins = np.asarray(x[test] @ w) + bias
        c["folds"].append((tr, oof, spread_tr, test, test_margins, _spread(xs, owners, w, bias, test)))
    return c


# -- calibrators -----------------------------------------------------------------------------
def _inner_pick(x: np.ndarray, y: np.ndarray, makers: list) -> object:
    """The maker with the best pooled 3-fold accuracy on the training rows."""
    scores = []
    for make in makers:
        pred = np.empty(len(y), dtype=int)
        for a, b in KFold(3, shuffle=True, random_state=0).split(x):
            pred[b] = make().fit(x[a], y[a]).predict(x[b])
        scores.append((pred == y).mean())
    return makers[int(np.argmax(scores))]


def _logistic(c: float = 1.0, scaled: bool = False):
    model = LogisticRegression(C=c, max_iter=3000)
    return make_pipeline(StandardScaler(), model) if scaled else model


def _hgb(x: np.ndarray, y: np.ndarray):
    """Histogram gradient boosting, margins and side features numeric, rating and question type categorical
    (columns 3 and 4); leaves and L2 chosen by inner CV."""
    categorical = np.zeros(x.shape[1], dtype=bool)
    categorical[[3, 4]] = True
    makers = [
        lambda leaves=leaves, l2=l2: HistGradientBoostingClassifier(
            learning_rate=0.05,
            max_iter=200,
            max_leaf_nodes=leaves,
            l2_regularization=l2,
            categorical_features=categorical,
            early_stopping=False,
            random_state=0,
        )
        for leaves in (7, 15)
        for l2 in (0.0, 1.0)
    ]
    return _inner_pick(x, y, makers)().fit(x, y)


class NeutralShift:
    """The committed rated calibrator with ``delta`` added to the neutral logit (class-prior correction)."""

    def __init__(self, delta: float) -> None:
        self.delta = delta

    def fit(self, x: np.ndarray, y: np.ndarray) -> NeutralShift:
        self.model = _logistic().fit(x, y)
        return self

    def predict(self, x: np.ndarray) -> np.ndarray:
        z = self.model.decision_function(x).copy()
        z[:, SENTIMENTS.index("neutral")] += self.delta
        return z.argmax(axis=1)


class Mean:
    """Mean of the committed rated calibrator's and the gradient-boosting calibrator's probabilities."""

    def __init__(self, n_linear: int) -> None:
        self.n = n_linear

    def fit(self, x: np.ndarray, y: np.ndarray) -> Mean:
        self.linear = _logistic().fit(x[:, : self.n], y)
        self.boosted = _hgb(x[:, self.n :], y)
        return self

    def predict(self, x: np.ndarray) -> np.ndarray:
        return (
            self.linear.predict_proba(x[:, : self.n]) + self.boosted.predict_proba(x[:, self.n :])
        ).argmax(1)


def variants(c: dict) -> dict[str, tuple]:
    """name -> (inputs(margins, rows, sentence spread), fit(x, y)). Fixed before any was scored, except
    that the sentence-spread rows (E–G) and the mean (H) were added after seeing A–D."""
    qts = sorted(set(c["qt"].tolist()))
    q_index = np.array([qts.index(q) for q in c["qt"]])
    q_onehot = np.eye(len(qts))[q_index]
    side = c["side"]

    def base(m, idx, _s=None):
        return rating_inputs(m, c["ratings"][idx])

    def crossed(m, idx, _s=None):
        r = base(m, idx)[:, 3:]
        rq = (r[:, :, None] * q_onehot[idx][:, None, :]).reshape(len(idx), -1)
        rm = (r[:, :, None] * m[:, None, :]).reshape(len(idx), -1)
        return np.hstack([m, r, rq, rm, side[idx]])

    def boosted(m, idx, _s=None):
        return np.hstack([m, c["ratings"][idx, None], q_index[idx, None], side[idx]])

    return {
        "base: committed rated calibrator (margins + one-hot rating, C 1)": (
            base,
            lambda x, y: _logistic().fit(x, y),
        ),
        "A: + complaint/praise language, log sentences, log chars; C 1": (
            lambda m, idx, s: np.hstack([base(m, idx), side[idx]]),
            lambda x, y: _logistic(scaled=True).fit(x, y),
        ),
        "B: + rating x question type, rating x margins, language; C inner": (
            crossed,
            lambda x, y: _inner_pick(
                x, y, [lambda C=C: _logistic(C, scaled=True) for C in (0.1, 0.3, 1, 3)]
            )().fit(x, y),
        ),
        "C: gradient boosting, margins/rating/qtype/language; inner": (boosted, _hgb),
        "D: base + neutral logit shift, delta inner (-0.5..2)": (
            base,
            lambda x, y: _inner_pick(
                x, y, [lambda d=d: NeutralShift(d) for d in np.arange(-0.5, 2.01, 0.25)]
            )().fit(x, y),
        ),
        "E: base + sentence margin max/min; C 1": (
            lambda m, idx, s: np.hstack([base(m, idx), s]),
            lambda x, y: _logistic(scaled=True).fit(x, y),
        ),
        "F: E + language; C 1": (
            lambda m, idx, s: np.hstack([base(m, idx), s, side[idx]]),
            lambda x, y: _logistic(scaled=True).fit(x, y),
        ),
        "G: C + sentence margin max/min": (lambda m, idx, s: np.hstack([boosted(m, idx), s]), _hgb),
        "H: mean of base and C probabilities": (
            lambda m, idx, s: np.hstack([base(m, idx), boosted(m, idx)]),
            lambda x, y: Mean(3 + len(RATING_LEVELS)).fit(x, y),
        ),
    }


def score(c: dict, inputs, fit) -> np.ndarray:
    sent, ratings = c["sent"], c["ratings"]
    pred = np.full(len(sent), -1)
    for tr, oof, spread_tr, te, test_margins, spread_te in c["folds"]:
        pred[te] = _logistic(1.0).fit(oof, sent[tr]).predict(test_margins)  # text-only calibrator
        rated = ratings[tr] > 0
        model = fit(inputs(oof[rated], tr[rated], spread_tr[rated]), sent[tr][rated])
        use = (ratings[te] > 0) & (c["nchar"][te] <= MAX_RATED_CHARS)
        pred[te[use]] = model.predict(inputs(test_margins[use], te[use], spread_te[use]))
    return pred


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--csv", default=str(ROOT.parent / "shared/data/px_feedback_train.csv"))
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    c = cache(args.csv, args.folds, args.seed)
    known = c["sent"] >= 0
    text_only = np.full(len(known), -1)
    for tr, oof, _, te, test_margins, _ in c["folds"]:
        text_only[te] = _logistic(1.0).fit(oof, c["sent"][tr]).predict(test_margins)
    print(f"{'text only (ratings hidden)':66s} {(text_only == c['sent'])[known].mean():.4f}")
    base = None
    for name, (inputs, fit) in variants(c).items():
        pred = score(c, inputs, fit)
        right = pred == c["sent"]
        line = f"{name:66s} {right[known].mean():.4f} ({right[known].sum()} / {known.sum()})"
        if base is None:
            base = right
        else:
            fixes, breaks = int((right & ~base & known).sum()), int((~right & base & known).sum())
            p = binomtest(fixes, fixes + breaks).pvalue if fixes + breaks else 1.0
            line += f"  fixes {fixes}, breaks {breaks}, McNemar p {p:.2f}"
        print(line, flush=True)


if __name__ == "__main__":
    main()
