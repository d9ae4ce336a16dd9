"""Readers read by content: every file evalkit writes is read back by `report`, `diff`, `compare` and
`--resume` whatever its name, and a record holding U+2028 or U+2029 stays one record."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_report import SIGNATURE, result, run_of

from evalkit.frontends import cli
from evalkit.outputs.report import source
from evalkit.runs.records import read_output, read_run
from evalkit.settings import Settings
from evalkit.writer import record_line, split_records

SEPARATORS = "\u2028\u2029\x85\x1c\x0b\x0c"  # every character but "\n" that `str.splitlines` breaks at


def score_file(path: Path, raw: bool = True) -> Path:
    """Two `evalkit score` records whose claims hold every line separator but "\\n", and their signature.

    `raw=True` writes the separators unescaped, as evalkit did before `record_line` escaped them."""
    first = result().to_record()
    first["claims"][0]["text"] = f"The council{SEPARATORS}approved the budget."
    second = {**result(id="captures/other.txt").to_record(), "id": f"other{SEPARATORS}id"}
    lines = [json.dumps(r, ensure_ascii=False) + "\n" if raw else record_line(r) for r in (first, second)]
    path.write_text("".join(lines), encoding="utf-8")
    path.with_suffix(".meta.json").write_text(json.dumps({"signature": SIGNATURE}), encoding="utf-8")
    return path


@pytest.mark.parametrize("raw", [True, False])
def test_records_holding_unicode_line_separators_stay_whole(tmp_path: Path, raw: bool) -> None:
    path = score_file(tmp_path / "a.out", raw)
    run = read_run(path)
    assert [s.id for s in run.summaries] == ["captures/budget.txt", f"other{SEPARATORS}id"]
    assert run.summaries[0].claims[0].text == f"The council{SEPARATORS}approved the budget."
    assert run.signature == SIGNATURE  # a.meta.json beside a.out
    assert len(split_records(path.read_text(encoding="utf-8"))) == 2


def test_record_line_escapes_what_other_line_readers_split_at() -> None:
    line = record_line({"text": "a\u2028b\u2029c"})
    assert "\u2028" not in line and "\u2029" not in line and len(line.splitlines()) == 1
    assert json.loads(line) == {"text": "a\u2028b\u2029c"}
    assert split_records("a\n\u2028b\nc") == ["a\n", "\u2028b\n", "c"]


@pytest.mark.parametrize("name", ["results.json", "results.jsonl", "results.out", "results"])
def test_results_json_is_read_whatever_its_name(tmp_path: Path, name: str) -> None:
    data = run_of(result()).to_dict()
    for text in (json.dumps(data, indent=2), json.dumps(data)):  # as written, and on one line
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        assert read_output(path).document is not None
        assert [s.id for s in read_run(path).summaries] == ["captures/budget.txt"]


@pytest.mark.parametrize("name", ["a.jsonl", "a.out", "a.json", "a"])
def test_score_records_are_read_whatever_their_name(tmp_path: Path, name: str) -> None:
    path = score_file(tmp_path / name)
    assert read_output(path).document is None
    assert len(read_run(path).summaries) == 2
    report = source.read_results(path, Settings(cache=False))
    assert [r.id for r in report.results] == ["captures/budget.txt", f"other{SEPARATORS}id"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{\n  oops", "bad: is not valid JSON (line 2:"),  # an indented document: line of the document
        ('{"id": "a", "score": 1, "claims": []}\n{oops\n', "bad:2: is not valid JSON"),  # records: the record's line
        ('{"id": "a", "score": 1, "claims": []}\n[1]\n', "bad:2: is not an `evalkit score` record"),
    ],
)
def test_a_broken_file_names_the_line_in_either_format(tmp_path: Path, capsys, content: str, message: str) -> None:
    bad = tmp_path / "bad"
    bad.write_text(content, encoding="utf-8")
    assert cli.main(["diff", str(bad), str(bad)]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_report_diff_and_compare_read_score_output_named_anything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    old = score_file(tmp_path / "old.out")
    new = tmp_path / "new.txt"
    new.write_text(old.read_text(encoding="utf-8").replace('"supported"', '"unsupported"', 1), encoding="utf-8")
    new.with_suffix(".meta.json").write_text(old.with_suffix(".meta.json").read_text())
    assert cli.main(["report", str(old), "-o", "page.html"]) == 0
    assert "(2 summaries)" in capsys.readouterr().out
    # The page holds each summary's text in a JSON data block, where JSON escapes the control characters.
    held = json.dumps(f"The council{SEPARATORS}approved", ensure_ascii=False)[1:-1]
    assert held in (tmp_path / "page.html").read_text(encoding="utf-8")
    assert cli.main(["diff", str(old), str(new), "--fail-on-regression"]) == 1
    assert "supported → unsupported" in capsys.readouterr().out
    assert cli.main(["compare", str(old), str(new), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["compared"] == 2


def test_resume_reorders_a_file_holding_raw_separators(tmp_path: Path) -> None:
    path = score_file(tmp_path / "a.out")
    records = cli._in_input_order(path, [f"other{SEPARATORS}id", "captures/budget.txt"])
    assert [r["id"] for r in records] == ["captures/budget.txt", f"other{SEPARATORS}id"]
    assert [json.loads(line)["id"] for line in split_records(path.read_text(encoding="utf-8"))] == [
        f"other{SEPARATORS}id",
        "captures/budget.txt",
    ]


@pytest.mark.slow
def test_score_output_with_separators_round_trips_through_every_reader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The real `evalkit score -o a.out`: report, diff, compare and --resume read what it wrote."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.evalkit]\ncache = false\n", encoding="utf-8")
    document = "The council approved the new bridge on Monday. It will cost 40 million dollars. Work starts in May."
    rows = [
        {"id": "a", "document": document, "summary": "The council approved\u2028 a bridge. It costs $40 million."},
        {"id": "b\u2029", "document": document, "summary": "Work starts in\u2029 May."},
    ]
    (tmp_path / "pairs.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    assert cli.main(["score", "pairs.jsonl", "-o", "a.out"]) == 0
    whole = (tmp_path / "a.out").read_bytes()
    assert len(whole.decode("utf-8").splitlines()) == 2  # escaped: even `str.splitlines` sees two records
    assert [s.id for s in read_run(tmp_path / "a.out").summaries] == ["a", "b\u2029"]
    assert cli.main(["report", "a.out", "-o", "a.html"]) == 0
    assert cli.main(["diff", "a.out", "a.out", "--fail-on-regression"]) == 0
    assert cli.main(["compare", "a.out", "a.out"]) == 0
    capsys.readouterr()
    # --resume after an interruption that left the first record and half of the second
    (tmp_path / "a.out").write_bytes(whole[: whole.index(b"\n") + 40])
    assert cli.main(["score", "pairs.jsonl", "-o", "a.out", "--resume"]) == 0
    assert (tmp_path / "a.out").read_bytes() == whole
    # a file an older evalkit wrote, separators raw: resumed, reordered and read the same
    raw = [json.dumps(json.loads(line), ensure_ascii=False) + "\n" for line in split_records(whole.decode())]
    (tmp_path / "a.out").write_text(raw[1], encoding="utf-8")
    assert cli.main(["score", "pairs.jsonl", "-o", "a.out", "--resume"]) == 0
    assert [s.id for s in read_run(tmp_path / "a.out").summaries] == ["a", "b\u2029"]
    assert "Traceback" not in capsys.readouterr().err
