"""Does `coverage` rank summaries as people do? Kendall tau against human coverage judgements.

    EVALKIT_THREADS=1 python benchmarks/coverage.py DATA_DIR [--docs N] [--judge bundled]

DATA_DIR holds `realsumm.jsonl.gz` (LitePyramid recall of the reference's content units, 100 CNN/DM
articles x 25 systems) and `summeval_relevance.jsonl.gz` (expert relevance, 100 x 16); see the README
beside them. Every signal reads the article and the summary only, never the reference. Side by side on
the same rows: `coverage`, its version 1 (`coverage_v1`: the share of 10 key pieces stated, by verdict),
ROUGE-1/2 recall of the summary against the article, similarity recall (mean over article sentences of
their best MiniLM cosine to a summary sentence), evalkit's `similarity`, and
the summary's length in words. Summary-level tau: within each article across its systems, averaged over
articles (with a 95% interval over articles, and coverage's gap to each other signal paired by
article); system-level tau: on the per-system means. Each set is reported without the 20 articles of it
coverage was tuned on (the first 20 of a seeded shuffle); `--docs N` takes the N articles after them,
`--sets` one set, `--tuning` the tuning articles instead. Vectors and judge scores are cached in
`benchmarks/.work/` (a rerun, or a run resumed after an interruption, reads them back); writes
`benchmarks/results/coverage.md` (`coverage-tuning.md`).
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

from evalkit.judges import Judge, load_judge  # noqa: E402
from evalkit.metrics.coverage import coverage_batch  # noqa: E402
from evalkit.metrics.rouge import rouge as rouge_scores  # noqa: E402
from evalkit.metrics.similarity import document_similarity  # noqa: E402
from evalkit.prepare import claims, passages  # noqa: E402
from evalkit.prepare.cache import VectorCache  # noqa: E402
from evalkit.prepare.encoder import Encoder  # noqa: E402
from evalkit.read.capture import pair_capture  # noqa: E402
from evalkit.settings import Settings  # noqa: E402

WORK = ROOT / "benchmarks" / ".work"
DATASETS = {"realsumm": "realsumm.jsonl.gz", "summeval": "summeval_relevance.jsonl.gz"}
# Coverage's choices (`evalkit.metrics.coverage`: lead and key pieces, evidence, aggregation) were picked on the
# first 20 articles of each set's shuffle, so each is reported on the others only.
TUNED_ON = {"realsumm": 20, "summeval": 20}
SIGNALS = ("coverage", "coverage_v1", "rouge1_recall", "rouge2_recall", "similarity_recall", "similarity", "length")
SEED = 17
# Version 1 of `coverage` (before issue 26), measured beside today's on the same rows: the share of 10 key
# pieces (the lead's 4, the 6 most central) with a verdict of weak or supported.
V1_KEY_PIECES = 10


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
        pairs.append((passages.article_units(capture.body_paragraphs), [c.text for c in claims.split(capture)]))
    covered = coverage_batch(pairs, encoder, judge)
    earlier = coverage_batch(pairs, encoder, judge, key=V1_KEY_PIECES)  # its judge pairs are among today's: cached
    out = []
    for row, (units, said), cov, v1 in zip(rows, pairs, covered, earlier, strict=True):
        unit_vecs, claim_vecs = encoder.encode(units), encoder.encode(said)
        rouge = rouge_scores(said, units)
        out.append(
            {
                "doc": row["doc_id"],
                "system": row["system"],
                "human": row["human"],
                "coverage": cov.coverage,
                "coverage_v1": v1.stated,
                "rouge1_recall": rouge["rouge1"]["recall"],
                "rouge2_recall": rouge["rouge2"]["recall"],
                "similarity_recall": float((unit_vecs @ claim_vecs.T).max(axis=1).mean()),
                "similarity": document_similarity(claim_vecs, unit_vecs),
                "length": len(row["summary"].split()),
            }
        )
    return out


def doc_taus(scored: list[dict], signal: str) -> dict[str, float]:
    """Kendall tau across systems within each article (articles where either side is constant left out)."""
    by_doc: dict[str, list[dict]] = defaultdict(list)
    for s in scored:
        by_doc[s["doc"]].append(s)
    taus = {doc: kendalltau([s[signal] for s in g], [s["human"] for s in g]).statistic for doc, g in by_doc.items()}
    return {doc: float(t) for doc, t in taus.items() if not np.isnan(t)}


def mean_interval(values: list[float]) -> tuple[float, float]:
    """The mean and the half-width of its 95% normal interval (how much the article sample moves it)."""
    return statistics.fmean(values), 1.96 * statistics.stdev(values) / len(values) ** 0.5


def paired(scored: list[dict], signal: str, other: str) -> tuple[float, float]:
    """Per-article tau of `signal` minus that of `other`, averaged over the articles both rank."""
    a, b = doc_taus(scored, signal), doc_taus(scored, other)
    return mean_interval([a[d] - b[d] for d in a.keys() & b.keys()])


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
    parser.add_argument("--sets", nargs="+", choices=sorted(DATASETS), default=list(DATASETS), help="default: both")
    parser.add_argument("--tuning", action="store_true", help="report the articles coverage was tuned on")
    parser.add_argument("--out", type=Path, help="default: benchmarks/results/coverage[-tuning].md")
    args = parser.parse_args()
    store = VectorCache(WORK / "cache", 4096)
    encoder = Encoder(cache=store)
    judge = load_judge(Settings(judge=args.judge), store)
    lines = [
        f"Kendall tau with human judgements; judge `{judge.id}`.",
        f"Command: `{' '.join(['python benchmarks/coverage.py DATA_DIR', *sys.argv[2:]])}`",
        "",
        "| dataset | rows | signal | summary-level tau (95% interval) | system-level tau |",
        "|---|---:|---|---:|---:|",
    ]
    gaps = ["", "Summary-level tau of coverage minus the other signal's, per article (95% interval):", ""]
    chosen = {name: DATASETS[name] for name in args.sets}
    plan = [(name, file, TUNED_ON[name], args.docs) for name, file in chosen.items()]
    if args.tuning:
        plan = [(f"{name}-tuning", file, 0, TUNED_ON[name]) for name, file in chosen.items()]
    for name, file, skip, docs in plan:
        rows = read(args.data / file, docs, skip)
        by_doc: dict[str, list[dict]] = defaultdict(list)
        for row in rows:
            by_doc[row["doc_id"]].append(row)
        clock = time.perf_counter()
        scored = []
        for i, group in enumerate(by_doc.values(), 1):
            scored += score_document(group, encoder, judge)
            print(f"{name}: {i}/{len(by_doc)} articles, {time.perf_counter() - clock:.0f}s", file=sys.stderr)
        for signal in SIGNALS:
            tau, half = mean_interval(list(doc_taus(scored, signal).values()))
            lines.append(
                f"| {name} | {len(scored)} | {signal} | {tau:.3f} ± {half:.3f} | {system_level(scored, signal):.3f} |"
            )
        gaps.append(
            f"- {name}: "
            + ", ".join(
                "{} {:+.3f} ± {:.3f}".format(other, *paired(scored, "coverage", other)) for other in SIGNALS[1:]
            )
        )
    lines += gaps
    out = args.out or ROOT / "benchmarks" / "results" / f"coverage{'-tuning' if args.tuning else ''}.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
