"""Where a run writes, checked before any scoring starts.

A mistake in an output path (a folder where a file goes, a read-only folder, the input file itself)
used to surface after all the scoring, or never: `-o pairs.jsonl` on `pairs.jsonl` emptied the input.
`check` finds each such mistake first, without creating anything, so a run either can write all its
outputs or stops at once with one line naming the path and the problem.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from evalkit.errors import OutputError
from evalkit.read import inputs
from evalkit.settings import Settings, sidecar_path
from evalkit.text import printable


def check(
    settings: Settings,
    reads: Iterable[str | Path] = (),
    files: Iterable[str | Path] = (),
    folders: Iterable[str | Path] = (),
) -> None:
    """Raise `OutputError` unless every file in `files` and folder in `folders` can be written, no two
    files are the same file, none of them is read by the run (`reads`, walked as a run walks them,
    sidecars included) and the embedding cache folder, if on, is usable."""
    read = _identities(reads, settings)
    for folder in (*folders, *([settings.cache_dir] if settings.cache else [])):
        _check_folder(Path(folder))
    claimed: dict[str, Path] = {}
    for file in map(Path, files):
        _check_file(file, read)
        first = claimed.setdefault(os.path.realpath(file), file)
        if first is not file:  # `--markdown reports/history.jsonl` would replace the run history
            same = "is named for two outputs" if first == file else f"is the same file as {printable(str(first))}"
            raise OutputError(printable(str(file)), f"{same}; give each output its own file")


def _identities(reads: Iterable[str | Path], settings: Settings) -> set[tuple[int, int]]:
    """(device, inode) of every file the run reads: a symbolic or hard link to an input is that input."""
    found: set[tuple[int, int]] = set()
    for path in inputs.walk(reads, (*settings.patterns, "*.jsonl")):
        if isinstance(path, Path):
            for name in (path, sidecar_path(path)):
                try:
                    st = name.stat()
                except OSError:
                    continue
                found.add((st.st_dev, st.st_ino))
    return found


def _check_file(path: Path, read: set[tuple[int, int]]) -> None:
    name = printable(str(path))
    try:
        st = path.stat()
    except OSError:
        st = None
    if st is not None:
        if (st.st_dev, st.st_ino) in read:
            raise OutputError(name, "is one of the inputs; write the output to another file")
        if path.is_dir():
            raise OutputError(name, "is a folder; give a file name")
        if not os.access(path, os.W_OK):
            raise OutputError(name, "is read-only")
    _check_folder(path.parent, name)


def _check_folder(path: Path, target: str | None = None) -> None:
    """`path` is a folder evalkit can write in, or can be created where the nearest existing folder is."""
    name = target or printable(str(path))
    existing = path
    while not os.path.lexists(existing) and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        if existing == path and target is None:
            raise OutputError(name, "is a file, not a folder")
        raise OutputError(name, f"cannot be created: {printable(str(existing))} is not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise OutputError(name, f"cannot be written: the folder {printable(str(existing))} is read-only")
