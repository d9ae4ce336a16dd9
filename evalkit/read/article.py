"""The article body of a saved HTML page, read by a proven extractor rather than hand rules.

trafilatura in precision mode reads the article (measured best on real pages: `benchmarks/extraction.py`).
Its known failure is cutting a long article short, so its text is checked against the page's main text
block as trafilatura's bundled readability finds it (where it kept far less, readability's text is used
instead) and against the page's other containers of its article's kind (where they hold more, their
paragraphs are added); where nothing finds an article, evalkit's own block reader keeps every block.
`Article.extractor` and `Article.warnings` say which was used and why, so `evalkit show` can tell the
user. Nothing here fetches anything: the page is read as it was saved.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field

import lxml.etree
import lxml.html
import trafilatura
from trafilatura.readability_lxml import Document

from evalkit.read.boilerplate import boilerplate_rule
from evalkit.read.page_html import html_to_capture_text

# trafilatura's text is "far shorter" than the page's main text block below this share of its words:
# set a priori at one half (its known misses keep a third), not fitted to the benchmark pages.
SHORT_SHARE = 0.5
# A main text block shorter than this (in 4-word sequences) is too small to say the extractor cut anything.
MIN_MAIN_LENGTH = 150
# The thin layer kept on top of the extractor: notices that stand in for the article or interrupt it.
# evalkit's other chrome rules (bylines, share bars, related links) add no F1 on top of the extractor and
# cost it recall (`benchmarks/extraction.py` measures both).
NOTICE_RULES = frozenset(
    {"sign-in prompt", "subscription", "paywall", "javascript notice", "access check", "retrieval failure"}
)

# A text block left out of the article is listed as dropped from this many words: a sentence, not a link.
PROSE_WORDS = 8
LEFT_OUT = "left out by the extractor"

_UTF8 = lxml.html.HTMLParser(encoding="utf-8")
_COMMENTS = re.compile(r"comment|disqus|respond|repl(?:y|ies)", re.I)
_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"\w+")
_PREFIX = re.compile(r"^(?:## |• )")
# trafilatura's XML: elements that start a paragraph of their own (a table `row` is one, cells joined).
_BLOCK_TAGS = frozenset({"p", "head", "item", "list", "quote", "code", "table", "cell", "div", "main"})

TRAFILATURA = "trafilatura (precision)"
READABILITY = "trafilatura's readability"
BLOCK_READER = "evalkit's block reader"


@dataclass(frozen=True)
class Dropped:
    """A paragraph removed as page chrome, and the rule that removed it."""

    rule: str
    text: str


@dataclass(frozen=True)
class Article:
    """An article's paragraphs, the extractor that read them, and what was removed on top of it."""

    paragraphs: tuple[str, ...]
    extractor: str
    dropped: tuple[Dropped, ...] = field(default=())
    warnings: tuple[str, ...] = field(default=())


def read_article(page: str | lxml.html.HtmlElement, source: str) -> Article:
    """The article body of `page` (with any AI summary box already cut out); `page` is not changed."""
    tree = page_tree(page)
    if tree is None:
        return Article((), BLOCK_READER, warnings=(f"{source}: the page has no HTML to read",))
    found = _trafilatura(tree)
    extractor, warnings = TRAFILATURA, []
    main = readability_text(tree)
    kept, total = _length(found), _length(main)
    if total >= MIN_MAIN_LENGTH and kept < SHORT_SHARE * total:
        why = f"trafilatura kept {kept} of the {total} word sequences of the page's main text block"
        extractor = f"{READABILITY} (fallback: {why})"
        warnings.append(f"{source}: {why}; the article was read by {READABILITY} instead")
        found = main
    elif found:
        more = _other_parts(tree, found)
        total = _length(found + more)  # `kept` is still trafilatura's own length
        if total >= MIN_MAIN_LENGTH and kept < SHORT_SHARE * total:
            why = f"trafilatura kept {kept} of the {total} word sequences in the page's containers of its article"
            extractor = f"{TRAFILATURA} + {len(more)} paragraphs from the article's other containers (fallback: {why})"
            warnings.append(f"{source}: {why}; the other containers' paragraphs were added at the article's end")
            found = found + more
    blocks = _blocks(lxml.html.tostring(tree, encoding="unicode"))  # the page's every text block
    if not found:
        extractor = f"{BLOCK_READER} (fallback: no extractor found an article)"
        warnings.append(f"{source}: no extractor found an article; every text block of the page was kept")
        found = blocks
    paragraphs, dropped = _notices(found, every_rule=extractor.startswith(BLOCK_READER))
    return Article(tuple(paragraphs), extractor, tuple(dropped + _left_out(blocks, found)), tuple(warnings))


