"""Throughput of `evalkit score` against the floor of unavoidable model work, cold and warm, per runtime.

    python benchmarks/throughput.py [FILE] [--limit N] [--long-words N] [--runtimes torch,openvino]

Measures, on the first N pairs of FILE (default the dev file), for each runtime (`--runtime`), the
runtimes interleaved step by step so both see the same load on a shared machine:

* model load: importing torch + sentence-transformers and loading MiniLM and the judge's cross-encoder,
  in a fresh process;
* floor: the model work alone, with the same models, batch sizes and threads: encoding every distinct
  claim, article sentence and 2-sentence window once, then the bundled judge's cross-encoder reading
  every distinct (claim, evidence passage) pair once;
* `evalkit score` end to end in a subprocess, cold (empty temp cache) and warm (the cache it filled),
  with the process's peak RSS and its scoring time (after imports);
* `evalkit run` over the project's references, cold then warm: its own evaluation time (results.json);
* for OpenVINO, the one-time conversion of both models into an empty model cache (later runs reuse it);
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
from evalkit.frontends.cli import main
t1 = time.perf_counter()
rc = main(sys.argv[1:])
t2 = time.perf_counter()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print("BENCH " + json.dumps({"rc": rc, "import_s": t1 - t0, "score_s": t2 - t1, "peak_mb": peak}), file=sys.stderr)
"""

_LOAD = """
import json, resource, sys, time
t0 = time.perf_counter()
from evalkit.prepare.encoder import embed
from evalkit.judges.bundled import BundledJudge
from evalkit.settings import DEFAULT_MODEL
embed(DEFAULT_MODEL, sys.argv[1], ["warm up"], 16)
BundledJudge(None, sys.argv[1]).scorer.score([("warm", "up")])
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print("BENCH " + json.dumps({"load_s": time.perf_counter() - t0, "peak_mb": peak}), file=sys.stderr)
"""

_FLOOR = """
import json, resource, sys, time
import numpy as np
from evalkit.prepare import claims
from evalkit.prepare import passages as units_of
from evalkit.errors import InputError
from evalkit.prepare.encoder import MODEL_BATCH, embed, torch_threads
from evalkit.judges.bundled import data_folder, passages
from evalkit.judges.nli import CrossEncoderScorer
from evalkit.scoring.pipeline import jobs_from_paths
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
    units = units_of.article_units(job.capture.body_paragraphs)
    found_of.append(([c.text for c in found], units, units_of.windows(units)))
    for text in (*(c.text for c in found), *units, *units_of.windows(units)):
        texts[text] = None
runtime = sys.argv[2]
embed(settings.model, runtime, ["warm up"], MODEL_BATCH)
order = sorted(texts, key=len, reverse=True)
t0 = time.perf_counter()
vectors = embed(settings.model, runtime, order, MODEL_BATCH)
encode_s = time.perf_counter() - t0
vec = dict(zip(order, vectors))
judge_pairs = {}
for claim_texts, units, windows in found_of:
    unit_vecs = np.stack([vec[u] for u in units])
    window_vecs = np.stack([vec[w] for w in windows]) if windows else np.zeros((0, unit_vecs.shape[1]))
    for claim in claim_texts:
        for passage in passages(units_of.match(claim, vec[claim], units, unit_vecs, window_vecs).evidence()):
            judge_pairs[(claim, passage)] = None
scorer = CrossEncoderScorer(data_folder() / "cross-encoder", runtime=runtime)
scorer.score([("warm", "up")])
t0 = time.perf_counter()
scorer.score(list(judge_pairs))
judge_s = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
info = {"floor_s": encode_s + judge_s, "encode_s": encode_s, "judge_s": judge_s, "judge_pairs": len(judge_pairs)}
info.update({"texts": len(order), "docs": len(docs), "pairs": pairs, "threads": torch_threads()})
print("BENCH " + json.dumps({**info, "peak_mb": peak}), file=sys.stderr)
"""

_CONVERT = """
import json, sys, time
t0 = time.perf_counter()
from evalkit.prepare.encoder import embed
from evalkit.judges.bundled import BundledJudge
from evalkit.settings import DEFAULT_MODEL
embed(DEFAULT_MODEL, "openvino", ["warm up"], 16)
BundledJudge(None, "openvino").scorer.score([("warm", "up")])
print("BENCH " + json.dumps({"convert_s": time.perf_counter() - t0}), file=sys.stderr)
"""

