"""`nli:DIR`: a local sequence-classification model (an NLI or fact-checking cross-encoder) as the judge.

Any transformers folder works, a sentence-transformers `CrossEncoder` folder included: DeBERTa/RoBERTa
MNLI models, MiniCheck-style checkers. Each claim is read against its top-k passages (`judge_top_k`,
ranked by the retriever's cosine) and the best-supporting passage decides, as in MiniCheck and
SummaC. `CrossEncoderScorer` is the reusable part: batched, never truncating, cached on disk.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from evalkit.errors import SettingsError
from evalkit.judges import PROBABILITY_BANDS, ClaimInput, Judgement
from evalkit.prepare import batching
from evalkit.prepare.encoder import model_identity, torch_threads, word_pieces
from evalkit.prepare.runtime import model_lock, once, openvino_forward, runtime_id
from evalkit.settings import RUNTIMES

if TYPE_CHECKING:
    import torch
    from transformers import PreTrainedTokenizerBase

    from evalkit.prepare.cache import VectorCache
    from evalkit.prepare.runtime import Run
    from evalkit.settings import Settings

# Label names that mean "the passage supports the claim" (compared lower-cased).
SUPPORTED_LABELS = ("entailment", "entailed", "supported", "consistent")
BATCH = 16  # pairs per forward pass, always this many rows (`evalkit.prepare.batching`); sorted by length


def supported_output(id2label: dict[int, str], folder: Path) -> int:
    """Which output is "supported" (-1: a single logit, read through a sigmoid); an error if none says so."""
    if len(id2label) == 1:
        return -1
    found = [int(i) for i, label in id2label.items() if str(label).strip().lower() in SUPPORTED_LABELS]
    if len(found) != 1:
        labels = ", ".join(f"{i}={label}" for i, label in sorted(id2label.items()))
        raise SettingsError(
            f"{folder}: cannot tell which output means 'supported' (labels: {labels}); "
            f"name one of them {' / '.join(SUPPORTED_LABELS)} in config.json's id2label"
        )
    return found[0]


@once
def _tokenizer(folder: str) -> PreTrainedTokenizerBase:
    import transformers
    from transformers import AutoTokenizer

    transformers.logging.set_verbosity_error()
    return AutoTokenizer.from_pretrained(folder)


@once
def _torch_model(folder: str) -> Any:
    """The PyTorch model, loaded once per process."""
    import torch
    from transformers import AutoModelForSequenceClassification

    torch.set_num_threads(torch_threads())
    model = AutoModelForSequenceClassification.from_pretrained(folder)
    model.eval()
    return model


@once
def _logits(folder: str, runtime: str) -> Callable[[dict[str, Any]], torch.Tensor]:
    """The model's logits for a batch of token tensors, on `runtime`; built on first use, once per process."""
    import torch

    if runtime == "torch":

        def forward(batch: dict[str, Any]) -> torch.Tensor:
            with torch.inference_mode():
                return _torch_model(folder)(**batch).logits.float()

        return forward

    def build() -> tuple[Any, Run, dict[str, Any]]:
        example = _tokenizer(folder)(["a claim"], ["a passage"], return_tensors="pt")
        return _torch_model(folder), lambda m, tokens: m(**tokens).logits, example

    names = _tokenizer(folder).model_input_names
    compiled = openvino_forward(model_identity(folder), names, build, torch_threads())
    return lambda batch: torch.from_numpy(compiled(batch))


