"""A capture's sidecar (`name.evalkit.toml`): its pinned claim verdicts matched and written.

A sidecar holds per-capture settings (thresholds, verdict bands) and pins; `settings.read_sidecar` reads
it (a run-level key in it, such as the model or the judge, is an error: one capture cannot change them).

Pins are what a reviewer says is true, not what the judge said last time (the run history keeps that):

* `[expect]`: reviewed verdicts. A judge verdict that differs fails the capture's check, and
  `evalkit calibrate` measures the judge against these and nothing else.
* `[known_miss]`: reviewed claims the judge is known to get wrong, each with why. The difference is an
  expected failure (pytest `xfail`, "known miss" in the report), and a pass once the judge gets it right.
* `[unreviewed]`: the judge's verdicts that `evalkit pin` wrote for claims nobody has reviewed yet: a
  to-do list for the reviewer, who confirms each (moves it to `[expect]`, or `evalkit pin --confirm`)
  or changes it. They check nothing.

`pin_text()` never overwrites a reviewed pin, and keeps what a person wrote above the tables (source
notes as comments, threshold overrides); `evalkit.frontends.pinning` judges the captures and writes the sidecars.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import tomlkit
from tomlkit.exceptions import TOMLKitError

from evalkit.errors import EvalkitError, SettingsError
from evalkit.result import ClaimVerdict, SummaryResult
from evalkit.scoring.reviews import Review
from evalkit.text import printable

# A pin names its claim by its first words: short enough to read, long enough to survive an edit
# further into the claim, which then shows as a changed verdict instead of a missing pin.
PIN_WORDS = 6

PIN_TABLES = ("expect", "known_miss", "unreviewed")


def matches(key: str, claim: str) -> bool:
    """Whether a pin names this claim: the claim starts with it or contains it."""
    return claim.startswith(key) or key in claim


def pinned(claim: ClaimVerdict, table: dict[str, str]) -> str | None:
    """What `table` (`expect` or `known_miss`) says for this claim, if anything."""
    return next((v for k, v in table.items() if matches(k, claim.text)), None)


def broken_pins(claims: Sequence[ClaimVerdict], expect: dict[str, str]) -> list[str]:
    """A line for each pin that names no claim or whose claim's verdict differs, unless it is a known miss."""
    problems = []
    for key, expected in expect.items():
        claim = next((c for c in claims if matches(key, c.text)), None)
        if claim is None:
            problems.append(f"pinned claim not found in the summary: '{key}'")
        elif claim.verdict != expected and not claim.known_miss:
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


def pin_tables(result: SummaryResult, old: dict, confirm: bool = False) -> dict[str, dict[str, str]]:
    """The sidecar's three pin tables after judging `result`, from its `old` tables.

    A reviewed pin (and its known miss) is kept while it names a claim; every other claim gets the judge's
    verdict, as unreviewed, or as reviewed when the reviewer `confirm`s them."""
    reviewed, misses = old.get("expect", {}), old.get("known_miss", {})
    expect = {k: v for k, v in reviewed.items() if any(matches(k, c.text) for c in result.claims)}
    fresh = {pin_key(c, result.claims): c.verdict for c in result.claims if pinned(c, expect) is None}
    return {
        "expect": {**expect, **fresh} if confirm else expect,
        "known_miss": {k: v for k, v in misses.items() if k in expect},
        "unreviewed": {} if confirm else fresh,
    }


def pin_text(result: SummaryResult, sidecar: Path, confirm: bool = False) -> str:
    """`sidecar`'s text with its pin tables rewritten for `result` (`pin_tables`); every other line kept.

    tomlkit edits the parsed file, so comments, settings and layout above the pins survive as written.
    """
    if result.error:
        raise EvalkitError(f"cannot pin verdicts: {result.error}")
    if result.unjudged:
        raise EvalkitError(f"cannot pin verdicts: {result.id}: {len(result.unjudged)} claim(s) could not be judged")
    document = _document(sidecar)
    tables = pin_tables(result, document.unwrap(), confirm)
    for name in PIN_TABLES:
        document.pop(name, None)
    for name, pins in tables.items():
        if pins:
            table = tomlkit.table()
            for key, verdict in pins.items():
                table[key] = verdict
            document[name] = table
    return tomlkit.dumps(document)


def _document(sidecar: Path) -> tomlkit.TOMLDocument:
    """The sidecar parsed for an edit (an empty one where there is none yet); not TOML: a `SettingsError`."""
    try:
        return tomlkit.parse(sidecar.read_bytes().decode("utf-8") if sidecar.exists() else "")
    except (OSError, UnicodeDecodeError, TOMLKitError) as exc:
        problem = getattr(exc, "strerror", None) or exc
        raise SettingsError(f"{printable(str(sidecar))}: not rewritten, it is not valid TOML ({problem})") from None


def review_of(claim: ClaimVerdict, sidecar: Path) -> Review:
    """The reviewed verdict `sidecar` pins for `claim` now (`[expect]`, with its `[known_miss]`), if any."""
    tables = _document(sidecar).unwrap()
    expect = tables.get("expect", {})
    key = next((k for k in expect if matches(k, claim.text)), None)
    return Review(expect[key], tables.get("known_miss", {}).get(key)) if key is not None else Review()


def review_text(sidecar: Path, claim: ClaimVerdict, claims: Sequence[ClaimVerdict], review: Review) -> str:
    """`sidecar`'s text with `claim` pinned as `review` says (no verdict: its pins removed), all else kept.

    Every pin naming the claim goes (an `[unreviewed]` one too: it is reviewed now), and the review is pinned
    under the claim's `pin_key`, as `evalkit pin` names it. The tables are edited in place, so comments and
    the other pins keep their places.
    """
    document = _document(sidecar)
    for name in PIN_TABLES:
        table = document.get(name)
        for key in [k for k in (table or {}) if matches(k, claim.text)]:
            del table[key]
    if review.verdict is not None:
        key = pin_key(claim, claims)
        document.setdefault("expect", tomlkit.table())[key] = review.verdict
        if review.known_miss:
            document.setdefault("known_miss", tomlkit.table())[key] = review.known_miss
    for name in PIN_TABLES:
        if name in document and not document[name]:
            del document[name]
    text = tomlkit.dumps(document).rstrip()
    return text + "\n" if text else ""
