"""Reading inputs: captured pages with an embedded AI summary, and JSONL (document, summary) pairs.

A capture is plain text copied from a page: a title line, a summary marker ("AI Summary"), the
summary (headings, paragraphs, bullets), then the article body wrapped in page chrome. The reader
keeps headings apart from the text that makes claims and drops chrome by the rules in
`boilerplate`, recording what it dropped so a person can check it (`evalkit show`).
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from evalkit.errors import EvalkitWarning, InputError
from evalkit.read.article import LEFT_OUT, Article, Dropped, page_tree, read_article
from evalkit.read.boilerplate import (
    INLINE_RULES,
    MAX_BOILERPLATE_WORDS,
    BlockKind,
    boilerplate_rule,
    is_ai_note,
    is_summary_end,
    is_summary_marker,
    is_title_like,
    reads_as_claim,
)
from evalkit.read.page_html import html_to_capture_text, looks_like_html
from evalkit.read.summary_box import BoxPart, NoBox, find_summary_box
from evalkit.text import clean, identifier, printable

if TYPE_CHECKING:
    import lxml.html

# A page capture is a few hundred KB at most; anything far larger is not a capture.
MAX_CAPTURE_BYTES = 5_000_000
# One JSONL line (one document and its summary).
MAX_LINE_BYTES = 5_000_000
# A document this long (about 16,000 words) and this many times its summary's length is far past what
# the summary can cover: it gets a warning naming it, as its scoring takes minutes per MB.
LONG_DOCUMENT_CHARS = 100_000
LONG_DOCUMENT_RATIO = 100
# A trailing paragraph shorter than this after page chrome has started is chrome too.
TAIL_CHROME_WORDS = 30
# Dropping more words than this, and more than were kept, gets a warning: the reader may have cut the article.
LOST_ARTICLE_WORDS = 100

# Never fail open (`_reads_like_article`). Set a priori, not fitted to any benchmark: a summary is a
# fraction of its article, so one at least as long (of some length) is the article itself; more than
# half as long is suspect; two copied sentences making half the summary are a copy, not quotes.
MIN_SUSPECT_WORDS = 60
LONG_SUMMARY_SHARE = 0.5
MIN_SHARED_SENTENCES = 2
MIN_SENTENCE_WORDS = 6
# A box this long (in words) is checked against the article of the page before the cut: AI summaries run
# to a hundred words or so, and the check costs a second article read.
LONG_BOX_WORDS = 150
_SENTENCE = re.compile(r"(?<=[.!?])\s+|(?<=[。！？])")
_WORD = re.compile(r"\w+")

SHORT_HEADING_WORDS = 6  # a title-like line this short is a heading even with no blank line around it
_LABELLED = re.compile(r"^([^:]{1,60}):\s*(\S.*)$")  # "Summary: text" on one line
_SENTENCE_END = re.compile(r"[.!?:\"”’)]$")
_BULLET = re.compile(r"^\s*(?:[•●▪◦‣∙·*+–—▸►➤→✓✔■□○-]|\d{1,2}[.)])\s+")
_SPACE = re.compile(r"\s+")
_HEADING_MARKUP = re.compile(r"^\s*#{1,6}\s+|^\s*\*\*(.+)\*\*\s*$")


@dataclass(frozen=True)
class Block:
    """One piece of the summary, with its place in `Capture.summary`."""

    kind: BlockKind
    text: str
    section: str  # the heading it sits under ("" before any heading)
    start: int
    end: int


@dataclass(frozen=True)
class Capture:
    """A summary and the article it claims to summarise, ready to score."""

    title: str
    summary: str
    summary_blocks: tuple[Block, ...]
    body_paragraphs: tuple[str, ...]
    source: str
    dropped: tuple[Dropped, ...] = field(default=())
    # Summary lines a chrome rule matches that were kept as claims (bullets, whole sentences).
    kept: tuple[Dropped, ...] = field(default=())
    # How the summary was delimited ("marker line 'AI Summary'; ends at: end marker 'End of summary'")
    # and what read the article ("text rules", "trafilatura (precision)"), for `evalkit show`.
    summary_by: str = ""
    article_by: str = ""
    # What the reader could not settle and the user should check (an extractor's fallback, a cut article).
    warnings: tuple[str, ...] = field(default=())

    @property
    def body(self) -> str:
        return "\n\n".join(self.body_paragraphs)


@dataclass
class _Item:
    kind: BlockKind
    text: str
    blanks_before: int
    lines: list[str] = field(default_factory=list)  # while grouping; `text` is their join afterwards
    words: int = 0


def decode(data: bytes, source: str) -> str:
    """The bytes as UTF-8 text, as they are: `text.clean` normalises once the syntax has been parsed."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(source, f"is not valid UTF-8 (bad byte at offset {exc.start}); save it as UTF-8") from None


