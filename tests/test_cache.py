"""The persistent cache: round trip, model isolation, a size bound, two processes writing at once, and corruption."""

from __future__ import annotations

import json
import multiprocessing
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import diskcache
import numpy as np
import pytest

from evalkit.frontends import cli
from evalkit.prepare import sentences
from evalkit.prepare.cache import CacheWarning, VectorCache, text_key
from evalkit.prepare.encoder import Encoder, model_identity

if TYPE_CHECKING:
    from evalkit.prepare.encoder import Encoder as EncoderType


def vector(seed: int, dim: int = 384) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(dim).astype(np.float32)


def test_round_trip_keeps_exact_values_and_dtype(tmp_path: Path) -> None:
    cache = VectorCache(tmp_path, 16)
    items = {"a sentence": vector(1), "another, longer sentence.": vector(2), "": vector(3)}
    cache.put_many("model@1", items)
    found = cache.get_many("model@1", [*items, "never stored"])
    assert found.keys() == items.keys()
    for text, value in items.items():
        assert found[text].dtype == np.float32 and np.array_equal(found[text], value)
    spans = np.array([0, 5, 6, 20], dtype=np.int32)
    cache.put_many("spans", {"text": spans}, np.int32)
    assert np.array_equal(cache.get_many("spans", ["text"], np.int32)["text"], spans)
    cache.close()


def test_values_are_isolated_by_model_identity(tmp_path: Path) -> None:
    cache = VectorCache(tmp_path, 16)
    cache.put_many("model-a@1111", {"text": vector(1)})
    cache.put_many("model-b@2222", {"text": vector(2)})
    assert np.array_equal(cache.get_many("model-a@1111", ["text"])["text"], vector(1))
    assert np.array_equal(cache.get_many("model-b@2222", ["text"])["text"], vector(2))
    assert cache.get_many("model-a@3333", ["text"]) == {}  # same name, other weights: a miss


@pytest.mark.slow
def test_identity_changes_with_the_weights(tmp_path: Path) -> None:
    for name, weights in (("one", b"\x00" * 64), ("two", b"\x01" * 64)):
        folder = tmp_path / name / "model"
        folder.mkdir(parents=True)
        (folder / "config.json").write_text("{}", encoding="utf-8")
        (folder / "model.safetensors").write_bytes(weights)
    one, two = model_identity(str(tmp_path / "one" / "model")), model_identity(str(tmp_path / "two" / "model"))
    assert one.startswith("model@") and two.startswith("model@") and one != two


@pytest.mark.slow
def test_encoder_never_reads_another_models_vectors(tmp_path: Path, encoder: EncoderType) -> None:
    cache = VectorCache(tmp_path, 16)
    text = "The bridge will cost about 40 million dollars."
    stale = np.ones(384, dtype=np.float32)
    cache.put_many("other-model@0000", {text: stale})
    cached = Encoder(encoder.model_name, cache)
    fresh = cached.encode([text])[0]
    assert not np.array_equal(fresh, stale)
    np.testing.assert_allclose(fresh, encoder.encode([text])[0], atol=1e-5)
    assert np.array_equal(cache.get_many(cached.namespace, [text])[text], fresh)
    # A new process (a new Encoder) reads it back instead of running the model.
    assert np.array_equal(Encoder(encoder.model_name, cache).encode([text])[0], fresh)


@pytest.mark.slow
def test_size_bound_is_respected(tmp_path: Path) -> None:
    cache = VectorCache(tmp_path, 1)
    for chunk in range(8):  # 8 x 400 vectors of 1.5 KB: about 4.7 MB offered to a 1 MB cache
        cache.put_many("model@1", {f"text {chunk} {i}": vector(i) for i in range(400)})
    assert cache.volume() <= 1.25 * 1024 * 1024
    assert cache.get_many("model@1", ["text 7 399"])  # the newest entries are kept


def _writer(directory: str, worker: int, shared: int, own: int) -> None:
    cache = VectorCache(directory, 64)
    for start in range(0, own, 50):  # many small transactions, interleaving with the other process
        cache.put_many("model@1", {f"w{worker} {i}": vector(i) for i in range(start, start + 50)})
        cache.put_many("model@1", {f"shared {i}": vector(10_000 + i) for i in range(shared)})
    cache.close()


@pytest.mark.slow
def test_two_processes_write_the_same_cache_at_once(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_writer, args=(str(tmp_path), w, 20, 300)) for w in (1, 2)]
    for process in workers:
        process.start()
    for process in workers:
        process.join(timeout=120)
        assert process.exitcode == 0
    cache = VectorCache(tmp_path, 64)
    for w in (1, 2):
        found = cache.get_many("model@1", [f"w{w} {i}" for i in range(300)])
        assert len(found) == 300 and all(np.array_equal(v, vector(int(t.split()[1]))) for t, v in found.items())
    shared = cache.get_many("model@1", [f"shared {i}" for i in range(20)])
    assert all(np.array_equal(shared[f"shared {i}"], vector(10_000 + i)) for i in range(20))


