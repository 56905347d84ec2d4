"""The load generator of okrs.bench.load: closed-loop users over raw HTTP/1.1 keep-alive.

Everything runs in one asyncio event loop in one process. The HTTP client is the minimum a
benchmark needs (a request, a status, a body read to its end by Content-Length or chunks,
keep-alive, cookies left to the caller): a full client such as httpx costs several times the
CPU per request, and on a 2-core machine shared with the servers under test the load generator
must not be what limits the figures. Nothing here imports Django.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field

USER_AGENT = "okrs-bench-load"
# Headers of an answer larger than this are not a web server talking.
MAX_HEADER_BYTES = 64 * 1024


@dataclass(frozen=True)
class Request:
    """One request a user sends: `route` is the label it is reported under."""

    route: str
    method: str
    path: str
    expect: int
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    # The check-in's note, to match the answers with the rows stored.
    note: str | None = None


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, list[str]]
    body: bytes

    def header(self, name: str) -> str | None:
        values = self.headers.get(name.lower())
        return values[0] if values else None


@dataclass(frozen=True)
class Outcome:
    """What became of one request: a status, or a failure before any status came back."""

    route: str
    backend: int
    latency_ms: float
    status: int | None
    expect: int
    failure: str | None = None  # "timeout" or "connection: <exception type>"
    note: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == self.expect


class Connection:
    """One keep-alive HTTP/1.1 connection to 127.0.0.1:port, reopened when the server closes it."""

    def __init__(self, port: int) -> None:
        self.port = port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def send(self, request: Request) -> Answer:
        if self._reader is None or self._reader.at_eof() or self._writer is None:
            # A server closes idle keep-alive connections; by the time this one is used again
            # the event loop has seen the close, so open a new one rather than fail on it.
            await self.close()
            self._reader, self._writer = await asyncio.open_connection(
                "127.0.0.1", self.port, limit=MAX_HEADER_BYTES
            )
        try:
            self._writer.write(_encode(request, self.port))
            answer, keep_alive = await _read_answer(self._reader, request.method)
        except BaseException:
            await self.close()  # a half-read answer leaves the connection unusable
            raise
        if not keep_alive:
            await self.close()
        return answer

    async def close(self) -> None:
        writer, self._reader, self._writer = self._writer, None, None
        if writer is not None:
            writer.close()
            with suppress(OSError):
                await writer.wait_closed()


def _encode(request: Request, port: int) -> bytes:
    lines = [
        f"{request.method} {request.path} HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        f"User-Agent: {USER_AGENT}",
        "Accept: */*",
    ]
    lines += [f"{name}: {value}" for name, value in request.headers]
    if request.body or request.method in ("POST", "PUT", "PATCH"):
        lines.append(f"Content-Length: {len(request.body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + request.body


async def _read_answer(reader: asyncio.StreamReader, method: str) -> tuple[Answer, bool]:
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    version, status_text = status_line.split(" ", 2)[:2]
    status = int(status_text)
    headers: dict[str, list[str]] = {}
    for line in header_lines:
        if line:
            name, _, value = line.partition(":")
            headers.setdefault(name.strip().lower(), []).append(value.strip())
    connection = ",".join(headers.get("connection", [])).lower()
    keep_alive = "close" not in connection and (version == "HTTP/1.1" or "keep-alive" in connection)
    if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
        body = b""
    elif "chunked" in ",".join(headers.get("transfer-encoding", [])).lower():
        body = await _read_chunked(reader)
    elif "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"][0]))
    else:
        body = await reader.read()  # the body runs to the end of the connection
        keep_alive = False
    return Answer(status, headers, body), keep_alive


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts: list[bytes] = []
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";", 1)[0].strip(), 16)
        if size == 0:
            while (await reader.readuntil(b"\r\n")) != b"\r\n":
                pass  # trailers
            return b"".join(parts)
        parts.append(await reader.readexactly(size))
        await reader.readexactly(2)


@dataclass
class Load:
    """Closed-loop users: each sends its next request as soon as the last one is answered.

    `plan(n, rng)` gives request number n (numbered across all users, so a check-in's note is
    unique in the run). User u sends its i-th request to backend (u + i) mod len(ports): the
    requests are spread round-robin over the web processes as a load balancer would, and each
    user keeps one keep-alive connection per process.
    """

    ports: Sequence[int]
    users: int
    seconds: float
    max_requests: int
    plan: Callable[[int, random.Random], Request]
    timeout: float = 30.0
    seed: int = 1
    outcomes: list[Outcome] = field(default_factory=list)
    elapsed: float = 0.0
    _issued: int = 0

    async def run(self) -> list[Outcome]:
        began = time.perf_counter()
        deadline = began + self.seconds
        await asyncio.gather(*(self._user(u, deadline) for u in range(self.users)))
        self.elapsed = time.perf_counter() - began
        return self.outcomes

    async def _user(self, user: int, deadline: float) -> None:
        rng = random.Random(self.seed * 1_000_003 + user)
        connections = [Connection(port) for port in self.ports]
        sent = 0
        try:
            while time.perf_counter() < deadline and self._issued < self.max_requests:
                n = self._issued
                self._issued += 1
                request = self.plan(n, rng)
                backend = (user + sent) % len(connections)
                sent += 1
                self.outcomes.append(await self._send(connections[backend], backend, request))
        finally:
            for connection in connections:
                await connection.close()

    async def _send(self, connection: Connection, backend: int, request: Request) -> Outcome:
        started = time.perf_counter()
        status, failure = None, None
        try:
            answer = await asyncio.wait_for(connection.send(request), self.timeout)
            status = answer.status
        except TimeoutError:
            failure = "timeout"
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as e:
            # Refused, reset, closed mid-answer, or an answer that is not HTTP.
            failure = f"connection: {type(e).__name__}"
        finished = time.perf_counter()
        return Outcome(
            route=request.route,
            backend=backend,
            latency_ms=(finished - started) * 1000,
            status=status,
            expect=request.expect,
            failure=failure,
            note=request.note,
        )
