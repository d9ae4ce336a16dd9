"""Reasons: the words that make a claim doubtful, found for any judge and marked in the claim's text."""

from __future__ import annotations

from evalkit.outputs.present import explain
from evalkit.prepare.support import index_article
from evalkit.result import ClaimVerdict, Evidence, SummaryResult
from evalkit.scoring import reasons

ARTICLE = (
    "A verified video shows Russian soldiers executing two surrendering Ukrainian prisoners of war "
    "near Novoivanovka in the Kursk region."
)
CLAIM = "A video shows Russian troops executing eleven surrendering soldiers in Kursk."


def test_invented_numbers_and_words_missing_from_the_passage_are_named() -> None:
    found = reasons.explain(CLAIM, ARTICLE, index_article(ARTICLE))
    assert found == {"novel": ["eleven"], "editorial": [], "missing": ["troops"]}
    assert reasons.summary(found) == "not in the article: eleven; not in the deciding passage: troops"
    stop = reasons.explain("This bridge collapsed.", "A video.", index_article(ARTICLE))
    assert stop["missing"] == ["bridge", "collapsed"]  # "This" is a stop word


def test_editorial_framing_is_named_unless_the_evidence_carries_it() -> None:
    framed = "A video shows Russian soldiers executing prisoners, which raises questions about accountability."
    found = reasons.explain(framed, ARTICLE, index_article(ARTICLE))
    assert found["editorial"] == ["raises questions"]
    assert reasons.summary(found).startswith("editorial: raises questions; ")
    stated = ARTICLE + " Critics say the video raises questions about accountability."
    assert reasons.explain(framed, ARTICLE, index_article(stated))["editorial"] == []


def test_pieces_mark_the_words_and_keep_every_character() -> None:
    found = {"novel": ["eleven"], "missing": ["troops"]}
    pieces = reasons.pieces(CLAIM, found)
    assert "".join(p.text for p in pieces) == CLAIM
    assert [(p.text, p.kind) for p in pieces if p.kind] == [("troops", "missing"), ("eleven", "novel")]
    assert reasons.pieces("Nothing to mark.", {}) == (reasons.Piece("Nothing to mark."),)
    framed = "The raid signals a shift in tactics."
    pieces = reasons.pieces(framed, {"editorial": ["signals a"], "missing": ["signals", "tactics"]})
    assert "".join(p.text for p in pieces) == framed
    assert [(p.text, p.kind) for p in pieces if p.kind] == [("signals a", "editorial"), ("tactics", "missing")]


def test_failure_text_lists_the_reasons_and_the_judges_error() -> None:
    evidence = (Evidence(ARTICLE, 0.7), Evidence("Other.", 0.9))
    doubtful = ClaimVerdict(
        CLAIM, "", 0, len(CLAIM), "unsupported", 0.2, evidence, decided_by=0, reasons={"novel": ["eleven"]}
    )
    failed = ClaimVerdict("The bridge fell.", "", 0, 16, "error", None, evidence, error="HTTP 500 after 3 tries")
    result = SummaryResult("a", "", {"support": 0.2}, (doubtful, failed), False, failures=("2 claim(s) to check",))
    text = explain(result)
    assert f"  [unsupported 0.20] {CLAIM}\n      not in the article: eleven\n" in text
    assert f"      best evidence (0.70): {ARTICLE}" in text  # the passage that decided, not the most similar
    assert "  [error] The bridge fell.\n      judge error: HTTP 500 after 3 tries" in text
    assert "best evidence (0.90): Other." in text  # no deciding passage: the most similar one
