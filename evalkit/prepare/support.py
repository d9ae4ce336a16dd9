"""Claim verdicts: is each claim supported by the article, weakly supported, or unsupported?

A claim is judged from several signals, combined by a logistic model whose coefficients and
thresholds ship in `data/support_model.json` (fitted by `training/fit_support.py` on the dev rows
whose licenses allow it):

* `sim`: embedding cosine of the claim to its best article sentence or 2-sentence window;
* `coverage`: share of the claim's content words found in its best evidence passages;
* `doc_coverage`: share of them found anywhere in the article;
* `bigram`: share of the claim's word pairs found in the evidence passages;
* `novel`: names and numbers the claim states that the article never mentions, the strongest sign
  of an invented claim ("two" = "2", "U.N." = "UN" = "United Nations"). A word form is no new name or
  number: "Chinese" = "China's" (`data/name_forms.txt`), "Americans" = "American", "six" = "sixth" = "6th";
* `editorial`: 1 if the claim frames what it reports in words no sentence of the article carries
  ("raises questions about", "signals a shift": `evalkit.prepare.editorial`). The lexical model predates it and reads
  `FEATURES` only; the bundled judge's head reads it.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

from evalkit.prepare.editorial import editorial, sentence_stems
from evalkit.prepare.passages import Match
from evalkit.prepare.tokens import tokens

FEATURES = ("sim", "coverage", "doc_coverage", "bigram", "novel")  # what the lexical model reads
SIGNALS = (*FEATURES, "editorial")  # what `signals` returns
NOVEL_CAP = 3  # beyond three invented names/numbers the claim is plainly unsupported

_NUMBER_WORDS = {
    w: str(i)
    for i, w in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
            "twenty",
        ]
    )
} | {
    "thirty": "30",
    "forty": "40",
    "fifty": "50",
    "sixty": "60",
    "seventy": "70",
    "eighty": "80",
    "ninety": "90",
    "hundred": "100",
    "thousand": "1000",
    "million": "million",
    "billion": "billion",
    "dozen": "12",
    "half": "half",
    "once": "1",
    "twice": "2",
    "single": "1",
    "pair": "2",
    "couple": "2",
}
_ORDINAL_WORDS = {
    w: str(i)
    for i, w in enumerate(
        [
            "first",
            "second",
            "third",
            "fourth",
            "fifth",
            "sixth",
            "seventh",
            "eighth",
            "ninth",
            "tenth",
            "eleventh",
            "twelfth",
            "thirteenth",
            "fourteenth",
            "fifteenth",
            "sixteenth",
            "seventeenth",
            "eighteenth",
            "nineteenth",
            "twentieth",
        ],
        1,
    )
} | {"thirtieth": "30", "fortieth": "40", "fiftieth": "50", "hundredth": "100", "thousandth": "1000"}
_NUMBER_AND_ORDINAL_WORDS = _NUMBER_WORDS | _ORDINAL_WORDS  # the units of "twenty-one" and "twenty-first"
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
WORD = re.compile(r"[A-Za-z][A-Za-z.'’&-]*[A-Za-z]|[A-Za-z]|\$?\d[\d,.]*%?")
_JOINERS = {"of", "the", "for", "and", "de", "du", "van", "von", "&"}


@dataclass(frozen=True)
class SupportModel:
    """Logistic weights over `FEATURES`, and the verdict bands on its probability."""

    weights: dict[str, float]
    bias: float
    threshold: float  # below: unsupported
    supported_at: float  # at or above: supported; between the two: weak
    provenance: dict

    def logit(self, signals: dict[str, float]) -> float:
        """The model's log-odds of support (the bundled judge's head can read it)."""
        return self.bias + sum(self.weights[f] * signals[f] for f in FEATURES)

    def score(self, signals: dict[str, float]) -> float:
        return 1.0 / (1.0 + math.exp(-self.logit(signals)))


@cache
def shipped_model() -> SupportModel:
    data = json.loads(resources.files("evalkit").joinpath("data/support_model.json").read_text("utf-8"))
    return SupportModel(
        data["weights"], data["bias"], data["threshold"], data["supported_at"], data.get("provenance", {})
    )


@cache
def stop_words() -> frozenset[str]:
    """scikit-learn's English stop words, imported on first use: importing sklearn takes seconds."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS)


def _norm(word: str) -> str:
    return word.lower().replace(".", "").replace("’", "'").removesuffix("'s")


@cache
def name_forms() -> dict[str, str]:
    """Each listed form of a place or people (`data/name_forms.txt`) -> the first form of its line."""
    text = resources.files("evalkit").joinpath("data/name_forms.txt").read_text("utf-8")
    groups = (line.split("#", 1)[0].split() for line in text.splitlines())
    return {_norm(form): group[0] for group in groups if group for form in group}


def name_form(normed: str) -> str:
    """What a (`_norm`ed) name word names, whatever its form: possessive and plural folded ("Smiths'" ->
    "smith"), a demonym or adjective to its place ("chinese" -> "china"). Applied to the article's words
    and the claim's alike, so an over-eager fold ("paris" -> "pari") folds both sides the same way."""
    word = normed.rstrip("'")
    forms = name_forms()
    if word in forms:
        return forms[word]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-3] + "y" if word.endswith("ies") else word[:-1]
    return forms.get(word, word)


