"""The one place where text from any input becomes text evalkit scores, prints and stores.

It runs after the input's own syntax has been parsed (JSON, HTML), never on the raw bytes: NFKC turns a
full-width quote or backslash into a JSON one, and a full-width `<` into a tag, so normalising first
would change what the syntax means. Every string a record or the terminal can show (titles, claims,
article text, JSONL ids) passes through `clean`, so no later step meets a lone surrogate (which UTF-8
cannot encode: it broke cache keys and output files) or a terminal escape sequence.
"""

from __future__ import annotations

import re
import unicodedata

from evalkit.errors import InputError

# Zero-width characters that only split words invisibly; bidi embeddings and overrides, which reorder
# what a terminal shows (the marks U+200E/U+200F, which only hint direction, are kept).
_INVISIBLE = dict.fromkeys([0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, *range(0x202A, 0x202F), *range(0x2066, 0x206A)])
# Control characters other than tab and newline: escape sequences, NUL, DEL and the C1 range.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
# Typographic quotes a person may type straight (or the other way round) when copying a claim into a pin.
_QUOTES = str.maketrans(
    dict.fromkeys("\u2018\u2019\u201a\u201b\u2032", "'") | dict.fromkeys("\u201c\u201d\u201e\u201f\u2033", '"')
)


def clean(text: str, source: str) -> str:
    """`text` with line endings, invisible and control characters normalised, then NFKC.

    A lone surrogate (JSON's `"\\ud800"`) is not a character at all, so it is the input's error, reported
    against `source`, rather than something to guess a replacement for.
    """
    _no_surrogates(text, source)
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_INVISIBLE)
    return unicodedata.normalize("NFKC", _CONTROL.sub(" ", text))


def comparable(text: str) -> str:
    """`text` in the form two spellings of one claim share: `clean`ed (NFKC, no zero-width or control
    characters), typographic quotes made straight and runs of white space made one space.

    For matching a claim written by hand (a sidecar's pin key) against the claim read from a capture: NFD
    accents, curly quotes or a zero-width joiner in either must not make them two claims.
    """
    return " ".join(clean(_SURROGATE.sub("\ufffd", text), "").translate(_QUOTES).split())


def identifier(text: str, source: str) -> str:
    """A row's own id, kept as written (it names the row to the user) but safe to store and print."""
    _no_surrogates(text, source)
    return printable(text)


def _no_surrogates(text: str, source: str) -> None:
    if bad := _SURROGATE.search(text):
        raise InputError(source, f"contains a lone surrogate (U+{ord(bad.group()):04X}), which is not a character")


def printable(text: str) -> str:
    """`text` safe to print: control characters and undecodable bytes of a file name shown escaped.

    For names evalkit did not read through `clean` (paths from the file system or the command line).
    """
    try:
        text = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a surrogate that is not an escaped byte
        text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
