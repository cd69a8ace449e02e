"""Tests of the Django-free tagger package (no database needed)."""

from __future__ import annotations

import json
import re
from dataclasses import asdict
from pathlib import Path

import pytest

from insight_hub.themes.ml import (
    QUESTION_TYPES,
    SAFETY_KINDS,
    LocalTheme,
    TagInput,
    TagResult,
    load_tagger,
    model_labels,
    train,
)
from insight_hub.themes.ml.evaluation import score_labels
from insight_hub.themes.ml.rules import RULES_VERSION
from insight_hub.themes.ml.safety import review

# The shared training data sits beside the repository (never inside it: its licence is not the code's).
TRAIN_CSV = Path(__file__).resolve().parents[3] / "shared" / "data" / "px_feedback_train.csv"


@pytest.fixture(scope="module")
def tagger():
    return load_tagger()


def tag_one(tagger, text: str, question_type: str | None = "nonspecific") -> TagResult:
    return tagger.tag([TagInput(text, question_type)])[0]


def test_package_does_not_import_django() -> None:
    # Checked on the source: the parent ``insight_hub`` package may pull Django in itself.
    package = Path(__file__).resolve().parents[2] / "insight_hub" / "themes" / "ml"
    for module in package.glob("*.py"):
        assert not re.search(r"^\s*(from|import)\s+django", module.read_text(), re.MULTILINE), module.name


def test_load_is_cached_and_versioned(tagger) -> None:
    assert load_tagger() is tagger
    assert tagger.version.startswith("qdc7-")


def test_result_shape_and_json(tagger) -> None:
    text = "The wait was far too long. The nurses were lovely and kind."
    result = tag_one(tagger, text)
    payload = json.loads(json.dumps(asdict(result)))
    assert payload["version"] == tagger.version
    assert result.sentiment in ("positive", "neutral", "negative")
    assert 0.0 <= result.sentiment_confidence <= 1.0
    assert [text[s.start : s.end] for s in result.sentences] == [
        "The wait was far too long.",
        "The nurses were lovely and kind.",
    ]
    labels = set(model_labels())
    assert result.themes and all(t.label in labels and 0.0 <= t.confidence <= 1.0 for t in result.themes)


def test_offsets_point_at_the_evidence_sentence(tagger) -> None:
    text = "Parking is fine.\nThe ambulance took four hours to arrive. The crew were kind and caring."
    by_label = {t.label: text[t.start : t.end] for t in tag_one(tagger, text).themes}
    assert by_label["Timeliness of care"] == "The ambulance took four hours to arrive."
    assert by_label["Staff manner & personal attributes"] == "The crew were kind and caring."
    assert by_label["Parking"] == "Parking is fine."


def test_question_type_changes_meaning(tagger) -> None:
    assert tag_one(tagger, "Nothing", "could_improve").sentiment == "positive"
    for qtype in (*QUESTION_TYPES, None, "unknown"):
        assert tag_one(tagger, "Nothing", qtype).themes


def test_blank_text_is_labelling_not_possible(tagger) -> None:
    for text in ("", "   ", "..."):
        result = tag_one(tagger, text)
        assert [t.label for t in result.themes] == ["Labelling not possible"]
        assert result.sentences == [] and not result.critical


def test_long_story_is_tagged_by_sentence(tagger) -> None:
    filler = "We arrived at the unit on a Tuesday morning and sat down. " * 60
    text = filler + "The staff were rude and dismissive to my mother. " + filler
    result = tag_one(tagger, text)
    staff = next(t for t in result.themes if t.label == "Staff manner & personal attributes")
    assert text[staff.start : staff.end] == "The staff were rude and dismissive to my mother."
    assert len(result.sentences) == 121


SAFETY_CASES = [
    ("She said she wanted to kill herself and nobody listened.", "self_harm_or_suicide"),
    ("He was sent home with the wrong tablets.", "medication_error"),
    ("He was sent home with the wrong tablets.", "unsafe_discharge"),
    ("Mum was left in soiled sheets all night.", "neglect"),
    ("I raised a safeguarding concern about my son.", "safeguarding"),
    ("A carer slapped my dad.", "abuse"),
    ("She had a fall on the ward and was bruised.", "harm"),
    ("Discharged at midnight with no transport.", "unsafe_discharge"),
]


