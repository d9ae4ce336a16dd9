"""`evalkit compare` on hand-made `evalkit score` files (no model): pairing, metrics, flips, formats, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from evalkit.frontends import cli
from evalkit.runs.compare import compare_runs
from evalkit.runs.records import read_run

SIGNATURE = {"evalkit": "0.1.0", "model": "m@1", "judge": "bundled", "support_threshold": 0.5, "thresholds": {}}


def record(id: str, scores: list[float], rouge: float = 0.3, similarity: float = 0.6) -> dict:
    """An `evalkit score` line whose claims have `scores` (below 0.5: unsupported)."""
    claims = [
        {
            "text": f"Claim {k} of {id} <b>bold</b>.",
            "verdict": "supported" if s >= 0.6 else "weak" if s >= 0.5 else "unsupported",
            "score": s,
            "evidence": [{"sentence": f"Evidence for {k}.", "score": 0.5}],
            "decided_by": 0,
        }
        for k, s in enumerate(scores)
    ]
    metrics = {
        "claims": len(scores),
        "unsupported": sum(c["verdict"] == "unsupported" for c in claims),
        "supported_share": sum(c["verdict"] == "supported" for c in claims) / len(claims),
        "support": min(scores),
        **{f"{t}_f1": rouge for t in ("rouge1", "rouge2", "rougeL")},
        "similarity": similarity,
    }
    consistent = min(scores) >= 0.5
    return {"schema": 2, "id": id, "judge": "bundled", "consistent": consistent, "metrics": metrics, "claims": claims}


def write(path: Path, records: list[dict], signature: dict | None = SIGNATURE) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    if signature is not None:
        path.with_suffix(".meta.json").write_text(json.dumps({"signature": signature}), encoding="utf-8")
    return str(path)


@pytest.fixture
def systems(tmp_path: Path) -> tuple[str, str]:
    """A and B on 120 shared articles: B's claims score 0.2 lower (often unsupported); ROUGE is noise alike."""
    rng = np.random.default_rng(0)
    a, b = [], []
    for i in range(120):
        hard = rng.uniform(0.55, 0.95)  # the article's difficulty, shared by both systems
        rouge = rng.uniform(0.1, 0.4)
        a.append(record(f"doc{i}", [hard, hard + 0.03], rouge + rng.normal(0, 0.02), 0.6))
        b.append(record(f"doc{i}", [hard - 0.2, hard], rouge + rng.normal(0, 0.02), 0.6))
    return write(tmp_path / "a.jsonl", a), write(tmp_path / "b.jsonl", b)


def test_a_large_known_difference_is_significant_in_json(systems, capsys: pytest.CaptureFixture) -> None:
    assert cli.main(["compare", *systems, "--format", "json", "--resamples", "2000"]) == 0
    data = json.loads(capsys.readouterr().out)
    score = data["metrics"]["support"]
    assert score["delta"] == pytest.approx(score["mean_b"] - score["mean_a"]) == pytest.approx(-0.2)
    assert score["p_value"] < 0.01 and score["ci_high"] < 0 and score["outcome"] == "worse"
    assert (score["wins"], score["ties"], score["losses"]) == (0, 0, 120)
    unsupported = data["metrics"]["unsupported"]
    assert unsupported["delta"] > 0 and unsupported["outcome"] == "worse"  # more unsupported claims is worse
    rouge = data["metrics"]["rouge1_f1"]
    assert rouge["ci_low"] < 0 < rouge["ci_high"] and rouge["outcome"] is None
    assert data["metrics"]["similarity"]["ties"] == 120 and data["metrics"]["similarity"]["p_value"] == 1.0
    assert set(data["metrics"]) == {"claims", "unsupported", "supported_share", "support", "similarity"} | {
        f"{t}_f1" for t in ("rouge1", "rouge2", "rougeL")
    }
    assert data["compared"] == 120 and data["resamples"] == 2000
    assert len(data["flips"]["consistent_only_in_a"]) > 0 == len(data["flips"]["consistent_only_in_b"])


