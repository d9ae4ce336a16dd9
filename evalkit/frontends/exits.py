"""The one exit-code rule every command follows.

0: everything passed; 1: the run worked and some summary failed what the command gates on; 2: a bad
input or usage (one line on stderr); 3: the judge could not score some claims; 4: a metric or judge
plugin broke its contract (raised, returned the wrong shape, NaN), so some numbers or verdicts are
missing; 130: interrupted. A bad input outranks a broken plugin, which outranks an unjudged claim, which
outranks a failure: the first needs a person most.
"""

from __future__ import annotations

from collections.abc import Iterable

from evalkit.result import SummaryResult

OK = 0
FAILED = 1
USAGE = 2
UNJUDGED = 3
PLUGIN = 4
INTERRUPTED = 130


def code(*, errors: bool = False, plugin: bool = False, unjudged: bool = False, failed: bool = False) -> int:
    if errors:
        return USAGE
    if plugin:
        return PLUGIN
    if unjudged:
        return UNJUDGED
    return FAILED if failed else OK


def for_results(results: Iterable[SummaryResult]) -> int:
    """The code for a run that gates on its thresholds (`evalkit run`)."""
    results = list(results)
    return code(
        errors=any(r.error for r in results),
        plugin=any(r.plugin_errors for r in results),
        unjudged=any(r.unjudged for r in results),
        failed=any(not r.passed for r in results),
    )
