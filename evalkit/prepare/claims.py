"""Splitting a summary into claims: each sentence of a paragraph, each bullet; never a heading."""

from __future__ import annotations

from dataclasses import dataclass

from evalkit.errors import InputError
from evalkit.prepare.sentences import split_spans
from evalkit.read.capture import Capture

# Fragments shorter than this (e.g. "Yes." or a stray "Overall:") state nothing checkable.
MIN_CLAIM_CHARS = 8


@dataclass(frozen=True)
class Claim:
    """A checkable statement of the summary, with its section and offsets in `Capture.summary`."""

    text: str
    section: str
    start: int
    end: int


def split(capture: Capture) -> list[Claim]:
    """The claims of the capture's summary, in reading order."""
    claims: list[Claim] = []
    for block in capture.summary_blocks:
        if block.kind == "heading":
            continue
        spans = [(0, len(block.text))] if block.kind == "bullet" else split_spans(block.text)
        for a, b in spans:
            text = block.text[a:b]
            if len(text) >= MIN_CLAIM_CHARS and any(ch.isalpha() for ch in text):
                claims.append(Claim(text, block.section, block.start + a, block.start + b))
    if not claims:
        raise InputError(capture.source, "the summary has no claims to check")
    return claims
