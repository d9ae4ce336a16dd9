"""`evalkit diff` on hand-made runs (no model): matching, what counts as a regression, formats, exit codes."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from evalkit.frontends import cli
from evalkit.result import RunResult, SummaryResult, article_fingerprint
from evalkit.runs.diff import compare, format_text, match_claims, signature_differences
from evalkit.runs.records import ClaimRecord, RunRecord, SummaryRecord, read_run

SIGNATURE = {"evalkit": "0.1.0", "model": "m@1", "support_threshold": 0.5, "thresholds": {"min_rouge_l": 0.05}}
TWO = "A video shows soldiers executing two surrendering prisoners near Novoivanovka."
ELEVEN = "A video shows soldiers executing eleven surrendering prisoners near Novoivanovka."
PILOT = "The incident was witnessed by a drone pilot."
FUNDING = "The cessation of funding signals a decreased focus."


def claim(text: str, verdict: str = "supported", score: float = 0.7) -> ClaimRecord:
    return ClaimRecord(text, verdict, score, f"evidence for {text[:10]}", 0.6)


def summary(id: str = "refs/seed.txt", *claims: ClaimRecord, passed: bool = True, title: str = "Seed") -> SummaryRecord:
    claims = claims or (claim(TWO), claim(PILOT), claim(FUNDING, "unsupported", 0.3))
    return SummaryRecord(id, title, passed, {"support": min(c.score or 0.0 for c in claims)}, claims)


def run(*summaries: SummaryRecord, signature: dict | None = None) -> RunRecord:
    return RunRecord("2026-01-01T00:00:00+00:00", SIGNATURE if signature is None else signature, summaries)


def test_a_run_against_itself_has_no_changes() -> None:
    before = run(summary(), summary("refs/other.txt", title="Other"))
    found = compare(before, before)
    assert found.changes == () and found.compared == 2 and not found.regressed
    assert "nothing changed" in format_text(found)


def test_one_changed_word_is_a_verdict_change_of_the_same_claim() -> None:
    after = summary(
        "refs/seed.txt", claim(ELEVEN, "unsupported", 0.31), claim(PILOT), claim(FUNDING, "unsupported", 0.3)
    )
    found = compare(run(summary()), run(replace(after, passed=False)))
    (change,) = found.changes
    assert change.status == "pass → fail" and change.regressed
    (verdict,) = change.claims
    assert verdict.kind == "regression" and verdict.old.text == TWO and verdict.new.text == ELEVEN
    text = format_text(found)
    assert "regression: supported → unsupported, 0.700 → 0.310 (-0.390): " + ELEVEN in text
    assert "best evidence (0.60): evidence for A video s" in text
    assert "1 regressed, 0 improved" in text


def test_improvement_added_and_removed_claims_and_score_changes() -> None:
    after = summary(
        "refs/seed.txt",
        claim(PILOT, score=0.75),  # same verdict, score moved beyond the tolerance
        claim(FUNDING, "weak", 0.55),  # unsupported -> weak: an improvement
        claim("Mayor Gonzalez resigned in 2031 after the vote.", "unsupported", 0.1),
    )
    found = compare(run(summary()), run(after), tolerance=0.02)
    kinds = {c.kind: c for c in found.changes[0].claims}
    assert set(kinds) == {"score", "improvement", "added", "removed"}
    assert kinds["removed"].old.text == TWO
    assert kinds["added"].regressed  # a new unsupported claim counts as a regression
    assert found.changes[0].improved and found.changes[0].regressed
    assert "score" not in {c.kind for c in compare(run(summary()), run(after), tolerance=0.1).changes[0].claims}


def test_a_claim_the_judge_could_not_score_is_unjudged_not_regressed() -> None:
    after = summary("refs/seed.txt", ClaimRecord(TWO, "error", None), claim(PILOT), claim(FUNDING, "unsupported", 0.3))
    found = compare(run(summary()), run(after))
    (change,) = found.changes[0].claims
    assert (change.kind, change.scores) == ("unjudged", "0.700 → —") and not found.regressed
    assert compare(run(after), run(summary())).changes[0].claims[0].kind == "judged"


def test_supported_claim_added_is_no_regression() -> None:
    after = summary("refs/seed.txt", claim(TWO), claim(PILOT), claim(FUNDING, "unsupported", 0.3), claim("New fact."))
    found = compare(run(summary()), run(after))
    assert [c.kind for c in found.changes[0].claims] == ["added"] and not found.regressed


def test_a_moved_or_renamed_capture_pairs_only_when_its_article_is_the_same() -> None:
    seed = replace(summary("refs/seed.txt"), article="a1")
    moved = compare(run(seed), run(replace(seed, id="/abs/path/refs/seed.txt")))
    assert moved.compared == 1 and moved.changes == () and moved.moves == (("refs", "/abs/path/refs", 1),)
    assert "moved: refs/ → /abs/path/refs/ (1 summary, same articles)" in format_text(moved)
    renamed = compare(run(seed), run(replace(seed, id="refs/pow_executions.txt", title="Other")))
    assert renamed.compared == 1 and "renamed from refs/seed.txt" in format_text(renamed)
    gone = compare(run(summary("refs/a.txt", title="A")), run(summary("refs/b.txt", title="B")))
    assert gone.compared == 0 and [c.status for c in gone.changes] == ["added", "removed"]


def test_different_articles_sharing_a_file_name_or_title_are_both_listed() -> None:
    """issue 28 #11: `2024/0/index.html` and `2023/7/index.html` are two articles, not one renamed."""
    old = replace(summary("2024/0/index.html"), article="a1")
    new = replace(summary("2023/7/index.html"), article="b2")
    found = compare(run(old), run(new))
    assert found.compared == 0 and [c.status for c in found.changes] == ["added", "removed"]
    assert "renamed" not in format_text(found) and found.regressed  # gone and new: nothing passes unseen
    unknown = compare(run(summary("refs/x/a.txt")), run(summary("refs/y/a.txt")))  # an older file: no fingerprint
    assert unknown.compared == 0
    # The same article under another name still pairs; where one article has several summaries, the name decides.
    twins = [replace(summary(f"old/{n}.txt", title=n), article="same") for n in ("p", "q")]
    found = compare(run(*twins), run(*(replace(t, id=t.id.replace("old/", "new/")) for t in reversed(twins))))
    assert found.compared == 2 and found.changes == () and found.moves == (("old", "new", 2),)


