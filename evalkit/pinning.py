"""`evalkit pin`: judge captures and pin every claim's verdict in their sidecars, all or nothing.

A typo or a full disk must never leave pins half refreshed: every capture is judged and every sidecar
path checked before anything is written, and a failed write puts back the sidecars written before it.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable
from pathlib import Path

from evalkit.encoder import Encoder
from evalkit.errors import EvalkitError
from evalkit.outputs import check
from evalkit.pipeline import Job, evaluate, jobs_from_paths
from evalkit.result import SummaryResult
from evalkit.settings import Settings
from evalkit.sidecar import pin_text, sidecar_path
from evalkit.text import printable
from evalkit.writer import write_file


def pin_captures(
    paths: Iterable[str | Path], settings: Settings, encoder: Encoder | None = None, confirm: bool = False
) -> list[Path]:
    """Judge each capture file (folders expanded, sidecar settings applied) and pin it in its sidecar.

    All or nothing: every capture must be judged and every sidecar writable (checked before any
    scoring) and no two captures may share a sidecar (`x.txt` and `x.html` both use `x.evalkit.toml`);
    if a write fails, the sidecars already written get their old text back.
    """
    jobs = list(jobs_from_paths(paths, settings))
    problems = [job.error or f"{job.id}: only page captures have sidecars" for job in jobs if not _pinnable(job)]
    owners: dict[Path, list[str]] = {}
    for job in jobs:
        owners.setdefault(Path(os.path.realpath(sidecar_path(Path(job.id)))), []).append(job.id)
    problems += [
        f"{' and '.join(map(printable, ids))} would share the sidecar {printable(str(sidecar_path(Path(ids[0]))))}"
        " (rename one)"
        for ids in owners.values()
        if len(ids) > 1
    ]
    if problems:
        raise EvalkitError("nothing pinned: " + "; ".join(problems))
    check(settings, files=[sidecar_path(Path(job.id)) for job in jobs])
    run = evaluate(jobs, settings, encoder=encoder)
    problems = [r.error or f"{r.id}: some claims could not be judged" for r in run.results if not _judged(r)]
    if problems:
        raise EvalkitError("nothing pinned: " + "; ".join(problems))
    texts = {sidecar_path(Path(r.id)): pin_text(r, sidecar_path(Path(r.id)), confirm) for r in run.results}
    return _write_all_or_none(texts)


def _write_all_or_none(texts: dict[Path, str]) -> list[Path]:
    """Write every file, or, when one fails, put back the ones written before it and re-raise."""
    written: list[tuple[Path, bytes | None]] = []
    try:
        for path, text in texts.items():
            old = path.read_bytes() if path.exists() else None
            write_file(path, text)
            written.append((path, old))
    except EvalkitError:
        for path, old in reversed(written):
            with contextlib.suppress(OSError, EvalkitError):
                write_file(path, old) if old is not None else path.unlink()
        raise
    return list(texts)


def _judged(result: SummaryResult) -> bool:
    return result.error is None and not result.unjudged


def _pinnable(job: Job) -> bool:
    return job.error is None and Path(job.id).is_file() and Path(job.id).suffix != ".jsonl"
