"""The one writer for every file evalkit writes: whole or not at all, never a traceback.

Results, reports, JUnit and Markdown files, the run history, sidecars, `pyproject.toml` edits and
`evalkit score` metadata all go through `write_file`; `evalkit score` records through `RecordStream`.
A full disk or a read-only file system used to truncate the previous file in place (results.json left
as 8 KB of invalid JSON) or escape as a traceback. A file written over time (`evalkit score` output)
has one writer at a time (`sole_writer`): two processes on one `-o` used to interleave and truncate
each other's records while both reported every record written.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import stat
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from evalkit.errors import OutputError
from evalkit.text import printable

_CHUNK = 1 << 20  # bytes gathered before each write when the data comes in pieces


def write_file(path: str | Path, data: str | bytes | Iterable[str]) -> Path:
    """Replace the file at `path` with `data`, all or nothing: the one way evalkit writes a whole file.

    `data` may come in pieces (a template rendered as a stream), so a large file is never held whole.

    The data goes to a temporary file in the same folder, is flushed and fsynced, then renamed over
    the old file, so a full disk or a crash leaves the previous file whole and no partial file behind.
    A symbolic link stays a link (its target is replaced) and the file keeps its mode. A failure is an
    `OutputError` naming the file (exit 2), never a traceback.
    """
    path = Path(path)
    target = Path(os.path.realpath(path))
    pieces = [data] if isinstance(data, str | bytes) else data
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            mode = stat.S_IMODE(target.stat().st_mode)
        except FileNotFoundError:
            mode = 0o666 & ~_umask()
        descriptor, partial = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
        try:
            try:
                buffered: list[bytes] = []
                size = 0
                for piece in pieces:
                    buffered.append(piece.encode("utf-8") if isinstance(piece, str) else piece)
                    size += len(buffered[-1])
                    if size >= _CHUNK:
                        _write_all(descriptor, b"".join(buffered))
                        buffered, size = [], 0
                _write_all(descriptor, b"".join(buffered))
                os.fsync(descriptor)
            finally:
                os.close(descriptor)
            os.chmod(partial, mode)
            os.replace(partial, target)
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise OutputError(printable(str(path)), f"cannot be written ({exc.strerror or exc}); it is unchanged") from None
    return path


@contextlib.contextmanager
def locked(path: str | Path, wait: bool = True) -> Iterator[None]:
    """Hold the lock of the file at `path` (`.NAME.lock` beside its real path) for a read-and-rewrite.

    `write_file` alone keeps each file whole; a read-modify-write also needs this, so two writers (parallel
    runs appending to the history, two review windows deciding claims of one sidecar) each keep their change.
    With `wait` False a lock held elsewhere is refused, never queued (`sole_writer`). A lock file that cannot
    be made (a read-only folder) is an `OutputError` naming `path`.
    """
    file = lock_path(path)
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(file, timeout=-1 if wait else 0)
        lock.acquire()
    except Timeout:  # an OSError too: caught first
        raise OutputError(
            printable(str(path)), "is being written by another evalkit process; wait for it or write to another file"
        ) from None
    except OSError as exc:
        raise OutputError(printable(str(path)), f"cannot be written ({exc.strerror or exc})") from None
    try:
        yield
    finally:
        lock.release()


def write_json(path: str | Path, data: Any) -> Path:
    """`data` as JSON at `path` (through `write_file`); a NaN or infinity is a bug upstream, never a token."""
    return write_file(path, json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n")


def lock_path(path: str | Path) -> Path:
    """The lock file that guards `path`: beside it (links followed), so every name for a file shares one."""
    real = Path(os.path.realpath(path))
    return real.with_name(f".{real.name}.lock")


def sole_writer(path: str | Path) -> contextlib.AbstractContextManager[None]:
    """Hold `path` for this process alone while it is written; another writer is refused, never queued.

    The lock (the `filelock` package, an OS lock a crash releases) is taken before the file is read,
    trimmed or truncated, so the second `evalkit score` on one output stops with one line and the
    first's count is what its file holds.
    """
    return locked(path, wait=False)


class RecordStream:
    """An `evalkit score` output: JSONL records appended one by one, each flushed as it is written.

    A record either reaches the file whole or the stream stops with an `OutputError` naming the file;
    a record cut short by a full disk is removed again, so `--resume` continues from the last whole one.
    """

    def __init__(self, path: Path, append: bool) -> None:
        self.path = path
        flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if append else os.O_TRUNC)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._descriptor = os.open(path, flags, 0o666)
        except OSError as exc:
            raise self._failed(exc) from None

    def write(self, record: Any) -> None:
        line = record_line(record).encode("utf-8")
        end = os.lseek(self._descriptor, 0, os.SEEK_END)
        try:
            _write_all(self._descriptor, line)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.ftruncate(self._descriptor, end)
            raise self._failed(exc) from None

    def close(self) -> None:
        os.close(self._descriptor)

    def __enter__(self) -> RecordStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _failed(self, exc: OSError) -> OutputError:
        return OutputError(
            printable(str(self.path)),
            f"cannot be written ({exc.strerror or exc}); every record before is whole (rerun with --resume)",
        )


def _write_all(descriptor: int, data: bytes) -> None:
    """`os.write` until all of `data` is written (a short write is not an error, a full disk is)."""
    view = memoryview(data)
    while view:
        view = view[os.write(descriptor, view) :]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def record_line(data: Any) -> str:
    """One JSONL record, with the same guarantee as `write_json`.

    U+2028 and U+2029 are escaped: JSON allows them raw inside a string, but line readers that split
    at every Unicode line break (Python's `str.splitlines`) would cut the record in two.
    """
    line = json.dumps(data, ensure_ascii=False, allow_nan=False)
    return line.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029") + "\n"


def split_records(text: str) -> list[str]:
    r"""The lines of a JSONL file, each with its `\n`, split at `\n` only: the one line end `record_line`
    writes, never the other characters `str.splitlines` ends lines at, which a record may hold raw."""
    return [line for line in re.split(r"(?<=\n)", text) if line]
