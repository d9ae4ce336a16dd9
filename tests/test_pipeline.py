"""The scoring path's guarantees that hold whatever the model gives: no NaN ever reaches a verdict."""

from __future__ import annotations

import numpy as np
import pytest

from evalkit.read.capture import pair_capture
from evalkit.result import SummaryResult
from evalkit.scoring.pipeline import Job, score_batch
from evalkit.settings import Settings

pytestmark = pytest.mark.slow  # loads the models, or starts processes, pytest sessions, Ray or Chromium


class BrokenModel:
    """An encoder whose vectors are NaN, as a damaged local model folder gives."""

    cache = None

    def encode(self, texts: list[str]) -> np.ndarray:
        return np.full((len(texts), 8), np.nan, dtype=np.float32)


def test_non_finite_scores_become_an_error_record_not_a_verdict() -> None:
    document = "The dam opened in 1990. It supplies three towns."
    job = Job("row-1", pair_capture("row-1", document, "The dam opened in 1990.", "row-1"), Settings())
    (result,) = score_batch([job], BrokenModel())  # type: ignore[arg-type]
    assert result == SummaryResult.for_error("row-1", result.error or "")
    assert result.error == "row-1: scores are not finite (NaN or infinity): the embedding model or the judge is broken"
    assert not result.passed and not result.consistent
