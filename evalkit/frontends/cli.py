"""`evalkit` judges AI-written summaries against their articles, offline; `evalkit COMMAND --help` for more.

A thin shell over `pipeline`: it parses arguments, shows progress, writes outputs, and turns every
`EvalkitError` into one line on stderr and exit code 2. Exit 1 means the run worked and some
summary failed its thresholds; exit 3 that the judge could not score some claims (a served judge that
kept failing), whose records say why; exit 4 that a metric or judge plugin broke its contract (named
once); 130 that Ctrl-C stopped it (`frontends.exits`).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from tqdm import tqdm

from evalkit import metrics, writer
from evalkit.errors import EvalkitError, EvalkitWarning, InputError, OutputError
from evalkit.frontends import exits, options
from evalkit.outputs import colour, markdown, paths, report
from evalkit.outputs.layout import Layout
from evalkit.outputs.present import claim_lines, format_comparison, format_table, miss_lines
from evalkit.outputs.report import source
from evalkit.prepare import claims as claims_mod
from evalkit.read.capture import Capture, read_capture
from evalkit.result import SummaryResult
from evalkit.runs.compare import DEFAULT_ALPHA, compare_runs, signature_changes
from evalkit.runs.diff import DEFAULT_TOLERANCE, compare, format_text, signature_differences
from evalkit.runs.paired import DEFAULT_RESAMPLES, DEFAULT_SEED, fewest_resamples
from evalkit.runs.records import RunRecord, read_run, read_signature
from evalkit.scoring.pipeline import Job, evalkit_version, evaluate, jobs_from_paths, run_signature
from evalkit.settings import Settings, find_pyproject, load
from evalkit.text import printable


def _settings(args: argparse.Namespace) -> tuple[Settings, Path]:
    return load(flags=options.flags(options.values(args)))


def _paths(args: argparse.Namespace, settings: Settings, root: Path) -> list[str]:
    """The PATHS given, or the project's references (relative to the current folder, as ids are)."""
    return args.paths or [os.path.relpath(root / p) for p in settings.references]


def _verbosity(args: argparse.Namespace) -> int:
    """-1 with -q (results and errors only), 1 with -v (weak claims and the signature too), else 0."""
    return getattr(args, "verbosity", 0)


def _progress(total: int | None, unit: str, args: argparse.Namespace) -> tqdm:
    """Items/s and ETA on a terminal; silent when stderr is not a TTY (CI logs, pipes) or with -q."""
    quiet = True if _verbosity(args) < 0 else None
    return tqdm(total=total, unit=unit, disable=quiet, file=sys.stderr, dynamic_ncols=True, leave=False)


def _refuse_nothing(jobs: list[Job], settings: Settings) -> None:
    """Nothing to judge is an error, unless the settings allow it: a gate that checked nothing is not green.
    (A folder given that holds no capture is already its own error record, `NothingToJudge`.)"""
    if jobs or settings.allow_empty:
        return
    raise EvalkitError(
        "nothing to judge: [tool.evalkit] references is empty"
        " (allow_empty = true in [tool.evalkit], or --allow-empty, if that is meant)"
    )


def cmd_run(args: argparse.Namespace) -> int:
    settings, root = _settings(args)
    inputs = _paths(args, settings, root)
    layout = Layout.from_options(options.values(args), settings)
    layout.check(settings, reads=inputs)
    jobs = list(jobs_from_paths(inputs, settings))
    _refuse_nothing(jobs, settings)
    with _progress(len(jobs), "summary", args) as bar:
        run = evaluate(jobs, settings, on_result=lambda _: bar.update())
    results = list(run.results)
    verbosity = _verbosity(args)
    if verbosity >= 0:
        print(format_table(results, colour=colour.wanted(sys.stdout), extra=settings.table_columns))
    if verbosity > 0:
        print("judged with " + ", ".join(f"{k} {run.signature[k]}" for k in ("judge", "model", "evalkit")))
    shown = ("unsupported", "error", "weak") if verbosity > 0 else ("unsupported", "error")
    for r in results:
        failures = [f for f in r.failures if f not in r.plugin_errors]  # a broken plugin is named once, below
        for message in ([r.error] if r.error else []) + [f"{r.id}: {f}" for f in (*failures, *miss_lines(r))]:
            print(message, file=sys.stderr)
        for claim in (c for c in r.claims if c.verdict in shown and verbosity >= 0):
            head, *details = claim_lines(claim, indent="", colour=colour.wanted(sys.stderr))
            print(f"{r.id}: {head}", *details, sep="\n", file=sys.stderr)
    _name_broken_plugins(Counter(p for r in results for p in r.plugin_errors))
    written = layout.write(run)
    failed = [r for r in results if not r.passed]
    print(
        "\n" * (verbosity >= 0) + f"{len(results) - len(failed)} passed, {len(failed)} failed in {run.seconds:.1f}s; "
        f"wrote {', '.join(map(str, written)) or 'nothing'}"
    )
    return exits.for_results(results)


