"""On-disk store for model outputs, keyed by model identity and text hash.

diskcache gives a size-bounded SQLite store that several processes (pytest-xdist workers, parallel
CLI runs) can share safely. Keys carry the model's identity, so changing the model never reads a
stale vector.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

import diskcache
import numpy as np


def text_key(namespace: str, text: str) -> str:
    return f"{namespace}:{hashlib.blake2b(text.encode('utf-8'), digest_size=16).hexdigest()}"


class VectorCache:
    """float32 vectors by (namespace, text); `namespace` names the model and what was computed."""

    def __init__(self, directory: str | Path, size_mb: int) -> None:
        self._store = diskcache.Cache(
            str(directory), size_limit=size_mb * 1024 * 1024, eviction_policy="least-recently-stored"
        )

    def get_many(self, namespace: str, texts: Iterable[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        for text in texts:
            raw = self._store.get(text_key(namespace, text))
            if raw is not None:
                found[text] = np.frombuffer(raw, dtype=np.float32)
        return found

    def put_many(self, namespace: str, items: dict[str, np.ndarray]) -> None:
        with self._store.transact():
            for text, vector in items.items():
                self._store.set(text_key(namespace, text), np.asarray(vector, dtype=np.float32).tobytes())

    def close(self) -> None:
        self._store.close()
