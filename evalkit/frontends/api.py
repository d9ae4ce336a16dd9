"""The Python API: one call judges a summary, with the project's settings and the models kept loaded.

`score` and `score_many` read `[tool.evalkit]` from the nearest `pyproject.toml` (as `evalkit run` does
from the working folder), so a notebook inside a project judges as its CI does; keyword overrides beat
it, as command-line flags do. The encoder and judge are kept per run-level setting, so only the first
call in a process pays for loading models, and later calls reuse the in-process and disk caches.
Both are safe to call from several threads at once: the results equal sequential calls' (the models
take one call at a time, `evalkit.prepare.runtime.model_lock`).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

from evalkit.errors import EvalkitError
from evalkit.judges import Judge
from evalkit.prepare.encoder import Encoder
from evalkit.result import SummaryResult
from evalkit.scoring import pipeline
from evalkit.settings import RUN_LEVEL, Settings, load

_loaded_models: dict[tuple[tuple[str, Any], ...], tuple[Encoder, Judge]] = {}
_loading = threading.Lock()  # threads calling at once share one encoder and judge, made once


def score(summary: str, article: str, **overrides: Any) -> SummaryResult:
    """Judge one summary against its article; raises `EvalkitError` for an empty text or a bad setting.

    `overrides` are `[tool.evalkit]` keys (`judge="lexical"`, `max_unsupported_claims=1`, ...).
    """
    return score_pair(summary, article, project_settings(overrides, "evalkit.score()"))


def score_many(pairs: Iterable[tuple[str, str]], **overrides: Any) -> list[SummaryResult]:
    """Judge `(summary, article)` pairs in batches, one result per pair in order.

    A pair that cannot be judged is a result with `.error` set (its id `pair N`), so one bad pair never
    costs the others; a bad setting raises `SettingsError` before anything is scored.
    """
    settings = project_settings(overrides, "evalkit.score_many()")
    return pipeline.score_pairs(pairs, settings, *loaded(settings))


def score_pair(summary: str, article: str, settings: Settings, encoder: Encoder | None = None) -> SummaryResult:
    """One pair with explicit settings (the pytest fixture passes its session's encoder); raises on error."""
    encoder, judge = loaded(settings) if encoder is None else (encoder, None)
    result = pipeline.score_pairs([(summary, article)], settings, encoder, judge)[0]
    if result.error:
        raise EvalkitError(result.error)
    return result


def project_settings(overrides: dict[str, Any], origin: str) -> Settings:
    """`[tool.evalkit]` of the project around the working folder, with `overrides` (named as `origin`) on top."""
    settings, _ = load()
    return settings.replace(overrides, origin)


def loaded(settings: Settings) -> tuple[Encoder, Judge]:
    """The encoder and judge for these run-level settings, made once per process."""
    key = tuple((name, getattr(settings, name)) for name in sorted(RUN_LEVEL))
    with _loading:
        if key not in _loaded_models:
            encoder = pipeline.make_encoder(settings)
            _loaded_models[key] = (encoder, pipeline.make_judge(settings, encoder))
        return _loaded_models[key]
