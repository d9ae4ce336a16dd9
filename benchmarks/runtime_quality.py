"""Does the optimised runtime keep quality? Every runtime on the dev sample of `benchmarks/support.py`.

    python benchmarks/runtime_quality.py [DEV] [--minutes M]

Scores the seeded dev sample (`training.features.sample`: the rows `support.py --sample` reports on)
end to end, as `evalkit score` does, once per runtime, and reports per runtime the ROC AUC of the
summary score and the balanced accuracy of `consistent` against the human labels (all rows and per
benchmark), how far each runtime's claim scores lie from torch's (largest and mean difference), and
how many claim and summary verdicts differ. Both runtimes use the shipped head and bands, so these
are not `support.py`'s out-of-fold figures: they measure what changing the runtime changes.

Documents are taken in a seeded random order and the runtimes alternate chunk by chunk, so a run
stopped early (`--minutes`, Ctrl-C) still compares the runtimes on the same random subset; records
are kept in benchmarks/results/.runtime-quality/ and a rerun resumes. Writes
benchmarks/results/runtime_quality.md.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import balanced_accuracy_score, roc_auc_score

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from evalkit.errors import InputError  # noqa: E402
from evalkit.read.capture import pair_capture  # noqa: E402
from evalkit.scoring.pipeline import Job, evaluate  # noqa: E402
from evalkit.settings import RUNTIMES, Settings  # noqa: E402
from training.features import read_rows, sample  # noqa: E402

WORK = ROOT / "benchmarks" / "results" / ".runtime-quality"
CHUNK = 128  # rows per runtime before the other runtime catches up


def ordered(rows: list[dict]) -> list[dict]:
    """The rows, whole documents together, documents in a seeded random order."""
    documents = sorted({r["doc_id"] for r in rows})
    random.Random(20).shuffle(documents)
    rank = {d: i for i, d in enumerate(documents)}
    return sorted(rows, key=lambda r: rank[r["doc_id"]])


def done(path: Path) -> dict[str, dict]:
    if not path.exists():
        return {}
    lines = [line for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]  # "\n" only: see writer
    return {r["id"]: r for r in map(json.loads, lines)}


def score(rows: list[dict], runtime: str, out: Path) -> None:
    """Append the records of `rows` scored on `runtime` (an empty cache per runtime: nothing is reused)."""
    settings = Settings(runtime=runtime, cache_dir=str(WORK / f"cache-{runtime}"))
    jobs = []
    for r in rows:
        try:
            jobs.append(Job(r["id"], pair_capture(r["id"], r["document"], r["summary"], r["id"]), settings))
        except InputError as exc:  # kept as an error record, left out of the figures
            jobs.append(Job(r["id"], None, settings, str(exc)))
    with out.open("a", encoding="utf-8") as fh:
        evaluate(jobs, settings, on_result=lambda r: fh.write(json.dumps(r.to_record()) + "\n"), keep=False)


def figures(rows: list[dict], records: dict[str, dict]) -> tuple[float, float]:
    label = np.array([r["label"] for r in rows])
    got = [records[r["id"]] for r in rows]
    return (
        float(roc_auc_score(label, [g["score"] for g in got])),
        float(balanced_accuracy_score(label, [g["consistent"] for g in got])),
    )


def report(rows: list[dict], runtimes: list[str], records: dict[str, dict[str, dict]], total: int) -> str:
    common = [r for r in rows if all(r["id"] in records[k] and not records[k][r["id"]].get("error") for k in runtimes)]
    base = runtimes[0]
    lines = [
        f"{len(common):,} of the {total:,} rows of the dev sample ({len({r['doc_id'] for r in common}):,} documents, "
        f"a seeded random subset of whole documents where fewer than all), scored by every runtime.",
        "",
        "| rows | n | " + " | ".join(f"{k} AUC | {k} BA" for k in runtimes) + " | ΔAUC | ΔBA |",
        "|---|---:|" + "---:|" * (2 * len(runtimes) + 2),
    ]
    groups = [("**all**", common)] + [
        (name, [r for r in common if r["benchmark"] == name]) for name in sorted({r["benchmark"] for r in common})
    ]
    for name, part in groups:
        if len({r["label"] for r in part}) < 2:
            continue
        cells = [figures(part, records[k]) for k in runtimes]
        delta = (cells[-1][0] - cells[0][0], cells[-1][1] - cells[0][1])
        lines.append(
            f"| {name} | {len(part):,} | "
            + " | ".join(f"{auc:.4f} | {ba:.4f}" for auc, ba in cells)
            + f" | {delta[0]:+.4f} | {delta[1]:+.4f} |"
        )
    for other in runtimes[1:]:
        gaps, same_evidence, flips, claims, summary_flips = [], [], 0, 0, 0
        for r in common:
            a, b = records[base][r["id"]], records[other][r["id"]]
            summary_flips += a["consistent"] != b["consistent"]
            for x, y in zip(a.get("claims", ()), b.get("claims", ()), strict=True):
                claims += 1
                flips += x["verdict"] != y["verdict"]
                gaps.append(abs(x["score"] - y["score"]))
                if [e["sentence"] for e in x["evidence"]] == [e["sentence"] for e in y["evidence"]]:
                    same_evidence.append(gaps[-1])
        lines += [
            "",
            f"{other} against {base}: claim scores differ by at most **{max(gaps):.4f}** "
            f"(mean **{np.mean(gaps):.5f}**, "
            f"99th percentile {np.quantile(gaps, 0.99):.4f}) over {claims:,} claims; {flips} claim verdict(s) and "
            f"{summary_flips} summary verdict(s) of {len(common):,} differ. On the {len(same_evidence):,} claims whose "
            f"evidence passages are the same on both, the largest difference is {max(same_evidence):.4f}; the "
            f"{claims - len(same_evidence)} others were given other passages (near-tied cosines ordered "
            f"differently), {sum(g > 0.02 for g in gaps)} of them moving by more than 0.02.",
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dev", nargs="?", default="../shared/bench/dev.jsonl")
    parser.add_argument("--minutes", type=float, default=0, help="stop scoring after this long (0: score all)")
    args = parser.parse_args(argv)
    runtimes = ["torch", *(r for r in RUNTIMES if r != "torch")]
    rows = ordered(sample(read_rows(args.dev)))
    WORK.mkdir(parents=True, exist_ok=True)
    outputs = {k: WORK / f"{k}.jsonl" for k in runtimes}
    started = time.monotonic()
    for start in range(0, len(rows), CHUNK):
        for runtime in runtimes:
            have = done(outputs[runtime])
            todo = [r for r in rows[start : start + CHUNK] if r["id"] not in have]
            if todo and args.minutes and time.monotonic() - started > args.minutes * 60:
                break
            if todo:
                score(todo, runtime, outputs[runtime])
        else:
            print(f"[runtime-quality] {min(start + CHUNK, len(rows))}/{len(rows)} rows", file=sys.stderr, flush=True)
            continue
        break
    table = report(rows, runtimes, {k: done(v) for k, v in outputs.items()}, len(rows))
    minutes = f" --minutes {args.minutes:g}" if args.minutes else ""
    text = f"# Runtimes on the dev sample\n\nReproduce: `python benchmarks/runtime_quality.py {args.dev}{minutes}`\n\n"
    (ROOT / "benchmarks" / "results" / "runtime_quality.md").write_text(text + table + "\n", encoding="utf-8")
    print(text + table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
