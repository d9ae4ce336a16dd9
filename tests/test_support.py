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


FORMS_ARTICLE = (
    "Officials said China's navy held its sixth drill off the coast near Portugal on Monday. "
    "Britain and the U.S. objected, and the Democrats' leader called for talks. "
    "Crews from the 5th fleet joined twenty-one ships."
)


@pytest.mark.parametrize(
    "claim",
    [
        "The drill angered Chinese officials.",  # demonym of a place the article names in the possessive
        "It was held near Portuguese waters.",
        "The British and American governments objected.",
        "The navy had held six drills before.",  # cardinal against the article's ordinal
        "The navy held its 6th drill on Monday.",  # digits and suffix against the ordinal word
        "Ships of the Fifth Fleet joined.",  # an ordinal in a name against "5th"
        "A Democrat leader called for talks.",  # singular against the plural possessive
        "The navy drilled with 21 ships.",  # digits against a hyphenated number word
    ],
)
def test_word_forms_of_a_mentioned_name_or_number_are_not_novel(claim: str) -> None:
    assert support.novel_mentions(claim, support.index_article(FORMS_ARTICLE)) == []


@pytest.mark.parametrize(
    ("claim", "invented"),
    [
        ("The drill angered Japanese officials.", ["Japanese"]),  # a form of a place the article never names
        ("It was held near Spanish waters.", ["Spanish"]),
        ("The navy held seven drills.", ["seven"]),
        ("The navy held its 7th drill.", ["7"]),
        ("Officials in Beijing said Zhang Wei objected.", ["Beijing", "Zhang", "Wei"]),
    ],
)
def test_invented_names_and_numbers_in_any_form_stay_novel(claim: str, invented: list[str]) -> None:
    assert support.novel_mentions(claim, support.index_article(FORMS_ARTICLE)) == invented


def test_name_forms_fold_possessives_plurals_and_demonyms() -> None:
    assert support.name_form("chinese") == support.name_form("china") == "china"
    assert support.name_form("americans") == support.name_form("us") == "us"
    assert support.name_form("smiths'") == support.name_form("smith") == "smith"
    assert support.name_form("philippines") == "philippines"  # listed: not read as a plural
    assert support.name_form("japanese") != support.name_form("china")


def test_number_normalisation() -> None:
    assert support._number("two") == support._number("2") == support._number("2.0") == "2"
    assert support._number("$1,000") == "1000"
    assert support._number("soldiers") is None
    assert support._number("twenty-one") == "21"
    assert support._number("sixth") is None and support._number("sixth", ordinal=True) == "6"


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
