"""Judges: what turns a claim and its evidence passages into a support score.

A judge is any object with an `id` (stable: weights hash for a local model, endpoint + model for a
served one; it goes into the signature and the cache keys), its default verdict `bands`, and a batched
`judge(claims)`. Backends are found by name (`BUILTIN`, then the `evalkit.judges` entry points of installed
packages): `--judge nli:DIR` calls `evalkit.judges.nli:make("DIR", settings, cache)`, so a new judge is one
new file, here or in a package of its own. Verdicts come from the bands here and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from evalkit import plugins
from evalkit.errors import EvalkitError, SettingsError
from evalkit.result import Evidence, Verdict

if TYPE_CHECKING:
    from evalkit.prepare.cache import VectorCache
    from evalkit.prepare.passages import Match
    from evalkit.prepare.support import ArticleIndex
    from evalkit.settings import Settings


ENTRY_POINT_GROUP = "evalkit.judges"
# The built-in judges, referenced as entry points are: each a factory `make(argument, settings, store)`.
BUILTIN = {
    "bundled": "evalkit.judges.bundled:make",
    "lexical": "evalkit.judges.lexical:make",
    "nli": "evalkit.judges.nli:make",
    "openai": "evalkit.judges.openai:make",
}
USAGE = {"nli": ":DIR", "openai": ":URL"}  # what a built-in's argument is, for the list of known judges


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


def judge_all(judge: Judge, claims: list[ClaimInput]) -> list[tuple[Judgement, str | None]]:
    """Each claim's judgement, checked, with a line naming the judge where it broke the `Judge` contract.

    The one home of the check every judge's answers pass, the served judge's included: a judge that
    raises, returns something other than one `Judgement` per claim, or gives a score that is not a
    probability in [0, 1] (NaN, 1.7, -0.5) leaves those claims unscored (verdict `error`, the reason in
    the record), never a traceback that loses the batch and never a verdict from a number out of range.
    A served judge's failed request is no broken contract: it returns `Judgement(None, error=...)` itself.
    """
    who = f"judge '{judge.id}'" if isinstance(getattr(judge, "id", None), str) else f"judge {type(judge).__name__}"
    try:
        got = judge.judge(claims)
    except EvalkitError:
        raise
    except Exception as exc:  # a broken plugin is named, never a traceback
        return _all_failed(f"{who} failed: {type(exc).__name__}: {exc}", len(claims))
    if not isinstance(got, list | tuple):
        return _all_failed(f"{who} returned {type(got).__name__}, not a list of judgements", len(claims))
    if len(got) != len(claims):
        return _all_failed(f"{who} returned {len(got)} judgement(s) for {len(claims)} claim(s)", len(claims))
    return [_checked(who, j) for j in got]


def _all_failed(problem: str, count: int) -> list[tuple[Judgement, str | None]]:
    return [(Judgement(None, error=problem), problem)] * count


def _probability(value: object) -> bool:
    return plugins.finite(value) and 0.0 <= value <= 1.0  # type: ignore[operator]


def _checked(who: str, judgement: object) -> tuple[Judgement, str | None]:
    """`judgement` if it keeps the contract, else an unscored one saying why (NaN fails `0 <= x <= 1`)."""
    if not isinstance(judgement, Judgement):
        problem = f"{who} returned {type(judgement).__name__} {str(judgement)[:40]!r}, not a Judgement"
    elif judgement.score is not None and not _probability(judgement.score):
        problem = f"{who} gave score {judgement.score!r}, not a probability in [0, 1]"
    elif not all(s is None or _probability(s) for s in judgement.passage_scores):
        problem = f"{who} gave passage scores {judgement.passage_scores!r}, not probabilities in [0, 1]"
    elif not all(plugins.finite(v) for v in judgement.signals.values()):
        problem = f"{who} gave signals that are not finite numbers: {judgement.signals!r}"
    else:
        return judgement, None
    return Judgement(None, error=problem), problem


def bands(judge: Judge, settings: Settings) -> Bands:
    """The judge's own bands, with the settings' `support_threshold` / `weak_band` over them."""
    low = judge.bands.threshold if settings.support_threshold is None else settings.support_threshold
    high = judge.bands.supported_at if settings.weak_band is None else low + settings.weak_band
    return Bands(low, high)


def load_judge(settings: Settings, store: VectorCache | None = None) -> Judge:
    """The judge `settings.judge` names (`NAME` or `NAME:ARGUMENT`), made once per process per configuration.

    Names are the built-ins and the `evalkit.judges` entry points; each is a factory
    `make(argument, settings, store) -> Judge`.
    """
    name, _, argument = settings.judge.partition(":")
    options = tuple(sorted((k, v) for k, v in vars(settings).items() if k.startswith("judge_") or k == "runtime"))
    key = (name, argument, options, None if store is None else str(store.directory))
    if key not in _made:
        known = plugins.available(ENTRY_POINT_GROUP, BUILTIN)
        if name not in known:
            names = ", ".join(f"{n}{USAGE.get(n, '')}" for n in known)
            raise SettingsError(f"unknown judge '{settings.judge}' (known: {names})")
        factory = plugins.load(known[name], f"judge '{name}'")
        judge = plugins.made(factory, f"judge '{name}'", known[name], argument, settings, store)
        shaped = isinstance(getattr(judge, "id", None), str) and isinstance(getattr(judge, "bands", None), Bands)
        if not shaped or not callable(getattr(judge, "judge", None)):
            raise SettingsError(
                f"judge '{name}' ({known[name]}) made {type(judge).__name__}, not a judge with a text `id`, "
                "`bands` (evalkit.judges.Bands) and `judge(claims)`"
            )
        _made[key] = judge
    return _made[key]


_made: dict[tuple, Judge] = {}  # one judge (and so one model load) per configuration and process
