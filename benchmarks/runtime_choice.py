"""Which runtime to ship: torch against ONNX Runtime (fp32, dynamic int8) and OpenVINO (fp32, bf16), interleaved.

    pip install onnxruntime onnx          # only for this comparison; evalkit itself needs neither
    EVALKIT_THREADS=1 python benchmarks/runtime_choice.py [DEV] [--rounds 2]

Encodes 600 article sentences with MiniLM and reads 600 (summary sentence, article sentence) pairs
with the bundled cross-encoder, both drawn from DEV, in model batches of 16 as evalkit does, on each
runtime in turn, `--rounds` times round-robin (so a shared machine's load falls on all of them alike).
Prints per round each runtime's speed-up over torch, the lowest cosine between its vectors and
torch's, and the largest and mean difference of its judge probabilities from torch's.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from evalkit.judges.bundled import data_folder  # noqa: E402
from evalkit.judges.nli import _logits, _tokenizer, _torch_model  # noqa: E402
from evalkit.prepare.encoder import MODEL_BATCH, _sentence_embedding, load_model, torch_threads  # noqa: E402
from evalkit.settings import DEFAULT_MODEL  # noqa: E402

NAMES = ("input_ids", "attention_mask", "token_type_ids")
JUDGE = str(data_folder() / "cross-encoder")


def inputs(dev: str) -> tuple[list[str], list[tuple[str, str]]]:
    with open(dev, encoding="utf-8") as fh:
        rows = [json.loads(line) for line, _ in zip(fh, range(3000), strict=False)]
    sentences = sorted({s.strip() for r in rows for s in r["document"].replace("\n", " ").split(". ") if s.strip()})
    claims = sorted({s.strip() for r in rows for s in r["summary"].split(". ") if s.strip()})
    rng = random.Random(0)
    chosen = sorted(rng.sample(sentences, 600), key=len, reverse=True)
    pairs = sorted(((rng.choice(claims), rng.choice(sentences)) for _ in range(600)), key=lambda p: -len(p[0] + p[1]))
    return chosen, pairs


def onnx_models(folder: Path) -> dict[str, tuple[Path, Path]]:
    """(encoder, cross-encoder) ONNX files: fp32, int8 on every op, int8 on MatMul only (per channel)."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    encoder = load_model(DEFAULT_MODEL)
    tokens = {
        "enc": encoder.preprocess(["an example", "text"]),
        "ce": _tokenizer(JUDGE)(["a claim"], ["a passage"], return_tensors="pt"),
    }
    runs: dict[str, tuple[torch.nn.Module, Callable]] = {
        "enc": (encoder, lambda m, t: m(t)["sentence_embedding"]),
        "ce": (_torch_model(JUDGE), lambda m, t: m(**t).logits),
    }

    class Positional(torch.nn.Module):
        def __init__(self, name: str) -> None:
            super().__init__()
            self.model, self.run = runs[name]

        def forward(self, *tensors: torch.Tensor) -> torch.Tensor:
            return self.run(self.model, dict(zip(NAMES, tensors, strict=True)))

    for name in runs:
        torch.onnx.export(
            Positional(name).eval(),
            tuple(tokens[name][k] for k in NAMES),
            str(folder / f"{name}-fp32.onnx"),
            input_names=list(NAMES),
            dynamic_axes={k: {0: "batch", 1: "tokens"} for k in NAMES},
            dynamo=False,
        )
        fp32 = str(folder / f"{name}-fp32.onnx")
        quantize_dynamic(fp32, str(folder / f"{name}-int8.onnx"), weight_type=QuantType.QInt8)
        matmul = str(folder / f"{name}-int8mm.onnx")
        quantize_dynamic(fp32, matmul, weight_type=QuantType.QInt8, per_channel=True, op_types_to_quantize=["MatMul"])
    return {v: (folder / f"enc-{v}.onnx", folder / f"ce-{v}.onnx") for v in ("fp32", "int8", "int8mm")}


def runners(folder: Path) -> dict[str, Callable[[dict[str, np.ndarray]], np.ndarray]]:
    """name -> a function of token arrays, for the encoder and the judge of each candidate runtime."""
    import onnxruntime
    import openvino

    threads = torch_threads()
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads, options.inter_op_num_threads = threads, 1
    found = {}
    core = openvino.Core()
    for variant, files in onnx_models(folder).items():
        for model, path in zip(("enc", "ce"), files, strict=True):
            session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
            found[f"{model}:onnxruntime-{variant}"] = lambda b, s=session: s.run(None, b)[0]
            if variant == "fp32":
                for hint in ("f32", "bf16"):
                    config = {"INFERENCE_NUM_THREADS": threads, "INFERENCE_PRECISION_HINT": hint}
                    compiled = core.compile_model(str(path), "CPU", config)
                    found[f"{model}:openvino-{hint}"] = lambda b, c=compiled: c([b[k] for k in NAMES])[0]
    import torch

    def tensors(batch: dict[str, np.ndarray]) -> dict[str, torch.Tensor]:
        return {k: torch.from_numpy(v) for k, v in batch.items()}

    found["enc:torch"] = lambda b: _sentence_embedding(DEFAULT_MODEL, "torch")(tensors(b)).numpy()
    found["ce:torch"] = lambda b: _logits(JUDGE, "torch")(tensors(b)).numpy()
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dev", nargs="?", default="../shared/bench/dev.jsonl")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    sentences, pairs = inputs(args.dev)
    encoder, tokenizer = load_model(DEFAULT_MODEL), _tokenizer(JUDGE)
    enc_batches = [
        {k: v.numpy() for k, v in encoder.preprocess(sentences[i : i + MODEL_BATCH]).items() if k in NAMES}
        for i in range(0, len(sentences), MODEL_BATCH)
    ]
    ce_batches = [
        dict(tokenizer([c for c, _ in chunk], [p for _, p in chunk], padding=True, return_tensors="np"))
        for chunk in (pairs[i : i + 16] for i in range(0, len(pairs), 16))
    ]
    with tempfile.TemporaryDirectory() as folder:
        run = runners(Path(folder))
        names = ["torch"] + sorted({k.split(":")[1] for k in run} - {"torch"})
        for round_ in range(1, args.rounds + 1):
            seconds, out = {}, {}
            for name in names:
                t0 = time.perf_counter()
                vectors = np.concatenate([run[f"enc:{name}"](b) for b in enc_batches])
                vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
                t1 = time.perf_counter()
                logits = np.concatenate([run[f"ce:{name}"](b)[:, 0] for b in ce_batches])
                seconds[name] = (t1 - t0, time.perf_counter() - t1)
                out[name] = (vectors, 1 / (1 + np.exp(-logits.astype(np.float64))))
            for name in names:
                (enc_s, ce_s), (vectors, probs) = seconds[name], out[name]
                gap = np.abs(probs - out["torch"][1])
                print(
                    f"round {round_} {name:22} encoder {seconds['torch'][0] / enc_s:4.2f}x ({enc_s:5.1f} s)  "
                    f"judge {seconds['torch'][1] / ce_s:4.2f}x ({ce_s:5.1f} s)  "
                    f"lowest cosine {np.min(np.sum(vectors * out['torch'][0], axis=1)):.5f}  "
                    f"probability gap max {gap.max():.4f} mean {gap.mean():.5f}",
                    flush=True,
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
