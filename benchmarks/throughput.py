"""Throughput of `evalkit score` against the floor of unavoidable model work, cold and warm.

    python benchmarks/throughput.py [FILE] [--limit N] [--long-words N]

Measures, on the first N pairs of FILE (default the dev file):

* model load: importing torch + sentence-transformers and loading MiniLM and the judge's cross-encoder,
  in a fresh process;
* floor: the model work alone, with the same models, batch sizes and threads: encoding every distinct
  claim, article sentence and 2-sentence window once, then the bundled judge's cross-encoder reading
  every distinct (claim, evidence passage) pair once;
* `evalkit score` end to end in a subprocess, cold (empty temp cache) and warm (the cache it filled),
  with the process's peak RSS and its scoring time (after imports);
* `evalkit run` over the project's references, cold then warm: its own evaluation time (results.json);
* with `--long-words`, one generated article of that many words scored alone (peak memory, seconds);
  kept apart from FILE's steps, so it is measured once and shown with every table.

Prints a markdown table and writes it to benchmarks/results/throughput.md. Finished steps are kept in
benchmarks/results/.throughput-state.json (by file, limit and threads; each step notes its commit), so an
interrupted run resumes where it stopped; `--fresh` starts over.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
STATE = RESULTS / ".throughput-state.json"
DEFAULT_FILE = "/work/shared/bench/dev.jsonl"

# Runs `evalkit score` in this process and reports its own peak RSS and post-import seconds.
_CHILD = """
import json, resource, sys, time
t0 = time.perf_counter()
from evalkit.cli import main
t1 = time.perf_counter()
rc = main(sys.argv[1:])
t2 = time.perf_counter()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print("BENCH " + json.dumps({"rc": rc, "import_s": t1 - t0, "score_s": t2 - t1, "peak_mb": peak}), file=sys.stderr)
"""

_LOAD = """
import json, resource, sys, time
t0 = time.perf_counter()
from evalkit.encoder import load_model
from evalkit.judges.bundled import BundledJudge
from evalkit.settings import DEFAULT_MODEL
load_model(DEFAULT_MODEL).encode(["warm up"])
BundledJudge(None).scorer.score([("warm", "up")])
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print("BENCH " + json.dumps({"load_s": time.perf_counter() - t0, "peak_mb": peak}), file=sys.stderr)
"""

_FLOOR = """
import json, resource, sys, time
import numpy as np
from evalkit import claims, metrics
from evalkit.errors import InputError
from evalkit.encoder import MODEL_BATCH, load_model, torch_threads
from evalkit.judges.bundled import data_folder, passages
from evalkit.judges.nli import CrossEncoderScorer
from evalkit.pipeline import jobs_from_paths
from evalkit.settings import Settings
settings = Settings(cache=False)
texts, docs, pairs, found_of = {}, set(), 0, []
for job in jobs_from_paths([sys.argv[1]], settings):
    if job.capture is None:
        continue
    try:
        found = claims.split(job.capture)
    except InputError:
        continue
    pairs += 1
    docs.add(job.capture.body_paragraphs)
    units = metrics.article_units(job.capture.body_paragraphs)
    found_of.append(([c.text for c in found], units, metrics.windows(units)))
    for text in (*(c.text for c in found), *units, *metrics.windows(units)):
        texts[text] = None
model = load_model(settings.model)
model.encode(["warm up"])
order = sorted(texts, key=len, reverse=True)
t0 = time.perf_counter()
vectors = model.encode(order, batch_size=MODEL_BATCH, normalize_embeddings=True, show_progress_bar=False)
encode_s = time.perf_counter() - t0
vec = dict(zip(order, vectors))
judge_pairs = {}
for claim_texts, units, windows in found_of:
    unit_vecs = np.stack([vec[u] for u in units])
    window_vecs = np.stack([vec[w] for w in windows]) if windows else np.zeros((0, unit_vecs.shape[1]))
    for claim in claim_texts:
        for passage in passages(metrics.match(claim, vec[claim], units, unit_vecs, window_vecs).evidence()):
            judge_pairs[(claim, passage)] = None
scorer = CrossEncoderScorer(data_folder() / "cross-encoder")
scorer.score([("warm", "up")])
t0 = time.perf_counter()
scorer.score(list(judge_pairs))
judge_s = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
info = {"floor_s": encode_s + judge_s, "encode_s": encode_s, "judge_s": judge_s, "judge_pairs": len(judge_pairs)}
info.update({"texts": len(order), "docs": len(docs), "pairs": pairs, "threads": torch_threads()})
print("BENCH " + json.dumps({**info, "peak_mb": peak}), file=sys.stderr)
"""

_LONG = """
import json, random, resource, sys, time
from evalkit.api import judge_pair as judge
from evalkit.settings import Settings
words = int(sys.argv[1])
rng = random.Random(0)
vocab = [f"w{i}" for i in range(3000)] + ["the", "a", "of", "and", "in", "to", "was", "said"]
sentences, n = [], 0
while n < words:
    k = rng.randint(8, 30)
    sentences.append(" ".join(rng.choice(vocab) for _ in range(k)).capitalize() + ".")
    n += k
