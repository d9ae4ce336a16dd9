"""Coverage: key content picked from the article, judged against the summary, aggregated per summary."""

from __future__ import annotations

import numpy as np
import pytest

from evalkit.judges import PROBABILITY_BANDS, Bands, ClaimInput, Judgement, load_judge
from evalkit.metrics import coverage
from evalkit.metrics.coverage import Piece, coverage_batch, key_pieces, pieces, supported_evidence
from evalkit.result import ClaimVerdict, Evidence
from evalkit.settings import Settings

ARTICLE = [
    "Flooding closed the main rail line between Leeds and York on Monday morning.",
    "Engineers expect the line to reopen on Thursday, the operator said.",
    "Passengers are advised to take replacement buses, which leave every twenty minutes from Leeds station.",
    "The river rose two metres overnight after three days of heavy rain across the county.",
    "A local bakery won a regional prize for its sourdough last year.",
]


class KeywordJudge:
    """Supports a piece exactly when the summary contains its first word: outcomes known in advance."""

    id = "keyword"
    bands = PROBABILITY_BANDS

    def __init__(self) -> None:
        self.calls: list[int] = []

    def judge(self, claims: list[ClaimInput]) -> list[Judgement]:
        self.calls.append(len(claims))
        said = [set(p.sentence.lower().replace(".", "").split()) for c in claims for p in c.passages[-1:]]
        return [Judgement(float(c.text.split()[0].lower() in words)) for c, words in zip(claims, said, strict=True)]


class HashEncoder:
    """A stand-in for the MiniLM encoder: a fixed unit vector per text (the articles here are short enough
    that every piece is key, so the vectors only feed the evidence cosine)."""

    def encode(self, texts: list[str]) -> np.ndarray:
        vecs = np.array([np.random.default_rng(sum(map(ord, t))).normal(size=8) for t in texts]).reshape(-1, 8)
        return vecs / np.linalg.norm(vecs, axis=1, keepdims=True)


class ScriptedJudge:
    """Scores each piece from a table (unlisted pieces: 0), so which pieces are stated is known in advance."""

    id = "scripted"
    bands = PROBABILITY_BANDS

    def __init__(self, scores: dict[str, float]) -> None:
        self.scores = scores

    def judge(self, claims: list[ClaimInput]) -> list[Judgement]:
        return [Judgement(self.scores.get(c.text, 0.0)) for c in claims]


class EntailingJudge(ScriptedJudge):
    """Like `ScriptedJudge`, and reports an entailment probability apart from its score, as the bundled judge does."""

    def __init__(self, scores: dict[str, float], entail: dict[str, float]) -> None:
        super().__init__(scores)
        self.entail = entail

    def judge(self, claims: list[ClaimInput]) -> list[Judgement]:
        return [Judgement(self.scores.get(c.text, 0.0), -1, {"entail": self.entail[c.text]}) for c in claims]


def test_coverage_is_the_mean_amount_stated_graded_by_the_judges_entailment() -> None:
    """Two summaries with the same verdicts (none stated) differ in how close they came: the graded
    amount ranks them, where a count of stated pieces would tie them at zero."""
    found = [p.text for i, s in enumerate(ARTICLE) for p in pieces(i, s)]
    near = EntailingJudge({}, {text: 0.4 for text in found})
    far = EntailingJudge({}, {text: 0.1 for text in found})
    [closer] = coverage_batch([(ARTICLE, ["Rail line shut."])], HashEncoder(), near)
    [further] = coverage_batch([(ARTICLE, ["Rail line shut."])], HashEncoder(), far)
    assert closer.coverage == pytest.approx(0.4) and further.coverage == pytest.approx(0.1)
    assert {o.unit for o in closer.omitted} == set(closer.key)  # verdicts, not amounts, decide `omitted`
    # A judge without an entailment reading gives its score; an unscored piece states nothing.
    assert coverage.stated_amount(Judgement(0.7)) == 0.7
    assert coverage.stated_amount(Judgement(None, -1, {"entail": 0.9})) == 0.0


