"""Run history: `history.jsonl` in the output folder, one compact line per run, the last N kept.

It answers "what changed since the last run?" for the HTML report and the Markdown summary, and
gives each summary a score trend. Only runs with the same signature are compared: a changed model
or threshold changes verdicts without the summaries changing. The file is rewritten whole
(`writer.write_file`) under a lock, so a crash leaves the previous history and no concurrent run is lost.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

from evalkit.errors import EvalkitWarning, InputError
from evalkit.result import RunResult
from evalkit.runs.diff import RunDiff, compare
from evalkit.runs.records import RunRecord, SummaryRecord
from evalkit.text import printable
from evalkit.writer import locked, record_line, write_file

FILE_NAME = "history.jsonl"
TREND_RUNS = 20  # runs a summary's trend shows at most


def read(path: str | Path) -> list[RunRecord]:
    """The runs recorded in `path`, oldest first.

    A line that is not a whole, valid run record (a hand edit, another tool's line, a bad verdict or
    score) is skipped with one warning naming `file:line`; the next append drops it, so it can never
    break a later run.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise InputError(printable(str(path)), f"cannot be read ({exc.strerror or exc})") from None
    records = []
    for number, line in enumerate(data.split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            records.append(RunRecord.from_dict(json.loads(line)))  # bytes: invalid UTF-8 is a ValueError too
        except (ValueError, RecursionError) as exc:
            reason = f"not valid JSON ({exc.msg})" if isinstance(exc, json.JSONDecodeError) else str(exc)
            warnings.warn(f"{printable(str(path))}:{number}: skipped, not a run record: {reason}", EvalkitWarning, 2)
    return records


def append(path: str | Path, run: RunResult, keep: int) -> list[RunRecord]:
    """Add `run` to the history at `path` and keep its last `keep` runs (0: write none).

    Returns them, the last with its claims' best evidence, which the file leaves out to stay small.
    Read and rewrite happen under a lock file (`.history.jsonl.lock`), so runs appending at once
    (parallel CI jobs, pytest-xdist) each keep their line.
    """
    path = Path(path)
    if keep <= 0:
        return []
    with locked(path):
        stored = [*read(path), RunRecord.from_run(run, evidence=False)][-keep:]
        write_file(path, "".join(record_line(r.to_dict()) for r in stored))
    return [*stored[:-1], RunRecord.from_run(run)]


def previous(records: list[RunRecord]) -> RunRecord | None:
    """Each summary of the last run as the latest earlier run with the same signature judged it.

    Per summary, so a run over a few captures does not hide the others' last judgments.
    """
    if not records:
        return None
    last = records[-1]
    earlier = [r for r in records[:-1] if r.signature == last.signature]
    found: list[SummaryRecord] = []
    for summary in last.summaries:
        match = next((s for r in reversed(earlier) for s in r.summaries if s.id == summary.id), None)
        if match is not None:
            found.append(match)
    return RunRecord(earlier[-1].time, last.signature, tuple(found)) if found else None


def since_last(records: list[RunRecord]) -> RunDiff | None:
    """The changes of the last run against `previous()`; None when nothing comparable came before."""
    before = previous(records)
    return compare(before, records[-1]) if before else None


def trends(records: list[RunRecord], runs: int = TREND_RUNS) -> dict[str, list[float]]:
    """Per summary of the last run, its support score in each of the last `runs` runs with the same signature."""
    if not records:
        return {}
    same = [r for r in records if r.signature == records[-1].signature][-runs:]
    return {
        s.id: [x.metrics["support"] for r in same for x in r.summaries if x.id == s.id and "support" in x.metrics]
        for s in records[-1].summaries
    }
