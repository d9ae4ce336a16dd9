"""Sentence splitting of long one-paragraph documents: pysbd on the whole paragraph against evalkit's
windowed split (`evalkit/prepare/sentences.py`), time and agreement, and `evalkit score` end to end.

The text is real news prose: the distinct documents of a benchmark JSONL file (`document` field, in
file order, whitespace collapsed) joined into one paragraph and cut at a sentence end near each size.
Agreement is against pysbd run on each document's own paragraphs (the split evalkit always made for
articles in paragraphs): the share of those sentence ends each method also finds (recall) and the
share of its sentence ends that are among them (precision).

    python benchmarks/long_documents.py ../shared/bench/dev.jsonl
    python benchmarks/long_documents.py ../shared/bench/dev.jsonl --end-to-end 2500000

Writes benchmarks/results/long_documents.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evalkit.prepare import sentences  # noqa: E402

KB = 1000


def corpus(path: Path, size: int) -> tuple[str, set[int]]:
    """One paragraph of at least `size` characters (when the file holds that much), and the sentence
    ends pysbd finds in each source paragraph on its own, as offsets in it."""
    parts: list[str] = []
    ends: set[int] = set()
    offset, seen = 0, set()
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            if row.get("doc_id", row["document"]) in seen:
                continue
            seen.add(row.get("doc_id", row["document"]))
            for paragraph in row["document"].split("\n"):
                paragraph = " ".join(paragraph.split())
                if not paragraph:
                    continue
                ends.update(offset + b for _, b in sentences._pysbd(paragraph))
                parts.append(paragraph)
                offset += len(paragraph) + 1
            if offset >= size:
                break
    return " ".join(parts), ends


def cut(text: str, ends: set[int], size: int) -> tuple[str, set[int]]:
    """`text` up to its first reference sentence end at or after `size` characters."""
    end = min((e for e in ends if e >= size), default=len(text))
    return text[:end], {e for e in ends if e <= end}


def agreement(found: tuple[tuple[int, int], ...] | list[tuple[int, int]], reference: set[int]) -> tuple[float, float]:
    ends = {b for _, b in found}
    return len(ends & reference) / len(reference), len(ends & reference) / len(ends)


def timed(function, text: str):  # noqa: ANN001, ANN201
    start = time.perf_counter()
    value = function(text)
    return value, time.perf_counter() - start


def end_to_end(text: str) -> tuple[float, int, str]:
    """`evalkit score` on one pair whose document is `text` in one paragraph: seconds, exit code, warnings."""
    with tempfile.TemporaryDirectory() as folder:
        pairs = Path(folder) / "pairs.jsonl"
        summary = "The report describes the events in the article."
        pairs.write_text(json.dumps({"id": "long", "document": text, "summary": summary}) + "\n", encoding="utf-8")
        (Path(folder) / "pyproject.toml").write_text("[tool.evalkit]\ncache = false\n", encoding="utf-8")
        command = [sys.executable, "-c", "import sys; from evalkit.frontends.cli import main; sys.exit(main())"]
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
        start = time.perf_counter()
        done = subprocess.run(
            [*command, "score", "pairs.jsonl", "-o", "out.jsonl"], cwd=folder, env=env, capture_output=True, text=True
        )
        seconds = time.perf_counter() - start
        warnings = " / ".join(line for line in done.stderr.splitlines() if "warning" in line)
        return seconds, done.returncode, warnings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="a JSONL file with a `document` field (../shared/bench/dev.jsonl)")
    parser.add_argument("--sizes", default="25,50,100", help="KB sizes timed with both methods")
    parser.add_argument("--large", default="1000,2500", help="KB sizes timed with the windowed split only")
    parser.add_argument("--end-to-end", type=int, default=0, help="characters for one `evalkit score` run (0: none)")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "long_documents.md")
    args = parser.parse_args()
    small = [int(s) * KB for s in args.sizes.split(",") if s]
    large = [int(s) * KB for s in args.large.split(",") if s]
    text, ends = corpus(args.data, max([*small, *large, args.end_to_end]))
    rows = []
    for size in small + large:
        piece, reference = cut(text, ends, size)
        after, after_s = timed(sentences._segment, piece)
        r_after, p_after = agreement(after, reference)
        if size in small:
            before, before_s = timed(sentences._pysbd, piece)
            r_before, p_before = agreement(before, reference)
            shown = f"{before_s:.2f} s | {r_before:.3f} / {p_before:.3f}"
        else:
            shown = "not run | -"
        windowed = f"{after_s:.2f} s | {r_after:.3f} / {p_after:.3f}"
        rows.append(f"| {len(piece) / KB:,.0f} KB | {len(reference):,} | {shown} | {windowed} |")
        print(rows[-1], flush=True)
    lines = [
        "# Long one-paragraph documents: sentence splitting",
        "",
        f"`python benchmarks/long_documents.py {args.data} --sizes {args.sizes} --large {args.large}"
        + (f" --end-to-end {args.end_to_end}`" if args.end_to_end else "`"),
        f"on {platform.node()} ({os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the end), "
        f"{time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC.",
        "",
        "Recall / precision: of the sentence ends pysbd finds in the source paragraphs one by one.",
        "",
        "| one paragraph | reference sentences | pysbd whole: time | recall / precision "
        "| windowed (evalkit): time | recall / precision |",
        "|---|---:|---:|---|---:|---|",
        *rows,
    ]
    if args.end_to_end:
        piece, _ = cut(text, ends, args.end_to_end)
        seconds, code, warned = end_to_end(piece)
        lines += [
            "",
            f"`evalkit score` on one pair, a {len(piece) / 1e6:.2f} MB one-paragraph document, cache off, whole "
            f"process: {seconds:.1f} s, exit {code}.",
            f"Warning printed: {warned or 'none'}",
        ]
        print(lines[-2], lines[-1], sep="\n")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
