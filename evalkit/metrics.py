"""Overlap scores of a summary against its article, and the article passages nearest each claim.

ROUGE is rouge-score's (stemming on; same tokens, same numbers) computed faster, see `rouge`. Embedding
scores use the shared `Encoder`; article sentences longer than the model's window are cut into word
chunks first, so no text is silently truncated by the model.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import TYPE_CHECKING

import numpy as np
import regex

from evalkit.result import Evidence
from evalkit.sentences import split

if TYPE_CHECKING:
    from nltk.stem.porter import PorterStemmer

ROUGE_TYPES = ("rouge1", "rouge2", "rougeL", "rougeLsum")
# MiniLM reads 256 word pieces; 150 words stays under that for ordinary prose.
MAX_UNIT_WORDS = 150
TOP_SENTENCES = 3
_VALID_TOKEN = re.compile(r"^[a-z0-9]+$")
# Scripts written without spaces between words: each character is a token (as for CJK in sacrebleu's
# "char" and rouge's multilingual variants), since a run of them is a whole phrase.
_PER_CHARACTER = r"\p{Han}\p{Hiragana}\p{Katakana}\p{Thai}\p{Lao}\p{Khmer}\p{Myanmar}"
# Letters and digits of every other script except Latin and the shared (Common, Inherited) characters, which
# rouge-score's rule covers: a word of them runs on through combining marks (Arabic vowels, Devanagari signs).
_WORD_START = rf"[[\p{{L}}\p{{N}}]--[\p{{Latin}}\p{{Common}}\p{{Inherited}}{_PER_CHARACTER}]]"
_TOKEN = regex.compile(rf"[a-z0-9]+|[{_PER_CHARACTER}]|{_WORD_START}(?:{_WORD_START}|\p{{M}})*", regex.V1)


@cache
def _stemmer() -> PorterStemmer:
    # Imported on first use: NLTK takes seconds to import, which `evalkit show` never needs.
    from nltk.stem.porter import PorterStemmer

    return PorterStemmer()


@lru_cache(maxsize=1 << 18)
def _stem(word: str) -> str:
    """rouge-score stems words longer than 3 characters; memoised per word because vocabularies repeat."""
    stem = _stemmer().stem(word) if len(word) > 3 else word
    return stem if _VALID_TOKEN.match(stem) else ""


def tokens(text: str) -> tuple[str, ...]:
    """ROUGE tokens (lower-cased, stemmed), memoised because texts repeat across claims.

    Text in Latin script gets rouge-score's own tokens: runs of a-z and 0-9, Porter-stemmed (an accented
    letter splits a word, as there). rouge-score drops every other script, which scored Chinese or Arabic
    summaries 0.000; here a character of a script written without spaces (Chinese, Japanese, Thai, Lao,
    Khmer, Burmese) is a token, and a word of any other script (Arabic, Cyrillic, Greek, Hangul,
    Devanagari, ...) is a token, unstemmed.
    """
    return _tokens(text)


@lru_cache(maxsize=1 << 16)
def _tokens(text: str) -> tuple[str, ...]:
    # rouge_score.tokenize's steps (lower, runs of a-z0-9, stem, drop empties) plus the other scripts' words.
    return tuple(s for w in _TOKEN.findall(text.lower()) if (s := _stem(w) if w.isascii() else w))


@dataclass(frozen=True)
class _Text:
    """One side of a ROUGE comparison, prepared once: the article side is shared by all its summaries."""

    tokens: tuple[str, ...]
    ngrams: tuple[Counter, Counter]
    lines: tuple[tuple[str, ...], ...]  # rougeLsum's newline-separated sentences, tokenised


def _prepare(text: str) -> _Text:
    lines = tuple(tokens(line) for line in text.split("\n") if line)
    # Tokens never span a newline (a non-alphanumeric), so the whole text's tokens are the lines' tokens joined.
    flat = tuple(t for line in lines for t in line)
    return _Text(flat, (Counter(flat), Counter(zip(flat, flat[1:], strict=False))), lines)


# An article's prepared side is reused by every summary of it; a few dozen cover a batch.
_prepare_reference = lru_cache(maxsize=64)(_prepare)


def _positions(seq: tuple[str, ...]) -> dict[str, int]:
    """token -> bitmask of where it occurs in `seq`."""
    masks: dict[str, int] = {}
    for i, token in enumerate(seq):
        masks[token] = masks.get(token, 0) | (1 << i)
    return masks


def _lcs_rows(seq: tuple[str, ...], positions: dict[str, int], width: int) -> list[int]:
    """Bit-parallel LCS (Allison-Dix / Hyyrö) of `seq` against the sequence whose `positions` are given:
    row i has a 0 bit at each column where the LCS of seq[:i] and that prefix grows, so DP cell (i, j) is j
    minus the 1 bits below j. One Python step per token of `seq` instead of one per table cell, and no table:
    with the short side as the bits, ROUGE-L on a 50,000-word body costs a few ms and no memory."""
    full = (1 << width) - 1
    row = full
    rows = [row]
    for token in seq:
        match = row & positions.get(token, 0)
        row = ((row + match) | (row - match)) & full
        rows.append(row)
    return rows


def _lcs_length(a: tuple[str, ...], b: tuple[str, ...]) -> int:
    short, long = sorted((a, b), key=len)
    return len(short) - _lcs_rows(long, _positions(short), len(short))[-1].bit_count()


def _lcs_indices(ref: tuple[str, ...], can: tuple[str, ...], can_positions: dict[str, int]) -> list[int]:
    """Indices into `ref` of the one LCS that rouge-score's table backtrack picks (same tie-breaking)."""
    rows = _lcs_rows(ref, can_positions, len(can))
    i, j, found = len(ref), len(can), []
    while i > 0 and j > 0:
        if ref[i - 1] == can[j - 1]:
            found.append(i - 1)
            i -= 1
            j -= 1
        # cell(i, j - 1) > cell(i - 1, j), with cell(i, j) = j - popcount(rows[i] below bit j)
        elif (j - 1) - (rows[i] & ((1 << (j - 1)) - 1)).bit_count() > j - (rows[i - 1] & ((1 << j) - 1)).bit_count():
            j -= 1
        else:
            i -= 1
    return found[::-1]


