"""`openai:URL` against a real HTTP server on 127.0.0.1 that answers as the claim asks it to.

Each claim names its fate: "library" is answered Yes (with logprobs), "Quackenbush" No (without), "maybe"
gets a malformed answer, "bridge" always HTTP 500, "slow" never answers within the timeout, and
"flaky" fails once and then succeeds. The made-up towns misbehave as `MISBEHAVING` says. No real
model runs here.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from evalkit.frontends import cli, exits
from evalkit.judges import openai

pytestmark = pytest.mark.slow  # loads the models, or starts processes, pytest sessions, Ray or Chromium

ARTICLE = (
    "The town council of Millbrook voted on Tuesday to build a new public library on Elm Street. "
    "The library will cost 4 million dollars and is due to open in 2026, the council said."
)
TIMEOUT = 0.3


# Claims that name these towns get a reply that is broken in the way the comment says.
MISBEHAVING = (
    "Overflowia",  # a logprob of 1000
    "Stringham",  # logprobs that is a string
    "Numberton",  # a token that is a number
    "Garbageville",  # a reply that is not HTTP
    "Shortfield",  # a body shorter than its Content-Length
    "Trickleton",  # one byte at a time, each well within the timeout, the whole far beyond it
    "Htmlford",  # an HTML page with status 200
    "Limitburg",  # HTTP 429 with Retry-After: 1, then Yes
    "Logless",  # HTTP 400 naming logprobs while they are asked for, then Yes
    "Refusia",  # HTTP 400 for another reason
)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    calls: Counter[str]
    bodies: list[dict]
    times: defaultdict[str, list[float]]


class Handler(BaseHTTPRequestHandler):
    server: Server

    def log_message(self, *args: object) -> None:  # keep test output clean
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.bodies.append({**body, "auth": self.headers.get("Authorization")})
        claim = re.search(r"Claim: (.*)", body["messages"][0]["content"]).group(1)
        kinds = (*MISBEHAVING, "library", "Quackenbush", "maybe", "bridge", "slow", "flaky")
        kind = next((k for k in kinds if k in claim), "?")
        self.server.calls[kind] += 1
        self.server.times[kind].append(time.monotonic())
        if kind in MISBEHAVING:
            self.misbehave(kind, body)
            return
        if kind == "bridge" or (kind == "flaky" and self.server.calls[kind] == 1):
            self.send_error(500)
            return
        if kind == "slow":
            time.sleep(TIMEOUT * 3)
        message = {"library": "Yes", "Quackenbush": "No.", "maybe": "Perhaps, partly.", "flaky": "yes"}.get(kind)
        choice: dict = {"index": 0, "message": {"role": "assistant", "content": message}}
        if kind == "library":
            top = [{"token": "Yes", "logprob": -0.1}, {"token": "No", "logprob": -2.4}]
            choice["logprobs"] = {"content": [{"token": "Yes", "logprob": -0.1, "top_logprobs": top}]}
        data = json.dumps({"choices": [choice]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up on "slow"
            self.wfile.write(data)

    def misbehave(self, kind: str, body: dict) -> None:
        """Answer as `MISBEHAVING` says (a plain Yes once Limitburg and Logless have made their point)."""
        yes = {"index": 0, "message": {"role": "assistant", "content": "Yes"}}
        if kind in ("Overflowia", "Stringham", "Numberton"):
            token = {"token": 5 if kind == "Numberton" else "Yes", "logprob": 1000 if kind == "Overflowia" else -0.1}
            yes["logprobs"] = "lots" if kind == "Stringham" else {"content": [{**token, "top_logprobs": [token]}]}
            self.reply(200, json.dumps({"choices": [yes]}).encode())
        elif kind == "Garbageville":
            self.wfile.write(b"SSH-2.0-OpenSSH_9.6\r\n")
            self.close_connection = True
        elif kind in ("Shortfield", "Trickleton"):
            self.send_response(200)
            self.send_header("Content-Length", "200")
            self.end_headers()
            with contextlib.suppress(OSError):
                for _ in range(1 if kind == "Shortfield" else 200):
                    self.wfile.write(b"{")
                    self.wfile.flush()
                    time.sleep(0 if kind == "Shortfield" else TIMEOUT / 6)
            self.close_connection = True
        elif kind == "Htmlford":
            self.reply(200, b"<html><body>Welcome to nginx!</body></html>")
        elif kind == "Limitburg" and self.server.calls[kind] == 1:
            self.reply(429, b'{"error": {"message": "slow down"}}', {"Retry-After": "1"})
        elif kind == "Logless" and "logprobs" in body:
            self.reply(400, b'{"error": {"message": "logprobs are not supported by this model"}}')
        elif kind == "Refusia":
            self.reply(400, b'{"error": {"message": "model \'checker\' not found"}}')
        else:
            self.reply(200, json.dumps({"choices": [yes]}).encode())

    def reply(self, status: int, data: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in {"Content-Length": str(len(data)), **(headers or {})}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def server() -> Iterator[Server]:
    httpd = Server(("127.0.0.1", 0), Handler)
    httpd.calls, httpd.bodies, httpd.times = Counter(), [], defaultdict(list)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pyproject.toml").write_text(
        f"[tool.evalkit]\njudge_timeout = {TIMEOUT}\njudge_retries = 2\njudge_concurrency = 4\n", encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(openai, "BACKOFF_S", 0.01)
    monkeypatch.setenv("EVALKIT_JUDGE_API_KEY", "sk-test")
    return tmp_path


def score(project: Path, server: Server, *summaries: str) -> tuple[int, list[dict]]:
    pairs = project / "pairs.jsonl"
    rows = [json.dumps({"id": f"s{n}", "document": ARTICLE, "summary": s}) for n, s in enumerate(summaries)]
    pairs.write_text("\n".join(rows) + "\n", encoding="utf-8")
    url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    out = project / "out.jsonl"
    code = cli.main(["score", str(pairs), "-o", str(out), "--judge", f"openai:{url}", "--judge-model", "checker"])
    return code, [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def verdicts(record: dict) -> list[str]:
    return [c["verdict"] for c in record["claims"]]


def test_yes_and_no_answers_become_verdicts_and_a_rerun_asks_nothing(project: Path, server: Server) -> None:
    summaries = ("The council voted to build a new library.", "Mayor Quackenbush opposed the plan.")
    code, records = score(project, server, *summaries)
    assert code == 0
    assert verdicts(records[0]) == ["supported"] and verdicts(records[1]) == ["unsupported"]
    assert records[0]["claims"][0]["score"] == pytest.approx(math.exp(-0.1) / (math.exp(-0.1) + math.exp(-2.4)))
    assert records[1]["claims"][0]["score"] == 0.0 and not records[1]["consistent"]
    assert {r["judge"] for r in records} == {
        f"openai:http://127.0.0.1:{server.server_address[1]}/v1#checker@prompt-" + records[0]["judge"].rsplit("-", 1)[1]
    }
    (sent,) = [b for b in server.bodies if "Claim: The council voted" in b["messages"][0]["content"]]
    assert sent["model"] == "checker" and sent["temperature"] == 0 and sent["auth"] == "Bearer sk-test"
    assert "[1] The town council of Millbrook voted" in sent["messages"][0]["content"]  # the passages are in it
    asked = sum(server.calls.values())
    assert score(project, server, *summaries)[1] == records
    assert sum(server.calls.values()) == asked  # every answer came from the cache


def test_failures_are_error_verdicts_and_nothing_is_lost(project: Path, server: Server) -> None:
    code, records = score(
        project,
        server,
        "The council voted to build a new library. Mayor Quackenbush opposed the plan.",
        "The bridge will be finished by May.",
        "The opening was maybe delayed. The slow council met on Friday. The flaky vote was held on Tuesday.",
    )
    assert code == exits.UNJUDGED
    assert [r["id"] for r in records] == ["s0", "s1", "s2"]
    assert verdicts(records[0]) == ["supported", "unsupported"]
    (bridge,) = records[1]["claims"]
    assert bridge["verdict"] == "error" and bridge["score"] is None and "HTTP 500 after 3 tries" in bridge["error"]
    assert not records[1]["consistent"] and records[1]["metrics"]["support"] == 0.0
    maybe, slow, flaky = records[2]["claims"]
    assert maybe["verdict"] == "error" and "does not start with Yes or No" in maybe["error"]
    assert slow["verdict"] == "error" and "timed out" in slow["error"]
    assert flaky["verdict"] == "supported"
    assert server.calls["bridge"] == 3 and server.calls["slow"] == 3 and server.calls["flaky"] == 2
    assert server.calls["maybe"] == 1  # a readable answer that is not Yes/No is not asked again


def test_every_broken_exchange_is_that_claims_error_verdict_and_the_rest_are_kept(
    project: Path, server: Server
) -> None:
    broken = ("Overflowia", "Stringham", "Numberton", "Garbageville", "Shortfield", "Trickleton", "Htmlford", "Refusia")
    summaries = [f"The council of {town} voted to build a new library." for town in broken]
    clock = time.monotonic()
    code, records = score(project, server, "The council voted to build a new library.", *summaries)
    assert code == exits.UNJUDGED
    assert verdicts(records[0]) == ["supported"]  # the good record is written with the others
    errors = {town: record["claims"][0] for town, record in zip(broken, records[1:], strict=True)}
    assert all(c["verdict"] == "error" and c["score"] is None for c in errors.values())
    assert "logprob 1000 of 'Yes' is not a log-probability" in errors["Overflowia"]["error"]
    assert "logprobs is not an object with a content list" in errors["Stringham"]["error"]
    assert "a logprobs token is 5, not text" in errors["Numberton"]["error"]
    assert "the reply is not HTTP" in errors["Garbageville"]["error"]
    assert "the reply was cut short (1 bytes, 199 more expected) after 3 tries" in errors["Shortfield"]["error"]
    assert "timed out (0.3 s for the whole request) after 3 tries" in errors["Trickleton"]["error"]
    assert "the reply is not JSON: b'<html>" in errors["Htmlford"]["error"]
    assert "HTTP 400: model 'checker' not found" in errors["Refusia"]["error"]
    assert server.calls["Refusia"] == 1 and server.calls["Overflowia"] == 1  # a refusal or bad answer is not retried
    trickled = server.times["Trickleton"]
    assert trickled[1] - trickled[0] < 4 * TIMEOUT  # each try ends at the timeout, not after the 200 bytes
    assert time.monotonic() - clock < 60


def test_retry_after_is_honoured_and_a_server_without_logprobs_is_asked_without(project: Path, server: Server) -> None:
    code, records = score(project, server, "The Limitburg council voted to build a new library.")
    assert code == 0 and verdicts(records[0]) == ["supported"]
    first, second = server.times["Limitburg"]
    assert second - first >= 1.0  # the server's Retry-After, not the 0.01 s backoff
    code, records = score(project, server, "The Logless council voted to build a new library.")
    assert code == 0 and verdicts(records[0]) == ["supported"]
    asked = [b for b in server.bodies if "Logless" in b["messages"][0]["content"]]
    with_logprobs = ["logprobs" in b for b in asked]  # the claim's request, its retry, then coverage's requests
    assert with_logprobs[:2] == [True, False] and not any(with_logprobs[2:])  # the server's answer is remembered
