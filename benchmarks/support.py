"""How good are the support verdicts? Cross-validated figures on the labelled dev benchmarks.

    python benchmarks/support.py ../shared/bench/dev.jsonl --sample

Two judges side by side on the same rows: `bundled` (the shipped entailment cross-encoder plus its
fitted head) and `lexical` (the earlier logistic judge over similarity and overlap signals). Every
fitted figure is out-of-sample: SummEdits rows are scored by a head refitted without their domain
(leave-one-domain-out), FIB and XSumFaith rows by one refitted without their benchmark (and without
any row sharing a document with it), PolyTope and FaithBench rows (evaluation-only, never fitted) by
the head fitted on all license-allowed rows. The cross-encoder itself was trained on no dev row
(`training/train_judge.py`), so "cross-encoder alone" is out-of-sample everywhere. Two unfitted
baselines run alongside: ROUGE-2 precision and the mean best claim-to-article cosine.
"Best-threshold BA" is the balanced accuracy of the best single cut chosen on the very rows it is
reported on (an in-sample ceiling); "gap" is how far the shipped cut falls short of it.

`--sample` takes a seeded sample of whole documents (`training.features.SAMPLE_SHARES`: all of
SummEdits and FaithBench, half of PolyTope's documents, a quarter of FIB's and XSumFaith's), which
a 2-core machine encodes in about 20 minutes instead of 85. Extraction and cross-encoder scores are
cached in `training/.work/`, so reruns are quick. Writes `benchmarks/results/support.md`.
"""

from __future__ import annotations

import gzip
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from evalkit.frontends.api import score_pair as judge  # noqa: E402
from evalkit.judges.bundled import data_folder  # noqa: E402
from evalkit.judges.nli import CrossEncoderScorer  # noqa: E402
from evalkit.scoring.pipeline import make_encoder  # noqa: E402
from evalkit.settings import Settings  # noqa: E402
from training.features import ALLOWED, WORK, extract, read_rows, sample  # noqa: E402
from training.fit_judge import entail_table, fitter  # noqa: E402
from training.fit_support import (  # noqa: E402
    Table,
    allowed,
    auc,
    balanced_accuracy,
    best_threshold,
    build,
    fit,
    lobo,
    predict,
    summary_min,
)


def folds(t: Table, fit_fn: Callable[[Table], dict]) -> list[tuple[dict, np.ndarray]]:
    """(model, rows it scores) pairs covering every row once; no model saw its rows' benchmark or domain."""
    bench, origin = t.column("benchmark"), t.column("origin")
    keyed = Table(t.X, t.row, [{**r, "fold": f"{r['benchmark']}/{r['origin']}"} for r in t.rows], t.label, t.columns)
    out = []
    for name in ALLOWED:
        if name == "summedits":
            for domain in np.unique(origin[bench == name]):
                model = lobo(keyed, f"{name}/{domain}", key="fold", fitter=fit_fn)[0]
                out.append((model, (bench == name) & (origin == domain)))
        else:
            out.append((lobo(t, name, fitter=fit_fn)[0], bench == name))
    out.append((fit_fn(t.subset(allowed(t))), ~allowed(t)))
    return out


def out_of_fold(t: Table, fit_fn: Callable[[Table], dict]) -> dict[str, np.ndarray]:
    """Per-row score, `consistent` and weakest claim's verdict, and per-claim scores, all out-of-fold."""
    claim = np.full(len(t.X), np.nan)
    threshold = np.full(len(t.rows), np.nan)
    supported_at = np.full(len(t.rows), np.nan)
    for model, rows in folds(t, fit_fn):
        w = np.array(list(model["weights"].values()))
        claims = rows[t.row]
        claim[claims] = 1.0 / (1.0 + np.exp(-(t.only(list(model["weights"])).X[claims] @ w + model["bias"])))
        threshold[rows] = model["threshold"]
        supported_at[rows] = model["supported_at"]
    score = summary_min(claim, t.row, len(t.rows))
    verdict = np.where(score < threshold, "unsupported", np.where(score < supported_at, "weak", "supported"))
    return {"score": score, "consistent": score >= threshold, "claim": claim, "verdict": verdict}


def held_out(t: Table, fit_fn: Callable[[Table], dict], name: str) -> dict[str, np.ndarray]:
    """Scores and `consistent` of benchmark `name`'s rows from a model fitted without any of it (other
    rows are left NaN / False: only `name`'s rows are read)."""
    model, test = lobo(t, name, fitter=fit_fn)
    score, consistent = np.full(len(t.rows), np.nan), np.zeros(len(t.rows), dtype=bool)
    rows = t.column("benchmark") == name
    score[rows], consistent[rows] = predict(model, test)
    return {"score": score, "consistent": consistent}


