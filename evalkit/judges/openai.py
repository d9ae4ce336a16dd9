"""`openai:URL`: any OpenAI-compatible chat endpoint (Ollama, vLLM, llama.cpp, a hosted API) as the judge.

One request per claim, with its top-k passages in a prompt template (`judge_prompt` replaces the shipped
`prompt.txt`; `$claim` and `$passages` are filled in). The answer's first word `Yes` means supported and
`No` unsupported, the MiniCheck convention; the score is P(Yes) from the logprobs when the server returns
them, else 1 or 0. Temperature 0, `judge_concurrency` requests at once, `judge_timeout` seconds for
each whole request, `judge_retries` retries on timeouts, connection and protocol failures, HTTP 429
and 5xx (after the server's Retry-After on 429 and 503, else a doubling backoff, with jitter); a 400
that names logprobs is asked again without them. Any failure of the exchange leaves that claim without
a score (verdict `error`) and the reason in its record; answers are cached, so a re-run asks nothing
it has asked before. Standard library only.
"""

from __future__ import annotations

import contextlib
import email.utils
import hashlib
import http.client
import json
import math
import os
import random
import re
import socket
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from importlib import resources
from pathlib import Path
from string import Template
from typing import TYPE_CHECKING, Any

import numpy as np

from evalkit.errors import SettingsError
from evalkit.judges import PROBABILITY_BANDS, ClaimInput, Judgement

if TYPE_CHECKING:
    from evalkit.prepare.cache import VectorCache
    from evalkit.settings import Settings

BACKOFF_S = 0.5  # first wait before a retry; doubles with each further try
MAX_RETRY_AFTER_S = 60.0  # the longest Retry-After honoured
LOGPROB_SLACK = 1e-6  # a log-probability a hair above 0 is rounding, not an error
_FIRST_WORD = re.compile(r"\W*([A-Za-z]+)")


class RequestFailed(Exception):
    """A request that may succeed if tried again (timeout, connection or protocol failure, HTTP 429 or 5xx)."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class Refused(Exception):
    """An HTTP 4xx answer other than 429: the same request will be refused again."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"HTTP {status}: {message}")
        self.status = status
        self.message = message


class BadAnswer(ValueError):
    """A reply that is not a chat completion evalkit can read (not JSON, wrong shapes or types)."""


def _template(settings: Settings) -> str:
    if settings.judge_prompt is None:
        return resources.files("evalkit.judges").joinpath("prompt.txt").read_text(encoding="utf-8")
    path = Path(settings.judge_prompt).expanduser()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SettingsError(f"{path}: judge prompt cannot be read ({exc.strerror})") from None
    if "$claim" not in text or "$passages" not in text:
        raise SettingsError(f"{path}: a judge prompt needs both $claim and $passages")
    return text


def endpoint(url: str) -> str:
    """The chat-completions address for a base URL such as http://localhost:11434/v1."""
    if not re.match(r"https?://", url):
        raise SettingsError(f"judge 'openai:{url}' needs an http(s) URL, e.g. openai:http://localhost:11434/v1")
    url = url.rstrip("/")
    return url if url.endswith("/chat/completions") else url + "/chat/completions"


def first_word_score(data: Any) -> float:
    """P(supported) from a chat completion: P(Yes) among Yes/No in the first token's logprobs, else 1 or 0.

    Every part of the answer is checked (a server may send anything): a wrong shape or type, or a
    log-probability that is not one (NaN, positive), is a `BadAnswer` naming it, never a crash.
    """
    try:
        choice = data["choices"][0]
        content = choice["message"]["content"] or ""
    except (KeyError, IndexError, TypeError):
        raise BadAnswer(f"the reply is not a chat completion (no choices[0].message.content): {_clip(data)}") from None
    if not isinstance(content, str):
        raise BadAnswer(f"the answer is not text: {_clip(content)}")
    found = _FIRST_WORD.match(content)
    word = found.group(1).lower() if found else ""
    if word not in ("yes", "no"):
        raise BadAnswer(f"answer does not start with Yes or No: {content[:60]!r}")
    mass = {"yes": 0.0, "no": 0.0}
    for token, logprob in _first_token_options(choice):
        if token.strip().lower() in mass:
            mass[token.strip().lower()] += math.exp(min(logprob, 0.0))
    total = mass["yes"] + mass["no"]
    if total > 0:
        return mass["yes"] / total
    return 1.0 if word == "yes" else 0.0


