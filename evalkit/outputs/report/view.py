"""View-model for the HTML report: the arithmetic and joins the template should not do.

The template only loops and prints; everything that needs a decision (which part of the summary
is a claim, which article sentences are evidence, where a histogram bar sits) is worked out here,
so it can be tested without parsing HTML.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from evalkit import metrics
from evalkit.result import VERDICTS, ClaimVerdict, Evidence, RunResult, SummaryResult
from evalkit.scoring import reasons

if TYPE_CHECKING:
    from evalkit.runs.diff import RunDiff
    from evalkit.runs.records import RunRecord

TO_CHECK = ("error", "unsupported", "weak")  # the verdicts a person should look at, most urgent first


@dataclass(frozen=True)
class Segment:
    """A run of summary text: a claim (by index into `claims`), a section heading, or plain text."""

    text: str
    claim: int | None = None
    heading: bool = False


@dataclass(frozen=True)
class Cite:
    """A claim citing an article sentence; `best` when the sentence is in the claim's strongest evidence."""

    claim: int  # 1-based, as the report numbers claims
    verdict: str
    best: bool


@dataclass(frozen=True)
class SummaryView:
    """One summary with what its detail section needs beyond the result itself."""

    result: SummaryResult
    anchor: str
    status: str  # "pass", "fail" or "error"
    counts: dict[str, int]
    segments: tuple[Segment, ...]
    best: tuple[int, ...]  # per claim, the index of its strongest evidence (-1 when it has none)
    marked: tuple[tuple[reasons.Piece, ...], ...]  # per claim, its text with the words to check marked
    cited: dict[int, tuple[Cite, ...]]  # article sentence index -> the claims citing it
    signal_keys: tuple[str, ...]
    pinned_unsupported: int  # unsupported claims a reviewer pinned as unsupported: counted, but no failure
    missed: frozenset[str]  # the metric columns whose threshold the summary misses
    omitted: frozenset[int]  # article sentences (unit indices) that coverage found left out


@dataclass(frozen=True)
class Flagged:
    """A claim to look at, for the run-wide list: where it is and what its verdict rests on."""

    summary: SummaryView
    number: int  # 1-based, as the report numbers claims
    claim: ClaimVerdict
    best: Evidence | None


@dataclass(frozen=True)
class Bar:
    """One verdict's share of one histogram bin, in SVG user units."""

    x: float
    y: float
    width: float
    height: float
    verdict: str
    count: int
    low: float
    high: float


@dataclass(frozen=True)
class Tick:
    """An axis label at `pos` along its axis, in SVG user units."""

    pos: float
    label: str


@dataclass(frozen=True)
class Marker:
    """A verdict band edge: its dashed line at `pos`, and its label beside the line at (`x`, `y`).

    `anchor` is SVG's text-anchor: "end" puts the label left of its line, "start" right of it, so two
    close edges (0.47 and 0.58) get their labels on opposite sides instead of printed over each other.
    """

    pos: float
    label: str
    x: float
    y: float
    anchor: str


@dataclass(frozen=True)
class Histogram:
    """Claim support scores binned on [0, 1] and stacked by verdict, laid out for inline SVG."""

    width: int
    height: int
    left: int
    top: int
    right: int
    bottom: int
    bars: tuple[Bar, ...]
    xticks: tuple[Tick, ...]
    yticks: tuple[Tick, ...]
    markers: tuple[Marker, ...]  # the verdict band edges: unsupported below the first, supported above the last
    total: int
    bins: int


@dataclass(frozen=True)
class RunView:
    """The run as the overview shows it."""

    summaries: tuple[SummaryView, ...]
    counts: dict[str, int]  # pass / fail / error
    verdicts: dict[str, int]
    histogram: Histogram
    signature: dict[str, Any]  # everything but the thresholds, which get their own table; floats rounded
    thresholds: dict[str, Any]
    flagged: tuple[Flagged, ...]  # every unsupported, weak or unjudged claim of the run, most urgent first
    columns: tuple[metrics.Column, ...]  # the metric columns the overview table shows after its claims cell
    totals: dict[str, float]  # each column rolled up over the run as its metric declares (mean or sum)
    changes: RunDiff | None = None  # against the previous comparable run, from the history
    trends: dict[str, Sparkline] | None = None  # by summary id


