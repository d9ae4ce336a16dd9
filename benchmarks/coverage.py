"""Does `coverage` rank summaries as people do? Kendall tau against human coverage judgements.

    EVALKIT_THREADS=1 python benchmarks/coverage.py DATA_DIR [--docs N] [--judge bundled]

DATA_DIR holds `realsumm.jsonl.gz` (LitePyramid recall of the reference's content units, 100 CNN/DM
articles x 25 systems) and `summeval_relevance.jsonl.gz` (expert relevance, 100 x 16); see the README
beside them. Every signal reads the article and the summary only, never the reference. Side by side on
the same rows: `coverage`, ROUGE-1/2 recall of the summary against the article, similarity recall (mean
over article sentences of their best MiniLM cosine to a summary sentence), evalkit's `similarity`, and
the summary's length in words. Summary-level tau: within each article across its systems, averaged over
articles; system-level tau: on the per-system means. `--docs N` takes the first N articles of a seeded
shuffle. Vectors and judge scores are cached in `benchmarks/.work/` (a rerun, or a run resumed after an
interruption, reads them back); writes `benchmarks/results/coverage.md`.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
from scipy.stats import kendalltau

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from evalkit import claims, metrics  # noqa: E402
from evalkit.cache import VectorCache  # noqa: E402
from evalkit.capture import pair_capture  # noqa: E402
from evalkit.coverage import coverage_batch  # noqa: E402
from evalkit.encoder import Encoder  # noqa: E402
from evalkit.judges import Judge, load_judge  # noqa: E402
from evalkit.settings import Settings  # noqa: E402

WORK = ROOT / "benchmarks" / ".work"
DATASETS = {"realsumm": "realsumm.jsonl.gz", "summeval": "summeval_relevance.jsonl.gz"}
# Coverage's choices (`evalkit.coverage`: lead and key pieces, evidence, aggregation) were picked on the
# first 20 SummEval articles of the shuffle, so SummEval is reported on the other 80 only.
TUNED_ON = {"summeval": 20}
SIGNALS = ("coverage", "rouge1_recall", "rouge2_recall", "similarity_recall", "similarity", "length")
SEED = 17


def read(path: Path, docs: int | None, skip: int = 0) -> list[dict]:
    """The rows of `docs` articles (all by default) of a seeded shuffle, after the first `skip` of it."""
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        rows = [json.loads(line) for line in lines]
    ids = sorted({r["doc_id"] for r in rows})
    random.Random(SEED).shuffle(ids)
    keep = set(ids[skip:][:docs])
    return [r for r in rows if r["doc_id"] in keep]


def score_document(rows: list[dict], encoder: Encoder, judge: Judge) -> list[dict]:
    """Every signal for the summaries of one article (one judge call for all of them)."""
    pairs = []
    for row in rows:
        capture = pair_capture(row["id"], row["document"], row["summary"], row["id"])
        pairs.append((metrics.article_units(capture.body_paragraphs), [c.text for c in claims.split(capture)]))
    covered = coverage_batch(pairs, encoder, judge)
    out = []
    for row, (units, said), cov in zip(rows, pairs, covered, strict=True):
        unit_vecs, claim_vecs = encoder.encode(units), encoder.encode(said)
        rouge = metrics.rouge(said, units)
        out.append(
            {
                "doc": row["doc_id"],
                "system": row["system"],
                "human": row["human"],
                "coverage": cov.coverage,
                "rouge1_recall": rouge["rouge1"]["recall"],
                "rouge2_recall": rouge["rouge2"]["recall"],
                "similarity_recall": float((unit_vecs @ claim_vecs.T).max(axis=1).mean()),
                "similarity": metrics.document_similarity(claim_vecs, unit_vecs),
                "length": len(row["summary"].split()),
            }
        )
    return out


def summary_level(scored: list[dict], signal: str) -> float:
    """Kendall tau across systems within each article, averaged over articles (constant ones skipped)."""
    by_doc: dict[str, list[dict]] = defaultdict(list)
    for s in scored:
        by_doc[s["doc"]].append(s)
    taus = [kendalltau([s[signal] for s in group], [s["human"] for s in group]).statistic for group in by_doc.values()]
    return statistics.fmean(t for t in taus if not np.isnan(t))


def system_level(scored: list[dict], signal: str) -> float:
    by_system: dict[str, list[dict]] = defaultdict(list)
    for s in scored:
        by_system[s["system"]].append(s)
    means = [
        (statistics.fmean(s[signal] for s in g), statistics.fmean(s["human"] for s in g)) for g in by_system.values()
    ]
    return float(kendalltau(*zip(*means, strict=True)).statistic)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="folder with realsumm.jsonl.gz and summeval_relevance.jsonl.gz")
    parser.add_argument("--docs", type=int, help="articles per dataset (seeded sample); default all")
    parser.add_argument("--judge", default="bundled")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "coverage.md")
    args = parser.parse_args()
    store = VectorCache(WORK / "cache", 4096)
    encoder = Encoder(cache=store)
    judge = load_judge(Settings(judge=args.judge), store)
    lines = [
        f"Kendall tau with human judgements; judge `{judge.id}`.",
        f"Command: `python benchmarks/coverage.py DATA_DIR{f' --docs {args.docs}' if args.docs else ''}"
        f"{f' --judge {args.judge}' if args.judge != 'bundled' else ''}`",
        "",
        "| dataset | rows | signal | summary-level tau | system-level tau |",
        "|---|---:|---|---:|---:|",
    ]
    for name, file in DATASETS.items():
        rows = read(args.data / file, args.docs, TUNED_ON.get(name, 0))
        by_doc: dict[str, list[dict]] = defaultdict(list)
        for row in rows:
            by_doc[row["doc_id"]].append(row)
        clock = time.perf_counter()
        scored = []
        for i, group in enumerate(by_doc.values(), 1):
            scored += score_document(group, encoder, judge)
            print(f"{name}: {i}/{len(by_doc)} articles, {time.perf_counter() - clock:.0f}s", file=sys.stderr)
        for signal in SIGNALS:
            lines.append(
                f"| {name} | {len(scored)} | {signal} | "
                f"{summary_level(scored, signal):.3f} | {system_level(scored, signal):.3f} |"
            )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
