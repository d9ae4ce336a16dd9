"""A metric and a judge from a package installed beside evalkit reach every front end with no edit to evalkit.

The package is installed as pip leaves one: a module and a `.dist-info` folder whose `entry_points.txt`
names it in the `evalkit.metrics` and `evalkit.judges` groups.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from evalkit import metrics
from evalkit.errors import SettingsError
from evalkit.frontends import cli

PACKAGE = '''
from evalkit.judges import PROBABILITY_BANDS, Judgement
from evalkit.metrics import Column, Measured, Threshold


class Words:
    """How many words the summary's claims hold."""

    name = "words"
    version = "1"
    reads = frozenset({"claims"})
    columns = (Column("words", "words", digits=0, table=True),)
    thresholds = (Threshold("min_words", "words", 0, 10_000),)

    def measure(self, batch):
        return [Measured({"words": sum(len(c.text.split()) for c in s.claims)}) for s in batch.summaries]


class Constant:
    bands = PROBABILITY_BANDS

    def __init__(self, score):
        self.score = score
        self.id = f"constant:{score}"

    def judge(self, claims):
        return [Judgement(self.score) for _ in claims]


def make(argument, settings, store):
    return Constant(float(argument or 0.9))
'''

ARTICLE = "The council approved a new bridge over the Elm River on Tuesday. Work begins in May."


@pytest.fixture
def installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """`evalkit_words` installed on sys.path, and a project folder using it."""
    site = tmp_path / "site"
    (site / "evalkit_words").mkdir(parents=True)
    (site / "evalkit_words" / "__init__.py").write_text(PACKAGE, encoding="utf-8")
    info = site / "evalkit_words-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: evalkit-words\nVersion: 1.0\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(
        "[evalkit.metrics]\nwords = evalkit_words:Words\n\n[evalkit.judges]\nconstant = evalkit_words:make\n",
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.delitem(sys.modules, "evalkit_words", raising=False)
    metrics.registered.cache_clear()
    project = tmp_path / "project"
    (project / "refs").mkdir(parents=True)
    (project / "pyproject.toml").write_text(
        '[tool.evalkit]\nreferences = ["refs"]\ncache = false\nmin_words = 5\n', encoding="utf-8"
    )
    for name, summary in (("short", "A bridge."), ("long", "The council approved a new bridge on Tuesday.")):
        text = f"Bridge - Gazette\n\nAI Summary\n\n{summary}\n\n---\n\n{ARTICLE}\n"
        (project / "refs" / f"{name}.txt").write_text(text, encoding="utf-8")
    monkeypatch.chdir(project)
    yield project
    metrics.registered.cache_clear()  # the next test sees the built-ins alone


@pytest.mark.slow
def test_an_installed_metric_and_judge_reach_every_output(installed: Path, capsys: pytest.CaptureFixture) -> None:
    assert cli.main(["run", "--judge", "constant:0.95"]) == 1  # min_words fails the short summary
    out = capsys.readouterr().out
    assert "words" in out.splitlines()[0]
    data = json.loads((installed / "reports" / "results.json").read_text(encoding="utf-8"))
    by_id = {Path(r["id"]).stem: r for r in data["results"]}
    assert by_id["short"]["metrics"]["words"] == 2 and by_id["long"]["metrics"]["words"] == 8
    assert by_id["short"]["failures"] == ["words 2 < min_words 5"] and not by_id["long"]["failures"]
    assert data["signature"]["judge"] == "constant:0.95" and data["signature"]["metrics"]["words"] == "1"
    assert all(c["verdict"] == "supported" for r in data["results"] for c in r["claims"])
    assert "<th data-sort=\"number\" class=\"num\">words</th>" in (installed / "reports" / "index.html").read_text()

    before = installed / "before.json"
    before.write_bytes((installed / "reports" / "results.json").read_bytes())
    (installed / "refs" / "short.txt").write_text(
        f"Bridge - Gazette\n\nAI Summary\n\nThe council approved a bridge over the river.\n\n---\n\n{ARTICLE}\n",
        encoding="utf-8",
    )
    assert cli.main(["run", "--judge", "constant:0.95"]) == 0
    capsys.readouterr()
    assert cli.main(["diff", str(before), "reports/results.json", "--format", "json"]) == 0
    change = json.loads(capsys.readouterr().out)["changes"][0]
    assert change["metrics"]["words"] == {"old": 2, "new": 8}


@pytest.mark.slow
def test_a_threshold_no_metric_owns_is_refused(installed: Path, capsys: pytest.CaptureFixture) -> None:
    pyproject = installed / "pyproject.toml"
    pyproject.write_text(pyproject.read_text(encoding="utf-8") + "min_wrods = 3\n", encoding="utf-8")
    assert cli.main(["run", "--judge", "constant"]) == 2
    err = capsys.readouterr().err
    assert "unknown threshold 'min_wrods'" in err and "min_words" in err


@pytest.mark.slow
def test_an_unknown_judge_lists_the_installed_ones(installed: Path, capsys: pytest.CaptureFixture) -> None:
    assert cli.main(["run", "--judge", "__init__"]) == 2
    assert "unknown judge '__init__'" in (err := capsys.readouterr().err) and "constant" in err and "nli:DIR" in err


def test_a_broken_metric_is_one_line_naming_it(installed: Path) -> None:
    (installed.parent / "site" / "evalkit_words" / "__init__.py").write_text("raise RuntimeError('oops')\n")
    with pytest.raises(SettingsError, match="metric 'words' .* cannot be loaded: RuntimeError: oops"):
        metrics.registered()


def install(site: Path, monkeypatch: pytest.MonkeyPatch, source: str, metric_points: str) -> None:
    """A package `evalkit_extra` holding `source`, whose `evalkit.metrics` entry points are `metric_points`."""
    (site / "evalkit_extra").mkdir(parents=True)
    (site / "evalkit_extra" / "__init__.py").write_text(source, encoding="utf-8")
    info = site / "evalkit_extra-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: evalkit-extra\nVersion: 1.0\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(f"[evalkit.metrics]\n{metric_points}\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.delitem(sys.modules, "evalkit_extra", raising=False)
    metrics.registered.cache_clear()


CLASHING = '''
from evalkit.metrics import Column, Measured, Threshold