def _items(lines: list[str]) -> list[_Item]:
    """Group lines into paragraphs and bullets; hard-wrapped lines are joined, page chrome is not.

    Pages often stack chrome on consecutive lines ("By Jane Doe" over "Updated March 3"), so a line
    is joined only when neither it nor the paragraph so far reads as chrome on its own; a wrapped
    article line that merely resembles chrome still joins when the paragraph has not ended a sentence.
    """
    items: list[_Item] = []
    blanks = 0
    current: _Item | None = None
    for line in lines:
        if not line.strip():
            blanks += 1
            current = None
            continue
        if _BULLET.match(line):
            current = _Item("bullet", "", blanks)
            items.append(current)
            line = _BULLET.sub("", line, count=1)
        elif current is None or _starts_new_item(current, line.strip()):
            current = _Item("paragraph", "", blanks)
            items.append(current)
        current.lines.append(line.strip())
        current.words += len(line.split())
        blanks = 0
    for item in items:
        item.text = " ".join(item.lines)
        if item.kind == "paragraph" and _is_heading(item.text):
            item.kind = "heading"
            item.text = _HEADING_MARKUP.sub(lambda m: m.group(1) or "", item.text).strip()
    return items


def _starts_new_item(item: _Item, line: str) -> bool:
    """Should `line` begin an item of its own rather than continue `item` (no blank line between)?"""
    if is_summary_end(line) or _HEADING_MARKUP.match(line):
        return True
    # Chrome and headings are short, so a long paragraph is neither and is never re-joined to check:
    # a hard-wrapped page stays linear in its length.
    paragraph = " ".join(item.lines) if item.words <= MAX_BOILERPLATE_WORDS else None
    heading = paragraph is not None and _short_heading(paragraph)
    if (paragraph is not None and boilerplate_rule(paragraph)) or (heading and line[:1].isupper()):
        return True  # chrome stands alone; "Key findings" sits directly over its first paragraph
    # After a finished sentence, a short title-like line is a heading and a chrome line is chrome; a
    # hard-wrapped article line in mid-sentence is neither.
    ended = _SENTENCE_END.search(item.lines[-1]) is not None or heading
    return ended and (_short_heading(line) or boilerplate_rule(line) is not None)


def _short_heading(text: str) -> bool:
    return _HEADING_MARKUP.match(text) is not None or (_is_heading(text) and len(text.split()) <= SHORT_HEADING_WORDS)


def _is_heading(text: str) -> bool:
    return _HEADING_MARKUP.match(text) is not None or is_title_like(text)


def _blocks(items: list[_Item]) -> tuple[str, tuple[Block, ...]]:
    """The summary text as one string, and its blocks with offsets into it."""
    parts: list[str] = []
    blocks: list[Block] = []
    section = ""
    offset = 0
    for item in items:
        prefix = "• " if item.kind == "bullet" else ""
        if item.kind == "heading":
            section = item.text
        start = offset + len(prefix)
        blocks.append(Block(item.kind, item.text, section, start, start + len(item.text)))
        parts.append(prefix + item.text)
        offset += len(prefix) + len(item.text) + 1
    return "\n".join(parts), tuple(blocks)


