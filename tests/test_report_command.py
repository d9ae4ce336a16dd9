"""`evalkit report`: the HTML report of a finished run, from `results.json` or `evalkit score` JSONL."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from test_report import SIGNATURE, result, run_of

from evalkit.frontends import cli


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project whose thresholds the report applies to `evalkit score` records (they carry none)."""
    (tmp_path / "pyproject.toml").write_text("[tool.evalkit]\nmin_similarity = 0.9\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def score_lines(project: Path) -> Path:
    """What `evalkit score` writes: one scored record, one error record, and the signature beside them."""
    scored = result().to_record()
    error = {
        "id": "broken",
        "judge": SIGNATURE["judge"],
        "consistent": False,
        "score": 0.0,
        "error": "pairs.jsonl:2: summary is empty",
    }
    path = project / "scores.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in (scored, error)), encoding="utf-8")
    (project / "scores.meta.json").write_text(json.dumps({"signature": SIGNATURE}), encoding="utf-8")
    return path


def test_report_of_score_jsonl_shows_claims_errors_and_the_projects_thresholds(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["report", str(score_lines(project))]) == 0
    assert "wrote" in capsys.readouterr().out
    html = (project / "scores.html").read_text(encoding="utf-8")
    assert "The mayor resigned." in html and "pairs.jsonl:2: summary is empty" in html
    assert "similarity 0.770 &lt; min_similarity 0.900" in html  # applied here: the record holds no thresholds
    assert "unsupported 1 &gt; max_unsupported_claims 0" in html
    assert '{"body":[],"dropped":[]}' in html  # no article: the details say "not part of this result"


def test_report_of_results_json_keeps_its_own_failures(project: Path) -> None:
    run = run_of(result(), replace(result(), id="other.txt", title="Another page", failures=()))
    (project / "results.json").write_text(json.dumps(run.to_dict()), encoding="utf-8")
    assert cli.main(["report", "results.json", "-o", "out/report.html"]) == 0
    html = (project / "out" / "report.html").read_text(encoding="utf-8")
    assert "Another page" in html and "City budget passes" in html
    assert "min_similarity 0.900" not in html  # a results.json was judged with its own thresholds


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (
            '{"id": "a", "document": "x", "summary": "y"}\n',
            "pairs.jsonl",
            "pairs.jsonl:1: is not an `evalkit score` record",
        ),
        ("{}", "results.json", "results.json: is not an evalkit results.json"),
    ],
)
def test_a_file_that_is_no_run_is_one_line_and_exit_2(
    project: Path, capsys: pytest.CaptureFixture[str], content: str, name: str, message: str
) -> None:
    (project / name).write_text(content, encoding="utf-8")
    assert cli.main(["report", name]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"evalkit: {message}") and err.count("\n") == 1
    assert not (project / Path(name).with_suffix(".html")).exists()


def test_the_report_never_overwrites_its_input(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scores = score_lines(project)
    before = scores.read_bytes()
    assert cli.main(["report", str(scores), "-o", str(scores)]) == 2
    assert "is one of the inputs" in capsys.readouterr().err
    assert scores.read_bytes() == before


def test_report_of_score_jsonl_leaves_out_what_it_does_not_know(project: Path) -> None:
    """A JSONL record has no start time, duration or title: none is printed as `—`, `0.0 s` or the id again."""
    assert cli.main(["report", str(score_lines(project))]) == 0
    html = (project / "scores.html").read_text(encoding="utf-8")
    meta = html[html.index('<p class="meta">') : html.index("</p>", html.index('<p class="meta">'))]
    assert "Started" not in meta and "took" not in meta and "2 summaries" in meta
    row = html[html.index('<tr data-status="error">') : html.index("</tr>", html.index('<tr data-status="error">'))]
    assert row.count(">broken<") == 1  # the link, not the link and the id again


def test_report_of_results_json_keeps_the_changes_from_the_history_beside_it(project: Path) -> None:
    """`evalkit report reports/results.json` shows what `evalkit run` showed: the changes since the last run."""
    from evalkit.runs import history

    before = replace(run_of(result()), started="2025-01-01T00:00:00+00:00")
    weaker = tuple(replace(c, verdict="unsupported") if c.verdict == "weak" else c for c in result().claims)
    after = replace(run_of(result(claims=weaker)), started="2025-01-02T00:00:00+00:00")
    folder = project / "reports"
    for run in (before, after):
        history.append(folder / history.FILE_NAME, run, 10)
    (folder / "results.json").write_text(json.dumps(after.to_dict()), encoding="utf-8")
    assert cli.main(["report", "reports/results.json", "-o", "with.html"]) == 0
    html = (project / "with.html").read_text(encoding="utf-8")
    assert "Changed since the last run" in html and "regression" in html
    moved = project / "elsewhere"
    moved.mkdir()
    (moved / "results.json").write_text(json.dumps(after.to_dict()), encoding="utf-8")
    assert cli.main(["report", "elsewhere/results.json", "-o", "without.html"]) == 0
    assert "Changed since the last run" not in (project / "without.html").read_text(encoding="utf-8")
