"""A pin identifies one claim: a claim no reviewed pin identifies is unreviewed, whatever its first words."""

from __future__ import annotations

import re
import shutil
import tomllib
import unicodedata
import warnings
from dataclasses import replace
from pathlib import Path

import pytest
import tomlkit

from evalkit.errors import EvalkitDeprecationWarning, EvalkitWarning
from evalkit.metrics import Batch, Prepared, resolve_thresholds
from evalkit.metrics.support import SUPPORT
from evalkit.prepare import claims as claims_mod
from evalkit.read.capture import read_capture
from evalkit.result import ClaimVerdict, RunResult, SummaryResult
from evalkit.scoring.pipeline import with_failures
from evalkit.scoring.sidecar import broken_pins, pin_text, read_pins
from evalkit.settings import Settings, resolve

ARTICLE = "The city council approved a new bridge on Tuesday. It opens in May and costs 40 million dollars."
REFERENCES = Path(__file__).parents[1] / "references"
SEED = "seed_nyt_pow_executions"
PINNED = "The U.S. withdrawal from the investigation group raises questions"
INVENTED = (
    "The U.S. withdrawal from the investigation group was reversed by Congress in May after 40 senators objected."
)
# The seed's reviewed pins as sidecars wrote them before whole-text keys: each claim named by its first words.
FIRST_WORDS = """[expect]
"A verified video shows Russian soldiers" = "supported"
"The incident was witnessed by a" = "supported"
"The article highlights growing concerns among" = "supported"
"These actions include withdrawing from a" = "supported"
"The U.S. withdrawal from the investigation" = "unsupported"
"The cessation of funding for tracking" = "unsupported"
"While both sides have faced accusations" = "supported"
"""


def seed_with_invented_bullet(folder: Path, sidecar: str | None = None) -> Path:
    """The seed capture with a new bullet that starts like the claim pinned unsupported."""
    capture = folder / f"{SEED}.txt"
    text = (REFERENCES / f"{SEED}.txt").read_text(encoding="utf-8")
    bullet = next(line for line in text.splitlines() if PINNED in line)
    capture.write_text(text.replace(bullet, f"{bullet}\n{bullet.split('The U.S.')[0]}{INVENTED}"), encoding="utf-8")
    if sidecar is None:
        shutil.copy(REFERENCES / f"{SEED}.evalkit.toml", folder / f"{SEED}.evalkit.toml")
    else:
        (folder / f"{SEED}.evalkit.toml").write_text(sidecar, encoding="utf-8")
    return capture


def judged(capture: Path, unsupported: tuple[str, ...]) -> SummaryResult:
    """The capture's result as the pipeline gives it when the claims starting with `unsupported` are judged
    unsupported: pins attached, then the support metric's counts and the thresholds checked."""
    settings = resolve(Settings(), capture)
    claims = tuple(
        ClaimVerdict(
            text=c.text,
            section=c.section,
            start=c.start,
            end=c.end,
            verdict="unsupported" if c.text.startswith(unsupported) else "supported",
            score=0.1 if c.text.startswith(unsupported) else 0.9,
        )
        for c in claims_mod.split(read_capture(capture))
    )
    base = SummaryResult(id=str(capture), title="", metrics={}, claims=claims, consistent=False)
    pinned = with_failures(base, settings)
    (counted,) = SUPPORT.measure(Batch([Prepared(pinned.claims, (), None, None, None)], None, None))  # type: ignore[arg-type]
    thresholds = resolve_thresholds(settings.thresholds)
    return with_failures(replace(pinned, metrics=counted.values, thresholds=thresholds), settings)


def claim(result: SummaryResult, text: str) -> ClaimVerdict:
    return next(c for c in result.claims if c.text == text)


