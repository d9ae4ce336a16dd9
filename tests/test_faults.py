"""Fault injection: a disk that fills or is read-only, concurrent runs, and files read back in bad shapes.

Each fault must give a correct result, or one line naming the file with exit 2, with no earlier output
damaged and no good record lost. The file system faults are monkeypatched into `os.open` and
`os.write` for one folder, so they hit evalkit's own writes exactly as a full or read-only disk would.
"""

from __future__ import annotations

import errno
import json
import multiprocessing
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from evalkit.errors import EvalkitError, EvalkitWarning, OutputError
from evalkit.frontends import cli, pinning
from evalkit.result import ClaimVerdict, RunResult, SummaryResult
from evalkit.runs import history
from evalkit.scoring.calibrate import write_threshold
from evalkit.settings import load
from evalkit.writer import RecordStream, write_file

WRITES = os.O_WRONLY | os.O_RDWR | os.O_CREAT


def failing_disk_under(
    monkeypatch: pytest.MonkeyPatch, folder: Path, code: int, after: int = 0, name: str = ""
) -> None:
    """Writes to files under `folder` (whose name contains `name`) fail with `code` once `after` bytes went
    through (ENOSPC: a disk that fills mid-write), or opening one for writing fails (EROFS)."""
    real_open, real_write = os.open, os.write
    budget = [after]

    def ours(path: str) -> bool:
        return str(path).startswith(str(folder)) and name in os.path.basename(path)

    def failing_open(path: str, flags: int, *args: object, **kwargs: object) -> int:
        if code == errno.EROFS and flags & WRITES and ours(os.fspath(path)):
            raise OSError(code, os.strerror(code), os.fspath(path))
        return real_open(path, flags, *args, **kwargs)

    def failing_write(fd: int, data: bytes) -> int:
        try:
            path = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            path = ""
        if code == errno.ENOSPC and ours(path):
            if budget[0] <= 0:
                raise OSError(code, os.strerror(code))
            data = bytes(data[: budget[0]])
            budget[0] -= len(data)
        return real_write(fd, data)

    monkeypatch.setattr(os, "open", failing_open)
    monkeypatch.setattr(os, "write", failing_write)


@pytest.fixture
def failing_disk(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """`failing_disk(folder, code, after=0, name="")`, undone after the test (see `failing_disk_under`)."""
    return lambda *args, **kwargs: failing_disk_under(monkeypatch, *args, **kwargs)


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS])
def test_a_failed_write_leaves_the_old_file_whole_and_names_it(
    tmp_path: Path, failing_disk: Callable[..., None], code: int
) -> None:
    target = tmp_path / "results.json"
    target.write_text('{"good": "old results"}\n', encoding="utf-8")
    failing_disk(tmp_path, code, after=8)
    with pytest.raises(OutputError) as raised:
        write_file(target, '{"new": "' + "x" * 10_000 + '"}\n')
    assert str(raised.value).startswith(f"{target}: cannot be written (")
    assert os.strerror(code) in str(raised.value) and "\n" not in str(raised.value)
    assert target.read_text(encoding="utf-8") == '{"good": "old results"}\n'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.json"]  # no partial file left


def test_a_record_cut_by_a_full_disk_is_removed_so_resume_continues_from_whole_lines(
    tmp_path: Path, failing_disk: Callable[..., None]
) -> None:
    out = tmp_path / "out.jsonl"
    with RecordStream(out, append=False) as stream:
        stream.write({"id": "a", "score": 0.5})
        failing_disk(tmp_path, errno.ENOSPC, after=10)
        with pytest.raises(OutputError, match="every record before is whole"):
            stream.write({"id": "b", "score": 0.25, "claims": ["long enough to be cut"]})
    assert out.read_text(encoding="utf-8") == '{"id": "a", "score": 0.5}\n'


def test_a_linked_file_is_replaced_through_its_link_and_keeps_its_mode(tmp_path: Path) -> None:
    target = tmp_path / "shared" / "report.md"
    target.parent.mkdir()
    target.write_text("old", encoding="utf-8")
    target.chmod(0o640)
    link = tmp_path / "report.md"
    link.symlink_to(target)
    write_file(link, "new")
    assert link.is_symlink() and target.read_text(encoding="utf-8") == "new"
    assert target.stat().st_mode & 0o777 == 0o640


def test_calibrate_write_on_a_read_only_disk_is_one_line_and_the_file_is_kept(
    tmp_path: Path, failing_disk: Callable[..., None]
) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text("[tool.evalkit]\nsupport_threshold = 0.5\n", encoding="utf-8")
    failing_disk(tmp_path, errno.EROFS)
    with pytest.raises(OutputError, match="Read-only file system"):
        write_threshold(pyproject, 0.4)
    assert pyproject.read_text(encoding="utf-8") == "[tool.evalkit]\nsupport_threshold = 0.5\n"