def test_sentence_splits_are_cached_and_read_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = "Dr. Smith arrived in the U.S. on Monday. She left on Friday."
    cache = VectorCache(tmp_path, 16)
    monkeypatch.setattr(sentences, "_memo", type(sentences._memo)())
    sentences.preload([text], cache)
    expected = sentences.split(text)
    assert expected == ["Dr. Smith arrived in the U.S. on Monday.", "She left on Friday."]
    # A fresh process: empty memo, and the splitter must not run.
    monkeypatch.setattr(sentences, "_memo", type(sentences._memo)())
    monkeypatch.setattr(sentences, "_segment", lambda _: pytest.fail("split again despite the cache"))
    sentences.preload([text], cache)
    assert sentences.split(text) == expected


def test_a_garbage_database_is_left_alone_with_one_warning(tmp_path: Path) -> None:
    (tmp_path / "cache.db").write_bytes(np.random.default_rng(0).bytes(50_000))
    with pytest.warns(CacheWarning, match="cannot be used .*file is not a database") as caught:
        cache = VectorCache(tmp_path, 16)
        cache.put_many("model@1", {"text": vector(1)})
        assert cache.get_many("model@1", ["text"]) == {}
    assert len(caught) == 1 and cache.volume() == 0


def test_corrupt_and_non_finite_entries_are_discarded_with_one_warning(tmp_path: Path) -> None:
    cache = VectorCache(tmp_path, 16)
    cache.put_many("model@1", {f"text {i}": vector(i) for i in range(4)})
    cache.put_many("model@1", {"nan": np.full(384, np.nan, dtype=np.float32)})
    raw = diskcache.Cache(str(tmp_path))
    raw[text_key("model@1", "text 0")] = vector(9).tobytes()  # the right size, no checksum
    raw[text_key("model@1", "text 1")] = "not bytes"
    stored = raw[text_key("model@1", "text 2")]
    raw[text_key("model@1", "text 2")] = stored[:-4] + np.float32(np.inf).tobytes()  # one value flipped
    with pytest.warns(CacheWarning, match="a corrupt entry was discarded") as caught:
        found = cache.get_many("model@1", ["text 0", "text 1", "text 2", "text 3", "nan"])
    assert list(found) == ["text 3"] and len(caught) == 1  # NaN was never stored


@pytest.mark.slow
def test_encoder_recomputes_a_vector_that_is_not_unit_length(tmp_path: Path, encoder: EncoderType) -> None:
    text = "The bridge will cost about 40 million dollars."
    cache = VectorCache(tmp_path, 16)
    cache.put_many(encoder.namespace, {text: np.zeros(384, dtype=np.float32)})
    with pytest.warns(CacheWarning):
        again = Encoder(encoder.model_name, cache).encode([text])[0]
    np.testing.assert_array_equal(again, encoder.encode([text])[0])


BRIDGE = "The council approved a bridge on Tuesday. Work begins in May. It costs 40 million dollars."
DAM = "The dam opened in 1990 after ten years of work. It supplies three towns."
PAIRS = [
    {"id": "bridge", "document": BRIDGE, "summary": "Work on the bridge begins in May."},
    {"id": "dam", "document": DAM, "summary": "The dam opened in 2005 and supplies ten towns."},
]


def _score(project: Path, *options: str) -> list[dict]:
    out = project / "out.jsonl"
    assert cli.main(["score", str(project / "pairs.jsonl"), "-o", str(out), "--cache-dir", "c", *options]) == 0
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def _overwrite_values(folder: Path, garbage: Callable[[bytes], bytes]) -> int:
    with sqlite3.connect(folder / "cache.db") as db:
        rows = db.execute("SELECT rowid, value FROM Cache WHERE value IS NOT NULL").fetchall()
        db.executemany("UPDATE Cache SET value = ? WHERE rowid = ?", [(garbage(v), r) for r, v in rows])
    return len(rows)


@pytest.mark.slow
def test_a_corrupt_cache_never_changes_a_number(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pairs.jsonl").write_text("\n".join(json.dumps(p) for p in PAIRS) + "\n", encoding="utf-8")
    expected = _score(tmp_path, "--no-cache")
    assert _score(tmp_path) == expected  # fills the cache
    rng = np.random.default_rng(0)
    assert _overwrite_values(tmp_path / "c", lambda v: rng.bytes(len(v))) > 0  # garbage of the right size
    capsys.readouterr()
    assert _score(tmp_path) == expected
    err = capsys.readouterr().err
    assert err.count("evalkit: warning: embedding cache c: a corrupt entry") == 1
    _overwrite_values(tmp_path / "c", lambda v: v[:-4] + np.float32(np.nan).tobytes())
    assert _score(tmp_path) == expected
    for name in ("cache.db", "cache.db-wal", "cache.db-shm"):
        (tmp_path / "c" / name).unlink(missing_ok=True)
    (tmp_path / "c" / "cache.db").write_bytes(rng.bytes(100_000))
    capsys.readouterr()
    assert _score(tmp_path) == expected
    err = capsys.readouterr().err
    assert err.count("evalkit: warning:") == 1 and "file is not a database" in err and "Traceback" not in err
