"""The model never silently truncates: texts over its 256 word-piece limit are read in pieces."""

from __future__ import annotations

import random

import numpy as np
import pytest

from evalkit.prepare.encoder import Encoder, load_model, model_pieces

pytestmark = pytest.mark.slow  # loads the models, or starts processes, pytest sessions, Ray or Chromium


def _prose(words: int, seed: int) -> str:
    rng = random.Random(seed)
    vocabulary = ["harbour", "council", "engineers", "storm", "repair", "Riverton", "1,250", "budget", "said", "the"]
    return " ".join(rng.choice(vocabulary) for _ in range(words))


def _pieces_fit(encoder: Encoder, text: str) -> list[str]:
    model = load_model(encoder.model_name)
    (pieces,) = model_pieces(model, [text])
    for piece in pieces:
        assert len(model.tokenizer(piece, add_special_tokens=False)["input_ids"]) <= model.max_seq_length - 2
    return pieces


def test_long_text_is_cut_at_word_boundaries_and_nothing_is_lost(encoder: Encoder) -> None:
    text = _prose(700, 1)
    pieces = _pieces_fit(encoder, text)
    assert len(pieces) >= 3
    assert " ".join(pieces).split() == text.split()


def test_a_word_longer_than_the_limit_is_still_read_in_full(encoder: Encoder) -> None:
    text = "-".join(["harbour"] * 400) + " tail"  # ~800 word pieces, no space to cut at
    pieces = _pieces_fit(encoder, text)
    assert len(pieces) >= 3
    assert "".join(pieces).replace(" ", "") == text.replace(" ", "")


def test_short_text_is_one_piece(encoder: Encoder) -> None:
    text = "The council approved the harbour repair."
    assert _pieces_fit(encoder, text) == [text]


def test_the_end_of_a_long_text_changes_its_vector(encoder: Encoder) -> None:
    """Under truncation both texts would read as their shared first 300 words and get one vector."""
    shared = _prose(300, 2)
    a, b = encoder.encode([f"{shared} The storm destroyed the wall.", f"{shared} Engineers praised the budget."])
    assert float(a @ b) < 0.9999
    assert abs(float(np.linalg.norm(a)) - 1.0) < 1e-5
    pieces = _pieces_fit(encoder, f"{shared} The storm destroyed the wall.")
    mean = encoder.encode(pieces).mean(axis=0)
    np.testing.assert_allclose(a, mean / np.linalg.norm(mean), atol=1e-5)


def test_a_text_gets_the_same_vector_whatever_shares_its_batch(encoder: Encoder) -> None:
    """A resumed run, another --batch-size or a cache filled by another run must not move a number."""
    texts = [_prose(n, n) for n in (3, 9, 14, 30, 31, 60, 120, 7, 12, 45)] * 3 + ["The council met."]
    together = Encoder(encoder.model_name, batch_size=4).encode(texts)
    for i in (0, 3, 5, len(texts) - 1):
        alone = Encoder(encoder.model_name, batch_size=4).encode([texts[i]])[0]
        assert np.array_equal(alone, together[i])
    assert np.array_equal(Encoder(encoder.model_name, batch_size=4).encode(texts[::-1])[::-1], together)