def _first_token_options(choice: dict[str, Any]) -> list[tuple[str, float]]:
    """(token, logprob) for the first answer token's alternatives; [] when the server sent no logprobs."""
    logprobs = choice.get("logprobs") or {}
    tokens = logprobs.get("content") if isinstance(logprobs, dict) else logprobs
    if not isinstance(tokens or [], list):
        raise BadAnswer(f"logprobs is not an object with a content list: {_clip(logprobs)}")
    first = (tokens or [{}])[0]
    if not isinstance(first, dict):
        raise BadAnswer(f"a logprobs entry is not an object: {_clip(first)}")
    options = first.get("top_logprobs") or ([first] if "logprob" in first else [])
    if not isinstance(options, list) or not all(isinstance(o, dict) for o in options):
        raise BadAnswer(f"top_logprobs is not a list of objects: {_clip(options)}")
    found = []
    for option in options:
        token, logprob = option.get("token"), option.get("logprob")
        if not isinstance(token, str):
            raise BadAnswer(f"a logprobs token is {_clip(token)}, not text")
        if isinstance(logprob, bool) or not isinstance(logprob, int | float) or not logprob <= LOGPROB_SLACK:
            raise BadAnswer(f"logprob {_clip(logprob)} of {token!r} is not a log-probability (a number <= 0)")
        found.append((token, float(logprob)))
    return found


def _clip(value: Any) -> str:
    return json.dumps(value, default=str)[:80]


class OpenAIJudge:
    """Asks a served model, one claim per request, several requests at once."""

    def __init__(self, url: str, settings: Settings, store: VectorCache | None) -> None:
        if not settings.judge_model:
            raise SettingsError("judge 'openai:URL' needs a model: --judge-model NAME (or judge_model in pyproject)")
        self.url = endpoint(url)
        self.model = settings.judge_model
        text = _template(settings)
        self.template = Template(text)
        prompt_hash = hashlib.blake2b(text.encode("utf-8"), digest_size=4).hexdigest()
        self.id = f"openai:{url.rstrip('/')}#{self.model}@prompt-{prompt_hash}"
        self.bands = PROBABILITY_BANDS
        self.settings = settings
        self.store = store
        self.namespace = f"judge:{self.id}"
        self.key = os.environ.get("EVALKIT_JUDGE_API_KEY") or os.environ.get("OPENAI_API_KEY")
        self.logprobs = True  # cleared when the server says it does not take them

    def prompt(self, claim: ClaimInput) -> str:
        ranked = sorted(claim.passages, key=lambda p: -p.score)[: self.settings.judge_top_k]
        passages = "\n".join(f"[{n}] {p.sentence}" for n, p in enumerate(ranked, start=1))
        return self.template.safe_substitute(claim=claim.text, passages=passages)

    def judge(self, claims: list[ClaimInput]) -> list[Judgement]:
        prompts = [self.prompt(c) for c in claims]
        cached = self.store.get_many(self.namespace, prompts) if self.store else {}
        answers: dict[str, tuple[float | None, str | None]] = {p: (float(v[0]), None) for p, v in cached.items()}
        todo = [p for p in dict.fromkeys(prompts) if p not in answers]
        if todo:
            with ThreadPoolExecutor(self.settings.judge_concurrency) as pool:
                answers.update(zip(todo, pool.map(self._ask, todo), strict=True))
            if self.store is not None:
                fresh = {p: np.array([answers[p][0]]) for p in todo if answers[p][0] is not None}
                self.store.put_many(self.namespace, fresh)
        # The model reads all the passages at once, so none decides alone (the best-evidence rule falls back).
        return [Judgement(answers[p][0], -1, error=answers[p][1]) for p in prompts]

    def _ask(self, prompt: str) -> tuple[float | None, str | None]:
        """(score, None), or (None, why) once the retries are spent or the answer cannot be read."""
        tries = self.settings.judge_retries + 1
        attempt = 0
        while True:
            try:
                return first_word_score(self._post(prompt)), None
            except RequestFailed as exc:
                attempt += 1
                if attempt >= tries:
                    return None, f"{self.url}: {exc} after {tries} tries"
                time.sleep(_wait(exc.retry_after, attempt))
            except Refused as exc:
                if exc.status == 400 and self.logprobs and "logprobs" in exc.message.lower():
                    self.logprobs = False  # this server reads no logprobs: ask it again, and from now on, without
                    continue
                return None, f"{self.url}: HTTP {exc.status}: {exc.message}"
            except BadAnswer as exc:
                return None, f"{self.url}: {exc}"

    def _post(self, prompt: str) -> Any:
        """The server's JSON answer; `judge_timeout` bounds the whole exchange, however slowly it trickles."""
        body: dict[str, Any] = {
            "model": self.model,
            "messages": [{"role": "user", "content": prompt}],
            "temperature": 0,
            "max_tokens": 8,
        }
        if self.logprobs:
            body.update(logprobs=True, top_logprobs=5)
        headers = {"Content-Type": "application/json"}
        if self.key:
            headers["Authorization"] = f"Bearer {self.key}"
        parts = urllib.parse.urlsplit(self.url)
        kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        timeout = self.settings.judge_timeout
        connection = kind(parts.hostname or "", parts.port, timeout=timeout)
        expired = threading.Event()

        def expire() -> None:  # wakes a read that is still waiting when the time is up
            expired.set()
            with contextlib.suppress(OSError, AttributeError):
                sock.shutdown(socket.SHUT_RDWR)

        sock = None  # held here: the connection lets go of it while a closing reply's body is read
        timer = threading.Timer(timeout, expire)
        timer.daemon = True
        timer.start()
        try:
            connection.connect()
            sock = connection.sock
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            connection.request("POST", target or "/", json.dumps(body).encode("utf-8"), headers)
            response = connection.getresponse()
            data = response.read()
        except (http.client.HTTPException, OSError) as exc:
            reason = f"timed out ({timeout:g} s for the whole request)" if expired.is_set() else _reason(exc)
            raise RequestFailed(reason) from None
        finally:
            timer.cancel()
            connection.close()
        if response.status == 429 or response.status >= 500:
            later = response.getheader("Retry-After") if response.status in (429, 503) else None
            raise RequestFailed(f"HTTP {response.status}", _seconds(later))
        if not 200 <= response.status < 300:
            raise Refused(response.status, _error_message(data))
        try:
            return json.loads(data)
        except ValueError:  # invalid UTF-8 or JSON: an HTML error page, a proxy's banner
            raise BadAnswer(f"the reply is not JSON: {data[:60]!r}") from None