@pytest.mark.parametrize("sidecar", [None, FIRST_WORDS], ids=["whole-text keys", "first-words keys"])
def test_an_invented_claim_starting_like_a_pinned_one_is_unreviewed(tmp_path: Path, sidecar: str | None) -> None:
    capture = seed_with_invented_bullet(tmp_path, sidecar)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EvalkitWarning)
        result = judged(capture, ("The U.S. withdrawal", "The cessation"))
    assert claim(result, INVENTED).expected is None  # never "pinned unsupported"
    assert claim(result, INVENTED).verdict == "unsupported" and not result.passed
    original = next(c for c in result.claims if c.text.startswith(PINNED))
    if sidecar is None:
        assert original.expected == "unsupported"
        assert result.metrics["unsupported"] == 1  # the invented claim, counted
        assert result.failures == ("unsupported 1 > max_unsupported_claims 0",)
    else:  # the old key starts both claims: reported, applied to neither
        assert original.expected is None
        assert result.metrics["unsupported"] == 2
        (report,) = result.failures[1:]
        assert report.startswith("pin 'The U.S. withdrawal from the investigation' starts 2 different claims (")
        assert report.endswith("), so it is applied to none: key it by its claim's whole text")


def test_a_first_words_key_that_starts_one_claim_applies_with_a_deprecation_note(tmp_path: Path) -> None:
    capture = tmp_path / f"{SEED}.txt"
    shutil.copy(REFERENCES / f"{SEED}.txt", capture)
    (tmp_path / f"{SEED}.evalkit.toml").write_text(FIRST_WORDS, encoding="utf-8")
    with pytest.warns(EvalkitDeprecationWarning) as notes:
        result = judged(capture, ("The U.S. withdrawal", "The cessation"))
    assert result.passed and all(c.expected for c in result.claims)
    assert len({str(n.message) for n in notes}) == 7
    assert str(notes[0].message) == (
        f"{capture}: pin 'A verified video shows Russian soldiers' names its claim by its first words, which is "
        "deprecated (another claim starting the same way would make it ambiguous): rerun `evalkit pin` to key "
        "it by the claim's whole text"
    )


def test_a_key_identifies_a_claim_whole_not_a_claim_it_is_part_of() -> None:
    def verdict(text: str) -> ClaimVerdict:
        return ClaimVerdict(text=text, section="", start=0, end=len(text), verdict="supported", score=0.5)

    short, longer = verdict("Prices rose."), verdict("Prices rose. Wages fell.")
    pins = read_pins([short, longer], {"Prices rose.": "supported", "Wages fell.": "weak"})
    assert pins.keys == {"Prices rose.": "Prices rose."}  # the whole text wins; never "contains"
    assert pins.stale == ["Wages fell."]
    assert read_pins([verdict("Prices rose. Wages fell.")], {"Prices rose.": "weak"}).stale == ["Prices rose."]
    assert read_pins([verdict("Prices rose sharply.")], {"Prices ro": "weak"}).by_first_words == ["Prices ro"]
    assert read_pins([verdict("Prices rose sharply.")], {" \u200b": "weak"}).stale == [" \u200b"]  # says nothing


CLAIM = "Café owners said the city’s plan failed."


@pytest.mark.parametrize(
    "key",
    [
        unicodedata.normalize("NFD", CLAIM),  # accents as base letter + combining mark
        CLAIM.replace("’", "'"),  # straight quote for the capture's curly one
        CLAIM.replace("owners", "own\u200ders"),  # a zero-width joiner
        "Cafe\u0301  owners said the city's plan failed.",  # all at once, and a double space
    ],
    ids=["NFD", "straight quote", "zero-width joiner", "all"],
)
def test_a_key_spelling_its_claim_in_another_unicode_form_identifies_it_and_pin_keeps_it(
    tmp_path: Path, key: str
) -> None:
    sidecar = tmp_path / "a.evalkit.toml"
    # the known miss spells the claim as the capture does, the reviewed pin otherwise: still one claim
    sidecar.write_text(tomlkit.dumps({"expect": {key: "unsupported"}, "known_miss": {CLAIM: "why"}}), encoding="utf-8")
    judged = SummaryResult(
        id="a.txt",
        title="",
        metrics={},
        claims=(ClaimVerdict(text=CLAIM, section="", start=0, end=len(CLAIM), verdict="supported", score=0.9),),
        consistent=True,
    )
    settings = resolve(Settings(), tmp_path / "a.txt")
    pinned = with_failures(judged, settings).claims[0]
    assert (pinned.expected, pinned.known_miss) == ("unsupported", "why")
    sidecar.write_text(pin_text(judged, sidecar), encoding="utf-8")
    rewritten = {"expect": {CLAIM: "unsupported"}, "known_miss": {CLAIM: "why"}}  # not unreviewed, nothing lost
    assert tomllib.loads(sidecar.read_text(encoding="utf-8")) == rewritten


