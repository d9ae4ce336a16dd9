"""`evalkit review` without a browser: the session's queue and decisions, and the web app's refusals.

The app is driven through Starlette's TestClient; the keyboard flow in Chromium is in test_review_browser.py.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from evalkit.errors import EvalkitError
from evalkit.frontends.review import Conflict, Session, Store, export
from evalkit.frontends.review_server import COOKIE as COOKIES
from evalkit.frontends.review_server import HEADER, Address, app
from evalkit.result import ClaimVerdict, Evidence, SummaryResult
from evalkit.scoring import reviews
from evalkit.scoring.calibrate import calibrate
from evalkit.scoring.reviews import Review
from evalkit.settings import Settings

TOKEN = "t0ken-for-tests"
ORIGIN = "http://127.0.0.1:8123"
COOKIE = COOKIES.format(port=8123)
CLAIMS = (
    ("The pilot saw the <script>alert(1)</script> soldiers fire on them.", "supported", 0.81),
    ("The withdrawal raises questions about the commitment.", "unsupported", 0.12),
    ("The cessation of funding signals a decreased focus.", "weak", 0.52),
)
BODY = ("The pilot saw soldiers fire.", "The U.S. withdrew from the investigation.", "Funding stopped.")


def result(id: str = "refs/story.txt", claims: tuple = CLAIMS) -> SummaryResult:
    verdicts = tuple(
        ClaimVerdict(text, "", 0, len(text), verdict, score, (Evidence(BODY[i % 3], 0.5, 0.4, i % 3, i % 3 + 1),))
        for i, (text, verdict, score) in enumerate(claims)
    )
    summary = " ".join(c[0] for c in claims)
    return SummaryResult(id, "Story", {}, verdicts, True, summary=summary, body=BODY)


def session(tmp_path: Path, every: bool = False, sidecar_text: str = "") -> tuple[Session, Path]:
    sidecar = tmp_path / "story.evalkit.toml"
    if sidecar_text:
        sidecar.write_text(sidecar_text)
    return Session([(result(), Store(sidecar, "refs/story.txt", in_sidecar=True))], every), sidecar


def client(found: Session, base: str = ORIGIN) -> TestClient:
    test = TestClient(app(found, Address("127.0.0.1", 8123), TOKEN), base_url=base, follow_redirects=False)
    test.cookies.set(COOKIE, TOKEN)
    return test


def post(test: TestClient, body: object, **headers: str) -> object:
    sent = {HEADER: TOKEN, "Origin": ORIGIN, **headers}
    return test.post("/decide", content=json.dumps(body), headers={k: v for k, v in sent.items() if v})


def pins(sidecar: Path) -> dict:
    return tomllib.loads(sidecar.read_text())


def test_the_queue_is_unreviewed_claims_lowest_support_first(tmp_path: Path) -> None:
    found, _ = session(tmp_path, sidecar_text='[expect]\n"The cessation of funding signals" = "unsupported"\n')
    assert [item.claim.score for item, _ in found.queue()] == [0.12, 0.81]
    assert found.progress() == (1, 3)
    every, _ = session(tmp_path, every=True)
    assert [item.claim.score for item, _ in every.queue()] == [0.12, 0.52, 0.81]


def test_decisions_are_pins_a_known_miss_with_its_reason_and_undo_removes_them(tmp_path: Path) -> None:
    text = '# notes kept\nmin_rouge_l = 0.02\n\n[unreviewed]\n"The withdrawal raises questions" = "x"\n'
    found, sidecar = session(tmp_path, sidecar_text=text)
    first, second = found.items[0], found.items[1]  # 0.12 unsupported, 0.52 weak
    found.decide(first.number, Review("unsupported"), Review())
    found.decide(second.number, Review("supported", "the judge  misreads\nthe paraphrase"), Review())
    tables = pins(sidecar)
    assert tables["min_rouge_l"] == 0.02 and sidecar.read_text().startswith("# notes kept\n")
    assert "unreviewed" not in tables  # the claim is reviewed now
    assert list(tables["expect"].values()) == ["unsupported", "supported"]
    assert list(tables["known_miss"].values()) == ["the judge  misreads\nthe paraphrase"]
    key = next(iter(tables["known_miss"]))
    assert second.claim.text.startswith(key)
    found.decide(second.number, Review(), Review("supported", "the judge  misreads\nthe paraphrase"))  # undo
    assert pins(sidecar) == {"min_rouge_l": 0.02, "expect": {next(iter(tables["expect"])): "unsupported"}}


def test_a_decision_made_meanwhile_elsewhere_is_never_overwritten_unasked(tmp_path: Path) -> None:
    found, sidecar = session(tmp_path)
    item = found.items[0]
    found.decide(item.number, Review("unsupported"), Review())  # window A
    before = sidecar.read_bytes()
    with pytest.raises(Conflict) as raised:
        found.decide(item.number, Review("supported"), Review())  # window B, loaded before A decided
    assert raised.value.now == Review("unsupported") and sidecar.read_bytes() == before
    found.decide(item.number, Review("supported"), raised.value.now)  # B decides again, knowingly
    assert list(pins(sidecar)["expect"].values()) == ["supported"]


def test_score_output_decisions_go_to_its_reviews_file(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    store = reviews.reviews_path(out)
    assert store == tmp_path / "out.reviews.jsonl"
    found = Session([(result("pair-7"), Store(store, "pair-7", in_sidecar=False))])
    found.decide(0, Review("unsupported", "framing only"), Review())
    found.decide(2, Review("supported"), Review())
    records = [json.loads(line) for line in store.read_text().splitlines()]
    assert [(r["id"], r["verdict"], r["judge_verdict"], r["judge_score"], r["note"]) for r in records] == [
        ("pair-7", "unsupported", "unsupported", 0.12, "framing only"),
        ("pair-7", "supported", "supported", 0.81, None),
    ]
    assert records[0]["claim"] == CLAIMS[1][0] and records[0]["time"].endswith("+00:00")
    with pytest.raises(Conflict):
        found.decide(0, Review("supported"), Review())
    assert reviews.labels(store) == [(0.12, False), (0.81, True)]


def test_export_writes_reviewed_claims_as_labelled_pairs(tmp_path: Path) -> None:
    found, _ = session(tmp_path)
    found.decide(0, Review("unsupported"), Review())
    found.decide(2, Review("supported"), Review())
    assert export(found, tmp_path / "labels.jsonl") == (2, 0)
    rows = [json.loads(line) for line in (tmp_path / "labels.jsonl").read_text().splitlines()]
    assert [(r["summary"], r["label"]) for r in rows] == [(CLAIMS[1][0], 0), (CLAIMS[0][0], 1)]
    assert rows[0]["id"] == "refs/story.txt#2" and rows[0]["document"] == "\n".join(BODY)


def test_calibrate_reads_a_reviews_file(tmp_path: Path) -> None:
    store = tmp_path / "out.reviews.jsonl"
    lines = [
        {"id": "a", "claim": f"c{i}", "verdict": v, "judge_score": s, "note": None}
        for i, (v, s) in enumerate([("supported", 0.9), ("supported", 0.4), ("unsupported", 0.3), ("weak", 0.5)])
    ]
    store.write_text("".join(json.dumps(line) + "\n" for line in lines))
    found = calibrate([str(store)], Settings(cache=False, judge="lexical"))
    assert (found.labels, found.positives, found.from_reviews) == (3, 2, 3)
    assert found.auc == 1.0 and found.best.balanced_accuracy == 1.0


def test_the_page_shows_the_queue_escaped_and_sets_a_cookie_from_the_token(tmp_path: Path) -> None:
    found, _ = session(tmp_path)
    test = client(found)
    test.cookies.clear()
    first = test.get(f"/?token={TOKEN}")
    assert first.status_code == 303 and first.headers["location"] == "/" and COOKIE in first.cookies
    page = test.get("/")
    assert page.status_code == 200 and "0 of 3 reviewed" in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text and "<script>alert" not in page.text
    assert "script-src 'nonce-" in page.headers["content-security-policy"]
    shown = [part.split("<", 1)[0] for part in page.text.split('<p class="claim-text">')[1:]]
    assert [text[:12] for text in shown] == ["The withdraw", "The cessatio", "The pilot sa"]  # lowest support first


@pytest.mark.parametrize(
    ("path", "headers", "cookie", "status"),
    [
        ("/", {}, False, 403),  # no token at all
        ("/?token=wrong", {}, False, 403),
        ("/", {"Cookie": f"{COOKIE}=wrong"}, False, 403),
        ("/", {"Cookie": f"{COOKIES.format(port=9999)}={TOKEN}"}, False, 403),  # another server's cookie
        ("/", {"Host": "evil.example:8123"}, True, 400),  # DNS rebinding: a foreign name for 127.0.0.1
        ("/", {"Host": "127.0.0.1:9999"}, True, 400),
        ("/done", {}, True, 200),
    ],
)
def test_every_request_needs_the_token_and_the_servers_own_host(
    tmp_path: Path, path: str, headers: dict, cookie: bool, status: int
) -> None:
    found, _ = session(tmp_path)
    test = client(found)
    if not cookie:
        test.cookies.clear()
    answer = test.get(path, headers=headers)
    assert answer.status_code == status
    assert "Traceback" not in answer.text and "File \"" not in answer.text


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({HEADER: ""}, 403),  # the cookie alone does not change anything
        ({HEADER: "wrong"}, 403),
        ({"Origin": ""}, 403),
        ({"Origin": "http://evil.example"}, 403),
        ({"Origin": "http://127.0.0.1:9999"}, 403),
    ],
)
def test_a_decision_needs_the_token_header_and_the_pages_origin(tmp_path: Path, headers: dict, status: int) -> None:
    found, sidecar = session(tmp_path)
    answer = post(client(found), {"item": 0, "review": {"verdict": "supported"}, "seen": None}, **headers)
    assert answer.status_code == status and not sidecar.exists()
    assert client(found).get("/decide").status_code == 405  # a GET changes nothing


def test_decide_over_http_saves_reports_conflicts_and_refuses_bad_requests(tmp_path: Path) -> None:
    found, sidecar = session(tmp_path)
    test = client(found)
    ok = post(test, {"item": 0, "review": {"verdict": "unsupported", "known_miss": None}, "seen": None})
    assert ok.status_code == 200 and ok.json()["progress"] == [1, 3]
    assert list(pins(sidecar)["expect"].values()) == ["unsupported"]
    stale = post(test, {"item": 0, "review": {"verdict": "supported"}, "seen": None})
    assert stale.status_code == 409 and stale.json()["now"] == {"verdict": "unsupported", "known_miss": None}
    for bad, status in [
        ({"item": 99, "review": None, "seen": None}, 404),
        ({"item": "../../etc/passwd", "review": None, "seen": None}, 400),
        ({"item": 1, "review": {"verdict": "maybe"}, "seen": None}, 400),
        ({"item": 1, "review": {"known_miss": "no verdict"}, "seen": None}, 400),
        ("not an object", 400),
    ]:
        answer = post(test, bad)
        assert answer.status_code == status and "Traceback" not in answer.text
    assert list(pins(sidecar)["expect"].values()) == ["unsupported"]
    done = test.get("/done")
    assert "1 of 3 claims reviewed" in done.text and CLAIMS[1][0] in done.text


def test_a_sidecar_broken_by_hand_is_said_and_left_alone(tmp_path: Path) -> None:
    found, sidecar = session(tmp_path, sidecar_text="[expect\n")
    answer = post(client(found), {"item": 0, "review": {"verdict": "supported"}, "seen": None})
    assert answer.status_code == 500 and "not valid TOML" in answer.json()["error"]
    page = client(found).get("/")
    assert page.status_code == 500 and "not valid TOML" in page.text and "Traceback" not in page.text
    assert sidecar.read_text() == "[expect\n"


def test_a_finished_run_is_reviewed_into_its_captures_sidecars_or_its_reviews_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from evalkit.frontends.review import open_session
    from evalkit.result import RunResult

    monkeypatch.chdir(tmp_path)
    (tmp_path / "refs").mkdir()
    (tmp_path / "refs" / "story.txt").write_text("a capture\n")
    run = RunResult((result("refs/story.txt"), result("refs/gone.txt")), {"judge": "lexical"}, "", 0.0)
    (tmp_path / "results.json").write_text(json.dumps(run.to_dict()))
    said: list[str] = []
    found = open_session(["results.json"], Settings(cache=False), say=said.append)
    assert {item.store.path for item in found.items} == {Path("refs/story.evalkit.toml")}
    assert said == [
        "not reviewable: refs/gone.txt has no capture file for a sidecar (score it, then review the output)"
    ]

    (tmp_path / "out.jsonl").write_text(json.dumps(result("pair-1").to_record()) + "\n")
    scored = open_session(["out.jsonl"], Settings(cache=False), say=said.append)
    assert {(item.store.path, item.store.in_sidecar) for item in scored.items} == {(Path("out.reviews.jsonl"), False)}
    with pytest.raises(EvalkitError, match="one finished run at a time"):
        open_session(["out.jsonl", "refs"], Settings(cache=False))


def test_review_export_on_the_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    from evalkit.frontends import cli

    monkeypatch.chdir(tmp_path)
    (tmp_path / "out.jsonl").write_text(json.dumps(result("pair-1").to_record()) + "\n")
    found = Session([(result("pair-1"), Store(tmp_path / "out.reviews.jsonl", "pair-1", in_sidecar=False))])
    found.decide(0, Review("unsupported"), Review())
    assert cli.main(["review", "out.jsonl", "--export", "labels.jsonl", "--no-cache"]) == 0
    assert (tmp_path / "labels.jsonl").read_text() == ""  # score output holds no article: no pair to make
    err = capsys.readouterr().err
    assert "wrote 0 labelled claim(s) to labels.jsonl" in err and "1 reviewed claim(s) left out" in err
    assert cli.main(["review", "out.jsonl", "--export", "out.jsonl", "--no-cache"]) == 2  # never over an input


def test_the_hosts_a_server_answers_to() -> None:
    local, anywhere = Address("127.0.0.1", 8123), Address("0.0.0.0", 8123)
    assert local.serves("127.0.0.1:8123") and local.serves("localhost:8123") and local.serves("[::1]:8123")
    assert not local.serves("127.0.0.1:8124") and not local.serves("127.0.0.1") and not local.serves("a.test:8123")
    assert anywhere.serves("192.168.1.20:8123") and not anywhere.serves("rebound.example:8123")
    assert Address("::1", 80).url == "http://[::1]:80"


def test_review_prints_one_stdout_line_and_warns_off_this_machine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    from evalkit.frontends import cli, review_server

    served: list[tuple] = []

    def serve(session: Session, host: str, port: int, browser: bool, announce) -> None:
        served.append((len(session.items), host, port, browser))
        announce(f"http://{host}:{port}/?token=x")

    monkeypatch.setattr(review_server, "serve", serve)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "out.jsonl").write_text(json.dumps(result("pair-1").to_record()) + "\n")
    assert cli.main(["review", "out.jsonl", "--no-browser", "--port", "8124", "--no-cache"]) == 0
    out, err = capsys.readouterr()
    assert out == "review at http://127.0.0.1:8124/?token=x\n" and "warning" not in err
    assert cli.main(["review", "out.jsonl", "--host", "0.0.0.0", "--no-cache"]) == 0
    out, err = capsys.readouterr()
    assert out.count("\n") == 1 and "evalkit: warning: serving on 0.0.0.0" in err
    assert served == [(3, "127.0.0.1", 8124, False), (3, "0.0.0.0", 0, True)]
