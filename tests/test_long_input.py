"""Long inputs: a 50,000-word article is cut into model-sized units and scored in bounded time and memory.

The model is replaced by a hash-based stand-in here (the pipeline's own work is what is checked); the
full run with MiniLM on a 50,000-word article is `python benchmarks/throughput.py --long-words 50000`.
"""

from __future__ import annotations

import hashlib
import random
import time
import tracemalloc

import numpy as np
import pytest

from evalkit.metrics import rouge as rouge_metric
from evalkit.prepare import passages
from evalkit.read.capture import pair_capture
from evalkit.scoring.pipeline import Job, score_batch
from evalkit.settings import Settings


class HashEncoder:
    """Deterministic unit vectors from each text's hash: the encoder's interface without the model."""

    identity = "hash@0"
    cache = None

    def __init__(self) -> None:
        self.texts = 0

    def encode(self, texts: list[str]) -> np.ndarray:
        self.texts += len(texts)
        rows = [
            np.random.default_rng(int.from_bytes(hashlib.blake2b(t.encode()).digest()[:8])).standard_normal(384)
            for t in texts
        ]
        matrix = np.array(rows, dtype=np.float32).reshape(len(texts), 384)
        return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)


def sentences(count: int, rng: random.Random, vocabulary: int = 400) -> list[str]:
    words = [f"word{i}" for i in range(vocabulary)] + ["the", "of", "and", "a", "in", "said"]
    return [" ".join(rng.choice(words) for _ in range(rng.randint(6, 30))).capitalize() + "." for _ in range(count)]


@pytest.mark.slow
def test_50k_word_article_is_scored_in_bounded_memory() -> None:
    rng = random.Random(7)
    # 40 distinct paragraphs (so the pure-Python splitter runs 40 times, not 400) repeated to 50,000+ words;
    # one paragraph is a single 600-word "sentence" that must be cut into chunks the model can read.
    paragraphs = [" ".join(sentences(6, rng)) for _ in range(39)] + [" ".join(f"run{i}" for i in range(600))]
    body: list[str] = []
    while sum(len(p.split()) for p in body) < 50_000:
        body.extend(paragraphs)
    document = "\n".join(body)
    summary = f"{sentences(1, random.Random(1))[0]}\n{body[5].split('. ')[0]}."
    job = Job("long", pair_capture("long", document, summary, "long"), Settings(cache=False))
    encoder = HashEncoder()
    # Loading the judge, tokenizer and libraries first (an earlier test does it in one process; run alone or
    # under xdist, nothing has) keeps their one-off cost out of what the document's length costs.
    score_batch([Job("warm", pair_capture("warm", body[0], summary, "warm"), Settings(cache=False))], encoder)
    warm = encoder.texts
    tracemalloc.start()
    started = time.perf_counter()
    result = score_batch([job], encoder)[0]  # type: ignore[arg-type]
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert result.error is None and len(result.claims) == 2
    units = result.body
    assert all(len(u.split()) <= passages.MAX_UNIT_WORDS for u in units)
    assert " ".join(units).split() == document.split()  # nothing dropped, nothing repeated, order kept
    assert 0 < result.metrics["rougeL_precision"] <= 1 and result.metrics["rougeL_recall"] < 0.01
    assert encoder.texts - warm >= 2 * len(units) - 1  # every unit and every 2-unit window went to the encoder
    assert peak < 150 * 1024 * 1024, f"peak {peak / 1e6:.0f} MB"
    assert seconds < 120, f"{seconds:.0f} s"


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.slow
def test_rouge_equals_rouge_score(seed: int) -> None:
    """The fast ROUGE is rouge-score's, number for number, ties in the LCS backtrack included."""
    from rouge_score import rouge_scorer

    rng = random.Random(seed)
    vocabulary = 12 if seed % 2 else 300  # a tiny vocabulary makes many equally long LCS paths
    body = sentences(40 if seed < 4 else 400, rng, vocabulary)
    summary = sentences(3, rng, vocabulary) + [body[3], "Running runners ran; the U.S. said 3.5%!"]
    expected = rouge_scorer.RougeScorer(list(rouge_metric.ROUGE_TYPES), use_stemmer=True, split_summaries=False).score(
        "\n".join(body), "\n".join(summary)
    )
    got = rouge_metric.rouge(summary, body)
    for name in rouge_metric.ROUGE_TYPES:
        score = expected[name]
        assert (got[name]["precision"], got[name]["recall"], got[name]["f1"]) == (
            score.precision,
            score.recall,
            score.fmeasure,
        )


def test_rouge_of_empty_sides_is_zero() -> None:
    zero = {"precision": 0.0, "recall": 0.0, "f1": 0.0}
    assert rouge_metric.rouge(["..."], ["A body sentence."]) == dict.fromkeys(rouge_metric.ROUGE_TYPES, zero)
    assert rouge_metric.rouge(["A claim."], ["!!"]) == dict.fromkeys(rouge_metric.ROUGE_TYPES, zero)
