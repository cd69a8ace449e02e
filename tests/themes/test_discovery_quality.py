"""Emerging-theme discovery's word meaning: the stem fold, the word vectors and their command, and a floor on
how well a hidden theme of the real training data is found again (the issue's measure, on a small fixed
subset: bench/discovery.py measures it on five folds)."""

import csv
import os
import random
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from insight_hub.themes.ml import discovery
from insight_hub.themes.ml.data import read_rows
from insight_hub.themes.ml.discovery import DiscoveryText, discover
from insight_hub.themes.ml.discovery_eval import without_label
from insight_hub.themes.ml.general_vectors import load_default as load_general
from insight_hub.themes.ml.tagger import Tagger
from insight_hub.themes.ml.training import cv_folds, fit_pipeline
from insight_hub.themes.ml.word_vectors import build, load, load_default, stem

SHARED = Path(
    os.environ.get("INSIGHT_HUB_SHARED_DATA") or Path(__file__).resolve().parents[3] / "shared" / "data"
)
HIDDEN = (
    "Food & drink provision & facilities",
    "Activities & access to fresh air",
    "Supplying & understanding medication",
)


def test_stem_folds_a_words_forms_together():
    assert {stem(w) for w in ("clean", "cleaning", "cleaner", "cleanliness")} == {"clean"}
    assert stem("phoned") == stem("phone") and stem("stopped") == "stop"
    assert stem("food") == "food" and stem("bed") == "bed"


def _corpus(seed=0):
    """Two families of words said in two kinds of context, never the family's words together."""
    rng = random.Random(seed)
    families = {"meal": "food meal dinner lunch breakfast", "drive": "driver taxi ambulance transport bus"}
    contexts = {"meal": "hot cold tasty menu portion", "drive": "late arrived pickup journey home"}
    filler = [f"zed{a}{b}" for a in "bcdfghjk" for b in "bcdfghjk"]
    sentences = []
    for _ in range(600):
        kind = rng.choice(list(families))
        words = [rng.choice(contexts[kind].split()), rng.choice(families[kind].split())]
        words += [rng.choice(contexts[kind].split()), rng.choice(filler)]
        sentences.append(words)
    return sentences


def test_word_vectors_put_words_said_in_the_same_contexts_together(tmp_path):
    vectors = build(([stem(w) for w in words] for words in _corpus()), dimensions=10)
    # "food" and "dinner" are never said together, yet share their neighbours.
    assert vectors.similarity("food", "dinner") > 0.5 > vectors.similarity("food", "taxi")
    assert vectors.similarity("food", "unheard") is None
    vectors.save(tmp_path / "v.npz")
    again = load(tmp_path / "v.npz")
    assert again.words == vectors.words
    assert np.allclose(again.vectors, vectors.vectors, atol=1e-2)


def test_committed_word_vectors_know_food_words():
    vectors = load_default()
    assert vectors is not None, "themes/model/word_vectors.npz is missing: run manage.py build_word_vectors"
    assert vectors.similarity("food", "meal") > vectors.similarity("food", "nurse") + 0.3
    assert vectors.similarity("cleaning", "clean") == pytest.approx(1.0, abs=1e-3)


def test_build_word_vectors_writes_a_file_and_names_a_bad_input(tmp_path):
    path = tmp_path / "texts.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "text"])
        writer.writerows([i, " ".join(words)] for i, words in enumerate(_corpus()))
    call_command("build_word_vectors", data=[path], out=tmp_path / "v.npz")
    assert "food" in load(tmp_path / "v.npz").words
    bad = tmp_path / "bad.csv"
    bad.write_text("id,comment\n1,hello\n")
    with pytest.raises(CommandError, match="no 'text' column"):
        call_command("build_word_vectors", data=[bad], out=tmp_path / "w.npz")
    with pytest.raises(CommandError, match="no such file"):
        call_command("build_word_vectors", data=[tmp_path / "missing.csv"], out=tmp_path / "w.npz")


