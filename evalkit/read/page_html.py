"""Saved HTML pages turned into the capture text format, where the text rules find the summary.

(The article body of a saved page is read by `article`, an extractor; this text is its last fallback.)

Block elements become paragraphs separated by blank lines, list items `•` bullets and headings
`##` headings, the `<title>` the first line; scripts, styles and navigation are skipped (not forms:
some sites build the whole page inside one ASP.NET `<form>`).
What is left (paywall notices, share bars, the summary's own buttons) is page chrome that the text
reader's rules already recognise, so no layout-specific rule lives here.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_SKIP = frozenset({"script", "style", "noscript", "template", "svg", "iframe", "nav", "select"})
_BLOCK = frozenset(
    {
        "p", "div", "section", "article", "aside", "header", "footer", "main", "ul", "ol", "li", "table", "tr",
        "blockquote", "figure", "figcaption", "dl", "dt", "dd", "pre", "details", "summary", "br", "hr",
        "h1", "h2", "h3", "h4", "h5", "h6",
    }
)  # fmt: skip
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_SPACE = re.compile(r"\s+")


def looks_like_html(text: str) -> bool:
    return re.match(r"\s*(?:<!doctype\s+html|<html\b|<head\b|<body\b)", text, re.I) is not None


class _Blocks(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title = ""
        self.blocks: list[str] = []
        self._text: list[str] = []
        self._prefix = ""
        self._skip: tuple[str, int] | None = None  # (tag that started skipping, nesting depth)
        self._in_title = False

    def flush(self) -> None:
        text = _SPACE.sub(" ", "".join(self._text)).strip()
        if text:
            self.blocks.append(self._prefix + text)
            self._prefix = ""
        self._text = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self._in_title = True
        elif self._skip is not None:
            if tag == self._skip[0]:
                self._skip = (tag, self._skip[1] + 1)
        elif tag in _SKIP:
            self._skip = (tag, 1)
        elif tag in _BLOCK:
            self.flush()
            if tag in _HEADINGS:
                self._prefix = "## "
            elif tag == "li":
                self._prefix = "• "

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif self._skip is not None:
            if tag == self._skip[0]:
                self._skip = (tag, self._skip[1] - 1) if self._skip[1] > 1 else None
        elif tag in _BLOCK:
            self.flush()
            if tag in _HEADINGS or tag == "li":
                self._prefix = ""

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        elif self._skip is None:
            self._text.append(data)


def html_to_capture_text(html: str) -> str:
    """The page as capture text: title line, then one block per paragraph, bullet or heading."""
    parser = _Blocks()
    parser.feed(html)
    parser.close()
    parser.flush()
    title = _SPACE.sub(" ", parser.title).strip()
    return "\n\n".join([title, *parser.blocks]) + "\n"