def test_fail_if_worse_gates_on_the_named_metric_only(systems, capsys: pytest.CaptureFixture) -> None:
    a, b = systems
    assert cli.main(["compare", a, b, "--resamples", "500", "--fail-if-worse", "rouge1_f1"]) == 0
    assert cli.main(["compare", a, b, "--resamples", "500", "--fail-if-worse", "supported_share"]) == 1
    assert "significantly worse than A on supported_share" in capsys.readouterr().err
    assert cli.main(["compare", b, a, "--resamples", "500", "--fail-if-worse", "support"]) == 0  # B is the better one
    capsys.readouterr()
    assert cli.main(["compare", a, b, "--fail-if-worse", "nonsense"]) == 2
    assert "unknown metric nonsense (known: " in capsys.readouterr().err
    assert cli.main(["compare", a, b, "--alpha", "0.01", "--resamples", "150"]) == 2  # p could never reach 0.01
    err = capsys.readouterr().err
    assert err == "evalkit: --resamples 150 can never show a difference at --alpha 0.01: give 200 or more\n"


def test_text_and_markdown_show_means_interval_p_and_counts(systems, capsys: pytest.CaptureFixture) -> None:
    cli.main(["compare", *systems, "--resamples", "500", "--seed", "4"])
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.split()[:1] == ["support"])
    assert "-0.200" in row and "[-0.2" in row and "0/0/120" in row and "B worse" in row
    assert "one paired bootstrap, 500 resamples, seed 4" in out and "95% interval" in out
    cli.main(["compare", *systems, "--format", "markdown", "--resamples", "500"])
    out = capsys.readouterr().out
    assert out.startswith("## evalkit compare") and "| support ↑ |" in out and "**-0.200** (worse)" in out
    flipped = compare_runs(*map(read_run, systems), resamples=200).consistent_only_in_a
    assert f"Consistent under A only: {len(flipped)}:" in out and all(f"- {id}\n" in out for id in flipped)
    assert "Left out" not in out  # nothing was


def test_the_headline_comes_first_then_faithfulness_then_closeness(systems, capsys: pytest.CaptureFixture) -> None:
    cli.main(["compare", *systems, "--resamples", "500"])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == (
        "B is significantly worse than A on support, supported_share and unsupported (120 summaries, p < 0.05). "
        "No significant difference on similarity, rougeL_f1, rouge1_f1 and rouge2_f1."
    )
    table = lines[lines.index(next(line for line in lines if line.startswith("metric "))) + 1 :]
    names = [line.split()[0] for line in table[:8]]
    assert names == [
        "support",
        "supported_share",
        "unsupported",
        "similarity",
        "rougeL_f1",
        "rouge1_f1",
        "rouge2_f1",
        "claims",
    ]
    claims = table[7]
    assert "↑" not in claims and "↓" not in claims and "B " not in claims  # a count is neither better nor worse
    assert " 2.00 " in claims and "0/120/0" in claims  # a count's mean to two decimals, not the default three