def page_tree(page: str | lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    """The page's element tree (as it is, if given one), or None where `page` holds no HTML to parse."""
    if not isinstance(page, str):
        return page
    if not page.strip():
        return None
    try:
        return lxml.html.document_fromstring(page)
    except ValueError:  # a string that declares its encoding (`<?xml ... encoding=...?>`) is parsed as bytes
        return lxml.html.document_fromstring(page.encode("utf-8"), parser=_UTF8)
    except lxml.etree.ParserError:
        return None


def _trafilatura(tree: lxml.html.HtmlElement) -> list[str]:
    """trafilatura's paragraphs (headings and list items each one), or [] where it found no article."""
    xml = trafilatura.extract(
        copy.deepcopy(tree),
        output_format="xml",
        favor_precision=True,
        include_comments=False,
        include_tables=True,
        include_images=False,
        include_links=False,
        with_metadata=False,
    )
    if not xml:
        return []
    main = lxml.etree.fromstring(xml.encode("utf-8")).find("main")
    return [] if main is None else _xml_paragraphs(main)


def _xml_paragraphs(element: lxml.etree._Element) -> list[str]:
    """One paragraph per block (paragraph, heading, list item, quote, table row as `cell | cell`); a line
    break (`<lb/>`) starts another, and a list inside a list item is its own paragraphs."""
    paragraphs: list[str] = []
    line = [element.text or ""]

    def flush() -> None:
        text = _SPACE.sub(" ", "".join(line)).strip()
        if text:
            paragraphs.append(text)
        line.clear()

    for child in element:
        if child.tag == "row":
            flush()
            cells = [" ".join(_xml_paragraphs(cell)) for cell in child]
            line.append(" | ".join(cell for cell in cells if cell))
            flush()
        elif child.tag in _BLOCK_TAGS:
            flush()
            paragraphs += _xml_paragraphs(child)
        elif child.tag == "lb":
            flush()
        else:
            line.append("".join(child.itertext()))
        line.append(child.tail or "")
    flush()
    return paragraphs


def readability_text(tree: lxml.html.HtmlElement) -> list[str]:
    """The article as trafilatura's bundled readability finds it, as paragraphs."""
    tree = copy.deepcopy(tree)
    lxml.etree.strip_tags(tree, lxml.etree.Comment, lxml.etree.ProcessingInstruction)  # readability trips on them
    try:
        html = Document(tree).summary()
    except (lxml.etree.LxmlError, ValueError):
        return []
    return _blocks(html)


def _blocks(html: str) -> list[str]:
    """Every text block of `html` (paragraphs, list items, headings), as the capture reader sees them."""
    lines = html_to_capture_text(html).split("\n\n")[1:]  # the first line is the <title>
    return [text for line in lines if (text := _PREFIX.sub("", line).strip())]


def _shingles(paragraphs: list[str]) -> set[tuple[str, ...]]:
    words = _WORD.findall("\n".join(paragraphs).lower())
    return {tuple(words[i : i + 4]) for i in range(len(words) - 3)}


def _length(paragraphs: list[str]) -> int:
    """Text length as distinct 4-word sequences: a page's hidden copies of its text count once."""
    return len(_shingles(paragraphs))


def _other_parts(tree: lxml.html.HtmlElement, found: list[str]) -> list[str]:
    """Prose paragraphs the extractor left out of the page's other containers of its article's kind.

    Sites split a long article over several containers of one kind (the same tag and class, between
    ads), and trafilatura reads only one of them. The kind is that of the elements holding most of its
    paragraphs; a class is required, since unnamed `<div>`s hold anything.
    """
    kept = _shingles(found)
    kinds: dict[tuple[str, str], int] = {}
    for p in tree.iter("p"):
        parent, mine = p.getparent(), _shingles([p.text_content()])
        if parent is not None and parent.get("class") and len(mine & kept) > len(mine) / 2:
            kind = (str(parent.tag), parent.get("class", ""))
            kinds[kind] = kinds.get(kind, 0) + len(mine)
    if not kinds or max(kinds.values()) <= len(kept) / 2:
        return []
    tag, cls = max(kinds, key=lambda kind: kinds[kind])
    more = []
    for holder in (el for el in tree.iter(tag) if el.get("class") == cls and not _in_comments(el)):
        for p in holder.iterchildren("p"):
            text, mine = _SPACE.sub(" ", p.text_content()).strip(), _shingles([p.text_content()])
            if len(text.split()) >= PROSE_WORDS and len(mine & kept) <= len(mine) / 2:
                more.append(text)
    return more


def _in_comments(element: lxml.html.HtmlElement) -> bool:
    """Is `element` inside a reader-comment thread (by its own or an ancestor's class or id)?"""
    for el in (element, *element.iterancestors()):
        if _COMMENTS.search(f"{el.get('class') or ''} {el.get('id') or ''}"):
            return True
    return False


def _left_out(blocks: list[str], found: list[str]) -> list[Dropped]:
    """The page's sentence-like text `blocks` the extractor left out, so `evalkit show` can list what
    might be a lost article paragraph (menus and one-line links are too many to list, and no loss)."""
    kept = _shingles(found)
    dropped = []
    for text in blocks:
        mine = _shingles([text])
        if len(text.split()) >= PROSE_WORDS and len(mine & kept) <= len(mine) / 2:
            dropped.append(Dropped(LEFT_OUT, text))
    return dropped


def _notices(paragraphs: list[str], every_rule: bool = False) -> tuple[list[str], list[Dropped]]:
    """Paywall, sign-in and access notices removed: the thin layer of evalkit's rules on the extractor
    (`every_rule`: all of evalkit's chrome rules, for the page's raw blocks when no extractor read it)."""
    kept: list[str] = []
    dropped: list[Dropped] = []
    for text in paragraphs:
        rule = boilerplate_rule(text)
        if rule is not None and (every_rule or rule in NOTICE_RULES):
            dropped.append(Dropped(rule, text))
        else:
            kept.append(text)
    return kept, dropped