def _reason(exc: Exception) -> str:
    """Why an exchange failed, in words."""
    if isinstance(exc, TimeoutError):
        return "timed out"
    if isinstance(exc, http.client.IncompleteRead):
        return f"the reply was cut short ({len(exc.partial)} bytes, {exc.expected} more expected)"
    if isinstance(exc, http.client.RemoteDisconnected):
        return "the server closed the connection without a reply"
    if isinstance(exc, http.client.BadStatusLine):
        return f"the reply is not HTTP ({str(exc)[:60]!r})"
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


def _seconds(retry_after: str | None) -> float | None:
    """A Retry-After header's wait in seconds (a number of seconds or an HTTP date); None if absent or odd."""
    if not retry_after:
        return None
    try:
        return max(0.0, float(retry_after))
    except ValueError:
        pass
    try:
        return max(0.0, email.utils.parsedate_to_datetime(retry_after).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def _wait(retry_after: float | None, attempt: int) -> float:
    """Seconds before try `attempt + 1`: the server's Retry-After (capped) or doubling backoff, with jitter
    so that concurrent requests do not all come back at the same moment."""
    base = min(retry_after, MAX_RETRY_AFTER_S) if retry_after is not None else BACKOFF_S * 2 ** (attempt - 1)
    return base + random.uniform(0, BACKOFF_S)


def _error_message(data: bytes) -> str:
    """The message of an OpenAI-style error body, else the start of the body."""
    try:
        parsed = json.loads(data)
        message = parsed.get("error", {}).get("message") if isinstance(parsed, dict) else None
    except (ValueError, AttributeError):
        message = None
    return str(message)[:200] if message else data[:200].decode("utf-8", "replace").strip() or "(no body)"


def make(argument: str, settings: Settings, store: VectorCache | None) -> OpenAIJudge:
    return OpenAIJudge(argument, settings, store)
