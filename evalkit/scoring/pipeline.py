"""The one scoring path every front end uses: captures in, `SummaryResult`s out.

Work is batched across summaries so each distinct text (article sentence, window, claim) is encoded
once per batch even when many summaries share an article, and once ever with the disk cache on. The
judge (`evalkit.judges`) then scores every claim of the batch in one call, so a model judge batches
and a served judge runs its requests in parallel.
The CLI, the pytest plugin, the Ray engine and the Python API (`evalkit.frontends.api`) are thin shells
over `score_batch`.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np

from evalkit import metrics
from evalkit.errors import EvalkitDeprecationWarning, EvalkitError, InputError, NothingToJudge
from evalkit.judges import Bands, ClaimInput, Judge, Judgement, bands, judge_all, load_judge
from evalkit.prepare import claims as claims_mod
from evalkit.prepare import passages, sentences, support
from evalkit.prepare.cache import VectorCache
from evalkit.prepare.encoder import Encoder
from evalkit.prepare.runtime import runtime_id
from evalkit.read.capture import Capture, pair_capture, read_capture, read_pairs
from evalkit.read.inputs import walk
from evalkit.result import ClaimVerdict, RunResult, SummaryResult
from evalkit.scoring import reasons, sidecar
from evalkit.settings import Settings, resolve
from evalkit.text import printable


@dataclass(frozen=True)
class Job:
    """One summary to judge, with the settings that apply to it (sidecar included)."""

    id: str
    capture: Capture | None
    settings: Settings
    error: str | None = None
    path: Path | None = None  # the capture file, as the file system names it (the id is printable)


def evalkit_version() -> str:
    try:
        return version("evalkit")
    except PackageNotFoundError:
        return "dev"


def make_encoder(settings: Settings) -> Encoder:
    """The encoder with the disk cache the settings ask for; `Settings.batch_size` counts summaries, while
    the model's own forward-pass batch is `encoder.MODEL_BATCH`."""
    cache = VectorCache(settings.cache_dir, settings.cache_size_mb) if settings.cache else None
    return Encoder(settings.model, cache, runtime=settings.runtime)


def make_judge(settings: Settings, encoder: Encoder) -> Judge:
    """The judge the settings name, sharing the encoder's disk cache for its scores."""
    return load_judge(settings, encoder.cache)


def signature(settings: Settings, encoder: Encoder, judge: Judge | None = None) -> dict:
    """What two runs must share for their numbers to be comparable (in the spirit of sacrebleu)."""
    judge = judge or make_judge(settings, encoder)
    return {
        "evalkit": evalkit_version(),
        "model": encoder.identity,
        "runtime": runtime_id(settings.runtime),
        "judge": judge.id,
        "splitter": sentences.SPLITTER,
        **bands(judge, settings).to_dict(),
        "metrics": metrics.versions(),
        "thresholds": metrics.settings_thresholds(settings),
    }


def run_signature(settings: Settings) -> dict:
    """The signature of a run with these settings, for a front end that holds no encoder (no model load)."""
    return signature(settings, Encoder(settings.model, runtime=settings.runtime))


def jobs_from_paths(paths: Iterable[str | Path], settings: Settings) -> Iterator[Job]:
    """Every capture file and JSONL line under `paths`, bad ones as jobs that carry their error."""
    for found in walk(paths, (*settings.patterns, "*.jsonl")):
        if isinstance(found, NothingToJudge) and settings.allow_empty:
            continue
        if isinstance(found, InputError):
            yield Job(found.source, None, settings, str(found))
        elif found.suffix == ".jsonl":
            try:
                for id, item in read_pairs(found):
                    if isinstance(item, InputError):
                        yield Job(id, None, settings, str(item))
                    else:
                        yield Job(id, item, settings)
            except InputError as exc:
                yield Job(exc.source, None, settings, str(exc))
        else:
            try:
                own = resolve(settings, found)
                metrics.settings_thresholds(own)
                yield Job(printable(str(found)), read_capture(found), own, path=found)
            except EvalkitError as exc:
                yield Job(printable(str(found)), None, settings, str(exc), found)