def test_pin_writes_every_sidecar_or_none(tmp_path: Path, failing_disk: Callable[..., None]) -> None:
    first, second = tmp_path / "a.evalkit.toml", tmp_path / "b.evalkit.toml"
    first.write_text("# notes\nmin_rouge_l = 0.1\n", encoding="utf-8")
    failing_disk(tmp_path, errno.EROFS, name="b.evalkit.toml")
    with pytest.raises(OutputError, match="b.evalkit.toml"):
        pinning._write_all_or_none({first: "[expect]\n", second: "[expect]\n"})
    assert first.read_text(encoding="utf-8") == "# notes\nmin_rouge_l = 0.1\n" and not second.exists()


def test_captures_that_would_share_a_sidecar_are_refused_naming_both(tmp_path: Path) -> None:
    for name in ("x.txt", "x.html"):
        (tmp_path / name).write_text("page", encoding="utf-8")
    with pytest.raises(EvalkitError) as raised:
        pinning.pin_captures([tmp_path], load(tmp_path, {"cache": False})[0])
    message = str(raised.value)
    assert f"{tmp_path / 'x.html'} and {tmp_path / 'x.txt'} would share the sidecar" in message
    assert not (tmp_path / "x.evalkit.toml").exists()


def run(score: float = 0.9, verdict: str = "supported") -> RunResult:
    claim = ClaimVerdict("The council met.", "", 0, 16, verdict, score)  # type: ignore[arg-type]
    result = SummaryResult("a.txt", "A", {"similarity": 0.5, "support": score}, (claim,), True)
    return RunResult((result,), {"judge": "test"}, "2026-01-01T00:00:00", 1.0)


def _append_runs(path: str, count: int) -> None:
    for _ in range(count):
        history.append(path, run(), keep=1000)


@pytest.mark.slow
def test_concurrent_history_appends_lose_no_run(tmp_path: Path) -> None:
    path = str(tmp_path / "history.jsonl")
    spawn = multiprocessing.get_context("spawn")
    workers = [spawn.Process(target=_append_runs, args=(path, 30)) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    assert [w.exitcode for w in workers] == [0, 0]
    assert len(Path(path).read_text(encoding="utf-8").splitlines()) == 60


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda c: c.update(verdict="bogus"), "verdict 'bogus' is not one of supported, weak, unsupported, error"),
        (lambda c: c.update(score="x"), "'score' is \"x\", not a number"),
        (lambda c: c.update(score=1e999), "'score' is inf, not a finite number"),
        (lambda c: c.pop("text"), "no 'text' field"),
    ],
)
def test_a_bad_history_line_is_skipped_with_a_warning_and_dropped(
    tmp_path: Path, change: Callable[[dict], object], problem: str
) -> None:
    path = tmp_path / "history.jsonl"
    history.append(path, run(), keep=10)
    line = json.loads(path.read_text(encoding="utf-8"))
    change(line["summaries"][0]["claims"][0])
    path.write_text(path.read_text(encoding="utf-8") + json.dumps(line) + "\n", encoding="utf-8")
    with pytest.warns(EvalkitWarning, match=f"{path}:2: skipped, not a run record: summary 1: claim 1: ") as warned:
        records = history.append(path, run(0.8), keep=10)
    assert problem in str(warned[0].message)
    assert [r.summaries[0].metrics["support"] for r in records] == [0.9, 0.8]
    assert history.since_last(records) is not None  # the next run compares as if the line were never there
    assert len(path.read_text(encoding="utf-8").splitlines()) == 2


def score_lines(path: Path, *records: tuple[str, str]) -> None:
    rows = [
        {"id": id, "score": 0.5, "claims": [{"text": "The council met.", "verdict": verdict, "score": 0.5}]}
        for id, verdict in records
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def test_diff_pairs_repeated_ids_in_file_order(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    score_lines(tmp_path / "a.jsonl", ("dup", "supported"), ("dup", "supported"))
    score_lines(tmp_path / "b.jsonl", ("dup", "supported"), ("dup", "unsupported"))
    assert cli.main(["diff", str(tmp_path / "a.jsonl"), str(tmp_path / "b.jsonl"), "--fail-on-regression"]) == 1
    out = capsys.readouterr().out
    assert "regression: supported → unsupported" in out and "2 summaries compared: 1 regressed" in out


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (lambda r: r.update(id=7), "result 1: 'id' is 7, not a string"),
        (lambda r: r["metrics"].update(support=1e999), "result 1: 'support' is inf, not a finite number"),
    ],
)
def test_diff_refuses_a_results_file_with_wrong_types(
    tmp_path: Path, capsys: pytest.CaptureFixture, edit: Callable[[dict], object], problem: str
) -> None:
    data = run().to_dict()
    edit(data["results"][0])
    bad = tmp_path / "results.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    assert cli.main(["diff", str(bad), str(bad), "--format", "json"]) == 2
    captured = capsys.readouterr()
    assert captured.err == f"evalkit: {bad}: {problem}\n" and captured.out == ""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pyproject.toml").write_text('[tool.evalkit]\nreferences = ["refs"]\ncache = false\n', "utf-8")
    (tmp_path / "refs").mkdir()
    (tmp_path / "refs" / "a.txt").write_text("Title\n\nAI Summary\n\nA claim.\n\nThe article.\n", "utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cli, "evaluate", lambda *a, **k: pytest.fail("scored before the mistake was found"))
    return tmp_path


@pytest.mark.parametrize(
    ("argv", "problem"),
    [
        (["run", "--markdown", "reports/history.jsonl"], "reports/history.jsonl: is named for two outputs"),
        (["run", "--junit", "reports/results.json"], "reports/results.json: is named for two outputs"),
        (["run", "--junit", "ci.xml", "--markdown", "ci.xml"], "ci.xml: is named for two outputs; give each"),
        (["run", "--junit", "ci.xml", "--markdown", "link.xml"], "link.xml: is the same file as ci.xml; give each"),
    ],
)
def test_run_mistakes_are_found_before_scoring(
    project: Path, capsys: pytest.CaptureFixture, argv: list[str], problem: str
) -> None:
    (project / "link.xml").symlink_to(project / "ci.xml")  # a link to a file not written yet
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"evalkit: {problem}") and err.count("\n") == 1


