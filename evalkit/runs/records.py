"""Compact run records: what `history.jsonl` keeps and what `evalkit diff` and `evalkit compare` compare.

A record holds per summary only what a comparison needs (pass/fail, its metrics, each claim's text,
verdict, score and best evidence), so the same value can come from a run in memory, a `results.json`,
an `evalkit score` JSONL file or a history line, and one comparison serves them all.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from evalkit.errors import InputError
from evalkit.result import VERDICTS, ClaimVerdict, Evidence, RunResult, SummaryResult, record_metrics
from evalkit.writer import split_records


@dataclass(frozen=True)
class ClaimRecord:
    text: str
    verdict: str
    score: float | None  # None when the judge could not score the claim (verdict `error`)
    evidence: str = ""  # the claim's best evidence sentence ("" when not kept)
    evidence_score: float | None = None
    # Why the verdict may be wrong (`ClaimVerdict.reasons`: words not in the article, ...); kept with the evidence.
    reasons: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class SummaryRecord:
    id: str
    title: str
    passed: bool
    metrics: dict[str, float]  # column name -> value, as `evalkit.metrics` declares them
    claims: tuple[ClaimRecord, ...]
    failures: tuple[str, ...] = ()
    error: str | None = None
    article: str = ""  # `SummaryResult.article`, the article's fingerprint ("" when unknown: an older file)


@dataclass(frozen=True)
class RunRecord:
    time: str
    signature: dict[str, Any] | None  # None for `evalkit score` output without its OUT.meta.json
    summaries: tuple[SummaryRecord, ...]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> RunRecord:
        """A record read back from JSON, every field checked: a `ValueError` says what is wrong."""
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        time, signature, summaries = _field(data, "time", str), _field(data, "signature", dict | None), []
        for number, summary in enumerate(_field(data, "summaries", list | tuple), start=1):
            try:
                summaries.append(summary_from_dict(summary))
            except ValueError as exc:
                raise ValueError(f"summary {number}: {exc}") from None
        return cls(time, signature, tuple(summaries))

    @classmethod
    def from_run(cls, run: RunResult, evidence: bool = True) -> RunRecord:
        """The record of `run`; `evidence=False` leaves the evidence sentences out (history keeps no text twice)."""
        summaries = tuple(_summary(r, evidence) for r in run.results)
        return cls(run.started, run.signature, summaries)


def summary_from_dict(data: Any) -> SummaryRecord:
    """A summary record read back from JSON: shapes, types, known verdicts and finite numbers checked."""
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    claims = []
    for number, claim in enumerate(_field(data, "claims", list | tuple), start=1):
        try:
            claims.append(_claim_from_dict(claim))
        except ValueError as exc:
            raise ValueError(f"claim {number}: {exc}") from None
    failures = data.get("failures", [])
    if not isinstance(failures, list | tuple) or not all(isinstance(f, str) for f in failures):
        raise ValueError("'failures' is not a list of strings")
    # A line from before the metric registry holds a `score`: read under today's names by the one rule for that.
    metrics = record_metrics(data) if "score" in data else _field(data, "metrics", dict, {})
    for name, value in metrics.items():
        if not _finite(value):
            shown = value if isinstance(value, int | float) else json.dumps(value, default=str)[:40]
            raise ValueError(f"{name!r} is {shown}, not a finite number")
    return SummaryRecord(
        _field(data, "id", str),
        _field(data, "title", str),
        _field(data, "passed", bool),
        {name: float(value) for name, value in metrics.items()},
        tuple(claims),
        tuple(failures),
        _field(data, "error", str | None, missing=None),
        _field(data, "article", str, ""),
    )


def _claim_from_dict(data: Any) -> ClaimRecord:
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    verdict = _field(data, "verdict", str)
    if verdict not in VERDICTS:
        raise ValueError(f"verdict {verdict!r} is not one of {', '.join(VERDICTS)}")
    score = None if verdict == "error" and data.get("score") is None else _number(data, "score")
    evidence_score = None if data.get("evidence_score") is None else _number(data, "evidence_score")
    reasons = _field(data, "reasons", dict, {})
    if not all(isinstance(v, list) and all(isinstance(w, str) for w in v) for v in reasons.values()):
        raise ValueError("'reasons' is not an object of lists of strings")
    text, evidence = _field(data, "text", str), _field(data, "evidence", str, "")
    return ClaimRecord(text, verdict, score, evidence, evidence_score, reasons)


_REQUIRED = object()


def _field(data: dict[str, Any], name: str, kind: Any, missing: Any = _REQUIRED) -> Any:
    if name not in data:
        if missing is _REQUIRED:
            raise ValueError(f"no {name!r} field")
        return missing
    value = data[name]
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise ValueError(f"{name!r} is {json.dumps(value, default=str)[:40]}, not {_kind_name(kind)}")
    return value


def _kind_name(kind: Any) -> str:
    names = {str: "a string", bool: "true or false", list: "a list", dict: "an object", int: "a number"}
    kinds = [k for k in getattr(kind, "__args__", (kind,)) if k not in (float, tuple)]
    return " or ".join(names.get(k, "null") for k in kinds)


def _number(data: dict[str, Any], name: str) -> float:
    """A finite number: JSON's `1e999` reads as infinity and would print as the non-JSON `Infinity`."""
    value = _field(data, name, int | float)
    if not math.isfinite(value):
        raise ValueError(f"{name!r} is {value}, not a finite number")
    return float(value)


