"""Sentence splitting with pysbd: rule-based, offline, and careful with "U.S." and "Dr.".

NLTK's punkt needs a data download and blingfire splits after most abbreviations; pysbd's
Golden Rules handle news abbreviations, initials and decimals without any model files.

pysbd is pure Python (about 5 ms a paragraph), so splits are memoised per text in process (bounded
LRU) and, through `preload`, kept in the persistent cache next to the vectors: a warm re-run then
splits nothing.

pysbd's time grows with the square of the text it is given (a 100 KB paragraph took 12 s, a 4.9 MB
one did not finish in 900 s), so a paragraph longer than `WINDOW` is split a window at a time: the
sentences pysbd finds in a window are kept but for the last, which may run past the window's end and
is split again at the start of the next. The time is then linear in the paragraph's length
(`benchmarks/long_documents.py`).

Tokenised text (Penn Treebank style, as in the CNN/DailyMail sets REALSumm and SummEval use:
"( CNN ) -- the ...", "kathmandu , nepal . and they ...") defeats pysbd: it made "( CNN )" a sentence
and ran the next three together. There every punctuation mark stands apart and abbreviations keep
their period ("u.s.", "v."), so a lone ".", "!" or "?" ends a sentence whatever case follows: such a
paragraph is split by that rule instead.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np
import pysbd

if TYPE_CHECKING:
    from evalkit.prepare.cache import VectorCache

Spans = tuple[tuple[int, int], ...]

SPLITTER = f"pysbd-{pysbd.__version__}+w2000+ptb"  # in the run signature and the cache: a new rule, new splits
NAMESPACE = f"spans:{SPLITTER}"
WINDOW = 2000  # characters pysbd sees at once: its time per character is least at 1-2 KB
MARGIN = 200  # a sentence ending this close to a window's end is split again with what follows
MEMO_SIZE = 65536

_segmenters = threading.local()  # one pysbd Segmenter per thread: `segment` keeps its text on the instance
_SPACED = re.compile(r"(?<=\s)[,.!?;:](?=\s|$)")  # punctuation standing apart: " , ", " . "
_ATTACHED = re.compile(r"(?<=\w)[,;:!?](?=\s|$)")  # punctuation on its word: ", " in ordinary prose
_TOKEN = re.compile(r"\S+")
_END = re.compile(r"[.!?]+")  # a whole token; "..." is left out: it pauses a sentence more often than it ends one
_CLOSING = frozenset({"''", "'", ")", "]", "”", "’", "-rrb-"})
_memo: OrderedDict[str, Spans] = OrderedDict()
_memo_lock = threading.Lock()  # threads share the memo (`evalkit.score` from a web service)


def _pysbd(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    offset = 0
    segmenter = getattr(_segmenters, "segmenter", None)
    if segmenter is None:
        segmenter = _segmenters.segmenter = pysbd.Segmenter(language="en", clean=False)
    for sentence in segmenter.segment(text):
        stripped = sentence.strip()
        if not stripped:
            continue
        start = text.find(stripped, offset)
        if start < 0:  # pysbd altered the text; fall back to the running offset
            start = offset
        spans.append((start, start + len(stripped)))
        offset = start + len(stripped)
    return spans


def is_tokenised(text: str) -> bool:
    """Whether `text` is tokenised prose: its punctuation mostly stands apart from the words."""
    spaced = len(_SPACED.findall(text))
    return spaced >= 2 and spaced > 3 * len(_ATTACHED.findall(text))


def _tokenised(text: str) -> list[tuple[int, int]]:
    """Sentences of tokenised text: each ends at a lone ".", "!" or "?" and the closing quotes or
    brackets after it (a straight quote closes when an odd number of them came before it)."""
    spans: list[tuple[int, int]] = []
    start = end = last = -1
    quotes = 0
    for match in _TOKEN.finditer(text):
        token = match.group()
        if end >= 0:
            if token in _CLOSING or (token == '"' and quotes % 2 == 1):
                end = match.end()
                quotes += token == '"'
                continue
            spans.append((start, end))
            start = end = -1
        if start < 0:
            start = match.start()
        quotes += token == '"'
        last = match.end()
        if token != "..." and _END.fullmatch(token):
            end = match.end()
    if start >= 0:
        spans.append((start, end if end >= 0 else last))
    return spans


def _segment(text: str) -> Spans:
    """The sentences of `text`: by the tokenised rule, or with pysbd a window of at most `WINDOW`
    characters at a time."""
    if is_tokenised(text):
        return tuple(_tokenised(text))
    spans: list[tuple[int, int]] = []
    start = 0
    while len(text) - start > WINDOW:
        end = start + WINDOW
        found = [(a + start, b + start) for a, b in _pysbd(text[start:end])]
        kept = [s for s in found[:-1] if s[1] <= end - MARGIN]
        if kept:
            spans.extend(kept)
            start = found[len(kept)][0]
        else:  # no sentence ends in the window: a run-on is cut at its last space (or the window's end)
            cut = text.rfind(" ", start + MARGIN, end)
            cut = end if cut < 0 else cut
            piece = text[start:cut].strip()
            if piece:
                first = text.index(piece, start)
                spans.append((first, first + len(piece)))
            start = cut
    spans.extend((a + start, b + start) for a, b in _pysbd(text[start:]))
    return tuple(spans)


def _remember(text: str, spans: Spans) -> None:
    with _memo_lock:
        _memo[text] = spans
        if len(_memo) > MEMO_SIZE:
            _memo.popitem(last=False)


def _recalled(text: str) -> Spans | None:
    with _memo_lock:
        spans = _memo.get(text)
        if spans is not None:
            _memo.move_to_end(text)
        return spans


def split_spans(text: str) -> Spans:
    """(start, end) offsets of each sentence of `text`, whitespace trimmed."""
    spans = _recalled(text)
    if spans is None:
        spans = _segment(text)
        _remember(text, spans)
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
