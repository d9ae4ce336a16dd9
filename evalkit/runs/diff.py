"""What changed between two runs: verdicts, claims added and removed, pass/fail, scores.

Summaries are matched by id (repeated ids in file order), then (for a moved or renamed file) by the
article they summarise, never by a name alone; claims by exact text, then by close text (difflib),
accepting a looser match at the same position, so a claim with one word changed is seen as changed,
not as one removed and one added.
A verdict moving down `supported > weak > unsupported` is a regression; up, an improvement. A claim
the judge could not score (verdict `error`) is neither: it shows as `unjudged` (or `judged` again). A
summary gone, or new and failing, is a regression too. A metric only one run has, or another version
of one, changes only its own columns: those are listed and skipped, and the rest is compared.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from collections.abc import Set as AbstractSet
from dataclasses import asdict, dataclass
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

from evalkit import metrics
from evalkit.runs.records import ClaimRecord, RunRecord, SummaryRecord

RANK = {"supported": 2, "weak": 1, "unsupported": 0}
CLOSE_TEXT = 0.6  # difflib ratio at which two claims are the same claim reworded
CLOSE_AT_SAME_POSITION = 0.4  # the looser ratio accepted for claims at the same place in their summaries
DEFAULT_TOLERANCE = 0.02


@dataclass(frozen=True)
class ClaimChange:
    kind: str  # "regression", "improvement", "unjudged", "judged", "added", "removed" or "score"
    old: ClaimRecord | None
    new: ClaimRecord | None

    @property
    def regressed(self) -> bool:
        """A verdict moved down, or a claim the summary newly makes is unsupported."""
        return self.kind == "regression" or (self.kind == "added" and self.claim.verdict == "unsupported")

    @property
    def claim(self) -> ClaimRecord:
        """The claim as it stands now (as it was, for a removed claim)."""
        return self.new or self.old  # type: ignore[return-value]

    @property
    def verdicts(self) -> str:
        """'supported → unsupported', or the one verdict of an added or removed claim."""
        if self.old and self.new and self.old.verdict != self.new.verdict:
            return f"{self.old.verdict} → {self.new.verdict}"
        return self.claim.verdict

    @property
    def scores(self) -> str:
        """'0.730 → 0.300 (-0.430)', or the one score of an added or removed claim."""
        return _scores(self.old.score, self.new.score) if self.old and self.new else _score(self.claim.score)


@dataclass(frozen=True)
class SummaryChange:
    old: SummaryRecord | None  # None: a summary only the new run has
    new: SummaryRecord | None  # None: one only the old run has
    claims: tuple[ClaimChange, ...]
    moved: tuple[str, ...] = ()  # the metric columns whose value moved by more than the tolerance

    @property
    def id(self) -> str:
        return (self.new or self.old).id  # type: ignore[union-attr]

    @property
    def renamed(self) -> bool:
        """Paired under another file name (`RunDiff.moves` reports a file that only changed folder)."""
        return self.old is not None and self.new is not None and Path(self.old.id).name != Path(self.new.id).name

    @property
    def moved_from(self) -> str | None:
        """The folder the capture was in when only its folder changed, else None."""
        if self.old is None or self.new is None or self.old.id == self.new.id or self.renamed:
            return None
        return str(Path(self.old.id).parent)

    @property
    def status(self) -> str:
        """'pass → fail', 'fail → pass', 'added', 'removed' or '' (unchanged)."""
        if self.old is None or self.new is None:
            return "added" if self.old is None else "removed"
        if self.old.passed == self.new.passed:
            return ""
        return "pass → fail" if self.old.passed else "fail → pass"

    @property
    def regressed(self) -> bool:
        """Pass → fail, a claim regressed or newly unsupported, a summary the new run lacks, or a new summary
        that fails: a gate that passed what is new or gone would let a regression through."""
        if self.old is None or self.new is None:
            return self.new is None or not self.new.passed or any(c.regressed for c in self.claims)
        return self.status == "pass → fail" or any(c.regressed for c in self.claims)

    @property
    def headline(self) -> str:
        """What happened to the summary as a whole: renamed, pass/fail, metrics; '' when only claims changed."""
        parts = [f"renamed from {self.old.id}"] if self.renamed and self.old else []
        parts += [self.status] if self.status else []
        if self.old and self.new:
            for name in self.moved:  # at the column's digits: a count as a whole number
                column = metrics.column(name) or metrics.Column(name, name)
                old, new = self.old.metrics[name], self.new.metrics[name]
                step = column.format(new - old, signed=True)
                parts.append(f"{column.label} {column.format(old)} → {column.format(new)} ({step})")
        return ", ".join(parts)

    @property
    def improved(self) -> bool:
        return self.status == "fail → pass" or any(c.kind == "improvement" for c in self.claims)


@dataclass(frozen=True)
class RunDiff:
    changes: tuple[SummaryChange, ...]  # only summaries with something to report
    compared: int  # summaries found in both runs
    tolerance: float
    signature_changes: tuple[str, ...] = ()  # the signature fields that differ (then verdicts may differ for that)
    # (old folder, new folder, summaries): captures that changed folder and kept their names, a folder moved
    # whole being one entry rather than a "renamed from" per file.
    moves: tuple[tuple[str, str, int], ...] = ()
    # (metric, why): metrics not compared, only in one run ("only in the new run") or another version of it.
    not_compared: tuple[tuple[str, str], ...] = ()

    @property
    def regressed(self) -> tuple[SummaryChange, ...]:
        return tuple(c for c in self.changes if c.regressed)

    @property
    def improved(self) -> tuple[SummaryChange, ...]:
        return tuple(c for c in self.changes if c.improved)

    def to_dict(self) -> dict[str, Any]:
        changes = [
            {
                "id": c.id,
                "old_id": c.old and c.old.id,
                "status": c.status,
                "regressed": c.regressed,
                "metrics": {
                    name: {"old": c.old.metrics[name], "new": c.new.metrics[name]}
                    for name in c.moved
                    if c.old and c.new
                },
                "claims": [{**asdict(k), "regressed": k.regressed} for k in c.claims],
            }
            for c in self.changes
        ]
        return {
            "compared": self.compared,
            "regressed": len(self.regressed),
            "improved": len(self.improved),
            "tolerance": self.tolerance,
            "signature_changes": list(self.signature_changes),
            "not_compared": [{"metric": name, "why": why} for name, why in self.not_compared],
            "moves": [{"from": old, "to": new, "summaries": n} for old, new, n in self.moves],
            "changes": changes,
        }


def _score(score: float | None) -> str:
    return "—" if score is None else f"{score:.3f}"


def _scores(old: float | None, new: float | None) -> str:
    """'0.730 → 0.300 (-0.430)'; '—' stands for a claim the judge could not score."""
    if old is None or new is None:
        return f"{_score(old)} → {_score(new)}"
    return f"{old:.3f} → {new:.3f} ({new - old:+.3f})"


def format_text(diff: RunDiff) -> str:
    """The plain-text report `evalkit diff` prints: one line per change, best evidence under a claim."""
    lines = [f"signature changed (compared anyway): {change}" for change in diff.signature_changes]
    lines += [f"metric {name}: {why}, not compared" for name, why in diff.not_compared]
    lines += [move_line(*move) for move in diff.moves]
    for summary in diff.changes:
        lines.append(f"{summary.id}: {summary.headline}" if summary.headline else f"{summary.id}:")
        for change in summary.claims:
            lines.append(f"  {change.kind}: {change.verdicts}, {change.scores}: {change.claim.text}")
            if change.claim.evidence and change.claim.evidence_score is not None:
                lines.append(f"      best evidence ({change.claim.evidence_score:.2f}): {change.claim.evidence}")
    lines.append(
        f"{diff.compared} summaries compared: {len(diff.regressed)} regressed, {len(diff.improved)} improved"
        f"{'' if diff.changes else ', nothing changed'}"
    )
    return "\n".join(lines) + "\n"


def move_line(old: str, new: str, count: int) -> str:
    """'moved: refs/ → archive/refs/ (12 summaries, same articles)'."""
    summaries = "1 summary" if count == 1 else f"{count} summaries"
    return f"moved: {old.rstrip('/')}/ → {new.rstrip('/')}/ ({summaries}, same articles)"


def signature_differences(old: dict[str, Any] | None, new: dict[str, Any] | None, prefix: str = "") -> list[str]:
    """Each signature field whose value differs, as 'field: old → new' (nested fields dotted)."""
    if old is None or new is None:
        return []
    found = []
    for key in dict.fromkeys([*old, *new]):
        a, b = old.get(key), new.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            found += signature_differences(a, b, f"{prefix}{key}.")
        elif a != b:
            found.append(f"{prefix}{key}: {a} → {b}")
    return found


def one_sided_metrics(old: RunRecord, new: RunRecord) -> dict[str, int]:
    """Metrics only one run has, each with the run that has it (0: `old`, 1: `new`): a metric installed or
    removed between the runs. Its columns are listed and left out, never a reason to refuse the rest.

    Found in the signatures' metric versions, and for a run without a signature (an `evalkit score` file
    without its .meta.json) in the records: a registered metric's columns present in one run only.
    """
    found: dict[str, int] = {}
    versions = [run.signature.get("metrics") if run.signature else None for run in (old, new)]
    if isinstance(versions[0], dict) and isinstance(versions[1], dict):
        found.update({name: 0 for name in versions[0] if name not in versions[1]})
        found.update({name: 1 for name in versions[1] if name not in versions[0]})
    held = [{name for s in run.summaries for name in s.metrics} for run in (old, new)]
    if all(held):  # a run that scored nothing holds no column, and says nothing about its metrics
        for metric in metrics.registered():
            names = {c.name for c in metric.columns}
            sides = [bool(names & columns) for columns in held]
            if sides[0] != sides[1]:
                found.setdefault(metric.name, sides.index(True))
    return found


def uncompared_metrics(
    old: RunRecord, new: RunRecord, sides: tuple[str, str] = ("the old run", "the new run"), versions: bool = True
) -> dict[str, str]:
    """Metrics whose columns the two runs cannot set side by side, each with why: only in one run (named by
    `sides`), or (with `versions`) measured by another version of the metric. A metric's version changes
    only its own columns' numbers, so these are listed and skipped, and the rest is compared."""
    found = {name: f"only in {sides[side]}" for name, side in one_sided_metrics(old, new).items()}
    known = [run.signature.get("metrics") if run.signature else None for run in (old, new)]
    if versions and isinstance(known[0], dict) and isinstance(known[1], dict):
        found.update(
            {name: f"version {v} → {known[1][name]}" for name, v in known[0].items() if known[1].get(name, v) != v}
        )
    return found