def _failures(result: SummaryResult, settings: Settings) -> tuple[str, ...]:
    """Each metric threshold the result misses, phrased as value vs limit, then each pinned verdict it breaks."""
    failures = [*result.plugin_errors, *metrics.missed(result.metrics, result.thresholds)]
    if result.unjudged:
        failures.append(f"{len(result.unjudged)} claim(s) could not be judged: {result.unjudged[0].error}")
    failures.extend(sidecar.broken_pins(result.claims, settings.expect))
    return tuple(failures)


@dataclass
class _Prepared:
    job: Job
    claims: list[claims_mod.Claim]
    units: list[str]
    windows: list[str]


def score_batch(jobs: list[Job], encoder: Encoder, judge: Judge | None = None) -> list[SummaryResult]:
    """Judge a batch of summaries, encoding every distinct text of the batch in one call.

    Sentence splits (pure-Python pysbd, the costliest step after the model) are made once per distinct
    text and kept in the encoder's disk cache; an article shared by many summaries is cut into units once.
    """
    sentences.preload(
        (
            text
            for job in jobs
            if job.capture is not None
            for text in (
                *(b.text for b in job.capture.summary_blocks if b.kind == "paragraph"),
                *job.capture.body_paragraphs,
            )
        ),
        encoder.cache,
    )
    units_of: dict[tuple[str, ...], tuple[list[str], list[str]]] = {}  # article -> (sentences, windows)
    prepared: list[_Prepared | SummaryResult] = []
    for job in jobs:
        if job.capture is None:
            prepared.append(SummaryResult.for_error(job.id, job.error or "unreadable"))
            continue
        try:
            found = claims_mod.split(job.capture)
        except InputError as exc:
            prepared.append(SummaryResult.for_error(job.id, str(exc)))
            continue
        body = job.capture.body_paragraphs
        if body not in units_of:
            units = passages.article_units(body)
            units_of[body] = (units, passages.windows(units))
        prepared.append(_Prepared(job, found, *units_of[body]))
    texts = [
        t for p in prepared if isinstance(p, _Prepared) for t in (*(c.text for c in p.claims), *p.units, *p.windows)
    ]
    encoder.encode(list(dict.fromkeys(texts)))  # one batched pass; lookups below hit the memo
    placed = [_place(p, encoder) for p in prepared if isinstance(p, _Prepared)]
    if not placed:
        return [p for p in prepared if isinstance(p, SummaryResult)]
    judged = iter(_judge_all(placed, judge or make_judge(placed[0].prepared.job.settings, encoder), encoder))
    return [p if isinstance(p, SummaryResult) else _finite(next(judged)) for p in prepared]


def _finite(result: SummaryResult) -> SummaryResult:
    """`result`, or an error in its place if any of its numbers is NaN or infinite (a broken model's
    vectors, a judge that returns NaN): NaN passes every `<` threshold check, so it never reaches a record."""
    numbers = list(result.metrics.values())
    for claim in result.claims:
        numbers += [claim.score, *claim.signals.values(), *(n for e in claim.evidence for n in (e.score, e.support))]
    if all(math.isfinite(n) for n in numbers if n is not None):  # a claim the judge could not score has None
        return result
    return SummaryResult.for_error(
        result.id, f"{result.id}: scores are not finite (NaN or infinity): the embedding model or the judge is broken"
    )


@dataclass
class _Placed:
    """A prepared summary with its vectors and the judge's inputs for its claims."""

    prepared: _Prepared
    claim_vecs: np.ndarray
    unit_vecs: np.ndarray
    inputs: list[ClaimInput]