class Metric:
    name = "extra"
    version = "1"
    reads = frozenset({"claims"})
    columns = (Column("extra", "extra"),)
    thresholds = ()

    def __init__(self, name="extra", column="extra", threshold=None, writes=None):
        self.name = name
        self.columns = (Column(column, column),)
        self.thresholds = (Threshold(threshold, column, 0, 1),) if threshold else ()
        self.writes = writes or {column: 0.5}

    def measure(self, batch):
        return [Measured(dict(self.writes)) for _ in batch.summaries]


COLUMN = Metric(column="support")
THRESHOLD = Metric(threshold="min_coverage")
NAME = Metric(name="coverage")
PLAIN = Metric()
OVERWRITES = Metric(writes={"extra": 0.5, "support": 0.99, "unsupported": 0})
'''


@pytest.mark.parametrize(
    ("points", "problem"),
    [
        (
            "extra = evalkit_extra:COLUMN",
            "metric 'extra' (evalkit_extra:COLUMN): its column 'support' is also that of metric 'support' "
            "(evalkit.metrics.support:SUPPORT): rename one",
        ),
        (
            "extra = evalkit_extra:THRESHOLD",
            "metric 'extra' (evalkit_extra:THRESHOLD): its threshold 'min_coverage' is also that of metric "
            "'coverage' (evalkit.metrics.coverage:COVERAGE): rename one",
        ),
        (
            "extra = evalkit_extra:NAME",
            "metric 'extra' (evalkit_extra:NAME): its name 'coverage' is also that of metric 'coverage' "
            "(evalkit.metrics.coverage:COVERAGE): rename one",
        ),
        (
            "coverage = evalkit_extra:PLAIN",
            "evalkit.metrics entry point 'coverage' (evalkit_extra:PLAIN) has the name of the built-in 'coverage' "
            "(evalkit.metrics.coverage:COVERAGE): rename one",
        ),
    ],
    ids=["column", "threshold", "name", "entry point"],
)
def test_a_metric_clashing_with_a_built_in_is_a_setup_error_naming_both(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, points: str, problem: str
) -> None:
    install(tmp_path, monkeypatch, CLASHING, points)
    try:
        with pytest.raises(SettingsError) as caught:
            metrics.registered()
        assert str(caught.value) == problem
    finally:
        metrics.registered.cache_clear()


def test_a_metric_may_write_only_the_columns_it_declares(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from evalkit.metrics import Batch, Prepared
    from evalkit.metrics.support import SUPPORT
    from evalkit.result import ClaimVerdict

    install(tmp_path, monkeypatch, CLASHING, "extra = evalkit_extra:OVERWRITES")
    import evalkit_extra  # type: ignore[import-not-found]

    monkeypatch.setattr(metrics, "registered", lambda: (SUPPORT, evalkit_extra.OVERWRITES))  # no model needed
    unsupported = ClaimVerdict(text="A claim.", section="", start=0, end=8, verdict="unsupported", score=0.1)
    batch = Batch([Prepared((unsupported,), ("A sentence.",), None, None, None)], None, None)  # type: ignore[arg-type]
    (got,) = metrics.measure(batch)
    assert got.values["unsupported"] == 1 and got.values["support"] == 0.1  # the built-in's, not 0 and 0.99
    assert got.errors == ["metric 'extra' (evalkit_extra) wrote 'support', 'unsupported', which it does not declare"]
