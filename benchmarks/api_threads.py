"""`evalkit.score` from threads, as a web service calls it: failures, agreement with sequential calls and
wall time, per runtime.

Each runtime gets fresh models, the calls from `--threads` threads first, then the same calls one by
one on fresh models again (so neither run reads vectors the other computed); the disk cache is off.

    python benchmarks/api_threads.py --pairs 12 --threads 4

Writes benchmarks/results/api_threads.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import evalkit  # noqa: E402
from evalkit.frontends import api  # noqa: E402
from tests.test_api_threads import ARTICLE, SUMMARIES  # noqa: E402  (the made-up pairs the test uses)


def call(pair: tuple[str, str], runtime: str) -> object:
    try:
        result = evalkit.score(*pair, runtime=runtime)
        return [(c.text, c.verdict, c.score) for c in result.claims], result.metrics
    except Exception as exc:  # noqa: BLE001 - what a thread meets is the figure being measured
        return f"{type(exc).__name__}: {exc}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=12)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--runtimes", default="openvino,torch")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "api_threads.md")
    args = parser.parse_args()
    pairs = [(s.format(n=n), ARTICLE.format(n=n)) for n in range(args.pairs) for s in SUMMARIES][: args.pairs]
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        os.chdir(folder)
        Path("pyproject.toml").write_text("[tool.evalkit]\ncache = false\n", encoding="utf-8")
        for runtime in args.runtimes.split(","):
            evalkit.score(*pairs[0], runtime=runtime)  # load and compile the models outside the timings
            api._loaded_models.clear()
            start = time.perf_counter()
            with ThreadPoolExecutor(args.threads) as pool:
                together = list(pool.map(lambda pair, r=runtime: call(pair, r), pairs))
            threaded = time.perf_counter() - start
            api._loaded_models.clear()
            start = time.perf_counter()
            alone = [call(pair, runtime) for pair in pairs]
            sequential = time.perf_counter() - start
            failed = [r for r in together if isinstance(r, str)]
            same = sum(a == b for a, b in zip(together, alone, strict=True))
            first = f" (first: {failed[0][:80]})" if failed else ""
            rows.append(
                f"| {runtime} | {len(failed)} of {len(pairs)}{first} | {same} of {len(pairs)} "
                f"| {threaded:.1f} s | {sequential:.1f} s |"
            )
            print(rows[-1], flush=True)
    lines = [
        "# `evalkit.score` from threads",
        "",
        f"`python benchmarks/api_threads.py --pairs {args.pairs} --threads {args.threads} --runtimes {args.runtimes}`",
        f"on {platform.node()} ({os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the end), "
        f"{time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC; bundled judge, cache off, fresh models per run.",
        "",
        f"| runtime | calls failed from {args.threads} threads | results equal to sequential calls' "
        "| wall time, threads | wall time, one by one |",
        "|---|---|---|---:|---:|",
        *rows,
    ]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
