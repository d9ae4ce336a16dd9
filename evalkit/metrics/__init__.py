"""Metrics: what a summary is measured by, declared once and found by name.

A metric declares its name, what it reads, its columns (each with a label, a direction and how it rolls
up over a run), the thresholds it owns (`min_…`/`max_…`, tied to a column) and a version for the
signature; its one method `measure` takes a prepared batch of summaries and returns each one's column
values. The terminal table, the JSON records, the HTML report, the threshold checks, the history and
`evalkit diff`/`compare` iterate over these declarations, so a new metric is one new file.

Built-ins and third-party packages are registered the same way, as `module:attribute` references: the
built-ins below, then every `evalkit.metrics` entry point of the installed distributions. A metric never
prints and never decides pass or fail.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any, Literal, Protocol

from evalkit import plugins
from evalkit.errors import EvalkitError, SettingsError

if TYPE_CHECKING:
    import numpy as np

    from evalkit.judges import Bands, Judge
    from evalkit.prepare.encoder import Encoder
    from evalkit.result import ClaimVerdict
    from evalkit.settings import Settings

ENTRY_POINT_GROUP = "evalkit.metrics"
# The built-in metrics, in the order their columns are shown; referenced as entry points are.
BUILTIN = {
    "rouge": "evalkit.metrics.rouge:ROUGE",
    "similarity": "evalkit.metrics.similarity:SIMILARITY",
    "support": "evalkit.metrics.support:SUPPORT",
    "coverage": "evalkit.metrics.coverage:COVERAGE",
}
# What a metric may read from a prepared summary (`Prepared`) or its batch.
INPUTS = frozenset({"claims", "units", "vectors", "verdicts", "bands", "encoder", "judge"})


@dataclass(frozen=True)
class Column:
    """One number a metric adds to each summary's result."""

    name: str  # the key in `SummaryResult.metrics`, unique across metrics
    label: str  # as people read it: "ROUGE-L F1"
    # None: neither way is better (a count such as `claims`), so no comparison calls a change better or worse.
    higher_is_better: bool | None = True
    aggregate: Literal["mean", "sum"] = "mean"  # how summaries roll up to a run
    digits: int = 3  # decimals shown everywhere; 0: a count
    table: bool = False  # shown in the terminal's results table
    detail: bool = False  # a variant `evalkit compare` shows only with --all (ROUGE precision and recall)
    # Experimental: in the terminal table only when a run asks for it (the `table_columns` setting); the
    # JSON records and the report carry it always.
    opt_in: bool = False

    def format(self, value: float | None, signed: bool = False) -> str:
        """The value at the column's digits (`signed`: with its sign, as a difference is shown)."""
        if value is None:
            return "—"
        return f"{value:{'+' if signed else ''}.{self.digits}f}"

    @property
    def arrow(self) -> str:
        """'↑' higher is better, '↓' lower is, '' neither."""
        return {True: "↑", False: "↓", None: ""}[self.higher_is_better]

    def better(self, old: float, new: float) -> int:
        """1 when `new` is better than `old`, -1 when worse, 0 when equal or the column has no direction."""
        if self.higher_is_better is None or new == old:
            return 0
        return 1 if (new > old) == self.higher_is_better else -1


@dataclass(frozen=True)
class Threshold:
    """A setting that fails a summary whose column value is on the wrong side of it."""

    key: str  # `min_…` or `max_…`
    column: str
    low: float  # the closed range the setting must lie in
    high: float
    default: float | None = None  # None: off unless set
    whole: bool = False  # a count

    @property
    def bound(self) -> Literal["min", "max"]:
        return "min" if self.key.startswith("min_") else "max"

    def missed(self, value: float, limit: float) -> bool:
        return value < limit if self.bound == "min" else value > limit


@dataclass(frozen=True)
class Prepared:
    """One summary made ready to measure: its claims judged, its article cut into units, both encoded."""

    claims: tuple[ClaimVerdict, ...]  # judged, pins attached
    units: tuple[str, ...]  # the article's sentences (long ones cut)
    claim_vecs: np.ndarray
    unit_vecs: np.ndarray
    bands: Bands  # the verdict bands this summary is judged with


@dataclass(frozen=True)
class Batch:
    """The summaries measured together, and the shared models, so a metric batches its own model calls."""

    summaries: Sequence[Prepared]
    encoder: Encoder
    judge: Judge