def test_a_folder_moved_whole_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    olds = [replace(summary(f"refs/{n}.txt", title=n), article=f"art-{n}") for n in "abcdef"]
    news = [replace(s, id=s.id.replace("refs/", "archive/2026/refs/")) for s in olds]
    news[0] = replace(news[0], claims=(claim(ELEVEN, "unsupported", 0.2), *news[0].claims[1:]), passed=False)
    found = compare(run(*olds), run(*news))
    text = format_text(found)
    assert text.count("moved: refs/ → archive/2026/refs/ (6 summaries, same articles)") == 1
    assert "renamed" not in text and "archive/2026/refs/a.txt: pass → fail" in text
    assert [c.id for c in found.changes] == ["archive/2026/refs/a.txt"]


def test_a_new_summary_with_an_unsupported_claim_or_a_summary_gone_is_a_regression(files, capsys) -> None:
    """docs/cli.md: a new unsupported claim counts as a regression, in a new summary too; so does one gone."""
    clean = summary("refs/new.txt", claim(TWO), claim(PILOT), title="New")
    found = compare(run(summary()), run(summary(), clean))
    assert [c.status for c in found.changes] == ["added"] and not found.regressed  # a new, clean summary
    bad = summary("refs/new.txt", claim(TWO), claim(ELEVEN, "unsupported", 0.2), title="New")
    found = compare(run(summary()), run(summary(), bad))
    (added,) = found.regressed
    assert added.status == "added" and [c.claim.text for c in added.claims] == [ELEVEN]
    assert "added: unsupported, 0.200: " + ELEVEN in format_text(found)
    assert compare(run(summary()), run(summary(), replace(clean, passed=False))).regressed  # new and failing
    before, after = files
    empty = after.with_name("empty.json")
    empty.write_text(json.dumps({"signature": SIGNATURE, "started": "", "results": []}), encoding="utf-8")
    assert cli.main(["diff", str(before), str(empty), "--fail-on-regression"]) == 1
    assert "0 summaries compared: 1 regressed" in capsys.readouterr().out
    assert cli.main(["diff", str(empty), str(before), "--fail-on-regression"]) == 0  # new and clean
    assert cli.main(["diff", str(empty), str(after), "--fail-on-regression"]) == 1  # new, with an unsupported claim
    assert "1 regressed" in capsys.readouterr().out


