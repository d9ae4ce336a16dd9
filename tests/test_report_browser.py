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
