"""`evalkit` judges AI-written summaries against their articles, offline; `evalkit COMMAND --help` for more.

A thin shell over `pipeline`: it parses arguments, shows progress, writes outputs, and turns every
`EvalkitError` into one line on stderr and exit code 2. Exit 1 means the run worked and some
summary failed its thresholds; exit 3 that the judge could not score some claims (a served judge that
kept failing), whose records say why.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
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
from evalkit.read.capture import read_capture
from evalkit.result import SummaryResult
from evalkit.runs.compare import DEFAULT_ALPHA, compare_runs, signature_changes
from evalkit.runs.diff import DEFAULT_TOLERANCE, compare, format_text, signature_differences
from evalkit.runs.paired import DEFAULT_RESAMPLES, DEFAULT_SEED
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


def cmd_run(args: argparse.Namespace) -> int:
    settings, root = _settings(args)
    inputs = _paths(args, settings, root)
    layout = Layout.from_options(options.values(args), settings)
    layout.check(settings, reads=inputs)
    jobs = list(jobs_from_paths(inputs, settings))
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
        for message in ([r.error] if r.error else []) + [f"{r.id}: {f}" for f in (*r.failures, *miss_lines(r))]:
            print(message, file=sys.stderr)
        for claim in (c for c in r.claims if c.verdict in shown and verbosity >= 0):
            head, *details = claim_lines(claim, indent="", colour=colour.wanted(sys.stderr))
            print(f"{r.id}: {head}", *details, sep="\n", file=sys.stderr)
    written = layout.write(run)
    failed = [r for r in results if not r.passed]
    print(
        "\n" * (verbosity >= 0) + f"{len(results) - len(failed)} passed, {len(failed)} failed in {run.seconds:.1f}s; "
        f"wrote {', '.join(map(str, written)) or 'nothing'}"
    )
    return exits.for_results(results)


def cmd_report(args: argparse.Namespace) -> int:
    settings, _ = load(flags={"cache": False})  # the project's thresholds; a report reads no cache
    output = Path(args.output or Path(args.results).with_suffix(".html"))
    paths.check(settings, reads=[args.results], files=[output])
    run = source.read_results(args.results, settings)
    report.write(run, output)
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
    found = compare(*_read_runs(args.old, args.new), args.tolerance)
    _refuse_signature_changes(args.old, args.new, found.signature_changes, args.allow_signature_change)
    if args.format == "json":
        print(json.dumps(found.to_dict(), indent=2, ensure_ascii=False))
    else:
        sys.stdout.write(markdown.diff_summary(found) if args.format == "markdown" else format_text(found))
    return exits.FAILED if args.fail_on_regression and found.regressed else 0


def cmd_compare(args: argparse.Namespace) -> int:
    if args.output:
        paths.check(Settings(cache=False), reads=[args.a, args.b], files=[args.output])
    a, b = _read_runs(args.a, args.b)
    _refuse_signature_changes(args.a, args.b, signature_changes(a, b), args.allow_signature_change)
    found = compare_runs(a, b, (args.a, args.b), args.alpha, args.resamples, args.seed)
    known = [c.name for c in metrics.columns()]
    unknown = [name for name in args.fail_if_worse if name not in known]
    if unknown:
        raise EvalkitError(f"--fail-if-worse: unknown metric {', '.join(unknown)} (known: {', '.join(known)})")
    gated = [found.metric(name) for name in args.fail_if_worse]
    missing = [name for name, m in zip(args.fail_if_worse, gated, strict=True) if m is None]
    if missing:
        raise EvalkitError(f"--fail-if-worse: no summary compared has a value for {', '.join(missing)}")
    if args.format == "json":
        print(json.dumps(found.to_dict(), indent=2, ensure_ascii=False, allow_nan=False))
    else:
        sys.stdout.write(markdown.compare_summary(found) if args.format == "markdown" else format_comparison(found))
    if args.output:
        writer.write_file(args.output, report.render_comparison(found))
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
    return exits.code(errors=any(r.get("error") for r in records), unjudged=unjudged)


def _in_input_order(output: Path, ids: list[str]) -> list[dict[str, Any]]:
    """Rewrite `output` in input order if a resumed run left it otherwise; return its records.

    Records are written in input order, so a resumed file normally already is; this covers a file whose
    earlier part came from a run over other inputs or another order.
    """
    lines = output.read_text(encoding="utf-8").splitlines(keepends=True)
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
            stream.write(result.to_record())
            bar.update()

        try:
            _score(jobs, settings, write, args)
        except KeyboardInterrupt:
            print(f"\nevalkit: interrupted; finished records are in {output} (rerun with --resume)", file=sys.stderr)
            return exits.INTERRUPTED
    skipped = f", {len(every) - len(jobs)} already done" if done else ""
    print(
        f"scored {len(jobs) - errors} of {len(jobs)} input(s){skipped}; {errors} error(s)"
        + (f"; {unjudged} with claims the judge could not score" if unjudged else "")
        + f"; wrote {output} and {meta}",
        file=sys.stderr,
    )
    if args.resume:  # the exit code covers the whole file, as an uninterrupted run's would
        return _exit_code(_in_input_order(output, [job.id for job in every]))
    return exits.code(errors=errors > 0, unjudged=unjudged > 0)


def _score(jobs: list[Job], settings: Settings, write: Any, args: argparse.Namespace) -> None:
    if args.engine == "ray":
        from evalkit.scoring.engine_ray import score_with_ray

        for result in score_with_ray(jobs, settings, address=args.ray_address):
            write(result)
    else:
        evaluate(jobs, settings, on_result=write, keep=False)


def _show_lines(path: str) -> Iterator[str]:
    capture = read_capture(path)
    yield f"title: {capture.title or '(none)'}"
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


def cmd_show(args: argparse.Namespace) -> int:
    for line in _show_lines(args.file):
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
        warnings.showwarning = _one_line(warnings.showwarning)
        return _main(args)


def _main(args: argparse.Namespace) -> int:
    try:
        return args.func(args)
    except EvalkitError as exc:
        print(f"evalkit: {exc}", file=sys.stderr)
        return exits.USAGE
    except KeyboardInterrupt:
        print("\nevalkit: interrupted", file=sys.stderr)
        return exits.INTERRUPTED
    except BrokenPipeError:  # output piped into `head` and closed early: not an error
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
