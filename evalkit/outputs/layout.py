"""The one run layout: what `evalkit run` and a pytest session write, where, checked before scoring.

One layout for both front ends: `results.json`, `index.html` and `history.jsonl` in the output folder
(`reports/` by default), plus JUnit XML and a Markdown summary where asked. Every path is checked before
any scoring starts (`check`), and each file is written whole or not at all (`evalkit.writer`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evalkit import writer
from evalkit.outputs import junit, markdown, paths, report
from evalkit.result import RunResult
from evalkit.runs import history
from evalkit.settings import Settings

DEFAULT_FOLDER = "reports"
RESULTS, REPORT = "results.json", "index.html"


@dataclass(frozen=True)
class Layout:
    """Where one run's files go; `folder` None writes none of the folder's three files."""

    folder: Path | None
    junit: Path | None = None
    markdown: Path | None = None
    history_runs: int = 0  # runs kept in the history (0: none written)
    # The HTML report again at the paths earlier versions wrote it to (a pytest session's `reports/evalkit.html`,
    # `--evalkit-report PATH`), kept for one minor version so CI scripts written for them keep working.
    copies: tuple[Path, ...] = ()

    @classmethod
    def from_options(cls, given: Mapping[str, Any], settings: Settings, base: Path | None = None) -> Layout:
        """The layout the output options ask for (`evalkit.frontends.options.OUTPUTS`), relative paths under `base`."""
        base = base or Path()
        folder = given.get("output_dir")
        folder = DEFAULT_FOLDER if folder is None else folder

        def path(value: str | None) -> Path | None:
            return base / value if value else None

        return cls(path(folder), path(given.get("junit")), path(given.get("markdown")), settings.history_runs)

    @property
    def history(self) -> Path | None:
        return self.folder / history.FILE_NAME if self.folder and self.history_runs else None

    def files(self) -> list[Path]:
        """Every file this layout writes."""
        named = [self.folder / RESULTS, self.folder / REPORT, self.history] if self.folder else []
        return [p for p in (*named, *self.copies, self.junit, self.markdown) if p is not None]

    def check(self, settings: Settings, reads: Iterable[str | Path]) -> None:
        """Raise `OutputError` now, before scoring, for any path the run could not write."""
        paths.check(settings, reads=reads, files=self.files(), folders=[self.folder] if self.folder else [])

    def write(self, run: RunResult) -> list[Path]:
        """Write the run; the paths written, in order. A file that cannot be written is an `OutputError`
        naming it, and the file it would have replaced is left whole (`evalkit.writer`)."""
        written: list[Path] = []
        records = []
        page = None  # the report rendered once; its copies are that file again, not a second rendering
        if self.folder:
            written.append(writer.write_json(self.folder / RESULTS, run.to_dict()))
            if self.history:
                records = history.append(self.history, run, self.history_runs)
                written.append(self.history)
            page = report.write(run, self.folder / REPORT, records)
            written.append(page)
        for copy in self.copies:
            written.append(writer.write_file(copy, page.read_bytes()) if page else report.write(run, copy, records))
            page = page or written[-1]
        if self.junit:
            written.append(writer.write_file(self.junit, junit.junit_xml(run)))
        if self.markdown:
            written.append(writer.write_file(self.markdown, markdown.run_summary(run, history.since_last(records))))
        return written