_LONG = """
import json, random, resource, sys, time
from evalkit.frontends.api import score_pair as judge
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


def _child(code: str, *args: str, env: dict[str, str] | None = None) -> dict:
    """Run `code` in a fresh interpreter (nothing preloaded) and return what it reports."""
    proc = subprocess.run(
        [sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True, text=True, env={**os.environ, **(env or {})}
    )
    lines = [line for line in proc.stderr.splitlines() if line.startswith("BENCH ")]
    if proc.returncode or not lines:
        sys.exit(f"benchmark step failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    return json.loads(lines[-1][len("BENCH ") :])


def _timed_score(subset: Path, out: Path, cache: Path, runtime: str) -> dict:
    t0 = time.perf_counter()
    report = _child(_CHILD, "score", str(subset), "-o", str(out), "--cache-dir", str(cache), "--runtime", runtime)
    return {**report, "wall_s": time.perf_counter() - t0}


def _timed_run(out: Path, cache: Path, runtime: str) -> dict:
    """`evalkit run` over the project's references, as a whole process and by its own evaluation time."""
    t0 = time.perf_counter()
    args = ("run", str(ROOT / "references"), "--output-dir", str(out), "--cache-dir", str(cache), "--runtime", runtime)
    report = _child(_CHILD, *args)
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    return {
        **report,
        "wall_s": time.perf_counter() - t0,
        "evaluation_s": results["seconds"],
        "captures": len(results["results"]),
    }


def _timed_convert(folder: Path) -> dict:
    """OpenVINO's one-time conversion of both models, into an empty model cache."""
    import shutil

    shutil.rmtree(folder, ignore_errors=True)
    return _child(_CONVERT, env={"EVALKIT_MODEL_CACHE": str(folder)})


def _records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]  # "\n" only


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


def _score_differences(reference: Path, other: Path) -> dict:
    """Claim scores of `other` against `reference` (same inputs): largest and mean difference, verdict flips."""
    pairs = [
        (a, b)
        for x, y in zip(_records(reference), _records(other), strict=True)
        for a, b in zip(x.get("claims", ()), y.get("claims", ()), strict=True)
        if a["score"] is not None and b["score"] is not None
    ]
    gaps = [abs(a["score"] - b["score"]) for a, b in pairs]
    return {
        "claims": len(pairs),
        "max": max(gaps, default=0.0),
        "mean": sum(gaps) / len(gaps) if gaps else 0.0,
        "flips": sum(a["verdict"] != b["verdict"] for a, b in pairs),
    }


def _commit() -> str:
    proc = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    return proc.stdout.strip() or "unknown"


