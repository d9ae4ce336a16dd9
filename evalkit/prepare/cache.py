"""On-disk store for model outputs, keyed by model identity and text hash.

diskcache gives a size-bounded SQLite store that several processes (pytest-xdist workers, parallel
CLI runs, Ray actors on one host) can share safely. Keys carry a namespace naming the model's identity
(name + weights hash) and what was computed, so changing the model never reads a stale value, and any
model's output fits: sentence vectors, sentence spans from the splitter, or a future judge model's scores.

A cache only saves time, so it is never trusted and never fatal: every entry carries a checksum of its
key and bytes, and one that fails it (or holds NaN or infinity) is discarded and recomputed; a database
that cannot be opened or read is left alone and the run goes on without it. Either way one
`CacheWarning` says so, once per cache folder and problem in a process (the encoder and a judge may each
hold the same folder).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path

import diskcache
import numpy as np

from evalkit.errors import EvalkitWarning
from evalkit.text import printable

# Entries are stored as checksum + bytes; the version in the key keeps entries of the older,
# unchecked layout from being read (and taken for corrupt): they are never hit and age out.
_LAYOUT = "c1"
_CHECK_BYTES = 16
# What a broken database, file system or lock raises from diskcache.
_STORE_ERRORS = (sqlite3.Error, diskcache.Timeout, OSError)


_warned: set[tuple[str, str]] = set()  # (cache folder, problem) already reported in this process


class CacheWarning(EvalkitWarning):
    """The cache could not be used as it is; the run goes on, recomputing what it cannot trust."""


def text_key(namespace: str, text: str) -> str:
    digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
    return f"{_LAYOUT}:{namespace}:{digest}"


def _checksum(key: str, payload: bytes) -> bytes:
    return hashlib.blake2b(payload, key=key.encode()[:64], digest_size=_CHECK_BYTES).digest()


class VectorCache:
    """Arrays by (namespace, text); `namespace` names the model and what was computed.

    Arrays are stored as raw bytes of `dtype` (float32 by default); callers that store shaped arrays
    reshape what they read. Eviction is least-recently-stored, so reads never write (no lock contention
    between concurrent readers), and the store stays under `size_mb`.
    """

    def __init__(self, directory: str | Path, size_mb: int) -> None:
        self.directory = Path(directory)
        self._store: diskcache.Cache | None = None
        try:
            # No culling inside `set` (cull_limit=0): inside one write transaction SQLite frees no pages, so
            # diskcache would see the store as over its limit and evict everything, new items included.
            # `put_many` culls once its transaction has committed instead.
            self._store = diskcache.Cache(
                str(directory),
                size_limit=size_mb * 1024 * 1024,
                eviction_policy="least-recently-stored",
                cull_limit=0,
            )
        except _STORE_ERRORS as exc:
            self._disable(exc)

    def get_many(
        self,
        namespace: str,
        texts: Iterable[str],
        dtype: type = np.float32,
        valid: Callable[[np.ndarray], bool] | None = None,
    ) -> dict[str, np.ndarray]:
        """The stored arrays of those `texts` that have one; an entry that fails its checksum, holds a
        non-finite number or fails `valid` counts as missing."""
        found: dict[str, np.ndarray] = {}
        if self._store is None:
            return found
        try:
            for text in texts:
                key = text_key(namespace, text)
                raw = self._store.get(key)
                if raw is None:
                    continue
                array = _unpack(key, raw, dtype)
                if array is None or (valid is not None and not valid(array)):
                    self._warn("a corrupt entry was discarded and its value recomputed")
                else:
                    found[text] = array
        except _STORE_ERRORS as exc:
            self._disable(exc)
        return found

    def put_many(self, namespace: str, items: dict[str, np.ndarray], dtype: type = np.float32) -> None:
        """Write all items in one transaction (one lock and one commit, not one per item), then evict the
        least recently stored entries until the store is back under its size limit. Arrays holding NaN or
        infinity are not stored."""
        if not items or self._store is None:
            return
        try:
            with self._store.transact():
                for text, array in items.items():
                    payload = np.asarray(array, dtype=dtype)
                    if _finite(payload):
                        key = text_key(namespace, text)
                        data = payload.tobytes()
                        self._store.set(key, _checksum(key, data) + data)
            self._store.cull()
        except _STORE_ERRORS as exc:
            self._disable(exc)

    def volume(self) -> int:
        """Bytes on disk, as diskcache counts them against the size limit."""
        return int(self._store.volume()) if self._store is not None else 0

    def close(self) -> None:
        if self._store is not None:
            self._store.close()

    def _disable(self, exc: Exception) -> None:
        """Go on without the store: what it holds cannot be read, so it is neither read nor written again."""
        if self._store is not None:
            with contextlib.suppress(_STORE_ERRORS):
                self._store.close()
        self._store = None
        self._warn(f"cannot be used ({type(exc).__name__}: {exc}); running without it (delete it to start afresh)")

    def _warn(self, problem: str) -> None:
        key = (os.path.abspath(self.directory), problem.split(" (")[0])
        if key not in _warned:
            _warned.add(key)
            warnings.warn(f"embedding cache {printable(str(self.directory))}: {problem}", CacheWarning, stacklevel=3)


def _unpack(key: str, raw: object, dtype: type) -> np.ndarray | None:
    """The array an entry holds, or None where its bytes are not what `put_many` wrote under `key`."""
    if not isinstance(raw, bytes) or len(raw) < _CHECK_BYTES:
        return None
    check, data = raw[:_CHECK_BYTES], raw[_CHECK_BYTES:]
    if check != _checksum(key, data) or len(data) % np.dtype(dtype).itemsize:
        return None
    array = np.frombuffer(data, dtype=dtype)
    return array if _finite(array) else None


def _finite(array: np.ndarray) -> bool:
    return not np.issubdtype(array.dtype, np.floating) or bool(np.isfinite(array).all())
