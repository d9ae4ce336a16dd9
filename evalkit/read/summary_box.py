"""The AI summary box of an HTML page, found by the page's structure rather than by its text.

Flattened to text, a page loses where its summary box ends, and a summary whose end is guessed runs
on into the article, which then "supports" every claim. Here the box is an element: the one carrying
a summary marker (an `aria-label` or `title`, a heading, badge or `<summary>`, a bold lead-in such as
"TL;DR (AI):", or a class or id naming an AI summary) and the smallest container around it that also
holds the summary's content, widened over wrappers that add only the box's chrome. Inside it, chrome
(buttons, feedback prompts, disclaimers, "learn more" links, icons) is dropped by rule and headings
stay headings, so only the summary's own sentences become claims.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from lxml import html as lxml_html

from evalkit.read.article import Dropped
from evalkit.read.boilerplate import BlockKind, box_chrome_rule, is_ai_note, is_summary_end, is_summary_marker

# Real AI summaries run to a few hundred words; a "box" holding more is the page or the article around
# a marker that has no box of its own, so the text rules delimit it instead.
MAX_BOX_WORDS = 400
# A marker is a label: longer text is content that merely mentions a summary.
MAX_MARKER_CHARS = 80

_NEVER_TEXT = frozenset({"script", "style", "noscript", "template", "head", "title", "meta", "link"})
# Controls and media: the box's chrome whatever they say.
_CONTROLS = frozenset(
    {"button", "input", "select", "option", "textarea", "svg", "img", "picture", "video", "audio", "canvas",
     "iframe", "form", "object", "embed"}
)  # fmt: skip
_BLOCK = frozenset(
    {
        "p", "div", "section", "article", "aside", "header", "footer", "main", "ul", "ol", "li", "table", "tr",
        "td", "th", "blockquote", "figure", "figcaption", "dl", "dt", "dd", "pre", "details", "summary", "br",
        "hr", "h1", "h2", "h3", "h4", "h5", "h6", "nav",
    }
)  # fmt: skip
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# Elements that are the page, the article or its navigation, never a summary box.
_NOT_A_BOX = frozenset({"html", "body", "main", "article", "nav", "form"})
_MARKER_ATTRIBUTES = ("aria-label", "title", "aria-description", "alt", "data-title", "data-label")
# Any word that can start a marker, to test only the few elements that might carry one.
_HINT = re.compile(
    r"summar|tl;?\s*dr|takeaway|key\s+points|highlights|overview|in\s+brief|at\s+a\s+glance|zusammen|résumé"
    r"|resum|riepilog|riassun|sintesi|samenvat|要約|要点|まとめ|요약|摘要|总结|總結|概要|重點|重点",
    re.I,
)
_SPACE = re.compile(r"\s+")
_END_RULES = frozenset({"summary end marker", "summary note"})  # lines that end a summary, said after its text
_LABELLED = re.compile(r"^([^:：]{1,60})[:：]\s*(\S.*)$")  # "TL;DR (AI): text" on one line
_CAMEL = re.compile(r"[-_]+|(?<=[a-z])(?=[A-Z])")


@dataclass(frozen=True)
class BoxPart:
    """A heading, paragraph or bullet of the summary, as the text reader's blocks are."""

    kind: BlockKind
    text: str


@dataclass
class SummaryBox:
    """The box's element, the summary it holds, and what of it was chrome."""

    element: lxml_html.HtmlElement
    parts: list[BoxPart]
    dropped: list[Dropped]
    by: str = ""  # what delimited it, for `evalkit show`: '<section aria-label="AI summary"> (...)'

    @property
    def words(self) -> int:
        return sum(len(p.text.split()) for p in self.parts if p.kind != "heading")


@dataclass
class _Marker:
    element: lxml_html.HtmlElement
    how: str  # 'aria-label "AI summary"', 'text "AI Summary"'
    label: str = ""  # the visible marker text ("AI Summary", "TL;DR (AI)"): not summary text