def comparable_differences(
    old: RunRecord,
    new: RunRecord,
    leave_out: tuple[str, ...] = (),
    versions: bool = True,
    uncompared: AbstractSet[str] | None = None,
) -> list[str]:
    """The signature fields that differ, as 'field: old → new', less the `leave_out` fields and the metrics
    `uncompared_metrics` lists (with `versions`: those whose version differs too; `uncompared`: that list
    when the caller has it already)."""
    skipped = uncompared_metrics(old, new, ("", ""), versions).keys() if uncompared is None else uncompared
    fields = [
        None if run.signature is None else {k: v for k, v in run.signature.items() if k not in leave_out}
        for run in (old, new)
    ]
    return [
        change
        for change in signature_differences(*fields)
        if not any(change.startswith(f"metrics.{name}:") for name in skipped)
    ]


def skipped_columns(uncompared: dict[str, str]) -> set[str]:
    """The registered columns of the metrics `uncompared_metrics` lists."""
    return {c.name for m in metrics.registered() if m.name in uncompared for c in m.columns}


def compare(
    old: RunRecord, new: RunRecord, tolerance: float = DEFAULT_TOLERANCE, metric_versions: bool = False
) -> RunDiff:
    """The changes from `old` to `new`; the caller decides whether differing signatures are acceptable.
    A metric in one run only is skipped, and so is one whose version differs unless `metric_versions`
    (--allow-signature-change): then its change is among the signature changes instead."""
    changes = []
    compared = 0
    moves: Counter[tuple[str, str]] = Counter()
    uncompared = uncompared_metrics(old, new, versions=not metric_versions)
    skipped = skipped_columns(uncompared)
    for a, b in match_summaries(old.summaries, new.summaries):
        compared += a is not None and b is not None
        change = _summary_change(a, b, tolerance, skipped)
        if change.moved_from is not None:
            moves[change.moved_from, str(Path(change.id).parent)] += 1
        if change.status or change.renamed or change.claims or change.moved:
            changes.append(change)
    differences = tuple(comparable_differences(old, new, uncompared=uncompared.keys()))
    moved = tuple((a, b, n) for (a, b), n in moves.items())
    return RunDiff(tuple(changes), compared, tolerance, differences, moved, tuple(uncompared.items()))


