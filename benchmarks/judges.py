"""Which support judge generalises? Each dev benchmark held out in turn, on the same rows for every judge.

    python benchmarks/judges.py ../shared/bench/dev.jsonl --docs 150

Judges compared, all reading the same claims and evidence:

* the cross-encoder alone (its weakest claim's best-passage probability; never fitted on dev rows);
* the lexical judge (its logistic model over similarity and overlap signals, refitted per fold);
* the rank average of the two (each claim's rank among the training claims, averaged);
* logistic heads over the cross-encoder's logit and lexical signals, fitted multiple-instance as
  `training/fit_judge.py` does: today's (entail, novel); with the editorial signal; with every signal
  (strongly regularised). Heads with the editorial signal also train on `training/editorial_pairs.py`'s
  synthetic pairs, made from the training benchmarks' rows only.

SummEdits, FIB and XSumFaith (the license-allowed ones) are held out in turn: fitted on the other two,
threshold chosen on the other two (the cut with the smallest worst shortfall from each one's best cut,
`fit_judge.robust_threshold`). PolyTope and FaithBench are never fitted on: the model fitted on all
three. For each held-out benchmark: ROC AUC, balanced accuracy at the transferred cut, and the
shortfall from the best cut on that benchmark itself (an in-sample ceiling). Synthetic pairs of a
held-out benchmark measure how often an added editorial sentence is flagged and a stated one passes.

Rows are the first `--docs` documents of a seeded order that interleaves the benchmarks
(`training.features.interleaved`), with all their summaries: extracted and scored by the cross-encoder
document by document into `training/.work/`, so a stopped run resumes and a larger N adds to it.
Writes `benchmarks/results/judges.md`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from evalkit.prepare import support  # noqa: E402
from training.features import ALLOWED  # noqa: E402
from training.fit_judge import dev_table, robust_threshold  # noqa: E402
from training.fit_support import Table, auc, balanced_accuracy, best_threshold, fit_mil, summary_min  # noqa: E402

EVALUATION_ONLY = ("polytope", "faithbench")
STRONG = 0.05  # inverse L2 strength for the head over every signal

ClaimScorer = Callable[[Table], np.ndarray]  # a fitted judge: per-claim scores of a table's claims


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def head(features: Sequence[str], c: float = 1.0) -> Callable[[Table], ClaimScorer]:
    def fitted(train: Table) -> ClaimScorer:
        w, b = fit_mil(train, features, c=c)
        return lambda t: sigmoid(t.only(features).X @ w + b)

    return fitted


def alone(train: Table) -> ClaimScorer:
    return lambda t: sigmoid(t.only(["entail"]).X[:, 0])


def rank_average(train: Table) -> ClaimScorer:
    """Each claim's rank among the training claims, by the cross-encoder and by the lexical judge, averaged."""
    judges = [alone(train), head(support.FEATURES)(train)]
    reference = [np.sort(j(train)) for j in judges]
    return lambda t: np.mean([np.searchsorted(r, j(t)) / len(r) for j, r in zip(judges, reference, strict=True)], 0)


def logit_stack(train: Table) -> ClaimScorer:
    """A head over the cross-encoder's logit, the lexical judge's logit (refitted on `train`) and editorial."""
    w, b = fit_mil(train, support.FEATURES)

    def add(t: Table) -> Table:
        return t.with_column("lexical", t.only(support.FEATURES).X @ w + b)

    features = ("entail", "lexical", "editorial")
    fitted = head(features)(add(train))
    return lambda t: fitted(add(t))


@dataclass(frozen=True)
class Candidate:
    name: str
    fit: Callable[[Table], ClaimScorer]
    synthetic: bool  # trains on the synthetic editorial pairs too


CANDIDATES = (
    Candidate("cross-encoder alone", alone, False),
    Candidate("lexical judge", head(support.FEATURES), False),
    Candidate("rank average", rank_average, False),
    Candidate("head: entail, novel (today)", head(("entail", "novel")), False),
    Candidate("head: entail, novel, editorial", head(("entail", "novel", "editorial")), True),
    Candidate("head: every signal, C=0.05", head(("entail", *support.SIGNALS), STRONG), True),
    Candidate("head: entail, lexical logit, editorial", logit_stack, True),
)


@dataclass(frozen=True)
class Heldout:
    auc: float
    ba: float
    best_ba: float
    flagged: float  # synthetic editorial negatives flagged (score below the cut); nan where none
    stated_passed: float  # synthetic stated-framing positives passed

    @property
    def shortfall(self) -> float:
        return self.best_ba - self.ba