def build(run: RunResult, history: Sequence[RunRecord] = ()) -> RunView:
    """Everything the template needs beyond `run` itself; anchors are positional so odd ids stay out of URLs.

    `history` ends with this run's record (`history.append` returns it so); without it the report
    has no "Changed since the last run" section and no trends.
    """
    from evalkit.runs import history as history_mod

    records = list(history)
    summaries = tuple(summary_view(r, f"s{i}") for i, r in enumerate(run.results))
    claims = [c for r in run.results for c in r.claims]
    bands = judged_bands(run)
    edges = [bands.get(k) for k in ("support_threshold", "supported_at")]
    return RunView(
        summaries=summaries,
        counts={k: sum(s.status == k for s in summaries) for k in ("pass", "fail", "error")},
        verdicts=verdict_counts(claims),
        histogram=histogram(claims, *(e if isinstance(e, int | float) else None for e in edges)),
        signature={k: rounded(v) for k, v in run.signature.items() if k != "thresholds"},
        thresholds=dict(run.signature.get("thresholds") or {}),
        flagged=flagged(summaries),
        columns=tuple(c for c in metrics.columns() if c.table and c.name != "claims"),
        totals=metrics.aggregate(r.metrics for r in run.results if r.error is None),
        changes=history_mod.since_last(records),
        trends={k: sparkline(v) for k, v in history_mod.trends(records).items() if len(v) > 1},
    )


def judged_bands(run: RunResult) -> dict[str, Any]:
    """The bands the histogram marks: those every capture was judged with (each result carries its own),
    else, where sidecars set different ones, the run's."""
    seen = {tuple(sorted(r.bands.items())) for r in run.results if r.error is None and r.bands}
    return dict(next(iter(seen))) if len(seen) == 1 else run.signature


def summary_view(result: SummaryResult, anchor: str) -> SummaryView:
    status = "error" if result.error is not None else "pass" if result.passed else "fail"
    signal_keys = tuple(dict.fromkeys(k for c in result.claims for k in c.signals))
    return SummaryView(
        result=result,
        anchor=anchor,
        status=status,
        counts=verdict_counts(result.claims),
        segments=segments(result.summary, result.claims),
        best=tuple(best_evidence(c) for c in result.claims),
        marked=tuple(reasons.pieces(c.text, c.reasons) for c in result.claims),
        cited=cited_sentences(result),
        signal_keys=signal_keys,
        pinned_unsupported=sum(c.expected == "unsupported" for c in result.unsupported),
        missed=frozenset(metrics.missed_columns(result.metrics, result.thresholds)),
        omitted=frozenset(o["unit"] for o in result.details.get("coverage", {}).get("omitted", ())),
    )


def flagged(summaries: Sequence[SummaryView]) -> tuple[Flagged, ...]:
    """Every claim a person should look at across the run: unjudged first, then by rising score."""
    found = [
        Flagged(s, number, c, c.best)
        for s in summaries
        for number, c in enumerate(s.result.claims, start=1)
        if c.verdict in TO_CHECK
    ]
    return tuple(sorted(found, key=lambda f: (TO_CHECK.index(f.claim.verdict) > 0, f.claim.score or 0.0)))


def rounded(value: Any) -> Any:
    """A float cut to three decimals for display (a calibrated band edge is 0.578752); anything else as is."""
    return round(value, 3) if isinstance(value, float) else value


def verdict_counts(claims: list[ClaimVerdict] | tuple[ClaimVerdict, ...]) -> dict[str, int]:
    found = Counter(c.verdict for c in claims)
    return {v: found[v] for v in VERDICTS if v != "error" or found[v]}  # `error` only where it happened


def segments(summary: str, claims: tuple[ClaimVerdict, ...]) -> tuple[Segment, ...]:
    """Cut the summary into claim spans and the text between them, keeping every character once.

    Claims whose offsets fall outside the text or overlap an earlier claim stay out of the inline
    view (they are still listed below it), so a bad offset can never duplicate or lose text.
    """
    headings = {c.section for c in claims if c.section}
    out: list[Segment] = []
    cursor = 0

    def gap(text: str) -> None:
        for line in text.splitlines(keepends=True):
            bare = line.strip()
            out.append(Segment(line, heading=bool(bare) and bare in headings))

    for index, claim in sorted(enumerate(claims), key=lambda item: item[1].start):
        if claim.start < cursor or claim.end > len(summary) or claim.end <= claim.start:
            continue
        gap(summary[cursor : claim.start])
        out.append(Segment(summary[claim.start : claim.end], claim=index))
        cursor = claim.end
    gap(summary[cursor:])
    return tuple(out)


def best_evidence(claim: ClaimVerdict) -> int:
    """Index of `ClaimVerdict.best` in the claim's evidence (-1 when it has none)."""
    best = claim.best
    return -1 if best is None else claim.evidence.index(best)