@pytest.mark.parametrize(
    ("pyproject", "problem"),
    [("tool = 3\n", "'tool' must be a table ([tool]), not int"), ("[tool]\nevalkit = 'x'\n", "'tool.evalkit' must")],
)
def test_a_tool_section_that_is_not_a_table_is_one_line(
    project: Path, capsys: pytest.CaptureFixture, pyproject: str, problem: str
) -> None:
    (project / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    assert cli.main(["run"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"evalkit: {project / 'pyproject.toml'}: {problem}") and err.count("\n") == 1


def test_resume_refuses_records_scored_with_another_judge(project: Path, capsys: pytest.CaptureFixture) -> None:
    out = project / "out.jsonl"
    out.write_text('{"id": "refs/a.txt", "judge": "lexical", "consistent": true, "score": 0.9}\n', encoding="utf-8")
    meta = {"signature": {"judge": "lexical:logreg-x", "model": "m"}}
    (project / "out.meta.json").write_text(json.dumps(meta), encoding="utf-8")
    before = out.read_bytes(), (project / "out.meta.json").read_bytes()
    assert cli.main(["score", "refs", "-o", "out.jsonl", "--resume", "--judge", "lexical"]) == 2
    err = capsys.readouterr().err
    assert (
        err.startswith("evalkit: out.jsonl: was scored with another signature (")
        and "judge: lexical:logreg-x → " in err
    )
    assert (out.read_bytes(), (project / "out.meta.json").read_bytes()) == before


@pytest.mark.slow
def test_a_capture_named_in_another_encoding_is_pinned_like_any_other(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    page = (
        "Council Approves Bridge\n\nAI Summary\n\nThe council approved a bridge.\n\nEnd of summary\n\n"
        "The city council voted on Tuesday to approve a new bridge over the Elm River.\n"
    )
    (tmp_path / "refs").mkdir()
    for name in (b"caf\xe9.txt", b"ok.txt"):  # Latin-1 bytes: not valid UTF-8
        Path(os.fsdecode(bytes(tmp_path / "refs") + b"/" + name)).write_text(page, encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text('[tool.evalkit]\nreferences = ["refs"]\ncache = false\n', "utf-8")
    monkeypatch.chdir(tmp_path)
    assert cli.main(["pin", "--judge", "lexical"]) == 0
    assert "pinned refs/caf\\xe9.evalkit.toml" in capsys.readouterr().out
    assert (
        os.path.exists(os.fsdecode(b"refs/caf\xe9.evalkit.toml")) and (tmp_path / "refs" / "ok.evalkit.toml").exists()
    )


def test_score_on_a_full_disk_is_one_line_and_resume_finishes_the_file(
    project: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [{"id": f"p{n}", "document": "The council met on Monday.", "summary": "The council met."} for n in range(5)]
    (project / "pairs.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")

    def evaluate(jobs: list, settings: object, on_result: Callable, **options: object) -> None:
        for job in jobs:  # a record per job (about 100 bytes): the disk fills in the middle of the third
            on_result(SummaryResult(job.id, "", {"support": 0.5}, (), True))

    monkeypatch.setattr(cli, "evaluate", evaluate)
    real_open, real_write = os.open, os.write
    with monkeypatch.context() as patched:
        failing_disk_under(patched, project, errno.ENOSPC, after=250, name="out.jsonl")
        assert cli.main(["score", "pairs.jsonl", "-o", "out.jsonl", "--judge", "lexical"]) == 2
    assert (os.open, os.write) == (real_open, real_write)
    err = capsys.readouterr().err.splitlines()
    assert err[-1].startswith("evalkit: out.jsonl: cannot be written (No space left on device); every record")
    written = (project / "out.jsonl").read_text(encoding="utf-8")
    assert written.endswith("\n") and 0 < len(written.splitlines()) < 5  # whole records only
    assert cli.main(["score", "pairs.jsonl", "-o", "out.jsonl", "--judge", "lexical", "--resume"]) == 0
    assert [json.loads(line)["id"] for line in (project / "out.jsonl").read_text("utf-8").splitlines()] == [
        f"p{n}" for n in range(5)
    ]
