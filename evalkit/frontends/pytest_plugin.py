"""pytest plugin: every reference capture is a test item, and tests can judge summaries themselves.

Options and wiring only. The state of a session lives in one `EvalkitSession` in `config.stash`;
scoring, thresholds and pins are `pipeline`'s. Each item attaches its result to its test report, so
under pytest-xdist results reach the controller with the reports, and the controller alone writes
the HTML report and the JSON. The plugin loads with every pytest run wherever evalkit is
installed, so it imports the scoring modules (seconds: scikit-learn, torch) only once a capture
or the fixture is used.
"""

from __future__ import annotations

import dataclasses
import os
import time
import warnings
from collections.abc import Callable, Generator, Iterator
from datetime import UTC, datetime
from functools import cached_property
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from evalkit.errors import EvalkitDeprecationWarning, EvalkitError
from evalkit.frontends import options
from evalkit.result import SummaryResult
from evalkit.settings import Settings, load

if TYPE_CHECKING:
    from _pytest._code.code import TerminalRepr

    from evalkit.outputs.layout import Layout
    from evalkit.prepare.encoder import Encoder
    from evalkit.result import RunResult
    from evalkit.scoring.pipeline import Job

session_key = pytest.StashKey["EvalkitSession"]()
# Attribute of a capture item's call report that carries `SummaryResult.to_dict()` (xdist sends it as is).
REPORT_ATTR = "evalkit_result"


# The report's file name before the one run layout (evalkit 0.1's pytest default was reports/evalkit.html).
OLD_REPORT = "evalkit.html"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("evalkit", "evalkit: judge AI summaries against their articles")
    options.add_to_pytest(group, (*options.SETTINGS, *options.OUTPUTS))
    group.addoption(
        "--evalkit-report",
        metavar="PATH",
        help="deprecated, goes in 0.3: also write the HTML report to PATH (--evalkit-output-dir DIR: DIR/index.html)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "evalkit: a reference capture judged by evalkit; it loads the models (deselect: -m 'not evalkit')"
    )
    state = EvalkitSession(config)
    config.stash[session_key] = state
    config.pluginmanager.register(state, "evalkit-session")


def pytest_unconfigure(config: pytest.Config) -> None:
    state = config.stash.get(session_key, None)
    if state is not None:
        config.pluginmanager.unregister(state)
        del config.stash[session_key]


@pytest.fixture(scope="session")
def evalkit_score(pytestconfig: pytest.Config) -> Callable[..., SummaryResult]:
    """`judge(summary, document, **settings)`: the result the CLI gives, with the session's one model.

    Settings are the project's `[tool.evalkit]` (and command-line options); keyword arguments
    override them for one call, e.g. `expect={...}` or `max_unsupported_claims=1`. The result is the
    calling test's to check: it is not added to the run's report, which covers the capture items (README).
    """
    from evalkit.frontends.api import score_pair

    state = pytestconfig.stash[session_key]

    def judge(summary: str, document: str, **overrides: Any) -> SummaryResult:
        settings = state.settings.replace(overrides, "evalkit_score()") if overrides else state.settings
        return score_pair(summary, document, settings, state.encoder)

    return judge


def assert_supported(result: SummaryResult) -> None:
    """Fail the test with the message a failing capture item shows, if `result` misses a check."""
    __tracebackhide__ = True
    if not result.passed:
        pytest.fail(explain(result), pytrace=False)


def explain(result: SummaryResult) -> str:
    """Why `result` failed, as `evalkit run` says it (imported on use: the plugin loads with every pytest)."""
    from evalkit.outputs.present import explain as explain_result

    return explain_result(result)


class CaptureFailed(Exception):
    """A capture missed a threshold or a pin: reported as `explain()` says, without a traceback."""

    def __init__(self, result: SummaryResult) -> None:
        super().__init__(result.id)
        self.result = result


class KnownMiss(Exception):
    """A capture passed every check but one its sidecar declares a known judge miss: an expected failure."""

    def __init__(self, result: SummaryResult) -> None:
        super().__init__(result.id)
        self.result = result


