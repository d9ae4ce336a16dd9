"""The Python API: `evalkit.score` and `evalkit.score_many` read the project's settings and keep models loaded."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import evalkit
from evalkit.errors import EvalkitError, SettingsError
from evalkit.frontends import api

pytestmark = pytest.mark.slow  # loads the models, or starts processes, pytest sessions, Ray or Chromium

README = Path(__file__).parents[1] / "README.md"
ARTICLE = (
    "The town council of Millbrook voted on Tuesday to build a new public library on Elm Street.\n\n"
    "The library will cost 4 million dollars and is due to open in 2026, the council said."
)
GOOD = "The Millbrook town council voted on Tuesday to build a new public library on Elm Street."
BAD = "Mayor Zebulon Quackenbush said 900 workers from Lisbon will finish the library by 2041."


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project whose `[tool.evalkit]` asks for the lexical judge and an unreachable similarity; the
    working folder is a sub-folder, as in a notebook beside the code."""
    (tmp_path / "pyproject.toml").write_text(
        '[tool.evalkit]\njudge = "lexical"\nmin_similarity = 0.99\ncache = false\n', encoding="utf-8"
    )
    (tmp_path / "notebooks").mkdir()
    monkeypatch.chdir(tmp_path / "notebooks")
    return tmp_path


def test_score_honours_the_project_pyproject_and_keyword_overrides(project: Path) -> None:
    result = evalkit.score(GOOD, ARTICLE)
    assert result.judge.startswith("lexical")
    assert any("min_similarity" in failure for failure in result.failures)
    assert not result.passed

    relaxed = evalkit.score(GOOD, ARTICLE, min_similarity=0.0)
    assert not any("min_similarity" in failure for failure in relaxed.failures)
    assert [c.verdict for c in relaxed.claims] == [c.verdict for c in result.claims]


def test_models_are_loaded_once_per_run_level_settings(project: Path) -> None:
    settings = api.project_settings({}, "test")
    first = api.loaded(settings)
    evalkit.score(GOOD, ARTICLE, max_unsupported_claims=3)  # a threshold override is not a new model
    assert api.loaded(settings) is first
    assert api.loaded(settings.replace({"judge": "bundled"}, "test")) is not first


def test_score_many_keeps_order_batches_and_reports_a_bad_pair_in_its_place(project: Path) -> None:
    results = evalkit.score_many([(GOOD, ARTICLE), ("  ", ARTICLE), (BAD, ARTICLE)], batch_size=2)
    assert [r.error is None for r in results] == [True, False, True]
    assert results[1].error == "pair 2: summary is empty"
    assert [c.text for c in results[2].claims] == [BAD]
    alone = evalkit.score(BAD, ARTICLE)
    assert results[2].claims[0].verdict == alone.claims[0].verdict
    assert results[2].claims[0].score == pytest.approx(alone.claims[0].score, abs=1e-4)


def test_score_raises_one_readable_error_for_bad_input_or_settings(project: Path) -> None:
    with pytest.raises(EvalkitError, match="summary is empty"):
        evalkit.score("", ARTICLE)
    with pytest.raises(SettingsError, match=r"evalkit\.score\(\): unknown setting 'threshold'"):
        evalkit.score(GOOD, ARTICLE, threshold=0.5)


def test_the_readme_python_example_runs_as_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The README shows the example's real output: it is run here and must print exactly that."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("### From Python") :]
    code, shown = re.findall(r"```(?:python|text)\n(.*?)```", section, flags=re.S)[:2]
    monkeypatch.chdir(tmp_path)  # outside any project: the defaults, the bundled judge
    exec(compile(code, "README.md", "exec"), {})
    assert capsys.readouterr().out == shown