def _split_summary(
    items: list[_Item], source: str, inline: bool = False
) -> tuple[list[_Item], list[_Item], list[Dropped], str]:
    """Where the summary ends: an end marker, the first chrome paragraph, a double blank line, the
    first paragraph after a list of bullets, or (for a summary written on its marker line) a blank line.
    Returns the summary, the rest, what was dropped, and which of these ended the summary.

    Only a line shaped like chrome ends it: a bullet, or a sentence of `boilerplate.CLAIM_WORDS` words or more, is
    summary text even when a chrome rule matches it ("... could unlock the full potential of AI."), so
    a claim after it can never slip into the article unchecked (`Capture.kept` notes such lines).

    A note that the summary is machine-written, above any summary text ("Generated by AI" right under
    the heading), is dropped rather than taken for the summary's end.
    """
    start = next((i for i, it in enumerate(items) if it.kind != "heading" and not is_ai_note(it.text)), len(items))
    dropped = [Dropped("summary note", it.text) for it in items[:start] if is_ai_note(it.text)]
    items = [it for it in items[:start] if not is_ai_note(it.text)] + items[start:]
    for i, item in enumerate(items):
        if is_summary_end(item.text):
            end = f"end marker {_quote(item.text)}"
            return items[:i], items[i + 1 :], [*dropped, Dropped("summary end marker", item.text)], end
        rule = boilerplate_rule(item.text)
        if rule and item.kind != "bullet" and not reads_as_claim(item.text):
            return items[:i], items[i:], dropped, f"chrome line {_quote(item.text)} ({rule})"
    for i, item in enumerate(items[1:], start=1):
        if item.blanks_before >= 2 and any(it.kind != "heading" for it in items[:i]):
            return items[:i], items[i:], dropped, "a double blank line"
    bullets = [i for i, item in enumerate(items) if item.kind == "bullet"]
    if bullets and all(item.kind == "heading" for item in items[: bullets[0]]):
        after = next((i for i in range(bullets[0], len(items)) if items[i].kind == "paragraph"), None)
        if after is not None:
            return items[:after], items[after:], dropped, "the first paragraph after the bullets"
    if inline and len(items) > 1:
        return items[:1], items[1:], dropped, "the end of the marker line"
    raise InputError(
        source,
        "cannot tell where the AI summary ends and the article begins; put a line such as "
        "'End of summary' or '---' after the summary",
    )


# How `_split_summary` names the ends that a line of the page marks (the others follow from layout).
_DEFINITE_ENDS = ("end marker", "chrome line")


def _quote(text: str, limit: int = 60) -> str:
    """A line as `evalkit show` names it: quoted, cut to `limit` characters."""
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def _clean_body(items: list[_Item]) -> tuple[list[str], list[Dropped]]:
    """Article paragraphs with chrome removed; short paragraphs in the page's tail are chrome too.

    The tail starts at the first footer-like chrome paragraph after the article's text has started
    (its first whole sentence), so header links above the article ("Accessibility Help", "Login",
    "Subscribe") never start it; and never before the last paragraph that reads as article text
    (`TAIL_CHROME_WORDS` words or more): short paragraphs between them are the article's, so chrome
    in mid-page cannot swallow the rest of it.
    """
    rules = [boilerplate_rule(item.text) for item in items]
    prose = (i for i, rule in enumerate(rules) if rule is None and reads_as_claim(items[i].text))
    first = next(prose, next((i for i, rule in enumerate(rules) if rule is None), len(items)))
    footer = next((i for i in range(first + 1, len(items)) if rules[i] and rules[i] not in INLINE_RULES), len(items))
    long = [i for i, rule in enumerate(rules) if rule is None and len(items[i].text.split()) >= TAIL_CHROME_WORDS]
    tail = max(footer + 1, long[-1] + 1 if long else 0)
    kept: list[str] = []
    dropped: list[Dropped] = []
    seen: set[str] = set()
    for i, (item, rule) in enumerate(zip(items, rules, strict=True)):
        if rule is None and i >= tail and len(item.text.split()) < TAIL_CHROME_WORDS:
            rule = "trailing page chrome"
        if rule is not None:
            dropped.append(Dropped(rule, item.text))
        elif item.text in seen:
            dropped.append(Dropped("repeated paragraph", item.text))
        else:
            seen.add(item.text)
            kept.append(item.text)
    return kept, dropped


def _find_marker(lines: list[str], fallback: bool) -> tuple[int, str] | None:
    """The marker line's index and any summary text written on it ("TL;DR (AI): The council ...")."""
    for i, line in enumerate(lines):
        label = _LABELLED.match(line.strip())
        if label and is_summary_marker(label.group(1), fallback):
            return i, label.group(2)
        if is_summary_marker(line, fallback):
            return i, ""
    return None


@dataclass(frozen=True)
class _Summary:
    """The summary part of a capture's text, and what follows it."""

    title: str
    marker: str
    items: list[_Item]
    rest: list[_Item]
    dropped: list[Dropped]
    found_by: str
    definite: bool = True  # ended by a line that says so (an end marker, chrome), not by layout alone