def _place(p: _Prepared, encoder: Encoder) -> _Placed:
    """Retrieve each claim's evidence passages (vectors come from the batch's one encoding pass)."""
    assert p.job.capture is not None
    claim_vecs = encoder.encode([c.text for c in p.claims])
    unit_vecs = encoder.encode(p.units)
    window_vecs = encoder.encode(p.windows)
    article = support.index_article(p.job.capture.body)
    inputs = [
        ClaimInput(claim.text, passages.match(claim.text, vec, p.units, unit_vecs, window_vecs), article)
        for claim, vec in zip(p.claims, claim_vecs, strict=True)
    ]
    return _Placed(p, claim_vecs, unit_vecs, inputs)


def _judge_all(placed: list[_Placed], judge: Judge, encoder: Encoder) -> list[SummaryResult]:
    """One judge call for every claim of the batch, then every metric over the batch, one result per summary."""
    judgements = iter(judge_all(judge, [i for p in placed for i in p.inputs]))
    measured: list[metrics.Prepared] = []
    broken: list[list[str]] = []  # per summary, the judge's broken contract (named once)
    for p in placed:
        applied = bands(judge, p.prepared.job.settings)  # resolved once per job; travels on the result
        answers = [next(judgements) for _ in p.inputs]
        pairs = zip(p.prepared.claims, p.inputs, answers, strict=True)
        judged = [_verdict(claim, given, judgement, applied) for claim, given, (judgement, _) in pairs]
        broken.append(list(dict.fromkeys(problem for _, problem in answers if problem)))
        verdicts = _with_pins(judged, p.prepared.job.settings)  # before the metrics: pins change what counts
        measured.append(metrics.Prepared(verdicts, tuple(p.prepared.units), p.claim_vecs, p.unit_vecs, applied))
    values = metrics.measure(metrics.Batch(measured, encoder, judge))
    for problems, got in zip(broken, values, strict=True):
        got.errors[:0] = problems
    return [_result(p, m, got, judge) for p, m, got in zip(placed, measured, values, strict=True)]


def _verdict(claim: claims_mod.Claim, given: ClaimInput, judged: Judgement, applied: Bands) -> ClaimVerdict:
    evidence = given.passages
    if len(judged.passage_scores) == len(evidence):
        evidence = tuple(replace(e, support=p) for e, p in zip(evidence, judged.passage_scores, strict=True))
    decided = judged.passage if 0 <= judged.passage < len(evidence) else -1
    passage = evidence[decided].sentence if decided >= 0 else " ".join(e.sentence for e in evidence)
    return ClaimVerdict(
        text=claim.text,
        section=claim.section,
        start=claim.start,
        end=claim.end,
        verdict=applied.verdict(judged.score),
        score=judged.score,
        evidence=evidence,
        signals=judged.signals,
        decided_by=decided,
        reasons=reasons.explain(claim.text, passage, given.article),
        error=judged.error,
    )


def _result(placed: _Placed, prepared: metrics.Prepared, got: metrics.Measured, judge: Judge) -> SummaryResult:
    p = placed.prepared
    settings, capture = p.job.settings, p.job.capture
    assert capture is not None
    result = SummaryResult(
        id=p.job.id,
        title=capture.title,
        metrics=got.values,
        details=got.details,
        claims=prepared.claims,
        consistent=all(v.verdict not in ("unsupported", "error") for v in prepared.claims),
        thresholds=metrics.settings_thresholds(settings),
        summary=capture.summary,
        body=tuple(p.units),
        dropped=tuple(f"[{d.rule}] {d.text}" for d in capture.dropped),
        judge=judge.id,
        runtime=runtime_id(settings.runtime),
        bands=prepared.bands.to_dict(),
        plugin_errors=tuple(got.errors),
    )
    return with_failures(result, settings)


