"""Markdown for CI job summaries and pull-request comments: a run's totals and failures, a diff, a comparison.

Capture text is untrusted: table cells are escaped, and failure messages go in a code fence
longer than any backtick run they contain, so no summary can break the layout.
"""

from __future__ import annotations

import re

from evalkit.outputs.present import explain, miss_lines, p_value
from evalkit.outputs.report.view import verdict_counts
from evalkit.result import RunResult
from evalkit.runs.compare import Comparison
from evalkit.runs.diff import RunDiff

_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|#!~])")


def _cell(text: str) -> str:
    """Text safe in a table cell: Markdown punctuation escaped, kept on one line."""
    return _SPECIAL.sub(r"\\\1", " ".join(text.split()))


def _fenced(text: str) -> list[str]:
    fence = "`" * max(3, 1 + max((len(m) for m in re.findall(r"`+", text)), default=0))
    return [f"{fence}text", text, fence]


def run_summary(run: RunResult, changes: RunDiff | None = None) -> str:
    """Totals, each failing summary with the reasons `explain()` gives, then the changes since the last run."""
    failed = run.failed
    claims = verdict_counts([c for r in run.results for c in r.claims])
    missed = [r for r in run.results if r.passed and r.known_misses]
    known = f" ({len(missed)} with a known miss)" if missed else ""
    lines = [
        f"## evalkit: {len(run.results) - len(failed)} passed{known}, {len(failed)} failed",
        "",
        f"{len(run.results)} summaries, {sum(claims.values())} claims: "
        + ", ".join(f"{n} {v}" for v, n in claims.items())
        + f". Judged {run.started} with `{run.signature.get('model', '?')}`.",
    ]
    if failed:
        lines += ["", "### Failures"]
    for result in failed:
        lines += ["", f"**{_cell(result.id)}**" + (f" ({_cell(result.title)})" if result.title else ""), ""]
        lines += _fenced(explain(result))
    if missed:
        lines += ["", "### Known misses (passed: the sidecar declares the judge's miss, as pytest's xfail)", ""]
    for result in missed:
        lines += [f"- **{_cell(result.id)}**: " + "; ".join(_cell(line) for line in miss_lines(result))]
    if changes is not None:
        lines += ["", "### Changed since the last run", "", *changes_table(changes)]
    return "\n".join(lines) + "\n"


def diff_summary(diff: RunDiff) -> str:
    """What `evalkit diff --format markdown` prints."""
    head = f"## evalkit diff: {len(diff.regressed)} regressed, {len(diff.improved)} improved"
    notes = [f"- signature changed (compared anyway): {_cell(c)}" for c in diff.signature_changes]
    return "\n".join([head, "", *notes, *([""] if notes else []), *changes_table(diff)]) + "\n"


def changes_table(diff: RunDiff) -> list[str]:
    if not diff.changes:
        return [f"Nothing changed ({diff.compared} summaries compared)."]
    rows = ["| summary | change | verdict | score | claim (best evidence) |", "|---|---|---|---|---|"]
    for summary in diff.changes:
        if summary.headline:
            rows.append(f"| {_cell(summary.id)} | {_cell(summary.headline)} | | | |")
        for change in summary.claims:
            claim = change.claim
            evidence = f" (best evidence {claim.evidence_score:.2f}: {claim.evidence})" if claim.evidence else ""
            kind = f"**{change.kind}**" if change.regressed else change.kind
            rows.append(
                f"| {_cell(summary.id)} | {kind} | {_cell(change.verdicts)} | {_cell(change.scores)} "
                f"| {_cell(claim.text + evidence)} |"
            )
    return rows


def compare_summary(found: Comparison) -> str:
    """What `evalkit compare --format markdown` prints: the metric table, flips and what was left out."""
    a, b = found.names
    lines = [
        f"## evalkit compare: A = {_cell(a)}, B = {_cell(b)}",
        "",
        *[f"- signature changed (compared anyway): {_cell(c)}" for c in found.signature_changes],
        *([""] if found.signature_changes else []),
        f"{len(found.pairs)} summaries compared, {len(found.left_out)} left out. "
        f"Paired bootstrap {found.confidence:.0%} interval and approximate randomisation p-value, "
        f"{found.resamples} resamples, seed {found.seed}; **bold**: B differs at p < {found.alpha:g}.",
        "",
        "| metric | mean A | mean B | B − A | interval | p | B better / same / worse |",
        "|---|---:|---:|---:|---|---:|---:|",
    ]
    for m in found.metrics:
        t = m.test
        delta = f"**{t.delta:+.3f}** ({m.outcome})" if m.outcome else f"{t.delta:+.3f}"
        lines.append(
            f"| {m.name} {'↑' if m.higher_is_better else '↓'} | {m.mean_a:.3f} | {m.mean_b:.3f} | {delta} "
            f"| [{t.ci_low:+.3f}, {t.ci_high:+.3f}] | {p_value(t.p_value)} | {m.wins} / {m.ties} / {m.losses} |"
        )
    lines += [
        "",
        f"Verdict flips: {len(found.consistent_only_in_a)} summaries consistent under A only, "
        f"{len(found.consistent_only_in_b)} under B only.",
    ]
    return "\n".join(lines) + "\n"
