"""Synthetic editorial pairs for fitting the bundled judge's head, made from faithful dev rows.

A faithful summary stays faithful in every fact when a sentence or clause of framing is added ("This
raises questions about the limits of the current approach"), but it is no longer faithful to its
article: that is the unfaithfulness AI news summaries show most, and the dev benchmarks hold few
examples of it. From each picked faithful row this makes:

* a negative: the summary with one editorial sentence, or a clause on its last sentence, added;
* a positive: the same summary and framing where the article itself carries it (a sentence such as
  "Critics said the decision raises questions about ..." appended to the document), so the head learns
  that framing the article states is no fault.

Phrasings are many (subjects x predicates x objects, seeded), some outside `evalkit/data/editorial.txt`,
so the head cannot learn the lexicon alone. Rows keep their benchmark and `doc_id`, so leave-one-
benchmark-out never trains on pairs made from the held-out benchmark; they train only, never report.
"""

from __future__ import annotations

import hashlib
import random

SEED = 16
SUBJECTS = ("This", "The move", "The decision", "The development", "Such a step", "The outcome", "The episode")
PREDICATES = (
    "raises questions about {}",
    "raises fresh doubts about {}",
    "underscores {}",
    "highlights {}",
    "signals {}",
    "reflects {}",
    "points to {}",
    "marks {}",
    "is a testament to {}",
    "serves as a reminder of {}",
    "casts doubt on {}",
    "sheds light on {}",
    "speaks volumes about {}",
    "lays bare {}",
    "is likely to deepen {}",
    "exposes {}",
)
OBJECTS = (
    "the need for stronger oversight",
    "a broader shift in priorities",
    "a lack of accountability",
    "deep divisions among those involved",
    "the fragility of the current arrangement",
    "a growing loss of public trust",
    "the limits of the current approach",
    "a turning point for the sector",
    "the long-term consequences for everyone involved",
    "the importance of transparency",
)
ATTRIBUTIONS = ("Critics said", "Analysts say", "Observers noted that", "Some commentators argued that")


def framing(rng: random.Random) -> tuple[str, str]:
    """A (subject, predicate with its object) pair, e.g. ("The move", "signals a broader shift in priorities")."""
    return rng.choice(SUBJECTS), rng.choice(PREDICATES).format(rng.choice(OBJECTS))


def with_framing(summary: str, subject: str, predicate: str, clause: bool) -> str:
    """The summary with the framing as a new last sentence, or as a ", which ..." clause on its last one."""
    text = summary.rstrip()
    if clause and text.endswith("."):
        return f"{text[:-1]}, which {predicate}."
    return f"{text} {subject} {predicate}."


def pairs(rows: list[dict], per_benchmark: int) -> list[dict]:
    """Up to `per_benchmark` negatives and as many positives per benchmark, from its faithful `rows`.

    Rows are picked, and their phrasing drawn, by a hash of their id, so a larger set of rows keeps the
    pairs a smaller one made (their extraction is cached)."""
    out = []
    for name in sorted({r["benchmark"] for r in rows}):
        faithful = sorted((r for r in rows if r["benchmark"] == name and r["label"] == 1), key=_key)
        for row in faithful[:per_benchmark]:
            rng = random.Random(_key(row))
            subject, predicate = framing(rng)
            framed = with_framing(row["summary"], subject, predicate, clause=rng.random() < 0.5)
            stated = f"{rng.choice(ATTRIBUTIONS)} {subject[0].lower() + subject[1:]} {predicate}."
            # The text is in the id: extraction is cached by id, so a changed phrasing is extracted anew.
            tag = hashlib.sha256(f"{framed}\n{stated}".encode()).hexdigest()[:8]
            base = {
                "benchmark": row["benchmark"],
                "origin": row["origin"],
                "summary": framed,
                "spans": [],
                "framing": predicate,  # the claim that holds it is the one the label is about
            }
            out.append(
                {
                    **base,
                    "id": f"{row['id']}#editorial-{tag}",
                    "doc_id": row["doc_id"],
                    "label": 0,
                    "document": row["document"],
                }
            )
            # Another document, so another doc_id: the article index is built once per doc_id.
            out.append(
                {
                    **base,
                    "id": f"{row['id']}#stated-{tag}",
                    "doc_id": f"{row['doc_id']}#stated-{tag}",
                    "label": 1,
                    "document": f"{row['document']}\n\n{stated}",
                }
            )
    return out


def _key(row: dict) -> str:
    return hashlib.sha256(f"{SEED}:{row['id']}".encode()).hexdigest()
