"""JUnit XML of a run, one `testcase` per summary, for CI systems that render test results.

A failing summary's `failure` carries the same text as a failing pytest item (`explain()`): each
missed threshold as value vs limit, then each claim to check with its best evidence. A summary that
passes with a declared known miss is `skipped` with type `pytest.xfail` and the reason, as pytest
reports an expected failure, so CI shows it apart from a plain pass.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from evalkit.outputs.present import explain, miss_lines
from evalkit.result import RunResult

_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # characters XML 1.0 cannot carry


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def junit_xml(run: RunResult) -> str:
    failed = [r for r in run.failed if r.error is None]
    errors = [r for r in run.results if r.error is not None]
    missed = [r for r in run.results if r.passed_with_known_miss]
    counts = {"tests": len(run.results), "failures": len(failed), "errors": len(errors), "skipped": len(missed)}
    attributes = {"name": "evalkit", **{k: str(v) for k, v in counts.items()}, "time": f"{run.seconds:.3f}"}
    root = ET.Element("testsuites", attributes)
    suite = ET.SubElement(root, "testsuite", {**attributes, "timestamp": run.started})
    for result in run.results:
        case = ET.SubElement(suite, "testcase", classname="evalkit", name=_clean(result.id), time="0")
        if not result.passed:
            text = _clean(explain(result))
            ET.SubElement(case, "error" if result.error else "failure", message=text).text = text
        elif result.known_misses:
            text = _clean("\n".join(miss_lines(result)))
            ET.SubElement(case, "skipped", type="pytest.xfail", message=text).text = text
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
