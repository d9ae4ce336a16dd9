"""Run history: `history.jsonl` in the output folder, one compact line per run, the last N kept.

It answers "what changed since the last run?" for the HTML report and the Markdown summary, and
gives each summary a score trend. Only runs with the same signature are compared: a changed model
or threshold changes verdicts without the summaries changing. The file is rewritten through a
temporary file and an atomic rename, so a crash mid-write leaves the previous history whole.
"""

from __future__ import annotations

import json
from pathlib import Path

from evalkit.diff import RunDiff, compare
from evalkit.outputs import record_line, replace_file
from evalkit.records import RunRecord, SummaryRecord
from evalkit.result import RunResult

FILE_NAME = "history.jsonl"
TREND_RUNS = 20  # runs a summary's trend shows at most


def read(path: str | Path) -> list[RunRecord]:
    """The runs recorded in `path`, oldest first; lines that do not parse (a hand edit) are skipped."""
    path = Path(path)
    if not path.is_file():
        return []
    records = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            records.append(RunRecord.from_dict(json.loads(line)))
        except (json.JSONDecodeError, KeyError, TypeError, AttributeError):
            continue
    return records


def append(path: str | Path, run: RunResult, keep: int) -> list[RunRecord]:
    """Add `run` to the history at `path` and keep its last `keep` runs (0: write none).

    Returns them, the last with its claims' best evidence, which the file leaves out to stay small.
    """
    path = Path(path)
    stored = [*read(path), RunRecord.from_run(run, evidence=False)][-keep:] if keep > 0 else []
    if not stored:
        return []
    path.parent.mkdir(parents=True, exist_ok=True)
    replace_file(path, "".join(record_line(r.to_dict()) for r in stored).encode("utf-8"))
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
    """Per summary of the last run, its score in each of the last `runs` runs with the same signature."""
    if not records:
        return {}
    same = [r for r in records if r.signature == records[-1].signature][-runs:]
    return {
        s.id: [x.score for r in same for x in r.summaries if x.id == s.id and x.error is None]
        for s in records[-1].summaries
    }
