"""`evalkit calibrate`: the figures on a tiny hand-labelled set, the pyproject edit, and one end-to-end run."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from evalkit import cli
from evalkit.calibrate import best_threshold, confusion, roc_auc, write_threshold

# (score, pinned supported?): at 0.5 one supported claim (0.45) is judged unsupported; any cut in
# (0.40, 0.45] separates the two classes.
LABELS = [(0.9, True), (0.7, True), (0.45, True), (0.4, False), (0.3, False), (0.2, False)]


def test_figures_on_a_hand_labelled_set() -> None:
    at_half = confusion(LABELS, 0.5)
    assert (at_half.true_positive, at_half.false_negative, at_half.false_positive, at_half.true_negative) == (
        2,
        1,
        0,
        3,
    )
    assert at_half.balanced_accuracy == pytest.approx((2 / 3 + 1) / 2)
    assert roc_auc(LABELS) == 1.0
    assert roc_auc([(0.5, True), (0.5, False), (0.1, True)]) == 0.25
    best = best_threshold(LABELS, 0.5)
    assert best == 0.425 and confusion(LABELS, best).balanced_accuracy == 1.0


def test_current_threshold_is_kept_when_nothing_beats_it() -> None:
    assert best_threshold(LABELS, 0.42) == 0.42


@pytest.mark.parametrize("seed", range(8))
def test_the_best_cut_is_the_best_of_every_midway_cut(seed: int) -> None:
    """The cuts `roc_curve` yields are every midpoint between neighbouring scores (ties and near-ties too)."""
    rng = random.Random(seed)
    labels = [(round(rng.random(), rng.choice((2, 6))), rng.random() < 0.4) for _ in range(rng.randint(4, 40))]
    labels += [(0.99, True), (0.01, False)]
    scores = sorted({s for s, _ in labels})
    every = {0.5, *(round((a + b) / 2, 3) for a, b in zip(scores, scores[1:], strict=False))}
    ideal = max(confusion(labels, cut).balanced_accuracy for cut in every)
    best = best_threshold(labels, 0.5)
    assert confusion(labels, best).balanced_accuracy == ideal


INSERTED = "min_rouge_l = 0.05\nsupport_threshold = 0.425\n"
PYPROJECT = (
    '[project]\nname = "x"  # keep me\n\n[tool.evalkit]\n# thresholds\nreferences = [\n  "refs",\n]\n'
    'min_rouge_l = 0.05\n\n# pytest\'s own\n[tool.pytest.ini_options]\naddopts = "-ra"\n'
)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (PYPROJECT, PYPROJECT.replace("min_rouge_l = 0.05\n", INSERTED)),
        (
            PYPROJECT.replace("min_rouge_l", "support_threshold = 0.5   # calibrated\nmin_rouge_l"),
            PYPROJECT.replace("min_rouge_l", "support_threshold = 0.425  # calibrated\nmin_rouge_l"),
        ),
        (PYPROJECT.replace("\n", "\r\n"), PYPROJECT.replace("min_rouge_l = 0.05\n", INSERTED).replace("\n", "\r\n")),
        ('[project]\nname = "x"', '[project]\nname = "x"\n\n[tool.evalkit]\nsupport_threshold = 0.425\n'),
    ],
)  # fmt: skip
def test_write_changes_one_line_and_keeps_the_rest_byte_for_byte(tmp_path: Path, before: str, after: str) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_bytes(before.encode())
    write_threshold(path, 0.425)
    assert path.read_bytes() == after.encode()


def test_write_refuses_a_layout_it_cannot_edit_safely(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    original = b"[tool]\nevalkit.min_rouge_l = 0.05\n"
    path.write_bytes(original)
    with pytest.raises(Exception, match="set support_threshold = 0.425 there yourself"):
        write_threshold(path, 0.425)
    assert path.read_bytes() == original


GOOD = "The council approved a new bridge over the Elm River on Tuesday."
BAD = "Mayor Gonzalez said 300 workers from Toronto will finish it by 2031."
ARTICLE = (
    "The city council voted on Tuesday to approve a new bridge over the Elm River. "
    "Work is expected to begin in May, officials said. The bridge will cost about 40 million dollars."
)


@pytest.mark.slow
def test_calibrate_end_to_end_over_pinned_claims(tmp_path: Path, monkeypatch, capsys, encoder) -> None:
    """Pins a person would make (the good claim supported, the invented one unsupported), then calibrate."""
    (tmp_path / "pyproject.toml").write_text('[tool.evalkit]\nreferences = ["refs"]\ncache = false\n')
    refs = tmp_path / "refs"
    refs.mkdir()
    summary = f"  • {GOOD}\n  • {BAD}"
    (refs / "a.txt").write_text(f"Bridge - Gazette\n\nAI Summary\n\n{summary}\n\nSign in to read more\n\n{ARTICLE}\n")
    (refs / "a.evalkit.toml").write_text(f'[expect]\n"{GOOD[:30]}" = "supported"\n"{BAD[:30]}" = "unsupported"\n')
    monkeypatch.chdir(tmp_path)
    assert cli.main(["calibrate", "--write"]) == 0
    out = capsys.readouterr().out
    assert "2 labelled claims in 1 capture(s): 1 pinned supported, 1 pinned unsupported" in out
    assert "noisy" in out and re.search(r"balanced accuracy at the current threshold 0\.\d{3}: 1\.000", out)
    assert "ROC AUC: 1.000" in out and "pyproject.toml unchanged" in out
    (refs / "a.evalkit.toml").write_text(f'[expect]\n"{GOOD[:30]}" = "supported"\n')
    assert cli.main(["calibrate"]) == 2
    assert "calibration needs both" in capsys.readouterr().err
