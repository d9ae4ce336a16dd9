"""The support judge's signals and verdict bands: invented names and numbers must be caught, while
spelling variants of the same fact ("two" / "2", "U.N." / "UN" / "United Nations") must not be."""

from __future__ import annotations

import numpy as np
import pytest

from evalkit.prepare import passages, support
from evalkit.prepare.encoder import Encoder

ARTICLE = (
    "The United Nations said two soldiers were killed near Kharkiv on Monday. "
    "Officials in Kyiv confirmed the deaths and said 1,200 people had been evacuated."
)


@pytest.fixture(scope="module")
def encoder() -> Encoder:
    """The shipped MiniLM without the disk cache (a conftest fixture of the same name may replace it)."""
    return Encoder()


@pytest.fixture(scope="module")
def article() -> support.ArticleIndex:
    return support.index_article(ARTICLE)


@pytest.mark.parametrize(
    ("claim", "invented"),
    [
        ("Five soldiers were killed near Kharkiv.", ["Five"]),
        ("The UN said 3 soldiers died.", ["3"]),
        ("Officials in Odesa confirmed the deaths.", ["Odesa"]),
        ("NATO said John Smith was killed.", ["NATO", "John", "Smith"]),
    ],
)
def test_invented_numbers_and_names_are_novel(claim: str, invented: list[str], article: support.ArticleIndex) -> None:
    assert support.novel_mentions(claim, article) == invented


@pytest.mark.parametrize(
    "claim",
    [
        "The UN said 2 soldiers were killed.",
        "The U.N. reported two deaths near Kharkiv.",
        "The United Nations reported the deaths.",
        "About 1200 people were evacuated, officials in Kyiv said.",
    ],
)
def test_spelling_variants_are_not_novel(claim: str, article: support.ArticleIndex) -> None:
    assert support.novel_mentions(claim, article) == []


def test_number_normalisation() -> None:
    assert support._number("two") == support._number("2") == support._number("2.0") == "2"
    assert support._number("$1,000") == "1000"
    assert support._number("soldiers") is None


def test_shipped_model_is_fitted_and_ordered() -> None:
    model = support.shipped_model()
    assert set(model.weights) == set(support.FEATURES)
    assert 0.0 < model.threshold < model.supported_at < 1.0
    assert model.provenance.get("id", "").startswith("logreg-")
    # An invented name or number can only lower a claim's score.
    assert model.weights["novel"] < 0


def _signals(claim: str, encoder: Encoder) -> dict[str, float]:
    units = passages.article_units([ARTICLE])
    vec = encoder.encode([claim])[0]
    unit_vecs = encoder.encode(units)
    window_vecs = encoder.encode(passages.windows(units)) if len(units) > 1 else np.zeros((0, 384), np.float32)
    found = passages.match(claim, vec, units, unit_vecs, window_vecs)
    return support.signals(claim, found, support.index_article(ARTICLE))


@pytest.mark.slow
def test_faithful_paraphrase_outscores_invented_claim(encoder: Encoder) -> None:
    model = support.shipped_model()
    faithful = _signals("According to the UN, 2 soldiers died near Kharkiv on Monday.", encoder)
    invented = _signals("According to NATO, 14 soldiers died near Odesa on Friday.", encoder)
    assert faithful["novel"] == 0
    assert invented["novel"] >= 3
    assert model.score(faithful) > model.score(invented)
    assert model.score(faithful) >= model.threshold > model.score(invented)


def test_capitalised_joiners_alone_are_not_a_name(article: support.ArticleIndex) -> None:
    """A title-cased "Of The" leaves an empty name once joiners are dropped (used to crash)."""
    assert support.novel_mentions("Reports Of The deaths were confirmed.", article) == []
