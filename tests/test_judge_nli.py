"""`nli:DIR`: a cross-encoder folder built here from the bundled MiniLM with a fresh classification head.

The head is random, so the tests pin mechanics, not quality: which output is read, that pairs are
batched, that a passage longer than the window is split (never truncated), and that scores are cached.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from evalkit.errors import SettingsError
from evalkit.frontends import cli
from evalkit.judges.nli import BATCH, CrossEncoderScorer, _tokenizer
from evalkit.prepare.cache import VectorCache
from evalkit.prepare.encoder import resolve_model, word_pieces
from evalkit.settings import DEFAULT_MODEL

pytestmark = pytest.mark.slow  # loads the models, or starts processes, pytest sessions, Ray or Chromium

WINDOW = 64  # word pieces: small, so splitting shows on short texts and the tests stay fast
ARTICLE = (
    "The town council of Millbrook voted on Tuesday to build a new public library on Elm Street. "
    "The library will cost 4 million dollars and is due to open in 2026, the council said."
)


def build(folder: Path, labels: dict[int, str]) -> Path:
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    torch.manual_seed(0)
    source = resolve_model(DEFAULT_MODEL)
    model = AutoModelForSequenceClassification.from_pretrained(
        source, num_labels=len(labels), id2label=labels, label2id={v: k for k, v in labels.items()}
    )
    model.save_pretrained(folder)
    AutoTokenizer.from_pretrained(source, model_max_length=WINDOW).save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("nli"), {0: "contradiction", 1: "ENTAILMENT", 2: "neutral"})


def test_the_supported_output_is_read_from_the_labels(folder: Path, tmp_path: Path) -> None:
    assert CrossEncoderScorer(folder).output == 1
    single = CrossEncoderScorer(build(tmp_path / "single", {0: "LABEL_0"}))
    assert single.output == -1
    (p,) = single.score([("The library costs 4 million dollars.", ARTICLE)])
    assert 0.0 < p < 1.0  # a sigmoid of the one logit
    with pytest.raises(SettingsError, match=r"cannot tell which output means 'supported' \(labels: 0=LABEL_0, 1=LAB"):
        CrossEncoderScorer(build(tmp_path / "unnamed", {0: "LABEL_0", 1: "LABEL_1"}))


def test_pairs_are_batched_and_score_as_they_would_alone(folder: Path) -> None:
    scorer = CrossEncoderScorer(folder)
    pairs = [(f"The library will cost {n} million dollars.", ARTICLE) for n in range(BATCH + 4)]
    together = scorer.score(pairs)
    assert scorer.forward_passes == math.ceil(len(pairs) / BATCH)
    # Every batch has the same shape, so a pair's score does not depend on its batch-mates at all.
    alone = [scorer.score([pair])[0] for pair in pairs[:3]]
    assert list(together[:3]) == alone
    assert all(0.0 <= p <= 1.0 for p in together)


def test_a_passage_longer_than_the_window_is_split_and_its_best_piece_counts(folder: Path) -> None:
    scorer = CrossEncoderScorer(folder)
    tokenizer = _tokenizer(str(folder))
    claim = "The library opens in 2026."
    passage = " ".join(f"Sentence {n} of the council minutes mentions the budget." for n in range(30))
    room = (
        WINDOW
        - tokenizer.num_special_tokens_to_add(pair=True)
        - len(tokenizer(claim, add_special_tokens=False)["input_ids"])
    )
    pieces = word_pieces(tokenizer, [passage], room)[0]
    assert len(pieces) > 3 and " ".join(pieces) == passage  # cut at word boundaries, nothing dropped
    assert all(len(tokenizer(claim, p)["input_ids"]) <= WINDOW for p in pieces)
    (whole,) = scorer.score([(claim, passage)])
    assert whole == pytest.approx(max(scorer.score([(claim, p) for p in pieces])), abs=1e-5)


def test_scores_are_cached_on_disk(folder: Path, tmp_path: Path) -> None:
    pairs = [("The council voted on Tuesday.", ARTICLE), ("The library is on Oak Street.", ARTICLE)]
    first = CrossEncoderScorer(folder, VectorCache(tmp_path, 64))
    scores = first.score(pairs)
    again = CrossEncoderScorer(folder, VectorCache(tmp_path, 64))
    assert again.score(pairs) == pytest.approx(scores) and again.forward_passes == 0


def test_evalkit_score_with_an_nli_judge(folder: Path, tmp_path: Path) -> None:
    pairs = tmp_path / "pairs.jsonl"
    summary = "The council voted to build a library. It will cost 4 million dollars."
    pairs.write_text(json.dumps({"id": "a", "document": ARTICLE, "summary": summary}) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    code = cli.main(
        ["score", str(pairs), "-o", str(out), "--judge", f"nli:{folder}", "--cache-dir", str(tmp_path / "c")]
    )
    (record,) = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert code == 0
    assert record["judge"].startswith(f"nli:{folder.name}@")
    assert record["bands"] == {"support_threshold": 0.5, "supported_at": 0.6}
    for claim in record["claims"]:
        assert 0.0 <= claim["score"] <= 1.0 and 0 <= claim["decided_by"] < len(claim["evidence"])
    meta = json.loads(out.with_suffix(".meta.json").read_text(encoding="utf-8"))
    assert meta["signature"]["judge"] == record["judge"]
