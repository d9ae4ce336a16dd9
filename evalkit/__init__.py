"""evalkit: judge AI-written summaries against the articles they summarise, offline.

The public surface is small; everything else is an implementation detail. Names load on first use:
the pytest plugin imports this package in every pytest process, and the scoring stack (torch,
rouge-score) takes seconds to import that a run collecting no captures should not pay.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

# What type checkers and editors see (`as` marks a re-export); at run time `__getattr__` imports on first use.
if TYPE_CHECKING:
    from evalkit.errors import EvalkitError as EvalkitError
    from evalkit.errors import InputError as InputError
    from evalkit.errors import SettingsError as SettingsError
    from evalkit.frontends.api import score as score
    from evalkit.frontends.api import score_many as score_many
    from evalkit.read.capture import Capture as Capture
    from evalkit.read.capture import parse_capture as parse_capture
    from evalkit.read.capture import read_capture as read_capture
    from evalkit.read.capture import read_pairs as read_pairs
    from evalkit.result import ClaimVerdict as ClaimVerdict
    from evalkit.result import Evidence as Evidence
    from evalkit.result import RunResult as RunResult
    from evalkit.result import SummaryResult as SummaryResult
    from evalkit.scoring.pipeline import evaluate as evaluate
    from evalkit.scoring.pipeline import jobs_from_paths as jobs_from_paths
    from evalkit.settings import Settings as Settings

_EXPORTS = {
    "Capture": "evalkit.read.capture",
    "parse_capture": "evalkit.read.capture",
    "read_capture": "evalkit.read.capture",
    "read_pairs": "evalkit.read.capture",
    "EvalkitError": "evalkit.errors",
    "InputError": "evalkit.errors",
    "SettingsError": "evalkit.errors",
    "evaluate": "evalkit.scoring.pipeline",
    "jobs_from_paths": "evalkit.scoring.pipeline",
    "score": "evalkit.frontends.api",
    "score_many": "evalkit.frontends.api",
    "ClaimVerdict": "evalkit.result",
    "Evidence": "evalkit.result",
    "RunResult": "evalkit.result",
    "SummaryResult": "evalkit.result",
    "Settings": "evalkit.settings",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name == "__version__":  # the installed distribution's, as `evalkit --version` and run signatures give it
        from evalkit.scoring.pipeline import evalkit_version

        return evalkit_version()
    if name not in _EXPORTS:
        raise AttributeError(f"module 'evalkit' has no attribute '{name}'")
    return getattr(import_module(_EXPORTS[name]), name)


def __dir__() -> list[str]:
    return __all__
