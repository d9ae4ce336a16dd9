"""Which files a run reads: the paths given, with folders walked, each real file once.

Only regular files are inputs. A folder is always walked, even one named like a capture (`x.txt/`),
so its files are read once, not once as a folder and again as its files. Symbolic links are followed,
but every file and folder is visited once by its real path, so a link back up the tree, or two names
for one file, neither loops nor scores anything twice; a link that points at itself is reported.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterable, Iterator
from fnmatch import fnmatchcase
from pathlib import Path

from evalkit.errors import InputError, NothingToJudge
from evalkit.text import printable


def walk(paths: Iterable[str | Path], patterns: tuple[str, ...]) -> Iterator[Path | InputError]:
    """Each input file under `paths` in order (a folder's matching files sorted), or the error a path has.

    A path given by name is read whatever its name; inside a folder only names matching `patterns` are.
    """
    seen: set[str] = set()
    for raw in paths:
        path = Path(raw)
        mode = _mode(path)
        if isinstance(mode, InputError):
            yield mode
        elif stat.S_ISDIR(mode):
            found = _folder(path, patterns)
            if not found:
                yield NothingToJudge(printable(str(path)), f"no capture files matching {', '.join(patterns)}")
            yield from (f for f in found if isinstance(f, InputError) or _first_visit(f, seen))
        elif not stat.S_ISREG(mode):
            yield InputError(printable(str(path)), "is not a regular file")
        elif _first_visit(path, seen):
            yield path


def _folder(folder: Path, patterns: tuple[str, ...]) -> list[Path | InputError]:
    """The files under `folder` whose names match, sorted, and the entries that could not be read."""
    found: list[Path | InputError] = []
    walked: set[str] = set()

    def unreadable(exc: OSError) -> None:
        found.append(InputError(printable(str(exc.filename)), f"cannot be read ({exc.strerror or exc})"))

    for top, dirs, files in os.walk(folder, onerror=unreadable, followlinks=True):
        if not _first_visit(Path(top), walked):
            dirs.clear()  # a link back to a folder already walked
            continue
        for name in files:
            if any(fnmatchcase(name, p) for p in patterns):
                path = Path(top, name)
                mode = _mode(path)
                if isinstance(mode, InputError):
                    found.append(mode)
                elif stat.S_ISREG(mode):  # sockets, pipes and devices are never captures
                    found.append(path)
    return sorted(found, key=lambda f: Path(f.source) if isinstance(f, InputError) else f)


def _mode(path: Path) -> int | InputError:
    """The file type of what `path` leads to, or why it leads nowhere."""
    try:
        return path.stat().st_mode
    except OSError as exc:
        name = printable(str(path))
        if exc.errno == errno.ELOOP:
            return InputError(name, "is a symbolic link loop (it leads back to itself)")
        if exc.errno == errno.ENOENT:
            return InputError(name, "is a broken symbolic link" if path.is_symlink() else "no such file or folder")
        return InputError(name, f"cannot be read ({exc.strerror or exc})")


def _first_visit(path: Path, seen: set[str]) -> bool:
    real = os.path.realpath(path)
    if real in seen:
        return False
    seen.add(real)
    return True