def test_claims_match_by_text_then_close_text_then_position() -> None:
    old = ["Alpha beta gamma delta.", "Completely different words here.", "Same."]
    new = ["Same.", "Alpha beta gamma delta!", "Nothing alike at all, no."]
    assert match_claims(old, new) == [(2, 0), (0, 1), (None, 2), (1, None)]
    assert match_claims(["Short one here."], ["Short two there."]) == [(0, 0)]  # loose match at the same place


def test_signature_differences_name_the_fields() -> None:
    other = {**SIGNATURE, "model": "m@2", "thresholds": {"min_rouge_l": 0.1}}
    assert signature_differences(SIGNATURE, other) == ["model: m@1 → m@2", "thresholds.min_rouge_l: 0.05 → 0.1"]
    assert signature_differences(None, other) == []


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    """A results.json as `evalkit run` writes it, and the same run with one claim broken."""

    def results(text: str, verdict: str, score: float, failures: list[str]) -> dict:
        claims = [
            {
                "text": t,
                "section": "",
                "start": 0,
                "end": len(t),
                "verdict": v,
                "score": s,
                "evidence": [{"sentence": "Russian soldiers shot two Ukrainians.", "score": 0.64}],
            }
            for t, v, s in ((text, verdict, score), (PILOT, "supported", 0.7))
        ]
        result = {
            "id": "refs/seed.txt",
            "title": "Seed",
            "metrics": {"similarity": 0.5, "support": min(score, 0.7)},
            "claims": claims,
            "consistent": verdict != "unsupported",
            "failures": failures,
        }
        return {"signature": SIGNATURE, "started": "2026", "seconds": 1.0, "results": [result]}

    before, after = tmp_path / "before.json", tmp_path / "after.json"
    before.write_text(json.dumps(results(TWO, "supported", 0.73, [])), encoding="utf-8")
    after.write_text(json.dumps(results(ELEVEN, "unsupported", 0.3, ["1 unsupported claim(s)"])), encoding="utf-8")
    return before, after


def test_cli_fails_on_regression_and_names_the_claim(files, capsys: pytest.CaptureFixture) -> None:
    before, after = files
    assert cli.main(["diff", str(before), str(after)]) == 0
    assert cli.main(["diff", str(before), str(after), "--fail-on-regression"]) == 1
    out = capsys.readouterr().out
    assert ELEVEN in out and "pass → fail" in out and "Russian soldiers shot two Ukrainians." in out
    assert cli.main(["diff", str(after), str(after), "--fail-on-regression"]) == 0