class CaptureFile(pytest.File):
    """A capture file; its summaries (one for a page capture) become items when collected.

    A sidecar that declares known judge misses marks its item `xfail` (for `KnownMiss` only, so any other
    failure still fails): pytest reports it `xfailed` while the judge misses, `XPASS` once it is right."""

    def collect(self) -> Iterator[CaptureItem]:
        from evalkit.scoring.pipeline import jobs_from_paths

        state = self.config.stash[session_key]
        jobs = list(jobs_from_paths([self.path], state.settings))
        for number, job in enumerate(jobs, start=1):
            name = self.path.stem if len(jobs) == 1 else f"{self.path.stem}[{number}]"
            item = CaptureItem.from_parent(self, name=name, job=state.adapt(job))
            if job.settings.known_miss:
                why = "; ".join(job.settings.known_miss.values())
                item.add_marker(pytest.mark.xfail(raises=KnownMiss, reason=f"known judge miss: {why}", strict=False))
            yield item


class CaptureItem(pytest.Item):
    """One summary judged against its article; fails when pipeline finds it misses a check."""

    def __init__(self, *, job: Job, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.job = job
        self.result: SummaryResult | None = None
        self.add_marker("evalkit")

    def runtest(self) -> None:
        self.result = self.config.stash[session_key].score(self)
        if not self.result.passed:
            raise CaptureFailed(self.result)
        if self.result.known_misses:
            raise KnownMiss(self.result)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str | TerminalRepr:
        if isinstance(excinfo.value, CaptureFailed):
            return explain(excinfo.value.result)
        if isinstance(excinfo.value, EvalkitError):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"evalkit: {self.job.id}"


class EvalkitSession:
    """Settings, the one encoder and the results of a pytest session; registered as a plugin."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        try:
            self.given = options.values(config.option, options.PYTEST_PREFIX)
            settings, self.root = load(config.rootpath, options.flags(self.given))
            self.folders = tuple((self.root / folder).resolve() for folder in settings.references)
            if self.is_controller and any(folder.is_dir() for folder in self.folders):
                # A project using evalkit: report paths and the cache folder are checked before any item runs.
                self._layout(settings).check(settings, reads=[f for f in self.folders if f.is_dir()])
        except EvalkitError as exc:
            raise pytest.UsageError(f"evalkit: {exc}") from None
        self.settings = settings
        self.results: dict[str, SummaryResult] = {}  # by node id, so each item counts once
        self.written: list[Path] = []
        self.problems: list[str] = []
        self._pending: dict[CaptureItem, SummaryResult] = {}
        self._started = datetime.now(UTC).isoformat(timespec="seconds")
        self._clock = time.perf_counter()

    def _layout(self, settings: Settings) -> Layout:
        """Where the session writes; imported on use: the writer imports the report, which a plain pytest
        run never needs."""
        from evalkit.outputs.layout import Layout

        layout = Layout.from_options(self.given, settings, self.config.invocation_params.dir)
        return dataclasses.replace(layout, copies=tuple(path for path, _ in self._old_reports(layout)))

    def _old_reports(self, layout: Layout) -> list[tuple[Path, str]]:
        """The report paths of earlier versions still written, each with its deprecation message."""
        asked = self.config.option.evalkit_report
        if asked is not None:  # `--evalkit-report=` asked for none, as it did
            path = self.config.invocation_params.dir / asked
            new = f"--evalkit-output-dir DIR writes the report to DIR/index.html (now {layout.folder}/index.html)"
            return [(path, f"--evalkit-report is deprecated and goes in evalkit 0.3: {new}")] if asked else []
        if layout.folder is None:
            return []
        old, new = layout.folder / OLD_REPORT, layout.folder / "index.html"
        return [(old, f"{old} is deprecated and is no longer written from evalkit 0.3: the same report is {new}")]

    @cached_property
    def encoder(self) -> Encoder:
        """Made on first use: a run that judges nothing (or an xdist controller) never loads the model."""
        from evalkit.scoring.pipeline import make_encoder

        return make_encoder(self.settings)

    @property
    def is_controller(self) -> bool:
        return not hasattr(self.config, "workerinput")

    def adapt(self, job: Job) -> Job:
        """The job with the paths in it relative to the root dir."""
        error = job.error and self._relative(job.error)
        return dataclasses.replace(job, id=self._relative(job.id), error=error)

    def _relative(self, text: str) -> str:
        return text.replace(f"{self.config.rootpath}{os.sep}", "")

    def score(self, item: CaptureItem) -> SummaryResult:
        """The item's result, scoring it together with the capture items due to run after it.

        Under xdist a worker cannot know which items it will get next, so it scores one at a time.
        """
        if item not in self._pending:
            from evalkit.scoring.pipeline import score_batch

            batch = (
                [item, *islice(self._due_after(item), self.settings.batch_size - 1)] if self.is_controller else [item]
            )
            results = score_batch([i.job for i in batch], self.encoder)
            self._pending.update(zip(batch, results, strict=True))
        return self._pending.pop(item)

    def _due_after(self, item: CaptureItem) -> Iterator[CaptureItem]:
        items = item.session.items
        start = items.index(item) + 1 if item in items else len(items)
        return (i for i in items[start:] if isinstance(i, CaptureItem) and i not in self._pending)

    def pytest_collect_file(self, file_path: Path, parent: pytest.Collector) -> CaptureFile | None:
        if not any(file_path.match(pattern) for pattern in self.settings.patterns):
            return None
        if parent.session.isinitpath(file_path) or self._in_references(file_path):
            return CaptureFile.from_parent(parent, path=file_path)
        return None

    @pytest.hookimpl(wrapper=True)
    def pytest_make_collect_report(
        self, collector: pytest.Collector
    ) -> Generator[None, pytest.CollectReport, pytest.CollectReport]:
        """pytest skips a link that leads nowhere (a loop, a broken link) without a word; in a references
        folder, one named like a capture becomes an item that fails saying so."""
        report = yield
        if isinstance(collector, pytest.Dir) and report.passed and self._in_references(collector.path):
            for path in sorted(collector.path.iterdir()):
                if path.is_symlink() and not path.exists() and any(path.match(p) for p in self.settings.patterns):
                    report.result.append(CaptureFile.from_parent(collector, path=path))
        return report

    def _in_references(self, folder: Path) -> bool:
        resolved = folder.resolve()
        return any(resolved.is_relative_to(f) for f in self.folders)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        if call.when == "call" and isinstance(item, CaptureItem) and item.result is not None:
            setattr(report, REPORT_ATTR, item.result.to_dict())
        return report

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        data = getattr(report, REPORT_ATTR, None)
        if data is not None and self.is_controller:
            self.results[report.nodeid] = SummaryResult.from_dict(data)

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        """The controller alone writes, through the same writer and layout as `evalkit run`."""
        if not self.is_controller or not self.results:
            return
        try:
            layout = self._layout(self.settings)
            self.written = layout.write(self._run())
        except EvalkitError as exc:  # a pytest session reports its own outcome; the outputs' problem is noted
            self.problems.append(f"evalkit: no report: {exc}")
            return
        for _, message in self._old_reports(layout):  # after writing: an error filter cannot cost the report
            warnings.warn(message, EvalkitDeprecationWarning, stacklevel=1)

    def _run(self) -> RunResult:
        from evalkit.result import RunResult
        from evalkit.scoring.pipeline import run_signature

        settings = self.settings
        if self.config.pluginmanager.hasplugin("dsession"):  # under xdist each worker scores items one by one
            settings = dataclasses.replace(settings, batch_size=1)
        sig = run_signature(settings)
        results = tuple(sorted(self.results.values(), key=lambda r: r.id))
        return RunResult(results, sig, self._started, time.perf_counter() - self._clock)

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if not self.is_controller or not self.results:
            return
        from evalkit.outputs.present import format_table

        terminalreporter.write_sep("-", "evalkit")
        ordered = sorted(self.results.values(), key=lambda r: r.id)
        terminalreporter.write_line(format_table(ordered, extra=self.settings.table_columns))
        for path in self.written:
            terminalreporter.write_line(f"evalkit: wrote {path}")
        for problem in self.problems:
            terminalreporter.write_line(problem, yellow=True)
