"""`evalkit calibrate`: how well the judge agrees with the verdicts reviewers pinned, and which threshold fits them.

Labels come from reviewed sidecar pins (`[expect]`, known misses included; `[unreviewed]` pins are the
judge's own verdicts, so measuring against them would measure the judge against itself): a claim pinned
`supported` is a positive, one pinned `unsupported` a negative; `weak` pins say "a person should look",
so they are no label. The judge is run through
`pipeline.evaluate`, so this measures whichever judge and settings the project uses. A claim the
judge scores at or above `support_threshold` is predicted positive, as its verdict bands do.

`evalkit review` of `evalkit score` output keeps its decisions in `OUT.reviews.jsonl` (`scoring.reviews`);
given as a path, such a file adds its claims with the score the judge gave when they were reviewed (the
score output holds no article to judge them again).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import astuple, dataclass
from pathlib import Path

import numpy as np
import tomlkit
from sklearn.metrics import confusion_matrix, roc_auc_score, roc_curve
from tomlkit.exceptions import TOMLKitError

from evalkit.errors import EvalkitError, SettingsError
from evalkit.prepare.encoder import Encoder
from evalkit.result import SummaryResult
from evalkit.scoring import reviews
from evalkit.scoring.pipeline import evaluate, jobs_from_paths
from evalkit.scoring.sidecar import unused_pins
from evalkit.settings import Settings
from evalkit.writer import write_file

NOISY_BELOW = 30  # labelled claims under which the figures are called noisy
Label = tuple[float, bool]  # (judge's support score, pinned supported?)


@dataclass(frozen=True)
class Confusion:
    true_positive: int  # pinned supported, judged at or above the threshold
    false_negative: int  # pinned supported, judged below it
    false_positive: int  # pinned unsupported, judged at or above it
    true_negative: int  # pinned unsupported, judged below it

    def __add__(self, other: Confusion) -> Confusion:
        return Confusion(*(a + b for a, b in zip(astuple(self), astuple(other), strict=True)))

    @property
    def balanced_accuracy(self) -> float:
        recall = self.true_positive / (self.true_positive + self.false_negative)
        specificity = self.true_negative / (self.true_negative + self.false_positive)
        return (recall + specificity) / 2


@dataclass(frozen=True)
class Calibration:
    labels: int
    positives: int
    weak_ignored: int
    captures: int
    threshold: float
    confusion: Confusion
    auc: float
    best_threshold: float
    best: Confusion
    skipped: tuple[str, ...] = ()  # captures that could not be judged, with the reason
    unused_pins: int = 0  # reviewed pins that identify no claim, or several: no label
    from_reviews: int = 0  # labels read from `*.reviews.jsonl`, with their recorded scores

    @property
    def gain(self) -> float:
        return self.best.balanced_accuracy - self.confusion.balanced_accuracy


def _arrays(labels: Sequence[Label]) -> tuple[np.ndarray, np.ndarray]:
    """(pinned supported?, judge's score) as arrays, in the shape `sklearn.metrics` takes."""
    return np.array([positive for _, positive in labels], dtype=bool), np.array([score for score, _ in labels])


def confusion(labels: Sequence[Label], threshold: float) -> Confusion:
    truth, scores = _arrays(labels)
    tn, fp, fn, tp = confusion_matrix(truth, scores >= threshold, labels=[False, True]).ravel()
    return Confusion(int(tp), int(fn), int(fp), int(tn))


def roc_auc(labels: Sequence[Label]) -> float:
    """The chance a pinned-supported claim outscores a pinned-unsupported one (ties count half)."""
    return float(roc_auc_score(*_arrays(labels)))


def best_threshold(labels: Sequence[Label], current: float) -> float:
    """The cut (midway between two neighbouring scores, to 3 decimals, so it is not on a score) with the
    best balanced accuracy; ties go to the one nearest the current threshold, kept when nothing beats it.

    `roc_curve` lists every distinct score as a cut (highest first, after +inf); each cut is scored again
    at its rounded value, since rounding may move it across a score.
    """
    _, _, cuts = roc_curve(*_arrays(labels), drop_intermediate=False)
    midway = {round(float(a + b) / 2, 3) for a, b in zip(cuts[1:], cuts[2:], strict=False)}
    return max({current, *midway}, key=lambda cut: (confusion(labels, cut).balanced_accuracy, -abs(cut - current)))


def labels_of(results: Iterable[SummaryResult]) -> tuple[list[Label], int]:
    """(score, pinned supported?) for each claim pinned supported or unsupported, and how many were pinned weak."""
    labels: list[Label] = []
    weak = 0
    for result in results:
        for claim in result.claims:
            if claim.expected in ("supported", "unsupported") and claim.score is not None:
                labels.append((claim.score, claim.expected == "supported"))
            weak += claim.expected == "weak"
    return labels, weak


def as_judged(results: Iterable[SummaryResult]) -> Confusion:
    """The confusion matrix of the verdicts as given: each capture at the bands it was judged with (a
    sidecar may set its own), which the result carries."""
    found = Confusion(0, 0, 0, 0)
    for result in results:
        labels, _ = labels_of([result])
        if labels:
            found += confusion(labels, result.bands["support_threshold"])
    return found


def calibrate(paths: Iterable[str | Path], settings: Settings, encoder: Encoder | None = None) -> Calibration:
    """Judge the captures under `paths` and set the judge's scores against their pinned verdicts, adding the
    claims reviewed in any `*.reviews.jsonl` among `paths`."""
    paths = [str(p) for p in paths]
    files = [p for p in paths if p.endswith(reviews.SUFFIX)]
    jobs = list(jobs_from_paths([p for p in paths if p not in files], settings))
    run = evaluate(jobs, settings, encoder=encoder)
    judged = [r for r in run.results if r.error is None]
    unused = sum(
        len(unused_pins(r.claims, job.settings.expect))
        for job, r in zip(jobs, run.results, strict=True)
        if r.error is None
    )
    labels, weak = labels_of(judged)
    reviewed = [label for f in files for label in reviews.labels(f)]
    labels += reviewed
    positives = sum(1 for _, positive in labels if positive)
    if not positives or positives == len(labels):
        raise EvalkitError(
            f"{positives} claim(s) reviewed supported and {len(labels) - positives} unsupported in "
            f"{len(judged)} capture(s) and {len(files)} reviews file(s): calibration needs both "
            "(review claims with `evalkit review`)"
        )
    threshold = float(run.signature["support_threshold"])
    best = best_threshold(labels, threshold)
    return Calibration(
        len(labels),
        positives,
        weak,
        len(judged),
        threshold,
        as_judged(judged) + (confusion(reviewed, threshold) if reviewed else Confusion(0, 0, 0, 0)),
        roc_auc(labels),
        best,
        confusion(labels, best),
        tuple(r.error for r in run.results if r.error),
        unused,
        len(reviewed),
    )


def format_calibration(c: Calibration) -> str:
    m = c.confusion
    lines = [
        f"{c.labels} labelled claims in {c.captures} capture(s): {c.positives} pinned supported, "
        f"{c.labels - c.positives} pinned unsupported ({c.weak_ignored} pinned weak, not used)",
    ]
    if c.unused_pins:
        lines.append(
            f"{c.unused_pins} reviewed pin(s) not used: each identifies no claim, or several "
            "(`evalkit run` names them; correct their keys)"
        )
    if c.from_reviews:
        lines.append(f"{c.from_reviews} of them from reviews files, with the scores the judge gave when reviewed")
    if c.labels < NOISY_BELOW:
        lines.append(f"note: fewer than {NOISY_BELOW} labelled claims, so these figures are noisy")
    lines += [
        f"balanced accuracy at the current threshold {c.threshold:.3f}: {m.balanced_accuracy:.3f}"
        " (each capture at the bands it was judged with; a sidecar may set its own)",
        f"ROC AUC: {c.auc:.3f}",
        "confusion matrix as judged:",
        f"  {'':20}{'judged >= threshold':>22}{'judged below':>14}",
        f"  {'pinned supported':20}{m.true_positive:>22}{m.false_negative:>14}",
        f"  {'pinned unsupported':20}{m.false_positive:>22}{m.true_negative:>14}",
        f"best threshold on these labels: {c.best_threshold:.3f} "
        f"(balanced accuracy {c.best.balanced_accuracy:.3f}, {c.gain:+.3f})",
    ]
    return "\n".join(lines)


def write_threshold(pyproject: Path, value: float) -> None:
    """Set `support_threshold` in `[tool.evalkit]` of `pyproject`, keeping every other line as it was.

    tomlkit edits the parsed document, so comments, layout, dotted keys and inline tables survive,
    and the file is replaced whole (`writer.write_file`: a symlink's target, its mode kept).
    """
    document = read_pyproject(pyproject)
    tool = document.setdefault("tool", tomlkit.table(is_super_table=True))
    tool.setdefault("evalkit", tomlkit.table())["support_threshold"] = round(value, 3)
    text = tomlkit.dumps(document)
    if "\r\n" in text and "\n" in text.replace("\r\n", ""):  # tomlkit ends new lines with \n only
        text = text.replace("\r\n", "\n").replace("\n", "\r\n")
    write_file(pyproject, text)


def read_pyproject(pyproject: Path) -> tomlkit.TOMLDocument:
    """The project file as tomlkit reads it, for an edit; an unreadable one is a `SettingsError`."""
    try:
        return tomlkit.parse(pyproject.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, TOMLKitError) as exc:
        raise SettingsError(f"{pyproject}: cannot be edited ({getattr(exc, 'strerror', None) or exc})") from None