def _table(s: dict, file: str, runtimes: list[str], long_runs: dict) -> str:
    first = s[f"floor@{runtimes[0]}"]
    pairs = first["pairs"]
    lines = [
        f"Input: `{file}`, first {pairs:,} pairs ({first['docs']:,} distinct articles, "
        f"{first['texts']:,} distinct texts to encode); {first['threads']} model thread(s); "
        f"{os.cpu_count()} CPU(s), {platform.processor() or platform.machine()}; "
        f"commit(s) {', '.join(sorted(set(s.get('commits', {}).values())))}; "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}. Runtimes interleaved step by step in one run.",
        "",
        "| runtime | step | seconds | pairs/s | vs its floor | peak RSS MB | note |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for runtime in runtimes:
        floor = s[f"floor@{runtime}"]
        cold, warm, load = s[f"cold@{runtime}"], s[f"warm@{runtime}"], s[f"load@{runtime}"]

        def row(name: str, seconds: float, peak: float | None, note: str = "", runtime: str = runtime) -> str:
            mem = f"{peak:,.0f}" if peak is not None else "-"
            ratio = seconds / s[f"floor@{runtime}"]["floor_s"]
            return f"| {runtime} | {name} | {seconds:,.1f} | {pairs / seconds:,.2f} | {ratio:.2f}× | {mem} | {note} |"

        lines += [
            row("model load (fresh process)", load["load_s"], load["peak_mb"], "imports + encoder + cross-encoder"),
            row(
                "floor: model work only",
                floor["floor_s"],
                floor["peak_mb"],
                f"each distinct text encoded once ({floor['encode_s']:,.1f} s), each of "
                f"{floor['judge_pairs']:,} claim-passage pairs judged once ({floor['judge_s']:,.1f} s)",
            ),
            row("`evalkit score`, cold, end to end", cold["wall_s"], cold["peak_mb"], "empty cache, fresh process"),
            row("… of which scoring (after imports)", cold["score_s"], None, "includes model load"),
            row("`evalkit score`, warm, end to end", warm["wall_s"], warm["peak_mb"], "cache filled by the cold run"),
            row("… of which scoring (after imports)", warm["score_s"], None, ""),
        ]
        convert = s.get(f"convert@{runtime}")
        if convert:
            lines.append(
                f"| {runtime} | one-time conversion of both models | {convert['convert_s']:,.1f} | - | - | - "
                "| into an empty model cache; every later run reuses it |"
            )
        run_cold, run_warm = s[f"run_cold@{runtime}"], s[f"run_warm@{runtime}"]
        lines.append(
            f"| {runtime} | `evalkit run` ({run_cold['captures']} references), whole process, cold → warm "
            f"| {run_cold['wall_s']:,.1f} → {run_warm['wall_s']:,.1f} | - | - "
            f"| {run_cold['peak_mb']:,.0f} → {run_warm['peak_mb']:,.0f} "
            f"| evaluation alone {run_cold['evaluation_s']:,.1f} → {run_warm['evaluation_s']:,.2f} s |"
        )
    for words, long in sorted(long_runs.items(), key=lambda item: int(item[0])):
        lines.append(
            f"| {long.get('runtime', 'torch')} | one {int(words):,}-word article ({long['units']:,} units), cold "
            f"| {long['long_s']:,.1f} | - | - | {long['peak_mb']:,.0f} | `score_pair()`, no cache |"
        )
    lines.append("")
    for runtime in runtimes:
        cold, warm, floor = s[f"cold@{runtime}"], s[f"warm@{runtime}"], s[f"floor@{runtime}"]["floor_s"]
        lines.append(
            f"- {runtime}: cold end to end is **{cold['wall_s'] / floor:.2f}×** its floor; warm re-run "
            f"**{cold['wall_s'] / warm['wall_s']:.1f}×** faster than cold; warm and cold outputs identical: "
            f"{s[f'same@{runtime}']}."
        )
    if len(runtimes) > 1:
        base, other = runtimes[0], runtimes[1]
        gap = s[f"scores@{other}"]
        speedup = s[f"cold@{base}"]["wall_s"] / s[f"cold@{other}"]["wall_s"]
        lines.append(
            f"- {other} against {base}: cold end to end **{speedup:.2f}×** faster, floor "
            f"{s[f'floor@{base}']['floor_s'] / s[f'floor@{other}']['floor_s']:.2f}× faster, "
            f"`evalkit run` cold {s[f'run_cold@{base}']['wall_s'] / s[f'run_cold@{other}']['wall_s']:.2f}× faster; "
            f"claim scores differ by at most {gap['max']:.4f} (mean {gap['mean']:.5f}) over {gap['claims']:,} claims, "
            f"{gap['flips']} verdict(s) differ."
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", default=DEFAULT_FILE, help="JSONL pairs (default: the dev file)")
    parser.add_argument("--limit", type=int, help="score only the first N pairs")
    parser.add_argument("--long-words", type=int, default=0, help="also score one generated article this long")
    parser.add_argument("--runtimes", default="torch,openvino", help="runtimes to compare, the reference first")
    parser.add_argument("--fresh", action="store_true", help="ignore steps finished by an earlier run")
    args = parser.parse_args(argv)
    runtimes = args.runtimes.split(",")

    from evalkit.prepare.encoder import torch_threads

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

    def each(name: str, fn: Callable[[str], object]) -> None:
        """One step for every runtime, back to back, so they see the same load."""
        for runtime in runtimes:
            step(f"{name}@{runtime}", lambda runtime=runtime: fn(runtime))

    subset = work / "input.jsonl"
    with open(args.file, encoding="utf-8") as src, subset.open("w", encoding="utf-8") as dst:
        for i, line in enumerate(src):
            if args.limit is not None and i >= args.limit:
                break
            dst.write(line)
    import shutil

    for runtime in runtimes:  # a cold run must start from an empty cache
        for name, folder in (("cold", "cache"), ("run_cold", "run-cache")):
            if f"{name}@{runtime}" not in state:
                shutil.rmtree(work / f"{folder}-{runtime}", ignore_errors=True)
    if "openvino" in runtimes:
        step("convert@openvino", lambda: _timed_convert(work / "model-cache"))
    each("load", lambda r: _child(_LOAD, r))
    each("floor", lambda r: _child(_FLOOR, str(subset), r))
    each("cold", lambda r: _timed_score(subset, work / f"cold-{r}.jsonl", work / f"cache-{r}", r))
    each("warm", lambda r: _timed_score(subset, work / f"warm-{r}.jsonl", work / f"cache-{r}", r))
    each("same", lambda r: _same_records(work / f"cold-{r}.jsonl", work / f"warm-{r}.jsonl"))
    each("scores", lambda r: _score_differences(work / f"cold-{runtimes[0]}.jsonl", work / f"cold-{r}.jsonl"))
    each("run_cold", lambda r: _timed_run(work / f"run-cold-{r}", work / f"run-cache-{r}", r))
    each("run_warm", lambda r: _timed_run(work / f"run-warm-{r}", work / f"run-cache-{r}", r))
    long = states.setdefault("long", {})  # one article, whatever FILE and --limit are
    if args.long_words and str(args.long_words) not in long:
        print(f"[throughput] {args.long_words}-word article …", file=sys.stderr, flush=True)
        long[str(args.long_words)] = {**_child(_LONG, str(args.long_words)), "commit": _commit()}
        STATE.write_text(json.dumps(states, indent=1))
    table = _table(state, args.file, runtimes, long)
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
