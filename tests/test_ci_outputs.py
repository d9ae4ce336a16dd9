"""JUnit XML and the Markdown summary (no model): parsed back and checked."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from evalkit.outputs import markdown
from evalkit.outputs.junit import junit_xml
from evalkit.result import ClaimVerdict, Evidence, RunResult, SummaryResult
from evalkit.runs.diff import compare
from evalkit.runs.records import RunRecord

ELEVEN = "Soldiers executed eleven surrendering prisoners."
EVIDENCE = "Russian soldiers shot two Ukrainians who had surrendered."


def result(id: str, verdict: str = "supported", failures: tuple[str, ...] = (), text: str = ELEVEN) -> SummaryResult:
    claim = ClaimVerdict(text, "", 0, len(text), verdict, 0.31, (Evidence(EVIDENCE, 0.64),), expected="supported")  # type: ignore[arg-type]
    return SummaryResult(
        id=id, title="Seed | story", metrics={"similarity": 0.5, "support": 0.31}, claims=(claim,), consistent=True,
        failures=failures,
    )  # fmt: skip


FAILED = result(
    "refs/seed.txt",
    "unsupported",
    ("unsupported 1 > max_unsupported_claims 0", "ROUGE-L F1 0.010 < min_rouge_l 0.050"),
)
RUN = RunResult(
    (result("refs/a.txt"), FAILED, SummaryResult.for_error("refs/bad.txt", "refs/bad.txt: no summary\x0b")),
    {"model": "m@1"},
    "2026-01-01T00:00:00+00:00",
    2.5,
)


def test_junit_has_one_testcase_per_summary_and_readable_failures() -> None:
    root = ET.fromstring(junit_xml(RUN))
    suite = root.find("testsuite")
    assert (
        suite is not None and suite.get("tests") == "3" and suite.get("failures") == "1" and suite.get("errors") == "1"
    )
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == ["refs/a.txt", "refs/seed.txt", "refs/bad.txt"]
    assert cases[0].find("failure") is None and cases[0].find("error") is None
    failure = cases[1].find("failure")
    assert failure is not None and failure.text == failure.get("message")
    text = failure.text or ""
    assert "unsupported 1 > max_unsupported_claims 0" in text and "ROUGE-L F1 0.010 < min_rouge_l" in text
    assert f"[unsupported 0.31, pinned supported] {ELEVEN}" in text and f"best evidence (0.64): {EVIDENCE}" in text
    error = cases[2].find("error")
    assert error is not None and error.get("message") == "refs/bad.txt: no summary\ufffd"


def test_markdown_summary_lists_totals_failures_and_changes() -> None:
    before = RunRecord.from_run(RunResult((result("refs/seed.txt", text=ELEVEN.replace("eleven", "two")),), {}, "", 0))
    changes = compare(before, RunRecord.from_run(RUN))
    text = markdown.run_summary(RUN, changes)
    assert text.startswith("## evalkit: 1 passed, 2 failed\n")
    assert "3 summaries, 2 claims: 1 supported, 0 weak, 1 unsupported." in text
    assert "**refs/seed.txt** (Seed \\| story)\n\n```text\nunsupported 1 > max_unsupported_claims" in text
    assert "### Changed since the last run" in text
    row = next(line for line in text.splitlines() if line.startswith("| refs/seed.txt | **regression**"))
    assert f"| supported → unsupported | 0.310 → 0.310 (+0.000) | {ELEVEN} (best evidence 0.64: {EVIDENCE}) |" in row
    assert "Nothing changed (1 summaries compared)." in markdown.run_summary(RUN, compare(before, before))


def test_markdown_escapes_capture_text() -> None:
    nasty = result("refs/x.txt", "unsupported", ("failed",), text="Claim with ``` fence | pipe <b>tag</b>")
    text = markdown.run_summary(RunResult((nasty,), {}, "", 0))
    assert "\n````text\n" in text  # a fence longer than the backticks inside
    row = markdown.changes_table(compare(RunRecord("", {}, ()), RunRecord.from_run(RunResult((nasty,), {}, "", 0))))
    assert row[-2].startswith("| refs/x.txt | added |")  # a new summary, then its unsupported claim
    assert "| Claim with \\`\\`\\` fence \\| pipe \\<b\\>tag\\</b\\>" in row[-1]


def test_a_known_miss_is_an_expected_failure_in_junit_and_named_in_markdown() -> None:
    """A pass that rests on a declared judge miss is shown as pytest shows an xfail, never as a plain pass."""
    claim = ClaimVerdict(ELEVEN, "", 0, 10, "weak", 0.5, (), expected="supported", known_miss="paraphrase")  # type: ignore[arg-type]
    missed = SummaryResult("refs/miss.txt", "", {"support": 0.5}, (claim,), True)
    run = RunResult((result("refs/a.txt"), missed), {}, "", 0)
    suite = ET.fromstring(junit_xml(run)).find("testsuite")
    assert suite is not None and suite.get("skipped") == "1" and suite.get("failures") == "0"
    skipped = suite.findall("testcase")[1].find("skipped")
    assert skipped is not None and skipped.get("type") == "pytest.xfail"
    assert "is weak, pinned supported: paraphrase" in (skipped.get("message") or "")
    assert suite.findall("testcase")[0].find("skipped") is None
    text = markdown.run_summary(run)
    assert text.startswith("## evalkit: 2 passed (1 with a known miss), 0 failed\n")
    assert "- **refs/miss.txt**: known miss: 'Soldiers executed eleven surrendering prisoners.' is weak" in text
