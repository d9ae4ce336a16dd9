"""Similarity: cosine between the summary's and the article's mean sentence embeddings.

A topical check, not a faithfulness one: it catches a summary of another article, which claim support
alone can miss when the claims are generic.
"""

from __future__ import annotations

import numpy as np

from evalkit.metrics import Batch, Column, Measured, Threshold


def document_similarity(claim_vecs: np.ndarray, unit_vecs: np.ndarray) -> float:
    """Cosine between the mean claim vector and the mean article-unit vector."""
    if not len(claim_vecs) or not len(unit_vecs):
        return 0.0
    a, b = claim_vecs.mean(axis=0), unit_vecs.mean(axis=0)
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-12))


class Similarity:
    name = "similarity"
    version = "1"
    reads = frozenset({"vectors"})
    columns = (Column("similarity", "similarity", table=True),)
    thresholds = (Threshold("min_similarity", "similarity", -1.0, 1.0),)

    def measure(self, batch: Batch) -> list[Measured]:
        return [Measured({"similarity": document_similarity(s.claim_vecs, s.unit_vecs)}) for s in batch.summaries]


SIMILARITY = Similarity()
