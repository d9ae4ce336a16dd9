"""`evalkit calibrate`: how well the judge agrees with the verdicts reviewers pinned, and which threshold fits them.

Labels come from reviewed sidecar pins (`[expect]`, known misses included; `[unreviewed]` pins are the
judge's own verdicts, so measuring against them would measure the judge against itself): a claim pinned
`supported` is a positive, one pinned `unsupported` a negative; `weak` pins say "a person should look",
so they are no label. The judge is run through
`pipeline.evaluate`, so this measures whichever judge and settings the project uses. A claim the
judge scores at or above `support_threshold` is predicted positive, as its verdict bands do.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.metrics import confusion_matrix, roc_auc_score, roc_curve

from evalkit.encoder import Encoder
from evalkit.errors import EvalkitError, SettingsError
from evalkit.outputs import replace_file
from evalkit.pipeline import evaluate, jobs_from_paths
from evalkit.result import SummaryResult
from evalkit.settings import Settings

NOISY_BELOW = 30  # labelled claims under which the figures are called noisy
Label = tuple[float, bool]  # (judge's support score, pinned supported?)


@dataclass(frozen=True)
class Confusion:
    true_positive: int  # pinned supported, judged at or above the threshold
    false_negative: int  # pinned supported, judged below it
    false_positive: int  # pinned unsupported, judged at or above it
    true_negative: int  # pinned unsupported, judged below it

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


def calibrate(paths: Iterable[str | Path], settings: Settings, encoder: Encoder | None = None) -> Calibration:
    """Judge the captures under `paths` and set the judge's scores against their pinned verdicts."""
    run = evaluate(jobs_from_paths(paths, settings), settings, encoder=encoder)
    judged = [r for r in run.results if r.error is None]
    labels, weak = labels_of(judged)
    positives = sum(1 for _, positive in labels if positive)
    if not positives or positives == len(labels):
        raise EvalkitError(
            f"{positives} claim(s) pinned supported and {len(labels) - positives} pinned unsupported in "
            f"{len(judged)} capture(s): calibration needs both (review verdicts, then `evalkit pin`)"
        )
    threshold = float(run.signature["support_threshold"])
    best = best_threshold(labels, threshold)
    return Calibration(
        len(labels),
        positives,
        weak,
        len(judged),
        threshold,
        confusion(labels, threshold),
        roc_auc(labels),
        best,
        confusion(labels, best),
        tuple(r.error for r in run.results if r.error),
    )


def format_calibration(c: Calibration) -> str:
    m = c.confusion
    lines = [
        f"{c.labels} labelled claims in {c.captures} capture(s): {c.positives} pinned supported, "
        f"{c.labels - c.positives} pinned unsupported ({c.weak_ignored} pinned weak, not used)",
    ]
    if c.labels < NOISY_BELOW:
        lines.append(f"note: fewer than {NOISY_BELOW} labelled claims, so these figures are noisy")
    lines += [
        f"balanced accuracy at the current threshold {c.threshold:.3f}: {m.balanced_accuracy:.3f}",
        f"ROC AUC: {c.auc:.3f}",
        f"confusion matrix at {c.threshold:.3f}:",
        f"  {'':20}{'judged >= threshold':>22}{'judged below':>14}",
        f"  {'pinned supported':20}{m.true_positive:>22}{m.false_negative:>14}",
        f"  {'pinned unsupported':20}{m.false_positive:>22}{m.true_negative:>14}",
        f"best threshold on these labels: {c.best_threshold:.3f} "
        f"(balanced accuracy {c.best.balanced_accuracy:.3f}, {c.gain:+.3f})",
    ]
    return "\n".join(lines)


def write_threshold(pyproject: Path, value: float) -> None:
    """Set `support_threshold` in `[tool.evalkit]`, editing or inserting that one line and nothing else.

    The result is parsed back and must equal the old settings plus this one value; otherwise (a
    dotted key, a table spelt another way) the file is left alone and the user is told what to set.
    """
    original = pyproject.read_bytes().decode("utf-8")
    text = _with_threshold(original, f"{value:.3f}")
    expected = tomllib.loads(original)
    expected.setdefault("tool", {}).setdefault("evalkit", {})["support_threshold"] = float(f"{value:.3f}")
    try:
        same = tomllib.loads(text) == expected
    except tomllib.TOMLDecodeError:
        same = False
    if not same:
        raise SettingsError(
            f"{pyproject}: not edited (its [tool.evalkit] is not laid out as one table); "
            f"set support_threshold = {value:.3f} there yourself"
        )
    replace_file(pyproject, text.encode("utf-8"))


def _with_threshold(text: str, value: str) -> str:
    lines = text.splitlines(keepends=True)
    header = next((i for i, line in enumerate(lines) if _is_header(line, "tool.evalkit")), None)
    if header is None:
        newline = "\n" if not lines or lines[-1].endswith("\n") else "\n\n"
        return f"{text}{newline if text else ''}[tool.evalkit]\nsupport_threshold = {value}\n"
    end = next((i for i in range(header + 1, len(lines)) if lines[i].lstrip().startswith("[")), len(lines))
    for i in range(header + 1, end):
        key, sep, rest = lines[i].partition("=")
        if sep and key.strip() == "support_threshold":
            comment = rest[rest.index("#") :].rstrip("\r\n") if "#" in rest else ""
            eol = lines[i][len(lines[i].rstrip("\r\n")) :]
            lines[i] = f"{key}{sep} {value}{'  ' + comment if comment else ''}{eol}"
            return "".join(lines)
    last = max(i for i in range(header, end) if lines[i].strip() and not lines[i].lstrip().startswith("#"))
    eol = "\r\n" if lines[header].endswith("\r\n") else "\n"
    if not lines[last].endswith("\n"):
        lines[last] += eol
    lines.insert(last + 1, f"support_threshold = {value}{eol}")
    return "".join(lines)


def _is_header(line: str, table: str) -> bool:
    bare = line.split("#", 1)[0].strip()
    return bare.startswith("[") and not bare.startswith("[[") and bare[1:-1].replace(" ", "") == table