@dataclass(frozen=True)
class Measured:
    """A metric's output for one summary: its column values and any details (JSON-ready)."""

    values: dict[str, float]
    details: dict[str, Any] = field(default_factory=dict)
    # Set by `measure`, never by a metric: a line for each metric that failed on this summary (its values
    # left out), naming it.
    errors: list[str] = field(default_factory=list)


class Metric(Protocol):
    name: str
    version: str
    reads: frozenset[str]  # from INPUTS
    columns: tuple[Column, ...]
    thresholds: tuple[Threshold, ...]

    def measure(self, batch: Batch) -> list[Measured]: ...


def _check(metric: Metric, origin: str, owners: dict[tuple[str, str], str]) -> None:
    """`metric` is well formed and owns its name, columns and threshold keys alone; `owners` maps
    (kind, name) to the metric (`origin`) that claimed it first, built-ins first."""
    for needed in ("name", "version", "reads", "columns", "thresholds", "measure"):
        if not hasattr(metric, needed):
            raise SettingsError(f"metric {origin} has no '{needed}' (see evalkit.metrics.Metric)")
    unknown = set(metric.reads) - INPUTS
    if unknown:
        raise SettingsError(f"metric {origin} reads {', '.join(sorted(unknown))}; known: {', '.join(sorted(INPUTS))}")
    columns = {c.name for c in metric.columns}
    for threshold in metric.thresholds:
        if not threshold.key.startswith(("min_", "max_")) or threshold.column not in columns:
            raise SettingsError(f"metric {origin}: threshold '{threshold.key}' must be min_/max_ of one of its columns")
    claimed = [("name", metric.name), *(("column", c.name) for c in metric.columns)]
    claimed += [("threshold", t.key) for t in metric.thresholds]
    for kind, name in claimed:
        if (kind, name) in owners:
            owner = owners[kind, name]
            raise SettingsError(f"metric {origin}: its {kind} '{name}' is also that of metric {owner}: rename one")
        owners[kind, name] = origin


@cache
def registered() -> tuple[Metric, ...]:
    """Every metric, built-ins first, then entry points in name order; loaded once per process.

    Names, columns and threshold keys are unique across them, so no metric can take over another's
    numbers, details or thresholds."""
    found: list[Metric] = []
    owners: dict[tuple[str, str], str] = {}
    for name, reference in plugins.available(ENTRY_POINT_GROUP, BUILTIN).items():
        metric = plugins.load(reference, f"metric '{name}'")
        metric = plugins.made(metric, f"metric '{name}'", reference) if isinstance(metric, type) else metric
        _check(metric, f"'{name}' ({reference})", owners)
        found.append(metric)
    return tuple(found)


def columns() -> tuple[Column, ...]:
    """Every registered column, in display order."""
    return tuple(c for m in registered() for c in m.columns)


def column(name: str) -> Column | None:
    return next((c for c in columns() if c.name == name), None)


def thresholds() -> dict[str, Threshold]:
    """Every threshold setting a registered metric owns, by key."""
    return {t.key: t for m in registered() for t in m.thresholds}


def resolve_thresholds(
    given: Mapping[str, Any], origin: str = "settings", origins: Mapping[str, str] | None = None
) -> dict[str, float | None]:
    """Each metric threshold's value: its default, or what `given` sets; unknown keys and values out of
    range are refused, naming the known keys, so a typo never turns a check off in silence. The message
    names where the key was set (`origins`, as `Settings.origins` records it), else `origin`."""
    known = thresholds()
    unknown = sorted(set(given) - known.keys())
    where = (origins or {}).get
    if unknown:
        raise SettingsError(
            f"{where(unknown[0], origin)}: unknown threshold {', '.join(repr(k) for k in unknown)}"
            f" (known: {', '.join(sorted(known))})"
        )
    resolved: dict[str, float | None] = {}
    for key, threshold in known.items():
        value = given.get(key, threshold.default)
        if value is not None:
            ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
            if not ok or (threshold.whole and value != int(value)) or not threshold.low <= value <= threshold.high:
                kind = "a whole number" if threshold.whole else "a number"
                raise SettingsError(
                    f"{where(key, origin)}: '{key}' must be {kind} between {threshold.low:g} and "
                    f"{threshold.high:g}, not {value!r}"
                )
        resolved[key] = value
    return resolved


def settings_thresholds(settings: Settings) -> dict[str, float | None]:
    """`resolve_thresholds` for `settings`: a bad value names the file that set it (`Settings.origins`)."""
    return resolve_thresholds(settings.thresholds, origins=settings.origins)