def test_precision_and_recall_rows_only_with_all_but_always_in_json(tmp_path: Path, capsys) -> None:
    rows = []
    for i in range(30):
        r = record(f"d{i}", [0.9])
        r["metrics"].update(rougeL_precision=0.5 + i / 100, rougeL_recall=0.1)
        rows.append(r)
    a = write(tmp_path / "a.jsonl", rows)
    b = write(tmp_path / "b.jsonl", [{**r, "metrics": {**r["metrics"], "rougeL_precision": 0.3}} for r in rows])
    cli.main(["compare", a, b, "--resamples", "200"])
    out = capsys.readouterr().out
    assert "rougeL_precision" not in out and "1 more ROUGE rows with --all" not in out
    assert "2 more ROUGE rows with --all" in out and out.startswith("No significant difference")
    cli.main(["compare", a, b, "--resamples", "200", "--all"])
    out = capsys.readouterr().out
    assert "rougeL_precision ↑" in out and "B worse" in out and out.startswith("B is significantly worse than A on")
    cli.main(["compare", a, b, "--resamples", "200", "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    assert data["metrics"]["rougeL_precision"]["outcome"] == "worse"
    assert data["metrics"]["claims"]["higher_is_better"] is None
    assert "rougeL_precision" in data["headline"]


def test_a_metric_one_run_lacks_is_listed_and_skipped_not_refused(tmp_path: Path, capsys) -> None:
    """A metric installed after the baseline: its version in one signature only, its column in one run only."""
    rows = [record(f"d{i}", [0.9 - i / 100]) for i in range(20)]
    a = write(tmp_path / "a.jsonl", rows, {**SIGNATURE, "metrics": {"support": "1"}})
    newer = [{**r, "metrics": {**r["metrics"], "coverage": 0.5}} for r in rows]
    b = write(tmp_path / "b.jsonl", newer, {**SIGNATURE, "metrics": {"support": "1", "coverage": "1", "words": "2"}})
    assert cli.main(["compare", a, b, "--resamples", "200"]) == 0
    out = capsys.readouterr().out
    assert f"metric coverage: only in {b}, not compared" in out and f"metric words: only in {b}" in out
    assert "coverage ↑" not in out
    assert cli.main(["diff", a, b, "--fail-on-regression"]) == 0
    assert "metric coverage: only in the new run, not compared" in capsys.readouterr().out
    # A metric's own version makes its own columns incomparable: they are skipped and listed, the rest compared;
    # a gate on one of them is refused, and --allow-signature-change compares them as a signature change.
    Path(a).with_suffix(".meta.json").write_text(json.dumps({"signature": {**SIGNATURE, "metrics": {"support": "0"}}}))
    assert cli.main(["compare", a, b, "--resamples", "200"]) == 0
    out = capsys.readouterr().out
    assert "metric support: version 0 → 1, not compared" in out and "\nsupport ↑" not in out and "similarity ↑" in out
    assert cli.main(["compare", a, b, "--fail-if-worse", "unsupported"]) == 2
    assert "not compared: unsupported (support: version 0 → 1)" in capsys.readouterr().err
    assert cli.main(["compare", a, b, "--resamples", "200", "--allow-signature-change"]) == 0
    out = capsys.readouterr().out
    assert "signature changed (compared anyway): metrics.support: 0 → 1" in out and "\nsupport ↑" in out
    assert cli.main(["diff", a, b, "--fail-on-regression", "--format", "json"]) == 0
    assert {"metric": "support", "why": "version 0 → 1"} in json.loads(capsys.readouterr().out)["not_compared"]
    # What changes every verdict still refuses the whole comparison.
    Path(a).with_suffix(".meta.json").write_text(json.dumps({"signature": {**SIGNATURE, "judge": "lexical"}}))
    assert cli.main(["diff", a, b]) == 2 and "judge: lexical → bundled" in capsys.readouterr().err


def test_unmatched_repeated_and_unscored_summaries_are_listed_and_left_out(tmp_path: Path) -> None:
    a = write(tmp_path / "a.jsonl", [record("x", [0.9]), record("only-a", [0.9]), record("twice", [0.9])] * 1)
    broken = {"id": "x", "judge": "bundled", "consistent": False, "score": 0.0, "error": "x: no summary"}
    b_records = [broken, record("only-b", [0.9]), record("twice", [0.9]), record("twice", [0.8])]
    b = write(tmp_path / "b.jsonl", b_records)
    found = compare_runs(read_run(a), read_run(b), ("A", "B"), resamples=200)
    assert found.pairs == () and found.metrics == ()
    assert set(found.left_out) == {
        ("x", "not scored in B: x: no summary"),
        ("only-a", "only in A"),
        ("only-b", "only in B"),
        ("twice", "repeated in B"),
        ("twice", "only in A"),
    }


def test_flips_are_per_summary(tmp_path: Path) -> None:
    a = write(tmp_path / "a.jsonl", [record("p", [0.9, 0.8]), record("q", [0.3]), record("r", [0.9])])
    b = write(tmp_path / "b.jsonl", [record("p", [0.9, 0.4]), record("q", [0.7, 0.6]), record("r", [0.7])])
    found = compare_runs(read_run(a), read_run(b), resamples=200)
    assert (found.consistent_only_in_a, found.consistent_only_in_b) == (("p",), ("q",))
    assert [b.id for _, b in found.most_different()] == ["p", "q", "r"]
    share = found.metric("supported_share")
    assert share is not None and (share.mean_a, share.mean_b) == pytest.approx((2 / 3, 5 / 6))


def test_signatures_must_agree_on_what_changes_the_numbers(systems, capsys: pytest.CaptureFixture) -> None:
    a, b = systems
    meta = Path(b).with_suffix(".meta.json")
    meta.write_text(json.dumps({"signature": {**SIGNATURE, "judge": "lexical"}}))
    assert cli.main(["compare", a, b]) == 2
    err = capsys.readouterr().err
    assert "different signatures (judge: bundled → lexical)" in err and len(err.strip().splitlines()) == 1
    assert cli.main(["compare", a, b, "--resamples", "200", "--allow-signature-change"]) == 0
    assert "signature changed (compared anyway): judge: bundled → lexical" in capsys.readouterr().out
    meta.write_text(json.dumps({"signature": {**SIGNATURE, "thresholds": {"min_rouge_l": 0.2}}}))
    assert cli.main(["compare", a, b, "--resamples", "200"]) == 0  # pass/fail thresholds change no value compared


def test_html_view_links_both_verdict_sets_and_escapes_claims(systems, tmp_path: Path) -> None:
    page = tmp_path / "out" / "compare.html"
    assert cli.main(["compare", *systems, "--resamples", "200", "-o", str(page)]) == 0
    html = page.read_text(encoding="utf-8")
    assert 'href="#d1-a"' in html and 'id="d1-a"' in html and 'id="d1-b"' in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html and "<b>bold</b>" not in html
    assert "B WORSE" in html and "[-0.2" in html
    assert html.index('id="headline"') < html.index('id="metrics"') and "Left out" not in html


def test_html_claim_cards_show_their_reasons(tmp_path: Path) -> None:
    a_rows, b_rows = [record(f"d{i}", [0.9]) for i in range(5)], [record(f"d{i}", [0.9]) for i in range(5)]
    b_rows[0] = record("d0", [0.2])
    b_rows[0]["claims"][0].update(text="Eleven soldiers died.", reasons={"novel": ["Eleven"], "missing": ["soldiers"]})
    a, b = write(tmp_path / "a.jsonl", a_rows), write(tmp_path / "b.jsonl", b_rows[:4])
    page = tmp_path / "c.html"
    assert cli.main(["compare", a, b, "--resamples", "200", "-o", str(page)]) == 0
    html = page.read_text(encoding="utf-8")
    assert '<mark class="reason-novel" title="not in the article">Eleven</mark>' in html
    assert "Not in the article: Eleven" in html and "Not in the deciding passage: soldiers" in html
    assert 'id="left-out"' in html and f"only in {a}" in html


def test_output_onto_an_input_and_a_gate_without_values_are_usage_errors(
    systems, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    a, b = systems
    before = Path(a).read_bytes()
    assert cli.main(["compare", a, b, "-o", a]) == 2
    assert "is one of the inputs" in capsys.readouterr().err and Path(a).read_bytes() == before
    full = record("doc0", [0.9])
    bare = [{**full, "metrics": {k: v for k, v in full["metrics"].items() if k != "rouge2_f1"}}]
    c, d = write(tmp_path / "c.jsonl", bare), write(tmp_path / "d.jsonl", bare)
    assert cli.main(["compare", c, d, "--resamples", "200", "--fail-if-worse", "rouge2_f1"]) == 2
    assert "no summary compared has a value for rouge2_f1" in capsys.readouterr().err


def test_results_json_carries_rouge_and_similarity(tmp_path: Path) -> None:
    result = {
        "id": "refs/a.txt",
        "title": "A",
        "rouge": {"rougeL": {"precision": 0.5, "recall": 0.1, "f1": 0.1667}},
        "similarity": 0.71,
        "claims": [],
        "consistent": True,
        "score": 1.0,
    }
    path = tmp_path / "results.json"
    path.write_text(json.dumps({"signature": SIGNATURE, "started": "", "results": [result]}), encoding="utf-8")
    (summary,) = read_run(path).summaries
    assert summary.metrics == {
        "support": 1.0,
        "rougeL_precision": 0.5,
        "rougeL_recall": 0.1,
        "rougeL_f1": 0.1667,
        "similarity": 0.71,
    }  # a schema-1 results.json, read under the schema-2 names
