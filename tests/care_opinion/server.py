"""A local stand-in for Care Opinion's API v2, over real HTTP on loopback, serving the fixtures in
`fixtures/` the way the API answers (see the README's "Care Opinion sync" for what is confirmed and what is
inferred), with the API's known faults on demand:

- a request without the right `Authorization: SUBSCRIPTION_KEY …` header is redirected (302) to an HTML
  sign-in page, as Care Opinion does;
- `sorry`: opinion ids served as the bare string "Sorry! Something went wrong." in their place;
- `faults`: statuses to answer, in turn, for a page (`("opinions", skip)`) or an opinion's sub-collection
  (`("1100005", "tags")`);
- `delays`: seconds to wait before answering such a request (a timeout for the client).

Every request is recorded with its arrival time, so tests can check the rate the client kept.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

FIXTURES = Path(__file__).parent / "fixtures"
SORRY = "Sorry! Something went wrong."
API_PATH = "/api/v2/opinions"
SIGN_IN = "/Account/SignIn"


def load_fixtures() -> tuple[list[dict], dict[str, dict]]:
    opinions = json.loads((FIXTURES / "opinions.json").read_text())
    related = json.loads((FIXTURES / "related.json").read_text())
    return opinions, related


@dataclass
class Seen:
    at: float  # time.monotonic() when the request arrived
    path: str
    query: dict[str, list[str]]
    status: int = 0


@dataclass
class FakeCareOpinion:
    key: str = "test-subscription-key"
    opinions: list[dict] = field(default_factory=list)
    related: dict[str, dict] = field(default_factory=dict)
    sorry: set[str] = field(default_factory=set)
    faults: dict[tuple[str, object], list[int]] = field(default_factory=dict)
    delays: dict[tuple[str, object], float] = field(default_factory=dict)
    # How `publishedafter` is read: strictly after the moment given, or (the least generous reading of a
    # date) after the end of its day.
    after_end_of_day: bool = False
    seen: list[Seen] = field(default_factory=list)

    def __post_init__(self):
        if not self.opinions:
            self.opinions, self.related = load_fixtures()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - the http.server interface
                fake._answer(self)

            def log_message(self, *args):  # quiet
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._server.block_on_close = False
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{API_PATH}"

    def start(self) -> FakeCareOpinion:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def page_requests(self) -> list[Seen]:
        return [s for s in self.seen if s.path == API_PATH]

    # Answering -----------------------------------------------------------------------------------------

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        seen = Seen(at=time.monotonic(), path=parts.path, query=parse_qs(parts.query))
        with self._lock:
            self.seen.append(seen)
        if parts.path == SIGN_IN:
            return self._send(handler, seen, 200, (FIXTURES / "sign_in.html").read_bytes(), "text/html")
        if handler.headers.get("Authorization") != f"SUBSCRIPTION_KEY {self.key}":
            # What Care Opinion does with a key it does not know: off to the sign-in page, no JSON.
            return self._send(
                handler,
                seen,
                302,
                b"<html><body>Object moved</body></html>",
                "text/html; charset=utf-8",
                {"Location": f"{SIGN_IN}?ReturnUrl={API_PATH}"},
            )
        if parts.path == API_PATH:
            skip = int(seen.query.get("skip", ["0"])[0])
            where = ("opinions", skip)
        elif parts.path.startswith(API_PATH + "/") and parts.path.count("/") == 5:
            opinion_id, name = parts.path[len(API_PATH) + 1 :].split("/")
            where = (opinion_id, name)
        else:
            return self._send(handler, seen, 404, b"<html>Not found</html>", "text/html")
        if where in self.delays:
            time.sleep(self.delays[where])
        with self._lock:
            queued = self.faults.get(where)
            status = queued.pop(0) if queued else None
        if status is not None:
            body = b"<html><h1>Sorry! Something went wrong.</h1></html>"
            return self._send(handler, seen, status, body, "text/html")
        if where[0] == "opinions":
            return self._json(handler, seen, self._page(seen.query))
        return self._json(handler, seen, self.related.get(where[0], {}).get(where[1], []))

    def _page(self, query: dict[str, list[str]]) -> list:
        skip = int(query.get("skip", ["0"])[0])
        take = min(int(query.get("take", ["10"])[0]), 100)
        items = self.opinions
        if "publishedafter" in query:
            after = _when(query["publishedafter"][0])
            if self.after_end_of_day:
                after = after.replace(hour=0, minute=0, second=0, microsecond=0) + dt.timedelta(days=1)
            items = [o for o in items if _when(o["dateOfPublication"]) > after]
        return [SORRY if str(o["id"]) in self.sorry else o for o in items[skip : skip + take]]

    def _json(self, handler, seen: Seen, data) -> None:
        self._send(handler, seen, 200, json.dumps(data).encode(), "application/json; charset=utf-8")

    def _send(self, handler, seen: Seen, status: int, body: bytes, kind: str, headers=None) -> None:
        seen.status = status
        handler.send_response(status)
        handler.send_header("Content-Type", kind)
        handler.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.end_headers()
        # The client may have given up waiting (the timeout tests).
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            handler.wfile.write(body)


def _when(text: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
