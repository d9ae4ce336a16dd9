"""`evalkit review`: the claims of a run a person confirms or corrects, each decision saved at once.

A session holds one judged run and, for each claim, where its decision goes: the capture's sidecar
(`[expect]` / `[known_miss]`, written as `evalkit pin` writes pins) or, for `evalkit score` output, which has
no sidecars, `OUT.reviews.jsonl`. The run alone decides those files: a decision names a claim by its number
in the session, never a path. Each decision re-reads the file under its lock (`writer.locked`) and is written
only if the claim's decision is still the one the deciding window saw, so a second window, or a person editing
the sidecar meanwhile, is never overwritten without being told (`Conflict`).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evalkit.errors import EvalkitError, InputError
from evalkit.result import ClaimVerdict, SummaryResult
from evalkit.scoring import reviews, sidecar
from evalkit.scoring.pipeline import evaluate, jobs_from_paths
from evalkit.scoring.reviews import Review
from evalkit.settings import Settings, sidecar_path
from evalkit.text import printable
from evalkit.writer import locked, record_line, write_file


class Conflict(EvalkitError):
    """The claim was decided otherwise since the deciding window loaded it; `now` is that decision."""

    def __init__(self, now: Review) -> None:
        super().__init__(f"decided meanwhile elsewhere: {now.verdict or 'no decision'}")
        self.now = now


@dataclass(frozen=True)
class Store:
    """Where one summary's decisions live: its capture's sidecar, or the reviews file of a score output."""

    path: Path
    id: str  # the summary's id, which a reviews file records
    in_sidecar: bool

    def load(self) -> Any:
        """The file as it is now: the sidecar parsed for an edit, or the reviews file's records."""
        return sidecar.parsed(self.path) if self.in_sidecar else reviews.read(self.path)

    def decisions(self, loaded: Any, claims: Sequence[ClaimVerdict]) -> dict[str, Review]:
        """The decision on each of the summary's `claims`, by claim text, in the `load`ed file."""
        if self.in_sidecar:
            return sidecar.reviews_in(loaded.unwrap(), claims)
        return {c.text: reviews.review_of(loaded, self.id, c.text) for c in claims}

    def write(self, claim: ClaimVerdict, claims: Sequence[ClaimVerdict], review: Review, seen: Review) -> None:
        """Record `review` if the claim's decision is still `seen`, else raise `Conflict` (under the file's lock)."""
        with locked(self.path):
            loaded = self.load()  # read once: checked, then edited
            now = self.decisions(loaded, claims)[claim.text]
            if now != seen:
                raise Conflict(now)
            if self.in_sidecar:
                write_file(self.path, sidecar.review_text(loaded, claim, claims, review))
            else:
                reviews.write(self.path, self.id, claim, review)


@dataclass(frozen=True)
class Item:
    """One claim to review: `number` names it in requests (its place in the session, never a file)."""

    number: int
    result: SummaryResult
    index: int  # into result.claims
    store: Store

    @property
    def claim(self) -> ClaimVerdict:
        return self.result.claims[self.index]


