"""docs/metrics.md's third-party metric, installed as pip leaves a package and used: the example cannot go stale.

The two code blocks under "Writing a metric" are written to a site folder with the `.dist-info` pip would
make from the pyproject block (its entry points), put on `sys.path`, and used: found by the registry,
measured on a batch, its threshold applied, and set by `evalkit diff` and `compare` against a baseline made
before it was installed (issue 27.3 and 27.5).
"""

from __future__ import annotations

import json
import re
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from evalkit import metrics
from evalkit.frontends import cli
from evalkit.judges import PROBABILITY_BANDS
from evalkit.result import ClaimVerdict

DOC = Path(__file__).parents[1] / "docs" / "metrics.md"


def blocks() -> tuple[str, str]:
    """The pyproject and the module of docs/metrics.md's example, as printed there."""
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("## Writing a metric") : text.index("## The signature")]
    (toml,) = re.findall(r"```toml\n(.*?)```", section, re.S)
    (python,) = re.findall(r"```python\n(.*?)```", section, re.S)
    return toml, python


def install(site: Path) -> str:
    """What `pip install` leaves for the example in `site`: its module and a dist-info naming its entry points.
    Returns the module's name."""
    toml, python = blocks()
    project = tomllib.loads(toml)["project"]
    module = re.match(r"# (\w+)\.py\n", python)
    assert module, "the module block starts with a '# NAME.py' line"
    (site / f"{module.group(1)}.py").write_text(python, encoding="utf-8")
    info = site / f"{project['name'].replace('-', '_')}-{project['version']}.dist-info"
    info.mkdir()
    meta = f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: {project['version']}\n"
    (info / "METADATA").write_text(meta, encoding="utf-8")
    groups = "".join(
        f"[{group}]\n" + "".join(f"{name} = {ref}\n" for name, ref in points.items()) + "\n"
        for group, points in project["entry-points"].items()
    )
    (info / "entry_points.txt").write_text(groups, encoding="utf-8")
    return module.group(1)


@pytest.fixture
def installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[metrics.Metric]:
    site = tmp_path / "site"
    site.mkdir()
    module = install(site)
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.delitem(sys.modules, module, raising=False)
    metrics.registered.cache_clear()
    yield next(m for m in metrics.registered() if m.name == "claim_words")
    metrics.registered.cache_clear()  # the next test sees the built-ins alone


def test_the_example_is_a_package_entry_point_and_one_file_under_25_lines() -> None:
    toml, python = blocks()
    assert len(toml.splitlines()) + len(python.splitlines()) < 25
    assert tomllib.loads(toml)["project"]["entry-points"]["evalkit.metrics"]


def test_the_installed_example_measures_and_its_threshold_works(installed: metrics.Metric) -> None:
    claims = tuple(ClaimVerdict(t, "", 0, 0, "supported", 0.9) for t in ("One two three four.", "Five six seven."))
    prepared = metrics.Prepared(claims, ("An article.",), np.zeros((2, 4)), np.zeros((1, 4)), PROBABILITY_BANDS)
    (measured,) = installed.measure(metrics.Batch([prepared], encoder=None, judge=None))  # type: ignore[arg-type]
    assert measured.values == {"claim_words": 3.5}
    column = metrics.column("claim_words")
    assert column is not None and column.format(3.5) == "3.5" and column.higher_is_better is None
    limits = metrics.resolve_thresholds({"max_claim_words": 3})
    assert metrics.missed(measured.values, limits) == ["words per claim 3.5 > max_claim_words 3.0"]


def record(id: str, score: float, **extra: float) -> dict:
    verdict = "supported" if score >= 0.6 else "unsupported"
    claims = [{"text": f"Claim of {id}.", "verdict": verdict, "score": score, "evidence": [], "decided_by": -1}]
    values = {"claims": 1, "unsupported": int(verdict == "unsupported"), "support": score, **extra}
    return {"schema": 2, "id": id, "consistent": verdict == "supported", "metrics": values, "claims": claims}