def _claim(verdict: str, score: float, start: int) -> ClaimVerdict:
    evidence = (Evidence(ARTICLE[start], 0.8, 0.5, start, start + 1),)
    return ClaimVerdict("a claim", "summary", 0, 7, verdict, score, evidence, decided_by=0)


def test_a_key_sentence_that_is_the_best_evidence_of_a_supported_claim_is_never_omitted() -> None:
    """The forward judge reads sentence 1 as what a claim states (0.96); the reverse reading of its
    pieces missed it. The page must not badge it `omitted` next to that evidence."""
    said = ["Flooding closed the Leeds to York line.", "It reopens Thursday."]
    judge = ScriptedJudge({pieces(0, ARTICLE[0])[0].text: 0.9})
    [plain] = coverage_batch([(ARTICLE, said)], HashEncoder(), judge)
    assert 1 in {o.unit for o in plain.omitted}
    shown = supported_evidence([_claim("supported", 0.96, 1), _claim("unsupported", 0.1, 3)])
    assert shown == {1}  # only a supported claim's best evidence is shown as stated
    [spared] = coverage_batch([(ARTICLE, said)], HashEncoder(), judge, evidence=[shown])
    assert 1 not in {o.unit for o in spared.omitted}
    assert 3 in {o.unit for o in spared.omitted}  # the unsupported claim's evidence spares nothing
    assert spared.coverage == plain.coverage  # what is shown changes the badge, not the score


def test_a_key_sentence_whose_content_the_summary_mostly_states_is_not_omitted() -> None:
    """Sentence 2 has a long stated clause and two short unstated ones: by count it is a third stated, by
    its content words mostly stated, so it is not `omitted`; sentence 3 with nothing stated is."""
    article = [
        *ARTICLE[:2],
        "Passengers travelling between Leeds and York should take replacement buses run by the operator, "
        "which leave from the station, the company said on Monday.",
        *ARTICLE[3:],
    ]
    long_piece, short_piece, _ = pieces(2, article[2])
    judge = ScriptedJudge({long_piece.text: 0.8, short_piece.text: 0.2})
    [result] = coverage_batch([(article, ["Passengers should take replacement buses."])], HashEncoder(), judge)
    assert 2 not in {o.unit for o in result.omitted}
    assert 3 in {o.unit for o in result.omitted}
    swapped = ScriptedJudge({long_piece.text: 0.2, short_piece.text: 0.8})
    [result] = coverage_batch([(article, ["Buses leave from the station."])], HashEncoder(), swapped)
    assert 2 in {o.unit for o in result.omitted}  # the stated half is the lesser part


def test_pieces_cut_at_clause_breaks_and_join_short_fragments() -> None:
    found = pieces(3, "Engineers expect the line to reopen on Thursday, the operator said.")
    assert [p.text for p in found] == ["Engineers expect the line to reopen on Thursday, the operator said."]
    found = pieces(0, "The storm cut power to ten thousand homes; crews worked through the night to restore it.")
    assert [p.text for p in found] == [
        "The storm cut power to ten thousand homes",
        "crews worked through the night to restore it.",
    ]
    assert {p.unit for p in found} == {0}


def test_pieces_split_sentences_the_splitter_missed_and_drop_empty_ones() -> None:
    # Lower-cased, tokenised text defeats the sentence splitter; its " . " still ends a piece.
    found = pieces(
        0, "( cnn ) the storm cut power to ten thousand homes . crews worked through the night to restore it ."
    )
    assert len(found) == 2
    assert pieces(0, "and so on .") == []


def test_key_pieces_keep_the_lead_then_the_most_central_in_article_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(coverage, "LEAD_PIECES", 1)
    found = [Piece(i, f"piece {i}") for i in range(4)]
    # The article has two topics; piece 2 lies between them, nearest its mean direction.
    vecs = np.array([[0.0, 1.0], [1.0, 0.0], [0.6, 0.8], [1.0, 0.0]])
    chosen = key_pieces(found, vecs, key=2)
    assert [p.unit for p in chosen] == [0, 2]
    assert key_pieces(found[:2], vecs[:2], key=2) == found[:2]


