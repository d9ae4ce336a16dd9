"""The bundled judge: the shipped cross-encoder and head, loaded offline from the package."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import pytest

from evalkit.frontends.api import score_pair
from evalkit.judges import load_judge
from evalkit.judges.bundled import BundledJudge, data_folder, entail_logit, head, passages
from evalkit.result import Evidence
from evalkit.settings import Settings

if TYPE_CHECKING:
    from evalkit.prepare.encoder import Encoder

ARTICLE = (
    "Ukrainian officials said a video verified by investigators shows Russian soldiers executing two "
    "Ukrainian soldiers who had surrendered near the village of Novoivanivka.\n\n"
    "The incident was witnessed by a drone operator, the officials said. The United Nations has "
    "recorded dozens of similar cases since the start of the war.\n\n"
    "The U.S. has withdrawn from a multinational group investigating war crimes, and the State "
    "Department ended funding for tracking abducted Ukrainian children."
)
FAITHFUL = "A verified video shows Russian soldiers executing two Ukrainian soldiers who had surrendered."
EDITED = "A verified video shows Russian soldiers executing eleven Ukrainian soldiers who had surrendered."


@pytest.mark.slow
def test_the_shipped_judge_fits_the_size_budget_and_names_its_weights() -> None:
    folder = data_folder() / "cross-encoder"
    size = sum(f.stat().st_size for f in folder.iterdir())
    assert size <= 50 * 1024 * 1024
    bundled = load_judge(Settings())
    assert isinstance(bundled, BundledJudge)
    assert bundled.id.startswith(f"bundled:{head()['provenance']['id']}:")
    assert 0.0 < bundled.bands.threshold < bundled.bands.supported_at < 1.0


def test_joined_sentences_follow_the_article_order() -> None:
    evidence = [Evidence("B.", 0.9, start=3, end=4), Evidence("A.", 0.8, start=1, end=2), Evidence("B. C.", 0.7, 3, 5)]
    assert passages(evidence) == ["B.", "A.", "B. C.", "A. B."]
    assert passages(evidence[:1]) == ["B."]


@pytest.mark.slow
def test_the_head_reads_the_best_passage_as_a_logit() -> None:
    bundled = load_judge(Settings())
    signals = {"entail": 0.9, "sim": 0.7, "coverage": 1.0, "doc_coverage": 1.0, "bigram": 1.0, "novel": 0.0}
    signals["editorial"] = 0.0
    features = {**signals, "entail": math.log(0.9 / 0.1)}
    z = head()["bias"] + sum(w * features[f] for f, w in head()["weights"].items())
    assert math.isclose(bundled.score(signals), 1 / (1 + math.exp(-z)), rel_tol=1e-9)
    framed = bundled.score({**signals, "editorial": 1.0})
    assert framed < bundled.bands.threshold < bundled.score(signals)  # framing the article lacks: unsupported
    assert float(entail_logit(1.0)) == 8.0 and float(entail_logit(0.0)) == -8.0


@pytest.mark.slow
def test_a_one_fact_edit_scores_below_the_faithful_claim(encoder: Encoder) -> None:
    settings = Settings(cache=False)
    faithful = score_pair(FAITHFUL, ARTICLE, settings, encoder).claims[0]
    edited = score_pair(EDITED, ARTICLE, settings, encoder).claims[0]
    assert faithful.score is not None and edited.score is not None
    assert edited.score < faithful.score
    assert faithful.signals["entail"] > edited.signals["entail"]
    assert edited.reasons["novel"] == ["eleven"]
    # the judge's probability is kept per passage, and the deciding passage is the most probable one
    read = [e.support for e in faithful.evidence]
    assert all(p is not None and 0.0 <= p <= 1.0 for p in read)
    if faithful.decided_by >= 0:
        assert read[faithful.decided_by] == max(read) == faithful.signals["entail"]
