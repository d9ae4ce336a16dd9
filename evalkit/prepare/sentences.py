"""Sentence splitting with pysbd: rule-based, offline, and careful with "U.S." and "Dr.".

NLTK's punkt needs a data download and blingfire splits after most abbreviations; pysbd's
Golden Rules handle news abbreviations, initials and decimals without any model files.

pysbd is pure Python (about 5 ms a paragraph), so splits are memoised per text in process (bounded
LRU) and, through `preload`, kept in the persistent cache next to the vectors: a warm re-run then
splits nothing.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np
import pysbd

if TYPE_CHECKING:
    from evalkit.prepare.cache import VectorCache

Spans = tuple[tuple[int, int], ...]

NAMESPACE = f"spans:pysbd-{pysbd.__version__}"
MEMO_SIZE = 65536

_segmenter = pysbd.Segmenter(language="en", clean=False)
_memo: OrderedDict[str, Spans] = OrderedDict()


def _segment(text: str) -> Spans:
    spans: list[tuple[int, int]] = []
    offset = 0
    for sentence in _segmenter.segment(text):
        stripped = sentence.strip()
        if not stripped:
            continue
        start = text.find(stripped, offset)
        if start < 0:  # pysbd altered the text; fall back to the running offset
            start = offset
        spans.append((start, start + len(stripped)))
        offset = start + len(stripped)
    return tuple(spans)


def _remember(text: str, spans: Spans) -> None:
    _memo[text] = spans
    if len(_memo) > MEMO_SIZE:
        _memo.popitem(last=False)


def split_spans(text: str) -> Spans:
    """(start, end) offsets of each sentence of `text`, whitespace trimmed."""
    spans = _memo.get(text)
    if spans is None:
        spans = _segment(text)
        _remember(text, spans)
    else:
        _memo.move_to_end(text)
    return spans


def split(text: str) -> list[str]:
    """The sentences of `text`."""
    return [text[a:b] for a, b in split_spans(text)]


def _pairs(flat: np.ndarray) -> bool:
    return len(flat) % 2 == 0


def preload(texts: Iterable[str], cache: VectorCache | None) -> None:
    """Split a batch's texts once, reading earlier splits from `cache` and storing new ones there."""
    todo = [t for t in dict.fromkeys(texts) if t not in _memo]
    if not todo:
        return
    if cache is not None:
        for text, flat in cache.get_many(NAMESPACE, todo, np.int32, _pairs).items():
            _remember(text, tuple((int(a), int(b)) for a, b in flat.reshape(-1, 2)))
    fresh = {t: _segment(t) for t in todo if t not in _memo}
    for text, spans in fresh.items():
        _remember(text, spans)
    if cache is not None:
        cache.put_many(NAMESPACE, {t: np.array(s, dtype=np.int32).reshape(-1) for t, s in fresh.items()}, np.int32)
