"""Colour for the terminal: verdicts and pass/fail stand out, and never where colour is unwanted.

Colour is on only when the stream is a terminal and `NO_COLOR` is unset or empty (no-color.org), so
pipes, CI logs and files get plain text, byte for byte what they got before.
"""

from __future__ import annotations

import os
from typing import TextIO

# SGR codes: green, yellow, red, bold red, magenta.
_CODES = {
    "pass": "32",
    "supported": "32",
    "weak": "33",
    "unsupported": "31",
    "FAIL": "1;31",
    "ERROR": "1;31",
    "error": "35",
}


def wanted(stream: TextIO) -> bool:
    """True when `stream` is a terminal and the user has not asked for no colour."""
    return not os.environ.get("NO_COLOR") and hasattr(stream, "isatty") and stream.isatty()


def paint(text: str, key: str, on: bool) -> str:
    """`text` in the colour for `key` (a verdict or a result word) when `on`, else unchanged."""
    code = _CODES.get(key)
    return f"\x1b[{code}m{text}\x1b[0m" if on and code else text
