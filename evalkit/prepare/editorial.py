"""Editorial framing: the judgement or inference a claim adds to what its article reports.

The commonest unfaithfulness in AI summaries of news is not a false fact but framing: a true event
followed by "raises questions about", "signals a shift", "underscores the need for". Entailment models
and word overlap both miss it, because every fact in the claim is in the article. The phrases are
listed in `data/editorial.txt` and matched on ROUGE's stemmed tokens, so inflections match. Framing the
article itself carries (one of its sentences has all the phrase's content words: a quoted critic who
"raised questions") is the article's, not the summary's, and is not editorial.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources

from evalkit.prepare.tokens import tokens

GAP = "..."
MAX_GAP = 2  # words allowed where the lexicon writes "..."
_WORD = re.compile(r"[A-Za-z0-9]+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


@dataclass(frozen=True)
class Phrase:
    """One lexicon entry: stems in order, whether a gap may precede each, and the stems the evidence must
    carry for the framing to be the article's own."""

    stems: tuple[str, ...]
    gap_before: tuple[bool, ...]
    content: frozenset[str]


def _stems(text: str) -> list[tuple[str, int, int]]:
    """(stem, start, end) for each word of `text` that has a ROUGE token."""
    return [(stem, m.start(), m.end()) for m in _WORD.finditer(text) for stem in tokens(m.group())[:1]]


@cache
def lexicon() -> tuple[Phrase, ...]:
    # Imported here: scikit-learn takes seconds to import, which `evalkit show` never needs.
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    text = resources.files("evalkit").joinpath("data/editorial.txt").read_text("utf-8")
    phrases = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        stems: list[str] = []
        gaps: list[bool] = []
        gap = False
        for part in line.split():
            if part == GAP:
                gap = True
                continue
            for stem, _, _ in _stems(part):
                stems.append(stem)
                gaps.append(gap)
                gap = False
        words = [w.lower() for w in _WORD.findall(line)]
        content = frozenset(s for w in words if w not in ENGLISH_STOP_WORDS for s, _, _ in _stems(w))
        phrases.append(Phrase(tuple(stems), tuple(gaps), content or frozenset(stems)))
    return tuple(phrases)


def _match(phrase: Phrase, words: list[tuple[str, int, int]], start: int) -> int | None:
    """Index of the last claim word of `phrase` matched from word `start`, or None."""
    if words[start][0] != phrase.stems[0]:
        return None
    at = start
    for stem, gap in zip(phrase.stems[1:], phrase.gap_before[1:], strict=True):
        reach = range(at + 1, min(at + 2 + (MAX_GAP if gap else 0), len(words)))
        at = next((i for i in reach if words[i][0] == stem), -1)
        if at < 0:
            return None
    return at


def framing(claim: str) -> list[tuple[str, Phrase]]:
    """Each lexicon phrase in `claim`, as the claim words it spans, in claim order; overlaps keep the first."""
    words = _stems(claim)
    found: list[tuple[int, int, Phrase]] = []
    for start in range(len(words)):
        for phrase in lexicon():
            end = _match(phrase, words, start)
            if end is not None and not any(s <= start <= e for s, e, _ in found):
                found.append((start, end, phrase))
    return [(claim[words[s][1] : words[e][2]], phrase) for s, e, phrase in found]


def sentence_stems(text: str) -> tuple[frozenset[str], ...]:
    """The stems of each sentence of `text` (cut at end punctuation and line breaks: cheap, and enough to
    tell whether one sentence carries a phrase's words)."""
    return tuple(frozenset(tokens(s)) for s in _SENTENCE_END.split(text) if s.strip())


def editorial(claim: str, sentences: Iterable[frozenset[str]]) -> list[str]:
    """The claim's framing phrases that no sentence of the article (`sentence_stems`) carries."""
    found = framing(claim)
    if not found:
        return []
    sentences = tuple(sentences)
    return [text for text, phrase in found if not any(phrase.content <= s for s in sentences)]