def _number(word: str, ordinal: bool = False) -> str | None:
    """Canonical form of a numeric token ("2", "2.0", "two", "twenty-one" -> "21"; "$1,000" -> "1000").

    With `ordinal`, ordinal words count too ("sixth" -> "6"): an article that says "sixth" mentions six.
    A claim's own ordinal words are not read as numbers ("first", "second" are mostly not counts)."""
    lowered = word.lower()
    if lowered in _NUMBER_WORDS:
        return _NUMBER_WORDS[lowered]
    if ordinal and lowered in _ORDINAL_WORDS:
        return _ORDINAL_WORDS[lowered]
    tens, _, unit = lowered.partition("-")
    units = _NUMBER_AND_ORDINAL_WORDS if ordinal else _NUMBER_WORDS
    if tens in _TENS and units.get(unit, "").isdigit() and int(units[unit]) < 10:
        return str(_TENS[tens] + int(units[unit]))
    digits = word.strip("$%").replace(",", "")
    if not digits or not digits[0].isdigit():
        return None
    try:
        value = float(digits.rstrip("."))
    except ValueError:
        return digits
    return f"{value:g}"


@dataclass(frozen=True)
class ArticleIndex:
    """What the article mentions, built once per article and shared by all its claims."""

    words: frozenset[str]
    numbers: frozenset[str]
    content: frozenset[str]
    sentences: tuple[frozenset[str], ...] = ()  # each sentence's stems, for `editorial`
    forms: frozenset[str] = frozenset()  # `name_form` of each word: what the article names, whatever the form


@lru_cache(maxsize=256)  # many summaries share one article
def index_article(text: str) -> ArticleIndex:
    words = WORD.findall(text)
    normed = {_norm(w) for w in words}
    numbers = {n for w in words if (n := _number(w, ordinal=True)) is not None}
    acronyms = {"".join(w[0].lower() for w in phrase) for phrase in _name_phrases(words) if len(phrase) > 1}
    known = normed | acronyms
    forms = frozenset(name_form(w) for w in known)
    return ArticleIndex(frozenset(known), frozenset(numbers), frozenset(tokens(text)), sentence_stems(text), forms)


def _name_phrases(words: list[str]) -> list[list[str]]:
    """Runs of capitalised words ("Centre for Information Resilience"), sentence starts excluded."""
    phrases: list[list[str]] = []
    current: list[str] = []
    for i, word in enumerate(words):
        capital = word[0].isupper() and (i > 0 and not words[i - 1].endswith(".") or "." in word or word.isupper())
        if capital or current and word.lower() in _JOINERS and i + 1 < len(words) and words[i + 1][0].isupper():
            current.append(word)
        elif current:
            phrases.append(current)
            current = []
    if current:
        phrases.append(current)
    kept = ([w for w in p if w.lower() not in _JOINERS] for p in phrases)
    return [p for p in kept if p]


def novel_mentions(claim: str, article: ArticleIndex) -> list[str]:
    """Names and numbers in the claim that the article never mentions."""
    words = WORD.findall(claim)
    novel = [
        w
        for w in words
        if (n := _number(w)) is not None
        and n not in article.numbers
        and not (w.lower() in _NUMBER_WORDS and w.lower() in article.words)
    ]
    for phrase in _name_phrases(words):
        if _number(phrase[0]) is not None:
            continue
        initials = "".join(w[0].lower() for w in phrase)
        if len(phrase) > 1 and initials in article.words:
            continue
        novel.extend(w for w in phrase if not _mentioned(w, article) and _norm(w) not in stop_words())
    return novel


def _mentioned(name: str, article: ArticleIndex) -> bool:
    """Whether the article names what this word of a name does, in this form or another ("Sixth" = "6")."""
    normed = _norm(name)
    if normed in article.words or name_form(normed) in article.forms:
        return True
    return _number(name, ordinal=True) in article.numbers


def content_words(text: str) -> list[str]:
    """The text's tokens (stemmed, as ROUGE's) that are not stop words."""
    stop = stop_words()
    return [t for t in tokens(text) if t not in stop]


def signals(claim: str, match: Match, article: ArticleIndex) -> dict[str, float]:
    """The judge's inputs for one claim (also stored with the verdict, for reports and refitting)."""
    content = content_words(claim)
    evidence_text = " ".join(e.sentence for e in match.evidence())
    evidence = set(tokens(evidence_text))
    claim_tokens = tokens(claim)
    bigrams = list(zip(claim_tokens, claim_tokens[1:], strict=False))
    ev_tokens = tokens(evidence_text)
    ev_bigrams = set(zip(ev_tokens, ev_tokens[1:], strict=False))
    return {
        "sim": match.best,
        "coverage": sum(t in evidence for t in content) / len(content) if content else 1.0,
        "doc_coverage": sum(t in article.content for t in content) / len(content) if content else 1.0,
        "bigram": sum(b in ev_bigrams for b in bigrams) / len(bigrams) if bigrams else 1.0,
        "novel": float(min(len(novel_mentions(claim, article)), NOVEL_CAP)),
        "editorial": float(bool(editorial(claim, article.sentences))),
    }
