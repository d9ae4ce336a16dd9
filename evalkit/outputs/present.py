"""What the terminal shows: the results table, the text that explains a failing summary, a comparison.

`evalkit run` and the pytest plugin print the same table and the same explanation, so both live here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from evalkit import metrics
from evalkit.outputs.colour import paint
from evalkit.result import ClaimVerdict, SummaryResult
from evalkit.runs.compare import Comparison
from evalkit.scoring import reasons


def format_table(results: list[SummaryResult], colour: bool = False, extra: Iterable[str] = ()) -> str:
    """The results table `evalkit run` prints and the pytest plugin ends its summary with: the columns the
    registered metrics mark for the table and the opt-in ones `extra` names (the `table_columns` setting),
    then a legend for what needs one; `colour` paints the result column (after padding, so escape codes never
    skew the widths).

    The `unsupported` column counts open claims only, so claims a reviewer pinned unsupported are shown
    beside it (`0 (+1 pinned)`), as the HTML report shows them."""
    shown = metrics.table_columns(extra)
    rows = [("file", *(c.label for c in shown), "result")]
    for r in results:
        if r.error:
            rows.append((r.id, *("-" for _ in shown), "ERROR"))
            continue
        pinned = pinned_unsupported(r)
        cells = (
            c.format(r.metrics.get(c.name)) + (f" (+{pinned} pinned)" if c.name == "unsupported" and pinned else "")
            for c in shown
        )
        rows.append((r.id, *cells, ("known miss" if r.known_misses else "pass") if r.passed else "FAIL"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    last = len(widths) - 1
    lines = [
        "  ".join(
            cell.ljust(w) if i == 0 else paint(cell.rjust(w), cell, colour and i == last)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines + legend(results))


def legend(results: list[SummaryResult]) -> list[str]:
    """What `known miss` and `(+N pinned)` mean, said under the table only where they appear."""
    lines = []
    if any(r.passed_with_known_miss for r in results):
        lines.append(
            "known miss: passed; a claim's verdict differs from its reviewed pin, "
            "and the sidecar's [known_miss] declares that a known judge miss (an expected failure, like xfail)"
        )
    if any(pinned_unsupported(r) for r in results if r.error is None):
        lines.append(
            "(+N pinned): unsupported claims a reviewer pinned unsupported in the sidecar, "
            "reviewed already: listed, not counted against max_unsupported_claims"
        )
    return lines


def pinned_unsupported(result: SummaryResult) -> int:
    """Unsupported claims a reviewer pinned unsupported: counted apart from the open ones, never a failure."""
    return sum(c.expected == "unsupported" for c in result.unsupported)


def to_check(result: SummaryResult) -> list[ClaimVerdict]:
    """Claims a person should look at: unsupported or unjudged and not pinned so, or whose pin changed,
    unless the sidecar declares the difference a known miss."""
    return [
        c
        for c in result.claims
        if not c.known_miss
        and ((c.verdict in ("unsupported", "error") and c.expected != c.verdict) or c.expected not in (None, c.verdict))
    ]


def claim_lines(claim: ClaimVerdict, indent: str = "  ", colour: bool = False) -> Iterator[str]:
    """A claim with its verdict, then why: the words to check, its best evidence, or the judge's error."""
    score = "" if claim.score is None else f" {claim.score:.2f}"
    pinned = f", pinned {claim.expected}" if claim.expected else ""
    yield f"{indent}[{paint(claim.verdict, claim.verdict, colour)}{score}{pinned}] {claim.text}"
    if claim.error:
        yield f"{indent}    judge error: {claim.error}"
    if why := reasons.summary(claim.reasons):
        yield f"{indent}    {why}"
    if best := claim.best:
        yield f"{indent}    best evidence ({best.score:.2f}): {best.sentence}"


def explain(result: SummaryResult) -> str:
    """Why `result` failed: each check as value vs limit, then each claim to look at with its best evidence.

    Claims the sidecar pins as unsupported were reviewed already, so they are counted, not repeated.
    """
    if result.error:
        return result.error
    lines = list(result.failures)  # the first line is what pytest's short summary shows
    flagged = to_check(result)
    if flagged:
        lines.append("claims to check:")
    for claim in flagged:
        lines.extend(claim_lines(claim))
    accepted = pinned_unsupported(result)
    if accepted:
        lines.append(f"({accepted} other claim(s) pinned unsupported by the sidecar)")
    lines.extend(miss_lines(result))
    return "\n".join(lines)


def p_value(p: float) -> str:
    """A p-value to 4 decimals, or in exponent form when smaller, so no p prints as 0."""
    return f"{p:.4f}" if p >= 1e-4 else f"{p:.1e}"


def format_comparison(found: Comparison, listed: int = 10, everything: bool = False) -> str:
    """The plain-text report `evalkit compare` prints: the headline, the metric table (faithfulness first;
    ROUGE precision and recall only with `everything`), verdict flips, what was left out or one-sided."""
    a, b = found.names
    lines = [found.headline(everything)]
    lines += [f"signature changed (compared anyway): {change}" for change in found.signature_changes]
    lines.append(f"A = {a}, B = {b}: {len(found.pairs)} summaries compared, {len(found.left_out)} left out")
    level = f"{found.confidence:.0%} interval"
    rows = [("metric", "mean A", "mean B", "B - A", level, "p", "B better/same/worse", "")]
    for m in found.shown(everything):
        t = m.test
        rows.append(
            (
                f"{m.name} {m.column.arrow}".rstrip(),
                m.format(m.mean_a),
                m.format(m.mean_b),
                m.format(t.delta, signed=True),
                f"[{m.format(t.ci_low, signed=True)}, {m.format(t.ci_high, signed=True)}]",
                p_value(t.p_value),
                f"{m.wins}/{m.ties}/{m.losses}",
                f"B {m.outcome}" if m.outcome else "",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        cells = [c.ljust(w) if i in (0, 7) else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))]
        lines.append("  ".join(cells).rstrip())
    lines += [f"metric {name}: {why}, not compared" for name, why in found.not_compared]
    for side, ids in (("A", found.consistent_only_in_a), ("B", found.consistent_only_in_b)):
        lines.append(f"consistent under {side} only: {len(ids)}" + "".join(f"\n  {id}" for id in ids[:listed]))
        lines += [f"  ... and {len(ids) - listed} more"] if len(ids) > listed else []
    lines += [f"left out: {id} ({why})" for id, why in found.left_out[:listed]]
    lines += [f"left out: ... and {len(found.left_out) - listed} more"] if len(found.left_out) > listed else []
    hidden = len(found.metrics) - len(found.shown(everything))
    lines.append(
        f"{LEGEND}; interval and p-value from one paired bootstrap, {found.resamples} resamples, seed {found.seed}; "
        f"B better/worse: the interval excludes 0, as p < {found.alpha:g}"
        + (f"; {hidden} more ROUGE rows with --all" if hidden else "")
    )
    return "\n".join(lines) + "\n"


# What the arrows mean, wherever a comparison prints them.
LEGEND = "↑ higher is better, ↓ lower, no arrow: neither (B higher/same/lower)"


def miss_lines(result: SummaryResult) -> list[str]:
    """A line for each declared known miss: still missed (an expected failure), or now right."""
    lines = [f"known miss: '{c.text}' is {c.verdict}, pinned {c.expected}: {c.known_miss}" for c in result.known_misses]
    lines += [
        f"known miss now right: '{c.text}' is {c.verdict} as pinned: remove it from [known_miss]"
        for c in result.misses_fixed
    ]
    return lines
