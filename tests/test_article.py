"""The article body of saved HTML pages: read by trafilatura, guarded against its cutting the article short."""

from __future__ import annotations

import copy
import json
import random
import re
import socket
from pathlib import Path

import lxml.html
import pytest

from evalkit.read import article
from evalkit.read.article import READABILITY, TRAFILATURA, read_article
from evalkit.read.page_html import html_to_capture_text

SENTENCES = [
    "The city council voted seven to two on Tuesday to approve a new bridge over the Elm River after a long debate.",
    "Work is expected to begin in May, officials said, and the bridge will cost forty million dollars in all.",
    "The new span replaces a crossing built in 1952 that engineers have called unsafe for heavy trucks and buses.",
    "Residents of the east bank have waited for a safer crossing since the old bridge was closed to lorries.",
    "The mayor said the vote showed that the council could act quickly when the safety of residents was at stake.",
    "Two members who voted against the plan said its cost had not been checked by an independent engineer.",
]
ARTICLE = "\n".join(f"<p>{s}</p>" for s in SENTENCES[:3])
ARTICLE += "<h2>What happens next</h2><ul><li>A public hearing in March.</li><li>Tenders in April.</li></ul>"
ARTICLE += "\n".join(f"<p>{s}</p>" for s in SENTENCES[3:])
NAV = "<nav><ul><li><a href='/'>Home</a></li><li><a href='/news'>News</a></li>"
NAV += "<li><a href='/login'>Log in</a></li></ul></nav>"
FOOTER = "<footer><p>© 2026 The Gazette. All rights reserved.</p><p><a href='/terms'>Terms of use</a></p></footer>"


def page(body: str) -> str:
    return f"<!DOCTYPE html><html><head><title>Council backs bridge</title></head><body>{body}</body></html>"


PAGE = page(f"{NAV}<main><article><h1>Council backs bridge</h1>{ARTICLE}</article></main>{FOOTER}")


def test_article_is_read_by_trafilatura_with_headings_and_list_items_as_paragraphs() -> None:
    found = read_article(PAGE, "page.html")
    assert found.extractor == TRAFILATURA and not found.warnings
    assert [p for p in found.paragraphs if p in SENTENCES] == SENTENCES
    assert "What happens next" in found.paragraphs
    assert {"A public hearing in March.", "Tenders in April."} <= set(found.paragraphs)
    assert not {"Home", "News", "Log in", "© 2026 The Gazette. All rights reserved."} & set(found.paragraphs)


def test_a_page_built_inside_one_form_is_read_whole() -> None:
    """ASP.NET pages wrap the whole body in one <form>: nothing is dropped for being inside it."""
    wrapped = page(f"<form id='aspnetForm' method='post'>{NAV}<div id='content'>{ARTICLE}</div>{FOOTER}</form>")
    found = read_article(wrapped, "form.html")
    assert [p for p in found.paragraphs if p in SENTENCES] == SENTENCES
    text = html_to_capture_text(wrapped)
    assert all(sentence in text for sentence in SENTENCES)


def test_a_line_break_inside_a_paragraph_starts_another() -> None:
    found = read_article(page(f"<article><p>{SENTENCES[0]}<br>{SENTENCES[1]}</p>{ARTICLE}</article>"), "br.html")
    assert found.paragraphs[:2] == tuple(SENTENCES[:2])


def test_paywall_and_sign_in_notices_are_dropped_with_their_rule() -> None:
    notice = "Subscribe now for unlimited digital access to The Gazette."
    found = read_article(page(f"<article>{ARTICLE}<p>{notice}</p></article>"), "paywall.html")
    assert notice not in found.paragraphs
    assert [(d.rule, d.text) for d in found.dropped] == [("subscription", notice)]


