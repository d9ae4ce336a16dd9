"""ROUGE against rouge-score itself (and for scripts it drops), evidence retrieval, and chunking of long sentences."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st
from rouge_score import rouge_scorer

from evalkit.metrics import rouge as rouge_metric
from evalkit.metrics.similarity import document_similarity
from evalkit.prepare import passages, tokens


def test_rouge_matches_rouge_score_with_summary_as_prediction() -> None:
    body = ["The cat sat on the mat.", "It was a sunny day."]
    summary = ["A cat was sitting on a mat."]
    ours = rouge_metric.rouge(summary, body)
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
    units = passages.article_units([sentence])
    assert len(units) == 3
    assert all(len(u.split()) <= passages.MAX_UNIT_WORDS for u in units)
    assert " ".join(units).split() == sentence.split()


def test_windows_pair_neighbours() -> None:
    assert passages.windows(["A.", "B.", "C."]) == ["A. B.", "B. C."]
    assert passages.windows(["A."]) == []


def test_match_ranks_sentences_by_cosine() -> None:
    units = ["alpha", "beta", "gamma", "delta"]
    vecs = np.eye(4, dtype=np.float32)
    claim = np.array([0.1, 0.9, 0.4, 0.0], dtype=np.float32)
    found = passages.match("beta", claim, units, vecs, np.zeros((0, 4), dtype=np.float32))
    assert [e.sentence for e in found.sentences] == ["beta", "gamma", "alpha"]
    assert found.sentences[0].rouge_precision == 1.0
    assert found.window is None and found.best == pytest.approx(0.9)


@pytest.mark.slow
def test_document_similarity_of_identical_sets_is_one(encoder) -> None:
    vecs = encoder.encode(["The river flooded the town.", "Residents left their homes."])
    assert document_similarity(vecs, vecs) == pytest.approx(1.0, abs=1e-5)
    other = encoder.encode(["Quarterly revenue of the chip maker beat forecasts."])
    assert document_similarity(other, vecs) < 0.5


_LATIN_WORDS = st.sampled_from(
    ["the", "cats", "running", "runs", "1,200", "km", "dam", "opened", "in", "1990", "café", "naïve", "Zürich", "x²",
     "U.S.", "co-op", "It's", "ÉTÉ", "½", "—", "“quoted”", "(a)", "élan", "ﬁne", "İstanbul", "KELVIN\u212a"]
)  # fmt: skip
_LATIN_SENTENCES = st.lists(_LATIN_WORDS, min_size=1, max_size=12).map(" ".join)


@hyp_settings(max_examples=40, deadline=None)
@given(st.lists(_LATIN_SENTENCES, min_size=1, max_size=3), st.lists(_LATIN_SENTENCES, min_size=1, max_size=4))
@pytest.mark.slow
def test_latin_script_text_gets_rouge_scores_own_numbers(summary: list[str], body: list[str]) -> None:
    ours = rouge_metric.rouge(summary, body)
    ref = rouge_scorer.RougeScorer(list(rouge_metric.ROUGE_TYPES), use_stemmer=True).score(
        "\n".join(body), "\n".join(summary)
    )
    for name in rouge_metric.ROUGE_TYPES:
        assert ours[name]["precision"] == pytest.approx(ref[name].precision)
        assert ours[name]["recall"] == pytest.approx(ref[name].recall)
        assert ours[name]["f1"] == pytest.approx(ref[name].fmeasure)


@pytest.mark.parametrize(
    ("summary", "body", "unrelated"),
    [
        ("北京是中国的首都。", "北京是中国的首都，也是政治中心。", "今天的天气很好。"),
        ("東京は日本の首都です。", "東京は日本の首都で、人口が多い。", "猫が好きです。"),
        ("ภาษาไทยง่าย", "ภาษาไทยง่ายมาก", "ฝนตก"),
        ("افتتح السد في عام 1990", "افتتح السد في عام 1990 بعد سنوات من العمل", "القطة نائمة"),
        ("Плотина открылась в 1990 году", "Плотина открылась в 1990 году после долгих работ", "Кошка спит"),
        ("बांध 1990 में खुला", "बांध 1990 में खुला और लोग खुश थे", "बिल्ली सो रही है"),
    ],
)
def test_non_latin_scripts_get_real_rouge(summary: str, body: str, unrelated: str) -> None:
    related = rouge_metric.rouge([summary], [body])["rougeL"]
    assert related["precision"] > 0.75 and related["f1"] > 0.4
    assert rouge_metric.rouge([unrelated], [body])["rougeL"]["precision"] < 0.5 * related["precision"]


def test_tokens_per_script() -> None:
    assert tokens.tokens("北京的首都") == ("北", "京", "的", "首", "都")
    assert tokens.tokens("Привет, МИР! The runs") == ("привет", "мир", "the", "run")
    assert tokens.tokens("हिन्दी भाषा") == ("हिन्दी", "भाषा")  # combining vowel signs stay in their word
    assert tokens.tokens("café ½ x²") == ("caf", "x")  # as rouge-score tokenises them
