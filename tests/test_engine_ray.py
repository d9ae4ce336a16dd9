"""`evalkit score --engine ray` on a local 2-CPU Ray instance gives the local engine's records, in order."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path

import pytest

from evalkit.frontends import cli

ray = pytest.importorskip("ray", reason='Ray is not installed (pip install "evalkit[ray]")')
# Ray Data warns about its own deprecated settings when it copies its context to workers.
pytestmark = [pytest.mark.filterwarnings("ignore::DeprecationWarning"), pytest.mark.slow]  # starts Ray

ARTICLES = [
    "The city council voted on Tuesday to approve a new bridge over the Elm River. Work is expected to begin "
    "in May, officials said. The bridge will cost about 40 million dollars.",
    "A storm knocked out power to 20,000 homes in the valley overnight. Crews restored most lines by noon. "
    "The utility said the last homes would be reconnected on Friday.",
]
SUMMARIES = [
    (0, "The council approved a bridge over the Elm River. It will cost 40 million dollars."),
    (0, "Mayor Lopez opened the bridge in 2019."),
    (1, "A storm cut power to 20,000 homes.\nCrews restored most lines by noon."),
    (1, "The storm flooded the stadium."),
]


def numbers_close(a: object, b: object) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(numbers_close(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(numbers_close(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, abs_tol=1e-5)
    return a == b


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    ray.init(num_cpus=2, include_dashboard=False, logging_level="ERROR", log_to_driver=False)
    yield
    ray.shutdown()


def test_ray_engine_matches_local_engine(tmp_path: Path, local_ray: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    lines = [json.dumps({"id": f"p{i}", "document": ARTICLES[a], "summary": s}) for i, (a, s) in enumerate(SUMMARIES)]
    lines.insert(2, "{not json")
    lines.insert(4, json.dumps({"id": "no-doc", "summary": "x"}))
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text("\n".join(lines) + "\n", encoding="utf-8")
    # Small batches so the two engines' batches differ, and more than one batch reaches Ray.
    common = [str(pairs), "--no-cache", "--batch-size", "2"]
    assert cli.main(["score", *common, "-o", "local.jsonl"]) == 2  # bad lines make exit code 2 in both
    assert cli.main(["score", *common, "-o", "ray.jsonl", "--engine", "ray"]) == 2
    local = [json.loads(line) for line in (tmp_path / "local.jsonl").read_text(encoding="utf-8").splitlines()]
    remote = [json.loads(line) for line in (tmp_path / "ray.jsonl").read_text(encoding="utf-8").splitlines()]
    assert (
        [r["id"] for r in remote]
        == [r["id"] for r in local]
        == [
            "p0",
            "p1",
            f"{pairs}:3",
            "p2",
            "no-doc",
            "p3",
        ]
    )
    assert [r.get("error") for r in remote] == [r.get("error") for r in local]
    assert numbers_close(remote, local)