def _summary_change(
    old: SummaryRecord | None, new: SummaryRecord | None, tolerance: float, skipped: AbstractSet[str] = frozenset()
) -> SummaryChange:
    if old is None:  # a new summary: its claims to look at (unsupported or unjudged) are new claims
        flagged = (c for c in new.claims if c.verdict in ("unsupported", "error"))  # type: ignore[union-attr]
        return SummaryChange(None, new, tuple(ClaimChange("added", None, c) for c in flagged))
    if new is None:
        return SummaryChange(old, None, ())
    claims = []
    for i, j in match_claims([c.text for c in old.claims], [c.text for c in new.claims]):
        a = old.claims[i] if i is not None else None
        b = new.claims[j] if j is not None else None
        kind = _claim_kind(a, b, tolerance)
        if kind:
            claims.append(ClaimChange(kind, a, b))
    return SummaryChange(old, new, tuple(claims), _moved(old.metrics, new.metrics, tolerance, skipped))


def _moved(
    old: dict[str, float], new: dict[str, float], tolerance: float, skipped: AbstractSet[str]
) -> tuple[str, ...]:
    """Registered columns both runs have (less `skipped`) whose value moved by more than `tolerance` (a count:
    by any)."""
    moved = []
    for column in metrics.columns():
        if column.name in old and column.name in new and column.name not in skipped:
            step = abs(new[column.name] - old[column.name])
            if step > (0 if column.digits == 0 else tolerance):
                moved.append(column.name)
    return tuple(moved)