def alone(t: Table) -> dict[str, np.ndarray]:
    """The cross-encoder by itself (no head, no dev fitting): weakest claim's best-passage probability, cut 0.5."""
    claim = 1.0 / (1.0 + np.exp(-t.X[:, 0]))
    score = summary_min(claim, t.row, len(t.rows))
    return {"score": score, "consistent": score >= 0.5, "claim": claim}


def rte_accuracy(pairs: Path, folder: Path) -> tuple[float, int]:
    """Accuracy of the cross-encoder at 0.5 on the measure-only RTE rows (never trained on)."""
    with gzip.open(pairs, "rt", encoding="utf-8") as fh:
        rows = [r for r in map(json.loads, fh) if r["source"] in ("rte123_nltk", "glue_rte_extra")]
    probs = CrossEncoderScorer(folder, runtime="torch").score([(r["hypothesis"], r["premise"]) for r in rows])
    labels = np.array([r["label_bin"] for r in rows])
    return float(((probs >= 0.5) == labels).mean()), len(rows)


def bands(t: Table, verdict: np.ndarray) -> list[str]:
    """What each verdict of a summary's weakest claim means: how many summaries get it, how many of
    those people judged faithful, and what share of all faithful / unfaithful summaries land there."""
    lines = [
        "| weakest claim's verdict | summaries | of them faithful | share of all faithful | share of all unfaithful |",
        "|---|---:|---:|---:|---:|",
    ]
    faithful, unfaithful = t.label == 1, t.label == 0
    for name in ("unsupported", "weak", "supported"):
        keep = verdict == name
        lines.append(
            f"| {name} | {keep.sum()} | {t.label[keep].mean():.0%} | {(keep & faithful).sum() / faithful.sum():.0%} "
            f"| {(keep & unfaithful).sum() / unfaithful.sum():.0%} |"
        )
    return lines


def baselines(t: Table) -> dict[str, np.ndarray]:
    best_sim = np.array([np.mean([max(e["score"] for e in c["evidence"]) for c in r["claims"]]) for r in t.rows])
    return {"rouge2": t.column("rouge2_p").astype(float), "mean_sim": best_sim}


def span_hits(t: Table, claim_score: np.ndarray) -> dict[str, tuple[int, int, float]]:
    """On unfaithful rows with located spans: how often the lowest-scoring claim overlaps a span.

    Per subset ("all", "multi-claim"): (hits, rows, hit rate of a claim picked at random)."""
    found: dict[str, list[tuple[bool, float]]] = {"all": [], "multi-claim": []}
    for i, r in enumerate(t.rows):
        spans = [s for s in (r.get("spans") or []) if s.get("start") is not None]
        if r["label"] != 0 or not spans:
            continue
        claims = r["claims"]
        overlaps = [any(c["start"] < s["end"] and s["start"] < c["end"] for s in spans) for c in claims]
        if not any(overlaps):
            continue
        hit = overlaps[int(np.argmin(claim_score[t.row == i]))]
        chance = sum(overlaps) / len(overlaps)
        found["all"].append((hit, chance))
        if len(claims) > 1:
            found["multi-claim"].append((hit, chance))
    return {
        k: (sum(h for h, _ in v), len(v), float(np.mean([c for _, c in v])) if v else float("nan"))
        for k, v in found.items()
    }


