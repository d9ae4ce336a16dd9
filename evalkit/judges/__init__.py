"""Judges: what turns a claim and its evidence passages into a support score.

A judge is any object with an `id` (stable: weights hash for a local model, endpoint + model for a
served one; it goes into the signature and the cache keys), its default verdict `bands`, and a batched
`judge(claims)`. Backends live one per module in this package and are found by name: `--judge nli:DIR`
imports `evalkit.judges.nli` and calls its `make(argument, settings, cache)`, so a new judge is one new
file. Verdicts come from the bands here and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import import_module
from typing import TYPE_CHECKING, Protocol

from evalkit.errors import SettingsError
from evalkit.result import Evidence, Verdict

if TYPE_CHECKING:
    from evalkit.cache import VectorCache
    from evalkit.metrics import Match
    from evalkit.settings import Settings
    from evalkit.support import ArticleIndex


@dataclass(frozen=True)
class Bands:
    """Verdict bands on a support score: unsupported below `threshold`, supported from `supported_at`."""

    threshold: float
    supported_at: float

    def verdict(self, score: float | None) -> Verdict:
        if score is None:
            return "error"
        if score < self.threshold:
            return "unsupported"
        return "weak" if score < self.supported_at else "supported"

    def to_dict(self) -> dict[str, float]:
        return {"support_threshold": self.threshold, "supported_at": self.supported_at}


# Bands for a judge that brings none of its own: a probability of support, unsupported below one half and
# weak for the next 0.1 (`support_threshold = 0.5`, `weak_band = 0.1`).
PROBABILITY_BANDS = Bands(0.5, 0.6)


@dataclass(frozen=True)
class ClaimInput:
    """One claim to judge, with the article passages evalkit retrieved for it."""

    text: str
    match: Match
    article: ArticleIndex

    @property
    def passages(self) -> tuple[Evidence, ...]:
        """The candidates: the top article sentences, then the best 2-sentence window."""
        return self.match.evidence()


@dataclass(frozen=True)
class Judgement:
    """A judge's answer for one claim: a score in [0, 1], or None and why."""

    score: float | None
    passage: int = -1  # index into the claim's `passages` that decided
    signals: dict[str, float] = field(default_factory=dict)
    error: str | None = None
    # Per passage, the probability the judge gave that it supports the claim (None: not read alone); empty
    # for a judge that reads the passages together. The report shows it beside each passage's cosine.
    passage_scores: tuple[float | None, ...] = ()


class Judge(Protocol):
    id: str
    bands: Bands

    def judge(self, claims: list[ClaimInput]) -> list[Judgement]: ...


def bands(judge: Judge, settings: Settings) -> Bands:
    """The judge's own bands, with the settings' `support_threshold` / `weak_band` over them."""
    low = judge.bands.threshold if settings.support_threshold is None else settings.support_threshold
    high = judge.bands.supported_at if settings.weak_band is None else low + settings.weak_band
    return Bands(low, high)


BACKENDS = ("lexical", "bundled", "nli", "openai")  # the modules of this package that are judges


def load_judge(settings: Settings, store: VectorCache | None = None) -> Judge:
    """The judge `settings.judge` names (`lexical`, `bundled`, `nli:DIR`, `openai:URL`), made once per process."""
    name, _, argument = settings.judge.partition(":")
    options = tuple(sorted((k, v) for k, v in vars(settings).items() if k.startswith("judge_") or k == "runtime"))
    key = (name, argument, options, None if store is None else str(store.directory))
    if key not in _made:
        if name not in BACKENDS:  # `__init__` or any other module name is not a judge
            raise SettingsError(f"unknown judge '{settings.judge}' (known: lexical, bundled, nli:DIR, openai:URL)")
        backend = import_module(f"{__name__}.{name}")
        _made[key] = backend.make(argument, settings, store)
    return _made[key]


_made: dict[tuple, Judge] = {}  # one judge (and so one model load) per configuration and process