def _claim_kind(old: ClaimRecord | None, new: ClaimRecord | None, tolerance: float) -> str:
    if old is None or new is None:
        return "added" if old is None else "removed"
    if "error" in (old.verdict, new.verdict) and old.verdict != new.verdict:
        return "unjudged" if new.verdict == "error" else "judged"
    if RANK.get(new.verdict) != RANK.get(old.verdict):
        return "regression" if RANK[new.verdict] < RANK[old.verdict] else "improvement"
    moved = old.score is not None and new.score is not None and abs(new.score - old.score) > tolerance
    return "score" if moved else ""


def match_summaries(
    old: tuple[SummaryRecord, ...], new: tuple[SummaryRecord, ...]
) -> list[tuple[SummaryRecord | None, SummaryRecord | None]]:
    """Pairs (old, new), in the new run's order, then the old run's summaries the new one lacks.

    Ids pair first, repeated ones in file order (the k-th record with an id in one run with the k-th in
    the other), so a changed record is never reported as one added and one removed. A moved or renamed
    capture then pairs only when it holds the same article (`SummaryRecord.article`): by the article
    alone, then by the article and the file name, then the article and the title, each only where the
    key names one summary on each side. Two different articles are never paired, whatever their names
    (`2024/0/index.html` and `2023/7/index.html`), and a record with no fingerprint (an older file) is
    paired by id only: both are listed, as added and removed, rather than guessed to be one.
    """
    left, right = list(old), list(new)
    paired: dict[int, SummaryRecord] = {}  # index into `new` -> its old summary
    by_id: dict[str, list[SummaryRecord]] = {}
    for summary in left:
        by_id.setdefault(summary.id, []).append(summary)
    for j, summary in enumerate(right):
        if by_id.get(summary.id):
            paired[j] = by_id[summary.id].pop(0)
    left = [s for s in left if all(s is not p for p in paired.values())]
    keys: tuple[Callable[[SummaryRecord], str], ...] = (
        lambda s: s.article,
        lambda s: s.article and f"{s.article} {Path(s.id).name}",
        lambda s: s.article and f"{s.article} {s.title}",
    )
    for key in keys:
        olds = _unique(left, key)
        news = _unique([s for j, s in enumerate(right) if j not in paired], key)
        for j, summary in enumerate(right):
            match = olds.get(key(summary))
            if j not in paired and match is not None and news.get(key(summary)) is summary:
                paired[j] = match
                left.remove(match)
    pairs: list[tuple[SummaryRecord | None, SummaryRecord | None]] = [(paired.get(j), s) for j, s in enumerate(right)]
    return pairs + [(s, None) for s in left]


def _unique(summaries: list[SummaryRecord], key: Callable[[SummaryRecord], str]) -> dict[str, SummaryRecord]:
    found: dict[str, list[SummaryRecord]] = {}
    for s in summaries:
        found.setdefault(key(s), []).append(s)
    return {k: v[0] for k, v in found.items() if k and len(v) == 1}


def match_claims(old: list[str], new: list[str]) -> list[tuple[int | None, int | None]]:
    """Index pairs (old, new) in the new summary's order, then the old claims left unmatched.

    Exact text first (repeated claims in order), then the closest remaining texts.
    """
    paired: dict[int, int] = {}  # new index -> old index
    free = list(range(len(old)))
    for j, text in enumerate(new):
        i = next((i for i in free if old[i] == text), None)
        if i is not None:
            paired[j] = i
            free.remove(i)
    candidates = sorted(
        (
            (SequenceMatcher(None, old[i], new[j]).ratio(), -abs(i - j), i, j)
            for i in free
            for j in range(len(new))
            if j not in paired
        ),
        reverse=True,
    )
    for ratio, _, i, j in candidates:
        if i in free and j not in paired and (ratio >= CLOSE_TEXT or (ratio >= CLOSE_AT_SAME_POSITION and i == j)):
            paired[j] = i
            free.remove(i)
    return [(paired.get(j), j) for j in range(len(new))] + [(i, None) for i in free]
