"""How good are the support verdicts? Cross-validated figures on the labelled dev benchmarks.

    python benchmarks/support.py /work/shared/bench/dev.jsonl

Every fitted figure is out-of-sample: SummEdits rows are scored by a judge refitted without their
domain (leave-one-domain-out), FIB and XSumFaith rows by one refitted without their benchmark (and
without any row sharing a document with it), PolyTope and FaithBench rows (evaluation-only, never
fitted) by the judge fitted on all license-allowed rows. Two unfitted baselines run alongside:
ROUGE-2 precision of summary vs document, and the mean over claims of the best claim-to-article
cosine. "Best-threshold BA" is the balanced accuracy of the best single cut chosen on the very
rows it is reported on (an optimistic ceiling, in-sample by construction). Extraction is cached
in `training/.work/`, so reruns are quick. Writes `benchmarks/results/support.md`.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from evalkit import support  # noqa: E402
from evalkit.pipeline import judge, make_encoder  # noqa: E402
from evalkit.settings import Settings  # noqa: E402
from training.features import ALLOWED  # noqa: E402
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


def folds(t: Table) -> list[tuple[dict, np.ndarray]]:
    """(judge, rows it scores) pairs covering every row once; no judge saw its rows' benchmark or domain."""
    bench, origin = t.column("benchmark"), t.column("origin")
    keyed = Table(t.X, t.row, [{**r, "fold": f"{r['benchmark']}/{r['origin']}"} for r in t.rows], t.label)
    out = []
    for name in ALLOWED:
        if name == "summedits":
            for domain in np.unique(origin[bench == name]):
                out.append((lobo(keyed, f"{name}/{domain}", key="fold")[0], (bench == name) & (origin == domain)))
        else:
            out.append((lobo(t, name)[0], bench == name))
    out.append((fit(t.subset(allowed(t))), ~allowed(t)))
    return out


def out_of_fold(t: Table) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per-row scores, per-row `consistent`, per-claim probabilities and the per-row verdict of the
    weakest claim ("unsupported", "weak", "supported"), all out-of-fold."""
    claim = np.full(len(t.X), np.nan)
    threshold = np.full(len(t.rows), np.nan)
    supported_at = np.full(len(t.rows), np.nan)
    for model, rows in folds(t):
        w = np.array([model["weights"][f] for f in support.FEATURES])
        claims = rows[t.row]
        claim[claims] = 1.0 / (1.0 + np.exp(-(t.X[claims] @ w + model["bias"])))
        threshold[rows] = model["threshold"]
        supported_at[rows] = model["supported_at"]
    score = summary_min(claim, t.row, len(t.rows))
    verdict = np.where(score < threshold, "unsupported", np.where(score < supported_at, "weak", "supported"))
    return score, score >= threshold, claim, verdict


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


def _row(name: str, n: int, label: np.ndarray, score: np.ndarray, consistent: np.ndarray, base: dict) -> str:
    cells = [
        name,
        str(n),
        f"{label.mean():.0%}",
        f"{balanced_accuracy(label, consistent):.3f}",
        f"{auc(label, score):.3f}",
        f"{best_threshold(score, label)[1]:.3f}",
        f"{auc(label, base['rouge2']):.3f}",
        f"{auc(label, base['mean_sim']):.3f}",
    ]
    return "| " + " | ".join(cells) + " |"


def report(dev: str, fresh: bool = True) -> str:
    t = build(dev, fresh=fresh)
    score, consistent, claim, verdict = out_of_fold(t)
    base = baselines(t)
    bench, origin = t.column("benchmark"), t.column("origin")
    lines = [
        "| rows | n | supported | balanced acc. (`consistent`) | ROC AUC (`score`) | best-threshold BA "
        "| ROC AUC ROUGE-2 P | ROC AUC mean cosine |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]

    def add(name: str, keep: np.ndarray) -> None:
        if not keep.any():
            return
        lines.append(
            _row(
                name,
                int(keep.sum()),
                t.label[keep],
                score[keep],
                consistent[keep],
                {k: v[keep] for k, v in base.items()},
            )
        )

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
    model, test = lobo(t, "summedits")
    s, c = predict(model, test)
    lines.append(
        _row(
            "summedits, whole benchmark held out",
            len(test.rows),
            test.label,
            s,
            c,
            {k: v[bench == "summedits"] for k, v in base.items()},
        )
    )
    spans = span_hits(t, claim)
    seconds = timing()
    notes = [
        "",
        "Verdict bands, out-of-fold, all rows:",
        "",
        *bands(t, verdict),
        "",
        "Claim-level check (rows labelled unsupported whose annotated spans were located in the summary): "
        + "; ".join(
            f"{name} rows: the lowest-scoring claim overlaps the annotated text in {h}/{n} = {h / n:.1%} "
            f"(a random claim: {chance:.1%})"
            for name, (h, n, chance) in spans.items()
            if n
        )
        + ".",
        f"Speed: {seconds:.2f} s median to judge an ~800-word article with 7 claims (MiniLM warm, CPU, no cache).",
    ]
    return "\n".join(lines + notes) + "\n"


def main(argv: list[str]) -> None:
    """`support.py [DEV] [--cached]`: `--cached` reports on the rows already extracted."""
    args = [a for a in argv if a != "--cached"]
    dev = args[0] if args else "/work/shared/bench/dev.jsonl"
    text = report(dev, fresh="--cached" not in argv)
    header = (
        "# Support judge on the dev benchmarks\n\n"
        f"Reproduce: `python benchmarks/support.py {dev}`. Fitted figures are cross-validated: leave-one-benchmark-out "
        "(leave-one-domain-out inside SummEdits); PolyTope and FaithBench are never fitted on. "
        "Best-threshold BA is an in-sample ceiling.\n\n"
    )
    out = ROOT / "benchmarks" / "results" / "support.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(header + text, encoding="utf-8")
    print(header + text)


if __name__ == "__main__":
    main(sys.argv[1:])
