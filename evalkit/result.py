"""Plain result values that flow from scoring to the CLI, the pytest plugin and the report.

Every value is a frozen dataclass with `to_dict()`, so JSON is the one interchange format: the
CLI writes it, xdist workers send it to the controller, and the report renders it.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, get_args

# The one list of verdict names. `error`: the judge could not score the claim (a failed call), which is
# neither support nor its absence, so it never counts as `unsupported`.
Verdict = Literal["supported", "weak", "unsupported", "error"]
VERDICTS: tuple[Verdict, ...] = get_args(Verdict)
# Version of the JSON record `evalkit score` writes; 2 put every metric's numbers in one `metrics` mapping.
RECORD_SCHEMA = 2


@dataclass(frozen=True)
class Evidence:
    """An article sentence (or window of sentences) set against a claim."""

    sentence: str
    score: float  # embedding cosine between claim and sentence
    rouge_precision: float = 0.0  # share of the claim's unigrams found in the sentence
    start: int = -1  # index of the first article sentence of the window
    end: int = -1  # index one past its last sentence
    support: float | None = None  # the judge's probability that this passage supports the claim (None: not read)


@dataclass(frozen=True)
class ClaimVerdict:
    """One claim of the summary and the judge's verdict on it."""

    text: str
    section: str
    start: int
    end: int
    verdict: Verdict
    score: float | None  # None when the judge could not score the claim (verdict `error`)
    evidence: tuple[Evidence, ...] = ()
    signals: dict[str, float] = field(default_factory=dict)
    expected: Verdict | None = None  # the reviewed verdict a sidecar pins for this claim
    known_miss: str | None = None  # why the judge is known to miss `expected` here (the sidecar's [known_miss])
    decided_by: int = -1  # index into `evidence` of the passage that decided; -1: the judge read them together
    # Why the verdict may be wrong, in the claim's own words: "novel" names and numbers the article never
    # mentions, "missing" content words absent from the deciding passage, or from all the passages when
    # none decided alone (see `evalkit.scoring.reasons`).
    reasons: dict[str, list[str]] = field(default_factory=dict)
    error: str | None = None  # why the judge could not score it

    @property
    def best(self) -> Evidence | None:
        """The one best-evidence rule: the passage the judge decided on, else the most similar one."""
        if 0 <= self.decided_by < len(self.evidence):
            return self.evidence[self.decided_by]
        return max(self.evidence, key=lambda e: e.score, default=None)


