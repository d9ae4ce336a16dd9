"""Walking inputs: each real file once, folders walked whatever their name, loops reported, not followed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from evalkit.errors import InputError
from evalkit.read.inputs import walk

PATTERNS = ("*.txt", "*.jsonl")


def found(paths: list[str | Path]) -> list[str]:
    return [f"error: {item}" if isinstance(item, InputError) else str(item) for item in walk(paths, PATTERNS)]


def test_a_folder_named_like_a_capture_is_walked_once_and_an_empty_one_is_no_error(tmp_path: Path) -> None:
    (tmp_path / "x.txt").mkdir()
    (tmp_path / "x.txt" / "inner.txt").write_text("capture", encoding="utf-8")
    (tmp_path / "foo.txt").mkdir()
    (tmp_path / "a.txt").write_text("capture", encoding="utf-8")
    (tmp_path / "notes.md").write_text("not a capture", encoding="utf-8")
    assert found([tmp_path]) == [str(tmp_path / "a.txt"), str(tmp_path / "x.txt" / "inner.txt")]
    assert found([tmp_path / "foo.txt"]) == [f"error: {tmp_path / 'foo.txt'}: no capture files matching *.txt, *.jsonl"]


def test_each_real_file_is_read_once(tmp_path: Path) -> None:
    refs = tmp_path / "refs"
    refs.mkdir()
    (refs / "a.txt").write_text("capture", encoding="utf-8")
    (refs / "alias.txt").symlink_to(refs / "a.txt")
    (refs / "again").symlink_to(refs, target_is_directory=True)  # a link back up the tree
    assert found([refs, refs / "a.txt", tmp_path / "refs" / ".." / "refs"]) == [str(refs / "a.txt")]


def test_symbolic_link_loops_and_broken_links_are_named(tmp_path: Path) -> None:
    (tmp_path / "loop.txt").symlink_to(tmp_path / "loop.txt")
    (tmp_path / "gone.txt").symlink_to(tmp_path / "missing.txt")
    assert found([tmp_path / "loop.txt"]) == [
        f"error: {tmp_path / 'loop.txt'}: is a symbolic link loop (it leads back to itself)"
    ]
    assert found([tmp_path]) == [
        f"error: {tmp_path / 'gone.txt'}: is a broken symbolic link",
        f"error: {tmp_path / 'loop.txt'}: is a symbolic link loop (it leads back to itself)",
    ]
    assert found([tmp_path / "nope.txt"]) == [f"error: {tmp_path / 'nope.txt'}: no such file or folder"]


def test_only_regular_files_are_inputs(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.txt")  # reading it would block forever
    (tmp_path / "real.txt").write_text("capture", encoding="utf-8")
    assert found([tmp_path]) == [str(tmp_path / "real.txt")]
    assert found([tmp_path / "pipe.txt"]) == [f"error: {tmp_path / 'pipe.txt'}: is not a regular file"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any folder")
def test_an_unreadable_subfolder_is_reported(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("capture", encoding="utf-8")
    (tmp_path / "locked").mkdir(mode=0)
    try:
        assert found([tmp_path])[0].startswith(f"error: {tmp_path / 'locked'}: cannot be read")
    finally:
        (tmp_path / "locked").chmod(0o755)
