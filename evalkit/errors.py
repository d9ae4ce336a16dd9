"""The one family of errors evalkit raises for user mistakes.

The CLI turns any `EvalkitError` into a one-line message and exit code 2; the pytest plugin turns it
into one failing item. Anything else escaping is a bug in evalkit, not in the user's input.
"""

from __future__ import annotations


class EvalkitError(Exception):
    """A problem with the user's input or settings, phrased for the user."""


class PlaceError(EvalkitError):
    """A problem with one named place (a file, a line of it, a folder): "place: problem"."""

    def __init__(self, source: str, problem: str) -> None:
        super().__init__(f"{source}: {problem}")
        self.source = source
        self.problem = problem


class InputError(PlaceError):
    """An input file (or one line of it) that evalkit cannot read."""


class NothingToJudge(InputError):
    """A folder given as input that holds no capture: an error unless `allow_empty` says it is meant."""


class SettingsError(EvalkitError):
    """A bad value in `[tool.evalkit]`, a sidecar file or on the command line."""


class OutputError(PlaceError):
    """A place evalkit was asked to write that it cannot or must not write (found before any scoring)."""


class EvalkitWarning(UserWarning):
    """Something the user should know that did not stop the run (the CLI prints it as one line)."""


class EvalkitDeprecationWarning(EvalkitWarning, DeprecationWarning):
    """An old spelling (flag, file, field) that still works for one minor version; the message names the new
    one (an `EvalkitWarning` too, so the CLI shows it as one line though Python hides deprecations)."""