def test_coverage_is_the_share_of_key_pieces_stated(encoder) -> None:
    judge = KeywordJudge()
    said = ["Flooding shut Leeds to York line.", "Passengers should use buses."]
    [result] = coverage_batch([(ARTICLE, said)], encoder, judge)
    found = [p for i, s in enumerate(ARTICLE) for p in pieces(i, s)]
    stated = [p for p in found if p.text.startswith(("Flooding", "Passengers"))]
    assert [p.unit for p in stated] == [0, 2]
    assert result.coverage == pytest.approx(len(stated) / len(found))
    assert result.key == (0, 1, 2, 3, 4)
    omitted = {o.unit: o.text for o in result.omitted}
    assert 0 not in omitted
    assert omitted[1] == ARTICLE[1] and {3, 4} <= omitted.keys()
    assert result.stated == result.coverage  # scores of 0 and 1: the graded amount is the share stated
    # The bands decide what counts as stated by verdict (`omitted`, `stated`), not the graded amount.
    [lenient] = coverage_batch([(ARTICLE, said)], encoder, judge, Bands(0.0, 0.1))
    assert lenient.stated == 1.0 and lenient.omitted == ()
    assert lenient.coverage == result.coverage


def test_one_judge_call_for_the_whole_batch_and_an_empty_summary_covers_nothing(encoder) -> None:
    judge = KeywordJudge()
    results = coverage_batch([(ARTICLE, ["Flooding closed the line."]), (ARTICLE, [])], encoder, judge)
    assert len(judge.calls) == 1
    assert results[1].coverage == 0.0
    assert [o.unit for o in results[1].omitted] == list(results[1].key)


def test_a_summary_of_the_lead_covers_more_than_one_about_the_bakery(encoder) -> None:
    """With the shipped judge: stating the article's main news scores above stating its aside."""
    judge = load_judge(Settings())  # made once per process, shared with the other judge tests
    main = ["Flooding closed the rail line between Leeds and York on Monday.", "It should reopen on Thursday."]
    aside = ["A bakery won a regional prize for its sourdough."]
    covered, missed = coverage_batch([(ARTICLE, main), (ARTICLE, aside)], encoder, judge)
    assert 0.0 <= missed.coverage < covered.coverage <= 1.0
    assert 0 in {o.unit for o in missed.omitted}
    assert 0 not in {o.unit for o in covered.omitted}


def test_min_coverage_fails_a_summary_that_leaves_out_most_of_its_article(encoder) -> None:
    """End to end through the pipeline and the record: `coverage` and `omitted` in every record, and
    `min_coverage` turns a faithful but narrow summary into a failure naming the value and the limit."""
    from evalkit.read.capture import pair_capture
    from evalkit.scoring.pipeline import Job, score_batch

    settings = Settings(judge="lexical", cache=False, thresholds={"min_coverage": 0.5})
    article = "\n\n".join(ARTICLE)
    narrow = pair_capture("narrow", article, "A local bakery won a regional prize for its sourdough.", "narrow")
    broad = pair_capture("broad", article, " ".join(ARTICLE[:4]), "broad")
    narrow_result, broad_result = score_batch([Job("narrow", narrow, settings), Job("broad", broad, settings)], encoder)
    record = narrow_result.to_record()
    assert record["metrics"]["coverage"] < 0.5 and record["details"]["coverage"]["omitted"]
    assert any(f.startswith("coverage ") and f.endswith("< min_coverage 0.500") for f in narrow_result.failures)
    assert ARTICLE[0] in [o["text"] for o in record["details"]["coverage"]["omitted"]]
    assert broad_result.metrics["coverage"] > narrow_result.metrics["coverage"]
    assert not any("min_coverage" in f for f in broad_result.failures)