class CrossEncoderScorer:
    """P(supported) for (claim, passage) pairs from a sequence-classification model in `folder`.

    A pair longer than the model's window is never truncated: the passage is cut at word boundaries into
    pieces that fit beside the claim, and the best piece counts (a claim over half the window is cut too,
    and its weakest part counts). Scores are cached on disk by model identity (weights hash), runtime and
    texts. Nothing is loaded until a pair is missing from the cache.
    """

    def __init__(self, folder: str | Path, store: VectorCache | None = None, runtime: str = RUNTIMES[0]) -> None:
        self.folder = Path(folder).expanduser()
        if not (self.folder / "config.json").is_file():
            raise SettingsError(f"{self.folder}: not a local model folder (no config.json)")
        # Read as JSON, not through transformers: a run whose scores are all cached never imports it.
        self.config = json.loads((self.folder / "config.json").read_text(encoding="utf-8"))
        self.output = supported_output(self.config.get("id2label") or {0: "LABEL_0", 1: "LABEL_1"}, self.folder)
        self.id = model_identity(str(self.folder))
        self.runtime = runtime
        # torch's scores keep the key they always had; another runtime's last digits differ, so apart.
        self.namespace = f"judge:{self.id}" + ("" if runtime == "torch" else f":{runtime_id(runtime)}")
        self.store = store
        self.forward_passes = 0  # how many batches went through the model (tests read it)

    def score(self, pairs: list[tuple[str, str]]) -> np.ndarray:
        """One probability per (claim, passage) pair."""
        keys = [f"{claim}\x1f{passage}" for claim, passage in pairs]
        found = {k: float(v[0]) for k, v in (self.store.get_many(self.namespace, keys) if self.store else {}).items()}
        missing = list(dict.fromkeys((c, p) for (c, p), k in zip(pairs, keys, strict=True) if k not in found))
        if missing:
            with model_lock(str(self.folder)):  # the tokenizer and the model serve one call at a time
                scores = self._compute(missing)
            fresh = dict(zip((f"{c}\x1f{p}" for c, p in missing), scores, strict=True))
            found.update(fresh)
            if self.store is not None:
                self.store.put_many(self.namespace, {k: np.array([v]) for k, v in fresh.items()})
        return np.array([found[k] for k in keys], dtype=np.float32)

    def window(self) -> int:
        limits = [_tokenizer(str(self.folder)).model_max_length, self.config.get("max_position_embeddings") or 512]
        return int(min(limits))

    def _compute(self, pairs: list[tuple[str, str]]) -> list[float]:
        tokenizer = _tokenizer(str(self.folder))
        room = self.window() - tokenizer.num_special_tokens_to_add(pair=True)
        claims = list(dict.fromkeys(c for c, _ in pairs))
        claim_parts = dict(zip(claims, word_pieces(tokenizer, claims, room // 2), strict=True))
        lengths = {
            part: len(ids)
            for parts in claim_parts.values()
            for part, ids in zip(parts, tokenizer(parts, add_special_tokens=False)["input_ids"], strict=True)
        }
        plan = []  # per pair: for each claim part, the passage pieces read beside it
        for claim, passage in pairs:
            plan.append(
                [(part, word_pieces(tokenizer, [passage], room - lengths[part])[0]) for part in claim_parts[claim]]
            )
        units = list(dict.fromkeys((part, piece) for parts in plan for part, pieces in parts for piece in pieces))
        probs = dict(zip(units, self._forward(units), strict=True))
        return [min(max(probs[(part, piece)] for piece in pieces) for part, pieces in parts) for parts in plan]

    def _forward(self, units: list[tuple[str, str]]) -> list[float]:
        """P(supported) per (claim, passage), in batches of a fixed shape (`evalkit.prepare.batching`)."""
        import torch

        tokenizer = _tokenizer(str(self.folder))
        logits_of = _logits(str(self.folder), self.runtime)

        def tokens(chosen: list[int], **padding: object) -> dict:
            return tokenizer(
                [units[i][0] for i in chosen],
                [units[i][1] for i in chosen],
                truncation="longest_first",  # a guard only: every piece was cut to fit
                max_length=self.window(),
                **padding,
            )

        lengths = [len(ids) for ids in tokens(list(range(len(units))))["input_ids"]] if units else []
        out = np.zeros(len(units), dtype=np.float32)
        for chosen, length in batching.plan(lengths, BATCH, self.window()):
            batch = tokens(chosen, padding=True, return_tensors="pt")
            batch = batching.fix_shape(dict(batch), BATCH, length, tokenizer.pad_token_id or 0)
            logits = logits_of(batch)[: len(chosen)]
            self.forward_passes += 1
            probs = torch.sigmoid(logits[:, 0]) if self.output < 0 else torch.softmax(logits, -1)[:, self.output]
            out[chosen] = probs.numpy()
        return out.tolist()


class NliJudge:
    """Each claim against its top-k passages; the best-supporting passage decides."""

    def __init__(self, folder: str, settings: Settings, store: VectorCache | None) -> None:
        self.scorer = CrossEncoderScorer(folder, store, settings.runtime)
        self.id = f"nli:{self.scorer.id}"
        self.bands = PROBABILITY_BANDS
        self.top_k = settings.judge_top_k

    def judge(self, claims: list[ClaimInput]) -> list[Judgement]:
        picks = [self._top(claim) for claim in claims]
        pairs = [
            (claim.text, claim.passages[i].sentence)
            for claim, chosen in zip(claims, picks, strict=True)
            for i in chosen
        ]
        probs = iter(self.scorer.score(pairs))
        out = []
        for claim, chosen in zip(claims, picks, strict=True):
            scores = [float(next(probs)) for _ in chosen]
            if not scores:
                out.append(Judgement(0.0))
                continue
            best = int(np.argmax(scores))
            read = dict(zip(chosen, scores, strict=True))
            each = tuple(read.get(i) for i in range(len(claim.passages)))
            out.append(Judgement(scores[best], chosen[best], {"nli": scores[best]}, passage_scores=each))
        return out

    def _top(self, claim: ClaimInput) -> list[int]:
        """Indices of the claim's `top_k` passages, most similar first."""
        ranked = sorted(range(len(claim.passages)), key=lambda i: -claim.passages[i].score)
        return ranked[: self.top_k]


def make(argument: str, settings: Settings, store: VectorCache | None) -> NliJudge:
    if not argument:
        raise SettingsError("judge 'nli' needs a model folder: --judge nli:PATH")
    return NliJudge(argument, settings, store)
