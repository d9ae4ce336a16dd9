"""Where the models' forward passes run: OpenVINO (the default, about 3x faster on CPU) or PyTorch (the reference).

OpenVINO runs the same weights: the PyTorch module is converted once (`openvino.convert_model`, in
process, nothing downloaded) and the converted model is kept in the model cache, keyed by the source
weights' hash and the OpenVINO version, so later runs only compile it. On a CPU with native bfloat16
(AVX512-BF16 or AMX) OpenVINO computes in bfloat16, which is most of its speed; scores then move by
up to about 0.01, so the precision is part of the runtime's id, which the signature and every record
carry. ONNX Runtime (fp32 and dynamic int8) and Optimum were measured too and not kept (docs/speed.md).

Threads (a web service calling `evalkit.score`) share the models: each model is loaded once
(`once`) and serves one call at a time (`model_lock`).
"""

from __future__ import annotations

import functools
import os
import shutil
import tempfile
import threading
import warnings
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import numpy as np

from evalkit.errors import EvalkitWarning

if TYPE_CHECKING:
    import openvino
    import torch

P = ParamSpec("P")
T = TypeVar("T")
# The output wanted from a PyTorch model, given the model and a dict of token tensors.
Run = Callable[[Any, dict[str, Any]], Any]
# Bump when the conversion changes, so models converted the old way are never loaded.
_RECIPE = "r1"


class ModelCacheWarning(EvalkitWarning):
    """A converted model could not be kept on disk; it is converted again next run."""


def once(function: Callable[P, T]) -> Callable[P, T]:
    """`functools.cache` that makes each value once even when threads ask for it at the same moment
    (two threads starting at once loaded, or converted, the same model twice)."""
    cached = cache(function)
    lock = threading.RLock()

    @functools.wraps(function)
    def made_once(*args: P.args, **kwargs: P.kwargs) -> T:
        with lock:
            return cached(*args, **kwargs)

    return made_once


@once  # one lock per model, made once however many threads ask at the same moment
def model_lock(model: str) -> threading.RLock:
    """The lock a model's work holds, its tokenizer's and its forward passes': one call at a time.

    Threads sharing one model failed without it: a fast tokenizer raises "Already borrowed" and an
    OpenVINO compiled model's one infer request "Infer Request is busy" when two calls meet. Each
    forward pass already uses every core the process may use (`torch_threads`), so calls taking turns
    lose little, and each call's numbers are the ones it gets alone.
    """
    return threading.RLock()


def model_cache() -> Path:
    """Converted models: `EVALKIT_MODEL_CACHE`, else the user's cache folder (shared by every project)."""
    given = os.environ.get("EVALKIT_MODEL_CACHE")
    if given:
        return Path(given).expanduser()
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "evalkit" / "models"


@cache
def runtime_id(runtime: str) -> str:
    """The runtime as results name it: its version and, for OpenVINO, the precision it computes in."""
    if runtime == "torch":
        return f"torch-{version('torch')}"
    return f"openvino-{version('openvino')}-{_precision()}"


@cache
def _core() -> openvino.Core:
    import openvino

    return openvino.Core()


@cache
def _precision() -> str:
    """bf16 where the CPU computes it natively (OpenVINO's own choice there), else f32."""
    return "bf16" if "BF16" in _core().get_property("CPU", "OPTIMIZATION_CAPABILITIES") else "f32"


def _positional(model: torch.nn.Module, names: Sequence[str], run: Run) -> torch.nn.Module:
    """`run(model, tokens)` as a module taking the token tensors positionally (what tracing needs)."""
    import torch

    class Positional(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, *tensors: torch.Tensor) -> torch.Tensor:
            return run(self.model, dict(zip(names, tensors, strict=True)))

    return Positional().eval()


class Forward:
    """A converted model's forward pass: token-id arrays in (by name), its one output out as float32."""

    def __init__(self, compiled: openvino.CompiledModel, names: Sequence[str]) -> None:
        self.compiled = compiled
        self.names = tuple(names)

    def __call__(self, batch: Mapping[str, np.ndarray]) -> np.ndarray:
        inputs = [np.asarray(batch[name], dtype=np.int64) for name in self.names]
        return np.asarray(self.compiled(inputs)[0], dtype=np.float32)


def openvino_forward(
    identity: str,
    names: Sequence[str],
    build: Callable[[], tuple[torch.nn.Module, Run, Mapping[str, torch.Tensor]]],
    threads: int,
) -> Forward:
    """The model `identity` (name@weights-hash) on OpenVINO, converted by `build` on first use and cached.

    `build` returns the PyTorch model, `run(model, tokens)` giving the output wanted from a dict of token
    tensors, and example tokens for tracing.
    """
    import openvino

    folder = model_cache() / f"{identity.replace('/', '_')}-openvino-{version('openvino')}-{_RECIPE}"
    path = folder / "model.xml"
    config = {"INFERENCE_NUM_THREADS": threads, "INFERENCE_PRECISION_HINT": _precision(), "PERFORMANCE_HINT": "LATENCY"}
    if path.is_file():
        try:
            return Forward(_core().compile_model(str(path), "CPU", config), names)
        except RuntimeError:  # a damaged copy (a disk filled mid-write by another tool): convert again
            shutil.rmtree(folder, ignore_errors=True)
    import torch

    module, run, example = build()
    shapes = [(openvino.PartialShape([-1, -1]), openvino.Type.i64) for _ in names]
    with torch.inference_mode(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracing's own notes (TracerWarning, deprecations) say nothing to a user
        model = openvino.convert_model(
            _positional(module, names, run), example_input=tuple(example[name] for name in names), input=shapes
        )
    _save(model, folder)
    return Forward(_core().compile_model(model, "CPU", config), names)


def _save(model: openvino.Model, folder: Path) -> None:
    """Write the converted model whole or not at all: into a temporary folder, then renamed into place
    (several processes may convert at once; the first rename wins and the others' copies are dropped)."""
    import openvino

    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".converting-", dir=folder.parent))
        openvino.save_model(model, str(staging / "model.xml"), compress_to_fp16=False)
        staging.chmod(0o755)  # mkdtemp's 0700 would hide the model from other users of a shared cache
        try:
            staging.rename(folder)
        except OSError:
            shutil.rmtree(staging, ignore_errors=True)
            if not (folder / "model.xml").is_file():
                raise
    except OSError as exc:
        warnings.warn(
            f"model cache {folder.parent}: cannot keep the converted model ({exc.strerror or exc}); "
            "it is converted again next run (set EVALKIT_MODEL_CACHE to a writable folder)",
            ModelCacheWarning,
            stacklevel=3,
        )
