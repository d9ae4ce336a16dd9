"""The one table of options: each row makes a command-line flag of `evalkit` and a pytest option.

`--judge` (CLI) and `--evalkit-judge` (pytest) come from the same row, with the same help and type, so
the two front ends cannot drift apart. Rows with a `setting` become flags that `settings.load` applies
last; the others are where a run writes (the output layout both front ends share).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from evalkit.settings import RUNTIMES

if TYPE_CHECKING:
    import pytest


@dataclass(frozen=True)
class Option:
    name: str  # the flag without dashes: `--cache-dir` / `--evalkit-cache-dir`; the value's key: cache_dir
    help: str
    type: Callable[[str], Any] | None = None
    setting: str | None = ""  # the `Settings` key it sets: "" for the one named `name`, None for an output option
    switch: Any = None  # for a flag that takes no value: what it sets `setting` to when given
    default: Any = None
    metavar: str | None = None
    choices: tuple[str, ...] | None = None

    @property
    def key(self) -> str | None:
        return self.name if self.setting == "" else self.setting

    @property
    def flag(self) -> str:
        return self.name.replace("_", "-")

    def kwargs(self) -> dict[str, Any]:
        if self.switch is not None:
            return {"action": "store_true", "help": self.help}
        found: dict[str, Any] = {"help": self.help, "default": self.default, "metavar": self.metavar}
        if self.choices:
            found["choices"] = self.choices
        return {**found, "type": self.type} if self.type else found


SETTINGS = (
    Option("model", "sentence-transformers model folder (default: bundled MiniLM-L6-v2)"),
    Option("runtime", "where the models run: openvino (default, faster) or torch (reference)", choices=RUNTIMES),
    Option("cache_dir", "cache of vectors, sentence splits, judge scores (default .evalkit_cache)"),
    Option("no_cache", "do not read or write the cache", setting="cache", switch=False),
    Option("batch_size", "summaries per encoding batch (default 64)", int),
    Option("judge", "bundled (default), lexical, nli:DIR, openai:URL or an installed judge (docs/judges.md)"),
    Option("judge_model", "the model an openai: judge asks for"),
    Option("support_threshold", "claims scoring below this are unsupported", float),
    Option("weak_band", "width of the weak band above the threshold", float),
    Option(
        "table_columns",
        "experimental columns the terminal table shows too, comma-separated: coverage",
        lambda text: tuple(name.strip() for name in text.split(",") if name.strip()),
        metavar="NAMES",
    ),
    Option("allow_empty", "succeed when the inputs hold nothing to judge (default: exit 2)", switch=True),
)
# Where `evalkit run` and a pytest session write: the same layout (`evalkit.outputs.layout`, default folder `reports`).
OUTPUTS = (
    Option("output_dir", "where results.json, index.html and history.jsonl go ('' writes none)", setting=None),
    Option("junit", "also write JUnit XML, one testcase per summary", setting=None, metavar="PATH"),
    Option("markdown", "also write a Markdown summary (totals, failures, changes)", setting=None, metavar="PATH"),
)
PYTEST_PREFIX = "evalkit_"


def add_to_parser(parser: argparse.ArgumentParser, rows: tuple[Option, ...]) -> None:
    for row in rows:
        parser.add_argument(f"--{row.flag}", dest=row.name, **row.kwargs())


def add_to_pytest(group: pytest.OptionGroup, rows: tuple[Option, ...]) -> None:
    for row in rows:
        default = f" (default: {row.default})" if row.default not in (None, "") else ""
        kwargs = {**row.kwargs(), "help": row.help + default}
        group.addoption(f"--evalkit-{row.flag}", dest=PYTEST_PREFIX + row.name, **kwargs)


def values(source: Any, prefix: str = "") -> dict[str, Any]:
    """Every option's value by name, from an argparse namespace or pytest's `config.option`."""
    return {row.name: getattr(source, prefix + row.name, None) for row in (*SETTINGS, *OUTPUTS)}


def flags(given: Mapping[str, Any]) -> dict[str, Any]:
    """The settings the given option values set (None and unset switches: not given)."""
    found: dict[str, Any] = {}
    for row in SETTINGS:
        value, key = given.get(row.name), str(row.key)
        if row.switch is not None:
            if value:
                found[key] = row.switch
        elif value is not None:
            found[key] = value
    return found
