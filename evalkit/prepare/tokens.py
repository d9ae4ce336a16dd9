"""ROUGE tokens: rouge-score's words (lower-cased, Porter-stemmed) plus the words of other scripts.

One tokeniser for everything that counts words (ROUGE, the judges' overlap signals, the reasons a claim
may be wrong), memoised because the same texts are tokenised again and again.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from typing import TYPE_CHECKING

import regex

if TYPE_CHECKING:
    from nltk.stem.porter import PorterStemmer

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


