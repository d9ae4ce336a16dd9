"""Claim support, summed up per summary: the weakest claim's score, the share supported, what is left open.

The judge has already given each claim its verdict (one call per batch, in the pipeline); this metric
only counts. `unsupported` leaves out claims a reviewer pinned as unsupported (accepted), so
`max_unsupported_claims` fails a summary on new problems, not on reviewed ones.
"""

from __future__ import annotations

from evalkit.metrics import Batch, Column, Measured, Threshold


class Support:
    name = "support"
    version = "1"
    reads = frozenset({"verdicts"})
    columns = (
        Column("claims", "claims", higher_is_better=None, aggregate="sum", digits=0, table=True),
        Column("unsupported", "unsupported", higher_is_better=False, aggregate="sum", digits=0, table=True),
        Column("supported_share", "supported share"),
        Column("support", "support score", table=True),  # the weakest judged claim's score
    )
    thresholds = (
        Threshold("min_support", "support", 0.0, 1.0),
        Threshold("max_unsupported_claims", "unsupported", 0, 1_000_000, default=0, whole=True),
    )

    def measure(self, batch: Batch) -> list[Measured]:
        out = []
        for s in batch.summaries:
            scores = [c.score for c in s.claims if c.score is not None]
            supported = sum(c.verdict == "supported" for c in s.claims)
            open_unsupported = sum(c.verdict == "unsupported" and c.expected != "unsupported" for c in s.claims)
            values = {
                "claims": float(len(s.claims)),
                "support": min(scores, default=0.0),
                "supported_share": supported / len(s.claims) if s.claims else 0.0,
                "unsupported": float(open_unsupported),
            }
            out.append(Measured(values))
        return out


SUPPORT = Support()
