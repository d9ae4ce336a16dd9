"""Fixtures shared by every test module: the model is loaded once per test run, never per test."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from evalkit.prepare.encoder import Encoder

pytest_plugins = ["pytester"]


# Fixtures whose use makes a test slow: the shipped model, and a pytest session run inside the test.
SLOW_FIXTURES = frozenset({"encoder", "pytester"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark `slow` what loads the models without saying so: reference captures (the plugin marks them
    `evalkit`) and any test using a slow fixture, so a new test cannot slip into `-m "not slow"`."""
    for item in items:
        if item.get_closest_marker("evalkit") or SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def encoder() -> Encoder:
    """The shipped MiniLM without the disk cache, so tests neither read stale vectors nor write to the checkout.

    `load_model` is cached per process, so this and the pytest plugin's own encoder share one model.
    """
    from evalkit.prepare.encoder import Encoder

    return Encoder()
