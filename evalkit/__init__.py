"""evalkit: judge AI-written summaries against the articles they summarise, offline.

The public surface is small; everything else is an implementation detail. Names load on first use:
the pytest plugin imports this package in every pytest process, and the scoring stack (torch,
rouge-score) takes seconds to import that a run collecting no captures should not pay.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "Capture": "evalkit.capture",
    "parse_capture": "evalkit.capture",
    "read_capture": "evalkit.capture",
    "read_pairs": "evalkit.capture",
    "EvalkitError": "evalkit.errors",
    "InputError": "evalkit.errors",
    "SettingsError": "evalkit.errors",
    "evaluate": "evalkit.pipeline",
    "jobs_from_paths": "evalkit.pipeline",
    "judge": "evalkit.pipeline",
    "ClaimVerdict": "evalkit.result",
    "Evidence": "evalkit.result",
    "RunResult": "evalkit.result",
    "SummaryResult": "evalkit.result",
    "Settings": "evalkit.settings",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'evalkit' has no attribute '{name}'")
    return getattr(import_module(_EXPORTS[name]), name)


def __dir__() -> list[str]:
    return __all__
