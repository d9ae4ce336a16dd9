"""The `evalkit review` web app (Starlette, served by uvicorn): a local server that writes sidecars, so it trusts
nothing it is sent.

* Every request needs the session token: in the URL `evalkit review` prints (answered with a cookie and a
  redirect to the same page without it) or in that cookie.
* A request whose `Host` is not the address served is refused, so a page on a name rebound to 127.0.0.1
  (DNS rebinding) cannot read or decide anything; on a wildcard address only IP literals are served.
* A decision is a POST carrying the token in a header, from the page's own `Origin`; it names a claim by its
  number in the session, never a file: the run decided which files exist.
* Every page is rendered by the report's autoescaped templates; the one inline script runs by its nonce
  under a Content-Security-Policy that allows nothing else, and no page may be framed.
* A refusal is a short 4xx text, never a traceback.
"""

from __future__ import annotations

import ipaddress
import json
import secrets
import signal
import socket
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass

import uvicorn
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from evalkit.errors import EvalkitError
from evalkit.frontends.review import Conflict, Item, Session
from evalkit.outputs import report
from evalkit.outputs.report import view
from evalkit.result import SummaryResult
from evalkit.scoring.reviews import Review

COOKIE = "evalkit_review_{port}"  # cookies ignore the port: two servers at once each keep their own
HEADER = "x-evalkit-token"
LOOPBACK = ("127.0.0.1", "::1", "localhost")


@dataclass(frozen=True)
class Address:
    """Where the app is served: the `Host` values it answers and the `Origin` its page posts from."""

    host: str
    port: int

    def serves(self, header: str) -> bool:
        name, _, port = header.rpartition(":")
        name = name.strip("[]")
        if port != str(self.port):
            return False
        if name == self.host or (self.host in LOOPBACK and name in LOOPBACK):
            return True
        return self.wildcard and _ip(name)

    @property
    def wildcard(self) -> bool:
        return self.host in ("0.0.0.0", "::")

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"


def _ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def app(session: Session, address: Address, token: str) -> Starlette:
    """The review app over `session`, answering at `address` to requests carrying `token`."""
    cookie = COOKIE.format(port=address.port)

    async def guard(request: Request, call_next: RequestResponseEndpoint) -> Response:
        host = request.headers.get("host", "")
        if not address.serves(host):
            return _refuse(400, "this server answers only to its own address (wrong Host header)")
        given = request.query_params.get("token")
        if given is not None:
            if not secrets.compare_digest(given, token) or request.method != "GET":
                return _refuse(403, "wrong token: open the URL `evalkit review` printed")
            answer = RedirectResponse(request.url.path, status_code=303)
            answer.set_cookie(cookie, token, httponly=True, samesite="strict", path="/")
            return _hardened(answer)
        if not secrets.compare_digest(request.cookies.get(cookie, ""), token):
            return _refuse(403, "no session token: open the URL `evalkit review` printed")
        if request.method != "GET":
            if not secrets.compare_digest(request.headers.get(HEADER, ""), token):
                return _refuse(403, "a change needs the session token in its request")
            if request.headers.get("origin") != f"http://{host}":
                return _refuse(403, "a change must come from the review page itself (wrong Origin)")
        return _hardened(await call_next(request))

    def cards(shown: list[tuple[Item, Review]]) -> list[view.ReviewCard]:
        summaries: dict[int, view.SummaryView] = {}

        def summary(result: SummaryResult) -> view.SummaryView:
            if id(result) not in summaries:
                summaries[id(result)] = view.summary_view(result, f"s{len(summaries)}")
            return summaries[id(result)]

        return [view.ReviewCard(item.number, summary(item.result), item.index, r) for item, r in shown]

    def page(done: bool) -> Response:
        shown, progress = session.page(done)
        nonce = secrets.token_urlsafe(16)
        html = report.render_review(cards(shown), progress, token, nonce, done=done)
        policy = (
            f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'unsafe-inline'; connect-src 'self'; "
            "img-src data:; form-action 'none'; frame-ancestors 'none'; base-uri 'none'"
        )
        return HTMLResponse(html, headers={"Content-Security-Policy": policy})

    def queue(request: Request) -> Response:  # plain functions: Starlette runs them off the event loop
        return page(done=False)

    def decided(request: Request) -> Response:
        return page(done=True)

    async def decide(request: Request) -> Response:
        try:
            body = json.loads(await request.body())
            number = body["item"]
            if not isinstance(number, int) or isinstance(number, bool):
                raise ValueError("item is a claim's number")
            review, seen = Review.from_dict(body["review"]), Review.from_dict(body["seen"])
        except (ValueError, KeyError, TypeError) as exc:
            return JSONResponse({"error": f"not a decision ({exc})"}, status_code=400)
        try:  # off the event loop: the file's lock may be held a moment by a run or another window
            await run_in_threadpool(session.decide, number, review, seen)
        except KeyError:
            return JSONResponse({"error": "no such claim in this review"}, status_code=404)
        except Conflict as exc:
            return JSONResponse({"error": str(exc), "now": exc.now.to_dict()}, status_code=409)
        except EvalkitError as exc:  # a sidecar broken by hand, a read-only folder: said, nothing written
            return JSONResponse({"error": str(exc)}, status_code=500)
        progress = await run_in_threadpool(session.progress)
        return JSONResponse({"review": review.to_dict(), "progress": list(progress)})

    async def failed(request: Request, exc: Exception) -> Response:
        """A sidecar broken by hand while the page loads: said in one line, as the command line would."""
        return _refuse(500, str(exc))

    routes = [Route("/", queue), Route("/done", decided), Route("/decide", decide, methods=["POST"])]
    return Starlette(
        routes=routes,
        middleware=[Middleware(BaseHTTPMiddleware, dispatch=guard)],
        exception_handlers={EvalkitError: failed},
    )


def _refuse(status: int, why: str) -> Response:
    return _hardened(PlainTextResponse(f"evalkit review: {why}\n", status_code=status))


def _hardened(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


def serve(
    session: Session, host: str, port: int, browser: bool, announce: Callable[[str], None]
) -> None:
    """Serve `session` at host:port (0: a free port) until Ctrl-C or SIGTERM; `announce` gets the URL first.

    Every decision is written when it is made, so stopping loses nothing; uvicorn finishes the requests in
    flight. Its own signal handlers re-raise the signal once it has stopped, which here is answered by
    doing nothing, so both signals end the command normally (exit 0).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise EvalkitError(f"cannot serve on {host}:{port} ({exc.strerror or exc})") from None
    address = Address(host, sock.getsockname()[1])
    token = secrets.token_urlsafe(24)
    url = f"{address.url}/?token={token}"
    config = uvicorn.Config(app(session, address, token), log_level="warning", lifespan="off", access_log=False)
    server = uvicorn.Server(config)
    kept = {s: signal.signal(s, lambda *_: None) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        announce(url)
        if browser:
            webbrowser.open(url)
        server.run(sockets=[sock])
    finally:
        for number, handler in kept.items():
            signal.signal(number, handler)
        sock.close()
