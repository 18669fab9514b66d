"""The load that wrk can't express, sent over asyncio streams with a minimal HTTP/1.1 client.

wrk keeps N connections busy for a duration; two measurements need something else:
- a burst: N requests sent at the same instant on N connections opened beforehand, each timed
  (300 simultaneous sign-ins), while probes measure another endpoint during exactly that window;
- a timeline: every request of a load recorded with its start, end and outcome, so a fault
  drill can show when errors happened and how long recovery took.
One process, one event loop, one keep-alive connection per `Connection`.

The load generator shares the machine's two cores with what it measures, so its own CPU is part of every
figure: per request, httpx's async client took 2.0 ms of CPU here, h11 over asyncio streams 0.45 ms, aiohttp
0.28 ms, and this client 0.11 ms (GET /api/health/ through nginx, 500 requests each, one connection). A burst
of 300 sign-ins through httpx spent ~0.6 s of a core in the client alone, inside the window being measured.
It speaks only what the server side here answers: a status line, headers, then a Content-Length or chunked body.
"""

import asyncio
import json
import time
from dataclasses import dataclass, field


class HttpError(Exception):
    """The connection failed or timed out, or the answer was not HTTP."""


@dataclass
class Answer:
    status: int
    body: bytes
    seconds: float
    started: float  # time.monotonic() when the request was sent

    def json(self):
        return json.loads(self.body)


async def _read_body(reader: asyncio.StreamReader, headers: dict[bytes, bytes]) -> bytes:
    if headers.get(b"transfer-encoding", b"").lower() == b"chunked":
        chunks = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";", 1)[0], 16)
            chunk = await reader.readexactly(size + 2)  # the chunk and its CRLF
            if size == 0:  # no trailers are sent here: the last chunk's CRLF ends the body
                return b"".join(chunks)
            chunks.append(chunk[:-2])
    return await reader.readexactly(int(headers.get(b"content-length", b"0")))


class Connection:
    """One keep-alive HTTP/1.1 connection to host:port, reopened when the server closed it."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        """Open the connection now (with a health check), so that a later request doesn't pay for it."""
        await self.request("GET", "/api/health/")

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.reader = self.writer = None

    def _encode(self, method: str, path: str, headers: dict | None, body) -> bytes:
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        payload = b""
        if body is not None:
            payload = json.dumps(body).encode()
            lines += ["Content-Type: application/json", f"Content-Length: {len(payload)}"]
        elif method in ("POST", "PUT", "PATCH"):
            lines.append("Content-Length: 0")
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + payload

    async def _exchange(self, data: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.writer.write(data)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head[:-4].split(b"\r\n")
        headers = {}
        for line in header_lines:
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip()
        status = int(status_line.split(b" ", 2)[1])
        body = b"" if status in (204, 304) or 100 <= status < 200 else await _read_body(self.reader, headers)
        if headers.get(b"connection", b"").lower() == b"close":
            await self.close()
        return status, body

    async def request(self, method: str, path: str, headers: dict | None = None, body=None, timeout=30.0) -> Answer:
        """Send one request (`body`, if any, as JSON) and read its answer. Raises HttpError."""
        data = self._encode(method, path, headers, body)
        started = time.monotonic()
        for attempt in (1, 2):
            reused = self.writer is not None
            try:
                status, content = await asyncio.wait_for(self._exchange(data), timeout)
                break
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError, IndexError) as exc:
                await self.close()
                # A kept-alive connection the server closed meanwhile (its idle timeout, nginx's keepalive_requests):
                # send again on a new one, as an HTTP client does. Anything else is the answer.
                if not (reused and attempt == 1 and isinstance(exc, (asyncio.IncompleteReadError, ConnectionError))):
                    raise HttpError(f"{type(exc).__name__}: {exc}") from exc
            except TimeoutError as exc:
                await self.close()
                raise HttpError(f"timeout after {timeout} s") from exc
        return Answer(status=status, body=content, seconds=time.monotonic() - started, started=started)


def percentile(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile (p in 0..100) of the values, None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.4999)))
    return ordered[rank - 1]


def latency_summary(seconds: list[float]) -> dict:
    """min/p50/p95/p99/max in milliseconds."""
    out = {"count": len(seconds)}
    for name, p in (("min", 0), ("p50", 50), ("p95", 95), ("p99", 99), ("max", 100)):
        value = percentile(seconds, p) if p else (min(seconds) if seconds else None)
        out[f"{name}_ms"] = None if value is None else round(value * 1000, 1)
    return out


