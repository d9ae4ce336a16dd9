"""Fit the bundled judge's head: the cross-encoder's entailment with the lexical judge and editorial framing.

    python training/fit_judge.py DEV.jsonl --docs 100

Rows: the first `--docs` documents of a seeded order that interleaves the dev benchmarks
(`training.features.interleaved`), license-allowed ones only, plus synthetic editorial pairs made from
them (`training/editorial_pairs.py`); `dev_table` extracts them and scores them with the cross-encoder a
few documents at a time into `training/.work/`, resumably. The cross-encoder (trained by
`training/train_judge.py` on no dev row) reads each claim against the passages
`evalkit.judges.bundled.passages` gives; the best one is the claim's `entail` signal, read as a logit.
A logistic head over `HEAD_FEATURES` is fitted multiple-instance, as `fit_support.py` fits the lexical
judge; `HEAD_FEATURES` is the candidate that generalised best with each benchmark held out in turn
(`benchmarks/judges.py`, docs/quality.md). The threshold is chosen for transfer, not for the pooled
dev rows: the cut whose worst per-benchmark shortfall from that benchmark's own best cut is smallest.
Writes `evalkit/data/judge/head.json`.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from evalkit.judges.bundled import data_folder, entail_logit, passages  # noqa: E402
from evalkit.judges.nli import CrossEncoderScorer  # noqa: E402
from evalkit.prepare import support  # noqa: E402
from evalkit.prepare.cache import VectorCache  # noqa: E402
from evalkit.settings import Settings  # noqa: E402
from training.editorial_pairs import pairs  # noqa: E402
from training.features import ALLOWED, WORK, extract, interleaved, load, match_of, read_rows  # noqa: E402
from training.fit_support import (  # noqa: E402
    Table,
    allowed,
    balanced_accuracy,
    build,
    fit_mil,
    scores,
    supported_band,
)

# The candidate that generalised best with each benchmark held out in turn (benchmarks/judges.py, docs/quality.md).
HEAD_FEATURES = ("entail", "novel", "editorial")
CHUNK = 1024  # pairs scored between progress lines


def entail_scores(t: Table, scorer: CrossEncoderScorer) -> np.ndarray:
    """Per claim of `t`, the highest P(supported) over the passages the bundled judge reads for it.

    Pairs go to the scorer in chunks, for progress; its disk cache keeps each chunk, so a stopped run
    resumes where it was."""
    claims = [c for r in t.rows for c in r["claims"]]
    read = [passages(match_of(c).evidence()) for c in claims]
    pairs = list(dict.fromkeys((c["text"], p) for c, texts in zip(claims, read, strict=True) for p in texts))
    probs: dict[tuple[str, str], float] = {}
    for start in range(0, len(pairs), CHUNK):
        chunk = pairs[start : start + CHUNK]
        probs.update(zip(chunk, map(float, scorer.score(chunk)), strict=True))
        print(f"cross-encoder: {start + len(chunk)}/{len(pairs)} pairs", flush=True)
    return np.array([max(probs[(c["text"], p)] for p in texts) for c, texts in zip(claims, read, strict=True)])


def with_entail(t: Table, entail: np.ndarray, lexical: Sequence[str]) -> Table:
    """`t` with the entailment logit as its first column, then the `lexical` signals."""
    columns = [entail_logit(entail)] + [t.X[:, t.columns.index(f)] for f in lexical]
    return Table(np.column_stack(columns), t.row, t.rows, t.label, ("entail", *lexical))


def robust_threshold(score: np.ndarray, label: np.ndarray, group: np.ndarray) -> tuple[float, float]:
    """The cut minimising the largest shortfall of any group's balanced accuracy from its own best cut.

    A pooled best cut follows whichever benchmark is largest and its base rate; this one asks each
    benchmark to be served nearly as well as it could be, which is what has to hold on unseen data.
    Returns (cut, worst shortfall)."""
    candidates = np.unique(np.round(np.quantile(score, np.linspace(0.01, 0.99, 197)), 4))
    names = np.unique(group)
    table = np.array(
        [[balanced_accuracy(label[group == g], score[group == g] >= c) for c in candidates] for g in names]
    )
    regret = (table.max(axis=1, keepdims=True) - table).max(axis=0)
    best = int(np.argmin(regret))
    return float(candidates[best]), float(regret[best])


def with_lexical(t: Table) -> Table:
    """`t` with the shipped lexical judge's log-odds as a `lexical` column, as the bundled judge reads it."""
    model = support.shipped_model()
    return t.with_column(
        "lexical", t.only(support.FEATURES).X @ np.array([model.weights[f] for f in support.FEATURES]) + model.bias
    )


def fitter(t: Table) -> dict:
    """Head weights over `HEAD_FEATURES` (multiple-instance, as the lexical judge; synthetic pairs included),
    then, on the real rows only, the transfer-minded threshold and the weak band."""
    w, b = fit_mil(t, HEAD_FEATURES)
    real = t.subset(np.array(["#" not in r["id"] for r in t.rows]))
    score = scores(real.only(HEAD_FEATURES), w, b)
    threshold, _ = robust_threshold(score, real.label, real.column("benchmark"))
    return {
        "weights": dict(zip(HEAD_FEATURES, map(float, w), strict=True)),
        "bias": b,
        "threshold": threshold,
        "supported_at": supported_band(score, real.label, threshold),
    }


