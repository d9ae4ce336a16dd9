"""Pins written from a result: keys that identify one claim each, a valid sidecar, notes kept on refresh."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from evalkit.errors import EvalkitError
from evalkit.result import ClaimVerdict, SummaryResult
from evalkit.scoring.sidecar import broken_pins, pin_key, pin_text
from evalkit.settings import Settings, resolve


def pin(result: SummaryResult, sidecar: Path, confirm: bool = False) -> None:
    sidecar.write_text(pin_text(result, sidecar, confirm), encoding="utf-8")


def claim(text: str, verdict: str = "supported") -> ClaimVerdict:
    return ClaimVerdict(text=text, section="", start=0, end=len(text), verdict=verdict, score=0.5)  # type: ignore[arg-type]


def result(*claims: ClaimVerdict) -> SummaryResult:
    return SummaryResult(id="refs/a.txt", title="", metrics={"support": 0.5}, claims=claims, consistent=True)


def test_key_is_the_whole_claim_so_no_other_claim_starts_with_it_or_contains_it() -> None:
    a = claim("The council voted on Tuesday to build a library on Elm Street.")
    b = claim("The council voted on Tuesday to build a library on Elm Street, then went home.")
    inner = claim("Prices rose by ten percent.")
    claims = [a, b, inner]
    assert [pin_key(c, claims) for c in claims] == [c.text for c in claims]


def test_pin_writes_a_sidecar_that_settings_read_back(tmp_path: Path) -> None:
    capture = tmp_path / "a.txt"
    sidecar = tmp_path / "a.evalkit.toml"
    quoted = claim('He said "no" \\ then\tleft.', "unsupported")  # quotes, backslash and tab need escapes
    pin(result(claim("The council voted to build a library."), quoted), sidecar, confirm=True)
    assert resolve(Settings(), capture).expect == {
        "The council voted to build a library.": "supported",
        quoted.text: "unsupported",
    }


def test_pins_are_unreviewed_until_confirmed_and_a_reviewed_pin_is_never_overwritten(tmp_path: Path) -> None:
    capture, sidecar = tmp_path / "a.txt", tmp_path / "a.evalkit.toml"
    reviewed = '[expect]\n"The mayor resigned" = "unsupported"\n\n[known_miss]\n"The mayor resigned" = "says Monday"\n'
    sidecar.write_text("# notes\n" + reviewed, encoding="utf-8")
    judged = result(claim("The mayor resigned on Friday."), claim("The council met.", "weak"))
    pin(judged, sidecar)
    assert tomllib.loads(sidecar.read_text(encoding="utf-8")) == {
        # the reviewer's verdict, not the judge's "supported", now keyed by its claim's whole text
        "expect": {"The mayor resigned on Friday.": "unsupported"},
        "known_miss": {"The mayor resigned on Friday.": "says Monday"},
        "unreviewed": {"The council met.": "weak"},
    }
    assert sidecar.read_text(encoding="utf-8").startswith("# notes\n\n[expect]\n")
    settings = resolve(Settings(), capture)
    assert settings.expect == {"The mayor resigned on Friday.": "unsupported"}  # unreviewed pins check nothing
    assert settings.known_miss == {"The mayor resigned on Friday.": "says Monday"}

    pin(judged, sidecar, confirm=True)
    reviewed = {"The mayor resigned on Friday.": "unsupported", "The council met.": "weak"}
    assert resolve(Settings(), capture).expect == reviewed
    assert "unreviewed" not in tomllib.loads(sidecar.read_text(encoding="utf-8"))


def test_a_known_miss_needs_a_reviewed_verdict(tmp_path: Path) -> None:
    (tmp_path / "a.evalkit.toml").write_text('[known_miss]\n"The mayor" = "why"\n', encoding="utf-8")
    with pytest.raises(EvalkitError, match="known_miss 'The mayor' has no reviewed verdict"):
        resolve(Settings(), tmp_path / "a.txt")


def test_refresh_keeps_notes_settings_and_reviewed_pins_and_replaces_unreviewed_ones(tmp_path: Path) -> None:
    sidecar = tmp_path / "a.evalkit.toml"
    sidecar.write_text(
        '# source: dev.jsonl id=x, label=0\nmin_rouge_l = 0.01\nexpect = {"Old claim" = "weak"}\n\n'
        '[unreviewed]\n"Older claim" = "supported"\n',
        encoding="utf-8",
    )
    pin(result(claim("A new claim that is checked.", "weak")), sidecar, confirm=True)
    text = sidecar.read_text(encoding="utf-8")
    assert text.startswith("# source: dev.jsonl id=x, label=0\nmin_rouge_l = 0.01\n\n[expect]\n")
    expect = {"Old claim": "weak", "A new claim that is checked.": "weak"}  # a reviewed pin is never removed
    assert tomllib.loads(text) == {"min_rouge_l": 0.01, "expect": expect}
    sidecar.write_text('min_rouge_l = 0.01\nexpect = {"Old claim" = "weak"}  # inline\n', encoding="utf-8")
    pin(result(claim("A new claim that is checked.", "weak")), sidecar)
    assert tomllib.loads(sidecar.read_text(encoding="utf-8")) == {
        "min_rouge_l": 0.01,
        "expect": {"Old claim": "weak"},
        "unreviewed": {"A new claim that is checked.": "weak"},
    }


def test_broken_sidecar_is_not_overwritten(tmp_path: Path) -> None:
    sidecar = tmp_path / "a.evalkit.toml"
    sidecar.write_text("min_rouge_l = \n", encoding="utf-8")
    with pytest.raises(EvalkitError, match="not valid TOML"):
        pin(result(claim("A claim.")), sidecar)
    assert sidecar.read_text(encoding="utf-8") == "min_rouge_l = \n"


def test_result_with_error_cannot_be_pinned(tmp_path: Path) -> None:
    with pytest.raises(EvalkitError, match="has no AI summary marker"):
        pin(SummaryResult.for_error("a.txt", "a.txt: has no AI summary marker line"), tmp_path / "a.evalkit.toml")
    assert not (tmp_path / "a.evalkit.toml").exists()


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ('model = "other"', "model apply to a whole run"),
        ('judge = "nli:x"', "judge apply to a whole run"),
        ("batch_size = 3", "batch_size apply to a whole run"),
        ('cache_dir = "x"', "cache_dir apply to a whole run"),
        ("support_threshold = 2", "'support_threshold' must be between 0 and 1, not 2"),
        ("weak_band = -5", "'weak_band' must be between 0 and 1, not -5"),
    ],
)
def test_sidecar_refuses_run_level_keys_and_values_out_of_range(tmp_path: Path, line: str, problem: str) -> None:
    capture = tmp_path / "a.txt"
    (tmp_path / "a.evalkit.toml").write_text(line + "\n", encoding="utf-8")
    with pytest.raises(EvalkitError) as caught:
        resolve(Settings(), capture)
    assert str(caught.value).startswith(str(tmp_path / "a.evalkit.toml")) and problem in str(caught.value)


def test_a_declared_known_miss_breaks_no_pin_and_an_undeclared_change_does() -> None:
    missed = claim("The mayor resigned on Friday.")  # judged supported, reviewed unsupported
    assert broken_pins([missed], {"The mayor resigned": "unsupported"}) == [
        "claim 'The mayor resigned on Friday.' was pinned unsupported, now supported (score 0.500)"
    ]
    declared = ClaimVerdict(**{**missed.__dict__, "expected": "unsupported", "known_miss": "says Monday"})
    assert broken_pins([declared], {"The mayor resigned": "unsupported"}) == []
    assert result(declared).known_misses == (declared,) and not result(declared).misses_fixed


def test_a_sidecar_threshold_out_of_range_makes_its_capture_an_error(tmp_path: Path) -> None:
    """Thresholds belong to the metrics, which check them when the run reads its captures: the capture
    becomes an error naming its sidecar, and the other captures are judged."""
    from evalkit.scoring.pipeline import jobs_from_paths

    (tmp_path / "a.txt").write_text("Title\n\nAI Summary\n\nA claim.\n\n---\n\nAn article.\n", encoding="utf-8")
    (tmp_path / "a.evalkit.toml").write_text("max_unsupported_claims = -1\n", encoding="utf-8")
    (job,) = jobs_from_paths([tmp_path], Settings())
    assert job.error is not None and str(tmp_path / "a.evalkit.toml") in job.error
    assert "'max_unsupported_claims' must be a whole number between 0 and" in job.error
