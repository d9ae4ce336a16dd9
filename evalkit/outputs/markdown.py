"""Markdown for CI job summaries and pull-request comments: a run's totals and failures, a diff, a comparison.

Capture text is untrusted: table cells are escaped, and failure messages go in a code fence
longer than any backtick run they contain, so no summary can break the layout.
"""

from __future__ import annotations

import re

from evalkit.outputs.present import LEGEND, explain, miss_lines, p_value
from evalkit.outputs.report.view import verdict_counts
from evalkit.result import RunResult
from evalkit.runs.compare import Comparison
from evalkit.runs.diff import RunDiff, move_line

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
    missed = [r for r in run.results if r.passed_with_known_miss]
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
    notes += [f"- metric {_cell(name)}: {_cell(why)}, not compared" for name, why in diff.not_compared]
    notes += [f"- {_cell(move_line(*move))}" for move in diff.moves]
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


def compare_summary(found: Comparison, everything: bool = False) -> str:
    """What `evalkit compare --format markdown` prints: the headline, the metric table, the ids that flipped,
    what was left out or one-sided."""
    a, b = found.names
    lines = [
        f"## evalkit compare: A = {_cell(a)}, B = {_cell(b)}",
        "",
        f"**{_cell(found.headline(everything))}**",
        "",
        *[f"- signature changed (compared anyway): {_cell(c)}" for c in found.signature_changes],
        *[f"- metric {_cell(name)}: {_cell(why)}, not compared" for name, why in found.not_compared],
        *([""] if found.signature_changes or found.not_compared else []),
        f"{len(found.pairs)} summaries compared, {len(found.left_out)} left out. "
        f"Interval ({found.confidence:.0%}) and p-value from one paired bootstrap, "
        f"{found.resamples} resamples, seed {found.seed}; **bold**: B differs at p < {found.alpha:g}. {LEGEND}.",
        "",
        "| metric | mean A | mean B | B − A | interval | p | B better / same / worse |",
        "|---|---:|---:|---:|---|---:|---:|",
    ]
    for m in found.shown(everything):
        t = m.test
        delta = m.format(t.delta, signed=True)
        delta = f"**{delta}** ({m.outcome})" if m.outcome else delta
        lines.append(
            f"| {_cell(f'{m.name} {m.column.arrow}'.rstrip())} | {m.format(m.mean_a)} | {m.format(m.mean_b)} | {delta} "
            f"| [{m.format(t.ci_low, signed=True)}, {m.format(t.ci_high, signed=True)}] | {p_value(t.p_value)} "
            f"| {m.wins} / {m.ties} / {m.losses} |"
        )
    for side, ids in (("A", found.consistent_only_in_a), ("B", found.consistent_only_in_b)):
        lines += ["", f"Consistent under {side} only: {len(ids)}" + (":" if ids else ".")]
        lines += [""] + [f"- {_cell(id)}" for id in ids] if ids else []
    if found.left_out:
        lines += ["", f"Left out: {len(found.left_out)}", ""]
        lines += [f"- {_cell(id)}: {_cell(why)}" for id, why in found.left_out]
    return "\n".join(lines) + "\n"
