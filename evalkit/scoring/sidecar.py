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

A pin's key is its claim's whole text (compared as `text.comparable` normalises it), so a reviewed
verdict identifies one claim and never a new one that merely starts the same way; a pin that identifies
no claim, or several, is reported (`broken_pins`), never applied by guess.

`pin_text()` never overwrites or removes a reviewed pin, and keeps what a person wrote above the tables (source
notes as comments, threshold overrides); `evalkit.frontends.pinning` judges the captures and writes the sidecars.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path

import tomlkit
from tomlkit.exceptions import TOMLKitError

from evalkit.errors import EvalkitError, SettingsError
from evalkit.result import ClaimVerdict, SummaryResult
from evalkit.scoring.reviews import Review
from evalkit.text import comparable, printable

PIN_TABLES = ("expect", "known_miss", "unreviewed")
_SENTENCE_END = re.compile(r"[.!?][\"')\]]*$")


def identified(key: str, texts: Sequence[str]) -> tuple[list[str], bool]:
    """The claim texts among `texts` that the pin `key` identifies, and whether it did so by first words.

    A key is a claim's whole text, compared in `comparable` form (Unicode form, quotes and zero-width
    characters do not count). Sidecars written before whole-text keys name a claim by its first words: such
    a key still identifies the claims it starts, but it is deprecated, and when it starts claims that differ
    it identifies none of them (`Pins.ambiguous`). A key that ends a sentence is a whole claim, never the
    first words of a longer one.
    """
    want = comparable(key)
    if not want:  # an empty key starts every claim: it identifies none
        return [], False
    forms = {text: comparable(text) for text in dict.fromkeys(texts)}
    whole = [text for text, form in forms.items() if form == want]
    if whole or _SENTENCE_END.search(want):
        return whole, False
    return [text for text, form in forms.items() if form.startswith(want)], True


@dataclass(frozen=True)
class Pins:
    """What one pin table (`expect`, `known_miss`) says of one summary's claims."""

    table: dict[str, str]
    keys: dict[str, str]  # claim text -> the one key that identifies it
    ambiguous: dict[str, list[str]]  # first-words key -> the different claims it starts (applied to none)
    stale: list[str]  # keys that identify no claim
    by_first_words: list[str]  # deprecated keys applied because they start exactly one claim

    def of(self, text: str) -> str | None:
        """What the table says of the claim `text`, if a pin identifies it."""
        key = self.keys.get(text)
        return None if key is None else self.table[key]


def read_pins(claims: Sequence[ClaimVerdict], table: dict[str, str]) -> Pins:
    """Which claim each pin of `table` identifies; for a claim, a whole-text key wins over a first-words one."""
    texts = [c.text for c in claims]
    keys: dict[str, str] = {}
    stale: list[str] = []
    legacy: list[tuple[str, list[str]]] = []
    for key in table:
        hits, by_first_words = identified(key, texts)
        if not hits:
            stale.append(key)
        elif by_first_words:
            legacy.append((key, hits))
        else:
            keys |= {text: key for text in hits if text not in keys}
    ambiguous = {key: hits for key, hits in legacy if len({comparable(text) for text in hits}) > 1}
    applied = [key for key, _ in legacy if key not in ambiguous]
    for key, hits in legacy:
        if key not in ambiguous:
            keys |= {text: key for text in hits if text not in keys}
    return Pins(table, keys, ambiguous, stale, applied)


def matches(key: str, claim: str) -> bool:
    """Whether the pin `key` identifies `claim` on its own (another claim may make a first-words key ambiguous)."""
    return bool(identified(key, [claim])[0])


def broken_pins(claims: Sequence[ClaimVerdict], expect: dict[str, str]) -> list[str]:
    """A line for each reviewed pin that identifies no claim or several, or whose claim's verdict differs
    (unless it is a known miss): a reviewed verdict must never be applied to a claim it was not about."""
    pins = read_pins(claims, expect)
    problems = [
        f"pinned claim not found in the summary: '{printable(key)}'{_nearest(key, claims)}" for key in pins.stale
    ]
    problems += [
        f"pin '{printable(key)}' starts {len(hits)} different claims ('{_short(hits[0])}', '{_short(hits[1])}'), "
        "so it is applied to none: key it by its claim's whole text"
        for key, hits in pins.ambiguous.items()
    ]
    for claim in claims:
        expected = pins.of(claim.text)
        if expected is not None and claim.verdict != expected and not claim.known_miss:
            score = "no score" if claim.score is None else f"score {claim.score:.3f}"
            problems.append(f"claim '{_short(claim.text)}' was pinned {expected}, now {claim.verdict} ({score})")
    return problems


def deprecated_pins(claims: Sequence[ClaimVerdict], expect: dict[str, str]) -> list[str]:
    """A note for each reviewed pin applied by its first words, a key form that is deprecated."""
    return [
        f"pin '{printable(key)}' names its claim by its first words, which is deprecated (another claim starting the "
        "same way would make it ambiguous): rerun `evalkit pin` to key it by the claim's whole text"
        for key in read_pins(claims, expect).by_first_words
    ]


