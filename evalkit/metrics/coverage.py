"""Coverage: how much of the article's key content a summary states, judged in the reverse direction.

Key content is clause-sized pieces of the article (`pieces`): a news sentence packs several facts, and a
summary that states one of them should get credit for that one; whole sentences ranked summaries worse
than their length does. The key pieces are the lead's and the most central of the rest (`key_pieces`).
Each is a claim for the same judge that checks the summary's claims, read against the whole summary
(a few sentences: it fits the judge's window, and content spread over its sentences is read together).
`coverage` is the mean amount of each key piece the summary states (`stated_amount`: the judge's
entailment probability, graded rather than counted), so a summary that states more of the main facts
scores higher; its length is not normalised away. A key sentence is `omitted` when the judge finds most
of its key content (by content words) not stated, and never while it is the best evidence of one of the
summary's supported claims: the two directions of the same judge must not contradict each other on one
page. The choices (`LEAD_PIECES`, `KEY_PIECES`, the whole summary as the one passage, the mean
entailment rather than a count of verdicts, no length term) were made on the first 20 articles of each
benchmark set's shuffle, which its figures leave out; `docs/coverage.md`.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np

from evalkit.judges import Bands, ClaimInput, Judge, Judgement, judge_all
from evalkit.metrics import Batch, Column, Measured, Threshold
from evalkit.prepare import passages, support
from evalkit.prepare.encoder import Encoder
from evalkit.result import ClaimVerdict, Evidence

LEAD_PIECES = 4  # news leads carry the main facts; CNN/DM reference highlights come mostly from them
KEY_PIECES = 14  # the lead's pieces plus the 10 most central of the rest
MIN_PIECE_WORDS = 5  # shorter fragments ("the minister said") join their neighbour
# Clause breaks, and sentence ends inside a unit: lower-cased, tokenised text (". the") defeats the splitter.
_CLAUSE_BREAK = re.compile(r"\s*(?:[,;:.!?]|--)\s+")


@dataclass(frozen=True)
class Piece:
    """A clause of an article sentence: what the judge checks against the summary."""

    unit: int  # index of its sentence in the article's units
    text: str


@dataclass(frozen=True)
class Omitted:
    """A key article sentence the summary leaves out, with its index in the article's units."""

    unit: int
    text: str


@dataclass(frozen=True)
class Coverage:
    """One summary's coverage of its article's key content."""

    coverage: float  # mean amount of the key pieces the summary states, in [0, 1]
    key: tuple[int, ...]  # unit indices of the sentences holding key pieces, in article order
    omitted: tuple[Omitted, ...]
    stated: float = 0.0  # share of the key pieces with a verdict of weak or supported (version 1's coverage)


def pieces(unit: int, sentence: str) -> list[Piece]:
    """The sentence cut at commas, semicolons, colons, dashes and sentence ends into pieces of at least
    `MIN_PIECE_WORDS` words; a piece with no content word ("and so on") states nothing and is dropped."""
    merged: list[str] = []
    for fragment in _CLAUSE_BREAK.split(sentence):
        if merged and len(merged[-1].split()) < MIN_PIECE_WORDS:
            merged[-1] = f"{merged[-1]}, {fragment}"
        else:
            merged.append(fragment)
    if len(merged) > 1 and len(merged[-1].split()) < MIN_PIECE_WORDS:
        merged[-2:] = [f"{merged[-2]}, {merged[-1]}"]
    return [Piece(unit, text) for text in merged if support.content_words(text)]


def key_pieces(found: list[Piece], vecs: np.ndarray, key: int = KEY_PIECES) -> list[Piece]:
    """The lead's pieces, then those nearest the article's mean direction (centrality), in article order.

    Centrality finds what the article keeps returning to; the lead adds what a news article states
    first, which centrality alone misses when the first sentences are short and specific."""
    if len(found) <= key:
        return found
    centre = vecs.mean(axis=0)
    rest = sorted(range(LEAD_PIECES, len(found)), key=lambda i: -float(vecs[i] @ centre))
    return [found[i] for i in sorted([*range(LEAD_PIECES), *rest[: key - LEAD_PIECES]])]


@dataclass(frozen=True)
class _Item:
    units: list[str]
    pieces: list[Piece]
    inputs: list[ClaimInput]


