"""Headless Chromium over a rendered report: DOM dumps and screenshots.

The browser test uses it to prove the report renders in a real engine, and
`python -m evalkit.outputs.report.browser [paths…]` refreshes the README screenshots from a real run; like
`evalkit run` it appends the run to the history in its HTML folder, so repeated runs show the trend
and what changed since the last run, as the report a user gets does. `--review` shoots the `evalkit review`
page instead, as it opens on that run (no claim reviewed yet).
Chromium runs with a throwaway profile and every background service off, so it never reaches
the network and leaves nothing behind.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from evalkit.outputs.report import render, render_review, view
from evalkit.result import RunResult
from evalkit.scoring.reviews import Review, queue_order

if TYPE_CHECKING:
    from evalkit.runs.records import RunRecord

NAMES = ("chromium", "chromium-browser", "google-chrome")
FLAGS = (
    "--headless",
    "--no-sandbox",  # root in containers and CI
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)
# Turns a full report into its first summary's detail view, for a screenshot that starts there.
DETAIL_ONLY = "<style>.top, #overview, section.summary:not(#s0) { display: none; }</style>"


def find_chromium() -> str | None:
    return next((found for name in NAMES if (found := shutil.which(name))), None)


def run_chromium(url: str, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run one headless Chromium command on `url` with a fresh profile; raises if it fails or hangs."""
    binary = find_chromium()
    if binary is None:
        raise FileNotFoundError(f"no Chromium on PATH (looked for {', '.join(NAMES)})")
    with tempfile.TemporaryDirectory(prefix="evalkit-chromium-") as profile:
        command = [binary, *FLAGS, f"--user-data-dir={profile}", *args, url]
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=True)


def dump_dom(html: Path, timeout: float = 60) -> str:
    """The DOM after load (scripts run), as Chromium serialises it."""
    return run_chromium(html.resolve().as_uri(), "--dump-dom", timeout=timeout).stdout


def screenshot(html: Path, png: Path, width: int = 1280, height: int = 2000, timeout: float = 60) -> Path:
    """A PNG of the top `width` × `height` pixels of the page."""
    png.parent.mkdir(parents=True, exist_ok=True)
    size = f"--window-size={width},{height}"
    run_chromium(html.resolve().as_uri(), f"--screenshot={png.resolve()}", size, timeout=timeout)
    return png


def readme_screenshots(
    run: RunResult, html_dir: Path, docs: Path, detail_id: str = "", history: Sequence[RunRecord] = ()
) -> tuple[Path, Path]:
    """The overview (with `history`, ending with this run: trends and changes), and the detail view of
    the first summary whose id contains `detail_id`."""
    html = render(run, history)
    shown = next((r for r in run.results if detail_id in r.id), None)
    detail_html = render(replace(run, results=(shown,))) if shown else html
    overview, detail = html_dir / "report.html", html_dir / "report-detail.html"
    html_dir.mkdir(parents=True, exist_ok=True)
    overview.write_text(html, encoding="utf-8")
    detail.write_text(detail_html.replace("</head>", DETAIL_ONLY + "</head>", 1), encoding="utf-8")
    return (
        screenshot(overview, docs / "report-overview.png", height=1150),
        screenshot(detail, docs / "report-detail.png", height=1950),
    )


def review_screenshot(run: RunResult, html_dir: Path, docs: Path) -> Path:
    """The review page as it opens on `run` with nothing reviewed: the claim with the lowest support first."""
    summaries = [view.summary_view(r, f"s{i}") for i, r in enumerate(run.results) if r.error is None]
    found = sorted(
        ((s, i) for s in summaries for i in range(len(s.result.claims))),
        key=lambda f: queue_order(f[0].result.claims[f[1]]),
    )
    cards = [view.ReviewCard(n, s, i, Review()) for n, (s, i) in enumerate(found)]
    html = html_dir / "review.html"
    html_dir.mkdir(parents=True, exist_ok=True)
    html.write_text(render_review(cards, (0, len(cards)), "screenshot", "screenshot"), encoding="utf-8")
    return screenshot(html, docs / "review.png", height=1100)


def evaluate_paths(paths: list[str]) -> RunResult:
    """A run over `paths` with the project's settings, as `evalkit run` would judge them."""
    from evalkit.scoring.pipeline import evaluate, jobs_from_paths  # loads the model: only here, never on import
    from evalkit.settings import load

    settings, _ = load()
    return evaluate(jobs_from_paths(paths, settings), settings)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Refresh the README screenshots of the HTML report from a real run.")
    parser.add_argument("paths", nargs="*", default=["references"], help="captures to evaluate (default: references)")
    parser.add_argument("--docs", type=Path, default=Path("docs"), help="where the PNGs go (default: docs)")
    parser.add_argument("--detail", default="seed", help="show the summary whose id contains this (default: seed)")
    parser.add_argument("--html", type=Path, default=Path("reports"), help="where the HTML goes (default: reports)")
    parser.add_argument("--review", action="store_true", help="shoot the evalkit review page (docs/review.png)")
    args = parser.parse_args(argv)
    from evalkit.runs import history
    from evalkit.settings import load

    run = evaluate_paths(args.paths)
    if args.review:
        print(review_screenshot(run, args.html, args.docs))
        return
    records = history.append(args.html / history.FILE_NAME, run, load()[0].history_runs)
    for png in readme_screenshots(run, args.html, args.docs, args.detail, records):
        print(png)


if __name__ == "__main__":
    main()
