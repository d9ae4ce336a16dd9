"""`evalkit pin`: judge captures and pin every claim's verdict in their sidecars, all or nothing.

A typo or a full disk must never leave pins half refreshed: every capture is judged and every sidecar
path checked before anything is written, and a failed write puts back the sidecars written before it.
"""

from __future__ import annotations

import contextlib
import os
import warnings
from collections.abc import Iterable
from pathlib import Path

from evalkit.errors import EvalkitError, EvalkitWarning
from evalkit.outputs.paths import check
from evalkit.prepare.encoder import Encoder
from evalkit.result import SummaryResult
from evalkit.scoring.pipeline import Job, evaluate, jobs_from_paths
from evalkit.scoring.sidecar import pin_text, unused_pins
from evalkit.settings import Settings, sidecar_path
from evalkit.text import printable
from evalkit.writer import locked, write_file


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
    sidecars = [sidecar_path(job.path) for job in jobs if job.path is not None]  # every job, once none failed
    owners: dict[str, list[str]] = {}
    for job, sidecar in zip((job for job in jobs if job.path is not None), sidecars, strict=True):
        owners.setdefault(os.path.realpath(sidecar), []).append(job.id)
    problems += [
        f"{' and '.join(ids)} would share the sidecar {printable(shared)} (rename one)"
        for shared, ids in owners.items()
        if len(ids) > 1
    ]
    if problems:
        raise EvalkitError("nothing pinned: " + "; ".join(problems))
    check(settings, files=sidecars)
    run = evaluate(jobs, settings, encoder=encoder)
    problems = [r.error or f"{r.id}: some claims could not be judged" for r in run.results if not _judged(r)]
    if problems:
        raise EvalkitError("nothing pinned: " + "; ".join(problems))
    with contextlib.ExitStack() as held:  # read and rewritten under their locks: a review window loses nothing
        for sidecar in sorted(sidecars, key=os.path.realpath):
            held.enter_context(locked(sidecar))
        texts = {sidecar: pin_text(r, sidecar, confirm) for sidecar, r in zip(sidecars, run.results, strict=True)}
        for job, sidecar, result in zip(jobs, sidecars, run.results, strict=True):
            for problem in unused_pins(result.claims, job.settings.expect):
                note = f"{printable(str(sidecar))}: {problem}: kept (correct its key or delete it)"
                warnings.warn(note, EvalkitWarning, 2)
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
    """A capture file read without error (a JSONL line has no sidecar)."""
    return job.error is None and job.path is not None
