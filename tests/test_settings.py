"""One precedence everywhere: command-line flag > sidecar > [tool.evalkit] > default.

The same project (pyproject sets `support_threshold`, one capture's sidecar overrides it, one capture
has no sidecar) is judged through each front end, and the bands each result records show which level won.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evalkit.errors import SettingsError
from evalkit.frontends import cli
from evalkit.judges import load_judge
from evalkit.scoring.pipeline import jobs_from_paths
from evalkit.settings import Settings, load, resolve

ARTICLE = (
    "The city council voted on Tuesday to approve a new bridge over the Elm River. "
    "Work is expected to begin in May, officials said. The bridge will cost about 40 million dollars."
)
PROJECT, SIDECAR, FLAG = 0.2, 0.3, 0.4


def capture_text(summary: str) -> str:
    return f"Council Approves Bridge\n\nAI Summary\n\n{summary}\n\nSign in to unlock more AI features\n\n{ARTICLE}\n"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pyproject.toml").write_text(
        f'[tool.evalkit]\nreferences = ["refs"]\ncache = false\nsupport_threshold = {PROJECT}\n', encoding="utf-8"
    )
    refs = tmp_path / "refs"
    refs.mkdir()
    (refs / "a.txt").write_text(capture_text("The council approved a bridge on Tuesday."), encoding="utf-8")
    (refs / "a.evalkit.toml").write_text(f"support_threshold = {SIDECAR}\n", encoding="utf-8")
    (refs / "b.txt").write_text(capture_text("Work on the bridge begins in May."), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def records(path: str) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines()]


def thresholds(results: list[dict]) -> dict[str, float]:
    return {Path(r["id"]).name: r["bands"]["support_threshold"] for r in results}


def test_resolve_applies_flag_over_sidecar_over_project_over_default(project: Path) -> None:
    default = load_judge(Settings()).bands.threshold
    assert resolve(Settings(), project / "refs" / "b.txt").support_threshold is None  # the judge's own: default
    settings, _ = load()
    assert settings.support_threshold == PROJECT
    assert resolve(settings, project / "refs" / "b.txt").support_threshold == PROJECT
    assert resolve(settings, project / "refs" / "a.txt").support_threshold == SIDECAR
    flagged, _ = load(flags={"support_threshold": FLAG})
    assert resolve(flagged, project / "refs" / "a.txt").support_threshold == FLAG  # the flag survives the sidecar
    assert default not in (PROJECT, SIDECAR, FLAG)


@pytest.mark.slow
def test_cli(project: Path) -> None:
    assert cli.main(["score", "refs", "-o", "out.jsonl"]) == 0
    assert thresholds(records("out.jsonl")) == {"a.txt": SIDECAR, "b.txt": PROJECT}
    assert cli.main(["score", "refs", "-o", "out.jsonl", "--support-threshold", str(FLAG)]) == 0
    assert thresholds(records("out.jsonl")) == {"a.txt": FLAG, "b.txt": FLAG}
    assert json.loads(Path("out.meta.json").read_text())["signature"]["support_threshold"] == FLAG


def test_ray_engine_keeps_each_jobs_precedence(project: Path) -> None:
    from evalkit.scoring.engine_ray import for_actors

    settings, _ = load(flags={"weak_band": 0.05})
    run_settings, jobs = for_actors(settings, list(jobs_from_paths(["refs"], settings)))
    assert Path(run_settings.cache_dir).is_absolute()
    assert {Path(j.id).name: j.settings.support_threshold for j in jobs} == {"a.txt": SIDECAR, "b.txt": PROJECT}
    assert all(j.settings.weak_band == 0.05 and j.settings.cache_dir == run_settings.cache_dir for j in jobs)


@pytest.mark.slow
def test_screenshot_tool(project: Path) -> None:
    from evalkit.outputs.report.browser import evaluate_paths

    run = evaluate_paths(["refs"])
    assert thresholds([r.to_dict() for r in run.results]) == {"a.txt": SIDECAR, "b.txt": PROJECT}


@pytest.mark.slow
def test_sidecar_with_a_run_level_key_is_an_error_naming_it(project: Path, capsys: pytest.CaptureFixture) -> None:
    (project / "refs" / "a.evalkit.toml").write_text("batch_size = 3\n", encoding="utf-8")
    assert cli.main(["run", "--batch-size", "100"]) == 2
    assert f"{Path('refs') / 'a.evalkit.toml'}: batch_size apply to a whole run" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("flags", "problem"),
    [
        ({"support_threshold": 1.5}, "'support_threshold' must be between 0 and 1"),
        ({"weak_band": -0.1}, "'weak_band' must be between 0 and 1"),
        ({"batch_size": 0}, "'batch_size' must be a whole number >= 1"),
        ({"judge_top_k": 0}, "'judge_top_k' must be a whole number >= 1"),
        ({"judge": 3}, "'judge' must be a string"),
    ],
)
def test_values_are_range_checked(flags: dict, problem: str) -> None:
    with pytest.raises(SettingsError, match=problem):
        Settings().replace(flags, "command line")


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("min_simlarity = 0.3", "unknown threshold 'min_simlarity'"),
        ("min_similarity = 3", "'min_similarity' must be a number between -1 and 1, not 3"),
    ],
)
def test_a_bad_threshold_in_pyproject_names_the_file(tmp_path: Path, line: str, problem: str) -> None:
    """An unknown key or a value out of range is reported with the pyproject.toml that set it, not `settings:`."""
    from evalkit import metrics

    (tmp_path / "pyproject.toml").write_text(f"[tool.evalkit]\n{line}\n", encoding="utf-8")
    settings, _ = load(tmp_path)
    with pytest.raises(SettingsError) as raised:
        metrics.resolve_thresholds(settings.thresholds, origins=settings.origins)
    assert str(raised.value).startswith(f"{tmp_path / 'pyproject.toml'} [tool.evalkit]: {problem}")
