"""Ray engine scaling: the same rows scored cold by 1, 2, ... single-threaded actors; efficiency per added worker.

    python benchmarks/ray_scaling.py [FILE] [--limit N] [--workers 1,2] [--runtime openvino]

Each worker count runs in a fresh process: a local Ray instance with that many CPUs (one actor per CPU,
each running its models single-threaded, as `--engine ray` does), an empty cache, the first N pairs of
FILE in batches of `--batch-size` summaries. Seconds include Ray's start and every actor's model load,
as a user would wait for them. Efficiency of n workers = t(1) / (n × t(n)): 100 % is linear scaling.
The worker counts run back to back, round-robin `--rounds` times, so they share whatever load the
machine has. On a cluster, start Ray there and pass `--address HEAD:6379` (then `--workers` only
labels the rows: the cluster's CPUs decide the actors). Writes benchmarks/results/ray_scaling.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_CHILD = """
import json, sys, time
t0 = time.perf_counter()
from evalkit.scoring.engine_ray import score_with_ray
from evalkit.scoring.pipeline import jobs_from_paths
from evalkit.settings import load
path, cache, workers, runtime, batch, address = sys.argv[1:7]
settings, _ = load(flags={"cache_dir": cache, "runtime": runtime, "batch_size": int(batch)})
jobs = list(jobs_from_paths([path], settings))
results = list(score_with_ray(jobs, settings, address=address or None, num_cpus=int(workers)))
errors = sum(1 for r in results if r.error)
print("BENCH " + json.dumps({"seconds": time.perf_counter() - t0, "results": len(results), "errors": errors}),
      file=sys.stderr)
"""


def _run(subset: Path, workers: int, runtime: str, batch: int, address: str) -> dict:
    with tempfile.TemporaryDirectory() as cache:
        env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}
        args = [str(subset), cache, str(workers), runtime, str(batch), address]
        proc = subprocess.run([sys.executable, "-c", _CHILD, *args], cwd=ROOT, capture_output=True, text=True, env=env)
    lines = [line for line in proc.stderr.splitlines() if line.startswith("BENCH ")]
    if proc.returncode or not lines:
        sys.exit(f"ray run failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    return json.loads(lines[-1][len("BENCH ") :])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", default="../shared/bench/dev.jsonl")
    parser.add_argument("--limit", type=int, default=192, help="pairs to score (default %(default)s)")
    parser.add_argument("--workers", default="1,2", help="worker counts, comma-separated (default %(default)s)")
    parser.add_argument("--runtime", default="openvino")
    parser.add_argument("--batch-size", type=int, default=32, help="summaries per actor batch (default %(default)s)")
    parser.add_argument("--rounds", type=int, default=1, help="round-robin repetitions; the best time counts")
    parser.add_argument("--address", default="", help="an existing Ray cluster instead of a local instance")
    args = parser.parse_args(argv)
    counts = [int(n) for n in args.workers.split(",")]
    subset = Path(tempfile.mkdtemp()) / "input.jsonl"
    with open(args.file, encoding="utf-8") as src:
        subset.write_text("".join(line for _, line in zip(range(args.limit), src, strict=False)), encoding="utf-8")
    best: dict[int, dict] = {}
    for _ in range(args.rounds):
        for n in counts:
            print(f"[ray-scaling] {n} worker(s) …", file=sys.stderr, flush=True)
            found = _run(subset, n, args.runtime, args.batch_size, args.address)
            if n not in best or found["seconds"] < best[n]["seconds"]:
                best[n] = found
    base = best[counts[0]]["seconds"] * counts[0]
    lines = [
        f"{args.limit} pairs of `{args.file}`, batches of {args.batch_size}, runtime {args.runtime}, "
        f"cold (empty cache), best of {args.rounds}; {os.cpu_count()} CPU(s) {platform.machine()}, "
        f"{'cluster ' + args.address if args.address else 'local Ray'}; "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
        "",
        "| workers | seconds | pairs/s | speed-up | efficiency |",
        "|---:|---:|---:|---:|---:|",
    ]
    for n in counts:
        seconds = best[n]["seconds"]
        speedup = base / seconds
        lines.append(f"| {n} | {seconds:,.1f} | {args.limit / seconds:,.2f} | {speedup:.2f}× | {speedup / n:.0%} |")
    reproduce = f"python benchmarks/ray_scaling.py {args.file} --limit {args.limit} --workers {args.workers}"
    reproduce += f" --runtime {args.runtime} --batch-size {args.batch_size} --rounds {args.rounds}"
    text = f"# Ray engine scaling\n\nReproduce: `{reproduce}`\n\n" + "\n".join(lines) + "\n"
    (ROOT / "benchmarks" / "results" / "ray_scaling.md").write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
