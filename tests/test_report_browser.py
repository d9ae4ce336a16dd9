"""The report in a real engine: headless Chromium renders the claims, runs the table script and paints the page.

Skipped where Chromium is not installed (`apt-get install -y chromium`); deselect with `-k "not browser"`.
"""

from __future__ import annotations

import struct
from dataclasses import replace
from pathlib import Path

import pytest
from test_report import XSS, result, run_of  # tests/ is on sys.path (rootdir-relative imports)

from evalkit.outputs.report import browser, write
from evalkit.result import SummaryResult

pytestmark = pytest.mark.slow  # loads the models, or starts processes, pytest sessions, Ray or Chromium

REPORTS = Path(__file__).resolve().parent.parent / "reports"

if browser.find_chromium() is None:
    pytest.skip(f"Chromium not found on PATH (looked for {', '.join(browser.NAMES)})", allow_module_level=True)


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    run = run_of(result(), SummaryResult.for_error("captures/broken.txt", "captures/broken.txt: no summary"))
    return write(run, tmp_path_factory.mktemp("report") / "report.html")


def test_browser_renders_the_claims_and_runs_the_table_script(page: Path) -> None:
    """A small run's details are drawn at load, from the data blocks, as the template drew them before."""
    dom = browser.dump_dom(page)
    for verdict in ("supported", "weak", "unsupported"):
        assert f'class="claim-span verdict-{verdict}"' in dom
        assert f'<span class="badge verdict-{verdict}">' in dom  # a text label, not colour alone
    assert '<div class="summary-text"><span class="heading">Decisions\n</span><span class="claim-span' in dom
    assert "The mayor resigned." in dom and "captures/broken.txt: no summary" in dom
    assert "Could not evaluate this input." in dom and '<div class="alert fail">' in dom
    assert '<li id="s0-u1" class="best">' in dom and '<li id="s0-u3">' in dom  # claim 2's strongest evidence
    assert '<tr class="best" title="strongest evidence">' in dom
    assert "<summary>Dropped as boilerplate (1)</summary>" in dom
    assert '<div class="filters" id="filters">' in dom  # the script ran and revealed the filters
    assert 'class="sortable"' in dom
    assert '<a href="#s0-c3">The mayor resigned.</a>' in dom  # the claims to check, drawn from their data
    assert XSS not in dom  # escaped text stays text once parsed


def test_a_large_runs_details_open_on_click_and_its_claims_to_check_say_why(tmp_path: Path) -> None:
    """Past 25 summaries nothing is drawn until asked for: a click on a summary draws its details, a click on
    a claim to check draws its summary and shows the claim; capture text stays text."""
    from playwright.sync_api import sync_playwright

    why = replace(result().claims[2], reasons={"novel": ["resigned"], "missing": ["mayor"]})
    missed = replace(result().claims[1], expected="supported", known_miss="a paraphrase")
    claims = (result().claims[0], missed, why)
    run = run_of(*(result(id=f"captures/{i}.txt", title=f"{XSS} {i}", claims=claims) for i in range(40)))
    path = write(run, tmp_path / "large.html")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=browser.find_chromium(), args=["--no-sandbox"])
        tab = chromium.new_page()
        errors: list[str] = []
        tab.on("pageerror", lambda e: errors.append(str(e)))
        tab.goto(path.as_uri())
        assert tab.locator("section.summary").count() == 0  # nothing drawn at load
        rows = tab.locator("table.flagged tbody tr")
        assert rows.count() == 80  # 40 unsupported and 40 weak claims, all on the first page of 100
        first = rows.nth(0).inner_text()
        assert "Not in the article: resigned" in first and "Not in the deciding passage: mayor" in first
        assert "Known judge miss: a paraphrase" in tab.locator("table.flagged tbody").inner_text()
        tab.click('table.results a[href="#s37"]')
        tab.wait_for_selector("#s37 ol.claims > li")
        assert tab.locator("section.summary").count() == 1
        assert tab.locator("#s37 h2").inner_text() == f"{XSS} 37"  # the title as text, not markup
        assert tab.locator("#s37-c2 .badge.known-miss").inner_text() == "known miss"
        tab.click('table.flagged a[href="#s5-c3"]')
        tab.wait_for_selector("#s5-c3.targeted")
        assert tab.locator("section.summary").count() == 2
        assert [s.get_attribute("id") for s in tab.locator("section.summary").all()] == ["s5", "s37"]  # in run order
        assert tab.evaluate("document.querySelectorAll('script:not([type])').length") == 1  # no capture text ran
        chromium.close()
    assert errors == []


def test_browser_screenshot_of_the_overview(page: Path) -> None:
    png = browser.screenshot(page, REPORTS / "screenshot-overview.png", width=1280, height=2000)
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == (1280, 2000)  # IHDR width and height
    assert len(data) > 50_000  # a painted page, not a blank one


def test_browser_compare_page_leads_with_the_headline_and_marks_reasons(tmp_path: Path) -> None:
    from test_compare import record
    from test_compare import write as write_records

    from evalkit.frontends import cli

    a_rows = [record(f"d{i}", [0.9, 0.8]) for i in range(40)]
    b_rows = [record(f"d{i}", [0.3 + i / 100, 0.8]) for i in range(40)]
    b_rows[0]["claims"][0].update(text="Eleven soldiers died.", reasons={"novel": ["Eleven"]})
    a, b = write_records(tmp_path / "a.jsonl", a_rows), write_records(tmp_path / "b.jsonl", b_rows)
    page = tmp_path / "compare.html"
    assert cli.main(["compare", a, b, "--resamples", "500", "-o", str(page)]) == 0
    dom = browser.dump_dom(page)
    headline = dom.index('<p class="headline" id="headline">B is significantly worse than A on support')
    assert headline < dom.index('id="metrics"') < dom.index("<td>support ↑</td>") < dom.index("<td>rougeL_f1 ↑</td>")
    assert '<mark class="reason-novel" title="not in the article">Eleven</mark>' in dom
    assert "Left out" not in dom and "<td>claims </td>" in dom
    png = browser.screenshot(page, tmp_path / "compare.png", width=900, height=1200)
    assert len(png.read_bytes()) > 20_000  # a painted page, not a blank one


def test_at_900_px_every_column_is_in_view_and_no_blank_sits_under_the_histogram(page: Path) -> None:
    """The overview tables wrap instead of hiding their last columns; panels end where their content does."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=browser.find_chromium(), args=["--no-sandbox"])
        for width in (900, 1400):
            tab = chromium.new_page(viewport={"width": width, "height": 1000})
            tab.goto(page.as_uri())
            overflow = tab.evaluate(
                "Array.from(document.querySelectorAll('#overview .scroll')).map(e => e.scrollWidth - e.clientWidth)"
            )
            assert overflow and max(overflow) <= 0, (width, overflow)
            blank = tab.evaluate(
                """(() => { const panel = document.querySelector('.overview-grid .panel');
                   const last = panel.querySelector('figcaption').getBoundingClientRect().bottom;
                   return panel.getBoundingClientRect().bottom - last; })()"""
            )
            assert blank < 40, (width, blank)  # the panel's padding, not a stretched empty box
            tab.close()
        chromium.close()