def write(path: Path, records: list[dict], versions: dict[str, str]) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    signature = {"evalkit": "0.1.0", "judge": "bundled", "metrics": versions, "thresholds": {}}
    path.with_suffix(".meta.json").write_text(json.dumps({"signature": signature}), encoding="utf-8")
    return str(path)


def test_diff_and_compare_against_a_baseline_made_without_it(
    installed: metrics.Metric, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    """issue 27.3: installing a metric changes the signature; the runs stay comparable, the metric one-sided."""
    now = metrics.versions()
    before = {k: v for k, v in now.items() if k != "claim_words"}
    base = write(tmp_path / "base.jsonl", [record(f"d{i}", 0.7 + i / 100) for i in range(30)], before)
    rows = [record(f"d{i}", 0.7 + i / 100, claim_words=3.0 + i / 10) for i in range(30)]
    new = write(tmp_path / "new.jsonl", rows, now)
    assert cli.main(["compare", base, new, "--resamples", "200", "--fail-if-worse", "support"]) == 0
    out = capsys.readouterr().out
    assert f"metric claim_words: only in {new}, not compared" in out and "\nclaim_words " not in out
    assert cli.main(["diff", base, new, "--fail-on-regression"]) == 0
    assert "metric claim_words: only in the new run, not compared" in capsys.readouterr().out
    rows[3] = record("d3", 0.2, claim_words=3.3)  # a regression still fails the gate, by the usual rule
    new = write(tmp_path / "new.jsonl", rows, now)
    assert cli.main(["diff", base, new, "--fail-on-regression", "--format", "json"]) == 1
    found = json.loads(capsys.readouterr().out)
    assert found["regressed"] == 1
    assert found["not_compared"] == [{"metric": "claim_words", "why": "only in the new run"}]
    # Both runs with it: compared, at its one decimal, with no better direction.
    both = write(tmp_path / "both.jsonl", [{**r, "metrics": {**r["metrics"], "claim_words": 9.0}} for r in rows], now)
    assert cli.main(["compare", new, both, "--resamples", "200"]) == 0
    (row,) = [line for line in capsys.readouterr().out.splitlines() if line.startswith("claim_words")]
    assert row.split()[1:4] == ["4.5", "9.0", "+4.5"] and "B " not in row and "↑" not in row


@pytest.mark.slow
def test_evalkit_run_with_the_example_then_diff_and_compare_a_run_made_without_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    """The issue's end to end: a baseline run, the plugin installed, a new run; both comparisons keep working."""
    article = "The council approved a new bridge over the Elm River on Tuesday. Work begins in May."
    (tmp_path / "refs").mkdir()
    (tmp_path / "pyproject.toml").write_text('[tool.evalkit]\nreferences = ["refs"]\ncache = false\n')
    summary = "The council approved a new bridge on Tuesday."
    (tmp_path / "refs" / "bridge.txt").write_text(f"Bridge - Gazette\n\nAI Summary\n\n{summary}\n\n---\n\n{article}\n")
    monkeypatch.chdir(tmp_path)
    metrics.registered.cache_clear()
    assert cli.main(["run", "--output-dir", "before"]) == 0
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.delitem(sys.modules, install(site), raising=False)
    monkeypatch.syspath_prepend(str(site))
    metrics.registered.cache_clear()
    try:
        assert cli.main(["run", "--output-dir", "after"]) == 0
        assert "words per claim" in capsys.readouterr().out
        assert cli.main(["diff", "before/results.json", "after/results.json", "--fail-on-regression"]) == 0
        assert "metric claim_words: only in the new run, not compared" in capsys.readouterr().out
        assert cli.main(["compare", "before/results.json", "after/results.json", "--resamples", "200"]) == 0
        assert "metric claim_words: only in after/results.json, not compared" in capsys.readouterr().out
    finally:
        metrics.registered.cache_clear()
