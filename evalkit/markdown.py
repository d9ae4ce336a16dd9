"""Markdown for CI job summaries and pull-request comments: a run's totals and failures, and a diff.

Capture text is untrusted: table cells are escaped, and failure messages go in a code fence
longer than any backtick run they contain, so no summary can break the layout.
"""

from __future__ import annotations

import re

from evalkit.diff import RunDiff
from evalkit.present import explain
from evalkit.report.view import verdict_counts
from evalkit.result import RunResult

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
    lines = [
        f"## evalkit: {len(run.results) - len(failed)} passed, {len(failed)} failed",
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