def _read_summary(text: str, source: str) -> _Summary:
    """Title, summary and the text after it; raises `InputError` saying what is missing."""
    text = clean(text, source)
    if not text.strip():
        raise InputError(source, "is empty")
    lines = text.split("\n")
    found = _find_marker(lines, fallback=False) or _find_marker(lines, fallback=True)
    if found is None:
        raise InputError(
            source, "has no AI summary marker line (a line such as 'AI Summary' or 'Summarized by AI' above it)"
        )
    marker, inline = found
    title = next((line.strip() for line in lines[:marker] if line.strip()), "")
    after = ([inline] if inline else []) + lines[marker + 1 :]
    items, rest, dropped, end = _split_summary(_items(after), source, inline=bool(inline))
    if not any(item.kind != "heading" for item in items):
        raise InputError(source, "the AI summary has no claims (it is empty or only headings)")
    found_by = f"marker line {_quote(lines[marker].strip())}; ends at: {end}"
    return _Summary(
        title, lines[marker].strip(), items, rest, dropped, found_by, end.startswith(_DEFINITE_ENDS)
    )


def _capture(
    summary: _Summary, body: list[str], dropped: list[Dropped], source: str, article_by: str, notes: tuple[str, ...]
) -> Capture:
    """The capture of a summary and a body; warns with each of `notes`, and where most of the article
    was dropped as chrome."""
    if not body:
        raise InputError(source, "has no article body after the summary (only page chrome or nothing)")
    notes = (*notes, *_reads_like_article(summary.items, body, source, summary.found_by))
    text, blocks = _blocks(summary.items)
    kept = tuple(Dropped(rule, it.text) for it in summary.items if (rule := boilerplate_rule(it.text)))
    _warn_if_long(source, text, body)
    # What the extractor left out of a saved page is the page around the article, not a cut into it.
    lost = sum(len(d.text.split()) for d in dropped if d.rule != LEFT_OUT)
    if lost >= LOST_ARTICLE_WORDS and lost > sum(len(p.split()) for p in body):
        note = (
            f"{source}: most of the article ({lost} words) was dropped as page chrome; "
            "`evalkit show` lists every dropped paragraph"
        )
        notes = (*notes, note)
    for note in notes:  # an extractor's fallback, a cut article: said wherever the capture is read
        warnings.warn(note, EvalkitWarning, stacklevel=3)
    return Capture(
        summary.title,
        text,
        blocks,
        tuple(body),
        source,
        tuple(summary.dropped + dropped),
        kept,
        summary_by=summary.found_by,
        article_by=article_by,
        warnings=notes,
    )


def _reads_like_article(items: list[_Item], body: list[str], source: str, found_by: str) -> tuple[str, ...]:
    """Never fail open: a "summary" as long as its article is the article read as the summary (an error);
    one long beside it, or repeating its sentences word for word, is said (the notes returned, which
    `_capture` warns with, naming the capture).

    An article read as the summary makes every claim "supported", so the capture would pass whatever
    its real summary says. A summary may quote a sentence or two; most of its sentences, it may not.
    """
    said = [it.text for it in items if it.kind != "heading"]
    words, article = sum(len(t.split()) for t in said), sum(len(p.split()) for p in body)
    if words >= MIN_SUSPECT_WORDS and words >= article:
        raise InputError(
            source,
            f"the AI summary ({words} words) is as long as the article ({article} words): the article was "
            f"probably read as the summary (delimited by {found_by}); mark the summary's end or its box",
        )
    notes = []
    if words >= MIN_SUSPECT_WORDS and words > LONG_SUMMARY_SHARE * article:
        notes.append(
            f"{source}: the AI summary ({words} words) is long beside the article ({article} words); "
            "check with `evalkit show` that it is the summary alone"
        )
    sentences = [s for t in said for s in _sentences(t)]
    shared = len(set(sentences) & {s for p in body for s in _sentences(p)})
    if shared >= MIN_SHARED_SENTENCES and shared * 2 >= len(sentences):
        notes.append(
            f"{source}: {shared} of the AI summary's {len(sentences)} sentences are the article's own, word for "
            "word; check with `evalkit show` that the article was not read as the summary"
        )
    return tuple(notes)


def _sentences(text: str) -> list[str]:
    """`text`'s sentences as lower-case words, long enough that a match is a copy, not a phrase."""
    found = (" ".join(_WORD.findall(s.lower())) for s in _SENTENCE.split(text))
    return [s for s in found if s.count(" ") + 1 >= MIN_SENTENCE_WORDS]


