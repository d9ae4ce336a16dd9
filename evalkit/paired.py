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
_CHUNK = 1 << 21  # resampled values held at once (16 MB of float64), whatever the number of items


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
    d = np.asarray(b, dtype=np.float64) - np.asarray(a, dtype=np.float64)
    if d.ndim != 1 or d.size == 0 or len(a) != len(b):
        raise ValueError("paired_test needs two equally long, non-empty sequences")
    if resamples < 1 or not 0 < confidence < 1:
        raise ValueError("paired_test needs resamples >= 1 and 0 < confidence < 1")
    rng = np.random.default_rng(seed)
    means = bootstrap_means(d, resamples, rng)
    tail = (1 - confidence) / 2
    low, high = np.quantile(means, [tail, 1 - tail])
    return PairedTest(
        int(d.size),
        float(d.mean()),
        float(low),
        float(high),
        randomisation_p(d, resamples, rng),
        resamples,
        confidence,
    )


def bootstrap_means(d: np.ndarray, resamples: int, rng: np.random.Generator) -> np.ndarray:
    """The mean of `d` over `resamples` resamples of its items drawn with replacement."""
    n = d.size
    dtype = np.uint16 if n <= np.iinfo(np.uint16).max else np.int64  # small indices draw twice as fast
    means = np.empty(resamples)
    step = max(1, _CHUNK // n)
    for start in range(0, resamples, step):
        rows = min(step, resamples - start)
        means[start : start + rows] = d[rng.integers(0, n, size=(rows, n), dtype=dtype)].mean(axis=1)
    return means


def randomisation_p(d: np.ndarray, resamples: int, rng: np.random.Generator) -> float:
    """Two-sided p-value of mean(d) under random sign flips: (1 + resamples at least as extreme) / (1 + resamples).

    Counting the observed arrangement as one of the resamples keeps p above 0 and the test exact in size.
    A resample is one random bit per item (flip or keep); rather than a sum over every item, each byte of
    bits looks up the precomputed sum of its 8 items' flipped values, which makes the test 8 times cheaper.
    """
    groups = -(-d.size // 8)
    padded = np.zeros(groups * 8)
    padded[: d.size] = d
    bits = np.unpackbits(np.arange(256, dtype=np.uint8)[:, None], axis=1)  # byte value -> its 8 bits
    flipped_sums = padded.reshape(groups, 8) @ bits.T.astype(np.float64)  # [group, byte]: sum of the flipped items
    total = d.sum()
    observed = abs(total)
    slack = 1e-9 * (np.abs(d).sum() + 1)  # sums equal but for float rounding count as equally extreme
    extreme = 0
    step = max(1, 8 * _CHUNK // d.size)
    for start in range(0, resamples, step):
        rows = min(step, resamples - start)
        drawn = np.frombuffer(rng.bytes(rows * groups), dtype=np.uint8).reshape(rows, groups)
        flipped = flipped_sums[np.arange(groups), drawn].sum(axis=1)
        extreme += int(np.count_nonzero(np.abs(total - 2 * flipped) >= observed - slack))
    return (1 + extreme) / (1 + resamples)
