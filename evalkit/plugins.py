"""Named extensions: the built-ins and the entry points of installed packages, found the same way.

Metrics (`evalkit.metrics`) and judges (`evalkit.judges`) are each a table of name -> `module:attribute`.
The built-in table comes first; a package installed beside evalkit adds names through an entry point
group of the same name, so `--judge NAME:ARG` or a `min_…` threshold reaches it without editing evalkit.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from importlib import import_module
from importlib.metadata import entry_points
from typing import Any

from evalkit.errors import EvalkitError, SettingsError


def available(group: str, builtin: Mapping[str, str]) -> dict[str, str]:
    """name -> reference: the built-ins, then the group's entry points in name order.

    An entry point named like a built-in, or like another package's entry point, is a setup error naming
    both: which one ran would depend on install order, and a plugin must never replace a built-in in silence.
    """
    found = dict(builtin)
    for point in sorted(entry_points(group=group), key=lambda e: e.name):
        if found.get(point.name, point.value) != point.value:
            kind = "the built-in" if point.name in builtin else "the entry point"
            raise SettingsError(
                f"{group} entry point '{point.name}' ({point.value}) has the name of {kind} "
                f"'{point.name}' ({found[point.name]}): rename one"
            )
        found[point.name] = point.value
    return found


def finite(value: object) -> bool:
    """Whether a plugin gave a finite real number (numpy's included), never a bool: the check every metric
    value and judge score passes."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)


def made(factory: Any, what: str, reference: str, *args: Any) -> Any:
    """`factory(*args)`, with anything it raises but an evalkit error named as `what`'s setup problem."""
    try:
        return factory(*args)
    except EvalkitError:
        raise
    except Exception as exc:  # a broken plugin is a setup problem to name, never a traceback
        raise SettingsError(f"{what} ({reference}) cannot be made: {type(exc).__name__}: {exc}") from None


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
