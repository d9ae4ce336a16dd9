"""Paired significance for two systems scored on the same items: a bootstrap interval and a p-value.

Two summarisers judged on the same articles differ article by article, and most of the spread in
their scores is the articles' (a hard article is hard for both). Pairing removes it: both tests work
on the per-item differences d = b - a, as sacrebleu's paired bootstrap and approximate randomisation
do for translation systems. The interval is the percentile interval of the mean difference over
bootstrap resamples of the items; the p-value comes from approximate randomisation (each resample
swaps A's and B's value on a random half of the items, i.e. flips the sign of d there), which needs
no assumption about the shape of the scores. Both are seeded, so a report can be reproduced.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

DEFAULT_RESAMPLES = 10_000
DEFAULT_SEED = 0
_CHUNK = 1 << 21  # item draws per block of resamples: bounds memory (tens of MB) however many items there are


@dataclass(frozen=True)
class PairedTest:
    """The mean difference B - A over `n` paired items, its interval and the p-value of "no difference"."""

    n: int
    delta: float
    ci_low: float
    ci_high: float
    p_value: float
    resamples: int
    confidence: float


def paired_test(
    a: Sequence[float],
    b: Sequence[float],
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
    confidence: float = 0.95,
) -> PairedTest:
    """Bootstrap interval at `confidence` and two-sided randomisation p-value for mean(b - a)."""
    return paired_tests([a], [b], resamples, seed, confidence)[0]


def paired_tests(
    a: Sequence[Sequence[float]],
    b: Sequence[Sequence[float]],
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
    confidence: float = 0.95,
) -> list[PairedTest]:
    """`paired_test` for several metrics over the same items (row k of `a` and `b`: metric k).

    The metrics share their resamples, which costs little more than one metric's and keeps their
    intervals comparable with each other.
    """
    first, second = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if first.shape != second.shape or first.ndim != 2 or first.shape[1] == 0:
        raise ValueError("paired tests need equally long, non-empty rows of paired values")
    d = second - first
    if resamples < 1 or not 0 < confidence < 1:
        raise ValueError("paired tests need resamples >= 1 and 0 < confidence < 1")
    rng = np.random.default_rng(seed)
    tail = (1 - confidence) / 2
    lows, highs = np.quantile(bootstrap_means(d, resamples, rng), [tail, 1 - tail], axis=0)
    p_values = randomisation_p(d, resamples, rng)
    return [
        PairedTest(d.shape[1], float(row.mean()), float(low), float(high), float(p), resamples, confidence)
        for row, low, high, p in zip(d, lows, highs, p_values, strict=True)
    ]


def bootstrap_means(d: np.ndarray, resamples: int, rng: np.random.Generator) -> np.ndarray:
    """[resample, metric]: each row of `d` averaged over resamples of its items drawn with replacement.

    A resample is how often it drew each item, so one matrix product averages every metric at once.
    """
    n = d.shape[1]
    dtype = np.uint16 if n <= np.iinfo(np.uint16).max else np.int64  # small indices draw twice as fast
    means = np.empty((resamples, d.shape[0]))
    step = max(1, _CHUNK // n)
    for start in range(0, resamples, step):
        rows = min(step, resamples - start)
        drawn = rng.integers(0, n, size=(rows, n), dtype=dtype) + np.arange(0, rows * n, n)[:, None]
        counts = np.bincount(drawn.ravel(), minlength=rows * n).reshape(rows, n)
        means[start : start + rows] = counts.astype(np.float64) @ d.T / n
    return means


def randomisation_p(d: np.ndarray, resamples: int, rng: np.random.Generator) -> np.ndarray:
    """Per row of `d`, the two-sided p-value of its mean under random sign flips of its items:
    (1 + resamples at least as extreme as the observed mean) / (1 + resamples).

    Counting the observed arrangement as one of the resamples keeps p above 0 and the test exact in size.
    """
    n = d.shape[1]
    total = d.sum(axis=1)
    slack = 1e-9 * (np.abs(d).sum(axis=1) + 1)  # sums equal but for float rounding count as equally extreme
    extreme = np.zeros(d.shape[0], dtype=np.int64)
    step = max(1, _CHUNK // n)
    for start in range(0, resamples, step):
        rows = min(step, resamples - start)
        bits = np.unpackbits(np.frombuffer(rng.bytes(-(-rows * n // 8)), dtype=np.uint8), count=rows * n)
        flipped = bits.reshape(rows, n).astype(np.float64) @ d.T  # [resample, metric]: sum of the flipped items
        extreme += np.count_nonzero(np.abs(total - 2 * flipped) >= np.abs(total) - slack, axis=0)
    return (1 + extreme) / (1 + resamples)
