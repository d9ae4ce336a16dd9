"""The OpenVINO runtime: converted once and cached, close to the PyTorch reference, and named in every result."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest

from evalkit.errors import SettingsError
from evalkit.frontends import cli
from evalkit.judges.bundled import data_folder
from evalkit.judges.nli import CrossEncoderScorer
from evalkit.prepare.cache import VectorCache
from evalkit.prepare.runtime import ModelCacheWarning, openvino_forward, runtime_id
from evalkit.settings import Settings

if TYPE_CHECKING:
    import torch

    from evalkit.prepare.encoder import Encoder

TEXTS = [
    "The town council of Millbrook voted on Tuesday to build a new public library on Elm Street.",
    "The library will cost 4 million dollars and is due to open in 2026, the council said.",
    "Engineers warned that storms had weakened the harbour wall.",
    "Costs are low.",
]
PAIRS = [(TEXTS[1], TEXTS[0]), ("The library costs 4 million dollars.", TEXTS[1]), ("Storms hit Riverton.", TEXTS[2])]


@pytest.mark.slow  # loads or converts a model
def test_openvino_vectors_are_the_torch_vectors_within_bfloat16_rounding(encoder: Encoder) -> None:
    from evalkit.prepare.encoder import Encoder

    reference = Encoder(runtime="torch").encode(TEXTS)
    fast = encoder.encode(TEXTS) if encoder.runtime == "openvino" else Encoder(runtime="openvino").encode(TEXTS)
    assert np.allclose(np.linalg.norm(fast, axis=1), 1.0, atol=1e-5)
    assert float(np.min(np.sum(fast * reference, axis=1))) > 0.999


@pytest.mark.slow  # loads or converts a model
def test_openvino_judge_scores_are_the_torch_scores_within_0_02() -> None:
    folder = data_folder() / "cross-encoder"
    reference = CrossEncoderScorer(folder, runtime="torch").score(PAIRS)
    fast = CrossEncoderScorer(folder, runtime="openvino").score(PAIRS)
    assert float(np.max(np.abs(fast - reference))) < 0.02


@pytest.mark.slow  # loads or converts a model
def test_each_runtime_keeps_its_own_cache_entries(tmp_path: Path) -> None:
    from evalkit.prepare.encoder import Encoder

    store = VectorCache(tmp_path, 64)
    Encoder(cache=store, runtime="openvino").encode(TEXTS[:1])
    torch_encoder = Encoder(cache=store, runtime="torch")
    assert store.get_many(torch_encoder.namespace, TEXTS[:1]) == {}  # never read as torch's vectors
    assert torch_encoder.namespace.endswith(":pieces")  # torch's entries keep the key they always had


class _Tiny:
    """A model small enough to convert in a moment: a masked sum of token embeddings."""

    builds = 0

    @classmethod
    def build(cls) -> tuple[torch.nn.Module, object, dict[str, torch.Tensor]]:
        import torch

        cls.builds += 1
        torch.manual_seed(0)
        model = torch.nn.Embedding(10, 4)
        tokens = {"input_ids": torch.tensor([[1, 2, 0]]), "attention_mask": torch.tensor([[1, 1, 0]])}
        return model, lambda m, t: (m(t["input_ids"]) * t["attention_mask"][..., None]).sum(1), tokens


def _forward(identity: str = "tiny@0") -> np.ndarray:
    forward = openvino_forward(identity, ("input_ids", "attention_mask"), _Tiny.build, threads=1)
    return forward({"input_ids": np.array([[3, 4, 5]]), "attention_mask": np.array([[1, 1, 0]])})


@pytest.mark.slow  # loads or converts a model
def test_a_converted_model_is_kept_and_reused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVALKIT_MODEL_CACHE", str(tmp_path))
    _Tiny.builds = 0
    first = _forward()
    (kept,) = tmp_path.iterdir()
    assert kept.name.startswith("tiny@0-openvino-") and (kept / "model.xml").is_file()
    assert np.allclose(_forward(), first) and _Tiny.builds == 1
    (kept / "model.bin").write_bytes(b"damaged")
    assert np.allclose(_forward(), first) and _Tiny.builds == 2  # converted again, not a crash


@pytest.mark.slow  # loads or converts a model
def test_an_unwritable_model_cache_warns_and_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("EVALKIT_MODEL_CACHE", str(blocked / "models"))
    with pytest.warns(ModelCacheWarning, match="cannot keep the converted model"):
        values = _forward("tiny@1")
    assert values.shape == (1, 4)


def test_runtime_setting_is_checked() -> None:
    assert Settings().runtime == "openvino"
    assert Settings().replace({"runtime": "torch"}, "test").runtime == "torch"
    with pytest.raises(SettingsError, match="'runtime' must be one of openvino, torch, not 'tpu'"):
        Settings().replace({"runtime": "tpu"}, "test")


@pytest.mark.slow  # loads or converts a model
def test_signature_and_every_record_name_the_runtime(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pairs = tmp_path / "pairs.jsonl"
    rows = [{"id": "a", "document": TEXTS[0] + " " + TEXTS[1], "summary": TEXTS[1]}, {"id": "b", "document": ""}]
    pairs.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    with warnings.catch_warnings():
        warnings.simplefilter("error", ModelCacheWarning)
        cli.main(["score", str(pairs), "-o", str(out), "--runtime", "torch", "--cache-dir", str(tmp_path / "c")])
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    meta = json.loads(out.with_suffix(".meta.json").read_text(encoding="utf-8"))
    assert meta["signature"]["runtime"] == runtime_id("torch") and runtime_id("torch").startswith("torch-")
    assert [r["runtime"] for r in records] == [runtime_id("torch")] * 2  # the error record too
    with pytest.raises(SystemExit) as exited:
        cli.main(["score", str(pairs), "-o", str(out), "--runtime", "tpu"])
    assert exited.value.code == 2
    assert "invalid choice: 'tpu'" in capsys.readouterr().err