def _name_broken_plugins(problems: Counter[str]) -> None:
    """Each metric or judge that broke its contract, once, with how many summaries it left incomplete."""
    for problem, count in problems.items():
        print(f"evalkit: {problem} (in {count} summar{'y' if count == 1 else 'ies'})", file=sys.stderr)


def cmd_report(args: argparse.Namespace) -> int:
    settings, _ = load(flags={"cache": False})  # the project's thresholds; a report reads no cache
    output = Path(args.output or Path(args.results).with_suffix(".html"))
    paths.check(settings, reads=[args.results], files=[output])
    run = source.read_results(args.results, settings)
    report.write(run, output, source.history_of(args.results, run))
    print(f"wrote {output} ({len(run.results)} summaries)")
    return 0


def _read_runs(first: str, second: str) -> tuple[RunRecord, RunRecord]:
    """Two runs to set against each other, saying when one has no signature to check."""
    runs = read_run(first), read_run(second)
    for name, record in zip((first, second), runs, strict=True):
        if record.signature is None:
            print(
                f"evalkit: {name} has no signature (no .meta.json beside it); signatures not compared",
                file=sys.stderr,
            )
    return runs


def _refuse_signature_changes(first: str, second: str, changes: tuple[str, ...], allowed: bool) -> None:
    if changes and not allowed:
        raise EvalkitError(
            f"{first} and {second} were judged with different signatures ({'; '.join(changes)}),"
            " so their verdicts are not comparable (--allow-signature-change compares them anyway)"
        )


def cmd_diff(args: argparse.Namespace) -> int:
    found = compare(*_read_runs(args.old, args.new), args.tolerance, args.allow_signature_change)
    _refuse_signature_changes(args.old, args.new, found.signature_changes, args.allow_signature_change)
    if args.format == "json":
        print(json.dumps(found.to_dict(), indent=2, ensure_ascii=False))
    else:
        sys.stdout.write(markdown.diff_summary(found) if args.format == "markdown" else format_text(found))
    return exits.FAILED if args.fail_on_regression and found.regressed else 0


def cmd_compare(args: argparse.Namespace) -> int:
    if args.output:
        paths.check(Settings(cache=False), reads=[args.a, args.b], files=[args.output])
    fewest = fewest_resamples(1 - args.alpha)
    if args.resamples < fewest:
        raise EvalkitError(
            f"--resamples {args.resamples} can never show a difference at --alpha {args.alpha:g}: give {fewest} or more"
        )
    a, b = _read_runs(args.a, args.b)
    _refuse_signature_changes(args.a, args.b, signature_changes(a, b), args.allow_signature_change)
    found = compare_runs(a, b, (args.a, args.b), args.alpha, args.resamples, args.seed, args.allow_signature_change)
    known = [c.name for c in metrics.columns()]
    unknown = [name for name in args.fail_if_worse if name not in known]
    if unknown:
        raise EvalkitError(f"--fail-if-worse: unknown metric {', '.join(unknown)} (known: {', '.join(known)})")
    owner = {c.name: m.name for m in metrics.registered() for c in m.columns}
    why = dict(found.not_compared)
    uncompared = [f"{n} ({owner[n]}: {why[owner[n]]})" for n in args.fail_if_worse if owner.get(n) in why]
    if uncompared:
        raise EvalkitError(f"--fail-if-worse: not compared: {', '.join(uncompared)}")
    gated = [found.metric(name) for name in args.fail_if_worse]
    missing = [name for name, m in zip(args.fail_if_worse, gated, strict=True) if m is None]
    if missing:
        raise EvalkitError(f"--fail-if-worse: no summary compared has a value for {', '.join(missing)}")
    if args.format == "json":
        print(json.dumps(found.to_dict(), indent=2, ensure_ascii=False, allow_nan=False))
    else:
        shown = markdown.compare_summary if args.format == "markdown" else format_comparison
        sys.stdout.write(shown(found, everything=args.all))
    if args.output:
        writer.write_file(args.output, report.render_comparison(found, everything=args.all))
        print(f"wrote {args.output}", file=sys.stderr)
    worse = [m.name for m in gated if m is not None and m.outcome == "worse"]
    if worse:
        print(f"evalkit: B is significantly worse than A on {', '.join(worse)} (p < {args.alpha:g})", file=sys.stderr)
    return exits.FAILED if worse else 0