class NoBox(Exception):
    """A marker was found but no element around it is a box: the caller falls back to the text rules."""

    def __init__(self, marker: str) -> None:
        super().__init__(marker)
        self.marker = marker


def find_summary_box(tree: lxml_html.HtmlElement) -> SummaryBox | None:
    """The page's summary box, or None when no element carries a summary marker.

    AI markers are tried first, in document order, then plain ones ("Summary", "Key takeaways"), as the
    text reader does. Raises `NoBox` when markers exist but none sits in a box of its own.
    """
    first_marker = ""
    for fallback in (False, True):
        for marker in _markers(tree, fallback):
            box = _box_around(marker)
            if box is not None:
                return box
            first_marker = first_marker or _describe(marker.element) + f" ({marker.how})"
    if first_marker:
        raise NoBox(first_marker)
    return None


def _markers(tree: lxml_html.HtmlElement, fallback: bool) -> Iterator[_Marker]:
    body = tree.find(".//body")
    for el in (body if body is not None else tree).iter():
        if not isinstance(el.tag, str) or el.tag in _NEVER_TEXT or el.tag == "h1" or _inside_link_or_nav(el):
            continue
        for name in (*_MARKER_ATTRIBUTES, "aria-labelledby"):
            value = _attribute_text(tree, el, name)
            if value and is_summary_marker(value, fallback):
                yield _Marker(el, f'{name} "{value}"')
                break
        else:
            named = next((a for a in ("id", "class") if not fallback and _named_summary(el.get(a) or "")), "")
            if named:
                yield _Marker(el, f'{named} "{el.get(named)}"')
            elif _HINT.search(el.text or "") or any(_HINT.search(c.tail or "") for c in el):
                label = _marker_label(el, fallback)
                if label:
                    yield _Marker(el, f'text "{label}"', label)


def _attribute_text(tree: lxml_html.HtmlElement, el: lxml_html.HtmlElement, name: str) -> str:
    """An attribute's text; for `aria-labelledby`, the text of the elements it names."""
    value = (el.get(name) or "").strip()
    if name != "aria-labelledby" or not value:
        return value
    labels = (tree.get_element_by_id(id, None) for id in value.split())
    return " ".join(_text(label) for label in labels if label is not None)


def _named_summary(names: str) -> bool:
    """Class or id words naming an AI summary ("ai-summary", "aiSummaryBox"): a hint, never required."""
    words = _CAMEL.sub(" ", names).lower().split()
    return any(is_summary_marker(" ".join(words[i : i + 3])) for i in range(len(words)))


def _marker_label(el: lxml_html.HtmlElement, fallback: bool) -> str:
    """The marker `el` shows as a label ("AI Summary"), or as a lead-in to text ("TL;DR (AI): ...")."""
    text = _text(el)
    closes = is_summary_end(text) and not is_ai_note(text)  # "Hide AI summary"; not "Summary generated by AI"
    if len(text) <= MAX_MARKER_CHARS and is_summary_marker(text, fallback) and not closes:
        return text
    label = _LABELLED.match(text)
    if label and not fallback and is_summary_marker(label.group(1)):
        return label.group(1)
    return ""


def _inside_link_or_nav(el: lxml_html.HtmlElement) -> bool:
    """A marker in a link or a menu points elsewhere ("AI summaries" in a site's navigation)."""
    return any(a.tag in ("a", "nav") or a.get("role") == "navigation" for a in (el, *el.iterancestors()))


def _box_around(marker: _Marker) -> SummaryBox | None:
    """The smallest element holding the marker and summary text, widened over chrome-only wrappers."""
    box = marker.element
    while True:
        if box.tag in _NOT_A_BOX or box.find(".//h1") is not None:
            return None
        found = _read(box, marker)
        if found is None:
            return None
        if any(p.kind != "heading" for p in found.parts):
            break
        box = box.getparent()
        if box is None:
            return None
    if found.words > MAX_BOX_WORDS:
        return None
    while (parent := box.getparent()) is not None and parent.tag not in _NOT_A_BOX:
        around = _read(parent, marker, skip=box)
        if around is None or around.parts or parent.find(".//h1") is not None:
            break  # the wrapper holds text of its own: the article's container, or the page
        found.dropped.extend(around.dropped)
        box = parent
    found.element = box
    found.by = _describe(box) + ("" if box is marker.element else f" around {_describe(marker.element)}")
    found.by += f" ({marker.how})"
    return found