def timing(runs: int = 5) -> float:
    """Median seconds to judge an ~800-word article with 7 claims, model warm, no disk cache."""
    sentences = [
        f"In {1990 + i}, the council of Riverton approved plan number {i + 3} to rebuild the harbour wall, "
        f"after engineers warned that storms had weakened section {i + 1} and repairs would cost about "
        f"{(i + 2) * 4} million dollars over the following years."
        for i in range(22)
    ]
    article = " ".join(sentences)
    claims = "\n".join(f"- {s}" for s in sentences[:: len(sentences) // 7][:7])
    settings = Settings(cache=False)
    judge(claims, article, settings, make_encoder(settings))  # load the model
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        judge(claims, article, settings, make_encoder(settings))
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _cells(label: np.ndarray, run: dict[str, np.ndarray]) -> list[str]:
    ba, ceiling = balanced_accuracy(label, run["consistent"]), best_threshold(run["score"], label)[1]
    return [f"{ba:.3f}", f"{auc(label, run['score']):.3f}", f"{ceiling:.3f}", f"{ceiling - ba:+.3f}"]


def report(dev: str, use_sample: bool) -> str:
    rows = read_rows(dev)
    raw = WORK / ("raw_sample.jsonl" if use_sample else "raw.jsonl")
    extract(sample(rows) if use_sample else rows, raw)
    lexical_table = build(dev, raw, fresh=False)
    folder = data_folder() / "cross-encoder"
    t = entail_table(dev, raw, folder)
    assert [r["id"] for r in t.rows] == [r["id"] for r in lexical_table.rows]
    runs = {"bundled": out_of_fold(t, fitter), "lexical": out_of_fold(lexical_table, fit), "alone": alone(t)}
    base = baselines(t)
    bench, origin = t.column("benchmark"), t.column("origin")
    lines = [
        "| rows | n | supported | **bundled** BA | **bundled** AUC | best-threshold BA | gap "
        "| lexical BA | lexical AUC | cross-encoder alone AUC | ROUGE-2 P AUC | mean cosine AUC |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]

    def add(name: str, keep: np.ndarray, source: dict[str, dict[str, np.ndarray]] = runs) -> None:
        if not keep.any():
            return
        label = t.label[keep]
        part = {k: {m: v[keep] for m, v in run.items() if m != "claim"} for k, run in source.items()}
        cells = [name, str(int(keep.sum())), f"{label.mean():.0%}", *_cells(label, part["bundled"])]
        cells += [f"{balanced_accuracy(label, part['lexical']['consistent']):.3f}"]
        cells += [f"{auc(label, part[k]['score']):.3f}" for k in ("lexical", "alone")]
        cells += [f"{auc(label, base[k][keep]):.3f}" for k in ("rouge2", "mean_sim")]
        lines.append("| " + " | ".join(cells) + " |")

    add("**all**", np.ones(len(t.rows), dtype=bool))
    add("license-allowed (summedits, fib, xsumfaith)", allowed(t))
    add("evaluation-only (polytope, faithbench)", ~allowed(t))
    for name in ("summedits", "fib", "xsumfaith", "polytope", "faithbench"):
        keep = bench == name
        add(f"**{name}**", keep)
        origins = np.unique(origin[keep])
        if len(origins) > 1:
            for o in origins:
                add(f"{name} / {o}", keep & (origin == o))
    whole = {"bundled": held_out(t, fitter, "summedits"), "lexical": held_out(lexical_table, fit, "summedits")}
    add("summedits, whole benchmark held out", bench == "summedits", {**runs, **whole})
    spans = span_hits(t, runs["bundled"]["claim"])
    rte, n_rte = rte_accuracy(Path(dev).resolve().parent.parent / "train" / "pairs.jsonl.gz", folder)
    seconds = timing()
    notes = [
        "",
        "Verdict bands of the bundled judge, out-of-fold, all rows:",
        "",
        *bands(t, runs["bundled"]["verdict"]),
        "",
        "Claim-level check (rows labelled unsupported whose annotated spans were located in the summary): "
        + "; ".join(
            f"{name} rows: the bundled judge's lowest-scoring claim overlaps the annotated text in {h}/{n} = "
            f"{h / n:.1%} (a random claim: {chance:.1%})"
            for name, (h, n, chance) in spans.items()
            if n
        )
        + ".",
        f"NLI: the cross-encoder alone is right on {rte:.1%} of the {n_rte} measure-only RTE pairs (cut 0.5).",
        f"Speed: {seconds:.2f} s median to judge an ~800-word article with 7 claims (bundled judge, models warm, "
        "CPU, no cache).",
    ]
    return "\n".join(lines + notes) + "\n"


def main(argv: list[str]) -> None:
    """`support.py [DEV] [--sample]`."""
    args = [a for a in argv if not a.startswith("--")]
    dev = args[0] if args else "../shared/bench/dev.jsonl"
    use_sample = "--sample" in argv
    text = report(dev, use_sample)
    header = (
        "# Support judge on the dev benchmarks\n\n"
        f"Reproduce: `python benchmarks/support.py {dev}{' --sample' if use_sample else ''}`. "
        "Fitted figures are cross-validated: leave-one-benchmark-out (leave-one-domain-out inside SummEdits); "
        "PolyTope and FaithBench are never fitted on; the cross-encoder was trained on no dev row. "
        "Best-threshold BA is an in-sample ceiling.\n\n"
    )
    out = ROOT / "benchmarks" / "results" / "support.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(header + text, encoding="utf-8")
    print(header + text)


if __name__ == "__main__":
    main(sys.argv[1:])
