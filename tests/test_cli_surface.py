"""What a newcomer meets first: `--version`, `--help` naming every command, and colour only on a terminal."""

from __future__ import annotations

import io
import re

import pytest

from evalkit.frontends import cli, options
from evalkit.outputs import colour
from evalkit.outputs.present import format_table
from evalkit.result import ClaimVerdict, SummaryResult

COMMANDS = ("run", "score", "report", "diff", "compare", "calibrate", "show", "pin", "review")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_version_names_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["--version"])
    assert exited.value.code == 0
    assert re.fullmatch(r"evalkit \S+\n", capsys.readouterr().out)


def test_help_lists_every_command_and_the_verbosity_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    out = capsys.readouterr().out
    listed = re.findall(r"^    (\w+)\s", out, flags=re.M)
    assert sorted(listed) == sorted(COMMANDS)
    assert "-q, --quiet" in out and "-v, --verbose" in out


@pytest.mark.parametrize("command", COMMANDS)
def test_quiet_and_verbose_are_accepted_before_and_after_every_command(command: str) -> None:
    parser = cli.build_parser()
    required = {
        "score": ["in.jsonl", "-o", "out.jsonl"],
        "report": ["r.json"],
        "diff": ["a", "b"],
        "compare": ["a", "b"],
        "show": ["f"],
    }
    assert parser.parse_args(["-q", command, *required.get(command, [])]).verbosity == -1
    assert parser.parse_args([command, *required.get(command, []), "-v"]).verbosity == 1
    assert not hasattr(parser.parse_args([command, *required.get(command, [])]), "verbosity")


def test_colour_only_on_a_terminal_without_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert colour.wanted(Terminal()) and not colour.wanted(io.StringIO())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not colour.wanted(Terminal())
    monkeypatch.setenv("NO_COLOR", "")  # an empty NO_COLOR does not count (no-color.org)
    assert colour.wanted(Terminal())


def test_a_coloured_table_is_the_plain_table_plus_escape_codes() -> None:
    numbers = {"rougeL_f1": 0.5, "similarity": 0.8}
    results = [
        SummaryResult("a.txt", "", {**numbers, "support": 0.9}, (), True),
        SummaryResult("bb.txt", "", {**numbers, "support": 0.1}, (), False, failures=("x",)),
        SummaryResult.for_error("c.txt", "c.txt: unreadable"),
    ]
    plain, painted = format_table(results), format_table(results, colour=True)
    assert painted != plain and "\x1b[1;31m  FAIL\x1b[0m" in painted
    assert re.sub(r"\x1b\[[0-9;]*m", "", painted) == plain


def test_the_table_shows_pinned_unsupported_claims_and_says_what_its_marks_mean() -> None:
    """`unsupported` counts open claims; pinned ones show beside it, and a legend explains both marks."""
    pinned = ClaimVerdict("x", "", 0, 1, "unsupported", 0.1, expected="unsupported")
    missed = ClaimVerdict("y", "", 0, 1, "weak", 0.5, expected="supported", known_miss="paraphrase")
    numbers = {"rougeL_f1": 0.5, "similarity": 0.8, "support": 0.5, "unsupported": 0.0}
    results = [
        SummaryResult("a.txt", "", numbers, (pinned, missed), True),
        SummaryResult("b.txt", "", numbers, (), True),
    ]
    table = format_table(results)
    row = next(line for line in table.splitlines() if line.startswith("a.txt"))
    assert "0 (+1 pinned)" in row and row.endswith("known miss")
    assert "\nknown miss: passed; " in table and "\n(+N pinned): unsupported claims a reviewer pinned" in table
    plain = format_table(results[1:])
    assert "known miss" not in plain and "pinned" not in plain  # no legend where nothing needs one


def test_experimental_coverage_is_out_of_the_table_unless_asked_for() -> None:
    """`coverage` is experimental: the table leaves it out by default, shows it when `table_columns`
    names it, and a misspelt column name stops the run with one line naming the opt-in columns."""
    from evalkit import metrics
    from evalkit.errors import SettingsError
    from evalkit.settings import Settings

    results = [SummaryResult("a.txt", "", {"rougeL_f1": 0.5, "support": 0.9, "coverage": 0.4321}, (), True)]
    header = format_table(results).splitlines()[0].split()
    assert "coverage" not in header and "similarity" in header
    shown = format_table(results, extra=("coverage",))
    assert "coverage" in shown.splitlines()[0] and "0.432" in shown
    with pytest.raises(SettingsError, match="unknown column 'coverge'.*opt-in columns: coverage"):
        metrics.table_columns(("coverge",))
    parse = next(o for o in options.SETTINGS if o.name == "table_columns").type
    flags = options.flags({"table_columns": parse("coverage, ")})
    assert Settings().replace(flags, "flags").table_columns == ("coverage",)
