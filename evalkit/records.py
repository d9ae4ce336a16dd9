"""Compact run records: what `history.jsonl` keeps and what `evalkit diff` and `evalkit compare` compare.

A record holds per summary only what a comparison needs (pass/fail, score, ROUGE F1s and similarity,
each claim's text, verdict, score and best evidence), so the same value can come from a run in
memory, a `results.json`, an `evalkit score` JSONL file or a history line, and one comparison serves
them all.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from evalkit.errors import InputError
from evalkit.result import VERDICTS, ClaimVerdict, Evidence, RunResult, SummaryResult


@dataclass(frozen=True)
class ClaimRecord:
    text: str
    verdict: str
    score: float | None  # None when the judge could not score the claim (verdict `error`)
    evidence: str = ""  # the claim's best evidence sentence ("" when not kept)
    evidence_score: float | None = None


@dataclass(frozen=True)
class SummaryRecord:
    id: str
    title: str
    passed: bool
    score: float
    claims: tuple[ClaimRecord, ...]
    failures: tuple[str, ...] = ()
    error: str | None = None
    # Its other per-summary numbers by name (ROUGE F1s, similarity), so two systems can be compared on them.
    metrics: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class RunRecord:
    time: str
    signature: dict[str, Any] | None  # None for `evalkit score` output without its OUT.meta.json
    summaries: tuple[SummaryRecord, ...]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunRecord:
        summaries = tuple(
            SummaryRecord(
                **{
                    **s,
                    "claims": tuple(ClaimRecord(**c) for c in s["claims"]),
                    "failures": tuple(s.get("failures", ())),
                }
            )
            for s in data["summaries"]
        )
        return cls(data["time"], data["signature"], summaries)

    @classmethod
    def from_run(cls, run: RunResult, evidence: bool = True) -> RunRecord:
        """The record of `run`; `evidence=False` leaves the evidence sentences out (history keeps no text twice)."""
        summaries = tuple(_summary(r, evidence) for r in run.results)
        return cls(run.started, run.signature, summaries)


def _summary(result: SummaryResult, evidence: bool) -> SummaryRecord:
    return SummaryRecord(
        result.id,
        result.title,
        result.passed,
        _rounded(result.score),
        tuple(_claim(c, evidence) for c in result.claims),
        result.failures,
        result.error,
        {} if result.error else _metrics(result.rouge, result.similarity),
    )


def _metrics(rouge: Any, similarity: Any) -> dict[str, float]:
    """Each ROUGE type's F1 and the similarity, as numbers (anything else is left out, not refused)."""
    rouge = rouge if isinstance(rouge, dict) else {}
    found = {name: value.get("f1") for name, value in rouge.items() if isinstance(value, dict)}
    found["similarity"] = similarity
    return {name: _rounded(value) for name, value in found.items() if _is_number(value)}


def _claim(claim: ClaimVerdict, evidence: bool) -> ClaimRecord:
    best = claim.best if evidence else None
    return ClaimRecord(
        claim.text, claim.verdict, _rounded(claim.score), best.sentence if best else "", best and _rounded(best.score)
    )


def _rounded(score: Any) -> Any:
    """Six decimals are plenty to compare; anything but a number is left for `read_run` to refuse."""
    return round(score, 6) if _is_number(score) else score


def read_run(path: str | Path) -> RunRecord:
    """A `results.json` from `evalkit run` (or `--evalkit-json`) or a JSONL file from `evalkit score`
    (its signature read from the `OUT.meta.json` written beside it, when there is one)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(str(path), f"cannot be read ({getattr(exc, 'strerror', None) or exc})") from None
    record = _from_score_lines(path, text) if path.suffix == ".jsonl" else _from_results(path, text)
    for summary in record.summaries:
        if not _is_number(summary.score) or any(not _is_number(c.score, c.verdict) for c in summary.claims):
            raise InputError(str(path), f"summary {summary.id!r} has a score that is not a number")
        odd = [str(c.verdict) for c in summary.claims if c.verdict not in VERDICTS]
        if odd:
            raise InputError(str(path), f"summary {summary.id!r} has verdicts evalkit does not know: {', '.join(odd)}")
    return record


def _is_number(value: object, verdict: str = "") -> bool:
    """A real score; `None` only for a claim the judge could not score."""
    if value is None:
        return verdict == "error"
    return isinstance(value, int | float) and not isinstance(value, bool) and value == value


def _from_results(path: Path, text: str) -> RunRecord:
    try:
        data = json.loads(text)
        if not isinstance(data["signature"], dict):
            raise TypeError("its signature is not an object")
        results = tuple(SummaryResult.from_dict(r) for r in data["results"])
        return RunRecord.from_run(RunResult(results, data["signature"], data.get("started", ""), 0.0))
    except json.JSONDecodeError as exc:
        raise InputError(str(path), f"is not valid JSON (line {exc.lineno}: {exc.msg})") from None
    except (KeyError, TypeError, AttributeError) as exc:
        raise InputError(str(path), f"is not an evalkit results.json ({_missing(exc)})") from None


def _missing(exc: Exception) -> str:
    return f"no {exc} field" if isinstance(exc, KeyError) else str(exc)


def _from_score_lines(path: Path, text: str) -> RunRecord:
    """`evalkit score` records: no signature and no thresholds, so only an error makes a summary fail."""
    summaries = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            error = data.get("error")
            claims = tuple(_claim(_score_claim(c), evidence=True) for c in data.get("claims", ()))
            metrics = {} if error else _metrics(data.get("rouge"), data.get("similarity"))
            id = str(data["id"])
            summaries.append(SummaryRecord(id, "", error is None, data["score"], claims, (), error, metrics))
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}:{number}", f"is not valid JSON ({exc.msg})") from None
        except (KeyError, TypeError, AttributeError) as exc:
            raise InputError(f"{path}:{number}", f"is not an `evalkit score` record ({_missing(exc)})") from None
    return RunRecord("", _meta_signature(path), tuple(summaries))


def _score_claim(claim: dict[str, Any]) -> ClaimVerdict:
    """An `evalkit score` claim as a verdict, so its best evidence follows the one rule (`ClaimVerdict.best`)."""
    evidence = tuple(Evidence(e["sentence"], e["score"]) for e in claim.get("evidence", ()))
    return ClaimVerdict(
        claim["text"], "", -1, -1, claim["verdict"], claim["score"], evidence, decided_by=claim.get("decided_by", -1)
    )


def _meta_signature(path: Path) -> dict[str, Any] | None:
    meta = path.with_suffix(".meta.json")
    if not meta.is_file():
        return None
    try:
        signature = json.loads(meta.read_text(encoding="utf-8"))["signature"]
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError):
        raise InputError(str(meta), "is not the signature file `evalkit score` writes") from None
    if not isinstance(signature, dict):
        raise InputError(str(meta), "is not the signature file `evalkit score` writes")
    return signature
