"""Fit the claim support judge (`evalkit/data/support_model.json`) on the license-allowed dev rows.

    python training/fit_support.py /work/shared/bench/dev.jsonl   # add --cached to skip extraction

Labels are per summary, verdicts per claim, so the claim-level logistic regression is fitted as a
multiple-instance problem: every claim of a faithful summary is a positive; an unfaithful summary
contributes only its weakest claim (under the current fit) as a negative; a few rounds re-pick
those claims. Benchmarks and classes are weighted equally, so the large, mostly-unfaithful XSum sets
do not set the prior. The `threshold` (below: unsupported) maximises balanced accuracy of
`consistent` on the allowed rows; `supported_at` is the score only 25% of unfaithful summaries'
weakest claims reach, so `supported` means something and `weak` is the band between.

Only SummEdits, FIB and XSumFaith rows are used (bench README license table); PolyTope and
FaithBench are evaluation-only. Cross-validated figures come from `benchmarks/support.py`.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from evalkit.prepare import support  # noqa: E402
from evalkit.read.capture import pair_capture  # noqa: E402
from training.features import ALLOWED, WORK, extract, load, match_of, read_rows  # noqa: E402

MODEL_PATH = Path(__file__).resolve().parent.parent / "evalkit" / "data" / "support_model.json"
MIL_ROUNDS = 6
C = 1.0  # mild L2: the features are few and on comparable scales
# The direction each signal may push the score; a weight fitted the other way is a quirk of the
# training data (e.g. SummEdits' paraphrase edits add new words to faithful summaries) and is dropped.
SIGNS = {
    "entail": 1,
    "sim": 1,
    "coverage": 1,
    "doc_coverage": 1,
    "bigram": 1,
    "novel": -1,
    "editorial": -1,
    "lexical": 1,
}
EXCLUDE_UNFAITHFUL = 0.75  # share of unfaithful summaries whose weakest claim stays below `supported_at`


@dataclass
class Table:
    """Per-claim features and the row each claim belongs to, plus per-row labels and metadata."""

    X: np.ndarray  # (claims, features)
    row: np.ndarray  # claim -> row index
    rows: list[dict]  # raw records (id, benchmark, origin, doc_id, label, spans, claims, rouge2_p)
    label: np.ndarray  # per row
    columns: tuple[str, ...] = support.SIGNALS  # the feature each column of X holds

    def subset(self, keep: np.ndarray) -> Table:
        """Rows where `keep` is true, with claims renumbered."""
        index = np.flatnonzero(keep)
        remap = np.full(len(self.rows), -1)
        remap[index] = np.arange(len(index))
        claims = keep[self.row]
        rows = [self.rows[i] for i in index]
        return Table(self.X[claims], remap[self.row[claims]], rows, self.label[index], self.columns)

    def with_column(self, name: str, values: np.ndarray) -> Table:
        """The same rows with one more claim-level column."""
        return Table(np.column_stack([self.X, values]), self.row, self.rows, self.label, (*self.columns, name))

    def keep_claims(self, keep: np.ndarray) -> Table:
        """The claims where `keep` is true (every row keeps at least one)."""
        return Table(self.X[keep], self.row[keep], self.rows, self.label, self.columns)

    def only(self, features: Sequence[str]) -> Table:
        """The same rows with just the `features` columns, in that order."""
        X = self.X[:, [self.columns.index(f) for f in features]]
        return Table(X, self.row, self.rows, self.label, tuple(features))

    def column(self, key: str) -> np.ndarray:
        return np.array([r[key] for r in self.rows])


def build(dev: str | Path | list[dict], raw: Path = WORK / "raw.jsonl", fresh: bool = True) -> Table:
    """Extract what is missing (unless `fresh` is off) and turn each claim's stored evidence into signals.

    `dev` is the dev file or its rows (synthetic rows too); only the rows it holds are read from `raw`."""
    source = dev if isinstance(dev, list) else read_rows(dev)
    if fresh:
        extract(source, raw)
    documents = {r["id"]: r["document"] for r in source}
    summaries = {r["id"]: r["summary"] for r in source}
    indexes: dict[str, support.ArticleIndex] = {}
    X, row, rows = [], [], []
    for record in load(raw):
        if record["error"] or not record["claims"] or record["id"] not in documents:
            continue
        key = record["doc_id"] or record["id"]
        if key not in indexes:
            body = pair_capture(record["id"], documents[record["id"]], summaries[record["id"]], "").body
            indexes[key] = support.index_article(body)
        for claim in record["claims"]:
            sig = support.signals(claim["text"], match_of(claim), indexes[key])
            X.append([sig[f] for f in support.SIGNALS])
            row.append(len(rows))
        rows.append(record)
    label = np.array([r["label"] for r in rows])
    return Table(np.array(X, dtype=float), np.array(row), rows, label)


def summary_min(values: np.ndarray, row: np.ndarray, n: int) -> np.ndarray:
    """Per-row minimum of claim values (the summary score is its weakest claim's)."""
    out = np.full(n, np.inf)
    np.minimum.at(out, row, values)
    return out


def _weakest(values: np.ndarray, row: np.ndarray, n: int) -> np.ndarray:
    """Index of each row's lowest-valued claim."""
    order = np.lexsort((values, row))
    first = np.ones(len(order), dtype=bool)
    first[1:] = row[order][1:] != row[order][:-1]
    out = np.empty(n, dtype=int)
    out[row[order][first]] = order[first]
    return out


def fit_mil(
    t: Table, features: Sequence[str] = support.FEATURES, rounds: int = MIL_ROUNDS, c: float = C
) -> tuple[np.ndarray, float]:
    """Multiple-instance logistic regression (inverse L2 strength `c`); returns (weights, bias) over
    `features` (columns of `t`)."""
    t = t.only(features)
    n = len(t.rows)
    bench = t.column("benchmark")
    claims_per_row = np.bincount(t.row, minlength=n)
    pos_claims = np.flatnonzero(t.label[t.row] == 1)
    neg_rows = np.flatnonzero(t.label == 0)
    # Round 0 picks each unfaithful summary's claim lowest on the first feature (the strongest signal).
    current = t.X[:, 0]
    w, b = np.zeros(t.X.shape[1]), 0.0
    picked = None
    for _ in range(rounds):
        negs = _weakest(current, t.row, n)[neg_rows]
        if picked is not None and np.array_equal(negs, picked):
            break
        picked = negs
        idx = np.concatenate([pos_claims, negs])
        y = np.concatenate([np.ones(len(pos_claims)), np.zeros(len(negs))])
        # A faithful summary's claims share its unit weight; then each (benchmark, class) weighs the same.
        weight = np.concatenate([1.0 / claims_per_row[t.row[pos_claims]], np.ones(len(negs))])
        claim_bench = bench[t.row[idx]]
        for name in np.unique(claim_bench):
            for cls in (0, 1):
                sel = (claim_bench == name) & (y == cls)
                if sel.any():
                    weight[sel] /= weight[sel].sum()
        weight *= len(weight) / weight.sum()
        w, b = _monotone_fit(t.X[idx], y, weight, features, c)
        current = t.X @ w + b
    return w, b


def _monotone_fit(
    X: np.ndarray, y: np.ndarray, weight: np.ndarray, features: Sequence[str], c: float = C
) -> tuple[np.ndarray, float]:
    """Logistic regression that refits without any feature whose weight goes against `SIGNS`."""
    signs = np.array([SIGNS[f] for f in features])
    active = np.ones(X.shape[1], dtype=bool)
    while True:
        lr = LogisticRegression(C=c, max_iter=1000).fit(X[:, active], y, sample_weight=weight)
        w = np.zeros(X.shape[1])
        w[active] = lr.coef_[0]
        wrong = active & (w * signs < 0)
        if not wrong.any():
            return w, float(lr.intercept_[0])
        active &= ~wrong


def scores(t: Table, w: np.ndarray, b: float) -> np.ndarray:
    """Per-row summary score: the weakest claim's probability."""
    return summary_min(1.0 / (1.0 + np.exp(-(t.X @ w + b))), t.row, len(t.rows))


def balanced_accuracy(label: np.ndarray, predicted: np.ndarray) -> float:
    pos, neg = label == 1, label == 0
    parts = [predicted[pos].mean() if pos.any() else np.nan, (~predicted[neg]).mean() if neg.any() else np.nan]
    return float(np.nanmean(parts))


def best_threshold(score: np.ndarray, label: np.ndarray) -> tuple[float, float]:
    """The cut (consistent = score >= cut) with the highest balanced accuracy, and that accuracy."""
    candidates = np.unique(np.round(score, 4))
    best = (0.5, -1.0)
    for cut in candidates:
        acc = balanced_accuracy(label, score >= cut)
        if acc > best[1]:
            best = (float(cut), acc)
    return best


def supported_band(score: np.ndarray, label: np.ndarray, threshold: float) -> float:
    """Score at or above which only (1 - EXCLUDE_UNFAITHFUL) of unfaithful summaries' weakest claims sit."""
    return max(float(np.quantile(score[label == 0], EXCLUDE_UNFAITHFUL)), threshold + 0.05)


def auc(label: np.ndarray, score: np.ndarray) -> float:
    return float(roc_auc_score(label, score)) if 0 < label.sum() < len(label) else float("nan")


def fit(t: Table, features: Sequence[str] = support.FEATURES) -> dict:
    """Weights, bias and both verdict bands fitted on `t` (already restricted to allowed rows)."""
    w, b = fit_mil(t, features)
    score = scores(t.only(features), w, b)
    threshold, _ = best_threshold(score, t.label)
    return {
        "weights": dict(zip(features, map(float, w), strict=True)),
        "bias": b,
        "threshold": threshold,
        "supported_at": supported_band(score, t.label, threshold),
    }


def allowed(t: Table) -> np.ndarray:
    return np.isin(t.column("benchmark"), ALLOWED)


def lobo(t: Table, held_out: str, key: str = "benchmark", fitter: Callable[[Table], dict] = fit) -> tuple[dict, Table]:
    """Model fitted (by `fitter`) on the allowed rows outside `held_out` (and sharing no document with it)."""
    test = t.column(key) == held_out
    held_docs = set(t.column("doc_id")[test])
    train = allowed(t) & ~test & ~np.isin(t.column("doc_id"), list(held_docs))
    return fitter(t.subset(train)), t.subset(test)


def predict(model: dict, t: Table) -> tuple[np.ndarray, np.ndarray]:
    """(summary scores, consistent) under `model`."""
    w = np.array(list(model["weights"].values()))
    score = scores(t.only(list(model["weights"])), w, model["bias"])
    return score, score >= model["threshold"]


def main(argv: Sequence[str]) -> None:
    """`fit_support.py [DEV] [--cached]`: `--cached` fits on what was already extracted."""
    args = [a for a in argv if a != "--cached"]
    dev = args[0] if args else "/work/shared/bench/dev.jsonl"
    t = build(dev, fresh="--cached" not in argv)
    train = t.subset(allowed(t))
    model = fit(train)
    score, consistent = predict(model, train)
    cv = {}
    for name in ALLOWED:
        held_model, test = lobo(t, name)
        s, c = predict(held_model, test)
        cv[name] = {
            "roc_auc": round(auc(test.label, s), 4),
            "balanced_accuracy": round(balanced_accuracy(test.label, c), 4),
        }
    for name in ("polytope", "faithbench"):
        test = t.subset(t.column("benchmark") == name)
        if not test.rows:
            continue
        s, c = predict(model, test)
        cv[name] = {
            "roc_auc": round(auc(test.label, s), 4),
            "balanced_accuracy": round(balanced_accuracy(test.label, c), 4),
        }
    digest = hashlib.blake2b(json.dumps(model, sort_keys=True).encode(), digest_size=4).hexdigest()
    model = {
        k: round(v, 6) if isinstance(v, float) else {f: round(x, 6) for f, x in v.items()} for k, v in model.items()
    }
    model["provenance"] = {
        "id": f"logreg-{datetime.now(UTC):%Y%m%d}-{digest}",
        "fitted": True,
        "method": "claim-level logistic regression, multiple-instance (weakest claim of unfaithful summaries), "
        "classes and benchmarks weighted equally; threshold = best balanced accuracy of `consistent`; "
        f"supported_at = {EXCLUDE_UNFAITHFUL:.0%} quantile of unfaithful summaries' scores",
        "features": list(support.FEATURES),
        "dropped_by_sign_constraint": [f for f, w in model["weights"].items() if w == 0.0],
        "training_rows": {name: int((train.column("benchmark") == name).sum()) for name in ALLOWED},
        "data_licenses": {
            "summedits": "Apache-2.0 (Laban et al. 2023)",
            "fib": "CC BY 4.0 (Tam et al. 2023)",
            "xsumfaith": "CC BY 4.0 (Maynez et al. 2020)",
        },
        "in_sample": {
            "roc_auc": round(auc(train.label, score), 4),
            "balanced_accuracy": round(balanced_accuracy(train.label, consistent), 4),
        },
        "cv": cv,
        "cv_note": "summedits/fib/xsumfaith: leave-one-benchmark-out (refit without the held-out benchmark or its "
        "documents); polytope/faithbench: never trained on. Full table: benchmarks/results/support.md",
    }
    MODEL_PATH.write_text(json.dumps(model, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(model, indent=2))


if __name__ == "__main__":
    main(sys.argv[1:])
