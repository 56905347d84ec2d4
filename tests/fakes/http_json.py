"""A local JSON endpoint (and the small HTTP server the other provider fakes build on).

Each fake is a ThreadingHTTPServer on 127.0.0.1, port 0, in a thread; it records every request
(method, path, query, headers, body) so that tests can check what okrs sent, auth included.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any


@dataclass
class Answer:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that gave up (a timeout test) is expected, not worth a traceback


class FakeServer:
    """Subclasses implement `answer(seen)`; `fail_with` overrides every answer (an outage)."""

    def __init__(self) -> None:
        self.requests: list[Seen] = []
        self.fail_with: Answer | None = None
        # Set to an Event to hold every answer until the test releases it (a slow server).
        self.hold: threading.Event | None = None
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = raw.decode("utf-8", "replace")
                seen = Seen(
                    self.command,
                    parts.path,
                    parse_qs(parts.query),
                    {k.lower(): v for k, v in self.headers.items()},
                    body,
                )
                fake.requests.append(seen)
                if fake.hold is not None:
                    fake.hold.wait(timeout=30)
                answer = fake.fail_with or fake.answer(seen)
                payload = answer.raw if answer.raw is not None else json.dumps(answer.body).encode()
                self.send_response(answer.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            do_GET = _handle
            do_POST = _handle

        self.server = _QuietServer(("127.0.0.1", 0), Handler)
        # Polled every 50 ms for shutdown, not socketserver's 500: each test ends that much sooner.
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def answer(self, seen: Seen) -> Answer:
        raise NotImplementedError

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.hold is not None:
            self.hold.set()
        self.server.shutdown()
        self.server.server_close()


class FakeJsonEndpoint(FakeServer):
    """Serves `document` at `path`; with `token` set, only to `Authorization: Bearer TOKEN`
    (or the token raw in `header`)."""

    def __init__(
        self,
        document: Any,
        *,
        path: str = "/metrics.json",
        token: str = "",
        header: str = "authorization",
    ) -> None:
        super().__init__()
        self.document = document
        self.path = path
        self.token = token
        self.header = header.lower()

    def answer(self, seen: Seen) -> Answer:
        if self.token:
            expected = f"Bearer {self.token}" if self.header == "authorization" else self.token
            if seen.headers.get(self.header) != expected:
                return Answer(401, {"error": "unauthorized"})
        if seen.path != self.path:
            return Answer(404, {"error": "not found"})
        return Answer(200, self.document)