def test_extractor_cutting_the_article_short_falls_back_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where trafilatura keeps far less than the page's main text block, readability's text is used."""
    words = " ".join(SENTENCES).replace(".", "").replace(",", "").split()
    extra = [" ".join(random.Random(i).sample(words, 20)) + "." for i in range(12)]  # distinct text
    long_page = page(f"<article>{ARTICLE}{''.join(f'<p>{p}</p>' for p in extra)}</article>")
    monkeypatch.setattr(article, "_trafilatura", lambda tree: SENTENCES[:1])
    found = read_article(long_page, "cut.html")
    assert found.extractor.startswith(f"{READABILITY} (fallback: trafilatura kept ")
    assert len(found.warnings) == 1 and found.warnings[0].startswith("cut.html: trafilatura kept ")
    assert set(SENTENCES) <= set(found.paragraphs)


def test_a_short_page_never_counts_as_cut(monkeypatch: pytest.MonkeyPatch) -> None:
    """Below `MIN_MAIN_LENGTH` the main block is too small to tell a cut article from a short one."""
    monkeypatch.setattr(article, "_trafilatura", lambda tree: SENTENCES[:1])
    found = read_article(page(f"<article><p>{SENTENCES[0]}</p><p>{SENTENCES[1]}</p></article>"), "short.html")
    assert found.extractor == TRAFILATURA and found.paragraphs == (SENTENCES[0],)


def test_no_extractor_finding_an_article_keeps_every_block_and_warns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(article, "_trafilatura", lambda tree: [])
    monkeypatch.setattr(article, "readability_text", lambda tree: [])
    found = read_article(PAGE, "none.html")
    assert found.extractor.startswith("evalkit's block reader (fallback:")
    assert set(SENTENCES) <= set(found.paragraphs) and found.warnings
    assert ("copyright", "© 2026 The Gazette. All rights reserved.") in {(d.rule, d.text) for d in found.dropped}


def test_empty_page_gives_no_paragraphs_and_a_warning() -> None:
    found = read_article("   ", "empty.html")
    assert found.paragraphs == () and found.warnings == ("empty.html: the page has no HTML to read",)


def test_a_parsed_tree_is_read_and_left_as_it_was() -> None:
    tree = lxml.html.document_fromstring(PAGE)
    before = lxml.html.tostring(copy.deepcopy(tree))
    assert read_article(tree, "tree.html").paragraphs == read_article(PAGE, "page.html").paragraphs
    assert lxml.html.tostring(tree) == before


def test_reading_never_touches_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the article reader opened a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    linked = PAGE.replace("<head>", "<head><link rel='canonical' href='https://example.com/bridge'>")
    assert read_article(linked, "page.html").paragraphs


# Trimmed copies of real pages from the article-extraction benchmark (MIT licence): tests/fixtures/pages.
PAGES = Path(__file__).resolve().parent / "fixtures" / "pages"


def shingle_recall(truth: list[str], found: list[str] | tuple[str, ...]) -> float:
    """Share of the marked article's 4-word sequences found in `found` (the benchmark's measure of recall)."""

    def shingles(paragraphs: list[str] | tuple[str, ...]) -> set[tuple[str, ...]]:
        words = re.findall(r"\w+", "\n".join(paragraphs))
        return {tuple(words[i : i + 4]) for i in range(len(words) - 3)}

    wanted = shingles(truth)
    return len(wanted & shingles(found)) / len(wanted)


def test_a_real_page_inside_one_form_gives_its_article() -> None:
    truth = json.loads((PAGES / "aljazeera_form.article.json").read_text(encoding="utf-8"))["article"]
    found = read_article((PAGES / "aljazeera_form.html").read_text(encoding="utf-8"), "aljazeera_form.html")
    assert found.extractor == TRAFILATURA and shingle_recall(truth, found.paragraphs) > 0.95
    assert truth[0] in found.paragraphs and truth[-1] in found.paragraphs
    blocks = html_to_capture_text((PAGES / "aljazeera_form.html").read_text(encoding="utf-8"))
    assert shingle_recall(truth, [blocks]) > 0.95  # the text reader no longer skips the form either


def test_sentences_the_extractor_left_out_are_listed_but_not_menus() -> None:
    """`evalkit show` lists page sentences outside the article, where a lost article paragraph would show."""
    comment = "I have crossed that bridge every day for twenty years and never once felt unsafe on it."
    comments = f"<section id='comments' class='comments'><h3>Comments</h3><div class='comment'><p>{comment}</p></div>"
    found = read_article(PAGE.replace("</main>", f"</main>{comments}</section>"), "page.html")
    assert comment not in found.paragraphs
    assert (article.LEFT_OUT, comment) in {(d.rule, d.text) for d in found.dropped}
    assert not {"Home", "News", "Log in"} & {d.text for d in found.dropped}
    assert not set(SENTENCES) & {d.text for d in found.dropped}


def split_page(first: list[str], second: list[str]) -> str:
    """An article split over two containers of one kind with an ad between them, as wired.com builds pages."""
    part = "<div class='body__inner-container'>{}</div>"
    one, two = ("".join(f"<p>{p}</p>" for p in ps) for ps in (first, second))
    ad = "<div class='ad'><p>Advertisement</p></div>"
    return page(f"<article><h1>Council backs bridge</h1>{part.format(one)}{ad}{part.format(two)}</article>")


def distinct_paragraphs(count: int, seed: int) -> list[str]:
    words = " ".join(SENTENCES).replace(".", "").replace(",", "").split()
    return [" ".join(random.Random(seed * 100 + i).sample(words, 25)) + "." for i in range(count)]


def test_an_article_split_over_containers_gets_its_other_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where trafilatura reads one container of the article's kind and the others hold more, they are added."""
    first, second = distinct_paragraphs(4, 1), distinct_paragraphs(8, 2)
    monkeypatch.setattr(article, "_trafilatura", lambda tree: first)
    monkeypatch.setattr(article, "readability_text", lambda tree: first)  # as on wired.com: both cut it short
    found = read_article(split_page(first, second), "split.html")
    assert found.paragraphs == tuple(first + second)
    assert found.extractor.startswith(f"{TRAFILATURA} + 8 paragraphs from the article's other containers (fallback:")
    assert found.warnings and "added at the article's end" in found.warnings[0]