async def _probe(conn: Connection, request: tuple, stop: asyncio.Event, into: list[Answer], errors: list[str]):
    while not stop.is_set():
        try:
            into.append(await conn.request(*request))
        except HttpError as exc:
            errors.append(str(exc))


async def burst_with_probes(
    host: str,
    port: int,
    *,
    burst: list[tuple[str, str, dict, object]],
    probe: tuple[str, str, dict, object],
    probe_connections: int,
    baseline_seconds: float = 3.0,
) -> dict:
    """Send every request of `burst` at the same instant, each on its own connection opened beforehand,
    while `probe_connections` loops send `probe` back to back. The probes run alone for `baseline_seconds`
    first (the baseline), then during the burst; only probes started between the burst's first write and
    its last answer count as "during"."""
    conns = [Connection(host, port) for _ in burst]
    await asyncio.gather(*(c.open() for c in conns))
    probe_conns = [Connection(host, port) for _ in range(probe_connections)]

    async def probes_for(seconds: float | None, stop: asyncio.Event) -> tuple[list[Answer], list[str]]:
        answers, errors = [], []
        tasks = [asyncio.create_task(_probe(c, probe, stop, answers, errors)) for c in probe_conns]
        if seconds is not None:
            await asyncio.sleep(seconds)
            stop.set()
        await asyncio.gather(*tasks)
        return answers, errors

    baseline, baseline_errors = await probes_for(baseline_seconds, asyncio.Event())

    stop = asyncio.Event()
    probe_task = asyncio.create_task(probes_for(None, stop))
    await asyncio.sleep(0.2)  # the probes are in full swing when the burst starts

    async def one(conn: Connection, request: tuple):
        try:
            return await conn.request(*request, timeout=60)
        except HttpError as exc:
            return exc

    started = time.monotonic()
    results = await asyncio.gather(*(one(c, r) for c, r in zip(conns, burst, strict=True)))
    finished = time.monotonic()
    stop.set()
    during, during_errors = await probe_task
    await asyncio.gather(*(c.close() for c in conns + probe_conns))

    answers = [r for r in results if isinstance(r, Answer)]
    statuses: dict[str, int] = {}
    for r in results:
        key = str(r.status) if isinstance(r, Answer) else "connection error"
        statuses[key] = statuses.get(key, 0) + 1
    in_window = [a for a in during if started <= a.started <= finished]
    return {
        "requests": len(burst),
        "statuses": statuses,
        "batch_seconds": round(finished - started, 3),
        "latency": latency_summary([a.seconds for a in answers]),
        "probe_connections": probe_connections,
        "probe_baseline": latency_summary([a.seconds for a in baseline])
        | {"errors": len(baseline_errors), "non_2xx": sum(a.status >= 300 for a in baseline)},
        "probe_during": latency_summary([a.seconds for a in in_window])
        | {"errors": len(during_errors), "non_2xx": sum(a.status >= 300 for a in in_window)},
        "sample_answer": answers[0].body.decode(errors="replace")[:200] if answers else None,
        "sample_error": next((str(r) for r in results if not isinstance(r, Answer)), None),
    }


@dataclass
class Event:
    kind: str
    started: float  # seconds since the load began
    seconds: float
    status: int | None  # None: the connection failed
    error: str = ""


@dataclass
class Timeline:
    events: list[Event] = field(default_factory=list)
    t0: float = field(default_factory=time.monotonic)

    def now(self) -> float:
        return time.monotonic() - self.t0


async def timeline_load(
    host: str,
    port: int,
    timeline: Timeline,
    *,
    kind: str,
    requests,  # iterator of (method, path, headers, body)
    connections: int,
    stop: asyncio.Event,
    pause: float = 0.0,
) -> None:
    """`connections` loops sending the next request of `requests` until `stop`, recording every outcome."""

    async def loop(conn: Connection):
        while not stop.is_set():
            try:
                req = next(requests)
            except StopIteration:
                return
            t = timeline.now()
            try:
                answer = await conn.request(*req, timeout=15)
                timeline.events.append(Event(kind, t, answer.seconds, answer.status))
            except HttpError as exc:
                timeline.events.append(Event(kind, t, timeline.now() - t, None, str(exc)))
                await asyncio.sleep(0.05)  # a refused connection fails at once: don't spin
            if pause:
                await asyncio.sleep(pause)

    conns = [Connection(host, port) for _ in range(connections)]
    await asyncio.gather(*(loop(c) for c in conns))
    await asyncio.gather(*(c.close() for c in conns))
