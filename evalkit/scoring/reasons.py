"""Why a claim may not be supported, in the claim's own words, whatever judge scored it.

Three lists: the names and numbers the claim states that the article never mentions (`support`'s `novel`
signal, which the lexical judge also scores), the framing phrases it adds that the article does not carry
("editorial": "raises questions about"; `evalkit.prepare.editorial`), and the claim's content words missing from
the passage its verdict rests on (all its passages, for a judge that reads them together). The report
marks them inside the claim text and the terminal lists them, so a reader sees at once that "eleven" in
"executing eleven surrendering soldiers" is the word to check.
"""

from __future__ import annotations

from dataclasses import dataclass

from evalkit.prepare.editorial import editorial
from evalkit.prepare.support import WORD, ArticleIndex, content_words, novel_mentions, stop_words
from evalkit.prepare.tokens import tokens

KINDS = {"novel": "not in the article", "editorial": "editorial", "missing": "not in the deciding passage"}
PHRASES = ("editorial",)  # kinds that list phrases, marked as a whole; the others list single words


def explain(claim: str, passage: str, article: ArticleIndex) -> dict[str, list[str]]:
    """`{"novel": [...], "editorial": [...], "missing": [...]}` for one claim, each entry once, in claim order."""
    novel = list(dict.fromkeys(novel_mentions(claim, article)))
    framed = list(dict.fromkeys(editorial(claim, article.sentences)))
    in_passage = set(tokens(passage))
    stop = stop_words()  # checked on the word too: stemming hides some ("this" -> "thi")
    missing = [
        word
        for word in dict.fromkeys(WORD.findall(claim))
        if word not in novel
        and word.lower() not in stop
        and (stems := content_words(word))
        and not any(s in in_passage for s in stems)
    ]
    return {"novel": novel, "editorial": framed, "missing": missing}


@dataclass(frozen=True)
class Piece:
    """A run of claim text; `kind` names the reason it is marked for (None: plain text)."""

    text: str
    kind: str | None = None


def pieces(claim: str, reasons: dict[str, list[str]]) -> tuple[Piece, ...]:
    """The claim cut into plain runs and the phrases and words its reasons list, every character kept once;
    a word inside a marked phrase is not marked again."""
    spans = [
        (at, at + len(phrase), kind)
        for kind in PHRASES
        for phrase in reasons.get(kind, ())
        if (at := claim.find(phrase)) >= 0
    ]
    kind_of = {word: kind for kind in KINDS if kind not in PHRASES for word in reasons.get(kind, ())}
    for found in WORD.finditer(claim):
        kind = kind_of.get(found.group())
        if kind is not None and not any(s < found.end() and found.start() < e for s, e, _ in spans):
            spans.append((found.start(), found.end(), kind))
    out: list[Piece] = []
    cursor = 0
    for start, end, kind in sorted(spans):
        if start < cursor:  # a phrase listed twice, or overlapping another
            continue
        if start > cursor:
            out.append(Piece(claim[cursor:start]))
        out.append(Piece(claim[start:end], kind))
        cursor = end
    if cursor < len(claim):
        out.append(Piece(claim[cursor:]))
    return tuple(out)


def summary(reasons: dict[str, list[str]]) -> str:
    """One line for the terminal: 'not in the article: eleven; not in the deciding passage: Kursk'."""
    return "; ".join(f"{label}: {', '.join(reasons[k])}" for k, label in KINDS.items() if reasons.get(k))
