"""The article text evalkit reads from real saved pages, scored against people's marking of the article.

Data: the article-extraction benchmark's 121 pages in `../shared/bench/extraction` (`html/ID.html.gz`,
`ground-truth.json`). Scored by that benchmark's own `evaluate.py`, imported from the data folder and
used as it is: 4-word shingles of `\\w+` tokens, precision and recall per page averaged over the pages,
F1 of the two means. A page is "below 0.5" where the F1 of its own precision and recall is.

Beside evalkit's reader (`evalkit.read.article.read_article`) it measures, in the same run, trafilatura
in precision mode and trafilatura's bundled readability on their own, and evalkit's reader with no rule
layer on top of the extractor and with every chrome rule on top (what the thin notice layer costs).

Run: python benchmarks/extraction.py [DATA]    (writes benchmarks/results/extraction.json; figures in
docs/reading.md)
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import re
import statistics
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import lxml.html
import trafilatura

from evalkit.read import article as article_mod
from evalkit.read.boilerplate import BOILERPLATE_RULES

ROOT = Path(__file__).resolve().parent.parent
RESULT = ROOT / "benchmarks" / "results" / "extraction.json"


def scorer(data: Path) -> ModuleType:
    """The benchmark's own `evaluate.py`, loaded from the data folder."""
    spec = importlib.util.spec_from_file_location("extraction_evaluate", data / "evaluate.py")
    if spec is None or spec.loader is None:
        raise SystemExit(f"{data / 'evaluate.py'} not found: pass the benchmark folder as DATA")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def evalkit_reader(rules: frozenset[str] | None = None) -> Callable[[str, str], str]:
    """evalkit's article reader; `rules` swaps the rule layer on top of the extractor for this run."""

    def read(html: str, key: str) -> str:
        saved = article_mod.NOTICE_RULES
        if rules is not None:
            article_mod.NOTICE_RULES = rules
        try:
            found = article_mod.read_article(html, key)
        finally:
            article_mod.NOTICE_RULES = saved
        if rules is None:
            used[key] = found.extractor
        return "\n".join(found.paragraphs)

    return read


def trafilatura_precision(html: str, key: str) -> str:
    return trafilatura.extract(html, favor_precision=True, include_comments=False) or ""


def readability(html: str, key: str) -> str:
    return "\n".join(article_mod.readability_text(lxml.html.document_fromstring(html)))


used: dict[str, str] = {}  # the extractor evalkit's reader took, per page
READERS: dict[str, Callable[[str, str], str]] = {
    "evalkit": evalkit_reader(),
    "trafilatura (precision)": trafilatura_precision,
    "trafilatura's readability": readability,
    "evalkit, no rule layer": evalkit_reader(frozenset()),
    "evalkit, every chrome rule on top": evalkit_reader(frozenset(name for name, _ in BOILERPLATE_RULES)),
}


def page_f1(evaluate: ModuleType, tp_fp_fn: tuple[float, float, float]) -> float:
    precision, recall = evaluate.precision_score(*tp_fp_fn), evaluate.recall_score(*tp_fp_fn)
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data", nargs="?", type=Path, default=ROOT / ".." / "shared" / "bench" / "extraction")
    args = parser.parse_args()
    data = args.data.resolve()
    evaluate = scorer(data)
    truth = json.loads((data / "ground-truth.json").read_text(encoding="utf-8"))
    pages = {key: gzip.decompress((data / "html" / f"{key}.html.gz").read_bytes()).decode("utf-8") for key in truth}
    results: dict[str, dict[str, object]] = {}
    print(f"{len(pages)} pages from {data}")
    print(f"{'reader':<36} {'F1':>6} {'prec.':>6} {'recall':>6} {'< 0.5':>7} {'s/page':>7}")
    first = next(iter(pages.items()))
    for name, read in READERS.items():
        read(first[1], first[0])  # warm up (imports, caches) outside the clock
        clock = time.perf_counter()
        prediction = {key: {"articleBody": read(html, key)} for key, html in pages.items()}
        seconds = (time.perf_counter() - clock) / len(pages)
        scores = evaluate.evaluate(truth, prediction, n_bootstrap=0)
        per_page = {key: page_f1(evaluate, t) for key, t in zip(truth, scores["tp_fp_fns"], strict=True)}
        below = sorted(key for key, f1 in per_page.items() if f1 < 0.5)
        results[name] = {
            "mean_page_f1": round(scores["f1"], 4),
            "precision": round(scores["precision"], 4),
            "recall": round(scores["recall"], 4),
            "share_below_0_5": round(len(below) / len(pages), 4),
            "pages_below_0_5": {key: round(per_page[key], 3) for key in below},
            "median_page_f1": round(statistics.median(per_page.values()), 4),
            "seconds_per_page": round(seconds, 3),
        }
        print(
            f"{name:<36} {scores['f1']:6.3f} {scores['precision']:6.3f} {scores['recall']:6.3f} "
            f"{len(below) / len(pages):7.1%} {seconds:7.2f}"
        )
    extractors = Counter(re.sub(r"\d+", "N", name.split(" (fallback")[0]) for name in used.values())
    fallbacks = {key: name for key, name in used.items() if "(fallback" in name}
    print("evalkit's extractor per page:", dict(extractors))
    out = {"pages": len(pages), "scorer": "the benchmark's evaluate.py", "readers": results}
    out["evalkit_extractors"] = dict(extractors)
    out["evalkit_fallbacks"] = fallbacks
    RESULT.write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {RESULT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
