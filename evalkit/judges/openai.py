"""`openai:URL`: any OpenAI-compatible chat endpoint (Ollama, vLLM, llama.cpp, a hosted API) as the judge.

One request per claim, with its top-k passages in a prompt template (`judge_prompt` replaces the shipped
`prompt.txt`; `$claim` and `$passages` are filled in). The answer's first word `Yes` means supported and
`No` unsupported, the MiniCheck convention; the score is P(Yes) from the logprobs when the server returns
them, else 1 or 0. Temperature 0, `judge_concurrency` requests at once, `judge_timeout` seconds each,
`judge_retries` retries with backoff on timeouts, connection errors, HTTP 429 and 5xx. A claim still
unanswered gets no score (verdict `error`) and a reason; answers are cached, so a re-run asks nothing
it has asked before. Standard library only.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from importlib import resources
from pathlib import Path
from string import Template
from typing import TYPE_CHECKING, Any

import numpy as np

from evalkit.errors import SettingsError
from evalkit.judges import PROBABILITY_BANDS, ClaimInput, Judgement

if TYPE_CHECKING:
    from evalkit.cache import VectorCache
    from evalkit.settings import Settings

BACKOFF_S = 0.5  # first wait before a retry; doubles with each further try
_FIRST_WORD = re.compile(r"\W*([A-Za-z]+)")


class RequestFailed(Exception):
    """A request that may succeed if tried again (timeout, connection, HTTP 429 or 5xx)."""


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


def first_word_score(data: dict[str, Any]) -> float:
    """P(supported) from a chat completion: P(Yes) among Yes/No in the first token's logprobs, else 1 or 0."""
    choice = data["choices"][0]
    content = choice["message"]["content"] or ""
    found = _FIRST_WORD.match(content)
    word = found.group(1).lower() if found else ""
    if word not in ("yes", "no"):
        raise ValueError(f"answer does not start with Yes or No: {content[:60]!r}")
    first = ((choice.get("logprobs") or {}).get("content") or [{}])[0]
    options = first.get("top_logprobs") or ([first] if "logprob" in first else [])
    mass = {"yes": 0.0, "no": 0.0}
    for option in options:
        token = option.get("token", "").strip().lower()
        if token in mass:
            mass[token] += math.exp(option["logprob"])
    total = mass["yes"] + mass["no"]
    if total > 0:
        return mass["yes"] / total
    return 1.0 if word == "yes" else 0.0


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
        for attempt in range(tries):
            if attempt:
                time.sleep(BACKOFF_S * 2 ** (attempt - 1))
            try:
                return first_word_score(self._post(prompt)), None
            except RequestFailed as exc:
                problem = f"{exc} after {tries} tries"
            except (urllib.error.HTTPError, ValueError, KeyError, IndexError, TypeError) as exc:
                return None, f"{self.url}: {exc}"
        return None, f"{self.url}: {problem}"

    def _post(self, prompt: str) -> dict[str, Any]:
        body = {
            "model": self.model,
            "messages": [{"role": "user", "content": prompt}],
            "temperature": 0,
            "max_tokens": 8,
            "logprobs": True,
            "top_logprobs": 5,
        }
        headers = {"Content-Type": "application/json"}
        if self.key:
            headers["Authorization"] = f"Bearer {self.key}"
        request = urllib.request.Request(self.url, json.dumps(body).encode("utf-8"), headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.settings.judge_timeout) as response:
                return json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as exc:
            if exc.code == 429 or exc.code >= 500:
                raise RequestFailed(f"HTTP {exc.code}") from None
            raise
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            reason = str(getattr(exc, "reason", exc))
            timeout = f"timed out ({self.settings.judge_timeout:g} s)"
            raise RequestFailed(timeout if "timed out" in reason else reason) from None


def make(argument: str, settings: Settings, store: VectorCache | None) -> OpenAIJudge:
    return OpenAIJudge(argument, settings, store)