def test_a_little_more_text_in_another_container_is_left_to_the_extractor(monkeypatch: pytest.MonkeyPatch) -> None:
    """trafilatura keeping most of the text is trusted: one paragraph elsewhere is not a cut article."""
    first, second = distinct_paragraphs(8, 1), distinct_paragraphs(1, 2)
    monkeypatch.setattr(article, "_trafilatura", lambda tree: first)
    found = read_article(split_page(first, second), "split.html")
    assert found.paragraphs == tuple(first) and found.extractor == TRAFILATURA and not found.warnings


def test_tables_nested_lists_and_quotes_keep_their_blocks_apart() -> None:
    table = "<table><tr><th>Item</th><th>Cost</th></tr><tr><td>Bridge <b>deck</b></td><td>$20 million</td></tr></table>"
    lists = "<ul><li>First <a href='/x'>point</a> here<ul><li>Nested one</li></ul></li>"
    lists += "<li><p>In a</p><p>b</p></li></ul>"
    quote = "<blockquote><p>Quoted one.</p><p>Quoted two.</p></blockquote>"
    found = read_article(page(f"<article>{ARTICLE}{table}{lists}{quote}</article>"), "blocks.html")
    assert found.paragraphs[-8:] == (
        "Item | Cost",
        "Bridge deck | $20 million",
        "First point here",
        "Nested one",
        "In a",
        "b",
        "Quoted one.",
        "Quoted two.",
    )


def test_a_page_that_declares_its_encoding_is_read() -> None:
    declared = '<?xml version="1.0" encoding="utf-8"?>\n' + PAGE.replace("<!DOCTYPE html>", "")
    assert [p for p in read_article(declared, "x.xhtml").paragraphs if p in SENTENCES] == SENTENCES


def test_a_comment_thread_of_the_articles_kind_is_never_added(monkeypatch: pytest.MonkeyPatch) -> None:
    first, comments = distinct_paragraphs(4, 1), distinct_paragraphs(8, 2)
    thread = "<div id='comments'><div class='body__inner-container'>{}</div></div>".format(
        "".join(f"<p>{p}</p>" for p in comments)
    )
    monkeypatch.setattr(article, "_trafilatura", lambda tree: first)
    monkeypatch.setattr(article, "readability_text", lambda tree: first)
    found = read_article(split_page(first, []).replace("</article>", f"</article>{thread}"), "comments.html")
    assert found.paragraphs == tuple(first) and found.extractor == TRAFILATURA
