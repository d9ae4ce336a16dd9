"""`evalkit calibrate`: the figures on a tiny hand-labelled set, the pyproject edit, and one end-to-end run."""

from __future__ import annotations

import random
import re
import tomllib
from pathlib import Path

import pytest

from evalkit.frontends import cli
from evalkit.scoring.calibrate import best_threshold, confusion, roc_auc, write_threshold

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


PYPROJECT = (
    '[project]\nname = "x"  # keep me\n\n[tool.evalkit]\n# thresholds\nreferences = [\n  "refs",\n]\n'
    'min_rouge_l = 0.05\n\n# pytest\'s own\n[tool.pytest.ini_options]\naddopts = "-ra"\n'
)


@pytest.mark.parametrize(
    "before",
    [
        PYPROJECT,
        PYPROJECT.replace("min_rouge_l", "support_threshold = 0.5   # calibrated\nmin_rouge_l"),
        PYPROJECT.replace("\n", "\r\n"),
        '[project]\nname = "x"',
        "[tool]\nevalkit.min_rouge_l = 0.05  # dotted\n",
        "tool.evalkit.min_rouge_l = 0.05\n[project]\nname = 'x'\n",
        "[tool]\nevalkit = { min_rouge_l = 0.05 }\n",
    ],
)
def test_write_sets_the_threshold_and_keeps_every_other_line(tmp_path: Path, before: str) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_bytes(before.encode())
    write_threshold(path, 0.425)
    after = path.read_bytes().decode()
    expected = tomllib.loads(before)
    expected.setdefault("tool", {}).setdefault("evalkit", {})["support_threshold"] = 0.425
    assert tomllib.loads(after) == expected
    if "{" not in before:  # an inline table is one line, rewritten with the key in it
        rest = iter(after.splitlines())
        assert all(line in rest for line in before.splitlines() if "support_threshold" not in line)  # kept, in order
    assert "# calibrated" in after or "# calibrated" not in before
    if "\r\n" in before:
        assert "\n" not in after.replace("\r\n", "")


def test_write_edits_a_linked_pyproject_in_place_and_keeps_its_mode(tmp_path: Path) -> None:
    shared = tmp_path / "shared.toml"
    shared.write_text(PYPROJECT, encoding="utf-8")
    shared.chmod(0o640)
    link = tmp_path / "pyproject.toml"
    link.symlink_to(shared)
    write_threshold(link, 0.425)
    assert (
        link.is_symlink()
        and tomllib.loads(shared.read_text(encoding="utf-8"))["tool"]["evalkit"]["support_threshold"] == 0.425
    )
    assert shared.stat().st_mode & 0o777 == 0o640


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


def test_the_confusion_as_judged_uses_each_captures_own_bands() -> None:
    """A sidecar's `support_threshold` travels on its result: a claim scoring 0.5 is unsupported under a
    0.6 cut and supported under 0.4, so the matrix counts it as each capture was judged."""
    from evalkit.result import ClaimVerdict, SummaryResult
    from evalkit.scoring.calibrate import as_judged

    def result(cut: float, expected: str) -> SummaryResult:
        claim = ClaimVerdict("A claim.", "", 0, 8, "weak", 0.5, expected=expected)  # type: ignore[arg-type]
        bands = {"support_threshold": cut, "supported_at": cut + 0.1}
        return SummaryResult("a", "", {}, (claim,), True, bands=bands)

    found = as_judged([result(0.6, "unsupported"), result(0.4, "supported")])
    assert (found.true_positive, found.false_negative, found.false_positive, found.true_negative) == (1, 0, 0, 1)
    assert confusion([(0.5, False), (0.5, True)], 0.45).balanced_accuracy == 0.5  # one cut for both: half wrong
