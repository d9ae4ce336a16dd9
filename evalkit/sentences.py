"""Sentence splitting with pysbd: rule-based, offline, and careful with "U.S." and "Dr.".

NLTK's punkt needs a data download and blingfire splits after most abbreviations; pysbd's
Golden Rules handle news abbreviations, initials and decimals without any model files.
"""

from __future__ import annotations

from functools import lru_cache

import pysbd

_segmenter = pysbd.Segmenter(language="en", clean=False)


@lru_cache(maxsize=65536)
def split_spans(text: str) -> tuple[tuple[int, int], ...]:
    """(start, end) offsets of each sentence of `text`, whitespace trimmed."""
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


def split(text: str) -> list[str]:
    """The sentences of `text`."""
    return [text[a:b] for a, b in split_spans(text)]