@pytest.mark.parametrize(("text", "kind"), SAFETY_CASES)
def test_safety_rules_catch(tagger, text: str, kind: str) -> None:
    result = tag_one(tagger, text)
    assert result.critical
    signal = next(s for s in result.safety if s.kind == kind)
    assert signal.kind in SAFETY_KINDS
    assert text[signal.start : signal.end] == text
    assert signal.start <= signal.match_start < signal.match_end <= signal.end


def test_the_safety_prechecks_never_hide_a_match(tagger) -> None:
    """The regex checks that spare most comments the token matcher must keep every match it makes."""
    nlp = tagger.nlp
    component = nlp.get_pipe("safety_rules")
    texts = [
        *(text for text, _ in SAFETY_CASES),
        "I self - harm. Medication error twice. Not given my insulin. Bed sores. Threatened by him.",
        "No food or water. Left unattended. Vulnerable adult. Took my own life nearly. Pushed me.",
    ]
    for text in [variant for base in texts for variant in (base, base.upper(), f"Café, naïve: {base}")]:
        doc = nlp.make_doc(text)
        doc._.source_text = text
        for _name, step in nlp.pipeline[: nlp.pipe_names.index("safety_rules")]:
            doc = step(doc)
        hits = component.matcher(doc)
        assert hits, text
        expected = [(span.label_, span.start, span.end) for span in review(doc, text, hits)]
        found = [(span.label_, span.start, span.end) for span in component(doc).spans["safety"]]
        assert found == expected, text


@pytest.mark.parametrize(
    "text",
    ["The staff were killing it, brilliant team.", "Self check-in was easy.", "The right tablets, on time."],
)
def test_safety_rules_ignore_harmless_text(tagger, text: str) -> None:
    result = tag_one(tagger, text)
    assert result.safety == [] and not result.critical


def test_local_themes_by_phrase_and_regex(tagger) -> None:
    themes = [
        LocalTheme(code="LOCAL-ROTA", phrases=["night shift"]),
        LocalTheme(code="LOCAL-WARD7", patterns=[r"\bward\s*7\b"]),
    ]
    text = "Ward 7 was noisy. The Night Shift team were great."
    tags = {t.label: t for t in tagger.tag([TagInput(text)], local_themes=themes)[0].themes}
    assert text[tags["LOCAL-WARD7"].start : tags["LOCAL-WARD7"].end] == "Ward 7 was noisy."
    assert text[tags["LOCAL-ROTA"].start : tags["LOCAL-ROTA"].end] == "The Night Shift team were great."
    assert tags["LOCAL-ROTA"].source == "rule"
    # Themes given to tag() are for that call only.
    assert "LOCAL-ROTA" not in {t.label for t in tag_one(tagger, text).themes}


def test_scorer_counts_empty_predictions_and_macro_over_gold_labels() -> None:
    report = score_labels(gold=[["A"], ["B"], ["A", "C"]], predicted=[["A"], [], ["D"]])
    assert report["micro_f1"] == pytest.approx(2 * 1 / (2 * 1 + 1 + 3))
    assert report["macro_labels"] == 3  # A, B, C; D is a false positive only
    assert report["macro_f1"] == pytest.approx((2 / 3) / 3)


