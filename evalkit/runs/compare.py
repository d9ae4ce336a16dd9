"""Which of two systems does better on the same inputs, metric by metric, and whether that is more than noise.

`evalkit diff` follows one system over time, claim by claim. Here A and B are two systems (two models,
two prompts) scored on the same articles. Claims of two different summary texts cannot be matched, so
everything here is per summary: summaries are paired as `diff` pairs them (id, then the same article);
one without a partner, or that either run could not score, is left out and listed. Per metric:
both means, B - A with an interval and a p-value from one paired bootstrap (`evalkit.runs.paired`), and
on how many summaries B does better, the same, or worse; then the verdict flips (a summary consistent
under one system and not the other). The answer comes first: a headline naming the metrics on which B
is significantly better or worse, then faithfulness before closeness to the article's wording.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, replace
from typing import Any

from evalkit import metrics
from evalkit.runs.diff import comparable_differences, match_summaries, skipped_columns, uncompared_metrics
from evalkit.runs.paired import DEFAULT_RESAMPLES, DEFAULT_SEED, PairedTest, paired_tests
from evalkit.runs.records import RunRecord, SummaryRecord

DEFAULT_ALPHA = 0.05
MOST_DIFFERENT = 10  # summaries the HTML view sets side by side
# Signature fields that do not change any number compared here: thresholds only decide pass/fail.
_NOT_COMPARED = ("thresholds",)
# The columns shown first, in this order: does B invent less, does it cover more, then how close it stays to
# the article (similarity, ROUGE-L F1); every other column follows in the registry's order.
LEAD = ("support", "supported_share", "unsupported", "coverage", "similarity", "rougeL_f1")


@dataclass(frozen=True)
class MetricComparison:
    """One metric over the summaries both systems have a value for; wins, ties and losses are B's
    (for a column with no better direction: the summaries where B's value is higher, the same, lower)."""

    column: metrics.Column
    mean_a: float
    mean_b: float
    test: PairedTest  # delta = mean_b - mean_a, its interval and p-value
    wins: int  # summaries on which B does better than A
    ties: int
    losses: int
    outcome: str  # "better" or "worse" when B differs significantly at the comparison's alpha, else ""

    @property
    def name(self) -> str:
        return self.column.name

    @property
    def higher_is_better(self) -> bool | None:
        return self.column.higher_is_better

    def format(self, value: float, signed: bool = False) -> str:
        """A mean, a difference or an interval end at the column's digits; a count's mean to two decimals
        (0.45 unsupported claims per summary is not a count)."""
        return replace(self.column, digits=self.column.digits or 2).format(value, signed)

    def to_dict(self) -> dict[str, Any]:
        t = self.test
        return {
            "mean_a": self.mean_a,
            "mean_b": self.mean_b,
            "delta": t.delta,
            "ci_low": t.ci_low,
            "ci_high": t.ci_high,
            "p_value": t.p_value,
            "wins": self.wins,
            "ties": self.ties,
            "losses": self.losses,
            "n": t.n,
            "higher_is_better": self.higher_is_better,
            "digits": self.column.digits,
            "outcome": self.outcome or None,
        }


@dataclass(frozen=True)
class Comparison:
    names: tuple[str, str]  # how the two systems are called (their files)
    metrics: tuple[MetricComparison, ...]  # metrics no compared summary has a value for are left out
    pairs: tuple[tuple[SummaryRecord, SummaryRecord], ...]  # the summaries compared, A's then B's
    left_out: tuple[tuple[str, str], ...]  # (id, why) for each summary not compared
    alpha: float
    resamples: int
    seed: int
    signature_changes: tuple[str, ...] = ()
    # (metric, why): metrics listed and not compared, in one run only ("only in B.jsonl") or another version.
    not_compared: tuple[tuple[str, str], ...] = ()

    @property
    def confidence(self) -> float:
        """The intervals' level, 1 - alpha, so an interval excluding 0 and p < alpha mostly agree."""
        return 1 - self.alpha

    @property
    def consistent_only_in_a(self) -> tuple[str, ...]:
        """Summaries with no unsupported (or unscored) claim under A that have one under B."""
        return tuple(b.id for a, b in self.pairs if consistent(a) and not consistent(b))

    @property
    def consistent_only_in_b(self) -> tuple[str, ...]:
        return tuple(b.id for a, b in self.pairs if consistent(b) and not consistent(a))

    def metric(self, name: str) -> MetricComparison | None:
        return next((m for m in self.metrics if m.name == name), None)

    def shown(self, everything: bool = False) -> tuple[MetricComparison, ...]:
        """The metrics a person reads; ROUGE's precision and recall variants only with `everything` (--all)."""
        return tuple(m for m in self.metrics if everything or not m.column.detail)

    def headline(self, everything: bool = False) -> str:
        """The answer in a sentence or two: where B is significantly better or worse than A, or that it is nowhere."""
        if not self.pairs:
            return "Nothing compared: no summary is in both runs and scored in both."
        shown = self.shown(everything)
        worse = [m.name for m in shown if m.outcome == "worse"]
        better = [m.name for m in shown if m.outcome == "better"]
        where = f"({len(self.pairs)} summaries, p < {self.alpha:g})"
        if not worse and not better:
            return f"No significant difference between A and B on any metric {where}."
        parts = [f"significantly worse than A on {_listed(worse)}"] if worse else []
        parts += [f"{'better on' if worse else 'significantly better than A on'} {_listed(better)}"] if better else []
        same = [m.name for m in shown if not m.outcome and m.higher_is_better is not None]
        rest = f" No significant difference on {_listed(same)}." if same else ""
        return f"B is {' and '.join(parts)} {where}.{rest}"

    def most_different(self, count: int = MOST_DIFFERENT) -> list[tuple[SummaryRecord, SummaryRecord]]:
        """The pairs whose support scores differ most (then their unsupported claims), differing ones only."""
        gaps = [(_gap(a, b, "support"), _gap(a, b, "unsupported"), a, b) for a, b in self.pairs]
        gaps = [g for g in gaps if g[0] or g[1]]
        gaps.sort(key=lambda g: (g[0], g[1]), reverse=True)
        return [(a, b) for _, _, a, b in gaps[:count]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "a": self.names[0],
            "b": self.names[1],
            "compared": len(self.pairs),
            "alpha": self.alpha,
            "confidence": self.confidence,
            "resamples": self.resamples,
            "seed": self.seed,
            "method": "paired bootstrap percentile interval; paired approximate randomisation p-value (two-sided)",
            "metrics": {m.name: m.to_dict() for m in self.metrics},
            "flips": {
                "consistent_only_in_a": list(self.consistent_only_in_a),
                "consistent_only_in_b": list(self.consistent_only_in_b),
            },
            "left_out": [{"id": id, "why": why} for id, why in self.left_out],
            "signature_changes": list(self.signature_changes),
            "not_compared": [{"metric": name, "why": why} for name, why in self.not_compared],
            "headline": self.headline(everything=True),
        }


def _listed(names: list[str], most: int = 6) -> str:
    """'a, b and c'; past `most` names, the leading columns by name and the rest counted, so it stays a sentence."""
    if len(names) > most:
        lead = [n for n in names if n in LEAD][:most] or names[:most]
        names = [*lead, f"{len(names) - len(lead)} other columns"]
    return ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else names[0]


def _gap(a: SummaryRecord, b: SummaryRecord, name: str) -> float:
    return abs(b.metrics.get(name, 0.0) - a.metrics.get(name, 0.0))


def consistent(summary: SummaryRecord) -> bool:
    """As `evalkit score` has it: no claim is unsupported or could not be scored."""
    return all(c.verdict not in ("unsupported", "error") for c in summary.claims)


def compare_runs(
    a: RunRecord,
    b: RunRecord,
    names: tuple[str, str] = ("A", "B"),
    alpha: float = DEFAULT_ALPHA,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
    metric_versions: bool = False,
) -> Comparison:
    """A against B on their shared summaries; the caller decides whether differing signatures are acceptable.
    A metric in one run only is listed and skipped, and so is one whose version differs unless
    `metric_versions` (--allow-signature-change), which compares it as a signature change."""
    pairs, left_out = _pairs(a, b, names)
    uncompared = uncompared_metrics(a, b, names, versions=not metric_versions)
    skipped = skipped_columns(uncompared)
    # Metrics with values on the same summaries are tested together, sharing their resamples.
    groups: dict[tuple[int, ...], list[tuple[metrics.Column, list[float], list[float]]]] = {}
    for column in metrics.columns():  # every registered metric column, in its declared direction
        name = column.name
        if name in skipped:
            continue
        both = [(i, s.metrics, t.metrics) for i, (s, t) in enumerate(pairs)]
        kept = [(i, x[name], y[name]) for i, x, y in both if name in x and name in y]
        if kept:
            group = groups.setdefault(tuple(i for i, _, _ in kept), [])
            group.append((column, [x for _, x, _ in kept], [y for _, _, y in kept]))
    found = {}
    for group in groups.values():
        tests = paired_tests([x for _, x, _ in group], [y for _, _, y in group], resamples, seed, 1 - alpha)
        for (column, x, y), test in zip(group, tests, strict=True):
            found[column.name] = _metric(column, x, y, test)
    rest = [c.name for c in metrics.columns() if c.name not in LEAD]
    ordered = [found[n] for n in (*LEAD, *rest) if n in found]
    changes = signature_changes(a, b, metric_versions, uncompared.keys())
    return Comparison(
        names, tuple(ordered), tuple(pairs), tuple(left_out), alpha, resamples, seed, changes, tuple(uncompared.items())
    )


def _pairs(
    a: RunRecord, b: RunRecord, names: tuple[str, str]
) -> tuple[list[tuple[SummaryRecord, SummaryRecord]], list[tuple[str, str]]]:
    # Ids repeated within one run are left out: `diff` pairs them in file order, but a paired test should
    # not rest on that guess; saying so beats "only in A".
    repeated = [{id for id, n in Counter(s.id for s in run.summaries).items() if n > 1} for run in (a, b)]
    pairs, left_out = [], []
    for x, y in match_summaries(a.summaries, b.summaries):
        if x is not None and y is not None and x.id not in repeated[0] and y.id not in repeated[1]:
            if x.error or y.error:
                left_out.append((y.id, f"not scored in {names[0] if x.error else names[1]}: {x.error or y.error}"))
            else:
                pairs.append((x, y))
            continue
        for side, summary in ((0, x), (1, y)):
            if summary is not None:
                where = "repeated in" if summary.id in repeated[side] else "only in"
                left_out.append((summary.id, f"{where} {names[side]}"))
    return pairs, left_out


def _metric(column: metrics.Column, a: list[float], b: list[float], test: PairedTest) -> MetricComparison:
    # A column with no better direction counts B higher / same / lower and never has an outcome.
    plain = column if column.higher_is_better is not None else metrics.Column(column.name, column.label)
    steps = [plain.better(x, y) for x, y in zip(a, b, strict=True)]
    better, worse = steps.count(1), steps.count(-1)
    outcome = ""
    if column.higher_is_better is not None and (test.ci_low > 0 or test.ci_high < 0):  # exactly when p < alpha
        outcome = "better" if plain.better(0.0, test.ci_low if test.ci_low > 0 else test.ci_high) > 0 else "worse"
    means = sum(a) / len(a), sum(b) / len(b)
    return MetricComparison(column, *means, test, better, len(a) - better - worse, worse, outcome)


def signature_changes(
    a: RunRecord, b: RunRecord, metric_versions: bool = False, uncompared: AbstractSet[str] | None = None
) -> tuple[str, ...]:
    """The signature fields that differ and change a number compared here: not the thresholds, nor a metric
    only one run has, nor (unless `metric_versions`) a metric's version, whose columns are skipped instead
    (`uncompared`: those metrics, when the caller has them already)."""
    return tuple(comparable_differences(a, b, _NOT_COMPARED, not metric_versions, uncompared))
