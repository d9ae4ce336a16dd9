"""Reviewed verdicts: a person's decision on one claim, and where decisions on `evalkit score` output live.

A capture's decisions are its sidecar's pins (`evalkit.scoring.sidecar`). An `evalkit score` JSONL has no
sidecars, so `evalkit review` keeps its decisions in `OUT.reviews.jsonl` beside it: one record per reviewed
claim (id, claim, verdict, the judge's verdict and score when reviewed, note, time), the file rewritten whole
under its lock at each decision. `evalkit calibrate` reads them as labels with the score recorded then,
since the articles that would let it judge them again are not in the score output.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from evalkit.errors import InputError
from evalkit.result import ClaimVerdict
from evalkit.text import printable
from evalkit.writer import record_line, write_file

SUFFIX = ".reviews.jsonl"
LABELS = ("supported", "unsupported")  # the verdicts a person records: `weak` says "look again", no decision


@dataclass(frozen=True)
class Review:
    """A person's decision on one claim; `verdict` None: not reviewed. `known_miss` says why the judge is
    wrong where the capture should stay a test (a sidecar's `[known_miss]`; a note in `OUT.reviews.jsonl`)."""

    verdict: str | None = None
    known_miss: str | None = None

    def to_dict(self) -> dict[str, str | None]:
        return {"verdict": self.verdict, "known_miss": self.known_miss}

    @classmethod
    def from_dict(cls, data: Any) -> Review:
        """A review sent by the review page; anything but a recorded verdict (or none) is a ValueError."""
        if data is None:
            return cls()
        if not isinstance(data, dict):
            raise ValueError("a review is an object with verdict and known_miss")
        verdict, miss = data.get("verdict"), data.get("known_miss")
        if verdict not in (None, *LABELS, "weak") or not (miss is None or isinstance(miss, str)):
            raise ValueError(f"not a verdict: {verdict!r}")
        miss = " ".join(miss.split()) if miss else None
        if verdict is None and miss:
            raise ValueError("a known miss needs a verdict")
        return cls(verdict, miss or None)


def queue_order(claim: ClaimVerdict) -> tuple[bool, float]:
    """The order claims come up for review: those the judge could not score, then lowest support first."""
    return claim.score is not None, claim.score or 0.0


def reviews_path(output: str | Path) -> Path:
    """Where the decisions on the `evalkit score` output `output` go: `out.jsonl` -> `out.reviews.jsonl`."""
    return Path(output).with_suffix(SUFFIX)


def read(path: str | Path) -> dict[tuple[str, str], dict[str, Any]]:
    """The records of a reviews file by (id, claim); a missing file holds none, a broken one is an `InputError`."""
    path = Path(path)
    try:
        lines = path.read_bytes().splitlines()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise InputError(printable(str(path)), f"cannot be read ({exc.strerror or exc})") from None
    found = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            found[(str(record["id"]), str(record["claim"]))] = record
        except (ValueError, KeyError, TypeError):
            raise InputError(f"{printable(str(path))}:{number}", "is not a review (id, claim, verdict)") from None
    return found


def review_of(records: dict[tuple[str, str], dict[str, Any]], id: str, claim: str) -> Review:
    record = records.get((id, claim))
    return Review(record.get("verdict"), record.get("note")) if record else Review()


def write(path: str | Path, id: str, claim: ClaimVerdict, review: Review) -> None:
    """Record `review` of `claim` (replacing any earlier one; none removes it). The caller holds the file's lock
    (`writer.locked`), having checked nobody changed the record meanwhile."""
    records = read(path)
    records.pop((id, claim.text), None)
    if review.verdict is not None:
        records[(id, claim.text)] = {
            "id": id,
            "claim": claim.text,
            "verdict": review.verdict,
            "judge_verdict": claim.verdict,
            "judge_score": None if claim.score is None else round(claim.score, 6),
            "note": review.known_miss,
            "time": datetime.now(UTC).isoformat(timespec="seconds"),
        }
    write_file(path, "".join(record_line(r) for r in records.values()))


def labels(path: str | Path) -> list[tuple[float, bool]]:
    """(judge's score when reviewed, reviewed supported?) for each claim reviewed supported or unsupported."""
    return [
        (float(r["judge_score"]), r["verdict"] == "supported")
        for r in read(path).values()
        if r.get("verdict") in LABELS and isinstance(r.get("judge_score"), int | float)
    ]
