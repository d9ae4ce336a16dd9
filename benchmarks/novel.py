"""The name and number detector alone: how often `novel` fires on faithful and on unfaithful summaries.

    python benchmarks/novel.py ../shared/bench/dev.jsonl [--out FILE]

Every dev row (no model: claims split as evalkit splits them, each read against the article's names and
numbers by `support.novel_mentions`). A summary is flagged when any claim names or numbers something
the article never mentions. Per benchmark: the share of faithful summaries flagged (false alarms, which
push faithful claims toward `unsupported`), the share of unfaithful ones flagged (catches), and the ROC
AUC of the summary's count of novel mentions against the label. Run it on two versions of evalkit to
see what a change to the detector does; writes `benchmarks/results/novel.md` unless `--out` says.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from evalkit.errors import InputError  # noqa: E402
from evalkit.prepare import claims, support  # noqa: E402
from evalkit.read.capture import pair_capture  # noqa: E402


def novel_count(row: dict) -> int | None:
    """Novel mentions over the summary's claims; None where evalkit refuses the pair."""
    try:
        capture = pair_capture(row["id"], row["document"], row["summary"], row["id"])
    except InputError:
        return None
    article = support.index_article(capture.body)
    return sum(len(support.novel_mentions(c.text, article)) for c in claims.split(capture))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dev", type=Path)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "novel.md")
    args = parser.parse_args()
    by_bench: dict[str, list[tuple[int, int]]] = defaultdict(list)
    with args.dev.open(encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            if (count := novel_count(row)) is not None:
                by_bench[row["benchmark"]].append((row["label"], count))
    out = [
        "`novel` on every dev row: share of summaries with a novel mention, and ROC AUC of the count.",
        f"Command: `python benchmarks/novel.py DEV{' --out ' + args.out.name if args.out.name != 'novel.md' else ''}`",
        "",
        "| benchmark | rows | faithful flagged | unfaithful flagged | ROC AUC |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, pairs in [*sorted(by_bench.items()), ("all", [p for v in by_bench.values() for p in v])]:
        label, count = (np.array(v) for v in zip(*pairs, strict=True))
        flagged = count > 0
        out.append(
            f"| {name} | {len(label)} | {flagged[label == 1].mean():.1%} | {flagged[label == 0].mean():.1%} "
            f"| {roc_auc_score(label, -count):.3f} |"
        )
    args.out.write_text("\n".join(out) + "\n", encoding="utf-8")
    print("\n".join(out))


if __name__ == "__main__":
    main()
