"""A gate that judged nothing never says green: no capture to judge is exit 2 unless `allow_empty` is set."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from evalkit.frontends import cli
from evalkit.scoring import pipeline


class NoModel:
    cache = None
    identity = "none"

    def encode(self, texts: list[str]) -> np.ndarray:
        return np.zeros((len(texts), 4), dtype=np.float32)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "refs").mkdir()
    (tmp_path / "refs" / "notes.md").write_text("not a capture\n", encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text("[tool.evalkit]\nreferences = []\ncache = false\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    # Nothing is judged, so no model is needed: stand-ins keep the test fast if a run goes ahead.
    monkeypatch.setattr(pipeline, "make_encoder", lambda settings: NoModel())
    monkeypatch.setattr(pipeline, "signature", lambda *args: {"judge": "none", "runtime": "none"})
    monkeypatch.setattr(pipeline, "make_judge", lambda settings, encoder: None)
    return tmp_path


def test_empty_references_are_exit_2(project: Path, capsys: pytest.CaptureFixture) -> None:
    assert cli.main(["run"]) == 2
    assert capsys.readouterr().err == (
        "evalkit: nothing to judge: [tool.evalkit] references is empty "
        "(allow_empty = true in [tool.evalkit], or --allow-empty, if that is meant)\n"
    )
    assert not (project / "reports").exists()


@pytest.mark.parametrize("argv", [["run", "refs"], ["score", "refs", "-o", "out.jsonl"]])
def test_a_folder_holding_no_capture_is_exit_2(project: Path, capsys: pytest.CaptureFixture, argv: list[str]) -> None:
    assert cli.main(argv) == 2
    assert "refs: no capture files matching *.txt, *.html, *.htm, *.jsonl" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["run", "--output-dir", ""], ["run", "refs", "--output-dir", ""]])
def test_allow_empty_lets_an_empty_run_pass(project: Path, capsys: pytest.CaptureFixture, argv: list[str]) -> None:
    assert cli.main([*argv, "--allow-empty"]) == 0
    assert "0 passed, 0 failed" in capsys.readouterr().out
    (project / "pyproject.toml").write_text("[tool.evalkit]\nreferences = []\nallow_empty = true\n", encoding="utf-8")
    assert cli.main(argv) == 0
