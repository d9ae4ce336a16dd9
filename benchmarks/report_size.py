"""How the HTML report grows with the run: page size against the text of its inputs, write time, the
writer's peak memory, and how long headless Chromium takes to open the page and a summary's details.

    python benchmarks/report_size.py [--results reports/results.json] [--sizes 500 5000]

Without `--results` it judges `references/seed_nyt_pow_executions.txt` once (this loads the models) and
takes its result as the seed-sized record. Each size is that many copies of it, each with its own id and
its own article (the first sentence carries the copy's number), so no article is shared: the worst case
for the page, which holds each distinct article once. "Input text" is what each capture holds: title,
summary, article sentences and the lines dropped as boilerplate (UTF-8 bytes).

Chromium (Playwright, /usr/bin/chromium) opens the page and waits for its load event; then the last
summary is found with the table's filter and a click on its link must draw its claims. Writes
benchmarks/results/report_size.md.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
import tracemalloc
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from evalkit.outputs import report  # noqa: E402
from evalkit.result import RunResult, SummaryResult  # noqa: E402

SEED = ROOT / "references" / "seed_nyt_pow_executions.txt"
OUT = ROOT / "benchmarks" / "results" / "report_size.md"


def seed_run(results: Path | None) -> RunResult:
    """The seed's run: read from `results`, or judged here."""
    if results is not None:
        data = json.loads(results.read_text(encoding="utf-8"))
        found = tuple(SummaryResult.from_dict(r) for r in data["results"])
        return RunResult(found, data["signature"], data.get("started", ""), float(data.get("seconds", 0.0)))
    from evalkit.outputs.report.browser import evaluate_paths

    return evaluate_paths([str(SEED)])


def copies(seed: SummaryResult, n: int) -> tuple[SummaryResult, ...]:
    """`n` records like `seed`, each its own id and its own article."""
    first, *rest = seed.body
    return tuple(replace(seed, id=f"{seed.id}#{i}", body=(f"[{i}] {first}", *rest)) for i in range(n))


def input_bytes(results: tuple[SummaryResult, ...]) -> int:
    return sum(len("".join((r.title, r.summary, *r.body, *r.dropped)).encode("utf-8")) for r in results)


def chromium_open(page: Path, last: int, timeout_s: float) -> tuple[float, float]:
    """Seconds to the load event, then seconds from filtering the table for the last summary and clicking
    its link to its claims drawn."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        tab = browser.new_page(viewport={"width": 1400, "height": 1000})
        tab.set_default_timeout(timeout_s * 1000)
        start = time.perf_counter()
        tab.goto(page.resolve().as_uri(), wait_until="load")
        loaded = time.perf_counter() - start
        start = time.perf_counter()
        tab.fill("#filters input", f"#{last}")  # past the first rows: found by its id, as a person would
        tab.click(f'table.results a[href="#s{last}"]')
        tab.wait_for_selector(f"#s{last} ol.claims > li")
        opened = time.perf_counter() - start
        browser.close()
    return loaded, opened


def measure(seed: RunResult, n: int, folder: Path, timeout_s: float) -> dict[str, float]:
    run = replace(seed, results=copies(seed.results[0], n))
    page = folder / f"report-{n}.html"
    start = time.perf_counter()
    report.write(run, page)
    seconds = time.perf_counter() - start
    tracemalloc.start()
    report.write(run, folder / "again.html")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    loaded, opened = chromium_open(page, n - 1, timeout_s)
    return {
        "n": n,
        "inputs": input_bytes(run.results),
        "page": page.stat().st_size,
        "write_s": seconds,
        "peak_mb": peak / 1e6,
        "load_s": loaded,
        "open_s": opened,
    }


def commit() -> str:
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    return done.stdout.strip() or "?"


def table(rows: list[dict[str, float]], fixed: int) -> str:
    lines = [
        "| summaries | input text | page | page ÷ input | write | writer peak (Python) "
        "| Chromium: load | filter, click → details |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['n']:,} | {r['inputs'] / 1e6:.2f} MB | {r['page'] / 1e6:.2f} MB | {r['page'] / r['inputs']:.2f}× "
            f"| {r['write_s']:.1f} s | {r['peak_mb']:.0f} MB | {r['load_s']:.2f} s | {r['open_s']:.2f} s |"
        )
    return "\n".join(lines) + f"\n\nFixed part (a report of no summaries): {fixed / 1e3:.0f} KB.\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, help="a results.json whose first result is the record to copy")
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 5000])
    parser.add_argument("--timeout", type=float, default=300, help="seconds Chromium may take per step")
    args = parser.parse_args(argv)
    seed = seed_run(args.results)
    with tempfile.TemporaryDirectory(prefix="evalkit-report-size-") as tmp:
        folder = Path(tmp)
        fixed = report.write(replace(seed, results=()), folder / "empty.html").stat().st_size
        rows = [measure(seed, n, folder, args.timeout) for n in args.sizes]
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    text = (
        "# HTML report size and opening time\n\n"
        f"Reproduce: `python benchmarks/report_size.py{' --results ' + str(args.results) if args.results else ''}`\n\n"
        f"Record: `{seed.results[0].id}` copied, each copy its own id and article; commit {commit()}; "
        f"{platform.machine()}, Python {platform.python_version()}; {when}.\n\n" + table(rows, fixed)
    )
    OUT.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
