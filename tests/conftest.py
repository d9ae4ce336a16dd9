"""Fixtures shared by every test module: the model is loaded once per test run, never per test."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from evalkit.encoder import Encoder

pytest_plugins = ["pytester"]


@pytest.fixture(scope="session")
def encoder() -> Encoder:
    """The shipped MiniLM without the disk cache, so tests neither read stale vectors nor write to the checkout.

    `load_model` is cached per process, so this and the pytest plugin's own encoder share one model.
    """
    from evalkit.encoder import Encoder

    return Encoder()
