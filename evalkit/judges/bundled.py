"""The bundled judge: evalkit's own entailment cross-encoder and a small fitted head.

The cross-encoder (MiniLM-L6, fine-tuned by `training/train_judge.py` on public NLI, fact-checking and
summary-factuality pairs whose licenses allow shipped weights) reads each claim against every passage
evalkit retrieved for it and against its top sentences joined; the best-supporting passage decides, as
in SummaC and MiniCheck. A logistic head (`training/fit_judge.py`) combines that entailment logit with
the names and numbers the article never mentions (`support.novel_mentions`), which a small
cross-encoder sees less well. Weights, head and bands ship in `evalkit/data/judge/`; the model card is
`evalkit/data/support_model.md`.
"""

from __future__ import annotations

import json
import math
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from evalkit.errors import SettingsError
from evalkit.judges import Bands, ClaimInput, Judgement
from evalkit.judges.nli import CrossEncoderScorer
from evalkit.prepare import support
from evalkit.result import Evidence
from evalkit.settings import RUNTIMES

if TYPE_CHECKING:
    from evalkit.prepare.cache import VectorCache
    from evalkit.settings import Settings

LOGIT_CLIP = 8.0  # a probability of 1e-6 or 1 - 1e-6 is already certain; the head should not see more


def data_folder() -> Path:
    return Path(str(resources.files("evalkit").joinpath("data/judge")))


@cache
def head() -> dict:
    return json.loads((data_folder() / "head.json").read_text(encoding="utf-8"))


def entail_logit(probability: np.ndarray | float) -> np.ndarray:
    """The cross-encoder's probability as the head reads it: a logit, clipped."""
    p = np.clip(probability, 1e-6, 1 - 1e-6)
    return np.clip(np.log(p / (1 - p)), -LOGIT_CLIP, LOGIT_CLIP)


def passages(evidence: tuple[Evidence, ...] | list[Evidence]) -> list[str]:
    """What the cross-encoder reads a claim against: each evidence passage, then its top sentences joined
    in article order, for a claim that fuses facts from sentences that are not neighbours."""
    single = sorted((e for e in evidence if e.end - e.start == 1), key=lambda e: e.start)
    joined = [" ".join(e.sentence for e in single)] if len(single) > 1 else []
    return list(dict.fromkeys([e.sentence for e in evidence] + joined))


class BundledJudge:
    """The cross-encoder's best passage per claim, and the head's score over it and the claim's invented names."""

    def __init__(self, store: VectorCache | None, runtime: str = RUNTIMES[0]) -> None:
        self.scorer = CrossEncoderScorer(data_folder() / "cross-encoder", store, runtime)
        self.head = head()
        self.id = f"bundled:{self.head['provenance']['id']}:{self.scorer.id}"
        self.bands = Bands(self.head["threshold"], self.head["supported_at"])

    def judge(self, claims: list[ClaimInput]) -> list[Judgement]:
        read = [passages(c.passages) for c in claims]
        probs = iter(self.scorer.score([(c.text, p) for c, texts in zip(claims, read, strict=True) for p in texts]))
        out = []
        for claim, texts in zip(claims, read, strict=True):
            scores = [float(next(probs)) for _ in texts]
            signals = support.signals(claim.text, claim.match, claim.article)
            if not scores:
                out.append(Judgement(0.0, -1, signals))
                continue
            best = max(range(len(scores)), key=scores.__getitem__)
            signals["entail"] = scores[best]
            # -1 when the joined sentences decided: no single passage did.
            decided = next((i for i, p in enumerate(claim.passages) if p.sentence == texts[best]), -1)
            read_as = dict(zip(texts, scores, strict=True))
            each = tuple(read_as.get(p.sentence) for p in claim.passages)
            out.append(Judgement(self.score(signals), decided, signals, passage_scores=each))
        return out

    def score(self, signals: dict[str, float]) -> float:
        """The head over the signals, the cross-encoder's probability read as a logit and, where the head asks
        for it, the lexical judge's log-odds (`lexical`)."""
        features = {**signals, "entail": float(entail_logit(signals["entail"]))}
        if "lexical" in self.head["weights"]:
            features["lexical"] = support.shipped_model().logit(signals)
        z = self.head["bias"] + sum(w * features[f] for f, w in self.head["weights"].items())
        return 1.0 / (1.0 + math.exp(-z))


def make(argument: str, settings: Settings, store: VectorCache | None) -> BundledJudge:
    if argument:
        raise SettingsError(f"judge 'bundled' takes no argument (got '{argument}')")
    return BundledJudge(store, settings.runtime)
