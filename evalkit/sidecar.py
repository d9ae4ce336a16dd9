"""Pinning a capture's reviewed claim verdicts in its sidecar (`name.evalkit.toml`).

Pins make a change of verdict fail the capture's check even when the thresholds still hold. They
must be cheap to refresh when the judge changes, so `pin()` rewrites only the `expect` table and
keeps what a person wrote above it (source notes as comments, threshold overrides).
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterable, Sequence
from pathlib import Path

from evalkit.encoder import Encoder
from evalkit.errors import EvalkitError, SettingsError
from evalkit.pipeline import Job, evaluate, jobs_from_paths
from evalkit.result import ClaimVerdict, SummaryResult
from evalkit.settings import Settings, sidecar_path

# A pin names its claim by its first words: short enough to read, long enough to survive an edit
# further into the claim, which then shows as a changed verdict instead of a missing pin.
PIN_WORDS = 6

_EXPECT_TABLE = re.compile(r"^\s*\[\s*expect\s*\]")
_ANY_TABLE = re.compile(r"^\s*\[")
_EXPECT_INLINE = re.compile(r"^\s*expect\s*=")


def pin_key(claim: ClaimVerdict, claims: Sequence[ClaimVerdict]) -> str:
    """The shortest start of `claim` (at least PIN_WORDS words) that matches no other claim.

    A pin matches a claim that starts with it or contains it (`pipeline`'s rule), so the key must
    match its own claim only (a claim repeated word for word shares its key, as it shares its verdict).
    """
    ends = [m.end() for m in re.finditer(r"\S+", claim.text)]
    for end in ends[PIN_WORDS - 1 : -1]:
        key = claim.text[:end]
        if not any(key in other.text for other in claims if other.text != claim.text):
            return key
    return claim.text


def expect_table(result: SummaryResult) -> dict[str, str]:
    """Every claim of `result`, keyed as `pin_key` says, with its current verdict."""
    return {pin_key(c, result.claims): c.verdict for c in result.claims}


def pin(result: SummaryResult, sidecar: str | Path) -> Path:
    """Write `sidecar` pinning every claim of `result` to its verdict, keeping the lines above the pins."""
    if result.error:
        raise EvalkitError(f"cannot pin verdicts: {result.error}")
    path = Path(sidecar)
    kept = _without_expect(path.read_text(encoding="utf-8") if path.exists() else "")
    pins = [f"{_toml_string(key)} = {_toml_string(verdict)}" for key, verdict in expect_table(result).items()]
    text = "\n".join([*kept, *([""] if kept else []), "[expect]", *pins]) + "\n"
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path}: not rewritten, its lines above the pins are not valid TOML ({exc})") from None
    path.write_text(text, encoding="utf-8")
    return path


def pin_captures(paths: Iterable[str | Path], settings: Settings, encoder: Encoder | None = None) -> list[Path]:
    """Judge each capture file (folders expanded, sidecar settings applied) and pin it in its sidecar.

    Nothing is written unless every capture could be judged, so a typo cannot leave pins half refreshed.
    """
    jobs = list(jobs_from_paths(paths, settings))
    problems = [job.error or f"{job.id}: only page captures have sidecars" for job in jobs if not _pinnable(job)]
    if not problems:
        run = evaluate(jobs, settings, encoder=encoder)
        problems = [r.error for r in run.results if r.error]
    if problems:
        raise EvalkitError("nothing pinned: " + "; ".join(problems))
    return [pin(result, sidecar_path(Path(result.id))) for result in run.results]


def _pinnable(job: Job) -> bool:
    return job.error is None and Path(job.id).is_file() and Path(job.id).suffix != ".jsonl"


def _without_expect(text: str) -> list[str]:
    """The sidecar's lines without its `expect` table (header form or inline), trailing blanks dropped."""
    kept: list[str] = []
    in_expect = False
    for line in text.splitlines():
        if _ANY_TABLE.match(line):
            in_expect = bool(_EXPECT_TABLE.match(line))
        if not in_expect and not _EXPECT_INLINE.match(line):
            kept.append(line)
    while kept and not kept[-1].strip():
        kept.pop()
    return kept


def _toml_string(text: str) -> str:
    """A TOML basic string: JSON's escapes are TOML's, except that TOML also wants DEL escaped."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")