def parse_capture(text: str, source: str) -> Capture:
    """Parse the text of a captured page; raises `InputError` saying what is missing."""
    summary = _read_summary(text, source)
    body, dropped = _clean_body(summary.rest)
    return _capture(summary, body, dropped, source, "text rules", ())


def parse_html_capture(html: str, source: str) -> Capture:
    """Parse a saved HTML page: the summary box found in the page's structure and cut out of it, the
    article read by `read_article` from what is left.

    Where a marker sits in no box of its own (a heading among the article's paragraphs), the text rules
    delimit the summary, but only when a line ends it for certain (an end marker or a chrome line); the
    article is then read from the whole page, less the summary's paragraphs.
    """
    tree = page_tree(html)
    if tree is None:
        raise InputError(source, "is not an HTML page evalkit can parse")
    try:
        box = find_summary_box(tree)
    except NoBox as exc:
        return _html_by_text_rules(html, tree, source, f"its marker {exc.marker} is in no box element of its own")
    if box is None:
        return _html_by_text_rules(html, tree, source, "no element of the page carries a summary marker")
    if box.words >= LONG_BOX_WORDS:
        _box_is_not_the_article(box.parts, read_article(tree, source), source, box.by)
    box.element.drop_tree()
    article = read_article(tree, source)
    title = clean(_SPACE.sub(" ", tree.findtext(".//title") or "").strip(), source)
    items = [_box_item(part, source) for part in box.parts]
    summary = _Summary(title, "", items, [], box.dropped, box.by)
    body = [text for p in article.paragraphs if (text := clean(p, source))]
    return _capture(summary, body, list(article.dropped), source, article.extractor, article.warnings)


def _box_item(part: BoxPart, source: str) -> _Item:
    """A line of the box as the text reader would have it: a paragraph drawn with a bullet character
    ("• text", "- text") is a bullet, and a short title-like one ("Zusammenfassung") a heading."""
    text = clean(part.text, source)
    if part.kind == "paragraph" and _BULLET.match(text):
        return _Item("bullet", _BULLET.sub("", text, count=1), 0)
    return _Item("heading" if part.kind == "paragraph" and _is_heading(text) else part.kind, text, 0)


def _box_is_not_the_article(parts: list[BoxPart], whole: Article, source: str, found_by: str) -> None:
    """A long box that holds most of what the extractor reads as the uncut page's article is the article's
    container around a marker heading, not a summary box: refused, whatever else the page has left."""
    inside = {s for part in parts for s in _sentences(part.text)}
    article = [s for p in whole.paragraphs for s in _sentences(p)]
    held = sum(s in inside for s in article)
    if article and held * 2 >= len(article):
        raise InputError(
            source,
            f"the AI summary box {found_by} holds the article ({held} of its {len(article)} sentences); "
            "wrap the summary alone in an element, or end it with a line such as 'End of summary'",
        )


def _html_by_text_rules(html: str, tree: lxml.html.HtmlElement, source: str, why: str) -> Capture:
    """The text rules on the flattened page, trusted only where a line ends the summary for certain;
    the article is read from `tree`, the page as already parsed."""
    summary = _read_summary(html_to_capture_text(html), source)
    if not summary.definite:
        raise InputError(
            source,
            f"cannot tell where the AI summary ends: {why} and no line ends it; wrap the summary in an "
            "element, or end it with a line such as 'End of summary'",
        )
    article = read_article(tree, source)
    in_summary = {clean(text, source) for text in (summary.marker, *(it.text for it in summary.items))}
    in_summary |= {clean(d.text, source) for d in summary.dropped}
    paragraphs = [(p, clean(p, source)) for p in article.paragraphs]
    body = [text for _, text in paragraphs if text not in in_summary]
    left = [d for d in article.dropped if clean(d.text, source) not in in_summary]
    dropped = [*left, *(Dropped("summary box", p) for p, text in paragraphs if text in in_summary)]
    return _capture(summary, body, dropped, source, article.extractor, article.warnings)


def _read_bytes(path: Path, limit: int) -> bytes:
    name = printable(str(path))
    try:
        size = path.stat().st_size
        if size > limit:
            raise InputError(name, f"is {size / 1e6:.1f} MB; files over {limit / 1e6:.0f} MB are refused")
        return path.read_bytes()
    except OSError as exc:
        raise InputError(name, f"cannot be read ({exc.strerror or exc})") from None


