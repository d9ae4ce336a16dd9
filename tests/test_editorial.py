"""Editorial framing: phrases that judge or interpret what the article reports, unless the article says so too."""

from __future__ import annotations

import pytest

from evalkit.prepare.editorial import editorial, framing, sentence_stems

WITHDRAWAL = (
    "The U.S. withdrawal from the investigation group raises questions about the international commitment "
    "to holding Russia accountable."
)
EVIDENCE = "The U.S. informed European officials recently that it is withdrawing from a multinational group."


@pytest.mark.parametrize(
    ("claim", "phrase"),
    [
        (WITHDRAWAL, "raises questions"),
        ("The cut signals a decreased focus on the children.", "signals a"),
        ("The vote raised serious new questions over the plan.", "raised serious new questions"),
        ("The ruling underscored the court's independence.", "underscored"),
        ("The fire highlights the urgent need for new rules.", "highlights the urgent need"),
        ("The deal marks a historic turning point for the region.", "marks a historic turning point"),
        ("It is a far-reaching change.", "far-reaching"),
    ],
)
def test_framing_phrases_are_found_in_any_inflection_and_with_words_between(claim: str, phrase: str) -> None:
    assert [text for text, _ in framing(claim)] == [phrase]


@pytest.mark.parametrize(
    "claim",
    [
        "The report highlights three cases of fraud.",  # a plain report, not an argument
        "The traffic signals failed at noon.",
        "Officials raised the flag over the base.",
        "The article highlights growing concerns among Ukrainians about accountability.",
    ],
)
def test_plain_reporting_is_not_framing(claim: str) -> None:
    assert framing(claim) == []


def test_framing_a_sentence_of_the_article_carries_is_the_articles_own() -> None:
    assert editorial(WITHDRAWAL, sentence_stems(EVIDENCE)) == ["raises questions"]
    critics = EVIDENCE + "\n\nLater on. Critics said the move raised questions about Washington's commitment."
    assert editorial(WITHDRAWAL, sentence_stems(critics)) == []
    scattered = EVIDENCE + " Reporters raised the flag. Questions remain."  # the words, but not together
    assert editorial(WITHDRAWAL, sentence_stems(scattered)) == ["raises questions"]
