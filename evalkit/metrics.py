"""Overlap scores of a summary against its article, and the article passages nearest each claim.

ROUGE comes from `rouge-score` (stemming on). Embedding scores use the shared `Encoder`; article
sentences longer than the model's window are cut into word chunks first, so no text is silently
truncated by the model.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

import numpy as np

from evalkit.result import Evidence
from evalkit.sentences import split

if TYPE_CHECKING:
    from rouge_score import rouge_scorer, tokenizers

ROUGE_TYPES = ("rouge1", "rouge2", "rougeL", "rougeLsum")
# MiniLM reads 256 word pieces; 150 words stays under that for ordinary prose.
MAX_UNIT_WORDS = 150
TOP_SENTENCES = 3


@cache
def _scorer() -> rouge_scorer.RougeScorer:
    # Imported on first use: rouge-score pulls in all of NLTK (seconds), which `evalkit show` never needs.
    from rouge_score import rouge_scorer

    return rouge_scorer.RougeScorer(list(ROUGE_TYPES), use_stemmer=True, split_summaries=False)


@cache
def _tokenizer() -> tokenizers.DefaultTokenizer:
    from rouge_score import tokenizers

    return tokenizers.DefaultTokenizer(use_stemmer=True)


def tokens(text: str) -> tuple[str, ...]:
    """rouge-score's own tokens (lower-cased, stemmed), memoised because texts repeat across claims."""
    return _tokens(text)


@cache
def _tokens(text: str) -> tuple[str, ...]:
    return tuple(_tokenizer().tokenize(text))


def rouge(summary_sentences: list[str], body_sentences: list[str]) -> dict[str, dict[str, float]]:
    """ROUGE of the summary (prediction) against the body (reference): precision = share of the
    summary found in the article, which is the direction faithfulness cares about."""
    scores = _scorer().score("\n".join(body_sentences), "\n".join(summary_sentences))
    return {
        name: {"precision": s.precision, "recall": s.recall, "f1": s.fmeasure}
        for name, s in ((n, scores[n]) for n in ROUGE_TYPES)
    }


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


def document_similarity(claim_vecs: np.ndarray, unit_vecs: np.ndarray) -> float:
    """Cosine between the summary's and the article's mean sentence embeddings."""
    if not len(claim_vecs) or not len(unit_vecs):
        return 0.0
    a, b = claim_vecs.mean(axis=0), unit_vecs.mean(axis=0)
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-12))
