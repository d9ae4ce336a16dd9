"""View-model for the HTML report: the arithmetic and joins the template should not do.

The template only loops and prints; everything that needs a decision (which part of the summary
is a claim, which article sentences are evidence, where a histogram bar sits) is worked out here,
so it can be tested without parsing HTML.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from evalkit import metrics
from evalkit.outputs import present
from evalkit.result import VERDICTS, ClaimVerdict, RunResult, SummaryResult
from evalkit.scoring import reasons
from evalkit.scoring.reviews import Review

if TYPE_CHECKING:
    from evalkit.runs.diff import RunDiff
    from evalkit.runs.records import RunRecord

TO_CHECK = ("error", "unsupported", "weak")  # the verdicts a person should look at, most urgent first
# Summaries table rows laid out at load; the others wait, parsed but not drawn, in a <template> the page's
# script shows a page at a time (5,000 laid-out rows took Chromium over ten seconds).
FIRST_ROWS = 200


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
    """One summary as the overview shows it; its details are worked out by `detail` when they are written."""

    result: SummaryResult
    anchor: str
    status: str  # "pass", "fail" or "error"
    counts: dict[str, int]
    pinned_unsupported: int  # unsupported claims a reviewer pinned as unsupported: counted, but no failure
    missed: frozenset[str]  # the metric columns whose threshold the summary misses

    @cached_property
    def cited(self) -> dict[int, tuple[Cite, ...]]:
        """`cited_sentences` of the summary, worked out once for all its review cards (the report's `detail`
        calls `cited_sentences` itself, so a streamed report holds no summary's cites after writing it)."""
        return cited_sentences(self.result)

    @cached_property
    def segments(self) -> tuple[Segment, ...]:
        """`segments_of` the summary, cut once for all its review cards (the report's `detail` cuts its own)."""
        return segments_of(self.result.summary, self.result.claims)


@dataclass(frozen=True)
class ReviewCard:
    """One claim on the review page: `number` is how a decision names it; `review` the decision it has now."""

    number: int
    summary: SummaryView
    index: int  # into the summary's claims
    review: Review

    @property
    def claim(self) -> ClaimVerdict:
        return self.summary.result.claims[self.index]

    @property
    def cited(self) -> dict[int, Cite]:
        """The article sentences this claim cites (its own marks only, not its neighbours')."""
        own = self.index + 1
        mine = {i: next((c for c in cites if c.claim == own), None) for i, cites in self.summary.cited.items()}
        return {i: c for i, c in mine.items() if c is not None}

    @property
    def best(self) -> int:
        """The index of the claim's strongest evidence (-1 when it has none)."""
        return best_evidence(self.claim)

    @property
    def segments(self) -> tuple[Segment, ...]:
        """The summary around the claim, cut where each claim starts and ends."""
        return self.summary.segments


@dataclass(frozen=True)
class Flagged:
    """A claim to look at, for the run-wide list: where it is and what its verdict rests on."""

    summary: SummaryView
    number: int  # 1-based, as the report numbers claims
    claim: ClaimVerdict


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
    return SummaryView(
        result=result,
        anchor=anchor,
        status=status,
        counts=verdict_counts(result.claims),
        pinned_unsupported=present.pinned_unsupported(result),
        missed=frozenset(metrics.missed_columns(result.metrics, result.thresholds)),
    )


def flagged(summaries: Sequence[SummaryView]) -> tuple[Flagged, ...]:
    """Every claim a person should look at across the run: unjudged first, then by rising score."""
    found = [
        Flagged(s, number, c)
        for s in summaries
        for number, c in enumerate(s.result.claims, start=1)
        if c.verdict in TO_CHECK
    ]
    return tuple(sorted(found, key=lambda f: (TO_CHECK.index(f.claim.verdict) > 0, f.claim.score or 0.0)))


def rounded(value: Any) -> Any:
    """A float cut to three decimals for display (a calibrated band edge is 0.578752), in a mapping too (the
    metrics' versions, a sidecar's bands); anything else as is."""
    if isinstance(value, dict):
        return {k: rounded(v) for k, v in value.items()}
    return round(value, 3) if isinstance(value, float) else value


def verdict_counts(claims: list[ClaimVerdict] | tuple[ClaimVerdict, ...]) -> dict[str, int]:
    found = Counter(c.verdict for c in claims)
    return {v: found[v] for v in VERDICTS if v != "error" or found[v]}  # `error` only where it happened


def segments_of(summary: str, claims: tuple[ClaimVerdict, ...]) -> tuple[Segment, ...]:
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


def data_blocks(run: RunView) -> Iterator[tuple[str, Any]]:
    """The detail data the page's script renders a summary from when it is opened, as (element id, value),
    and the claims to check as (summary, claim) positions, which it draws a page at a time.

    Each article (with its dropped lines) and each set of thresholds is held once however many summaries
    share it, and an evidence passage that is a run of article sentences is a reference to them, so the
    page grows with the text of its inputs, not with claims × evidence. Numbers come formatted, so the
    script only prints. Blocks are made one at a time: the writer streams them and never holds the page.
    """
    columns = metrics.columns()
    yield "columns", [c.label for c in columns]
    index = {s.anchor: i for i, s in enumerate(run.summaries)}
    yield "flagged", [
        [index[f.summary.anchor], f.number - 1, f.claim.verdict, int(bool(f.claim.expected))] for f in run.flagged
    ]
    shared: dict[str, dict[Any, int]] = {"a": {}, "t": {}}

    def share(kind: str, value: Any) -> tuple[int, bool]:
        """The block number of `value`, and whether it is new (and must be written first)."""
        known = shared[kind]
        new = value not in known
        return known.setdefault(value, len(known)), new

    for s in run.summaries:
        r = s.result
        article, new_article = share("a", (r.body, r.dropped))
        if new_article:
            yield f"a{article}", {"body": r.body, "dropped": r.dropped}
        limits = tuple((k, "off" if v is None else str(v)) for k, v in r.thresholds.items())
        thresholds, new_thresholds = share("t", limits)
        if new_thresholds:
            yield f"t{thresholds}", limits
        yield f"d-{s.anchor}", detail(s, article, thresholds, columns)


def detail(s: SummaryView, article: int, thresholds: int, columns: Sequence[metrics.Column]) -> dict[str, Any]:
    """One summary's detail data (see `data_blocks`). Keys are short and empty ones left out, because there
    may be 5,000 of these: a claim's verdict and pin are places in `VERDICTS`, its reasons and marks name
    their kind by its place in `reasons.KINDS`, and
    scores are numbers the script prints with as many decimals as they have been cut to."""
    r = s.result
    out: dict[str, Any] = {"id": r.id, "title": r.title, "status": s.status}
    if r.error is not None:
        return {**out, "error": r.error}
    kinds = list(reasons.KINDS)
    body = r.body
    segments: list[Any] = []
    for seg in segments_of(r.summary, r.claims):
        if seg.claim is None:
            segments.append(["h", seg.text] if seg.heading else seg.text)
        else:
            same = seg.text == r.claims[seg.claim].text
            segments.append([seg.claim] if same else [seg.claim, seg.text])
    sections = list(dict.fromkeys(c.section for c in r.claims if c.section))
    signal_keys = tuple(dict.fromkeys(k for c in r.claims for k in c.signals))
    claims = []
    for c in r.claims:
        evidence = []
        for e in c.evidence:
            quoted = 0 <= e.start < e.end and " ".join(body[e.start : e.end]) == e.sentence
            text = None if quoted else e.sentence  # None: the article's sentences start to end, held once
            evidence.append([text, e.start, e.end, *(cut(x) for x in (e.score, e.rouge_precision, e.support))])
        judged = any(e.support is not None for e in c.evidence)
        entail = c.signals.get("entail")
        pieces = reasons.pieces(c.text, c.reasons)
        marked = {k: list(dict.fromkeys(p.text for p in pieces if p.kind == k)) for k in kinds}
        item = {
            "v": VERDICTS.index(c.verdict),
            "s": cut(c.score),
            "s2": cut(c.score, 2),
            "p": [[p.text, kinds.index(p.kind)] if p.kind else p.text for p in pieces],
            "x": None if c.expected is None else VERDICTS.index(c.expected),
            "km": c.known_miss,
            "sec": sections.index(c.section) if c.section else None,
            "err": c.error,
            # a kind's list is left to the script where it is the words marked in the claim, in order
            "r": [[i, ", ".join(c.reasons[k])] for i, k in enumerate(kinds) if c.reasons.get(k, []) != marked[k]],
            "e": evidence,
            "b": best_evidence(c),
            "ent": cut(entail) if judged and c.decided_by < 0 else None,
            "sig": [cut(c.signals.get(k)) for k in signal_keys],
        }
        claims.append({k: v for k, v in item.items() if v is not None and v != []})
    omitted = sorted({o["unit"] for o in r.details.get("coverage", {}).get("omitted", ())})
    return {
        **out,
        "failures": r.failures,
        "segments": segments,
        "sections": sections,
        "claims": claims,
        "keys": signal_keys,
        "m": [None if c.name not in r.metrics else c.format(r.metrics[c.name]) for c in columns],
        "miss": [i for i, c in enumerate(columns) if c.name in s.missed],
        "article": article,
        "thresholds": thresholds if r.thresholds else None,
        "cited": [  # per article sentence, the claims citing it; negative: its strongest evidence
            [unit, *(-c.claim if c.best else c.claim for c in cites)] for unit, cites in cited_sentences(r).items()
        ],
        "omitted": omitted,
    }


def cut(value: float | None, digits: int = 3) -> float | None:
    """A number for the page's script, which prints it with `digits` decimals: rounded here, as `fmt` rounds,
    so both print the same figure."""
    return None if value is None else round(value, digits)


def fmt(value: float | None, digits: int = 3, missing: str | None = "—") -> str | None:
    """A number as the report prints it: fixed decimals, `missing` for none."""
    return missing if value is None else f"{value:.{digits}f}"