def cited_sentences(result: SummaryResult) -> dict[int, tuple[Cite, ...]]:
    """Which claims cite each article sentence, so the article can highlight and link back.

    Every claim lists several candidate sentences; only its strongest evidence counts as `best`,
    so the highlight picks out what the verdict rests on rather than most of the article.
    """
    cited: dict[int, dict[int, Cite]] = {}
    for number, claim in enumerate(result.claims, start=1):
        top = best_evidence(claim)
        for rank, evidence in enumerate(claim.evidence):
            for index in range(max(evidence.start, 0), min(evidence.end, len(result.body))):
                known = cited.setdefault(index, {}).get(number)
                cited[index][number] = Cite(number, claim.verdict, rank == top or (known is not None and known.best))
    return {k: tuple(v.values()) for k, v in sorted(cited.items())}


def histogram(
    claims: list[ClaimVerdict],
    threshold: float | None,
    supported_at: float | None = None,
    bins: int = 20,
    width: int = 720,
    height: int = 240,
) -> Histogram:
    """Bins of equal width on [0, 1]; scores outside are clamped so every scored claim is counted."""
    left, top, right, bottom = 48, 24, width - 16, height - 44
    counts = [Counter() for _ in range(bins)]
    claims = [c for c in claims if c.score is not None]
    for claim in claims:
        index = min(max(int(claim.score * bins), 0), bins - 1)
        counts[index][claim.verdict] += 1
    peak = max((sum(c.values()) for c in counts), default=0)
    step = _nice_step(peak)
    ymax = max(step * -(-peak // step), 1)
    bin_width = (right - left) / bins
    scale = (bottom - top) / ymax
    bars: list[Bar] = []
    for index, counter in enumerate(counts):
        y = float(bottom)
        for verdict in ("unsupported", "weak", "supported"):
            if counter[verdict]:
                h = counter[verdict] * scale
                y -= h
                x = left + index * bin_width
                bars.append(
                    Bar(x + 1, y, bin_width - 2, h, verdict, counter[verdict], index / bins, (index + 1) / bins)
                )
    xticks = tuple(Tick(left + (right - left) * i / 10, f"{i / 10:.1f}") for i in range(11))
    yticks = tuple(Tick(bottom - v * scale, str(v)) for v in range(0, ymax + 1, step))
    edges = [
        (left + (right - left) * edge, f"{label} {edge:.2f}")
        for edge, label in ((threshold, "unsupported below"), (supported_at, "supported from"))
        if edge is not None and 0 <= edge <= 1
    ]
    markers = place_markers(edges, width, top)
    return Histogram(width, height, left, top, right, bottom, tuple(bars), xticks, yticks, markers, len(claims), bins)


def place_markers(edges: list[tuple[float, str]], width: int, top: int, char: float = 6.8) -> tuple[Marker, ...]:
    """Labels for the band edges that stay inside the figure and never overlap.

    With two edges the first label goes left of its line and the second right, so however close the
    edges are the labels part; a label that would leave the figure flips side, and one that would
    still touch the previous label drops to a second row. `char` is a generous width of one 12px glyph.
    """
    placed: list[Marker] = []
    for index, (pos, label) in enumerate(edges):
        size = len(label) * char
        side = "end" if index == 0 and len(edges) > 1 else "start"
        if side == "end" and pos - 4 - size < 0:
            side = "start"
        if side == "start" and pos + 4 + size > width:
            side = "end"
        low = pos - 4 - size if side == "end" else pos + 4
        row = 0
        if placed:
            last = placed[-1]
            last_low = last.x - len(last.label) * char if last.anchor == "end" else last.x
            if low < last_low + len(last.label) * char + 8 and low + size + 8 > last_low:
                row = 1
        x = pos - 4 if side == "end" else pos + 4
        placed.append(Marker(pos, label, x, top - 8 + 13 * row, side))
    return tuple(placed)


def _nice_step(peak: int) -> int:
    """A y-axis step of 1, 2 or 5 × 10ⁿ giving at most about five gridlines."""
    magnitude = 1
    while True:
        for m in (1, 2, 5):
            if peak <= 5 * m * magnitude:
                return m * magnitude
        magnitude *= 10


@dataclass(frozen=True)
class Sparkline:
    """A summary's support score over recent runs, as an inline SVG polyline on a fixed [0, 1] scale."""

    width: int
    height: int
    points: str
    last: tuple[float, float]
    scores: tuple[float, ...]


def sparkline(scores: Sequence[float], width: int = 90, height: int = 22) -> Sparkline:
    """Oldest run on the left; a fixed scale so two summaries' lines compare at a glance."""
    pad = 2
    step = (width - 2 * pad) / max(len(scores) - 1, 1)
    xy = [
        (pad + i * step, pad + (height - 2 * pad) * (1 - min(max(score, 0.0), 1.0))) for i, score in enumerate(scores)
    ]
    return Sparkline(width, height, " ".join(f"{x:.1f},{y:.1f}" for x, y in xy), xy[-1], tuple(scores))
