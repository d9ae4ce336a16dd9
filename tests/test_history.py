"""Run history (no model): appended, bounded, crash-safe, and what the report and trends make of it."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

import pytest

from evalkit.errors import EvalkitWarning
from evalkit.outputs.report import render, view
from evalkit.result import ClaimVerdict, Evidence, RunResult, SummaryResult
from evalkit.runs import history

SIGNATURE = {"evalkit": "0.1.0", "model": "m@1", "support_threshold": 0.5, "thresholds": {}}
TWO = "Soldiers executed two surrendering prisoners."
ELEVEN = "Soldiers executed eleven surrendering prisoners."


def result(id: str, *claims: tuple[str, str, float], failures: tuple[str, ...] = ()) -> SummaryResult:
    verdicts = tuple(
        ClaimVerdict(t, "", 0, len(t), v, s, (Evidence("An article sentence.", 0.6),))  # type: ignore[arg-type]
        for t, v, s in claims
    )
    return SummaryResult(
        id=id,
        title=id,
        metrics={"rougeL_f1": 0.5, "similarity": 0.5, "support": min(c.score for c in verdicts)},
        claims=verdicts,
        consistent=all(c.verdict != "unsupported" for c in verdicts),
        failures=failures,
    )


def run(score: float = 0.7, verdict: str = "supported", text: str = TWO, signature: dict = SIGNATURE) -> RunResult:
    seed = result("refs/seed.txt", (text, verdict, score), ("The pilot saw it.", "supported", 0.8))
    other = result("refs/other.txt", ("Other claim.", "weak", 0.55))
    return RunResult((seed, other), signature, f"2026-01-01T00:00:{score * 10:02.0f}+00:00", 1.0)


def test_every_run_is_one_line_and_only_the_last_n_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "reports" / "history.jsonl"
    for i in range(5):
        records = history.append(path, run(score=0.5 + i / 100), keep=3)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(records) == 3
    first = json.loads(lines[0])
    assert first["signature"] == SIGNATURE and first["time"]
    seed = first["summaries"][0]
    assert seed["id"] == "refs/seed.txt" and seed["passed"] is True and seed["metrics"]["support"] == 0.52
    assert seed["claims"][0] == {
        "text": TWO,
        "verdict": "supported",
        "score": 0.52,
        "evidence": "",
        "evidence_score": None,
        "reasons": {},  # like the evidence, kept only in results.json and score files
    }
    assert history.read(path)[:2] == records[:2]
    assert records[-1].summaries[0].claims[0].evidence == "An article sentence."  # returned, not stored
    assert sorted(path.parent.iterdir()) == [path.with_name(".history.jsonl.lock"), path]  # no temporary file


def test_zero_keeps_no_history(tmp_path: Path) -> None:
    assert history.append(tmp_path / "history.jsonl", run(), keep=0) == []
    assert not (tmp_path / "history.jsonl").exists()


def test_a_crash_while_writing_leaves_the_old_history(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "history.jsonl"
    history.append(path, run(), keep=10)
    before = path.read_bytes()

    def crash(source: str, target: str) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        history.append(path, run(score=0.6), keep=10)
    assert path.read_bytes() == before


def test_unreadable_lines_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "history.jsonl"
    history.append(path, run(), keep=10)
    path.write_text(path.read_text(encoding="utf-8") + "{cut off\n[1, 2]\n", encoding="utf-8")
    with pytest.warns(EvalkitWarning) as warned:
        assert len(history.append(path, run(), keep=10)) == 2
    assert [str(w.message) for w in warned] == [
        f"{path}:2: skipped, not a run record: not valid JSON (Expecting property name enclosed in double quotes)",
        f"{path}:3: skipped, not a run record: not a JSON object",
    ]
    assert len(path.read_text(encoding="utf-8").splitlines()) == 2  # the bad lines are gone


def test_changes_compare_each_summary_with_its_last_run_under_the_same_signature(tmp_path: Path) -> None:
    path = tmp_path / "history.jsonl"
    history.append(path, run(), keep=10)
    history.append(path, run(score=0.4, verdict="unsupported", text="x", signature={**SIGNATURE, "model": "m@2"}), 10)
    only_seed = RunResult(run(score=0.3, verdict="unsupported", text=ELEVEN).results[:1], SIGNATURE, "t", 1.0)
    records = history.append(path, only_seed, keep=10)
    changes = history.since_last(records)
    assert changes is not None and changes.compared == 1
    (change,) = changes.changes[0].claims
    assert (change.old.text, change.new.text, change.kind) == (TWO, ELEVEN, "regression")
    assert history.trends(records) == {"refs/seed.txt": [0.7, 0.3]}


def test_first_run_has_no_changes(tmp_path: Path) -> None:
    assert history.since_last(history.append(tmp_path / "h.jsonl", run(), keep=10)) is None


def test_report_shows_changed_claims_and_trends(tmp_path: Path) -> None:
    path = tmp_path / "history.jsonl"
    history.append(path, run(), keep=10)
    broken = run(score=0.3, verdict="unsupported", text=ELEVEN)
    seed = replace(broken.results[0], failures=("unsupported 1 > max_unsupported_claims 0",))
    broken = replace(broken, results=(seed, broken.results[1]))
    records = history.append(path, broken, keep=10)
    html = render(broken, records)
    section = html[html.index('id="changes"') : html.index("<h2>Summaries</h2>")]
    assert "Changed since the last run" in section and "1 regressed" in section
    assert f"<del>{TWO}</del><br>{ELEVEN}" in section and "0.700 → 0.300 (-0.400)" in section
    assert "pass → fail" in section and 'supported</span> → <span class="badge verdict-unsupported">' in section
    assert html.count('<svg class="trend"') == 2 and "Support score over the last 2 runs: 0.70 → 0.30" in html
    assert "Changed since the last run" not in render(broken)  # no history, no section


def test_sparkline_stays_inside_its_box() -> None:
    line = view.sparkline([0.0, 1.0, 1.4, -0.2])
    points = [tuple(map(float, p.split(","))) for p in line.points.split()]
    assert all(0 <= x <= line.width and 0 <= y <= line.height for x, y in points)
    assert points[0][1] > points[1][1] and points[2][1] == points[1][1]