def _score(hits: int, predicted: int, reference: int) -> dict[str, float]:
    precision = hits / predicted if predicted else 0.0
    recall = hits / reference if reference else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def _ngram_score(n: int, pred: _Text, ref: _Text) -> dict[str, float]:
    p, r = pred.ngrams[n - 1], ref.ngrams[n - 1]
    hits = sum(min(count, r[gram]) for gram, count in p.items())
    return _score(hits, max(sum(p.values()), 1), max(sum(r.values()), 1))


def _summary_lcs(pred: _Text, ref: _Text) -> dict[str, float]:
    """rougeLsum: union LCS of each reference line against every predicted line, counts capped per token."""
    m, n = len(ref.tokens), len(pred.tokens)
    if not ref.lines or not pred.lines or not m or not n:
        return _score(0, 1, 1)
    left_ref, left_pred = Counter(ref.tokens), Counter(pred.tokens)
    candidates = [(line, set(line), _positions(line)) for line in pred.lines]
    hits = 0
    for line in ref.lines:
        vocab = set(line)
        union: set[int] = set()
        for can, can_vocab, can_positions in candidates:
            if vocab & can_vocab:  # no shared token: the LCS is empty, skip the table
                union.update(_lcs_indices(line, can, can_positions))
        for token in (line[i] for i in sorted(union)):
            if left_pred[token] > 0 and left_ref[token] > 0:
                hits += 1
                left_pred[token] -= 1
                left_ref[token] -= 1
    return _score(hits, n, m)


def rouge(summary_sentences: list[str], body_sentences: list[str]) -> dict[str, dict[str, float]]:
    """ROUGE of the summary (prediction) against the body (reference): precision = share of the
    summary found in the article, which is the direction faithfulness cares about.

    Same numbers as `rouge_score.RougeScorer(ROUGE_TYPES, use_stemmer=True, split_summaries=False)`
    (pinned in the tests), computed without its per-call re-tokenisation and Python O(n·m) LCS tables:
    the body is prepared once per article, and LCS runs bit-parallel."""
    pred, ref = _prepare("\n".join(summary_sentences)), _prepare_reference("\n".join(body_sentences))
    lcs = _score(_lcs_length(pred.tokens, ref.tokens), len(pred.tokens), len(ref.tokens))
    return {
        "rouge1": _ngram_score(1, pred, ref),
        "rouge2": _ngram_score(2, pred, ref),
        "rougeL": lcs,
        "rougeLsum": _summary_lcs(pred, ref),
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