def _describe(el: lxml_html.HtmlElement) -> str:
    """`<section aria-label="AI summary">`: the tag and the attribute that best names it."""
    for name in ("aria-label", "title", "id", "class", "role"):
        if el.get(name):
            return f'<{el.tag} {name}="{_SPACE.sub(" ", el.get(name)).strip()[:60]}">'
    return f"<{el.tag}>"


def _read(
    box: lxml_html.HtmlElement, marker: _Marker, skip: lxml_html.HtmlElement | None = None
) -> SummaryBox | None:
    """The summary parts of `box` (without `skip`), its markers and chrome dropped with their rules; None
    where text follows a line that ends the summary, so the element holds more than the box."""
    lines: list[tuple[BlockKind, str]] = []
    controls: list[str] = []
    _flatten(box, "paragraph", lines, [], controls, marker, skip)
    dropped = [Dropped("box control", text) for text in controls]
    if marker.label and skip is None:
        dropped.insert(0, Dropped("summary marker", marker.label))
    parts: list[BoxPart] = []
    ended = False
    for kind, text in lines:
        said = any(p.kind != "heading" for p in parts)
        if not re.search(r"\w", text):
            dropped.append(Dropped("icon", text))
        elif not said and len(text) <= MAX_MARKER_CHARS and is_summary_marker(text):
            dropped.append(Dropped("summary marker", text))  # a visible "AI Summary" under an aria-label
        elif rule := box_chrome_rule(text):
            dropped.append(Dropped(rule, text))
            ended = ended or (said and rule in _END_RULES)
        elif ended:
            return None  # text after the summary's end line ("End of summary"): the element is more than a box
        else:
            parts.append(BoxPart(kind, text))
    return SummaryBox(box, parts, dropped)


def _flatten(
    el: lxml_html.HtmlElement,
    kind: BlockKind,
    lines: list[tuple[BlockKind, str]],
    buffer: list[str],
    controls: list[str],
    marker: _Marker,
    skip: lxml_html.HtmlElement | None,
) -> None:
    """Append `el`'s text to `lines` one block at a time; controls' text goes to `controls`."""
    tag = el.tag if isinstance(el.tag, str) else ""
    if el is skip or tag in _NEVER_TEXT or not tag:
        pass
    elif tag in _CONTROLS or el.get("role") in ("button", "img") or el.get("aria-hidden") == "true":
        if text := _text(el):
            controls.append(text)
    elif marker.label and el is marker.element:
        full = _text(el)
        if full != marker.label:  # a lead-in: the text after "TL;DR (AI):" is the summary's
            _flush(kind, lines, buffer)
            lines.append((kind, full[len(marker.label) :].lstrip(" :：")))
    else:
        block = tag in _BLOCK
        if block:
            _flush(kind, lines, buffer)
            kind = "heading" if tag in _HEADINGS else "bullet" if tag == "li" else kind
        buffer.append(el.text or "")
        for child in el:
            _flatten(child, kind, lines, buffer, controls, marker, skip)
        if block:
            _flush(kind, lines, buffer)
    buffer.append(el.tail or "")


def _flush(kind: BlockKind, lines: list[tuple[BlockKind, str]], buffer: list[str]) -> None:
    text = _SPACE.sub(" ", "".join(buffer)).strip()
    buffer.clear()
    if text:
        lines.append((kind, text))


def _text(el: lxml_html.HtmlElement) -> str:
    return _SPACE.sub(" ", el.text_content()).strip()
