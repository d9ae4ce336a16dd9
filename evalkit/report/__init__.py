"""Self-contained HTML report of a run (placeholder until the report module lands)."""

from __future__ import annotations

from pathlib import Path

from evalkit.result import RunResult


def render(run: RunResult) -> str:
    """The report as one HTML string: inline CSS and SVG, no external resources."""
    raise NotImplementedError


def write(run: RunResult, path: str | Path) -> Path:
    """Render `run` to `path` (parent folders created) and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(run), encoding="utf-8")
    return path
