"""Clear messages: a bad setting names the file it came from; Ctrl-C always says "interrupted", once."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any

import pytest

from evalkit.frontends import cli, exits
from evalkit.result import RunResult

CAPTURE = "Bridge - Gazette\n\nAI Summary\n\nA bridge opens in May.\n\n---\n\nThe bridge opens in May.\n"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "refs").mkdir()
    (tmp_path / "refs" / "a.txt").write_text(CAPTURE, encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text('[tool.evalkit]\nreferences = ["refs"]\ncache = false\n')
    monkeypatch.chdir(tmp_path)
    return tmp_path


def setting(project: Path, line: str) -> Path:
    pyproject = project / "pyproject.toml"
    pyproject.write_text(f'[tool.evalkit]\nreferences = ["refs"]\n{line}\n', encoding="utf-8")
    return pyproject


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("min_coverage = 1.5", "'min_coverage' must be a number between 0 and 1, not 1.5"),
        ("max_unsupported_claims = -1", "'max_unsupported_claims' must be a whole number between 0 and 1e+06"),
        ("min_wrods = 3", "unknown threshold 'min_wrods' (known: "),
    ],
)
def test_a_bad_threshold_names_the_pyproject_it_came_from(
    project: Path, capsys: pytest.CaptureFixture, line: str, problem: str
) -> None:
    pyproject = setting(project, line)
    assert cli.main(["run"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"evalkit: {pyproject} [tool.evalkit]: {problem}") and err.count("\n") == 1


def test_an_empty_cache_dir_is_refused_not_the_project_root(project: Path, capsys: pytest.CaptureFixture) -> None:
    pyproject = setting(project, 'cache_dir = ""')
    problem = "'cache_dir' is empty: name a folder (cache = false, or --no-cache, runs without a cache)"
    assert cli.main(["run"]) == 2
    assert capsys.readouterr().err == f"evalkit: {pyproject} [tool.evalkit]: {problem}\n"
    setting(project, "")
    assert cli.main(["run", "--cache-dir", ""]) == 2
    assert capsys.readouterr().err == f"evalkit: command line: {problem}\n"
    assert not list(project.glob("*.sqlite*")) and not (project / "reports").exists()


def interrupted(then: str) -> Any:
    """An `evaluate` that gets Ctrl-C mid-run, and then lets it through, swallows it or turns it into
    another error, as libraries do."""

    def evaluate(*args: Any, **kwargs: Any) -> RunResult:
        try:
            signal.raise_signal(signal.SIGINT)
        except KeyboardInterrupt:
            if then == "raise":
                raise
            if then == "convert":
                raise RuntimeError("Infer Request is busy") from None
        return RunResult((), {}, "", 0.0)

    return evaluate


@pytest.mark.parametrize("then", ["raise", "swallow", "convert"])
def test_ctrl_c_during_run_says_interrupted_once(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture, then: str
) -> None:
    monkeypatch.setattr(cli, "evaluate", interrupted(then))
    assert cli.main(["run", "--output-dir", ""]) == exits.INTERRUPTED
    assert capsys.readouterr().err.count("interrupted") == 1
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # pytest's handler is back


def test_ctrl_c_during_score_says_interrupted_once_with_where_the_records_are(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setattr(cli, "run_signature", lambda settings: {"judge": "j", "runtime": "r"})
    monkeypatch.setattr(cli, "_score", lambda *args: signal.raise_signal(signal.SIGINT))
    assert cli.main(["score", "refs", "-o", "out.jsonl"]) == exits.INTERRUPTED
    err = capsys.readouterr().err
    assert err.count("interrupted") == 1 and "interrupted; finished records are in out.jsonl" in err