def _with_pins(claims: Iterable[ClaimVerdict], settings: Settings) -> tuple[ClaimVerdict, ...]:
    """The claims with what the sidecar says of each: its reviewed verdict and any known judge miss."""
    claims = tuple(claims)
    expect, misses = sidecar.read_pins(claims, settings.expect), sidecar.read_pins(claims, settings.known_miss)
    return tuple(replace(c, expected=expect.of(c.text), known_miss=misses.of(c.text)) for c in claims)


def with_failures(result: SummaryResult, settings: Settings) -> SummaryResult:
    """Attach the sidecar's pinned verdicts and known misses to the claims, then judge the result against its
    thresholds (also for results read back from `evalkit score` JSONL, which carry no thresholds of their own)."""
    pinned = replace(result, claims=_with_pins(result.claims, settings))
    for note in sidecar.deprecated_pins(pinned.claims, settings.expect):
        warnings.warn(f"{result.id}: {note}", EvalkitDeprecationWarning, 2)
    return replace(pinned, failures=_failures(pinned, settings))


def evaluate(
    jobs: Iterable[Job],
    settings: Settings,
    on_result: Callable[[SummaryResult], None] | None = None,
    encoder: Encoder | None = None,
    keep: bool = True,
) -> RunResult:
    """Judge every job in batches; `on_result` sees each result as soon as it exists.

    `keep=False` leaves the results out of the returned run, for callers that stream them (`evalkit
    score`), so memory stays flat however many summaries there are.
    """
    # A typo'd or out-of-range threshold stops the run before any scoring, naming the file that set it.
    metrics.settings_thresholds(settings)
    metrics.table_columns(settings.table_columns)  # and so does a typo'd column name
    started = datetime.now(UTC).isoformat(timespec="seconds")
    clock = time.perf_counter()
    encoder = encoder or make_encoder(settings)
    judge = make_judge(settings, encoder)
    results: list[SummaryResult] = []
    batch: list[Job] = []

    def flush() -> None:
        for result in score_batch(batch, encoder, judge):
            if keep:
                results.append(result)
            if on_result:
                on_result(result)
        batch.clear()

    for job in jobs:
        batch.append(job)
        if len(batch) >= settings.batch_size:
            flush()
    if batch:
        flush()
    return RunResult(tuple(results), signature(settings, encoder, judge), started, time.perf_counter() - clock)


def _texts(pair: object, id: str) -> tuple[str, str]:
    """(summary, article) from one item a caller passed, or the `InputError` saying what it is instead."""
    if not isinstance(pair, tuple | list) or len(pair) != 2:
        size = f" of {len(pair)} items" if isinstance(pair, tuple | list) else ""
        raise InputError(id, f"is {_kind(pair)}{size}, not a (summary, article) pair")
    for name, text in zip(("summary", "article"), pair, strict=True):
        if not isinstance(text, str):
            raise InputError(id, f"{name} is {_kind(text)}, not text")
    return pair[0], pair[1]


def _kind(value: object) -> str:
    name = type(value).__name__
    return "None" if value is None else f"{'an' if name[0] in 'aeiou' else 'a'} {name}"


def score_pairs(
    pairs: Iterable[tuple[str, str]], settings: Settings, encoder: Encoder, judge: Judge | None = None
) -> list[SummaryResult]:
    """Judge `(summary, document)` pairs in `settings.batch_size` batches, as `evalkit score` does.

    A pair that cannot be judged (an empty summary, a `None` or `bytes` in it, three items) gets an error
    result in its place, never a gap and never an exception that costs the other pairs; its id is its
    position, `pair N`.
    """
    judge = judge or make_judge(settings, encoder)
    jobs: list[Job] = []
    for number, pair in enumerate(pairs, 1):
        id = f"pair {number}"
        try:
            summary, document = _texts(pair, id)
            jobs.append(Job(id, pair_capture(id, document, summary, id), settings))
        except InputError as exc:
            jobs.append(Job(id, None, settings, str(exc)))
    step = settings.batch_size
    return [result for at in range(0, len(jobs), step) for result in score_batch(jobs[at : at + step], encoder, judge)]
