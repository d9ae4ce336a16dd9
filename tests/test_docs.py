"""Docs that cannot go stale: the README's `evalkit run` sample, versions named in the docs, and where the
reference sidecars say their data came from."""

from __future__ import annotations

import re
from importlib.metadata import version
from pathlib import Path

import pytest

import evalkit

ROOT = Path(__file__).resolve().parent.parent
VERSION = re.compile(r"\bevalkit (\d+)\.(\d+)(?:\.(\d+))?\b")


def test_the_version_is_the_distributions_and_no_doc_names_a_later_one() -> None:
    """`evalkit.__version__` is what `--version` and run signatures give, and a doc saying "evalkit 0.2" while
    the package is 0.1.0 speaks of a release that does not exist yet."""
    assert evalkit.__version__ == version("evalkit")
    current = tuple(int(part) for part in evalkit.__version__.split(".")[:3])
    for doc in [ROOT / "README.md", *(ROOT / "docs").glob("*.md")]:
        for found in VERSION.finditer(doc.read_text(encoding="utf-8")):
            named = tuple(int(part or 0) for part in found.groups())
            assert named <= current, f"{doc.name} names {found.group(0)}, but evalkit is {evalkit.__version__}"


def test_reference_sidecars_name_their_data_not_a_folder_of_the_machine_they_were_made_on() -> None:
    sidecars = sorted((ROOT / "references").glob("*.evalkit.toml"))
    assert sidecars
    for sidecar in sidecars:
        source = next(line for line in sidecar.read_text(encoding="utf-8").splitlines() if line.startswith("# source:"))
        assert not re.search(r"(^|[\s=])(/|~|[A-Za-z]:\\)\w", source.removeprefix("# source:")), source
        assert "dev.jsonl" in source or "seed capture" in source, source


@pytest.mark.slow  # runs `evalkit run` over the references (loads the models)
def test_the_readmes_evalkit_run_sample_is_what_it_prints() -> None:
    """Regenerate with `python tests/readme_sample.py --write` when the output changes on purpose."""
    import readme_sample  # tests/ is on sys.path (rootdir-relative imports)

    made = readme_sample.sample()
    shown = readme_sample.block(readme_sample.README.read_text(encoding="utf-8"))
    assert readme_sample.same(shown, made), f"README.md's sample is stale; it now prints:\n{made}"
