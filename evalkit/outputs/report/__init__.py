"""Self-contained HTML reports of a run, and of two systems compared: one file each, inline CSS and SVG,
readable offline and without JavaScript.

One autoescaped Jinja template renders the results; `view` works out everything that needs a
decision, so the template only loops and prints, and all capture text reaches the page escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from jinja2 import Environment, PackageLoader, StrictUndefined

from evalkit import metrics
from evalkit.outputs.present import LEGEND, p_value
from evalkit.outputs.report import view
from evalkit.result import RunResult
from evalkit.runs.compare import Comparison
from evalkit.runs.diff import move_line
from evalkit.scoring import reasons
from evalkit.writer import write_file

if TYPE_CHECKING:
    from evalkit.runs.records import RunRecord

__all__ = ["render", "render_comparison", "write"]

MARKS = {"supported": "✓", "weak": "≈", "unsupported": "✗", "error": "!"}  # a verdict never rests on colour alone


def _fmt(value: float | None, digits: int = 3, missing: str = "—") -> str:
    return missing if value is None else f"{value:.{digits}f}"


@cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("evalkit.outputs.report", "templates"),
        autoescape=True,  # the templates end in .j2, so select_autoescape() would leave them unescaped
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["fmt"] = _fmt
    env.filters["p"] = p_value
    env.filters["marked"] = reasons.pieces
    env.globals.update(
        marks=MARKS,
        metric_columns=metrics.columns,
        reason_kinds=reasons.KINDS,
        to_check=view.TO_CHECK,
        move_line=move_line,
    )
    return env


def render(run: RunResult, history: Sequence[RunRecord] = ()) -> str:
    """The report as one HTML string: inline CSS and SVG, no external resources.

    `history` (ending with this run, as `history.append` returns it) adds the changes since the last
    run and each summary's score trend.
    """
    return _environment().get_template("report.html.j2").render(run=run, view=view.build(run, history))


def render_comparison(found: Comparison, everything: bool = False) -> str:
    """`evalkit compare -o`: the headline, the metric table with intervals (ROUGE precision and recall only with
    `everything`), then the summaries that differ most, each with both systems' verdicts and reasons side by side."""
    template = _environment().get_template("compare.html.j2")
    return template.render(found=found, different=found.most_different(), everything=everything, legend=LEGEND)


def write(run: RunResult, path: str | Path, history: Sequence[RunRecord] = ()) -> Path:
    """Render `run` to `path` (parent folders created; the old report stays whole on failure)."""
    return write_file(path, render(run, history))
