"""The paired test on data whose answer is known: a large shift, systems that do not differ, normal data; and its
interval and p-value, from one bootstrap, never disagree."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from evalkit.runs.paired import bootstrap_means, fewest_resamples, paired_test, paired_tests


def test_a_large_known_difference_is_significant_and_its_interval_excludes_zero() -> None:
    rng = np.random.default_rng(1)
    article = rng.uniform(0.2, 0.9, 200)  # how hard each article is, shared by both systems
    a = article + rng.normal(0, 0.05, 200)
    b = article + 0.1 + rng.normal(0, 0.05, 200)
    found = paired_test(a, b, resamples=2000, seed=3)
    assert found.p_value < 0.01
    assert 0 < found.ci_low < 0.1 < found.ci_high
    assert found.delta == pytest.approx(np.mean(b - a))


def test_random_splits_of_one_system_mostly_contain_zero() -> None:
    """Two halves of one system's outputs per article: the interval should contain 0 about 95 % of the time."""
    covered = significant = 0
    repeats = 60
    for seed in range(repeats):
        rng = np.random.default_rng(seed)
        article = rng.uniform(0.2, 0.9, 80)
        outputs = article[:, None] + rng.normal(0, 0.1, (80, 2))  # two samples from the same system
        found = paired_test(outputs[:, 0], outputs[:, 1], resamples=1000, seed=seed)
        covered += found.ci_low <= 0 <= found.ci_high
        significant += found.p_value < 0.05
    assert covered >= 0.85 * repeats
    assert significant <= 0.15 * repeats


def test_bootstrap_interval_matches_the_paired_t_interval_on_normal_data() -> None:
    rng = np.random.default_rng(7)
    a = rng.normal(0.5, 0.2, 400)
    b = a + rng.normal(0.02, 0.1, 400)
    d = b - a
    half = stats.t.ppf(0.975, d.size - 1) * d.std(ddof=1) / np.sqrt(d.size)
    found = paired_test(a, b, resamples=20_000, seed=0)
    assert found.ci_low == pytest.approx(d.mean() - half, abs=0.1 * half)
    assert found.ci_high == pytest.approx(d.mean() + half, abs=0.1 * half)
    assert found.p_value == pytest.approx(stats.ttest_rel(b, a).pvalue, abs=0.01)


@pytest.mark.parametrize("alpha", [0.05, 0.1, 0.01])
@pytest.mark.parametrize("resamples", [200, 999, 1000, 9999])
def test_the_interval_excludes_zero_exactly_when_p_is_below_alpha(alpha: float, resamples: int) -> None:
    """Near the boundary too: the shifts are drawn so that about half the cases are significant."""
    agreed = significant = 0
    for seed in range(40):
        rng = np.random.default_rng(seed)
        n = int(rng.integers(5, 60))
        a = rng.random(n)
        b = a + rng.normal(rng.uniform(-0.1, 0.1), 0.2, n)
        found = paired_test(a, b, resamples, seed, 1 - alpha)
        excludes = found.ci_low > 0 or found.ci_high < 0
        agreed += excludes == (found.p_value < alpha)
        significant += excludes
    assert agreed == 40 and 0 < significant < 40


def test_too_few_resamples_to_show_a_difference_are_refused() -> None:
    assert (fewest_resamples(0.95), fewest_resamples(0.99)) == (40, 200)
    found = paired_test([0.0] * 20, [1.0] * 20, resamples=40)
    assert found.p_value < 0.05 and found.ci_low == 1.0
    with pytest.raises(ValueError, match="39 resamples cannot show a difference"):
        paired_test([0.0] * 20, [1.0] * 20, resamples=39)


def test_bootstrap_means_resample_with_replacement() -> None:
    means = bootstrap_means(np.array([[0.0, 1.0]]), 4000, np.random.default_rng(0))[:, 0]
    assert set(np.unique(means)) == {0.0, 0.5, 1.0}
    assert np.mean(means == 0.5) == pytest.approx(0.5, abs=0.03)


def test_identical_systems_and_seeds() -> None:
    same = paired_test([0.2, 0.5, 0.9], [0.2, 0.5, 0.9])
    assert (same.delta, same.ci_low, same.ci_high, same.p_value) == (0.0, 0.0, 0.0, 1.0)
    a, b = np.linspace(0, 1, 50), np.linspace(0, 1, 50) ** 2
    assert paired_test(a, b, seed=5) == paired_test(a, b, seed=5)
    assert paired_test(a, b, seed=5) != paired_test(a, b, seed=6)


def test_metrics_tested_together_get_what_each_gets_alone() -> None:
    """Several metrics share their resamples; each row's result is the one it would get on its own."""
    rng = np.random.default_rng(2)
    a, b = rng.random((3, 150)), rng.random((3, 150)) + [[0.0], [0.05], [0.2]]
    together = paired_tests(a, b, resamples=3000, seed=9)
    for row, found in enumerate(together):
        alone = paired_test(a[row], b[row], resamples=3000, seed=9)
        assert (found.ci_low, found.ci_high) == pytest.approx((alone.ci_low, alone.ci_high))
        assert found.p_value == alone.p_value
    assert together[0].p_value > 0.05 > 0.001 > together[2].p_value


@pytest.mark.parametrize(("a", "b"), [([], []), ([1.0], [1.0, 2.0])])
def test_unpaired_input_is_refused(a: list[float], b: list[float]) -> None:
    with pytest.raises(ValueError):
        paired_test(a, b)
