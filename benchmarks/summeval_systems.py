"""Two real summarisers side by side: `evalkit score` inputs for SummEval systems, and what the experts said.

    python benchmarks/summeval_systems.py ../shared/bench/coverage/summeval_relevance.jsonl.gz WORK M22 M20

SummEval (Fabbri et al., 2021) has 16 systems' summaries of the same 100 CNN/DM articles, each rated
1-5 by three experts for consistency (is every fact in it supported by the article?). This writes
WORK/SYSTEM.jsonl (`{"id", "document", "summary"}`, the article's id as id, so `evalkit compare`
pairs the systems' summaries of one article) for each SYSTEM named, then prints, for the first system
against each other one, the experts' mean consistency with the same paired test `evalkit compare`
runs, so evalkit's verdict on the pair can be set against people's. The data is not copied into
the project: WORK is any folder outside it. Used for the worked example in docs/compare.md.
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from evalkit.runs.paired import paired_test  # noqa: E402


def main(source: str, work: str, systems: list[str]) -> None:
    with gzip.open(source, "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    consistency: dict[str, dict[str, float]] = {}
    out = Path(work)
    out.mkdir(parents=True, exist_ok=True)
    for system in systems:
        mine = sorted((r for r in rows if r["system"] == system), key=lambda r: r["doc_id"])
        if not mine:
            sys.exit(f"no system {system!r} in {source}")
        lines = [json.dumps({"id": r["doc_id"], "document": r["document"], "summary": r["summary"]}) for r in mine]
        (out / f"{system}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        consistency[system] = {r["doc_id"]: r["human_all"]["consistency"] for r in mine}
        print(f"wrote {out / f'{system}.jsonl'} ({len(mine)} summaries)")
    first = systems[0]
    for other in systems[1:]:
        shared = sorted(consistency[first].keys() & consistency[other].keys())
        a = [consistency[first][d] for d in shared]
        b = [consistency[other][d] for d in shared]
        t = paired_test(a, b)
        print(
            f"expert consistency (1-5), A = {first}, B = {other}, {t.n} articles: mean A {sum(a) / len(a):.3f}, "
            f"mean B {sum(b) / len(b):.3f}, B - A {t.delta:+.3f} [{t.ci_low:+.3f}, {t.ci_high:+.3f}], p {t.p_value:.4f}"
        )


if __name__ == "__main__":
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2], sys.argv[3:])
