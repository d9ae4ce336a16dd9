"""A finished run read back for `evalkit report`: a `results.json` as written, or `evalkit score` JSONL.

Batch scoring gets the same HTML view as `evalkit run`. A JSONL record holds no thresholds, no summary
text and no article, so the project's thresholds are applied to it here, as `evalkit run` would apply
them, and the report lists its claims without the inline summary and article views.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from evalkit import metrics
from evalkit.errors import InputError
from evalkit.result import ClaimVerdict, Evidence, RunResult, SummaryResult, record_metrics
from evalkit.runs import history, records
from evalkit.runs.records import RunRecord
from evalkit.scoring.pipeline import with_failures
from evalkit.settings import Settings


def read_results(path: str | Path, settings: Settings) -> RunResult:
    """The run in `path`, whichever format its content is (`records.read_output`, never the file name);
    a file that is neither is one `InputError` naming it (from `records.run_record`)."""
    output = records.read_output(path)
    record = records.run_record(output)  # validates both formats: one line naming the file and the problem
    if output.document is not None:
        data = output.document
        results = tuple(SummaryResult.from_dict(r) for r in data["results"])
        return RunResult(results, data["signature"], data.get("started", ""), float(data.get("seconds", 0.0)))
    results = []
    for number, data in output.lines:
        try:
            results.append(_from_record(data, settings))
        except (KeyError, TypeError, AttributeError) as exc:
            problem = f"is not an `evalkit score` record (field {exc} is missing or wrong)"
            raise InputError(f"{output.path}:{number}", problem) from None
    signature = record.signature or _signature(results)
    thresholds = metrics.settings_thresholds(settings)
    return RunResult(tuple(results), {**signature, "thresholds": thresholds}, "", 0.0)


def _from_record(data: dict[str, Any], settings: Settings) -> SummaryResult:
    id = str(data["id"])
    if data.get("error") is not None:
        return SummaryResult.for_error(id, str(data["error"]))
    claims = tuple(
        ClaimVerdict(
            text=c["text"],
            section="",
            start=-1,
            end=-1,
            verdict=c["verdict"],
            score=c["score"],
            evidence=tuple(
                Evidence(e["sentence"], e["score"], support=e.get("support")) for e in c.get("evidence", ())
            ),
            decided_by=c.get("decided_by", -1),
            reasons=c.get("reasons", {}),
            error=c.get("error"),
        )
        for c in data.get("claims", ())
    )
    result = SummaryResult(
        id=id,
        title="",
        metrics=record_metrics(data),
        details=data.get("details", {}),
        claims=claims,
        consistent=data["consistent"],
        thresholds=metrics.settings_thresholds(settings),
        judge=data.get("judge", ""),
        bands=data.get("bands", {}),
        plugin_errors=tuple(data.get("plugin_errors", ())),
    )
    return with_failures(result, settings)


def _signature(results: list[SummaryResult]) -> dict[str, Any]:
    """What the records themselves say about how they were judged, for JSONL without its `.meta.json`."""
    first = next((r for r in results if r.error is None), None)
    return {"judge": first.judge, **first.bands} if first else {}


def history_of(path: str | Path, run: RunResult) -> list[RunRecord]:
    """The run history that `run` ends, for a report's "Changed since the last run" and trends: the
    `history.jsonl` beside a `results.json`, up to this run's own line (same start time and signature).

    Empty where there is no history there or it does not hold this run (a results.json copied away from
    its folder), so a report never sets a run against another project's history.
    """
    if not run.started:
        return []
    stored = history.read(Path(path).parent / history.FILE_NAME)
    for end in range(len(stored), 0, -1):
        if stored[end - 1].time == run.started and stored[end - 1].signature == run.signature:
            return [*stored[: end - 1], RunRecord.from_run(run)]
    return []
