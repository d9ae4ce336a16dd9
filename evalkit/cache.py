"""On-disk store for model outputs, keyed by model identity and text hash.

diskcache gives a size-bounded SQLite store that several processes (pytest-xdist workers, parallel
CLI runs, Ray actors on one host) can share safely. Keys carry a namespace naming the model's identity
(name + weights hash) and what was computed, so changing the model never reads a stale value, and any
model's output fits: sentence vectors, sentence spans from the splitter, or a future judge model's scores.
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
    """Arrays by (namespace, text); `namespace` names the model and what was computed.

    Arrays are stored as raw bytes of `dtype` (float32 by default); callers that store shaped arrays
    reshape what they read. Eviction is least-recently-stored, so reads never write (no lock contention
    between concurrent readers), and the store stays under `size_mb`.
    """

    def __init__(self, directory: str | Path, size_mb: int) -> None:
        self.directory = Path(directory)
        # No culling inside `set` (cull_limit=0): inside one write transaction SQLite frees no pages, so
        # diskcache would see the store as over its limit and evict everything, new items included.
        # `put_many` culls once its transaction has committed instead.
        self._store = diskcache.Cache(
            str(directory), size_limit=size_mb * 1024 * 1024, eviction_policy="least-recently-stored", cull_limit=0
        )

    def get_many(self, namespace: str, texts: Iterable[str], dtype: type = np.float32) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        get = self._store.get
        for text in texts:
            raw = get(text_key(namespace, text))
            if raw is not None:
                found[text] = np.frombuffer(raw, dtype=dtype)
        return found

    def put_many(self, namespace: str, items: dict[str, np.ndarray], dtype: type = np.float32) -> None:
        """Write all items in one transaction (one lock and one commit, not one per item), then evict the
        least recently stored entries until the store is back under its size limit."""
        if not items:
            return
        with self._store.transact():
            for text, array in items.items():
                self._store.set(text_key(namespace, text), np.asarray(array, dtype=dtype).tobytes())
        self._store.cull()

    def volume(self) -> int:
        """Bytes on disk, as diskcache counts them against the size limit."""
        return int(self._store.volume())

    def close(self) -> None:
        self._store.close()
