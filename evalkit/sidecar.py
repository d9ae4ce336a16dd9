"""A capture's sidecar (`name.evalkit.toml`): read, and its pinned claim verdicts matched and written.

A sidecar holds per-capture settings (thresholds, verdict bands) and pins; a run-level key in it (the
model, the judge, the cache, the batch size) is an error, because one capture cannot change them.
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
from typing import TYPE_CHECKING

from evalkit.errors import EvalkitError, SettingsError
from evalkit.result import ClaimVerdict, SummaryResult
from evalkit.settings import RUN_LEVEL, Settings, read_toml

if TYPE_CHECKING:
    from evalkit.encoder import Encoder
    from evalkit.pipeline import Job

# A pin names its claim by its first words: short enough to read, long enough to survive an edit
# further into the claim, which then shows as a changed verdict instead of a missing pin.
PIN_WORDS = 6

_EXPECT_TABLE = re.compile(r"^\s*\[\s*expect\s*\]")
_ANY_TABLE = re.compile(r"^\s*\[")
_EXPECT_INLINE = re.compile(r"^\s*expect\s*=")


def sidecar_path(capture: Path) -> Path:
    return capture.with_name(capture.stem + ".evalkit.toml")


def read_sidecar(path: Path) -> dict:
    """The sidecar's settings table; run-level keys are refused, naming the sidecar."""
    table = read_toml(path)
    misplaced = sorted(RUN_LEVEL & table.keys())
    if misplaced:
        raise SettingsError(
            f"{path}: {', '.join(misplaced)} apply to a whole run and cannot be set per capture "
            "(use [tool.evalkit] in pyproject.toml or a command-line flag)"
        )
    return table


def matches(key: str, claim: str) -> bool:
    """Whether a pin names this claim: the claim starts with it or contains it."""
    return claim.startswith(key) or key in claim


def pinned(claim: ClaimVerdict, expect: dict[str, str]) -> str | None:
    """The verdict `expect` pins for this claim, if any."""
    return next((v for k, v in expect.items() if matches(k, claim.text)), None)


def broken_pins(claims: Sequence[ClaimVerdict], expect: dict[str, str]) -> list[str]:
    """A line for each pin that names no claim or whose claim's verdict changed."""
    problems = []
    for key, expected in expect.items():
        claim = next((c for c in claims if matches(key, c.text)), None)
        if claim is None:
            problems.append(f"pinned claim not found in the summary: '{key}'")
        elif claim.verdict != expected:
            score = "no score" if claim.score is None else f"score {claim.score:.3f}"
            problems.append(f"claim '{_short(claim.text)}' was pinned {expected}, now {claim.verdict} ({score})")
    return problems


def _short(text: str, limit: int = 70) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def pin_key(claim: ClaimVerdict, claims: Sequence[ClaimVerdict]) -> str:
    """The shortest start of `claim` (at least PIN_WORDS words) that matches no other claim.

    A pin matches a claim that starts with it or contains it (`matches`), so the key must
    match its own claim only (a claim repeated word for word shares its key, as it shares its verdict).
    """
    ends = [m.end() for m in re.finditer(r"\S+", claim.text)]
    for end in ends[PIN_WORDS - 1 : -1]:
        key = claim.text[:end]
        if not any(matches(key, other.text) for other in claims if other.text != claim.text):
            return key
    return claim.text


def expect_table(result: SummaryResult) -> dict[str, str]:
    """Every claim of `result`, keyed as `pin_key` says, with its current verdict."""
    return {pin_key(c, result.claims): c.verdict for c in result.claims}


def pin(result: SummaryResult, sidecar: str | Path) -> Path:
    """Write `sidecar` pinning every claim of `result` to its verdict, keeping the lines above the pins."""
    if result.error:
        raise EvalkitError(f"cannot pin verdicts: {result.error}")
    if result.unjudged:
        raise EvalkitError(f"cannot pin verdicts: {result.id}: {len(result.unjudged)} claim(s) could not be judged")
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
    from evalkit.pipeline import evaluate, jobs_from_paths

    jobs = list(jobs_from_paths(paths, settings))
    problems = [job.error or f"{job.id}: only page captures have sidecars" for job in jobs if not _pinnable(job)]
    if not problems:
        run = evaluate(jobs, settings, encoder=encoder)
        problems = [r.error or f"{r.id}: some claims could not be judged" for r in run.results if not _judged(r)]
    if problems:
        raise EvalkitError("nothing pinned: " + "; ".join(problems))
    return [pin(result, sidecar_path(Path(result.id))) for result in run.results]


def _judged(result: SummaryResult) -> bool:
    return result.error is None and not result.unjudged


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
