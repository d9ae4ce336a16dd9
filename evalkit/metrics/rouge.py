"""ROUGE of the summary (its claims) against the article body: rouge-score's numbers, computed faster.

Prediction = the summary, reference = the article, so precision is the share of the summary found in the
article (the faithfulness direction) and recall the share of the article the summary repeats. Same tokens
and numbers as `rouge_score.RougeScorer(ROUGE_TYPES, use_stemmer=True, split_summaries=False)` (pinned in
the tests), without its per-call re-tokenisation and Python O(n·m) LCS tables: the article is prepared once,
and LCS runs bit-parallel.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from evalkit.metrics import Batch, Column, Measured, Threshold
from evalkit.prepare.tokens import tokens

ROUGE_TYPES = ("rouge1", "rouge2", "rougeL", "rougeLsum")
_LABELS = {"rouge1": "ROUGE-1", "rouge2": "ROUGE-2", "rougeL": "ROUGE-L", "rougeLsum": "ROUGE-Lsum"}
_PARTS = {"precision": "P", "recall": "R", "f1": "F1"}


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
    """ROUGE of the summary (prediction) against the body (reference), per ROUGE type: precision, recall, f1."""
    pred, ref = _prepare("\n".join(summary_sentences)), _prepare_reference("\n".join(body_sentences))
    lcs = _score(_lcs_length(pred.tokens, ref.tokens), len(pred.tokens), len(ref.tokens))
    return {
        "rouge1": _ngram_score(1, pred, ref),
        "rouge2": _ngram_score(2, pred, ref),
        "rougeL": lcs,
        "rougeLsum": _summary_lcs(pred, ref),
    }


class Rouge:
    """ROUGE-1/2/L/Lsum precision, recall and F1 of the summary's claims against the article."""

    name = "rouge"
    version = "1"
    reads = frozenset({"claims", "units"})
    columns = tuple(
        Column(f"{kind}_{part}", f"{label} {short}", table=(kind, part) == ("rougeL", "f1"), detail=part != "f1")
        for kind, label in _LABELS.items()
        for part, short in _PARTS.items()
    )
    thresholds = (Threshold("min_rouge_l", "rougeL_f1", 0.0, 1.0),)

    def measure(self, batch: Batch) -> list[Measured]:
        out = []
        for s in batch.summaries:
            scores = rouge([c.text for c in s.claims], list(s.units))
            out.append(Measured({f"{k}_{p}": v for k, parts in scores.items() for p, v in parts.items()}))
        return out


ROUGE = Rouge()
