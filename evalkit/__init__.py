"""evalkit: judge AI-written summaries against the articles they summarise, offline.

The public surface is small; everything else is an implementation detail.
"""

from evalkit.capture import Capture, parse_capture, read_capture, read_pairs
from evalkit.errors import EvalkitError, InputError, SettingsError
from evalkit.pipeline import evaluate, jobs_from_paths, judge
from evalkit.result import ClaimVerdict, Evidence, RunResult, SummaryResult
from evalkit.settings import Settings

__all__ = [
    "Capture",
    "ClaimVerdict",
    "EvalkitError",
    "Evidence",
    "InputError",
    "RunResult",
    "Settings",
    "SettingsError",
    "SummaryResult",
    "evaluate",
    "jobs_from_paths",
    "judge",
    "parse_capture",
    "read_capture",
    "read_pairs",
]
