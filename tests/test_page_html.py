"""Saved HTML pages are read like text captures: same summary, body and chrome rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from evalkit.errors import EvalkitWarning
from evalkit.read import article
from evalkit.read.capture import read_capture
from evalkit.read.page_html import html_to_capture_text
from evalkit.scoring.pipeline import jobs_from_paths
from evalkit.settings import Settings

PAGE = """<!DOCTYPE html>
<html><head><title>Council backs harbour plan - The Gazette</title>
<style>.x{color:red}</style><script>var a = "<p>Sign in now</p>";</script></head>
<body>
<nav><ul><li>Home<li>News<li><a href="/login">Log in</a></ul></nav>
<aside class="ai-summary">
  <div><span>AI Summary</span> <button>Hide AI Generated Summary</button></div>
  <h3>Key Findings</h3>
  <p>The council approved a $40 million plan. Engineers warned that storms had weakened the wall.</p>
  <ul><li><p>Work will start next spring.</p></li><li>The mayor praised the decision &amp; the engineers.</ul>
  <div>Sign in to unlock more AI features <button>Sign in with Google</button></div>
</aside>
<article>
  <p>By Jane Doe</p>
  <p>The council on Tuesday approved a $40 million plan to rebuild the <em>harbour</em> wall.
  <p>Engineers said storms had weakened the wall.<br>Work starts next spring, the mayor said.</p>
  <div>Advertisement</div>
</article>
<footer><p>© 2026 The Gazette. All rights reserved.</p></footer>
</body></html>
"""


def test_html_page_gives_title_summary_and_clean_body(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(PAGE, encoding="utf-8")
    capture = read_capture(path)
    assert capture.title == "Council backs harbour plan - The Gazette"
    assert [(b.kind, b.text) for b in capture.summary_blocks] == [
        ("heading", "Key Findings"),
        ("paragraph", "The council approved a $40 million plan. Engineers warned that storms had weakened the wall."),
        ("bullet", "Work will start next spring."),
        ("bullet", "The mayor praised the decision & the engineers."),
    ]
    body = capture.body_paragraphs
    for sentence in (
        "The council on Tuesday approved a $40 million plan to rebuild the harbour wall.",
        "Engineers said storms had weakened the wall.",
        "Work starts next spring, the mayor said.",
    ):
        assert sentence in body
    # The article is read by the extractor: no summary text, navigation or footer in it.
    assert not {"Work will start next spring.", "Home", "© 2026 The Gazette. All rights reserved."} & set(body)
    assert capture.article_by == "trafilatura (precision)" and not capture.warnings
    # The box is the page's element: its chrome is dropped, the button's words included.
    assert capture.summary_by == '<aside class="ai-summary"> (class "ai-summary")'
    assert {("sign-in prompt", "Sign in to unlock more AI features"), ("box control", "Sign in with Google")} <= {
        (d.rule, d.text) for d in capture.dropped
    }


def test_scripts_styles_and_navigation_never_become_text() -> None:
    text = html_to_capture_text(PAGE)
    assert "var a" not in text and "color:red" not in text and "Home" not in text and "Log in" not in text


def test_html_files_are_collected_beside_text_captures(tmp_path: Path) -> None:
    (tmp_path / "page.html").write_text(PAGE, encoding="utf-8")
    (tmp_path / "notes.md").write_text("not a capture", encoding="utf-8")
    jobs = list(jobs_from_paths([tmp_path], Settings()))
    assert [Path(j.id).name for j in jobs] == ["page.html"] and jobs[0].error is None


def test_an_extractor_fallback_is_a_warning_naming_the_capture(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "page.html"
    path.write_text(PAGE, encoding="utf-8")
    monkeypatch.setattr(article, "_trafilatura", lambda tree: [])
    monkeypatch.setattr(article, "readability_text", lambda tree: [])
    with pytest.warns(EvalkitWarning, match="page.html: no extractor found an article"):
        capture = read_capture(path)
    assert capture.article_by.startswith("evalkit's block reader") and len(capture.warnings) == 1