def _pool(texts):
    """Pooled sentences as discovery makes them: each text's residue words, as stems, and their forms."""
    forms, pool = {}, []
    for key, words in texts:
        stems = [stem(w) for w in words]
        for word, word_stem in zip(words, stems, strict=True):
            forms.setdefault(word_stem, Counter())[word] += 1
        pool.append(discovery._Sentence(discovery.SentenceRef(key, 0, 1), "", stems))
    return pool, forms


def test_a_word_said_once_joins_its_themes_candidate_through_general_english():
    """ "antibiotic", said in one text, is placed by general English (GloVe: close to "medication"), not by
    the training texts' vectors, which say it too rarely; it must not join the parking candidate either."""
    texts = [(f"m{i}", ["medication", ["late", "wrong", "missed"][i % 3]]) for i in range(8)]
    texts += [(f"p{i}", ["parking", ["space", "expensive", "full"][i % 3]]) for i in range(8)]
    texts += [("once", ["antibiotic", "course"])]
    pool, forms = _pool(texts)
    in_domain, general = load_default(), load_general()
    assert general is not None, "themes/model/general_vectors.npz is missing"

    def holding(found, key):
        return [c.phrases for c in found if key in c.keys]

    with_general = discovery.candidates_from_pool(pool, forms, vectors=in_domain, general=general)
    [phrases] = holding(with_general, "once")
    assert phrases[0] == "medication" and "antibiotic" in phrases
    # The name comes from the words clustered, not from a rare word that joined.
    assert [c.name for c in with_general if "antibiotic" in c.phrases] == ["Medication"]
    assert not [c for c in with_general if "parking" in c.phrases and "antibiotic" in c.phrases]
    without = discovery.candidates_from_pool(pool, forms, vectors=in_domain, general=None)
    assert holding(without, "once") == []


def _best(candidates, gold):
    best = (0.0, 0.0, 0.0)
    for candidate in candidates:
        keys = set(candidate.keys)
        hits = len(keys & gold)
        if hits:
            recall, precision = hits / len(gold), hits / len(keys)
            best = max(best, (2 * recall * precision / (recall + precision), recall, precision))
    return best[1], best[2]


def test_hidden_themes_of_the_real_training_data_are_found_again():
    """Three themes hidden from a tagger trained on 2,000 training rows; discovery over fold 0 of the
    bench's folds (891 other rows). Measured when written: food 0.80 / 0.91, activities 0.65 / 0.87,
    medication 0.50 / 0.80 (recall / precision); on co-occurrence alone food fell to 0.68. With the
    general-English vectors (branch disco): food 0.88 / 0.88, activities 0.70 / 0.93, medication
    0.75 / 0.67."""
    path = SHARED / "px_feedback_train.csv"
    if not path.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"{path} is missing: CI must have the shared data beside the repository")
        pytest.skip(f"{path} is not on this machine")
    rows = read_rows(path)
    train, test = cv_folds(len(rows), 5, 0)[0]
    train_rows = rows.subset(train[:2000])
    for label in HIDDEN:
        train_rows = without_label(train_rows, label)
    tagger = Tagger(fit_pipeline(train_rows), version="hidden-test")
    data = rows.subset(test)
    texts = [
        DiscoveryText(str(i), t, q)
        for i, (t, q) in enumerate(zip(data.texts, data.question_types, strict=True))
    ]
    golds = [{str(i) for i, labels in enumerate(data.labels) if label in labels} for label in HIDDEN]
    found = discover(tagger, texts, max_candidates=None)
    scores = [_best(found, gold) for gold in golds]
    assert np.mean([r for r, _ in scores]) >= 0.6, scores
    assert min(p for _, p in scores) >= 0.6, scores
    # The word vectors are what carries food beyond the word "food".
    lexical = _best(discover(tagger, texts, max_candidates=None, vectors=None, general=None), golds[0])
    assert scores[0][0] > lexical[0] + 0.05, (scores[0], lexical)
