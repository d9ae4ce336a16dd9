"""Self-contained HTML reports of a run, and of two systems compared: one file each, inline CSS, SVG and
script, readable offline.

One autoescaped Jinja template renders the overview, readable without JavaScript; each summary's
details travel as JSON data blocks that the page's script renders when the summary is opened, so a
run of 5,000 summaries is a page of its inputs' size that opens in seconds. `view` works out
everything that needs a decision, so the template and the script only loop and print; capture text
reaches the page escaped by Jinja, or as JSON the script puts into text nodes, never as markup.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from evalkit.outputs.present import LEGEND, p_value
from evalkit.outputs.report import view
from evalkit.result import VERDICTS, RunResult
from evalkit.runs.compare import Comparison
from evalkit.runs.diff import move_line
from evalkit.scoring import reasons
from evalkit.writer import write_file

if TYPE_CHECKING:
    from evalkit.runs.records import RunRecord

__all__ = ["render", "render_comparison", "render_review", "stream", "write"]

MARKS = {"supported": "✓", "weak": "≈", "unsupported": "✗", "error": "!"}  # a verdict never rests on colour alone


@cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("evalkit.outputs.report", "templates"),
        autoescape=True,  # the templates end in .j2, so select_autoescape() would leave them unescaped
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["fmt"] = view.fmt
    env.filters["p"] = p_value
    env.filters["marked"] = reasons.pieces
    env.globals.update(
        marks=MARKS,
        verdicts=VERDICTS,
        reason_kinds=reasons.KINDS,
        to_check=view.TO_CHECK,
        data_block=_data,
        first_rows=view.FIRST_ROWS,
        move_line=move_line,
    )
    return env


def render(run: RunResult, history: Sequence[RunRecord] = ()) -> str:
    """The report as one HTML string: inline CSS, SVG and script, no external resources.

    `history` (ending with this run, as `history.append` returns it) adds the changes since the last
    run and each summary's score trend.
    """
    return "".join(stream(run, history))


def stream(run: RunResult, history: Sequence[RunRecord] = ()) -> Iterator[str]:
    """The report in pieces, as `write` saves it: the overview, then each summary's detail data."""
    built = view.build(run, history)
    template = _environment().get_template("report.html.j2")
    return template.generate(run=run, view=built, data=view.data_blocks(built))


def _data(element: str, value: object) -> Markup:
    """`value` as a JSON data block the page's script reads: no `<` in it, so no capture text can end it
    (`<`, `>` and `&` occur only inside JSON strings, where their escapes read back the same)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    text = text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
    return Markup(f'<script type="application/json" id="{element}">{text}</script>')


def render_comparison(found: Comparison, everything: bool = False) -> str:
    """`evalkit compare -o`: the headline, the metric table with intervals (ROUGE precision and recall only with
    `everything`), then the summaries that differ most, each with both systems' verdicts and reasons side by side."""
    template = _environment().get_template("compare.html.j2")
    return template.render(found=found, different=found.most_different(), everything=everything, legend=LEGEND)


def render_review(
    cards: Sequence[view.ReviewCard], progress: tuple[int, int], token: str, nonce: str, done: bool = False
) -> str:
    """The `evalkit review` page: the queued `cards`, decided one at a time, or, `done`, what was decided.

    Shares the report's style sheet; its one inline script carries `nonce`, the only script the page's
    Content-Security-Policy lets run, and reads the session `token` it sends with each decision."""
    template = _environment().get_template("review.html.j2")
    return template.render(cards=cards, progress=progress, token=token, nonce=nonce, done=done)


def write(run: RunResult, path: str | Path, history: Sequence[RunRecord] = ()) -> Path:
    """Render `run` to `path` as a stream (parent folders created; the old report stays whole on failure)."""
    return write_file(path, stream(run, history))
