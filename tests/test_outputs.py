"""Output paths are checked before any scoring: one line naming the path, and an input is never written."""

from __future__ import annotations

import math
import os
from pathlib import Path

import pytest

from evalkit.errors import OutputError
from evalkit.outputs.paths import check
from evalkit.settings import Settings
from evalkit.writer import record_line, write_json

NO_CACHE = Settings(cache=False)


@pytest.fixture
def inputs(tmp_path: Path) -> Path:
    refs = tmp_path / "refs"
    refs.mkdir()
    (refs / "a.txt").write_text("capture", encoding="utf-8")
    (refs / "a.evalkit.toml").write_text("min_rouge_l = 0.1\n", encoding="utf-8")
    (tmp_path / "pairs.jsonl").write_text("{}\n", encoding="utf-8")
    (tmp_path / "file").write_text("a file", encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    ("output", "problem"),
    [
        ("pairs.jsonl", "is one of the inputs"),
        ("refs/a.txt", "is one of the inputs"),
        ("refs/a.evalkit.toml", "is one of the inputs"),  # a capture's sidecar is read too
        ("link.jsonl", "is one of the inputs"),  # a symbolic link to an input
        ("hard.jsonl", "is one of the inputs"),  # a hard link to an input
        ("refs", "is a folder"),
        ("file/out.jsonl", "cannot be created: "),
    ],
)
def test_file_output_mistakes(inputs: Path, output: str, problem: str) -> None:
    (inputs / "link.jsonl").symlink_to(inputs / "pairs.jsonl")
    os.link(inputs / "pairs.jsonl", inputs / "hard.jsonl")
    with pytest.raises(OutputError, match=problem) as raised:
        check(NO_CACHE, reads=[inputs / "refs", inputs / "pairs.jsonl"], files=[inputs / output])
    assert str(raised.value).startswith(str(inputs / output))


def test_folder_output_mistakes(inputs: Path) -> None:
    with pytest.raises(OutputError, match="is a file, not a folder"):
        check(NO_CACHE, folders=[inputs / "file"])
    with pytest.raises(OutputError, match="cannot be created: .*file is not a folder"):
        check(NO_CACHE, folders=[inputs / "file" / "reports"])
    with pytest.raises(OutputError, match="is a file, not a folder"):
        check(Settings(cache_dir=str(inputs / "file")))
    check(NO_CACHE, reads=[inputs / "refs"], files=[inputs / "new" / "deeper" / "out.jsonl"], folders=[inputs / "x"])
    assert not (inputs / "new").exists() and not (inputs / "x").exists()  # checking creates nothing


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_read_only_outputs(inputs: Path) -> None:
    locked = inputs / "locked"
    locked.mkdir(mode=0o555)
    (inputs / "ro.jsonl").write_text("", encoding="utf-8")
    (inputs / "ro.jsonl").chmod(0o444)
    with pytest.raises(OutputError, match="read-only"):
        check(NO_CACHE, files=[locked / "out.jsonl"])
    with pytest.raises(OutputError, match="read-only"):
        check(NO_CACHE, files=[inputs / "ro.jsonl"])
    with pytest.raises(OutputError, match="read-only"):
        check(Settings(cache_dir=str(locked / "cache")))


def test_json_never_carries_nan(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not JSON compliant"):
        record_line({"score": math.nan})
    with pytest.raises(ValueError, match="not JSON compliant"):
        write_json(tmp_path / "x.json", {"score": math.inf})
