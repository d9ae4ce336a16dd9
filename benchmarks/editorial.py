"""Does the judge flag editorial framing? Faithful news summaries, as written and with one sentence added.

    python benchmarks/editorial.py ../shared/bench/dev.jsonl --n 60

Takes `--n` faithful summaries of distinct PolyTope (CNN/Daily Mail) articles, which no judge was
fitted on, and adds one sentence of framing to each: a true-sounding inference the article never
states ("The case raises serious questions about public confidence in institutions."). Its phrasings
are written apart from the training pairs (`training/editorial_pairs.py`): some use a phrase the
editorial lexicon lists, others do not (`evalkit.prepare.editorial.framing` tells which), and the two groups
are reported apart, so a judge that only knows its lexicon shows it. For each judge: how often the
original summary is flagged (some claim unsupported), how often the edited one is, and the added
sentence's verdicts. Writes `benchmarks/results/editorial.md`.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from evalkit.errors import InputError  # noqa: E402
from evalkit.judges import load_judge  # noqa: E402
from evalkit.prepare.editorial import framing  # noqa: E402
from evalkit.read.capture import pair_capture  # noqa: E402
from evalkit.result import SummaryResult  # noqa: E402
from evalkit.scoring.pipeline import Job, make_encoder, score_batch  # noqa: E402
from evalkit.settings import Settings  # noqa: E402
from training.features import read_rows  # noqa: E402

SEED = 5
SUBJECTS = ("This", "The case", "The episode", "The finding", "The decision")
PREDICATES = (
    "raises serious questions about {}",
    "signals a deeper crisis for {}",
    "underscores how fragile {} has become",
    "highlights the urgent need to rethink {}",
    "marks a turning point for {}",
    "casts a long shadow over {}",
    "is a worrying sign for {}",
    "should alarm anyone who cares about {}",
    "paints a troubling picture of {}",
    "is emblematic of a wider malaise in {}",
    "will likely reshape {} for years",
    "exposes how little has changed in {}",
)
OBJECTS = (
    "public confidence in institutions",
    "the region's stability",
    "the wider industry",
    "the way such cases are handled",
    "the balance of power",
    "the people most affected",
)
JUDGES = ("bundled", "lexical")


def editorial_sentence(rng: random.Random) -> str:
    return f"{rng.choice(SUBJECTS)} {rng.choice(PREDICATES).format(rng.choice(OBJECTS))}."


def chosen(rows: list[dict], n: int) -> list[dict]:
    """One faithful PolyTope summary from each of `n` seeded articles."""
    rng = random.Random(SEED)
    by_doc: dict[str, list[dict]] = {}
    for r in rows:
        if r["benchmark"] == "polytope" and r["label"] == 1:
            by_doc.setdefault(r["doc_id"], []).append(r)
    return [rng.choice(by_doc[d]) for d in rng.sample(sorted(by_doc), min(n, len(by_doc)))]


def judged(pairs: list[tuple[str, str, str]], judge: str) -> list[SummaryResult]:
    """(id, document, summary) triples through evalkit's pipeline with `judge`."""
    settings = Settings(judge=judge, runtime="torch")  # the reference runtime, which the head was fitted on
    encoder = make_encoder(settings)
    jobs = []
    for id, document, summary in pairs:
        try:
            jobs.append(Job(id, pair_capture(id, document, summary, id), settings))
        except InputError as exc:
            jobs.append(Job(id, None, settings, str(exc)))
    return score_batch(jobs, encoder, load_judge(settings, encoder.cache))


def report(dev: str, n: int) -> str:
    rows = chosen(read_rows(dev), n)
    rng = random.Random(SEED)
    added = [editorial_sentence(rng) for _ in rows]
    listed = [bool(framing(s)) for s in added]
    pairs = [(r["id"], r["document"], r["summary"]) for r in rows]
    pairs += [(f"{r['id']}+", r["document"], f"{r['summary'].rstrip()} {s}") for r, s in zip(rows, added, strict=True)]
    lines = [
        "| judge | phrasing | summaries | original flagged | with the sentence flagged | added sentence unsupported | "
        "added sentence weak |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for name in JUDGES:
        results = judged(pairs, name)
        original, edited = results[: len(rows)], results[len(rows) :]
        for group, keep in (("in the lexicon", True), ("not in the lexicon", False), ("all", None)):
            picked = [
                i
                for i in range(len(rows))
                if (keep is None or listed[i] == keep) and not original[i].error and not edited[i].error
            ]
            if not picked:
                continue
            last = [_added_claim(edited[i], added[i]) for i in picked]
            lines.append(
                f"| {name} | {group} | {len(picked)} | {_share(not original[i].consistent for i in picked)} | "
                f"{_share(not edited[i].consistent for i in picked)} | {_share(v == 'unsupported' for v in last)} | "
                f"{_share(v == 'weak' for v in last)} |"
            )
    return "\n".join(lines) + "\n"


def _added_claim(result: SummaryResult, sentence: str) -> str:
    """The verdict on the claim that holds the added sentence (the summary's last claim)."""
    found = [c for c in result.claims if sentence[:30] in c.text]
    return found[-1].verdict if found else "missing"


def _share(flags: Iterable[bool]) -> str:
    values = list(flags)
    return f"{sum(values) / len(values):.0%}"


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dev", nargs="?", default="../shared/bench/dev.jsonl")
    parser.add_argument("--n", type=int, default=60, help="faithful summaries (one per article)")
    args = parser.parse_args(argv)
    header = (
        "# Editorial framing: faithful summaries with one added sentence\n\n"
        f"Reproduce: `python benchmarks/editorial.py {args.dev} --n {args.n}`. PolyTope rows (never fitted on); "
        "phrasings written apart from the training pairs.\n\n"
    )
    text = header + report(args.dev, args.n)
    (ROOT / "benchmarks" / "results" / "editorial.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main(sys.argv[1:])
