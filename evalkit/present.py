"""What the terminal shows: the results table and the text that explains a failing summary.

`evalkit run` and the pytest plugin print the same table and the same explanation, so both live here.
"""

from __future__ import annotations

from collections.abc import Iterator

from evalkit import reasons
from evalkit.result import ClaimVerdict, SummaryResult


def format_table(results: list[SummaryResult]) -> str:
    """The results table `evalkit run` prints and the pytest plugin ends its summary with."""
    rows = [("file", "ROUGE-L F1", "similarity", "claims", "unsupported", "result")]
    for r in results:
        if r.error:
            rows.append((r.id, "-", "-", "-", "-", "ERROR"))
            continue
        rows.append(
            (
                r.id,
                f"{r.rouge['rougeL']['f1']:.3f}",
                f"{r.similarity:.3f}",
                str(len(r.claims)),
                str(len(r.unsupported)),
                "pass" if r.passed else "FAIL",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def to_check(result: SummaryResult) -> list[ClaimVerdict]:
    """Claims a person should look at: unsupported or unjudged and not pinned so, or whose pin changed."""
    return [
        c
        for c in result.claims
        if (c.verdict in ("unsupported", "error") and c.expected != c.verdict) or c.expected not in (None, c.verdict)
    ]


def claim_lines(claim: ClaimVerdict, indent: str = "  ") -> Iterator[str]:
    """A claim with its verdict, then why: the words to check, its best evidence, or the judge's error."""
    score = "" if claim.score is None else f" {claim.score:.2f}"
    pinned = f", pinned {claim.expected}" if claim.expected else ""
    yield f"{indent}[{claim.verdict}{score}{pinned}] {claim.text}"
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
    accepted = sum(1 for c in result.unsupported if c.expected == "unsupported")
    if accepted:
        lines.append(f"({accepted} other claim(s) pinned unsupported by the sidecar)")
    return "\n".join(lines)
