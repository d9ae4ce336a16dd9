"""The Python API from threads, as a web service calls it: concurrent `evalkit.score` calls equal
sequential ones on both runtimes, and `score_many` gives a bad pair its own `.error`."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import evalkit
from evalkit.frontends import api
from evalkit.result import SummaryResult
from evalkit.scoring import pipeline
from evalkit.settings import Settings

ARTICLE = (
    "The town council of Millbrook voted on Tuesday to build a new public library on Elm Street. "
    "The library will cost {n} million dollars and is due to open in 2026, the council said. "
    "Work on the site begins in May, after the old bus depot there is pulled down."
)
SUMMARIES = [
    "Millbrook will build a library on Elm Street. It will cost {n} million dollars.",
    "The library opens in 2026. Mayor Quackenbush said 900 workers from Lisbon will build it.",
    "Work begins in May once the bus depot is gone.",
]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pyproject.toml").write_text("[tool.evalkit]\ncache = false\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def verdicts(result: SummaryResult) -> list[tuple[str, str, float]]:
    return [(c.text, c.verdict, c.score) for c in result.claims]


@pytest.mark.slow
@pytest.mark.parametrize("runtime", ["openvino", "torch"])
def test_concurrent_calls_equal_sequential_ones(project: Path, runtime: str) -> None:
    """12 calls from 4 threads on fresh models (nothing in memory yet), then the same calls one by one."""
    pairs = [(s.format(n=n), ARTICLE.format(n=n)) for n in range(4) for s in SUMMARIES]
    api._loaded_models.clear()  # each run loads its encoder and judge afresh: no vector memo shared
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(lambda pair: evalkit.score(*pair, runtime=runtime), pairs))
    api._loaded_models.clear()
    alone = [evalkit.score(*pair, runtime=runtime) for pair in pairs]
    assert [verdicts(r) for r in together] == [verdicts(r) for r in alone]
    assert [r.metrics for r in together] == [r.metrics for r in alone]
    assert {r.runtime for r in together} == {r.runtime for r in alone}


class NoModel:
    """Stands in for the encoder and judge: bad pairs must be refused before either is used."""

    identity = "none@0"
    cache = None

    def encode(self, texts: list[str]) -> list:
        assert not texts, "a bad pair reached the model"
        return []


@pytest.mark.parametrize(
    ("pair", "error"),
    [
        ((None, "An article."), "pair 1: summary is None, not text"),
        ((b"bytes", "An article."), "pair 1: summary is a bytes, not text"),
        (("A summary.", 7), "pair 1: article is an int, not text"),
        (("A summary.", "An article.", "extra"), "pair 1: is a tuple of 3 items, not a (summary, article) pair"),
        ("A summary.", "pair 1: is a str, not a (summary, article) pair"),
        (None, "pair 1: is None, not a (summary, article) pair"),
    ],
)
def test_a_bad_pair_is_its_own_error(pair: object, error: str) -> None:
    (result,) = pipeline.score_pairs([pair], Settings(cache=False), NoModel(), object())  # type: ignore[arg-type]
    assert result.error == error


@pytest.mark.slow
def test_score_many_keeps_the_good_pairs_beside_bad_ones(project: Path) -> None:
    good = (SUMMARIES[0].format(n=4), ARTICLE.format(n=4))
    results = evalkit.score_many([good, (None, good[1]), (b"x", good[1]), (good[0], 3), (*good, "x"), good])
    assert [r.error is None for r in results] == [True, False, False, False, False, True]
    assert verdicts(results[0]) == verdicts(results[5]) and results[0].claims