def test_cli_json_and_markdown_formats(files, capsys: pytest.CaptureFixture) -> None:
    before, after = files
    cli.main(["diff", str(before), str(after), "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    assert data["regressed"] == 1 and data["changes"][0]["claims"][0]["new"]["text"] == ELEVEN
    cli.main(["diff", str(before), str(after), "--format", "markdown"])
    out = capsys.readouterr().out
    assert out.startswith("## evalkit diff: 1 regressed") and "| **regression** | supported → unsupported |" in out


def test_cli_refuses_a_signature_change_unless_allowed(files, capsys: pytest.CaptureFixture) -> None:
    before, after = files
    data = json.loads(after.read_text(encoding="utf-8"))
    data["signature"] = {**SIGNATURE, "support_threshold": 0.6}
    after.write_text(json.dumps(data), encoding="utf-8")
    assert cli.main(["diff", str(before), str(after)]) == 2
    err = capsys.readouterr().err
    assert "different signatures (support_threshold: 0.5 → 0.6)" in err and len(err.strip().splitlines()) == 1
    assert cli.main(["diff", str(before), str(after), "--allow-signature-change"]) == 0
    assert "signature changed (compared anyway): support_threshold" in capsys.readouterr().out


def test_cli_reads_evalkit_score_jsonl(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    def record(verdict: str) -> str:
        claims = [{"text": TWO, "verdict": verdict, "score": 0.5, "evidence": [{"sentence": "E.", "score": 0.4}]}]
        return json.dumps({"id": "row-1", "consistent": True, "score": 0.5, "claims": claims})

    old, new = tmp_path / "old.jsonl", tmp_path / "new.jsonl"
    old.write_text(record("supported") + "\n" + json.dumps({"id": "bad", "score": 0.0, "error": "x"}) + "\n")
    new.write_text(record("weak") + "\n")
    assert cli.main(["diff", str(old), str(new), "--fail-on-regression"]) == 1
    captured = capsys.readouterr()
    assert "supported → weak" in captured.out and "removed" in captured.out
    assert "has no signature" in captured.err
    assert read_run(old).summaries[1].passed is False
    old.with_suffix(".meta.json").write_text(json.dumps({"signature": SIGNATURE}))
    new.with_suffix(".meta.json").write_text(json.dumps({"signature": {**SIGNATURE, "judge": "nli:x"}}))
    assert cli.main(["diff", str(old), str(new)]) == 2
    assert "different signatures (judge: None → nli:x)" in capsys.readouterr().err
    new.with_suffix(".meta.json").write_text("[]")
    assert cli.main(["diff", str(old), str(new)]) == 2
    assert "new.meta.json: is not the signature file" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot be read"),
        ("{not json", "is not valid JSON"),
        ('{"results": []}', "is not an evalkit results.json (no 'signature' field)"),
        ('{"signature": {}, "results": [{"id": "x"}]}', "is not an evalkit results.json"),
    ],
)
def test_bad_files_are_one_line_and_exit_2(tmp_path, capsys, content: str | None, message: str) -> None:
    bad = tmp_path / "bad.json"
    if content is not None:
        bad.write_text(content, encoding="utf-8")
    assert cli.main(["diff", str(bad), str(bad)]) == 2
    err = capsys.readouterr().err
    assert message in err and str(bad) in err and len(err.strip().splitlines()) == 1


def test_bad_jsonl_line_and_unknown_verdict_name_the_line(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "score": 1, "claims": []}\n{oops\n', encoding="utf-8")
    assert cli.main(["diff", str(bad), str(bad)]) == 2
    assert f"{bad}:2: is not valid JSON" in capsys.readouterr().err
    bad.write_text('{"id": "a", "score": 1, "claims": [{"text": "t", "verdict": "maybe", "score": 1}]}\n')
    assert cli.main(["diff", str(bad), str(bad)]) == 2
    assert (
        f"{bad}:1: is not an `evalkit score` record (claim 1: verdict 'maybe' is not one of" in capsys.readouterr().err
    )
    bad.write_text('{"id": "a", "score": 1, "claims": [{"text": "t", "verdict": ["x"], "score": "high"}]}\n')
    assert cli.main(["diff", str(bad), str(bad)]) == 2
    assert f"{bad}:1: is not an `evalkit score` record (claim 1: 'verdict' is" in capsys.readouterr().err
    bad.write_text('{"id": "a", "score": 1e999, "claims": []}\n')  # a schema-1 record: its score is `support`
    assert cli.main(["diff", str(bad), str(bad)]) == 2
    assert "'support' is inf, not a finite number" in capsys.readouterr().err


@pytest.mark.parametrize("value", ["-1", "nan", "lots"])
def test_bad_tolerance_is_a_usage_error(files, capsys: pytest.CaptureFixture, value: str) -> None:
    with pytest.raises(SystemExit) as exit:
        cli.main(["diff", *map(str, files), "--tolerance", value])
    assert exit.value.code == 2
    assert f"argument --tolerance: must be a number >= 0, not '{value}'" in capsys.readouterr().err


def test_metric_moves_print_at_the_column_digits() -> None:
    before, after = summary(), summary()
    moved = replace(after, metrics={"support": 0.3, "unsupported": 2.0})
    found = compare(run(replace(before, metrics={"support": 0.3, "unsupported": 1.0})), run(moved))
    assert found.changes[0].headline == "unsupported 1 → 2 (+1)"


def test_the_article_fingerprint_is_written_read_back_and_blind_to_sentence_cuts(tmp_path: Path) -> None:
    result = SummaryResult("refs/a.txt", "A", {}, (), True, body=("One sentence.", "Two  sentences."))
    assert result.article == article_fingerprint(["One sentence. Two", "sentences."]) != article_fingerprint(["x"])
    assert article_fingerprint([]) == "" == SummaryResult.for_error("x", "no article").article
    line = tmp_path / "a.jsonl"
    line.write_text(json.dumps(result.to_record()) + "\n", encoding="utf-8")
    from_results = RunRecord.from_run(RunResult((result,), {}, "", 0)).summaries[0]
    assert read_run(line).summaries[0].article == result.article == from_results.article