def entail_table(dev: str, raw: Path, folder: Path) -> Table:
    """The dev rows extracted in `raw`, with the cross-encoder's logit, every signal and the lexical log-odds."""
    t = build(dev, raw, fresh=False)
    # The reference runtime: the head is fitted on torch's scores (benchmarks/runtime_quality.py compares).
    scorer = CrossEncoderScorer(folder, VectorCache(WORK / "cache", Settings().cache_size_mb), runtime="torch")
    return with_lexical(with_entail(t, entail_scores(t, scorer), support.SIGNALS))


RAW = WORK / "raw_mix.jsonl"
DOCS = 110  # documents of the interleaved dev order the shipped head was fitted on
DOCS_PER_STEP = 5
SYNTHETIC_PER_BENCHMARK = 60


def dev_table(dev: str, docs: int) -> Table:
    """The first `docs` documents of the interleaved dev order and synthetic editorial pairs made from their
    license-allowed rows, with every signal and the cross-encoder's logit as columns. Extracted and scored
    a few documents at a time into `training/.work/`, so a stopped run resumes where it was."""
    store = VectorCache(WORK / "cache", Settings().cache_size_mb)
    scorer = CrossEncoderScorer(data_folder() / "cross-encoder", store, runtime="torch")  # as entail_table
    chosen = interleaved(read_rows(dev))[:docs]
    for start in range(0, len(chosen), DOCS_PER_STEP):
        _score([r for group in chosen[start : start + DOCS_PER_STEP] for r in group], scorer)
        print(f"documents {min(start + DOCS_PER_STEP, len(chosen))}/{len(chosen)}", flush=True)
    real = [r for group in chosen for r in group]
    synthetic = pairs([r for r in real if r["benchmark"] in ALLOWED], SYNTHETIC_PER_BENCHMARK)
    _score(synthetic, scorer)
    t = build(real + synthetic, RAW, fresh=False)
    t = with_entail(t, entail_scores(t, scorer), support.SIGNALS)
    return framed_claims_only(t, {r["id"]: r["framing"] for r in synthetic})


def framed_claims_only(t: Table, framings: dict[str, str]) -> Table:
    """A synthetic pair's label is about the claim that holds its framing (`framings`, by row id): its other
    claims are dropped (they are the faithful summary's), and so is a pair whose framing no claim holds whole."""
    framing = [framings.get(r["id"]) for r in t.rows]
    claims = [c["text"] for r in t.rows for c in r["claims"]]
    keep = np.array([framing[i] is None or framing[i] in text for i, text in zip(t.row, claims, strict=True)])
    t = t.keep_claims(keep)
    return t.subset(np.bincount(t.row, minlength=len(t.rows)) > 0)


def _score(rows: list[dict], scorer: CrossEncoderScorer) -> None:
    extract(rows, RAW, log=False)
    ids = {r["id"] for r in rows}
    done = [r for r in load(RAW) if r["id"] in ids and not r["error"] and r["claims"]]
    entail_scores(Table(np.zeros((0, 0)), np.zeros(0, dtype=int), done, np.zeros(len(done))), scorer)


def main(argv: Sequence[str]) -> None:
    """`fit_judge.py DEV [--docs N]`: fit the head on the allowed rows of `dev_table`, write `head.json`."""
    dev = argv[0]
    docs = int(argv[argv.index("--docs") + 1]) if "--docs" in argv else DOCS
    t = with_lexical(dev_table(dev, docs))
    train = t.subset(allowed(t))
    model = fitter(train)
    digest = hashlib.blake2b(json.dumps(model, sort_keys=True).encode(), digest_size=4).hexdigest()
    out = {k: round(v, 6) if isinstance(v, float) else {f: round(x, 6) for f, x in v.items()} for k, v in model.items()}
    synthetic = np.array(["#" in r["id"] for r in train.rows])
    out["provenance"] = {
        "id": f"head-{digest}",
        "method": f"claim-level logistic regression over {', '.join(HEAD_FEATURES)} (entail: the cross-encoder's "
        "best-passage logit), multiple-instance (weakest claim of unfaithful summaries), classes and benchmarks "
        "weighted equally, synthetic editorial pairs (training/editorial_pairs.py) among the training rows; "
        "threshold = the cut with the smallest worst per-benchmark shortfall from that benchmark's best balanced "
        "accuracy (real rows); supported_at = 75% quantile of unfaithful summaries' scores",
        "rows": f"the first {docs} documents of training.features.interleaved, license-allowed benchmarks only",
        "training_rows": {name: int((train.column("benchmark")[~synthetic] == name).sum()) for name in ALLOWED},
        "synthetic_pairs": int(synthetic.sum()),
        "cv": "leave-one-benchmark-out: benchmarks/results/judges.md",
    }
    target = data_folder() / "head.json"
    target.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main(sys.argv[1:])
