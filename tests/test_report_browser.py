"""The report in a real engine: headless Chromium renders the claims, runs the table script and paints the page.

Skipped where Chromium is not installed (`apt-get install -y chromium`); deselect with `-k "not browser"`.
"""

from __future__ import annotations

import struct
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
    dom = browser.dump_dom(page)
    for verdict in ("supported", "weak", "unsupported"):
        assert f'class="claim-span verdict-{verdict}"' in dom
    assert "The mayor resigned." in dom and "captures/broken.txt: no summary" in dom
    assert '<div class="filters" id="filters">' in dom  # the script ran and revealed the filters
    assert 'class="sortable"' in dom
    assert XSS not in dom  # escaped text stays text once parsed


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