document = "\\n".join(" ".join(sentences[i : i + 6]) for i in range(0, len(sentences), 6))
summary = sentences[3] + " " + sentences[len(sentences) // 2]
t0 = time.perf_counter()
result = judge(summary, document, Settings(cache=False))
seconds = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print("BENCH " + json.dumps({"long_s": seconds, "units": len(result.body), "peak_mb": peak}), file=sys.stderr)
"""


def _child(code: str, *args: str) -> dict:
    """Run `code` in a fresh interpreter (nothing preloaded) and return what it reports."""
    proc = subprocess.run(
        [sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True, text=True, env={**os.environ}
    )
    lines = [line for line in proc.stderr.splitlines() if line.startswith("BENCH ")]
    if proc.returncode or not lines:
        sys.exit(f"benchmark step failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    return json.loads(lines[-1][len("BENCH ") :])


def _timed_score(subset: Path, out: Path, cache: Path) -> dict:
    t0 = time.perf_counter()
    report = _child(_CHILD, "score", str(subset), "-o", str(out), "--cache-dir", str(cache))
    return {**report, "wall_s": time.perf_counter() - t0}


def _timed_run(out: Path, cache: Path) -> dict:
    """`evalkit run` over the project's references; its own evaluation time comes from results.json."""
    report = _child(_CHILD, "run", str(ROOT / "references"), "--output-dir", str(out), "--cache-dir", str(cache))
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    return {**report, "evaluation_s": results["seconds"], "captures": len(results["results"])}


def _records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _same_records(a: Path, b: Path) -> bool:
    """Same ids in the same order, every number within 1e-5 (batching changes the last float digit)."""

    def close(x: object, y: object) -> bool:
        if isinstance(x, dict) and isinstance(y, dict):
            return x.keys() == y.keys() and all(close(x[k], y[k]) for k in x)
        if isinstance(x, list) and isinstance(y, list):
            return len(x) == len(y) and all(close(i, j) for i, j in zip(x, y, strict=True))
        if isinstance(x, float) and isinstance(y, float):
            return abs(x - y) <= 1e-5
        return x == y

    return close(_records(a), _records(b))


def _commit() -> str:
    proc = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    return proc.stdout.strip() or "unknown"


def _table(s: dict, file: str, long_runs: dict) -> str:
    pairs, floor = s["floor"]["pairs"], s["floor"]["floor_s"]

    def row(name: str, seconds: float, peak: float | None, note: str = "") -> str:
        mem = f"{peak:,.0f}" if peak is not None else "-"
        return f"| {name} | {seconds:,.1f} | {pairs / seconds:,.2f} | {seconds / floor:.2f}× | {mem} | {note} |"

    cold, warm = s["cold"], s["warm"]
    lines = [
        f"Input: `{file}`, first {pairs:,} pairs ({s['floor']['docs']:,} distinct articles, "
        f"{s['floor']['texts']:,} distinct texts to encode); {s['floor']['threads']} torch thread(s); "
        f"{os.cpu_count()} CPU(s), {platform.processor() or platform.machine()}; "
        f"commit(s) {', '.join(sorted(set(s.get('commits', {}).values()))) or s.get('commit', '?')}; "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
        "",
        "| step | seconds | pairs/s | vs floor | peak RSS MB | note |",
        "|---|---:|---:|---:|---:|---|",
        row(
            "model load (fresh process)",
            s["load"]["load_s"],
            s["load"]["peak_mb"],
            "imports + MiniLM + cross-encoder weights",
        ),
        row(
            "floor: model work only",
            floor,
            s["floor"]["peak_mb"],
            f"each distinct text encoded once ({s['floor']['encode_s']:,.1f} s), each of "
            f"{s['floor']['judge_pairs']:,} claim-passage pairs judged once ({s['floor']['judge_s']:,.1f} s)",
        ),
        row("`evalkit score`, cold, end to end", cold["wall_s"], cold["peak_mb"], "empty cache, fresh process"),
        row("… of which scoring (after imports)", cold["score_s"], None, "includes model load"),
        row("`evalkit score`, warm, end to end", warm["wall_s"], warm["peak_mb"], "cache filled by the cold run"),
        row("… of which scoring (after imports)", warm["score_s"], None, ""),
    ]
    for words, long in sorted(long_runs.items(), key=lambda item: int(item[0])):
        lines.append(
            f"| one {int(words):,}-word article ({long['units']:,} units), cold | {long['long_s']:,.1f} | - | - "
            f"| {long['peak_mb']:,.0f} | `judge_pair()`, no cache |"
        )
    run_cold, run_warm = s.get("run_cold"), s.get("run_warm")
    if run_cold and run_warm:
        lines.append(
            f"| `evalkit run` ({run_cold['captures']} references), evaluation time, cold → warm "
            f"| {run_cold['evaluation_s']:,.1f} → {run_warm['evaluation_s']:,.2f} | - | - "
            f"| {run_cold['peak_mb']:,.0f} → {run_warm['peak_mb']:,.0f} "
            f"| **{run_cold['evaluation_s'] / run_warm['evaluation_s']:,.0f}×** faster warm |"
        )
    lines += [
        "",
        f"Warm re-run is **{cold['wall_s'] / warm['wall_s']:.1f}×** faster end to end "
        f"(**{cold['score_s'] / warm['score_s']:.1f}×** in scoring time); cold end to end is "
        f"**{cold['wall_s'] / floor:.2f}×** the floor. Warm and cold outputs identical: {s['same']}.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", default=DEFAULT_FILE, help="JSONL pairs (default: the dev file)")
    parser.add_argument("--limit", type=int, help="score only the first N pairs")
    parser.add_argument("--long-words", type=int, default=0, help="also score one generated article this long")
    parser.add_argument("--fresh", action="store_true", help="ignore steps finished by an earlier run")
    args = parser.parse_args(argv)

    from evalkit.encoder import torch_threads

    key = hashlib.sha1(json.dumps([str(Path(args.file).resolve()), args.limit, torch_threads()]).encode()).hexdigest()
    key = key[:12]
    states = {} if args.fresh or not STATE.exists() else json.loads(STATE.read_text())
    state = states.setdefault(key, {})
    work = Path(tempfile.gettempdir()) / f"evalkit-throughput-{key}"
    work.mkdir(exist_ok=True)

    def step(name: str, fn: Callable[[], object]) -> None:
        if name not in state:
            print(f"[throughput] {name} …", file=sys.stderr, flush=True)
            state[name] = fn()
            state.setdefault("commits", {})[name] = _commit()
            RESULTS.mkdir(parents=True, exist_ok=True)
            STATE.write_text(json.dumps(states, indent=1))

    subset = work / "input.jsonl"
    with open(args.file, encoding="utf-8") as src, subset.open("w", encoding="utf-8") as dst:
        for i, line in enumerate(src):
            if args.limit is not None and i >= args.limit:
                break
            dst.write(line)
    cache = work / "cache"
    if "cold" not in state and cache.exists():
        import shutil

        shutil.rmtree(cache)  # a cold run must start from an empty cache
    step("load", lambda: _child(_LOAD))
    step("floor", lambda: _child(_FLOOR, str(subset)))
    step("cold", lambda: _timed_score(subset, work / "cold.jsonl", cache))
    step("warm", lambda: _timed_score(subset, work / "warm.jsonl", cache))
    step("same", lambda: _same_records(work / "cold.jsonl", work / "warm.jsonl"))
    references = work / "run-cache"
    if "run_cold" not in state and references.exists():
        import shutil

        shutil.rmtree(references)
    step("run_cold", lambda: _timed_run(work / "run-cold", references))
    step("run_warm", lambda: _timed_run(work / "run-warm", references))
    long = states.setdefault("long", {})  # one article, whatever FILE and --limit are
    if args.long_words and str(args.long_words) not in long:
        print(f"[throughput] {args.long_words}-word article …", file=sys.stderr, flush=True)
        long[str(args.long_words)] = {**_child(_LONG, str(args.long_words)), "commit": _commit()}
        STATE.write_text(json.dumps(states, indent=1))
    table = _table(state, args.file, long)
    print(table)
    threads = f"EVALKIT_THREADS={os.environ['EVALKIT_THREADS']} " if os.environ.get("EVALKIT_THREADS") else ""
    reproduce = f"{threads}python benchmarks/throughput.py {args.file}"
    if args.limit:
        reproduce += f" --limit {args.limit}"
    if long:
        reproduce += f" --long-words {max(long, key=int)}"
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "throughput.md").write_text(
        f"# evalkit score throughput\n\nReproduce: `{reproduce}`\n\n{table}\n", encoding="utf-8"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
