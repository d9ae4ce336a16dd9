"""Paired significance for two systems scored on the same items: one bootstrap, its interval and p-value.

Two summarisers judged on the same articles differ article by article, and most of the spread in
their scores is the articles' (a hard article is hard for both). Pairing removes it: the test works
on the per-item differences d = b - a, as sacrebleu's paired bootstrap does for translation systems.
The interval and the p-value come from the same bootstrap resamples of the mean difference, so they
never disagree: the interval at 1 - alpha excludes 0 exactly when p < alpha. (Two separate tests, a
bootstrap interval beside a randomisation p-value, could say "the interval excludes 0" and "p = 0.067"
about one metric.) It is seeded, so a report can be reproduced.
"""

from __future__ import annotations

import math
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
    """Bootstrap interval at `confidence` and two-sided bootstrap p-value for mean(b - a)."""
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
    if resamples < fewest_resamples(confidence):
        raise ValueError(f"{resamples} resamples cannot show a difference at {confidence:.4g} confidence")
    means = np.sort(bootstrap_means(d, resamples, np.random.default_rng(seed)), axis=0)
    # The k-th smallest and k-th largest resampled means bound the interval; k is chosen so that the
    # interval excludes 0 exactly when fewer than k resampled means lie on 0's side, which is when
    # the p-value below is under 1 - confidence.
    k = _kth(confidence, resamples)
    lows, highs = means[k - 1], means[resamples - k]
    # Two-sided: twice the share of resampled means on the far side of 0 (counting the observed
    # arrangement as one resample, so p is never 0), at most 1.
    beyond = np.minimum(np.count_nonzero(means <= 0, axis=0), np.count_nonzero(means >= 0, axis=0))
    p_values = np.minimum(1.0, 2 * (1 + beyond) / (resamples + 1))
    return [
        PairedTest(d.shape[1], float(row.mean()), float(low), float(high), float(p), resamples, confidence)
        for row, low, high, p in zip(d, lows, highs, p_values, strict=True)
    ]


def _kth(confidence: float, resamples: int) -> int:
    """How many resampled means lie outside the interval on each side."""
    tail = round((1 - confidence) / 2 * (resamples + 1), 6)  # rounded: 1 - 0.95 is not quite 0.05
    return math.ceil(tail) - 1


def fewest_resamples(confidence: float) -> int:
    """The fewest resamples whose interval can exclude 0 at all (p can reach 1 - confidence): 40 at 95 %."""
    resamples = max(1, int(2 / (1 - confidence)) - 2)  # about 2 / alpha; the loop settles the rounding
    while _kth(confidence, resamples) < 1:
        resamples += 1
    return resamples


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