@dataclass(frozen=True)
class SummaryResult:
    """Everything evalkit concluded about one summary."""

    id: str
    title: str
    metrics: dict[str, float]  # every registered metric's columns (`evalkit.metrics`), by column name
    claims: tuple[ClaimVerdict, ...]
    consistent: bool
    details: dict[str, Any] = field(default_factory=dict)  # per metric, what it found beyond numbers
    failures: tuple[str, ...] = ()
    thresholds: dict[str, Any] = field(default_factory=dict)
    summary: str = ""
    body: tuple[str, ...] = ()
    dropped: tuple[str, ...] = ()
    error: str | None = None
    judge: str = ""  # the judge's id
    runtime: str = ""  # where the models ran, with version and precision (`evalkit.prepare.runtime.runtime_id`)
    bands: dict[str, float] = field(default_factory=dict)  # the verdict bands that judged it
    # A line for each metric or judge that broke its contract on this summary (raised, returned the wrong
    # shape, NaN): that metric's numbers, or those claims' verdicts, are missing. Also in `failures`.
    plugin_errors: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        return not self.failures and self.error is None and not self.plugin_errors

    @property
    def article(self) -> str:
        """A fingerprint of the article judged against, so `diff` and `compare` pair two captures under
        different names only when they hold the same article; "" when there is none (an error)."""
        return article_fingerprint(self.body)

    @property
    def unsupported(self) -> tuple[ClaimVerdict, ...]:
        return tuple(c for c in self.claims if c.verdict == "unsupported")

    @property
    def unjudged(self) -> tuple[ClaimVerdict, ...]:
        return tuple(c for c in self.claims if c.verdict == "error")

    @property
    def known_misses(self) -> tuple[ClaimVerdict, ...]:
        """Claims declared a known judge miss that the judge still misses: an expected failure."""
        return tuple(c for c in self.claims if c.known_miss and c.verdict != c.expected)

    @property
    def passed_with_known_miss(self) -> bool:
        """Passed, with a declared known miss the judge still misses: an expected failure, as pytest's xfail."""
        return self.passed and bool(self.known_misses)

    @property
    def misses_fixed(self) -> tuple[ClaimVerdict, ...]:
        """Claims declared a known judge miss that the judge now gets right: the declaration can go."""
        return tuple(c for c in self.claims if c.known_miss and c.verdict == c.expected)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_record(self) -> dict[str, Any]:
        """The compact line `evalkit score` writes and benchmarks read (schema: docs/schema.md)."""
        head = {"schema": RECORD_SCHEMA, "id": self.id, "article": self.article, "judge": self.judge}
        head["runtime"] = self.runtime
        head["consistent"] = self.consistent
        if self.error:
            return {**head, "metrics": {}, "error": self.error}
        return {
            **head,
            "metrics": {k: round(v, 6) for k, v in self.metrics.items()},
            "details": self.details,
            "bands": self.bands,
            **({"plugin_errors": list(self.plugin_errors)} if self.plugin_errors else {}),
            "claims": [
                {
                    "text": c.text,
                    "verdict": c.verdict,
                    "score": None if c.score is None else round(c.score, 6),
                    "evidence": [_evidence_record(e) for e in c.evidence],
                    "decided_by": c.decided_by,
                    "reasons": c.reasons,
                    **({"error": c.error} if c.error else {}),
                }
                for c in self.claims
            ],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SummaryResult:
        """A result as `to_dict` wrote it (a schema-1 one too, its numbers read into `metrics`)."""
        if "metrics" not in data:
            old = ("rouge", "similarity", "score")
            data = {**{k: v for k, v in data.items() if k not in old}, "metrics": record_metrics(data)}
        claims = tuple(
            ClaimVerdict(**{**c, "evidence": tuple(Evidence(**e) for e in c["evidence"])}) for c in data["claims"]
        )
        return cls(
            **{
                **data,
                "claims": claims,
                "failures": tuple(data.get("failures", ())),
                "body": tuple(data.get("body", ())),
                "dropped": tuple(data.get("dropped", ())),
                "plugin_errors": tuple(data.get("plugin_errors", ())),
            }
        )

    @classmethod
    def for_error(cls, id: str, error: str) -> SummaryResult:
        """A result for an input that could not be evaluated, so it is reported, never dropped."""
        return cls(id=id, title="", metrics={}, claims=(), consistent=False, error=error)


def article_fingerprint(sentences: tuple[str, ...] | list[str]) -> str:
    """16 hex digits of the article's text, blind to how it was cut into sentences and to whitespace."""
    text = " ".join(" ".join(sentences).split())
    return hashlib.blake2b(text.encode("utf-8"), digest_size=8).hexdigest() if text else ""


def _evidence_record(evidence: Evidence) -> dict[str, Any]:
    record: dict[str, Any] = {"sentence": evidence.sentence, "score": round(evidence.score, 6)}
    if evidence.support is not None:
        record["support"] = round(evidence.support, 6)
    return record


def record_metrics(data: dict[str, Any]) -> dict[str, float]:
    """A record's metrics; a schema-1 record (before the metric registry) had `score`, `similarity` and a
    nested `rouge`, read here under their schema-2 names."""
    if "metrics" in data:
        return data["metrics"]
    found = {"support": data["score"]}
    if "similarity" in data:
        found["similarity"] = data["similarity"]
    for kind, parts in data.get("rouge", {}).items():
        found.update({f"{kind}_{part}": value for part, value in parts.items()})
    return found


@dataclass(frozen=True)
class RunResult:
    """One run over many summaries, with the signature that makes its numbers comparable."""

    results: tuple[SummaryResult, ...]
    signature: dict[str, Any]
    started: str
    seconds: float

    @property
    def failed(self) -> tuple[SummaryResult, ...]:
        return tuple(r for r in self.results if not r.passed)

    def to_dict(self) -> dict[str, Any]:
        return {
            "signature": self.signature,
            "started": self.started,
            "seconds": round(self.seconds, 3),
            "results": [r.to_dict() for r in self.results],
        }