def _misses(values: Mapping[str, float], limits: Mapping[str, float | None]) -> Iterator[tuple[Threshold, float]]:
    """(threshold, its limit) for each threshold `values` misses."""
    known = thresholds()
    for key, limit in limits.items():
        threshold = known.get(key)
        judged = threshold is not None and limit is not None and threshold.column in values
        if judged and threshold.missed(values[threshold.column], limit):
            yield threshold, limit


def missed(values: Mapping[str, float], limits: Mapping[str, float | None]) -> list[str]:
    """Each threshold `values` misses, as 'label value < key limit'."""
    failures = []
    for threshold, limit in _misses(values, limits):
        col = column(threshold.column) or Column(threshold.column, threshold.column)
        sign = "<" if threshold.bound == "min" else ">"
        failures.append(f"{col.label} {col.format(values[col.name])} {sign} {threshold.key} {col.format(limit)}")
    return failures


def missed_columns(values: Mapping[str, float], limits: Mapping[str, float | None]) -> set[str]:
    """The columns whose threshold `values` misses (the report marks them)."""
    return {threshold.column for threshold, _ in _misses(values, limits)}


def measure(batch: Batch) -> list[Measured]:
    """Every registered metric over the batch, merged per summary.

    A metric that raises or breaks its contract (the wrong number of results, something other than a
    `Measured`, a column it does not declare, a value that is not a finite number) is named in that
    summary's `errors` and its values are left out; every other metric's numbers are kept."""
    merged = [Measured({}, {}) for _ in batch.summaries]
    for metric in registered():
        for into, got in zip(merged, _outputs(metric, batch), strict=True):
            if isinstance(got, str):
                into.errors.append(got)
                continue
            into.values.update(got.values)
            if got.details:
                into.details[metric.name] = got.details
    return merged


def _outputs(metric: Metric, batch: Batch) -> list[Measured | str]:
    """`metric`'s checked result for each summary of `batch`, or the line saying why it has none."""
    who = f"metric '{metric.name}' ({type(metric).__module__})"
    count = len(batch.summaries)
    try:
        got: Any = metric.measure(batch)
    except EvalkitError:
        raise  # a setup problem the metric phrased itself (a missing model): one line, the run stops
    except Exception as exc:  # a broken plugin is named, never a traceback that loses the batch
        return [f"{who} failed: {type(exc).__name__}: {exc}"] * count
    if not isinstance(got, list | tuple) or len(got) != count:
        shape = f"{len(got)} result(s)" if isinstance(got, list | tuple) else repr(got)[:40]
        return [f"{who} returned {shape} for {count} summar{'y' if count == 1 else 'ies'}"] * count
    return [_checked(who, metric, one) for one in got]


def _checked(who: str, metric: Metric, got: Any) -> Measured | str:
    values, details = getattr(got, "values", None), getattr(got, "details", {})
    if not isinstance(values, Mapping) or not isinstance(details, Mapping):
        return f"{who} returned {repr(got)[:40]}, not a Measured"
    undeclared = sorted(set(values) - {c.name for c in metric.columns})
    if undeclared:
        return f"{who} wrote {', '.join(map(repr, undeclared))}, which it does not declare"
    for key, value in values.items():
        if not plugins.finite(value):
            return f"{who} gave {key} = {value!r}, not a finite number"
    return Measured({k: float(v) for k, v in values.items()}, dict(details))


def aggregate(rows: Iterable[Mapping[str, float]]) -> dict[str, float]:
    """Each column rolled up over a run as it declares (summaries lacking the column left out)."""
    rows = list(rows)
    out: dict[str, float] = {}
    for col in columns():
        values = [r[col.name] for r in rows if col.name in r]
        if values:
            total = math.fsum(values)
            out[col.name] = total if col.aggregate == "sum" else total / len(values)
    return out


def table_columns(asked: Iterable[str] = ()) -> tuple[Column, ...]:
    """The terminal table's columns: those marked for it, opt-in ones only where `asked` names them
    (the `table_columns` setting). An unknown name is refused, naming the opt-in columns."""
    shown = tuple(c for c in columns() if c.table)
    optional = {c.name for c in shown if c.opt_in}
    unknown = sorted(set(asked) - optional)
    if unknown:
        raise SettingsError(
            f"table_columns: unknown column {', '.join(repr(n) for n in unknown)} (opt-in columns: "
            f"{', '.join(sorted(optional)) or 'none'})"
        )
    return tuple(c for c in shown if not c.opt_in or c.name in asked)


def versions() -> dict[str, str]:
    """Each metric's version, for the signature."""
    return {m.name: m.version for m in registered()}
