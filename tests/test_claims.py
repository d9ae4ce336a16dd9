"""Splitting summaries into claims: sentences of paragraphs, whole bullets, never headings."""

from __future__ import annotations

from pathlib import Path

import pytest

from evalkit.errors import InputError
from evalkit.prepare.claims import split
from evalkit.read.capture import pair_capture, parse_capture, read_capture

SEED = Path(__file__).resolve().parent.parent / "references" / "seed_nyt_pow_executions.txt"


def test_seed_claims_keep_section_and_offsets() -> None:
    capture = read_capture(SEED)
    claims = split(capture)
    assert len(claims) == 7
    assert all(capture.summary[c.start : c.end] == c.text for c in claims)
    assert claims[0].section == "Key Findings"
    assert claims[0].text.startswith("A verified video shows")
    assert claims[1].text.startswith("The incident was witnessed")
    assert not any(c.text in {"Key Findings", "International Response and Concerns"} for c in claims)
    bullets = [c for c in claims if "raises questions" in c.text or "signals a decreased" in c.text]
    assert len(bullets) == 2 and {c.section for c in bullets} == {"International Response and Concerns"}


def test_abbreviations_do_not_split_sentences() -> None:
    capture = pair_capture(
        "x", "doc", "The U.S. and the U.N. met Dr. Smith at 3.5 p.m. on Monday. Then they left.", "x"
    )
    assert [c.text for c in split(capture)] == [
        "The U.S. and the U.N. met Dr. Smith at 3.5 p.m. on Monday.",
        "Then they left.",
    ]


def test_bullet_is_one_claim_even_with_two_sentences() -> None:
    text = "T\n\nAI Summary\n\n• Prices rose. Wages did not.\n\nSign in to unlock more AI features\n\nPrices rose.\n"
    assert [c.text for c in split(parse_capture(text, "x"))] == ["Prices rose. Wages did not."]


def test_summary_of_only_fragments_has_no_claims() -> None:
    with pytest.raises(InputError, match="no claims"):
        split(pair_capture("x", "A document.", "Yes.\n42", "x"))
