"""Text normalisation after parsing: lone surrogates are errors, escapes never survive, NFKC still applies."""

from __future__ import annotations

import pytest

from evalkit.errors import InputError
from evalkit.text import clean, identifier, printable


def test_lone_surrogate_is_the_sources_error() -> None:
    with pytest.raises(InputError, match=r"^pairs.jsonl:3: contains a lone surrogate \(U\+D800\)"):
        clean("good \ud800 text", "pairs.jsonl:3")
    with pytest.raises(InputError, match="lone surrogate"):
        identifier("id-\udfff", "pairs.jsonl:3: id")


def test_controls_bidi_and_invisibles_go_and_nfkc_applies() -> None:
    assert clean("Title \x1b[2J\x1b]0;pwned\x07 end", "x") == "Title  [2J ]0;pwned  end"
    assert clean("a\r\nb\rc\x00d\x9be", "x") == "a\nb\nc d e"
    assert clean("ab\u202ecd\u200bef", "x") == "abcdef"
    assert clean("\uff02quoted\uff02 \uff3c and \uff21\uff29", "x") == '"quoted" \\ and AI'
    assert clean("tab\tand\nnewline", "x") == "tab\tand\nnewline"


def test_printable_escapes_what_a_terminal_would_act_on() -> None:
    assert printable("refs/\x1b[31mred.txt") == "refs/\\x1b[31mred.txt"
    assert printable("refs/caf\udce9.txt") == "refs/caf\\xe9.txt"  # an undecodable byte of a file name
    assert printable("id-\ud800") == "id-\\ud800"
    assert printable("plain/naïve.txt") == "plain/naïve.txt"
    assert identifier("row \x1b[1m7", "x") == "row \\x1b[1m7"
