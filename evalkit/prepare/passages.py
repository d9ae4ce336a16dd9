"""Article passages a claim is read against: sentences (long ones cut), 2-sentence windows, nearest by cosine.

Article sentences longer than the model's window are cut into word chunks, so no text is silently
truncated by the model; vectors come from the shared `Encoder` (unit length, so a dot is a cosine).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from evalkit.prepare.sentences import split
from evalkit.prepare.tokens import tokens
from evalkit.result import Evidence

# MiniLM reads 256 word pieces; 150 words stays under that for ordinary prose.
MAX_UNIT_WORDS = 150
TOP_SENTENCES = 3


def unigram_precision(claim: str, passage: str) -> float:
    """Share of the claim's (stemmed) unigrams that occur in the passage."""
    claim_tokens = tokens(claim)
    if not claim_tokens:
        return 0.0
    passage_tokens = set(tokens(passage))
    return sum(t in passage_tokens for t in claim_tokens) / len(claim_tokens)


def article_units(paragraphs: tuple[str, ...] | list[str]) -> list[str]:
    """Article sentences in order; an over-long sentence becomes several chunks the model can read."""
    units: list[str] = []
    for paragraph in paragraphs:
        for sentence in split(paragraph):
            words = sentence.split()
            if len(words) <= MAX_UNIT_WORDS:
                units.append(sentence)
            else:
                step = MAX_UNIT_WORDS
                units.extend(" ".join(words[i : i + step]) for i in range(0, len(words), step))
    return units


def windows(units: list[str]) -> list[str]:
    """Consecutive sentence pairs: a claim often fuses two neighbouring sentences."""
    return [f"{a} {b}" for a, b in zip(units, units[1:], strict=False)]


@dataclass(frozen=True)
class Match:
    """Where a claim sits against the article: its nearest sentences and nearest 2-sentence window."""

    sentences: tuple[Evidence, ...]
    window: Evidence | None

    @property
    def best(self) -> float:
        scores = [e.score for e in self.sentences] + ([self.window.score] if self.window else [])
        return max(scores, default=0.0)

    def evidence(self) -> tuple[Evidence, ...]:
        return self.sentences + ((self.window,) if self.window else ())


def match(claim: str, claim_vec: np.ndarray, units: list[str], unit_vecs: np.ndarray, window_vecs: np.ndarray) -> Match:
    """Top sentences and the best window for one claim, by cosine (vectors are unit length)."""
    sims = unit_vecs @ claim_vec
    top = np.argsort(-sims)[:TOP_SENTENCES]
    sentences = tuple(
        Evidence(units[i], float(sims[i]), unigram_precision(claim, units[i]), int(i), int(i) + 1) for i in top
    )
    window = None
    if len(window_vecs):
        wsims = window_vecs @ claim_vec
        w = int(np.argmax(wsims))
        text = f"{units[w]} {units[w + 1]}"
        window = Evidence(text, float(wsims[w]), unigram_precision(claim, text), w, w + 2)
    return Match(sentences, window)
