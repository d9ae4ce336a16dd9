"""ROUGE against rouge-score itself, evidence retrieval, and chunking of over-long sentences."""

from __future__ import annotations

import numpy as np
import pytest
from rouge_score import rouge_scorer

from evalkit import metrics


def test_rouge_matches_rouge_score_with_summary_as_prediction() -> None:
    body = ["The cat sat on the mat.", "It was a sunny day."]
    summary = ["A cat was sitting on a mat."]
    ours = metrics.rouge(summary, body)
    ref = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True).score(
        "\n".join(body), "\n".join(summary)
    )
    for name in ("rouge1", "rouge2", "rougeL"):
        assert ours[name]["precision"] == pytest.approx(ref[name].precision)
        assert ours[name]["recall"] == pytest.approx(ref[name].recall)
        assert ours[name]["f1"] == pytest.approx(ref[name].fmeasure)
    assert set(ours) == {"rouge1", "rouge2", "rougeL", "rougeLsum"}


def test_long_sentences_are_chunked_not_truncated() -> None:
    sentence = " ".join(f"word{i}" for i in range(400)) + "."
    units = metrics.article_units([sentence])
    assert len(units) == 3
    assert all(len(u.split()) <= metrics.MAX_UNIT_WORDS for u in units)
    assert " ".join(units).split() == sentence.split()


def test_windows_pair_neighbours() -> None:
    assert metrics.windows(["A.", "B.", "C."]) == ["A. B.", "B. C."]
    assert metrics.windows(["A."]) == []


def test_match_ranks_sentences_by_cosine() -> None:
    units = ["alpha", "beta", "gamma", "delta"]
    vecs = np.eye(4, dtype=np.float32)
    claim = np.array([0.1, 0.9, 0.4, 0.0], dtype=np.float32)
    found = metrics.match("beta", claim, units, vecs, np.zeros((0, 4), dtype=np.float32))
    assert [e.sentence for e in found.sentences] == ["beta", "gamma", "alpha"]
    assert found.sentences[0].rouge_precision == 1.0
    assert found.window is None and found.best == pytest.approx(0.9)


def test_document_similarity_of_identical_sets_is_one(encoder) -> None:
    vecs = encoder.encode(["The river flooded the town.", "Residents left their homes."])
    assert metrics.document_similarity(vecs, vecs) == pytest.approx(1.0, abs=1e-5)
    other = encoder.encode(["Quarterly revenue of the chip maker beat forecasts."])
    assert metrics.document_similarity(other, vecs) < 0.5