def _nearest(key: str, claims: Sequence[ClaimVerdict]) -> str:
    """Where `key` and the claim most like it part, with both shown escaped from there: a look-alike
    character (Cyrillic `а`, a non-breaking hyphen) is invisible in a terminal."""
    want = comparable(key)
    near = max((comparable(c.text) for c in claims), key=lambda t: SequenceMatcher(None, want, t).ratio(), default="")
    if SequenceMatcher(None, want, near).ratio() < 0.6:
        return ""
    at = next((i for i, (a, b) in enumerate(zip(want, near, strict=False)) if a != b), min(len(want), len(near)))
    start = max(0, at - 12)

    def shown(text: str) -> str:
        part = text[start : at + 12]
        return ("…" if start else "") + part.encode("ascii", "backslashreplace").decode("ascii")

    return f" (the nearest claim differs at character {at + 1}: key '{shown(want)}', claim '{shown(near)}')"


def _short(text: str, limit: int = 70) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def pin_key(claim: ClaimVerdict, claims: Sequence[ClaimVerdict]) -> str:
    """The key that pins `claim`: its whole text, so it identifies that claim and no other whatever is
    added to the summary (a claim repeated word for word shares its key, as it shares its verdict).
    `claims` is kept for callers that pass the summary's claims."""
    return claim.text


def pin_tables(result: SummaryResult, old: dict, confirm: bool = False) -> dict[str, dict[str, str]]:
    """The sidecar's three pin tables after judging `result`, from its `old` tables.

    A reviewed pin (and its known miss) is never removed: one that identifies one claim is keyed by that
    claim's whole text, one that identifies none or several is kept as written (`run` reports it). Every
    claim no reviewed pin identifies gets the judge's verdict, as unreviewed, or as reviewed when the
    reviewer `confirm`s them."""
    reviewed, misses = old.get("expect", {}), old.get("known_miss", {})
    pins = read_pins(result.claims, reviewed)
    expect: dict[str, str] = {}
    known_miss: dict[str, str] = {}
    rekeyed = {key: text for text, key in pins.keys.items()}  # a claim repeated keeps one key
    why = {comparable(key): reason for key, reason in misses.items()}  # a known miss may spell its key otherwise
    for key, verdict in reviewed.items():
        new = rekeyed.get(key, key)
        if new in expect:  # two reviewed keys for one claim: keep the second as written
            new = key
        expect[new] = verdict
        if comparable(key) in why:
            known_miss[new] = why[comparable(key)]
    fresh = {pin_key(c, result.claims): c.verdict for c in result.claims if c.text not in pins.keys}
    return {
        "expect": {**expect, **fresh} if confirm else expect,
        "known_miss": known_miss,
        "unreviewed": {} if confirm else fresh,
    }


def unused_pins(claims: Sequence[ClaimVerdict], expect: dict[str, str]) -> list[str]:
    """A line for each reviewed pin that `pin_tables` keeps though it identifies no claim or several."""
    pins = read_pins(claims, expect)
    return [f"reviewed pin '{printable(key)}' identifies no claim" for key in pins.stale] + [
        f"reviewed pin '{printable(key)}' starts {len(hits)} different claims" for key, hits in pins.ambiguous.items()
    ]


def pin_text(result: SummaryResult, sidecar: Path, confirm: bool = False) -> str:
    """`sidecar`'s text with its pin tables rewritten for `result` (`pin_tables`); every other line kept.

    tomlkit edits the parsed file, so comments, settings and layout above the pins survive as written.
    """
    if result.error:
        raise EvalkitError(f"cannot pin verdicts: {result.error}")
    if result.unjudged:
        raise EvalkitError(f"cannot pin verdicts: {result.id}: {len(result.unjudged)} claim(s) could not be judged")
    document = parsed(sidecar)
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


def parsed(sidecar: Path) -> tomlkit.TOMLDocument:
    """The sidecar parsed for an edit (an empty one where there is none yet); not TOML: a `SettingsError`."""
    try:
        return tomlkit.parse(sidecar.read_bytes().decode("utf-8") if sidecar.exists() else "")
    except (OSError, UnicodeDecodeError, TOMLKitError) as exc:
        problem = getattr(exc, "strerror", None) or exc
        raise SettingsError(f"{printable(str(sidecar))}: not rewritten, it is not valid TOML ({problem})") from None


def reviews_in(tables: dict, claims: Sequence[ClaimVerdict]) -> dict[str, Review]:
    """The reviewed verdict the sidecar `tables` pin for each of the summary's `claims`, by claim text
    (`[expect]`, with its `[known_miss]`), matched as a run matches them (`read_pins`)."""
    expect, misses = tables.get("expect", {}), tables.get("known_miss", {})
    keys = read_pins(claims, expect).keys
    return {
        c.text: Review(expect[keys[c.text]], misses.get(keys[c.text])) if c.text in keys else Review() for c in claims
    }


def review_text(
    document: tomlkit.TOMLDocument, claim: ClaimVerdict, claims: Sequence[ClaimVerdict], review: Review
) -> str:
    """The text of the sidecar `document` (`parsed`) with `claim` pinned as `review` says (no verdict: its pins
    removed), all else kept.

    Every pin naming the claim goes (an `[unreviewed]` one too: it is reviewed now), and the review is pinned
    under the claim's `pin_key`, as `evalkit pin` names it. The tables are edited in place (`document` with
    them), so comments and the other pins keep their places.
    """
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
