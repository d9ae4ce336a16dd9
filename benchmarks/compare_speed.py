"""How long `evalkit compare`'s statistics take: every metric's interval and p-value, by number of summaries.

    python benchmarks/compare_speed.py [N ...] [--resamples 10000]

Builds two synthetic runs of N summaries (three claims each, every metric present) and times
`compare_runs` on them, the best of three, reading nothing from disk: the figure is the one paired
bootstrap (interval and p-value) over the metrics plus the pairing, not JSON parsing. It gives
wall seconds and the process's CPU seconds: on a shared machine the wall time says more about the
neighbours, and with OPENBLAS_NUM_THREADS=1 the CPU time is what one idle core would take.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from evalkit import metrics as registry  # noqa: E402
from evalkit.runs.compare import compare_runs  # noqa: E402
from evalkit.runs.records import ClaimRecord, RunRecord, SummaryRecord  # noqa: E402


def synthetic(n: int, seed: int) -> RunRecord:
    rng = random.Random(seed)
    summaries = []
    for i in range(n):
        verdicts = [rng.choice(("supported", "weak", "unsupported")) for _ in range(3)]
        claims = tuple(ClaimRecord(f"claim {k}", verdict, rng.random()) for k, verdict in enumerate(verdicts))
        metrics = {name: rng.random() for name in ("rouge1_f1", "rouge2_f1", "rougeL_f1", "similarity")}
        metrics["support"] = min(c.score for c in claims)
        summaries.append(SummaryRecord(f"doc{i}", "", True, metrics, claims))
    return RunRecord("", None, tuple(summaries))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[100, 1000, 2000, 5000])
    parser.add_argument("--resamples", type=int, default=10_000)
    args = parser.parse_args()
    print(f"5 of the {len(registry.columns())} registered metric columns, {args.resamples} resamples, best of 3\n")
    print("| summaries | wall s | CPU s |\n|---:|---:|---:|")
    for n in args.sizes:
        a, b = synthetic(n, 1), synthetic(n, 2)
        wall = cpu = float("inf")
        for _ in range(3):
            start, start_cpu = time.perf_counter(), time.process_time()
            compare_runs(a, b, resamples=args.resamples)
            wall, cpu = min(wall, time.perf_counter() - start), min(cpu, time.process_time() - start_cpu)
        print(f"| {n} | {wall:.2f} | {cpu:.2f} |")


if __name__ == "__main__":
    main()
