"""A local stand-in for Anthropic's and Google's token-count endpoints, for tests (127.0.0.1 only).

It answers POST /v1/messages/count_tokens ({"input_tokens": N}) and
POST /{v1,v1beta}/models/{model}:countTokens ({"totalTokens": N}; google-genai 3.6 asks v1, older
releases v1beta) with N = UTF-8 bytes // 3 + 1 of the text, and can be scripted to fail chosen
requests (numbered from 1, in arrival order):

    fake.script[2] = Fail(429, retry_after="3")   # HTTP 429 with a retry-after header
    fake.script[3] = DROP                          # read the request, close the socket, answer nothing
    fake.broken_after = 4                          # after 4 counts, every request gets HTTP 503

Every request is recorded (`fake.requests`). Models whose name contains "nope" are unknown
(Anthropic-style 400, Google-style 404); a key other than `fake.key` gets what each vendor answers
(Anthropic 401, Google 400 "API key not valid").
"""

from __future__ import annotations

import dataclasses
import json
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ANTHROPIC_PATH = "/v1/messages/count_tokens"
GOOGLE_PATH = re.compile(r"^/(?:v1|v1beta)/models/(?P<model>[^/:]+):countTokens$")


@dataclasses.dataclass(frozen=True)
class Fail:
    status: int  # 200 with a delay: the count, late
    retry_after: str | None = None
    delay: float = 0.0  # seconds to wait before answering (to make a client time out)


DROP = Fail(0)  # status 0: no answer at all


@dataclasses.dataclass
class Request:
    number: int
    vendor: str      # "anthropic" / "google"
    model: str
    text: str
    status: int      # what was answered (0: dropped)


def fake_tokens(text: str) -> int:
    return len(text.encode("utf-8")) // 3 + 1


class FakeVendorServer:
    def __init__(self, key: str = "test-key"):
        self.key = key
        self.script: dict[int, Fail] = {}
        self.broken_after: int | None = None
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True  # a client that hangs on cannot keep the test run alive
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def counted(self) -> list[Request]:
        """The requests that got a count, in order."""
        return [r for r in self.requests if r.status == 200]

    def start(self) -> "FakeVendorServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> "FakeVendorServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def decide(self, vendor: str, model: str, text: str, key: str | None) -> tuple[int, Fail | None]:
        """Number this request and choose its answer: (number, None) for a count, else the failure."""
        with self._lock:
            number = len(self.requests) + 1
            fail = self.script.get(number)
            if fail is None and key != self.key:
                fail = Fail(401 if vendor == "anthropic" else 400)  # as the real endpoints answer
            elif fail is None and "nope" in model:
                fail = Fail(400 if vendor == "anthropic" else 404)
            elif fail is None and self.broken_after is not None and len(self.counted()) >= self.broken_after:
                fail = Fail(503)
            self.requests.append(Request(number, vendor, model, text, 200 if fail is None else fail.status))
        return number, fail


class _Server(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        # A client that timed out and hung up before a delayed answer is what the test asked for.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def _handler_for(fake: FakeVendorServer):
    class Handler(BaseHTTPRequestHandler):
        timeout = 10  # seconds a connection may sit idle: bounds every handler thread

        def do_POST(self):  # noqa: N802 — the name http.server calls
            body = json.loads(self.rfile.read(int(self.headers.get("content-length") or 0)) or b"{}")
            parsed = self._parse(body)
            if parsed is None:
                return self._send(404, {"error": {"message": f"no such path {self.path}"}})
            vendor, model, text, key = parsed
            _, fail = fake.decide(vendor, model, text, key)
            if fail is not None and fail.delay:
                time.sleep(fail.delay)
            if fail is not None and fail.status == 0:
                self.close_connection = True  # nothing written: the client sees the connection drop
                return
            if fail is not None and fail.status != 200:
                return self._send(fail.status, _error_body(vendor, fail.status, model), fail.retry_after)
            tokens = fake_tokens(text)
            self._send(200, {"input_tokens": tokens} if vendor == "anthropic" else {"totalTokens": tokens})

        def _parse(self, body: dict):
            path = self.path.split("?")[0]
            if path == ANTHROPIC_PATH:
                return "anthropic", body["model"], body["messages"][0]["content"], self._anthropic_key()
            match = GOOGLE_PATH.match(path)
            if match:
                text = body["contents"][0]["parts"][0]["text"]
                return "google", match["model"], text, self.headers.get("x-goog-api-key")
            return None

        def _anthropic_key(self) -> str | None:
            # SDK versions differ: older ones send x-api-key, anthropic 2.x sends "Authorization: Bearer".
            bearer = (self.headers.get("authorization") or "").removeprefix("Bearer ")
            return self.headers.get("x-api-key") or bearer or None

        def _send(self, status: int, payload: dict, retry_after: str | None = None):
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            if retry_after is not None:
                self.send_header("retry-after", retry_after)
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):  # keep test output clean
            pass

    return Handler


def _error_body(vendor: str, status: int, model: str) -> dict:
    if vendor == "google" and status == 400:
        return {"error": {"code": 400, "message": "API key not valid. Please pass a valid API key.",
                          "status": "INVALID_ARGUMENT"}}
    message = {401: "invalid x-api-key", 400: f"model: {model}", 404: f"models/{model} is not found",
               429: "rate limited", 500: "internal error", 503: "overloaded"}.get(status, "error")
    if vendor == "anthropic":
        return {"type": "error", "error": {"type": "api_error", "message": message}}
    return {"error": {"code": status, "message": message, "status": "ERROR"}}
