"""The judge registry, the one verdict rule, and the lexical judge's numbers pinned."""

from __future__ import annotations

import pytest

from evalkit.errors import SettingsError
from evalkit.frontends.api import score_pair
from evalkit.judges import PROBABILITY_BANDS, Bands, bands, load_judge
from evalkit.judges.lexical import LexicalJudge
from evalkit.prepare.encoder import Encoder
from evalkit.settings import Settings

ARTICLE = (
    "The town council of Millbrook voted on Tuesday to build a new public library on Elm Street.\n\n"
    "The library will cost 4 million dollars and is due to open in 2026, the council said.\n\n"
    "Mayor Ellen Harper said the old library, built in 1931, had become too small for the growing town."
)


def test_verdicts_come_from_the_bands() -> None:
    b = Bands(0.4, 0.7)
    assert [b.verdict(s) for s in (0.1, 0.4, 0.5, 0.7, 0.9, None)] == [
        "unsupported",
        "weak",
        "weak",
        "supported",
        "supported",
        "error",
    ]


@pytest.mark.slow
def test_settings_override_the_judges_own_bands() -> None:
    lexical = load_judge(Settings())
    assert bands(lexical, Settings()) == lexical.bands
    assert bands(lexical, Settings(support_threshold=0.3)) == Bands(0.3, lexical.bands.supported_at)
    assert bands(lexical, Settings(support_threshold=0.3, weak_band=0.2)) == Bands(0.3, 0.5)
    assert Bands(0.5, 0.6) == PROBABILITY_BANDS


@pytest.mark.slow
def test_each_judge_is_loaded_once() -> None:
    lexical = load_judge(Settings(judge="lexical"))
    assert isinstance(lexical, LexicalJudge) and load_judge(Settings(judge="lexical")) is lexical
    assert lexical.id.startswith("lexical:logreg-")
    assert load_judge(Settings()) is load_judge(Settings(judge="bundled"))


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        ("magic", "unknown judge 'magic' (known: bundled, lexical, nli:DIR, openai:URL)"),
        ("../x", "unknown judge"),
        ("__init__", "unknown judge '__init__'"),  # a module of the package that is not a judge
        ("nli", "judge 'nli' needs a model folder"),
        ("nli:/no/such/folder", "/no/such/folder: not a local model folder"),
        ("openai:http://127.0.0.1:9/v1", "needs a model: --judge-model NAME"),
        ("lexical:x", "judge 'lexical' takes no argument"),
    ],
)
def test_bad_judge_names_are_one_line_errors(spec: str, problem: str) -> None:
    with pytest.raises(SettingsError, match=problem.replace("(", r"\(").replace(")", r"\)")):
        load_judge(Settings(judge=spec))


def test_openai_judge_needs_an_http_url() -> None:
    with pytest.raises(SettingsError, match="needs an http"):
        load_judge(Settings(judge="openai:localhost:11434", judge_model="m"))


@pytest.mark.parametrize(
    ("summary", "scores"),
    [
        # Scores of the lexical judge as shipped (logreg-20261125-7c5776f0) on the reference (torch) runtime's
        # vectors; a change here changes every verdict. OpenVINO's bf16 moves them by about 2e-4 (test_runtime); torch's
        # own float sums differ in the last printed digit between CPUs (0.619414 on CI, 0.619415 here), hence 5e-6.
        ("The Millbrook town council voted on Tuesday to build a new public library on Elm Street.", [0.80412]),
        ("The new library will cost four million dollars. It opens in 2026.", [0.775597, 0.650303]),
        ("Mayor Zebulon Quackenbush said 900 workers from Lisbon will finish the library by 2041.", [0.014729]),
        ("The old library was built in 1931 and the mayor wants to demolish it.", [0.619415]),
    ],
)
@pytest.mark.slow
def test_lexical_judge_scores_are_pinned(summary: str, scores: list[float]) -> None:
    settings = Settings(judge="lexical", cache=False, runtime="torch")
    result = score_pair(summary, ARTICLE, settings, Encoder(runtime="torch"))
    assert [c.score for c in result.claims] == pytest.approx(scores, abs=5e-6)
    # Its coverage signal reads all the passages together, so none decides alone and reasons read them all.
    assert all(c.decided_by == -1 and c.best == max(c.evidence, key=lambda e: e.score) for c in result.claims)
    assert result.judge == load_judge(Settings(judge="lexical")).id
