"""Scoring on Ray: the same `score_batch` as the local engine, spread over an actor pool with Ray Data.

Inputs are read on the driver, where the files are, by the same reader as the local engine, so ids,
error records and order are identical; Ray Data streams the jobs to actors, each of which loads the
model once (in `__init__`) and scores whole batches, and hands results back in input order. Results
travel as JSON (`SummaryResult.to_dict`), the project's one interchange format.

`RAY_ADDRESS` or `address` joins an existing cluster; otherwise a local Ray instance is started with
`num_cpus` CPUs. Needs the optional extra: `pip install "evalkit[ray]"`.
"""

from __future__ import annotations

import json
import logging
import os
import pickle
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np

from evalkit.errors import SettingsError
from evalkit.result import SummaryResult
from evalkit.scoring.pipeline import Job, make_encoder, score_batch
from evalkit.settings import Settings, resolve


class _Scorer:
    """One actor: the encoder (model, memo, disk cache) is built once, then reused for every batch."""

    def __init__(self, settings: Settings, threads: int) -> None:
        # Threads match the CPUs Ray reserved for this actor, so actors on one node do not oversubscribe it.
        os.environ["EVALKIT_THREADS"] = str(threads)
        self.encoder = make_encoder(settings)

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        results = score_batch([pickle.loads(raw) for raw in batch["job"]], self.encoder)
        return {"result": np.array([json.dumps(r.to_dict()) for r in results], dtype=object)}


def _connect(address: str | None, num_cpus: int | None) -> None:
    import ray

    if ray.is_initialized():
        return
    address = address or os.environ.get("RAY_ADDRESS")
    if address:
        ray.init(address=address, logging_level="ERROR", log_to_driver=False)
    else:
        ray.init(num_cpus=num_cpus or os.cpu_count(), logging_level="ERROR", log_to_driver=False)


def for_actors(settings: Settings, jobs: list[Job]) -> tuple[Settings, list[Job]]:
    """Settings and jobs as actors need them: an absolute cache path (an actor may run in another working
    directory, or on another host), applied like a flag so it keeps each job's own precedence."""
    flags = {"cache_dir": str(Path(settings.cache_dir).resolve())}
    return resolve(settings, flags=flags), [replace(job, settings=resolve(job.settings, flags=flags)) for job in jobs]


def score_with_ray(
    jobs: Iterable[Job],
    settings: Settings,
    address: str | None = None,
    num_cpus: int | None = None,
    cpus_per_actor: int = 1,
) -> Iterator[SummaryResult]:
    """Score `jobs` on Ray and yield their results in input order, as the local engine would."""
    try:
        import ray
        import ray.data
    except ImportError:
        raise SettingsError('--engine ray needs Ray: pip install "evalkit[ray]"') from None
    jobs = list(jobs)
    if not jobs:
        return
    _connect(address, num_cpus)
    settings, jobs = for_actors(settings, jobs)
    logging.getLogger("ray.data").setLevel(logging.ERROR)
    context = ray.data.DataContext.get_current()
    context.execution_options.preserve_order = True
    context.enable_progress_bars = False
    # One actor per `cpus_per_actor` CPUs of the cluster, but never more actors than batches.
    batches = -(-len(jobs) // settings.batch_size)
    actors = max(1, min(int(ray.cluster_resources().get("CPU", 1)) // cpus_per_actor, batches))
    # Jobs go over as pickled bytes (Ray's own transport between this driver and its actors; nothing is stored).
    rows = [{"job": pickle.dumps(job)} for job in jobs]
    dataset = ray.data.from_items(rows, override_num_blocks=min(len(jobs), actors * 4))
    scored = dataset.map_batches(
        _Scorer,
        fn_constructor_args=(settings, cpus_per_actor),
        batch_size=settings.batch_size,
        batch_format="numpy",
        compute=ray.data.ActorPoolStrategy(size=actors),
        num_cpus=cpus_per_actor,
    )
    for row in scored.iter_rows():
        yield SummaryResult.from_dict(json.loads(row["result"]))