def test_a_pin_not_found_shows_where_key_and_claim_part_with_escapes() -> None:
    text = "Officials said the dam would open in May."
    found = ClaimVerdict(text=text, section="", start=0, end=len(text), verdict="supported", score=0.5)
    key = text.replace("said", "s\u0430id")  # a Cyrillic a, which a terminal shows as a Latin one
    assert broken_pins([found], {key: "supported"}) == [
        f"pinned claim not found in the summary: '{key}' (the nearest claim differs at character 12: "
        "key 'Officials s\\u0430id the dam ', claim 'Officials said the dam ')"
    ]
    assert broken_pins([found], {"Nothing like it at all.": "weak"}) == [
        "pinned claim not found in the summary: 'Nothing like it at all.'"
    ]


def fake_run(claims: tuple[ClaimVerdict, ...]) -> RunResult:
    """What `evaluate` gives for one capture whose claims the judge scored (pins attached by the caller)."""
    result = SummaryResult(
        id="refs/a.txt", title="", metrics={}, claims=claims, consistent=True, bands={"support_threshold": 0.5}
    )
    return RunResult((result,), {"support_threshold": 0.5}, "", 0.0)


def test_pin_and_calibrate_say_which_reviewed_pins_they_could_not_use(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from evalkit.frontends import pinning
    from evalkit.scoring import calibrate

    capture = tmp_path / "a.txt"
    good, bad = "The bridge opens in May.", "The bridge cost a billion dollars."
    capture.write_text(f"Bridge\n\nAI Summary\n\n  • {good}\n  • {bad}\n\n---\n\n{ARTICLE}\n", encoding="utf-8")
    sidecar = tmp_path / "a.evalkit.toml"
    reviewed = {good: "supported", bad: "unsupported", "A claim since edited away.": "weak", "The bridge": "weak"}
    sidecar.write_text(tomlkit.dumps({"expect": reviewed}), encoding="utf-8")
    settings = resolve(Settings(), capture)
    claims = tuple(
        ClaimVerdict(text=t, section="", start=0, end=1, verdict=v, score=s, expected=settings.expect[t])
        for t, v, s in ((good, "supported", 0.9), (bad, "unsupported", 0.1))
    )
    monkeypatch.setattr(pinning, "evaluate", lambda *args, **kwargs: fake_run(claims))
    monkeypatch.setattr(calibrate, "evaluate", lambda *args, **kwargs: fake_run(claims))
    with pytest.warns(EvalkitWarning) as notes:
        pinning.pin_captures([capture], Settings(cache=False))
    kept = "kept (correct its key or delete it)"
    assert [str(n.message) for n in notes] == [
        f"{sidecar}: reviewed pin 'A claim since edited away.' identifies no claim: {kept}",
        f"{sidecar}: reviewed pin 'The bridge' starts 2 different claims: {kept}",
    ]
    assert tomllib.loads(sidecar.read_text(encoding="utf-8")) == {"expect": reviewed}  # nothing removed
    found = calibrate.calibrate([capture], Settings(cache=False))
    assert found.unused_pins == 2 and found.labels == 2
    assert "2 reviewed pin(s) not used: each identifies no claim, or several" in calibrate.format_calibration(found)


@pytest.mark.slow
def test_evalkit_run_counts_the_invented_claim_and_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    from evalkit.frontends import cli

    capture = seed_with_invented_bullet(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["run", capture.name, "--output-dir", "", "--no-cache"]) == 1
    err = capsys.readouterr().err
    assert f"{capture.name}: unsupported 1 > max_unsupported_claims 0" in err
    assert re.search(rf"\[unsupported [\d.]+\] {re.escape(INVENTED)}", err)  # not "pinned unsupported"