@pytest.mark.skipif(not TRAIN_CSV.exists(), reason="training data not available")
def test_training_is_deterministic_and_uses_corrections(tmp_path: Path) -> None:
    import pandas as pd

    sample = pd.read_csv(TRAIN_CSV).sample(400, random_state=1)
    csv = tmp_path / "sample.csv"
    sample.to_csv(csv, index=False)
    correction = sample.iloc[0].to_dict() | {"labels": "Parking"}
    first = train(csv, tmp_path / "a", seed=3, cv=0)
    second = train(csv, tmp_path / "b", seed=3, cv=0)
    corrected = train(csv, tmp_path / "c", seed=3, cv=0, extra_rows=[correction])
    assert first["version"] == second["version"]
    assert corrected["version"] != first["version"]
    assert corrected["label_counts"]["Parking"] == sample["labels"].str.contains("Parking").sum() + 1
    assert corrected["data"]["rows"] == len(sample)  # the correction replaced its row
    assert "CC BY-NC-SA 4.0" in (tmp_path / "a" / "MODEL_CARD.md").read_text()
    reloaded = load_tagger(tmp_path / "a")
    assert reloaded.version == f"{first['version']}+{RULES_VERSION}"
    assert reloaded.tag([TagInput("Lovely staff")])[0].themes


def test_a_and_e_ends_a_sentence(tagger) -> None:
    text = "We waited six hours in A&E. The nurse was lovely."
    result = tag_one(tagger, text)
    sentences = [text[s.start : s.end] for s in result.sentences]
    assert sentences == ["We waited six hours in A&E.", "The nurse was lovely."]


def test_nb_scaling_favours_telling_features_and_is_folded_into_the_weights() -> None:
    import numpy as np
    import scipy.sparse as sp

    from insight_hub.themes.ml.training import _fit_margins, nb_scales

    rng = np.random.default_rng(0)
    y = rng.random((200, 2)) < 0.3
    noise = rng.random((200, 3)) < 0.5
    # feature 0 marks label 0; features 1-3 are noise
    x = sp.csr_matrix(np.column_stack([y[:, 0], noise]).astype(np.float32))
    scales = nb_scales(x, y, 0.5)
    assert scales.shape == (4, 2)
    assert scales[0, 0] > 2 * scales[1:, 0].max()
    assert np.allclose(nb_scales(x, y, 0.0), 1.0)
    weights, bias = _fit_margins(x, y, seed=0, nb_gamma=0.5)
    margins = np.asarray(x @ weights) + bias  # plain features: the scale lives in the weights
    assert ((margins[:, 0] > 0) == y[:, 0]).all()


def test_per_label_nb_gamma_equals_separate_fits():
    """A vector of γ (one per label) fits each label exactly as that label's own γ would."""
    import numpy as np
    import scipy.sparse as sp

    from insight_hub.themes.ml.training import _fit_margins, gamma_counts

    rng = np.random.default_rng(1)
    y = rng.random((150, 2)) < 0.4
    x = sp.csr_matrix(
        np.column_stack([y[:, 0], y[:, 1] & (rng.random(150) < 0.8), rng.random((150, 3)) < 0.5])
    )
    x = x.astype(np.float32)
    mixed_w, mixed_b = _fit_margins(x, y, seed=0, nb_gamma=np.array([0.5, 0.75], dtype=np.float32))
    for j, gamma in enumerate((0.5, 0.75)):
        w, b = _fit_margins(x, y, seed=0, nb_gamma=gamma)
        assert np.array_equal(mixed_w[:, j], w[:, j]) and mixed_b[j] == b[j]
    assert not np.array_equal(mixed_w, _fit_margins(x, y, seed=0, nb_gamma=0.5)[0])
    assert sum(gamma_counts(np.array([0.5, 0.75] * 16)).values()) == 32


def test_word_vector_features_are_unit_means_of_known_words() -> None:
    import numpy as np

    from insight_hub.themes.ml.dense import DenseWords

    dense = DenseWords(["food", "nurs"], np.array([[1.0, 0.0], [0.0, 1.0]]), weight=0.5)
    docs, sentences = dense.matrices([["the", "food"], ["nurses", "meals"], ["and", "it"]], [0, 0, 1], 2)
    assert np.allclose(sentences, [[0.5, 0.0], [0.0, 0.5], [0.0, 0.0]])  # "nurses" -> stem "nurs"; none: 0
    assert np.allclose(docs, [[0.5**1.5, 0.5**1.5], [0.0, 0.0]])  # unit mean, weighted; a doc without any: 0
