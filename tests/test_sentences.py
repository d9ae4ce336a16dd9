"""Sentence splitting: long one-paragraph documents in bounded windows, tokenised articles by their own
rule, and a warning for a document far past what its summary can cover."""

from __future__ import annotations

import random
import warnings
from concurrent.futures import ThreadPoolExecutor

import pysbd
import pytest

from evalkit.errors import EvalkitWarning
from evalkit.prepare import sentences
from evalkit.read.capture import LONG_DOCUMENT_CHARS, pair_capture

SUBJECTS = ["The council", "Dr. Ana Ruiz", "The U.S. embassy", "Officials in St. Louis", "The company", "Mr. Okafor"]
VERBS = ["said on Monday that", "announced that", "told reporters that", "wrote in a statement that"]
OBJECTS = [
    "the bridge would cost $3.5 million",
    "work starts in May",
    'the plan was "not final"',
    "about 40 people were hurt",
    "the vote was delayed to Jan. 12",
    "prices rose 2.4 percent",
]


def prose(count: int, seed: int = 0) -> list[str]:
    """`count` made-up news sentences with abbreviations, decimals and quotes that a splitter must keep whole."""
    rng = random.Random(seed)
    return [f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} ({n})." for n in range(count)]


@pytest.fixture
def widest(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The length of each text pysbd is given, with the memo emptied so every split is made afresh."""
    seen: list[int] = []
    segment = pysbd.Segmenter.segment

    def recording(self: pysbd.Segmenter, text: str) -> list[str]:
        seen.append(len(text))
        return segment(self, text)

    monkeypatch.setattr(pysbd.Segmenter, "segment", recording)
    monkeypatch.setattr(sentences, "_memo", type(sentences._memo)())
    return seen


def test_a_long_paragraph_reaches_pysbd_a_window_at_a_time(widest: list[int]) -> None:
    wanted = prose(800)  # about 50 KB in one paragraph: pysbd alone took 3 s and grew with the square
    text = " ".join(wanted)
    assert len(text) > 20 * sentences.WINDOW
    assert sentences.split(text) == wanted  # every sentence whole, none lost, none run together
    assert max(widest) <= sentences.WINDOW and sum(widest) < 1.5 * len(text)  # linear work


def test_windows_split_as_pysbd_does_on_the_whole(widest: list[int]) -> None:
    text = " ".join(prose(120, seed=3))  # about 7 KB: short enough for pysbd on the whole to be right
    whole = sentences._pysbd(text)
    assert list(sentences._segment(text)) == whole and len(whole) == 120


def test_a_run_on_without_sentence_ends_is_cut_at_spaces(widest: list[int]) -> None:
    text = " ".join(f"word{i}" for i in range(3000))  # about 27 KB and no full stop
    spans = sentences.split_spans(text)
    assert len(spans) > 1 and max(widest) <= sentences.WINDOW
    assert " ".join(text[a:b] for a, b in spans) == text  # cut only at spaces: nothing lost, no word broken
    assert all(b - a <= sentences.WINDOW for a, b in spans)


def test_a_document_far_past_its_summary_is_named_in_a_warning() -> None:
    document = " ".join(prose(2000))  # about 120 KB
    assert len(document) > LONG_DOCUMENT_CHARS
    with pytest.warns(EvalkitWarning, match=r"pairs.jsonl:3: the document is [\d,]+ characters, [\d,]+ times"):
        pair_capture("x", document, "The council said work starts in May.", "pairs.jsonl:3")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pair_capture("x", document, "\n".join(prose(40)), "pairs.jsonl:4")  # a long summary of a long report
        pair_capture("x", " ".join(prose(1000)), "The council said work starts in May.", "pairs.jsonl:5")


# Made-up articles in the style of the CNN/DailyMail sets REALSumm (lower-cased) and SummEval (cased) use:
# Penn Treebank tokens, a "( CNN )" dateline, `` and '' or straight quotes standing apart.
LOWER = (
    "( cnn ) -- a ferry carrying 300 people ran aground off the coast of crete on tuesday , officials said . "
    "the u.s. coast guard was not involved . no one was hurt , but the ship 's hull was damaged . "
    '" we were lucky , " said passenger maria lopez , 34 . " it could have been much worse . " '
    "repairs will take about 3.5 weeks ."
)
LOWER_SENTENCES = [
    "( cnn ) -- a ferry carrying 300 people ran aground off the coast of crete on tuesday , officials said .",
    "the u.s. coast guard was not involved .",
    "no one was hurt , but the ship 's hull was damaged .",
    '" we were lucky , " said passenger maria lopez , 34 .',
    '" it could have been much worse . "',
    "repairs will take about 3.5 weeks .",
]
CASED = (
    "( CNN ) A museum in Lyon has returned a painting stolen in 1971 . But the owners ' family says it is "
    "a copy . `` We want the real one back , '' said Dr. Paul Meyer . Who painted it ? Experts at the "
    "museum do n't know ."
)
CASED_SENTENCES = [
    "( CNN ) A museum in Lyon has returned a painting stolen in 1971 .",
    "But the owners ' family says it is a copy .",
    "`` We want the real one back , '' said Dr. Paul Meyer .",
    "Who painted it ?",
    "Experts at the museum do n't know .",
]


@pytest.mark.parametrize(("text", "wanted"), [(LOWER, LOWER_SENTENCES), (CASED, CASED_SENTENCES)])
def test_tokenised_articles_split_at_lone_sentence_marks(text: str, wanted: list[str]) -> None:
    assert sentences.is_tokenised(text)
    found = sentences.split(text)
    assert found == wanted
    assert all(s.strip("( )-").lower() not in ("cnn", "") for s in found)  # the dateline is no sentence


def test_ordinary_prose_is_not_taken_for_tokenised() -> None:
    for text in (
        " ".join(prose(30)),
        "He paused ... then left. Scores: 3 : 1 and 2 : 0.",
        'She said "no." Then, again, "no."',
    ):
        assert not sentences.is_tokenised(text)


def test_threads_splitting_at_once_get_their_own_sentences(widest: list[int]) -> None:
    """pysbd's Segmenter keeps the text it is splitting on itself: threads sharing one mixed their texts."""
    texts = [" ".join(prose(60, seed=n)) for n in range(8)]
    wanted = [sentences._pysbd(t) for t in texts]
    sentences._memo.clear()
    with ThreadPoolExecutor(4) as pool:
        found = list(pool.map(lambda t: list(sentences.split_spans(t)), texts * 3))
    assert found == wanted * 3
