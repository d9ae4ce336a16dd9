"""A broken metric or judge plugin is named in one line; every other number and verdict is kept.

The encoder and the judges here are stand-ins (no model loads), so the whole scoring path runs:
`score_batch` with every built-in metric beside the broken plugin.
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from evalkit import metrics
from evalkit.frontends import cli, exits
from evalkit.judges import PROBABILITY_BANDS, Judgement
from evalkit.metrics import Column, Measured
from evalkit.read.capture import pair_capture
from evalkit.result import SummaryResult
from evalkit.scoring import pipeline
from evalkit.scoring.pipeline import Job, score_batch
from evalkit.settings import Settings

DOCUMENT = "The council approved a bridge on Tuesday. Work begins in May. It will cost 40 million dollars."
SUMMARIES = ("The council approved a bridge. Work begins in May.", "The bridge will cost 40 million dollars.")


class Encoder:
    """Vectors from a hash of each text: the same text, the same unit vector."""

    cache = None
    identity = "stand-in"

    def encode(self, texts: list[str]) -> np.ndarray:
        rows = [np.frombuffer(hashlib.sha256(t.encode()).digest(), dtype=np.uint8)[:16] for t in texts]
        vectors = np.array(rows, dtype=np.float32).reshape(len(texts), 16) + 1
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


class Judge:
    """Scores every claim `score`, or gives `answer(claims)` instead when set."""

    bands = PROBABILITY_BANDS

    def __init__(self, score: float = 0.9, answer: Any = None, name: str = "stand-in") -> None:
        self.id, self.score, self.answer = name, score, answer

    def judge(self, claims: list) -> Any:
        if self.answer is not None:
            return self.answer(claims)
        return [Judgement(self.score) for _ in claims]


class Broken:
    """A metric plugin that does `behaviour` instead of measuring."""

    name = "broken"
    version = "1"
    reads = frozenset({"claims"})
    columns = (Column("broken_words", "words"),)
    thresholds = ()

    def __init__(self, behaviour: Any) -> None:
        self.behaviour = behaviour

    def measure(self, batch: Any) -> Any:
        return self.behaviour(batch.summaries)


def jobs() -> list[Job]:
    return [
        Job(f"row-{n}", pair_capture(f"row-{n}", DOCUMENT, s, f"row-{n}"), Settings()) for n, s in enumerate(SUMMARIES)
    ]


def boom(summaries: Any) -> Any:
    raise ZeroDivisionError("division by zero")


def each(value: Any) -> Any:
    return lambda summaries: [value for _ in summaries]


@pytest.mark.parametrize(
    ("behaviour", "problem"),
    [
        (boom, "failed: ZeroDivisionError: division by zero"),
        (lambda summaries: None, "returned None for 2 summaries"),
        (lambda summaries: "oops", "returned 'oops' for 2 summaries"),
        (lambda summaries: [Measured({"broken_words": 1.0})], "returned 1 result(s) for 2 summaries"),
        (each(None), "returned None, not a Measured"),
        (each(Measured({"broken_words": math.nan})), "gave broken_words = nan, not a finite number"),
        (each(Measured({"broken_words": "7"})), "gave broken_words = '7', not a finite number"),
        (
            each(Measured({"support": 0.99, "unsupported": 0})),
            "wrote 'support', 'unsupported', which it does not declare",
        ),
    ],
    ids=["raises", "None", "a string", "too few", "None each", "NaN", "text", "undeclared columns"],
)
def test_a_broken_metric_is_named_and_every_other_number_kept(
    monkeypatch: pytest.MonkeyPatch, behaviour: Any, problem: str
) -> None:
    good = score_batch(jobs(), Encoder(), Judge())  # type: ignore[arg-type]
    builtins = metrics.registered()
    monkeypatch.setattr(metrics, "registered", lambda: (*builtins, Broken(behaviour)))
    results = score_batch(jobs(), Encoder(), Judge())  # type: ignore[arg-type]
    for result, before in zip(results, good, strict=True):
        assert result.error is None and result.plugin_errors == (f"metric 'broken' ({__name__}) {problem}",)
        assert result.metrics == before.metrics  # the built-ins' numbers, untouched: no broken_words, no NaN
        assert [c.verdict for c in result.claims] == [c.verdict for c in before.claims]
        assert result.failures[0] == result.plugin_errors[0] and not result.passed
    assert exits.for_results(results) == exits.PLUGIN


def coverage_lost(problem: str) -> str:
    """Coverage asks the same judge, so a broken judge leaves it with no number, said as such."""
    return f"metric 'coverage' (evalkit.metrics.coverage) failed: ValueError: {problem}"


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        (boom, "failed: ZeroDivisionError: division by zero"),
        (lambda claims: "supported", "returned str, not a list of judgements"),
        (lambda claims: [Judgement(0.9)], "returned 1 judgement(s) for 3 claim(s)"),
        (lambda claims: ["yes" for _ in claims], "returned str 'yes', not a Judgement"),
    ],
    ids=["raises", "a string", "too few", "strings"],
)
def test_a_broken_judge_is_named_and_the_metrics_kept(answer: Any, problem: str) -> None:
    results = score_batch(jobs(), Encoder(), Judge(answer=answer))  # type: ignore[arg-type]
    line = f"judge 'stand-in' {problem}"
    for result in results:
        assert result.error is None and result.plugin_errors[0] == line
        (lost,) = result.plugin_errors[1:]  # coverage's own judge call (its key pieces) broke the same way
        assert lost.startswith("metric 'coverage' (evalkit.metrics.coverage) failed: ValueError: judge 'stand-in'")
        assert [(c.verdict, c.score, c.error) for c in result.claims] == [("error", None, line)] * len(result.claims)
        assert result.metrics["rouge1_f1"] > 0 and "coverage" not in result.metrics  # what needs no judge is kept
    assert exits.for_results(results) == exits.PLUGIN


@pytest.mark.parametrize("score", [1.7, -0.5, math.nan, math.inf])
def test_a_judge_score_outside_zero_to_one_is_refused_not_a_verdict(score: float) -> None:
    (result, _) = score_batch(jobs(), Encoder(), Judge(score=score))  # type: ignore[arg-type]
    line = f"judge 'stand-in' gave score {score!r}, not a probability in [0, 1]"
    assert {(c.verdict, c.score, c.error) for c in result.claims} == {("error", None, line)}
    assert result.plugin_errors == (line, coverage_lost(line))  # not "the embedding model is broken"
    assert result.error is None and "coverage" not in result.metrics  # no 0 that looks measured


def test_run_names_a_broken_plugin_once_and_exits_4(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    refs = tmp_path / "refs"
    refs.mkdir()
    for n, summary in enumerate(SUMMARIES):
        text = f"Bridge - Gazette\n\nAI Summary\n\n{summary}\n\n---\n\n{DOCUMENT}\n"
        (refs / f"{n}.txt").write_text(text, encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text('[tool.evalkit]\nreferences = ["refs"]\ncache = false\n')
    monkeypatch.chdir(tmp_path)
    builtins = metrics.registered()
    monkeypatch.setattr(metrics, "registered", lambda: (*builtins, Broken(boom)))
    monkeypatch.setattr(pipeline, "make_encoder", lambda settings: Encoder())
    monkeypatch.setattr(pipeline, "make_judge", lambda settings, encoder: Judge())
    monkeypatch.setattr(pipeline, "runtime_id", lambda runtime: "stand-in")
    assert cli.main(["run"]) == exits.PLUGIN
    err = capsys.readouterr().err
    line = f"evalkit: metric 'broken' ({__name__}) failed: ZeroDivisionError: division by zero (in 2 summaries)"
    assert err.count("metric 'broken'") == 1 and line in err.splitlines()
    saved = SummaryResult.from_dict(json.loads((tmp_path / "reports" / "results.json").read_text())["results"][0])
    assert saved.plugin_errors and "support" in saved.metrics


FACTORIES = '''
from evalkit.judges import PROBABILITY_BANDS


class Metric:
    def __init__(self):
        raise OSError("no such word list")


def raising(argument, settings, store):
    raise ValueError("bad argument")


def shapeless(argument, settings, store):
    return "a judge"
'''


@pytest.mark.parametrize(
    ("group", "reference", "problem"),
    [
        ("evalkit.metrics", "evalkit_broken:Metric", "metric 'x' (evalkit_broken:Metric) cannot be made: OSError: no"),
        ("evalkit.judges", "evalkit_broken:raising", "judge 'x' (evalkit_broken:raising) cannot be made: ValueError"),
        ("evalkit.judges", "evalkit_broken:shapeless", "judge 'x' (evalkit_broken:shapeless) made str, not a judge"),
    ],
)
def test_a_plugin_that_cannot_be_made_is_one_line_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, group: str, reference: str, problem: str
) -> None:
    from evalkit.errors import SettingsError
    from evalkit.judges import load_judge

    (tmp_path / "evalkit_broken.py").write_text(FACTORIES, encoding="utf-8")
    info = tmp_path / "evalkit_broken-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: evalkit-broken\nVersion: 1.0\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(f"[{group}]\nx = {reference}\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    metrics.registered.cache_clear()
    try:
        with pytest.raises(SettingsError) as caught:
            metrics.registered() if group == "evalkit.metrics" else load_judge(Settings(judge="x"))
        assert str(caught.value).startswith(problem)
    finally:
        metrics.registered.cache_clear()
