"""`evalkit review` in a real browser: the server started as a user starts it, Chromium driven by Playwright.

A project holding only the seed capture (copied from references/, no sidecar) is reviewed by keyboard, and
the sidecar, `evalkit run` and the server's exit are checked as a user would see them.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tomllib
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import expect

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "references" / "seed_nyt_pow_executions.txt"
CHROMIUM = "/usr/bin/chromium"
SEED_CLAIMS = 7

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}"),
]


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One judge cache for the module's servers: the seed is judged once, later starts read it back."""
    return tmp_path_factory.mktemp("cache")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "references").mkdir()
    shutil.copy(SEED, tmp_path / "references" / SEED.name)
    (tmp_path / "pyproject.toml").write_text('[tool.evalkit]\nreferences = ["references"]\n')
    return tmp_path


def evalkit(*args: str, cwd: Path, cache: Path, **kwargs: object) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "evalkit.frontends.cli", *args, "--cache-dir", str(cache)]
    return subprocess.Popen(command, cwd=cwd, env=env, text=True, **kwargs)  # type: ignore[call-overload]


@contextmanager
def review(project: Path, cache: Path) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """`evalkit review --no-browser` running over `project`, and the one URL it printed."""
    server = evalkit("review", "--no-browser", cwd=project, cache=cache, stdout=subprocess.PIPE)
    try:
        line = server.stdout.readline()
        assert line.startswith("review at http://127.0.0.1:") and "/?token=" in line, line
        yield server, line.removeprefix("review at ").strip()
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)


def stop(server: subprocess.Popen[str]) -> int:
    server.send_signal(signal.SIGTERM)
    code = server.wait(timeout=30)
    assert server.stdout.read() == ""  # one line of stdout in all
    return code


@pytest.fixture
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        chromium = driver.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


def expect_pins(project: Path) -> dict[str, str]:
    sidecar = project / "references" / "seed_nyt_pow_executions.evalkit.toml"
    return tomllib.loads(sidecar.read_text()).get("expect", {})


def current(page: object) -> object:
    return page.locator("section.review:not([hidden])")


def press(page: object, key: str) -> int:
    """Press `key` on the claim shown and wait for the server's answer to the decision it sends (a key pressed
    meanwhile waits its turn in the page, so the next press acts on the next claim)."""
    with page.expect_response("**/decide") as answer:
        page.keyboard.press(key)
    answer.value.finished()
    return answer.value.status


def test_pressing_u_for_every_claim_pins_them_all_and_the_run_then_fails(
    project: Path, cache: Path, browser: object
) -> None:
    with review(project, cache) as (server, url):
        host = url.split("/?")[0]
        for request, status in [(urllib.request.Request(host + "/"), 403), (urllib.request.Request(url), 400)]:
            if status == 400:
                request.add_header("Host", "rebound.example:80")
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(request, timeout=10)
            assert refused.value.code == status and b"Traceback" not in refused.value.read()
        page = browser.new_page()
        page.goto(url)
        assert page.locator("#progress").text_content() == f"0 of {SEED_CLAIMS} reviewed"
        for _ in range(SEED_CLAIMS):
            current(page).wait_for()
            assert press(page, "u") == 200
        page.wait_for_url("**/done")
        assert "Nothing left to review" in page.content()
        assert stop(server) == 0
    pins = expect_pins(project)
    assert list(pins.values()) == ["unsupported"] * SEED_CLAIMS
    run = evalkit("run", "--output-dir", "", cwd=project, cache=cache, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = run.communicate(timeout=300)
    assert run.returncode == 1, out + err
    broken = [line for line in err.splitlines() if "was pinned unsupported, now supported" in line]
    assert broken and all(any(key[:20] in line for line in broken) for key in list(pins)[-2:]), err


def test_undo_and_two_windows_deciding_different_claims(project: Path, cache: Path, browser: object) -> None:
    with review(project, cache) as (server, url):
        first = browser.new_page()
        first.goto(url)
        lowest = current(first).locator(".claim-text").text_content()
        assert press(first, "s") == 200
        assert list(expect_pins(project).values()) == ["supported"]
        expect(first.locator("#progress")).to_have_text(f"1 of {SEED_CLAIMS} reviewed")
        assert press(first, "z") == 200
        assert expect_pins(project) == {}
        expect(current(first).locator(".claim-text")).to_have_text(lowest)  # back on the undone claim
        expect(current(first).locator(".decision")).to_have_text("not reviewed")

        second = browser.new_context().new_page()  # another window, its own cookie from the same URL
        second.goto(url)
        second.keyboard.press("j")  # window 2 takes the next claim while window 1 decides the first
        assert press(first, "u") == 200
        assert press(second, "s") == 200
        assert sorted(expect_pins(project).values()) == ["supported", "unsupported"]
        second.keyboard.press("k")
        second.keyboard.press("k")  # back to the first claim, which window 2 still shows undecided
        expect(current(second).locator(".claim-text")).to_have_text(lowest)
        assert press(second, "s") == 409
        expect(second.locator("#status")).to_contain_text("meanwhile")
        expect(second.locator("#status")).to_contain_text("now: unsupported")
        expect(current(second).locator(".decision")).to_have_text("unsupported")
        assert sorted(expect_pins(project).values()) == ["supported", "unsupported"]  # nothing overwritten
        assert stop(server) == 0


def test_a_known_miss_then_sigterm_mid_review_exits_0_and_leaves_valid_toml(
    project: Path, cache: Path, browser: object
) -> None:
    with review(project, cache) as (server, url):
        page = browser.new_page()
        page.goto(url)
        page.keyboard.press("m")
        page.locator("#miss-reason").fill("only the framing is <new>")  # typing here is no key command
        page.locator("#miss-verdict").select_option("supported")
        with page.expect_response("**/decide") as answer:
            page.get_by_role("button", name="Save known miss").click()
        assert answer.value.status == 200
        assert press(page, "u") == 200
        page.keyboard.press("s")  # in flight while the server is told to stop
        code = stop(server)
    assert code == 0
    sidecar = project / "references" / "seed_nyt_pow_executions.evalkit.toml"
    tables = tomllib.loads(sidecar.read_text())  # valid TOML, whichever decisions made it
    assert list(tables["known_miss"].values()) == ["only the framing is <new>"]
    missed = next(iter(tables["known_miss"]))
    assert tables["expect"][missed] == "supported"
    assert 2 <= len(tables["expect"]) <= 3 and set(tables["expect"].values()) <= {"supported", "unsupported"}
