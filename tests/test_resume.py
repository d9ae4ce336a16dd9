"""An interrupted `evalkit score`, resumed with --resume, leaves the file an uninterrupted run writes.

Byte for byte, not within a tolerance: every text is computed in model batches of a fixed shape
(`evalkit.prepare.batching`), so neither the resumed run's other batches nor `--batch-size` move a number.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from evalkit.frontends import cli, exits
from evalkit.result import SummaryResult

pytestmark = pytest.mark.slow  # loads the models, or starts processes, pytest sessions, Ray or Chromium

ARTICLE = (
    "The city council voted on Tuesday to approve a new bridge over the Elm River. Work is expected to begin in "
    "May, officials said. The bridge will cost about 40 million dollars. It replaces a crossing built in 1952."
)
SUMMARIES = [
    "The council approved a bridge over the Elm River.",
    "The bridge will cost 40 million dollars.",
    "Mayor Lopez opened the bridge in 2019.",
    "Work on the bridge begins in May.",
    "The old crossing was built in 1952.",
    "Engineers said the new bridge is unsafe.",
]


@pytest.fixture
def pairs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    lines = [json.dumps({"id": f"p{i}", "document": ARTICLE, "summary": s}) for i, s in enumerate(SUMMARIES)]
    lines.insert(3, "{not json")  # an error record must survive the interruption like any other
    path = tmp_path / "pairs.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def interrupt_after(count: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the next run raise KeyboardInterrupt (as Ctrl-C would) once `count` records are written."""
    real = cli.evaluate

    def evaluate(jobs: list, settings: object, on_result: Callable[[SummaryResult], None], **options: object) -> object:
        seen = 0

        def hook(result: SummaryResult) -> None:
            nonlocal seen
            on_result(result)
            seen += 1
            if seen == count:
                raise KeyboardInterrupt

        return real(jobs, settings, on_result=hook, **options)

    monkeypatch.setattr(cli, "evaluate", evaluate)


def records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


# Batches of 2 so the interruption falls mid-run and the resumed run batches differently; the uninterrupted
# run scores everything in one batch.
OPTIONS = ["--no-cache", "--batch-size", "2"]
ONE_BATCH = ["--no-cache", "--batch-size", "64"]


def test_resume_after_interrupt_equals_uninterrupted_run(
    pairs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cli.main(["score", str(pairs), "-o", "full.jsonl", *ONE_BATCH]) == 2  # 2: the bad line
    interrupt_after(3, monkeypatch)
    assert cli.main(["score", str(pairs), "-o", "resumed.jsonl", *OPTIONS]) == exits.INTERRUPTED
    monkeypatch.undo()
    monkeypatch.chdir(tmp_path)
    assert [r["id"] for r in records(tmp_path / "resumed.jsonl")] == ["p0", "p1", "p2"]
    # A kill can also leave half a record: it is dropped and scored again.
    with (tmp_path / "resumed.jsonl").open("a", encoding="utf-8") as fh:
        fh.write('{"id": "p3", "consistent": tr')
    assert cli.main(["score", str(pairs), "-o", "resumed.jsonl", "--resume", *OPTIONS]) == 2
    full, resumed = records(tmp_path / "full.jsonl"), records(tmp_path / "resumed.jsonl")
    assert [r["id"] for r in resumed] == [r["id"] for r in full]
    assert resumed == full
    assert (tmp_path / "resumed.jsonl").read_bytes() == (tmp_path / "full.jsonl").read_bytes()


def test_resume_of_finished_file_changes_nothing(pairs: Path, tmp_path: Path) -> None:
    assert cli.main(["score", str(pairs), "-o", "out.jsonl", *OPTIONS]) == 2
    before = (tmp_path / "out.jsonl").read_bytes()
    assert cli.main(["score", str(pairs), "-o", "out.jsonl", "--resume", *OPTIONS]) == 2
    assert (tmp_path / "out.jsonl").read_bytes() == before


def test_resume_puts_records_back_in_input_order(pairs: Path, tmp_path: Path) -> None:
    """A file whose earlier records came out of order (another run's) ends in input order all the same."""
    assert cli.main(["score", str(pairs), "-o", "full.jsonl", *ONE_BATCH]) == 2
    full = (tmp_path / "full.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    (tmp_path / "mixed.jsonl").write_text(full[4] + full[1], encoding="utf-8")
    (tmp_path / "mixed.meta.json").write_bytes((tmp_path / "full.meta.json").read_bytes())
    assert cli.main(["score", str(pairs), "-o", "mixed.jsonl", "--resume", *OPTIONS]) == 2
    assert records(tmp_path / "mixed.jsonl") == records(tmp_path / "full.jsonl")