def evaluate(t: Table, candidate: Candidate, held: str) -> Heldout:
    bench = t.column("benchmark")
    synthetic = np.array(["#" in r["id"] for r in t.rows])
    test = (bench == held) & ~synthetic
    shared = np.isin(t.column("doc_id"), list(set(t.column("doc_id")[test])))  # FIB and XSumFaith share articles
    train = np.isin(bench, ALLOWED) & (bench != held) & ~shared & (candidate.synthetic | ~synthetic)
    judge = candidate.fit(t.subset(train))
    real_train = t.subset(train & ~synthetic)
    cut, _ = robust_threshold(_summary(judge, real_train), real_train.label, real_train.column("benchmark"))
    held_table = t.subset(test)
    score = _summary(judge, held_table)
    made = t.subset((bench == held) & synthetic)
    made_score = _summary(judge, made) if made.rows else np.array([])
    return Heldout(
        auc(held_table.label, score),
        balanced_accuracy(held_table.label, score >= cut),
        best_threshold(score, held_table.label)[1],
        float(np.mean(made_score[made.label == 0] < cut)) if made.rows else float("nan"),
        float(np.mean(made_score[made.label == 1] >= cut)) if made.rows else float("nan"),
    )


def _summary(judge: ClaimScorer, t: Table) -> np.ndarray:
    return summary_min(judge(t), t.row, len(t.rows))


def report(t: Table, docs: int) -> str:
    bench = t.column("benchmark")
    real = np.array(["#" not in r["id"] for r in t.rows])
    held = [b for b in (*ALLOWED, *EVALUATION_ONLY) if (real & (bench == b)).any()]
    results = {c.name: {b: evaluate(t, c, b) for b in held} for c in CANDIDATES}
    lines = [
        "| held out | rows (faithful) | " + " | ".join(c.name for c in CANDIDATES) + " |",
        "|---|---:|" + "---:|" * len(CANDIDATES),
    ]
    for b in held:
        keep = real & (bench == b)
        cells = [
            f"{results[c.name][b].auc:.3f} / {results[c.name][b].ba:.3f} / {results[c.name][b].shortfall:+.3f}"
            for c in CANDIDATES
        ]
        lines.append(f"| {b} | {keep.sum()} ({t.label[keep].sum()}) | " + " | ".join(cells) + " |")
    for label, names in (("mean, allowed (LOBO)", ALLOWED), ("mean, evaluation-only", EVALUATION_ONLY)):
        names = [b for b in names if b in held]
        if not names:
            continue
        cells = []
        for c in CANDIDATES:
            r = [results[c.name][b] for b in names]
            cells.append(
                f"{np.mean([x.auc for x in r]):.3f} / {np.mean([x.ba for x in r]):.3f} / "
                f"{max(x.shortfall for x in r):+.3f} worst"
            )
        lines.append(f"| **{label}** | | " + " | ".join(cells) + " |")
    flags = []
    for c in CANDIDATES:
        r = [results[c.name][b] for b in ALLOWED if b in held]
        flags.append(f"{np.nanmean([x.flagged for x in r]):.0%} / {np.nanmean([x.stated_passed for x in r]):.0%}")
    lines.append("| synthetic editorial pairs, held out: flagged / stated passed | | " + " | ".join(flags) + " |")
    synthetic = ~real
    editorial = t.X[:, t.columns.index("editorial")] > 0
    faithful_claims = (t.label[t.row] == 1) & real[t.row]
    notes = [
        "",
        f"Cells: ROC AUC / balanced accuracy at the transferred cut / shortfall from that benchmark's own best cut. "
        f"Rows: the first {docs} documents of the interleaved order ({real.sum()} summaries), plus "
        f"{synthetic.sum()} synthetic editorial pairs for training.",
        f"The editorial signal fires on {editorial[faithful_claims].mean():.1%} of faithful summaries' claims and "
        f"{editorial[~faithful_claims & real[t.row]].mean():.1%} of unfaithful ones' (real rows).",
    ]
    return "\n".join(lines + notes) + "\n"


def main(argv: list[str]) -> None:
    """`judges.py [DEV] [--docs N]`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dev", nargs="?", default="../shared/bench/dev.jsonl")
    parser.add_argument("--docs", type=int, default=150, help="documents of the interleaved order to use")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "judges.md")
    args = parser.parse_args(argv)
    dev, docs = args.dev, args.docs
    text = report(dev_table(dev, docs), docs)
    header = (
        "# Support judges, each dev benchmark held out\n\n"
        f"Reproduce: `python benchmarks/judges.py {dev} --docs {docs}"
        + (f" --out {args.out.name}" if args.out.name != "judges.md" else "")
        + "` (EVALKIT_THREADS=1 on a shared machine). "
        "Calibrated and reported on the dev data: every figure is out-of-fold (leave-one-benchmark-out).\n\n"
    )
    args.out.write_text(header + text, encoding="utf-8")
    print(header + text)


if __name__ == "__main__":
    main(sys.argv[1:])