def read_capture(path: str | Path) -> Capture:
    """Read one captured page file: the capture text format, or a saved HTML page."""
    path = Path(path)
    source = printable(str(path))
    text = decode(_read_bytes(path, MAX_CAPTURE_BYTES), source)
    if path.suffix.lower() in (".html", ".htm") or looks_like_html(text):
        return parse_html_capture(text, source)
    return parse_capture(text, source)


def pair_capture(id: str, document: str, summary: str, source: str) -> Capture:
    """A (document, summary) pair as a capture: summary lines are blocks, document lines paragraphs."""
    summary, document = clean(summary, f"{source}: summary"), clean(document, f"{source}: document")
    if not summary.strip():
        raise InputError(source, "summary is empty")
    if not document.strip():
        raise InputError(source, "document is empty")
    blocks: list[Block] = []
    offset = 0
    for line in summary.split("\n"):
        stripped = line.strip()
        if stripped:
            start = summary.index(stripped, offset)
            bullet = _BULLET.match(stripped)
            text = _BULLET.sub("", stripped, count=1) if bullet else stripped
            start += len(stripped) - len(text)
            blocks.append(Block("bullet" if bullet else "paragraph", text, "", start, start + len(text)))
        offset += len(line) + 1
    paragraphs = tuple(p.strip() for p in re.split(r"\n\s*\n|\n", document) if p.strip())
    _warn_if_long(source, summary, paragraphs)
    return Capture(
        "",
        summary,
        tuple(blocks),
        paragraphs,
        id,
        summary_by="the pair's summary field",
        article_by="the pair's document field",
    )


def _warn_if_long(source: str, summary: str, body: tuple[str, ...] | list[str]) -> None:
    """Warn, naming the document, when it is far longer than its summary could cover (a whole book
    pasted for a news summary, say): it is still judged, whole, but the user should know why it is slow."""
    length = sum(map(len, body))
    if length >= LONG_DOCUMENT_CHARS and length >= LONG_DOCUMENT_RATIO * len(summary):
        warnings.warn(
            f"{source}: the document is {length:,} characters, {length // max(len(summary), 1):,} times its "
            "summary: far past what a summary of it can cover (it is still judged whole, slowly)",
            EvalkitWarning,
            stacklevel=3,
        )


def read_pairs(path: str | Path) -> Iterator[tuple[str, Capture | InputError]]:
    """(id, capture) for each line of a JSONL file, or (id, the error that line has): never skipped.

    The id is the row's own `id` where the line has one, else `path:line`, so an error record still
    lines up with the row it belongs to.
    """
    path = Path(path)
    name = printable(str(path))
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise InputError(name, f"cannot be read ({exc.strerror or exc})") from None
    with handle:
        for number, raw in enumerate(handle, start=1):
            if raw.strip():
                yield _pair(raw, f"{name}:{number}")


def _pair(raw: bytes, where: str) -> tuple[str, Capture | InputError]:
    """One JSONL line as (id, capture), or (id, its error): whatever the line holds, never an exception."""
    if len(raw) > MAX_LINE_BYTES:
        return where, InputError(where, f"line is {len(raw) / 1e6:.1f} MB; lines over 5 MB are refused")
    try:
        row = json.loads(decode(raw, where))
        if not isinstance(row, dict):
            return where, InputError(where, "is not a JSON object")
        id = _row_id(row.get("id"), where)
    except InputError as exc:
        return where, exc
    except json.JSONDecodeError as exc:
        return where, InputError(where, f"is not valid JSON ({exc.msg} at column {exc.colno})")
    except (ValueError, RecursionError) as exc:  # a number too long to convert, or nesting too deep
        return where, InputError(where, f"is not JSON evalkit can read ({type(exc).__name__}: {str(exc)[:80]})")
    missing = [k for k in ("document", "summary") if not isinstance(row.get(k), str)]
    if missing:
        return id, InputError(where, f"needs string field(s) {', '.join(missing)} (id {id})")
    try:
        return id, pair_capture(id, row["document"], row["summary"], where)
    except InputError as exc:
        return id, exc


def _row_id(value: object, where: str) -> str:
    """A row's id as text: a string as it is, any other JSON value as its JSON text, none as `where`."""
    if value is None:
        return where
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return identifier(text, f"{where}: id")