def _summary(result: SummaryResult, evidence: bool) -> SummaryRecord:
    return SummaryRecord(
        result.id,
        result.title,
        result.passed,
        {k: _rounded(v) for k, v in result.metrics.items()},
        tuple(_claim(c, evidence) for c in result.claims),
        result.failures,
        result.error,
        result.article,
    )


def _claim(claim: ClaimVerdict, evidence: bool) -> ClaimRecord:
    best = claim.best if evidence else None
    return ClaimRecord(
        claim.text,
        claim.verdict,
        _rounded(claim.score),
        best.sentence if best else "",
        best and _rounded(best.score),
        claim.reasons if evidence else {},
    )


def _rounded(score: Any) -> Any:
    """Six decimals are plenty to compare; anything but a number is left for `read_run` to refuse."""
    return round(score, 6) if _finite(score) else score


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


@dataclass(frozen=True)
class Output:
    """A file evalkit wrote, read back and told apart by its content, never by its name.

    `document` holds a `results.json` (one JSON document); `lines` the `evalkit score` records, each
    with its line number. An `evalkit score -o a.out` and a `results.json` renamed `x.jsonl` both read.
    """

    path: Path
    document: Any = None
    lines: tuple[tuple[int, Any], ...] = ()


def read_output(path: str | Path) -> Output:
    """The file at `path` parsed as whichever of evalkit's two formats its content is.

    The one rule: a file whose first non-blank line is by itself a JSON object with an `id` field (every
    `evalkit score` record has one) and no `results` field is `evalkit score` records, one per line;
    anything else is one JSON document (a `results.json`, indented or not). Lines are split at `\\n`
    only (`writer.split_records`), so a summary holding U+2028 or U+2029 stays in its record.
    A file that cannot be read, or JSON that does not parse, is an `InputError` naming the file (and line).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(str(path), f"cannot be read ({getattr(exc, 'strerror', None) or exc})") from None
    lines = [(number, line) for number, line in enumerate(split_records(text), start=1) if line.strip()]
    if not lines or _is_record(lines[0][1]):
        return Output(path, lines=tuple((number, _line_json(path, number, line)) for number, line in lines))
    try:
        return Output(path, document=json.loads(text))
    except json.JSONDecodeError as exc:
        raise InputError(str(path), f"is not valid JSON (line {exc.lineno}: {exc.msg})") from None


def _is_record(line: str) -> bool:
    try:
        data = json.loads(line)
    except (ValueError, RecursionError):
        return False
    return isinstance(data, dict) and "id" in data and "results" not in data


def _line_json(path: Path, number: int, line: str) -> Any:
    try:
        return json.loads(line)
    except (ValueError, RecursionError) as exc:
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else type(exc).__name__
        raise InputError(f"{path}:{number}", f"is not valid JSON ({reason})") from None


def read_run(path: str | Path) -> RunRecord:
    """A `results.json` from `evalkit run` (or a pytest run) or an `evalkit score` output, told apart
    by content (`read_output`), its signature read from the `OUT.meta.json` beside it, when there is one.

    Every summary is checked as a history line is (`summary_from_dict`); a bad one is an `InputError`
    naming the file (and line), since a comparison that skipped it could hide a regression.
    """
    return run_record(read_output(path))


def run_record(output: Output) -> RunRecord:
    """The checked record of an output `read_output` parsed."""
    if output.document is not None:
        return _from_results(output.path, output.document)
    return _from_score_lines(output.path, output.lines)


def _from_results(path: Path, data: Any) -> RunRecord:
    try:
        if not isinstance(data["signature"], dict):
            raise TypeError("its signature is not an object")
        results = tuple(SummaryResult.from_dict(r) for r in data["results"])
        run = RunRecord.from_run(RunResult(results, data["signature"], data.get("started", ""), 0.0))
    except (KeyError, TypeError, AttributeError) as exc:
        raise InputError(str(path), f"is not an evalkit results.json ({_missing(exc)})") from None
    for number, summary in enumerate(run.summaries, start=1):
        try:
            summary_from_dict(asdict(summary))
        except ValueError as exc:
            raise InputError(str(path), f"result {number}: {exc}") from None
    return run


def _missing(exc: Exception) -> str:
    return f"no {exc} field" if isinstance(exc, KeyError) else str(exc)


def _from_score_lines(path: Path, lines: tuple[tuple[int, Any], ...]) -> RunRecord:
    """`evalkit score` records: no signature and no thresholds, so only an error makes a summary fail."""
    summaries = []
    for number, data in lines:
        try:
            error = data.get("error")
            claims = tuple(_claim(_score_claim(c), evidence=True) for c in data.get("claims", ()))
            found, article = record_metrics(data), data.get("article", "")
            summary = SummaryRecord(str(data["id"]), "", error is None, found, claims, (), error, article)
            summaries.append(summary_from_dict(asdict(summary)))
        except ValueError as exc:
            raise InputError(f"{path}:{number}", f"is not an `evalkit score` record ({exc})") from None
        except (KeyError, TypeError, AttributeError) as exc:
            raise InputError(f"{path}:{number}", f"is not an `evalkit score` record ({_missing(exc)})") from None
    return RunRecord("", read_signature(path.with_suffix(".meta.json")), tuple(summaries))


def _score_claim(claim: dict[str, Any]) -> ClaimVerdict:
    """An `evalkit score` claim as a verdict, so its best evidence follows the one rule (`ClaimVerdict.best`)."""
    evidence = tuple(Evidence(e["sentence"], e["score"]) for e in claim.get("evidence", ()))
    return ClaimVerdict(
        claim["text"],
        "",
        -1,
        -1,
        claim["verdict"],
        claim["score"],
        evidence,
        decided_by=claim.get("decided_by", -1),
        reasons=claim.get("reasons") or {},
    )


def read_signature(meta: Path) -> dict[str, Any] | None:
    """The signature in an `evalkit score` OUT.meta.json; None when there is none."""
    if not meta.is_file():
        return None
    try:
        signature = json.loads(meta.read_text(encoding="utf-8"))["signature"]
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError):
        raise InputError(str(meta), "is not the signature file `evalkit score` writes") from None
    if not isinstance(signature, dict):
        raise InputError(str(meta), "is not the signature file `evalkit score` writes")
    return signature
