"""One writer per output file: a second `evalkit score` on the same `-o` is refused with one line, before
it reads, trims or truncates anything, and the first one's count is what its file holds."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from evalkit import writer
from evalkit.errors import OutputError
from evalkit.frontends import cli

ARTICLE = (
    "The city council voted on Tuesday to approve a new bridge over the Elm River. Work is expected to begin in "
    "May, officials said. The bridge will cost about {n} million dollars. It replaces a crossing built in 1952."
)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.evalkit]\ncache = false\n", encoding="utf-8")
    rows = [
        {"id": f"p{n}", "document": ARTICLE.format(n=n), "summary": f"The bridge costs {n} million dollars."}
        for n in range(80)
    ]
    (tmp_path / "pairs.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("resume", [[], ["--resume"]])
def test_a_second_writer_is_refused_and_changes_nothing(
    project: Path, capsys: pytest.CaptureFixture[str], resume: list[str]
) -> None:
    out = project / "out.jsonl"
    out.write_bytes(b'{"id": "p0"}\n{"id": "p1", "half')  # a run still writing: its last line half done
    with writer.sole_writer(out):
        assert cli.main(["score", "pairs.jsonl", "-o", "out.jsonl", *resume]) == 2
    err = capsys.readouterr().err
    assert "out.jsonl: is being written by another evalkit process" in err and len(err.strip().splitlines()) == 1
    assert out.read_bytes() == b'{"id": "p0"}\n{"id": "p1", "half'  # neither trimmed nor truncated
    assert not (project / "out.meta.json").exists()


def test_the_lock_follows_links(project: Path) -> None:
    (project / "real.jsonl").touch()
    (project / "alias.jsonl").symlink_to(project / "real.jsonl")
    assert writer.lock_path(project / "alias.jsonl") == writer.lock_path(project / "real.jsonl")
    with writer.sole_writer(project / "real.jsonl"):
        refused = writer.sole_writer(project / "alias.jsonl")
        with pytest.raises(OutputError, match="another evalkit"):
            refused.__enter__()


@pytest.mark.slow
def test_two_score_processes_on_one_output(project: Path) -> None:
    """Two real processes: the second stops with one line; the first's file holds every record once."""
    command = [sys.executable, "-c", "import sys; from evalkit.frontends.cli import main; sys.exit(main())"]
    score = [*command, "score", "pairs.jsonl", "-o", "out.jsonl"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(cli.__file__).parents[2]), *sys.path])}
    first = subprocess.Popen(score, stderr=subprocess.PIPE, text=True, env=env)
    out = project / "out.jsonl"
    deadline = time.monotonic() + 300
    while not (out.exists() and out.read_bytes().count(b"\n") >= 1) and first.poll() is None:
        assert time.monotonic() < deadline, "the first process wrote no record in 300 s"
        time.sleep(0.2)
    second = subprocess.run(score, capture_output=True, text=True, env=env, timeout=300)
    still_writing = first.poll() is None
    _, first_err = first.communicate(timeout=600)
    assert still_writing, "the first process ended before the second tried: the test proved nothing"
    assert second.returncode == 2
    assert second.stderr.strip() == (
        "evalkit: out.jsonl: is being written by another evalkit process; wait for it or write to another file"
    )
    assert first.returncode == 0
    ids = [json.loads(line)["id"] for line in out.read_text(encoding="utf-8").split("\n") if line]
    assert ids == [f"p{n}" for n in range(80)]
    assert "scored 80 of 80 input(s)" in first_err