def cmd_calibrate(args: argparse.Namespace) -> int:
    from evalkit.scoring.calibrate import calibrate, format_calibration, read_pyproject, write_threshold

    settings, root = _settings(args)
    pyproject = find_pyproject(root)
    if args.write:  # every place --write will write is checked before any scoring
        if pyproject is None:
            raise EvalkitError("--write: no pyproject.toml at or above the current folder")
        paths.check(settings, files=[pyproject])
        read_pyproject(pyproject)
    else:
        paths.check(settings)  # the cache folder
    found = calibrate(_paths(args, settings, root), settings)
    for problem in found.skipped:
        print(f"evalkit: skipped {problem}", file=sys.stderr)
    print(format_calibration(found))
    if pyproject is not None and args.write:
        if found.best_threshold == found.threshold:
            print(f"{pyproject} unchanged: no threshold does better on these labels")
        else:
            write_threshold(pyproject, found.best_threshold)
            print(f"wrote support_threshold = {found.best_threshold:.3f} to {pyproject}")
    return 0


def _tolerance(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"must be a number >= 0, not {text!r}")
    return value


def _alpha(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value < 0.5:
        raise argparse.ArgumentTypeError(f"must be a number between 0 and 0.5, not {text!r}")
    return value


def _resamples(text: str) -> int:
    value = int(text) if text.isdigit() else 0
    if value < 100:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 100, not {text!r}")
    return value


def _done_ids(output: Path) -> Counter[str]:
    """Ids (with their counts) of the complete records an earlier, interrupted run wrote, for --resume."""
    done: Counter[str] = Counter()
    if not output.exists():
        return done
    with output.open("rb") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                done[str(json.loads(line)["id"])] += 1  # bytes: invalid UTF-8 is a ValueError too
            except (ValueError, KeyError, TypeError):
                # Only the last line can be cut short, and that was trimmed: this is not our file.
                raise OutputError(
                    printable(str(output)),
                    f"line {number} is not an evalkit record; --resume continues only a file evalkit score wrote",
                ) from None
    return done


def _check_same_run(output: Path, meta: Path, signature: dict[str, Any]) -> None:
    """--resume continues only records scored the same way (judge, model, bands, thresholds, version)."""
    earlier = read_signature(meta)
    if earlier is None:
        raise OutputError(printable(str(output)), f"has records but no {meta.name} saying how they were scored")
    differences = signature_differences(earlier, signature)
    if differences:
        raise OutputError(
            printable(str(output)),
            f"was scored with another signature ({'; '.join(differences)}); --resume would mix them "
            "(resume with the same settings, or write to another file)",
        )


def _trim_partial_line(output: Path) -> None:
    """Drop a last line left half-written by a kill, so appended records stay one per line."""
    data = output.read_bytes()
    if data and not data.endswith(b"\n"):
        os.truncate(output, data.rfind(b"\n") + 1)  # writes nothing, so a full disk cannot stop it


def _exit_code(records: list[dict[str, Any]]) -> int:
    """The code for a whole `score` output: its records as written (`evalkit score` gates on no threshold)."""
    unjudged = any(c.get("verdict") == "error" for r in records for c in r.get("claims", ()))
    plugin = any(r.get("plugin_errors") for r in records)
    return exits.code(errors=any(r.get("error") for r in records), plugin=plugin, unjudged=unjudged)


def _in_input_order(output: Path, ids: list[str]) -> list[dict[str, Any]]:
    """Rewrite `output` in input order if a resumed run left it otherwise; return its records.

    Records are written in input order, so a resumed file normally already is; this covers a file whose
    earlier part came from a run over other inputs or another order.
    """
    lines = writer.split_records(output.read_text(encoding="utf-8"))
    records = [json.loads(line) for line in lines]
    slots: dict[str, list[int]] = {}
    for position, id in enumerate(ids):
        slots.setdefault(id, []).append(position)
    keys = [slots[str(r["id"])].pop(0) if slots.get(str(r["id"])) else len(ids) + i for i, r in enumerate(records)]
    if keys != sorted(keys):
        ordered = [line for _, line in sorted(zip(keys, lines, strict=True), key=lambda pair: pair[0])]
        writer.write_file(output, "".join(ordered))
    return records


def cmd_score(args: argparse.Namespace) -> int:
    settings, _ = _settings(args)
    for name in args.inputs:
        if not os.path.lexists(name):  # a broken or looping link is reported by the walk, as a record
            raise InputError(printable(name), "no such file or folder")
    output = Path(args.output)
    meta = output.with_suffix(".meta.json")  # the signature, so scores from another judge are never mixed up
    paths.check(settings, reads=args.inputs, files=[output, meta])
    with writer.sole_writer(output):  # before reading, trimming or truncating: one writer per output file
        return _score_into(output, meta, settings, args)


def _score_into(output: Path, meta: Path, settings: Settings, args: argparse.Namespace) -> int:
    """`evalkit score` once `output` is this process's alone."""
    if args.resume and output.exists():
        _trim_partial_line(output)  # before reading ids: a cut-off last line may still parse as JSON
    done = _done_ids(output) if args.resume else Counter()
    every = list(jobs_from_paths(args.inputs, settings))
    left = done.copy()
    jobs = []
    for job in every:
        if left[job.id] > 0:  # skip as many records per id as were written (ids may repeat)
            left[job.id] -= 1
        else:
            jobs.append(job)
    errors = unjudged = 0
    broken: Counter[str] = Counter()  # each broken plugin's line, named once at the end
    sig = run_signature(settings)
    if done:
        _check_same_run(output, meta, sig)
    writer.write_json(meta, {"signature": sig})
    with writer.RecordStream(output, append=args.resume) as stream, _progress(len(jobs), "pair", args) as bar:

        def write(result: SummaryResult) -> None:
            nonlocal errors, unjudged
            if result.error:
                errors += 1
                bar.write(f"evalkit: {result.error}", file=sys.stderr)
                result = replace(result, judge=sig["judge"], runtime=sig["runtime"])
            unjudged += bool(result.unjudged)
            broken.update(result.plugin_errors)
            stream.write(result.to_record())
            bar.update()

        try:
            _score(jobs, settings, write, args)
        except KeyboardInterrupt:
            return _interrupts.say(f"; finished records are in {output} (rerun with --resume)")
    _name_broken_plugins(broken)
    skipped = f", {len(every) - len(jobs)} already done" if done else ""
    print(
        f"scored {len(jobs) - errors} of {len(jobs)} input(s){skipped}; {errors} error(s)"
        + (f"; {unjudged} with claims the judge could not score" if unjudged else "")
        + f"; wrote {output} and {meta}",
        file=sys.stderr,
    )
    if args.resume:  # the exit code covers the whole file, as an uninterrupted run's would
        return _exit_code(_in_input_order(output, [job.id for job in every]))
    return exits.code(errors=errors > 0, plugin=bool(broken), unjudged=unjudged > 0)


def _score(jobs: list[Job], settings: Settings, write: Any, args: argparse.Namespace) -> None:
    if args.engine == "ray":
        from evalkit.scoring.engine_ray import score_with_ray

        for result in score_with_ray(jobs, settings, address=args.ray_address):
            write(result)
    else:
        evaluate(jobs, settings, on_result=write, keep=False)


def _show_lines(capture: Capture) -> Iterator[str]:
    yield f"title: {capture.title or '(none)'}"
    yield f"summary found by: {capture.summary_by or '(not recorded)'}"
    yield "summary:"
    found = claims_mod.split(capture)
    for block in capture.summary_blocks:
        if block.kind == "heading":
            yield f"  ## {block.text}"
            continue
        for claim in found:
            if block.start <= claim.start < block.end:
                yield f"  [{'bullet' if block.kind == 'bullet' else 'claim'} {claim.start}-{claim.end}] {claim.text}"
    body = capture.body_paragraphs
    yield f"article read by: {capture.article_by or '(not recorded)'}"
    yield f"body: {len(body)} paragraph(s), {sum(len(p.split()) for p in body)} words"
    yield f"  first: {body[0]}"
    if len(body) > 1:
        yield f"  last:  {body[-1]}"
    if capture.kept:
        yield f"kept in the summary though a chrome rule matches: {len(capture.kept)}"
        for k in capture.kept:
            yield f"  [{k.rule}] {k.text}"
    yield f"dropped as boilerplate: {len(capture.dropped)}"
    for d in capture.dropped:
        yield f"  [{d.rule}] {d.text}"
    for warning in capture.warnings:
        yield f"warning: {warning}"


def _show_json(capture: Capture) -> dict[str, Any]:
    """The parse as one JSON object, for debugging a capture or asserting on it in CI (docs/cli.md)."""
    return {
        "file": capture.source,
        "title": capture.title,
        "summary": capture.summary,
        "claims": [claim.text for claim in claims_mod.split(capture)],
        "article": list(capture.body_paragraphs),
        "dropped": [{"text": d.text, "rule": d.rule} for d in capture.dropped],
        "kept": [{"text": k.text, "rule": k.rule} for k in capture.kept],
        "warnings": list(capture.warnings),
        "summary_by": capture.summary_by,
        "article_by": capture.article_by,
    }


def cmd_show(args: argparse.Namespace) -> int:
    capture = read_capture(args.file)
    if args.format == "json":
        print(json.dumps(_show_json(capture), ensure_ascii=False, indent=2))
        return 0
    for line in _show_lines(capture):
        print(line)
    return 0


def cmd_pin(args: argparse.Namespace) -> int:
    from evalkit.frontends.pinning import pin_captures

    settings, root = _settings(args)
    paths.check(settings)  # the cache folder
    for path in pin_captures(_paths(args, settings, root), settings, confirm=args.confirm):
        print(f"pinned {printable(str(path))}")
    if not args.confirm:
        print(
            "claims without a reviewed pin are pinned under [unreviewed]: check each against its article, "
            "then move it to [expect] or run `evalkit pin --confirm`"
        )
    return 0


def cmd_review(args: argparse.Namespace) -> int:
    from evalkit.frontends.review import export, open_session
    from evalkit.frontends.review_server import LOOPBACK, serve

    settings, root = _settings(args)
    inputs = _paths(args, settings, root)
    paths.check(settings, reads=inputs, files=[args.export] if args.export else [])
    session = open_session(inputs, settings, every=args.all)
    if args.export:
        count, without = export(session, Path(args.export))
        print(f"wrote {count} labelled claim(s) to {args.export}", file=sys.stderr)
        if without:
            print(f"evalkit: {without} reviewed claim(s) left out: score output holds no article", file=sys.stderr)
        return 0
    if args.host not in LOOPBACK:
        print(
            f"evalkit: warning: serving on {args.host}, not this machine only: anyone who reaches it with the "
            "URL's token can change your sidecars",
            file=sys.stderr,
        )

    def announce(url: str) -> None:
        print(f"review at {url}", flush=True)
        print("evalkit: every decision is saved as it is made; Ctrl-C stops the server", file=sys.stderr)

    serve(session, args.host, args.port, browser=not args.no_browser, announce=announce)
    return 0


def build_parser() -> argparse.ArgumentParser:
    # -q/-v are accepted before and after the command; SUPPRESS keeps a command's parser from
    # resetting what was given before it.
    verbosity = argparse.ArgumentParser(add_help=False)
    loudness = verbosity.add_mutually_exclusive_group()
    loudness.add_argument(
        "-q",
        "--quiet",
        dest="verbosity",
        action="store_const",
        const=-1,
        default=argparse.SUPPRESS,
        help="no progress bar, table or claim list: results files, failures and errors only",
    )
    loudness.add_argument(
        "-v",
        "--verbose",
        dest="verbosity",
        action="store_const",
        const=1,
        default=argparse.SUPPRESS,
        help="also list weak claims and what judged them",
    )
    parser = argparse.ArgumentParser(prog="evalkit", description=__doc__.splitlines()[0], parents=[verbosity])
    parser.add_argument("--version", action="version", version=f"evalkit {evalkit_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def model_options(p: argparse.ArgumentParser) -> None:
        options.add_to_parser(p, options.SETTINGS)

    run = sub.add_parser(
        "run", parents=[verbosity], help="judge every capture in the references (or PATHS) and write reports"
    )
    run.add_argument("paths", nargs="*", help="capture files or folders (default: [tool.evalkit] references)")
    options.add_to_parser(run, options.OUTPUTS)
    model_options(run)
    run.set_defaults(func=cmd_run)

    score = sub.add_parser("score", parents=[verbosity], help="batch-score JSONL pairs or captures into a JSONL file")
    score.add_argument("inputs", nargs="+", help="JSONL files of {id, document, summary}, capture files or folders")
    score.add_argument("-o", "--output", required=True, help="output JSONL, one record per input")
    score.add_argument("--resume", action="store_true", help="keep OUTPUT and skip ids already in it")
    score.add_argument("--engine", choices=["local", "ray"], default="local", help="where to score (default local)")
    score.add_argument("--ray-address", help="Ray cluster address (default: RAY_ADDRESS or a local instance)")
    model_options(score)
    score.set_defaults(func=cmd_score)

    show = sub.add_parser("show", parents=[verbosity], help="print how a capture file was parsed")
    show.add_argument("file")
    show.add_argument("--format", choices=["text", "json"], default="text", help="output (default text)")
    show.set_defaults(func=cmd_show)

    report_ = sub.add_parser(
        "report", parents=[verbosity], help="the HTML report of a results.json or evalkit score JSONL"
    )
    report_.add_argument("results", help="results.json from evalkit run, or JSONL from evalkit score")
    report_.add_argument("-o", "--output", help="the HTML file to write (default: RESULTS with .html)")
    report_.set_defaults(func=cmd_report)

    diff = sub.add_parser(
        "diff", parents=[verbosity], help="what changed between two runs (results.json or evalkit score JSONL)"
    )
    diff.add_argument("old", help="the earlier run: results.json or evalkit score JSONL")
    diff.add_argument("new", help="the later run")
    diff.add_argument("--fail-on-regression", action="store_true", help="exit 1 when anything regressed")
    diff.add_argument("--format", choices=["text", "json", "markdown"], default="text", help="output (default text)")
    diff.add_argument("--allow-signature-change", action="store_true", help="compare runs judged differently")
    diff.add_argument(
        "--tolerance",
        type=_tolerance,
        default=DEFAULT_TOLERANCE,
        help=f"smallest score change reported (default {DEFAULT_TOLERANCE})",
    )
    diff.set_defaults(func=cmd_diff)

    comp = sub.add_parser(
        "compare", parents=[verbosity], help="which of two systems is better on the same inputs, with significance"
    )
    comp.add_argument("a", help="system A: results.json or evalkit score JSONL")
    comp.add_argument("b", help="system B, scored on the same inputs")
    comp.add_argument("--format", choices=["text", "json", "markdown"], default="text", help="output (default text)")
    comp.add_argument("-o", "--output", metavar="HTML", help="also write an HTML page of the comparison")
    comp.add_argument(
        "--all", action="store_true", help="show ROUGE's precision and recall rows too (JSON always has them)"
    )
    comp.add_argument(
        "--fail-if-worse",
        metavar="METRIC",
        action="append",
        default=[],
        help="exit 1 when B is significantly worse on METRIC, a metric column such as support (repeatable)",
    )
    comp.add_argument(
        "--alpha", type=_alpha, default=DEFAULT_ALPHA, help=f"significance level (default {DEFAULT_ALPHA})"
    )
    comp.add_argument(
        "--resamples",
        type=_resamples,
        default=DEFAULT_RESAMPLES,
        help=f"resamples per interval and p-value (default {DEFAULT_RESAMPLES})",
    )
    comp.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"resampling seed (default {DEFAULT_SEED})")
    comp.add_argument("--allow-signature-change", action="store_true", help="compare runs judged differently")
    comp.set_defaults(func=cmd_compare)

    calibrate = sub.add_parser(
        "calibrate", parents=[verbosity], help="the judge against the verdicts pinned in sidecars; best threshold"
    )
    calibrate.add_argument("paths", nargs="*", help="capture files or folders (default: [tool.evalkit] references)")
    calibrate.add_argument("--write", action="store_true", help="store the best threshold in pyproject.toml")
    model_options(calibrate)
    calibrate.set_defaults(func=cmd_calibrate)

    pin = sub.add_parser("pin", parents=[verbosity], help="pin the judge's verdicts in each sidecar, for review")
    pin.add_argument("paths", nargs="*", help="capture files or folders (default: [tool.evalkit] references)")
    pin.add_argument(
        "--confirm", action="store_true", help="record the verdicts as reviewed (after checking them yourself)"
    )
    model_options(pin)
    pin.set_defaults(func=cmd_pin)

    review = sub.add_parser(
        "review", parents=[verbosity], help="confirm or correct each claim in the browser; decisions become pins"
    )
    review.add_argument(
        "paths",
        nargs="*",
        help="capture files or folders to judge (default: [tool.evalkit] references), or one results.json "
        "or evalkit score JSONL",
    )
    review.add_argument("--all", action="store_true", help="go over reviewed claims too")
    review.add_argument("--port", type=int, default=0, help="the port to serve on (default: a free one)")
    review.add_argument("--host", default="127.0.0.1", help="the address to serve on (default 127.0.0.1)")
    review.add_argument("--no-browser", action="store_true", help="print the URL only; do not open a browser")
    review.add_argument(
        "--export", metavar="LABELS.jsonl", help="write the reviewed claims as labelled pairs instead of serving"
    )
    model_options(review)
    review.set_defaults(func=cmd_review)
    return parser


def _one_line(show: Callable[..., None]) -> Callable[..., None]:
    """`warnings.showwarning` that prints evalkit's own warnings as one line, like its errors."""

    def showwarning(message: Warning | str, category: type[Warning], *args: Any, **kwargs: Any) -> None:
        if issubclass(category, EvalkitWarning):
            print(f"evalkit: warning: {message}", file=sys.stderr)
        else:
            show(message, category, *args, **kwargs)

    return showwarning


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    with warnings.catch_warnings():
        warnings.simplefilter("default", EvalkitWarning)  # deprecations of evalkit's own spellings included
        warnings.showwarning = _one_line(warnings.showwarning)
        return _main(args)


class _Interrupts:
    """Whether Ctrl-C was pressed during a command, and whether the user was told.

    A library may swallow the `KeyboardInterrupt` (a callback or finaliser that reports and ignores it) or
    turn it into another error; the signal handler notes the press itself, so a command interrupted
    anywhere ends with "interrupted" said once and exit 130 whatever became of the exception.
    """

    def __init__(self) -> None:
        self.pressed = self.said = False

    def handler(self, signum: int, frame: Any) -> None:
        self.pressed = True
        raise KeyboardInterrupt

    def say(self, detail: str = "") -> int:
        if not self.said:
            print(f"\nevalkit: interrupted{detail}", file=sys.stderr)
        self.said = True
        return exits.INTERRUPTED


_interrupts = _Interrupts()


def _main(args: argparse.Namespace) -> int:
    global _interrupts
    _interrupts = _Interrupts()
    on_main_thread = threading.current_thread() is threading.main_thread()  # only it may set a handler
    previous = signal.signal(signal.SIGINT, _interrupts.handler) if on_main_thread else signal.SIG_DFL
    try:
        code = args.func(args)
    except KeyboardInterrupt:
        return _interrupts.say()
    except EvalkitError as exc:
        if _interrupts.pressed:
            return _interrupts.say()
        print(f"evalkit: {exc}", file=sys.stderr)
        return exits.USAGE
    except BrokenPipeError:  # output piped into `head` and closed early: not an error
        if _interrupts.pressed:
            return _interrupts.say()
        sys.stderr.close()
        return 0
    except Exception:
        if _interrupts.pressed:  # a library turned the interrupt into its own error
            return _interrupts.say()
        raise
    finally:
        if on_main_thread:
            signal.signal(signal.SIGINT, previous if previous is not None else signal.default_int_handler)
    return _interrupts.say() if _interrupts.pressed else code


if __name__ == "__main__":
    sys.exit(main())