def coverage_batch(
    summaries: list[tuple[list[str], list[str]]],
    encoder: Encoder,
    judge: Judge,
    bands: Bands | None = None,
    evidence: Sequence[Collection[int]] | None = None,
    key: int = KEY_PIECES,
) -> list[Coverage]:
    """Coverage of each (article units, summary claim texts) pair, with one judge call for the batch.

    `bands` (default: the judge's own) say which scores count as stated. `evidence` gives, per summary,
    the units that are the best evidence of its supported claims (`supported_evidence`): those are never
    `omitted`. `key` key pieces per article (the benchmark sets it to measure version 1's 10 beside
    today's). An article shared by several summaries is cut and ranked once."""
    stated_at = (bands or judge.bands).threshold
    every_of = {tuple(units): [p for i, unit in enumerate(units) for p in pieces(i, unit)] for units, _ in summaries}
    wholes = [" ".join(claims) for _, claims in summaries]
    texts = [p.text for found in every_of.values() for p in found] + wholes
    encoder.encode(list(dict.fromkeys(texts)))  # one batched pass; the lookups below hit the memo
    key_of = {
        units: key_pieces(found, encoder.encode([p.text for p in found]), key) for units, found in every_of.items()
    }
    items = []
    for (units, claims), whole in zip(summaries, wholes, strict=True):
        found = key_of[tuple(units)]
        inputs = []
        if claims:  # a summary that says nothing states none of the key content
            whole_vec = encoder.encode([whole])[0]
            summary = support.index_article(whole)
            inputs = [
                ClaimInput(p.text, _evidence(p.text, float(vec @ whole_vec), whole, len(claims)), summary)
                for p, vec in zip(found, encoder.encode([p.text for p in found]), strict=True)
            ]
        items.append(_Item(units, found, inputs))
    answers = judge_all(judge, [i for item in items for i in item.inputs])
    broken = next((problem for _, problem in answers if problem), None)
    if broken:  # a judge breaking its contract gives no coverage, rather than a 0 that looks measured
        raise ValueError(broken)
    judged = iter(answers)
    shown = evidence or [()] * len(items)
    return [
        _aggregate(item, [next(judged)[0] for _ in item.inputs], stated_at, frozenset(used))
        for item, used in zip(items, shown, strict=True)
    ]


def supported_evidence(claims: Sequence[ClaimVerdict]) -> frozenset[int]:
    """The article units that are the best evidence (`ClaimVerdict.best`) of a supported claim: the page
    shows them as what the summary states, so coverage must not call them left out."""
    spans = (c.best for c in claims if c.verdict == "supported")
    return frozenset(i for best in spans if best is not None for i in range(best.start, best.end))


def _evidence(piece: str, cosine: float, whole: str, sentences: int) -> passages.Match:
    """The whole summary as the one passage a piece is read against (reading each summary sentence
    as well doubled the judge's work and ranked no better on the tuning articles)."""
    return passages.Match((Evidence(whole, cosine, passages.unigram_precision(piece, whole), 0, sentences),), None)


def stated_amount(judgement: Judgement) -> float:
    """How much of a key piece the summary states, graded in [0, 1]: the entailment probability where the
    judge reads one (the bundled judge's cross-encoder, `entail`), else its score.

    Graded, not counted: a verdict throws away how close a piece came, and the judge's score is calibrated
    to sort claims into verdicts (its head also weighs names the *piece* holds), not to add up; on the
    tuning articles the mean entailment ranked summaries better than the count of stated pieces or the
    mean score (docs/coverage.md)."""
    if judgement.score is None:
        return 0.0
    return float(judgement.signals.get("entail", judgement.score))


def _aggregate(item: _Item, judged: list[Judgement], stated_at: float, shown: frozenset[int]) -> Coverage:
    """Mean amount stated over the key pieces, and the key sentences mostly left out.

    A piece the judge could not score, or that had no summary to be read against, states nothing:
    coverage is never overstated. `omitted` goes by verdict (stated: weak or supported), weighs each
    piece by its content words (a long stated clause is most of its sentence, a short unstated one is
    not) and spares the units in `shown`."""
    key = sorted({p.unit for p in item.pieces})
    said = [j.score is not None and j.score >= stated_at for j in judged] or [False] * len(item.pieces)
    words_stated = dict.fromkeys(key, 0)
    words = dict.fromkeys(key, 0)
    for piece, stated in zip(item.pieces, said, strict=True):
        weight = len(support.content_words(piece.text))
        words_stated[piece.unit] += weight * stated
        words[piece.unit] += weight
    left_out = [i for i in key if 2 * words_stated[i] < words[i] and i not in shown]
    omitted = tuple(Omitted(i, item.units[i]) for i in left_out)
    amount = sum(stated_amount(j) for j in judged) / len(item.pieces) if item.pieces else 0.0
    return Coverage(amount, tuple(key), omitted, sum(said) / len(item.pieces) if item.pieces else 0.0)


class CoverageMetric:
    """`coverage` per summary and, in its details, the key sentences it leaves out (`omitted`)."""

    name = "coverage"
    version = "2"
    reads = frozenset({"claims", "units", "encoder", "judge", "bands"})
    # Experimental: out of the terminal table unless asked for (`table_columns = ["coverage"]`), because
    # it does not yet rank one article's summaries better than their length on REALSumm (docs/coverage.md).
    columns = (Column("coverage", "coverage", table=True, opt_in=True),)
    thresholds = (Threshold("min_coverage", "coverage", 0.0, 1.0),)

    def measure(self, batch: Batch) -> list[Measured]:
        out: list[Measured | None] = [None] * len(batch.summaries)
        by_bands: dict[Bands, list[int]] = {}
        for i, s in enumerate(batch.summaries):  # bands differ only where a sidecar sets them
            by_bands.setdefault(s.bands, []).append(i)
        for bands, indices in by_bands.items():
            pairs = [(list(batch.summaries[i].units), [c.text for c in batch.summaries[i].claims]) for i in indices]
            shown = [supported_evidence(batch.summaries[i].claims) for i in indices]
            found_all = coverage_batch(pairs, batch.encoder, batch.judge, bands, shown)
            for i, found in zip(indices, found_all, strict=True):
                omitted = [{"unit": o.unit, "text": o.text} for o in found.omitted]
                out[i] = Measured({"coverage": found.coverage}, {"key": list(found.key), "omitted": omitted})
        return [m for m in out if m is not None]


COVERAGE = CoverageMetric()