class Session:
    """A run's claims in review order (lowest support first; claims the judge could not score before all)."""

    def __init__(self, results: Sequence[tuple[SummaryResult, Store]], every: bool = False) -> None:
        found = [(r, i, store) for r, store in results if r.error is None for i in range(len(r.claims))]
        found.sort(key=lambda f: reviews.queue_order(f[0].claims[f[1]]))
        self.items = tuple(Item(n, r, i, store) for n, (r, i, store) in enumerate(found))
        self.every = every  # `--all`: reviewed claims are queued too

    def reviews(self) -> list[tuple[Item, Review]]:
        """Every claim with its decision as the files say now (another window may have made it)."""
        files: dict[Path, Any] = {}  # each file read once, not once per claim
        found: dict[int, dict[str, Review]] = {}  # by summary
        for item in self.items:
            if id(item.result) not in found:
                loaded = files.get(item.store.path)
                if loaded is None:
                    loaded = files[item.store.path] = item.store.load()
                found[id(item.result)] = item.store.decisions(loaded, item.result.claims)
        return [(item, found[id(item.result)][item.claim.text]) for item in self.items]

    def queue(self) -> list[tuple[Item, Review]]:
        """The claims to go over now: those with no reviewed verdict (every claim with `--all`)."""
        return self.page(done=False)[0]

    def decided(self) -> list[tuple[Item, Review]]:
        return self.page(done=True)[0]

    def progress(self) -> tuple[int, int]:
        """(claims reviewed, claims in the session)."""
        return self.page(done=True)[1]

    def page(self, done: bool) -> tuple[list[tuple[Item, Review]], tuple[int, int]]:
        """The claims a page shows (the decided ones when `done`, else the `queue`) and the `progress`, from
        one reading of the files, so the two agree."""
        found = self.reviews()
        decided = [(item, r) for item, r in found if r.verdict is not None]
        shown = decided if done else [(item, r) for item, r in found if self.every or r.verdict is None]
        return shown, (len(decided), len(self.items))

    def decide(self, number: int, review: Review, seen: Review) -> Review:
        """Record `review` for claim `number`, which the deciding window saw decided as `seen`."""
        if not 0 <= number < len(self.items):
            raise KeyError(number)
        item = self.items[number]
        item.store.write(item.claim, item.result.claims, review, seen)
        return review

    def labelled(self) -> list[dict[str, Any] | None]:
        """The reviewed claims as labelled pairs in the dev-data shape (id, doc_id, document, summary=claim, label).

        A claim whose summary came without its article (`evalkit score` output) cannot make a pair: None."""
        pairs: list[dict[str, Any] | None] = []
        for item, review in self.decided():
            if review.verdict in reviews.LABELS and not item.result.body:
                pairs.append(None)
            elif review.verdict in reviews.LABELS:
                pairs.append(
                    {
                        "id": f"{item.result.id}#{item.index + 1}",
                        "doc_id": item.result.id,
                        "document": "\n".join(item.result.body),
                        "summary": item.claim.text,
                        "label": int(review.verdict == "supported"),
                    }
                )
        return pairs


def export(session: Session, path: Path) -> tuple[int, int]:
    """Write the session's labelled pairs to `path` (whole or not at all); how many, and how many reviewed
    claims had no article to pair with."""
    found = session.labelled()
    pairs = [p for p in found if p is not None]
    write_file(path, "".join(record_line(p) for p in pairs))
    return len(pairs), len(found) - len(pairs)


def open_session(
    paths: Sequence[str], settings: Settings, every: bool = False, say: Callable[[str], None] | None = None
) -> Session:
    """The session over `paths`: one results.json or `evalkit score` JSONL as judged, else captures judged now.

    Summaries that have nowhere to keep a decision (a JSONL pair judged now, a result whose capture is gone)
    are left out, each said through `say`.
    """
    say = say or (lambda line: print(f"evalkit: {line}", file=sys.stderr))
    finished = [p for p in paths if p.endswith(".json") or (p.endswith(".jsonl") and _scored(Path(p)))]
    if finished and len(paths) > 1:
        raise EvalkitError(f"review one finished run at a time, not {printable(finished[0])} with other paths")
    if finished:
        from evalkit.outputs.report.source import read_results

        results = read_results(finished[0], settings).results
        if finished[0].endswith(".jsonl"):
            store = reviews.reviews_path(finished[0])
            found = [(r, Store(store, r.id, in_sidecar=False)) for r in results]
        else:
            found = [(r, Store(sidecar_path(Path(r.id)), r.id, True)) for r in results if Path(r.id).is_file()]
    else:
        jobs = list(jobs_from_paths(paths, settings))
        run = evaluate(jobs, settings)
        found = [
            (r, Store(sidecar_path(job.path), r.id, True))
            for job, r in zip(jobs, run.results, strict=True)
            if job.path is not None and job.error is None
        ]
        results = run.results
    kept = {id(r) for r, _ in found}
    for r in results:
        if r.error is not None:
            say(f"not reviewable: {r.error}")
        elif id(r) not in kept:
            say(f"not reviewable: {r.id} has no capture file for a sidecar (score it, then review the output)")
    return Session(found, every)


def _scored(path: Path) -> bool:
    """Whether a JSONL file is `evalkit score` output (records with claims), not pairs to judge."""
    try:
        with path.open("rb") as fh:
            first = next((line for line in fh if line.strip()), b"{}")
        return "claims" in json.loads(first) or "schema" in json.loads(first)
    except (OSError, ValueError):
        raise InputError(printable(str(path)), "is neither `evalkit score` output nor readable JSONL") from None
