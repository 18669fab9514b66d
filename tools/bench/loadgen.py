"""The load that wrk can't express, sent with httpx's async client.

wrk keeps N connections busy for a duration; two measurements need something else:
- a burst: N requests sent at the same instant on N connections opened beforehand, each timed
  (300 simultaneous sign-ins), while probes measure another endpoint during exactly that window;
- a timeline: every request of a load recorded with its start, end and outcome, so a fault
  drill can show when errors happened and how long recovery took.
One process, one event loop; each "connection" is an httpx.AsyncClient held to one keep-alive connection.
"""

import asyncio
import json
import time
from dataclasses import dataclass, field

import httpx


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


class Connection:
    """One keep-alive HTTP/1.1 connection to host:port (httpx reconnects when the server closed it)."""

    def __init__(self, host: str, port: int):
        self.client = httpx.AsyncClient(
            base_url=f"http://{host}:{port}",
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
            trust_env=False,  # no proxy from the environment between the load and 127.0.0.1
        )

    async def open(self) -> None:
        """Open the connection now (with a health check), so that a later request doesn't pay for it."""
        await self.request("GET", "/api/health/")

    async def close(self) -> None:
        await self.client.aclose()

    async def request(self, method: str, path: str, headers: dict | None = None, body=None, timeout=30.0) -> Answer:
        """Send one request (`body`, if any, as JSON) and read its answer. Raises HttpError."""
        started = time.monotonic()
        try:
            response = await self.client.request(method, path, headers=headers, json=body, timeout=timeout)
        except httpx.HTTPError as exc:
            raise HttpError(f"{type(exc).__name__}: {exc}") from exc
        return Answer(status=response.status_code, body=response.content, seconds=time.monotonic() - started,
                      started=started)  # fmt: skip


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
