"""Named extensions: the built-ins and the entry points of installed packages, found the same way.

Metrics (`evalkit.metrics`) and judges (`evalkit.judges`) are each a table of name -> `module:attribute`.
The built-in table comes first; a package installed beside evalkit adds names through an entry point
group of the same name, so `--judge NAME:ARG` or a `min_…` threshold reaches it without editing evalkit.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import import_module
from importlib.metadata import entry_points
from typing import Any

from evalkit.errors import SettingsError


def available(group: str, builtin: Mapping[str, str]) -> dict[str, str]:
    """name -> reference: the built-ins, then the group's entry points in name order (a built-in name wins)."""
    found = dict(builtin)
    for point in sorted(entry_points(group=group), key=lambda e: e.name):
        found.setdefault(point.name, point.value)
    return found


def load(reference: str, what: str) -> Any:
    """The object `module:attribute` names; one line naming `what` when it cannot be imported."""
    module, _, attribute = reference.partition(":")
    try:
        found: Any = import_module(module)
        for part in attribute.split(".") if attribute else ():
            found = getattr(found, part)
    except Exception as exc:  # a broken plugin is a setup problem to name, never a traceback
        raise SettingsError(f"{what} ({reference}) cannot be loaded: {type(exc).__name__}: {exc}") from None
    return found
