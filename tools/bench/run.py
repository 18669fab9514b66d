"""The benchmark: start the native production stack, seed it, load it on 127.0.0.1, write a report.

    .venv/bin/python tools/bench/run.py [--config 1x2] [--sweep 1x1,1x2,2x1,2x2] [--duration 10] [--out DIR]

`make bench` runs it. What it does:
1. starts the native stack (tools/stack/stack.py: nginx in front of B gunicorn backends of W gevent workers
   each, run by honcho) on a fresh
   database (BENCH_DB, default referral_bench, on the server of DATABASE_URL), nginx's per-IP
   limit off and the API's per-IP caps raised, since every request comes from 127.0.0.1;
2. seeds it (bench_seed.py: 120,000+ users, one with 100,000 referrals);
3. with --sweep, measures GET /api/profile/ at 64 connections for each BxW configuration; the scenarios
   then run on the production topology, make stack's 2 backends x 1 gevent worker, unless --config names one;
4. runs the scenarios of BENCHMARKS.md with wrk (Lua scripts in wrk/) and, for the sign-in burst and the
   referral pages, loadgen.py (asyncio streams); checks the data invariants; stops the stack;
5. writes DIR/report.md (markdown, the figures against the targets) and DIR/results.json.

The machine is shared, so the load average is recorded at the start of every scenario.
"""

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
import httpx
import psycopg2

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
STACK = REPO / "tools" / "stack" / "stack.py"
REPORTS = HERE / "reports"
sys.path.insert(0, str(HERE))

from invariants import invariants_check, invariants_table  # noqa: E402
from loadgen import Connection, burst_with_probes, latency_summary  # noqa: E402

WRK = HERE / "wrk"

TARGETS = {
    "login_all_200": "all 300 answer 200",
    "login_slowest": "slowest ≤ 2.4 s (the send takes at most 2.0 s)",
    "login_batch": "batch ≤ 4 s",
    "login_probe_p99": "GET /api/profile/ p99 ≤ 100 ms meanwhile",
    "profile_rps_64": "≥ 1,500 req/s at 64 connections",
    "profile_p99_64": "p99 ≤ 100 ms at 64 connections",
    "popular_vs_lonely": "within 10% of a user with none",
    "pages_flat": "last page within 10% of the first",
}


def log(message: str) -> None:
    print(f"bench [{time.strftime('%H:%M:%S')}]: {message}", flush=True)


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def cpu_idle_percent(seconds: float = 2.0) -> float:
    """Share of CPU time the whole machine spent idle over `seconds` (before we add any load)."""

    def sample():
        fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        return fields[3] + fields[4], sum(fields)

    idle1, total1 = sample()
    time.sleep(seconds)
    idle2, total2 = sample()
    return round(100 * (idle2 - idle1) / max(1, total2 - total1), 1)


class ForeignCpu:
    """CPU the rest of the machine used while a measurement ran, in % of the whole machine.

    Busy time from /proc/stat minus the time of the processes under test: nginx, gunicorn, PostgreSQL
    (its server process reaps its backends, so their time counts there; another program's queries on
    the same server count as ours), a pgbouncer if DATABASE_URL points at one, and this process with
    its children (wrk).
    """

    OURS = ("nginx", "gunicorn", "postgres", "pgbouncer")

    def __init__(self):
        self.start = self._sample()

    @classmethod
    def _sample(cls) -> tuple[int, int, int]:
        fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        busy, total = sum(fields) - fields[3] - fields[4], sum(fields)
        ours = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                text = stat.read_text()
                cmdline = (stat.parent / "cmdline").read_bytes()
            except OSError:
                continue
            comm = text[text.index("(") + 1 : text.rindex(")")]
            values = text[text.rindex(")") + 2 :].split()
            mine = int(stat.parent.name) == os.getpid()
            if mine or comm.startswith(cls.OURS) or b"gunicorn" in cmdline:
                ours += sum(int(v) for v in values[11:15])  # utime stime cutime cstime
        return busy, total, ours

    def percent(self) -> float:
        busy1, total1, ours1 = self.start
        busy2, total2, ours2 = self._sample()
        return round(max(0.0, 100 * ((busy2 - busy1) - (ours2 - ours1)) / max(1, total2 - total1)), 1)


class ProcessCpu:
    """CPU time used by groups of processes between start and stop, from /proc/PID/stat (utime + stime): the
    stack's gunicorn workers (by pid), PostgreSQL's processes and nginx's (by name). A process that starts meanwhile
    counts whole; one that ends meanwhile is lost (none does during a burst: the pool keeps its connections)."""

    TICK = os.sysconf("SC_CLK_TCK")

    def __init__(self, workers: list[int]):
        self.workers = set(workers)
        self.start = self._sample()

    def _sample(self) -> dict[int, tuple[str, int]]:
        found = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                text = stat.read_text()
            except OSError:
                continue
            pid, comm = int(stat.parent.name), text[text.index("(") + 1 : text.rindex(")")]
            group = "workers" if pid in self.workers else "postgres" if comm.startswith("postgres") else comm
            if group in ("workers", "postgres", "nginx"):
                values = text[text.rindex(")") + 2 :].split()
                found[pid] = (group, int(values[11]) + int(values[12]))
        return found

    def ms_per(self, count: int) -> dict[str, float]:
        """Each group's CPU since start, in ms per one of `count` requests."""
        totals = dict.fromkeys(("workers", "postgres", "nginx"), 0)
        for pid, (group, ticks) in self._sample().items():
            totals[group] += ticks - self.start.get(pid, (group, 0))[1]
        return {group: round(ticks * 1000 / self.TICK / count, 2) for group, ticks in totals.items()}


# ---------------------------------------------------------------- the stack


class Stack:
    def __init__(self, *, port: int, database_url: str, out: Path):
        self.port = port
        self.database_url = database_url
        self.dir = Path(os.environ.get("BENCH_STACK_DIR", f"/tmp/referral-bench-{port}"))
        self.env = {
            **os.environ,
            "STACK_PORT": str(port),
            "STACK_DIR": str(self.dir),
            "DATABASE_URL": database_url,
            "NGINX_LIMIT_REQ": "off",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "JWT_SIGNING_KEY": secrets.token_urlsafe(50),
            # The seeded tokens must outlive the whole run.
            "JWT_ACCESS_TTL_SECONDS": "7200",
            # Every request comes from 127.0.0.1: the per-IP caps would refuse the load by design.
            "THROTTLE_LOGIN": "10000000/hour",
            "THROTTLE_VERIFY": "10000000/hour",
            # The burst signs in 300 consecutive numbers, one range to the guards against SMS pumping: they
            # would refuse it by design too (per-range cap, proof of work, hourly budget, conversion watch).
            "OTP_MAX_SENDS_PER_PREFIX_PER_HOUR": "10000000",
            "ALTCHA_RISK_SHARE": "0",
            "ALTCHA_PREFIX_BURST": "0",
            "SMS_BUDGET_PER_HOUR": "10000000",
            "OTP_CONVERSION_MIN_SENDS": "1000000000",
            # The real simulated SMS gateway: 1-2 s per sign-in.
            "OTP_SEND_DELAY": os.environ.get("OTP_SEND_DELAY", "1.0-2.0"),
            "OTP_ECHO": "true",
        }
        self.config = (0, 0)
        self.out = out

    def start(self, backends: int, workers: int, *, reset: bool) -> None:
        self.config = (backends, workers)
        env = {**self.env, "STACK_BACKENDS": str(backends), "WEB_CONCURRENCY": str(workers)}
        env["STACK_RESET_DB"] = "true" if reset else "false"
        log(f"starting the stack: {backends} backend(s) x {workers} worker(s) on :{self.port}")
        subprocess.run([sys.executable, STACK, "start"], env=env, check=True, stdout=subprocess.DEVNULL)

    def stop(self) -> None:
        subprocess.run([sys.executable, STACK, "stop"], env=self.env, check=False, stdout=subprocess.DEVNULL)

    def seed(self, out: Path, *args: str) -> None:
        """bench_seed.py with the stack's settings (its tokens are signed with the stack's key)."""
        subprocess.run([sys.executable, HERE / "bench_seed.py", "--out", out, *args], env=self.env, check=True)

    def master_pids(self) -> list[int]:
        return [int(p.read_text()) for p in sorted(self.dir.glob("backend.*.pid"))]

    def worker_pids(self) -> list[int]:
        pids = []
        for master in self.master_pids():
            children = Path(f"/proc/{master}/task/{master}/children")
            pids += [int(x) for x in children.read_text().split()] if children.exists() else []
        return pids


def free_port() -> int:
    """A port nothing listens on now (the stack's backends take the ports after its own)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Reference:
    """The plain sync-worker Django + DRF profile endpoint (reference/), on its own database and port."""

    def __init__(self, *, port: int, database_url: str, out: Path):
        self.port = port
        self.database_url = database_url
        self.out = out
        self.process: subprocess.Popen | None = None
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "reference.settings",
            "REFERENCE_SECRET_KEY": secrets.token_urlsafe(50),
            "REFERENCE_DATABASE_URL": database_url,
        }
        self.workers = 2 * (os.cpu_count() or 1) + 1

    def start(self) -> str:
        """Recreate its database, seed one member, start gunicorn; returns the member's access token."""
        cfg = dj_database_url.parse(self.database_url)
        admin = psycopg2.connect(
            dbname="postgres", user=cfg.get("USER") or None, host=cfg.get("HOST") or None, port=cfg.get("PORT") or None
        )
        admin.autocommit = True
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{cfg["NAME"]}"')
            cur.execute(f'CREATE DATABASE "{cfg["NAME"]}"')
        admin.close()
        seed = subprocess.run(
            [sys.executable, HERE / "reference" / "seed.py"], env=self.env, capture_output=True, text=True, check=True
        )
        token = seed.stdout.strip().splitlines()[-1]
        log(f"starting the reference: gunicorn, {self.workers} sync workers on :{self.port}")
        self.process = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("gunicorn")),
                "--chdir",
                str(HERE),
                "-w",
                str(self.workers),
                "-b",
                f"127.0.0.1:{self.port}",
                "reference.wsgi:application",
            ],
            env=self.env,
            stdout=(self.out / "reference.log").open("w"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and self.process.poll() is None:
            # Started when it serves the member's profile: another server on the port wouldn't.
            try:
                url, auth = f"http://127.0.0.1:{self.port}/api/profile/", {"Authorization": f"Bearer {token}"}
                answer = httpx.get(url, headers=auth, timeout=1)
                if answer.status_code == 200:
                    return token
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the reference did not start: see {self.out / 'reference.log'}")

    def stop(self) -> None:
        if self.process is not None:
            if self.process.poll() is None:
                self.process.terminate()
            self.process.wait(timeout=30)
            self.process = None


# ---------------------------------------------------------------- wrk


def wrk(script: str, url: str, *, connections: int, seconds: int, env: dict | None = None) -> dict:
    threads = min(2, connections)
    cmd = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "--latency",
        "-s",
        str(WRK / script),
        url,
    ]
    run_env = {**os.environ, **(env or {}), "BENCH_THREADS": str(threads)}
    load = loadavg()
    foreign = ForeignCpu()
    proc = subprocess.run(cmd, env=run_env, capture_output=True, text=True, check=True)
    foreign_percent = foreign.percent()
    line = next((x for x in proc.stdout.splitlines() if x.startswith("BENCH_JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no result:\n{proc.stdout}\n{proc.stderr}")
    raw = json.loads(line.removeprefix("BENCH_JSON "))
    lat = raw["latency_us"]
    errors = sum(raw["errors"].values())
    ok = sum(n for s, n in raw["statuses"].items() if 200 <= int(s) < 300)
    shown = " ".join(f"{k}={v}" for k, v in (env or {}).items() if k.startswith("BENCH_") and k != "BENCH_TOKEN")
    return {
        "command": (
            " ".join(cmd[:-1] + [re.sub(r"cursor=[^&]+", "cursor=…", url)]) + (f"  ({shown})" if shown else "")
        ).replace(f"{REPO}/", ""),
        "connections": connections,
        "seconds": round(raw["duration_us"] / 1e6, 2),
        "requests": raw["requests"],
        "rps": round(raw["requests"] / (raw["duration_us"] / 1e6), 1),
        "p50_ms": lat["p50"] / 1000,
        "p95_ms": lat["p95"] / 1000,
        "p99_ms": lat["p99"] / 1000,
        "max_ms": lat["max"] / 1000,
        "statuses": raw["statuses"],
        "non_2xx": raw["requests"] - ok,
        "socket_errors": raw["errors"],
        "errors": errors + (raw["requests"] - ok),
        "loadavg": load,
        "foreign_cpu": foreign_percent,
    }


def fmt_wrk_row(label: str, r: dict) -> str:
    return (
        f"| {label} | {r['connections']} | {r['rps']:,.0f} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} | "
        f"{r['p99_ms']:.1f} | {r['max_ms']:.0f} | {r['requests']:,} | {r['errors']} | {r['foreign_cpu']}% |"
    )


WRK_HEADER = (
    "| what | conns | req/s | p50 ms | p95 ms | p99 ms | max ms | requests | errors | other CPU |\n"
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"
)


# ---------------------------------------------------------------- scenarios


def scenario_login_burst(base: str, seed: dict, *, count: int, first_phone: int, probes: int) -> dict:
    host, port = urlsplit(base).hostname, urlsplit(base).port
    burst = [("POST", "/api/login/", {}, {"phone": f"+7994{first_phone + i:07d}"}) for i in range(count)]
    probe = ("GET", "/api/profile/", {"Authorization": f"Bearer {seed['lonely_token']}"}, None)
    load, foreign = loadavg(), ForeignCpu()
    result = asyncio.run(burst_with_probes(host, port, burst=burst, probe=probe, probe_connections=probes))
    result["loadavg"], result["foreign_cpu"] = load, foreign.percent()
    return result


def scenario_login_cpu(base: str, stack: "Stack", *, count: int, first_phone: int) -> dict:
    """The burst again without probes, for the CPU a sign-in costs: the workers', PostgreSQL's and nginx's time
    over the burst (connections opened before), per sign-in."""
    host, port = urlsplit(base).hostname, urlsplit(base).port
    burst = [("POST", "/api/login/", {}, {"phone": f"+7994{first_phone + i:07d}"}) for i in range(count)]
    cpu = {}

    async def timed():
        conns = [Connection(host, port) for _ in burst]
        await asyncio.gather(*(c.open() for c in conns))
        meter = ProcessCpu(stack.worker_pids())
        started = time.monotonic()
        answers = await asyncio.gather(*(c.request(*r, timeout=60) for c, r in zip(conns, burst, strict=True)))
        batch = time.monotonic() - started
        cpu.update(meter.ms_per(count))
        await asyncio.gather(*(c.close() for c in conns))
        return answers, batch

    answers, batch = asyncio.run(timed())
    statuses: dict[str, int] = {}
    for a in answers:
        statuses[str(a.status)] = statuses.get(str(a.status), 0) + 1
    return {
        "requests": count,
        "statuses": statuses,
        "batch_seconds": round(batch, 3),
        "latency": latency_summary([a.seconds for a in answers]),
        "cpu_ms_per_sign_in": cpu,
    }


def walk_pages(base: str, token: str, *, alternate: int = 200) -> dict:
    """Follow `next` from the first referral page to the last, one request at a time, timing each; then
    ask for the first and the last page alternately, `alternate` times each, so that a change in the
    machine's load hits both alike."""
    split = urlsplit(base)
    auth = {"Authorization": f"Bearer {token}"}

    async def get(conn: Connection, path: str):
        answer = await conn.request("GET", path, auth)
        if answer.status != 200:
            raise RuntimeError(f"{path}: {answer.status} {answer.body[:200]!r}")
        return answer

    async def walk():
        conn = Connection(split.hostname, split.port)
        path, times, last_path = "/api/profile/referrals/", [], None
        while path:
            answer = await get(conn, path)
            times.append(answer.seconds)
            last_path = path
            nxt = answer.json()["next"]
            path = None if nxt is None else urlsplit(nxt).path + "?" + urlsplit(nxt).query
        first, last = [], []
        for _ in range(alternate):
            first.append((await get(conn, "/api/profile/referrals/")).seconds)
            last.append((await get(conn, last_path)).seconds)
        await conn.close()
        return times, last_path, first, last

    times, last_path, first, last = asyncio.run(walk())
    edge = min(100, len(times) // 2)
    return {
        "pages": len(times),
        "first": latency_summary(times[:edge]),
        "last": latency_summary(times[-edge:]),
        "edge": edge,
        "all": latency_summary(times),
        "last_path": last_path,
        "alternate_first": latency_summary(first),
        "alternate_last": latency_summary(last),
    }


def static_path() -> str:
    """A file of the built web app that nginx serves from disk."""
    assets = sorted((REPO / "frontend" / "dist" / "assets").glob("*.css"))
    return "/assets/" + assets[0].name if assets else "/"


def references_measure(base: str, reference: "Reference", lonely: dict, *, seconds: int, rounds: int = 2) -> dict:
    token = {"BENCH_TOKEN": reference.start()}
    ref_base = f"http://127.0.0.1:{reference.port}"
    runs: dict[str, list] = {"profile": [], "health": [], "static": [], "reference": []}
    try:
        wrk("get.lua", f"{ref_base}/api/profile/", connections=16, seconds=2, env=token)  # warm-up
        for _ in range(rounds):
            runs["profile"].append(wrk("get.lua", f"{base}/api/profile/", connections=64, seconds=seconds, env=lonely))
            runs["health"].append(wrk("get.lua", f"{base}/api/health/", connections=64, seconds=seconds, env=lonely))
            runs["static"].append(wrk("get.lua", f"{base}{static_path()}", connections=64, seconds=seconds, env=lonely))
            runs["reference"].append(
                wrk("get.lua", f"{ref_base}/api/profile/", connections=64, seconds=seconds, env=token)
            )
    finally:
        reference.stop()
    return runs


def _mean(runs: list[dict], key: str) -> float:
    return sum(r[key] for r in runs) / len(runs)


REFERENCE_LABELS = {
    "profile": "GET /api/profile/ (ours, the stack)",
    "health": "GET /api/health/ (ours: one DB round trip)",
    "static": "nginx serving a static file",
    "reference": "plain sync-worker Django/DRF profile (tools/bench/reference)",
}


def ratios_table(runs: dict) -> str:
    """The short table `make bench` prints: each figure, and the profile's ratio to it, from one run."""
    profile_rps = _mean(runs["profile"], "rps")
    lines = [
        "| at 64 connections | req/s | p50 ms | p99 ms | p99/p50 | other CPU | profile req/s ÷ this |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for key, label in REFERENCE_LABELS.items():
        rps, p50, p99 = _mean(runs[key], "rps"), _mean(runs[key], "p50_ms"), _mean(runs[key], "p99_ms")
        foreign = max(r["foreign_cpu"] for r in runs[key])
        errors = sum(r["errors"] for r in runs[key])
        ratio = "1" if key == "profile" else f"{profile_rps / rps:.2f}"
        lines.append(
            f"| {label}{f' ({errors} errors)' if errors else ''} | {rps:,.0f} | {p50:.1f} | {p99:.1f} | "
            f"{p99 / p50 if p50 else float('inf'):.1f} | {foreign}% | {ratio} |"
        )
    return "\n".join(lines)


# make stack's: 2 backends x 1 gevent worker, one process per core of a 2-core machine (tools/stack/stack.py).
PRODUCTION_TOPOLOGY = (2, 1)


def database_url_for(name: str) -> str:
    """DATABASE_URL with its database name replaced by `name` (the same server, a run's own database)."""
    base_url = os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/referral"
    return base_url.rsplit("/", 1)[0] + "/" + name


def run_benchmark(args) -> dict:
    database_url = database_url_for(args.db)
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    seed_dir = out / "seed"
    stack = Stack(port=args.port, database_url=database_url, out=out)
    reference = Reference(port=free_port(), database_url=database_url_for(args.db + "_reference"), out=out)
    base = f"http://127.0.0.1:{args.port}"
    results: dict = {"started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "args": vars(args)}
    results["machine"] = machine_info(database_url)
    log(f"machine: {results['machine']['cores']} cores, idle {results['machine']['idle_percent_before']}% before")
    configs = parse_configs(args.sweep) if args.sweep else []
    first = parse_configs(args.config)[0] if args.config else (configs[0] if configs else PRODUCTION_TOPOLOGY)
    d = args.duration

    try:
        stack.start(*first, reset=True)
        log("seeding")
        started = time.monotonic()
        stack.seed(seed_dir, "--referrals", str(args.referrals))
        results["seed_seconds"] = round(time.monotonic() - started, 1)
        seed = json.loads((seed_dir / "seed.json").read_text())
        results["seed"] = {k: v for k, v in seed.items() if not k.endswith("_token")}
        lonely = {"BENCH_TOKEN": seed["lonely_token"]}
        popular = {"BENCH_TOKEN": seed["popular_token"]}

        # The worker configurations: GET /api/profile/ at 64 connections on each.
        sweep = []
        for backends, workers in configs:
            if stack.config != (backends, workers):
                stack.stop()
                stack.start(backends, workers, reset=False)
            wrk("get.lua", f"{base}/api/profile/", connections=16, seconds=2, env=lonely)  # warm-up
            r = wrk("get.lua", f"{base}/api/profile/", connections=64, seconds=d, env=lonely)
            r["config"] = f"{backends}x{workers}"
            sweep.append(r)
            log(f"sweep {backends}x{workers}: {r['rps']} req/s, p99 {r['p99_ms']} ms")
        results["sweep"] = sweep
        # The scenarios run on what production runs (make stack's topology), not on the sweep's winner of the day.
        chosen = parse_configs(args.config)[0] if args.config else PRODUCTION_TOPOLOGY
        if stack.config != chosen:
            stack.stop()
            stack.start(*chosen, reset=False)
        results["config"] = {"backends": chosen[0], "workers_per_backend": chosen[1]}
        wrk("get.lua", f"{base}/api/profile/", connections=16, seconds=3, env=lonely)  # warm-up

        # 0. The profile side by side with references measured in the same run (ratios carry over between
        # machines and days; absolute figures don't): our health check, nginx serving a static file, and a
        # plain sync-worker Django/DRF profile endpoint. Two rounds, interleaved, so drift hits all alike.
        log("scenario 0: the profile beside its references")
        results["references"] = references_measure(base, reference, lonely, seconds=d)
        log("\n" + ratios_table(results["references"]))

        # 1. 300 simultaneous sign-ins with the real 1-2 s send, GET /api/profile/ probed meanwhile.
        log(f"scenario 1: {args.logins} simultaneous POST /api/login/")
        # 300 new numbers per burst, in a 7-digit range (a fresh database, so none has a code yet).
        first_phone = int(time.time()) % 900_000 * 10
        results["login_burst"] = scenario_login_burst(
            base, seed, count=args.logins, first_phone=first_phone, probes=args.probes
        )
        log(f"  {results['login_burst']['statuses']} in {results['login_burst']['batch_seconds']} s")
        time.sleep(3)  # the first burst's sends and records are over
        results["login_cpu"] = scenario_login_cpu(
            base, stack, count=args.logins, first_phone=first_phone + 10 * args.logins
        )
        log(f"  CPU per sign-in (ms): {results['login_cpu']['cpu_ms_per_sign_in']}")

        # 2. GET /api/profile/ at 1, 16 and 64 connections.
        results["profile"] = {}
        for c in (1, 16, 64):
            log(f"scenario 2: GET /api/profile/ at {c} connection(s)")
            results["profile"][c] = wrk("get.lua", f"{base}/api/profile/", connections=c, seconds=d, env=lonely)

        # 3. 100,000 referrals vs none (alternating, twice each), and the referral pages first to last.
        log("scenario 3: profile of the user with 100,000 referrals vs none; referral pages")
        pairs = []
        for _ in range(2):
            pairs.append(
                (
                    wrk("get.lua", f"{base}/api/profile/", connections=16, seconds=d, env=lonely),
                    wrk("get.lua", f"{base}/api/profile/", connections=16, seconds=d, env=popular),
                )
            )
        results["popular_vs_lonely"] = pairs
        results["pages_walk"] = walk_pages(base, seed["popular_token"])
        last = results["pages_walk"]["last_path"]
        results["pages_wrk"] = {
            "first": wrk("get.lua", f"{base}/api/profile/referrals/", connections=16, seconds=d, env=popular),
            "last": wrk("get.lua", f"{base}{last}", connections=16, seconds=d, env=popular),
        }

        # 4. Writes: sign-in (verify) and invite activation, each request a real one.
        log("scenario 4: POST /api/verify/, PATCH /api/profile/")
        results["verify"] = wrk(
            "verify.lua",
            f"{base}/api/verify/",
            connections=16,
            seconds=d,
            env={"BENCH_LINES": str(seed_dir / "verify.txt")},
        )
        results["patch"] = wrk(
            "patch.lua",
            f"{base}/api/profile/",
            connections=16,
            seconds=d,
            env={"BENCH_LINES": str(seed_dir / "patch.txt")},
        )

        log("invariants")
        results["invariants"] = invariants_check(database_url)
        results["workers_at_end"] = len(stack.worker_pids())
    finally:
        stack.stop()
        reference.stop()
    results["finished"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    (out / "results.json").write_text(json.dumps(results, indent=2, default=str))
    report = render_report(results)
    (out / "report.md").write_text(report)
    stamp = results["started"].replace(":", "").replace("-", "")[:15]
    (out / f"report-{stamp}.md").write_text(report)
    log(f"report: {out / 'report.md'}")
    return results


def parse_configs(text: str) -> list[tuple[int, int]]:
    configs = []
    for item in re.split(r"[,\s]+", text.strip()):
        if item:
            b, _, w = item.partition("x")
            configs.append((int(b), int(w)))
    return configs


# ---------------------------------------------------------------- machine and report


def machine_info(database_url: str) -> dict:
    cpu = next(
        (
            x.split(":", 1)[1].strip()
            for x in Path("/proc/cpuinfo").read_text().splitlines()
            if x.startswith("model name")
        ),
        "?",
    )
    mem_kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
    cfg = dj_database_url.parse(database_url)
    try:
        conn = psycopg2.connect(
            dbname="postgres", user=cfg.get("USER") or None, host=cfg.get("HOST") or None, port=cfg.get("PORT") or None
        )
        with conn.cursor() as cur:
            cur.execute("SHOW server_version")
            pg = cur.fetchone()[0]
            cur.execute("SHOW max_connections")
            pg_max = cur.fetchone()[0]
        conn.close()
    except psycopg2.Error:
        pg, pg_max = "?", "?"

    def tool_version(cmd: list[str]) -> str:
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, check=False)
        except FileNotFoundError:
            return "missing"
        return (p.stdout + p.stderr).strip().splitlines()[0]

    os_name = next(
        (
            x.split("=", 1)[1].strip('"')
            for x in Path("/etc/os-release").read_text().splitlines()
            if x.startswith("PRETTY_NAME")
        ),
        platform.system(),
    )
    git = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True)
    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "os": f"{os_name}, Linux {platform.release()}",
        "python": platform.python_version(),
        "packages": {
            p: metadata.version(p) for p in ("Django", "djangorestframework", "gunicorn", "gevent", "psycopg")
        },
        "postgresql": f"{pg} (max_connections {pg_max})",
        "nginx": tool_version([shutil.which("nginx") or "/usr/sbin/nginx", "-v"]),
        "wrk": tool_version(["wrk", "-v"]).split(" Copyright")[0],
        "git": git.stdout.strip() or "?",
        "loadavg_before": loadavg(),
        "idle_percent_before": cpu_idle_percent(),
    }


def verdict(ok: bool) -> str:
    return "**met**" if ok else "**missed**"


def render_report(r: dict) -> str:
    m = r["machine"]
    lines = [
        f"## Run of {r['started']} (UTC)",
        "",
        f"- Machine: {m['cores']} cores ({m['cpu']}), {m['memory_gib']} GiB; {m['os']}. "
        "Load generator on the same machine.",
        f"- Conditions: load average {m['loadavg_before']} and {m['idle_percent_before']}% CPU idle just before "
        'the run (the machine is shared). "other CPU" is the share of the whole machine that programs other than '
        "nginx, gunicorn, PostgreSQL and wrk used during that measurement: above a few % the figure is disturbed.",
        f"- Versions: Python {m['python']}, "
        + ", ".join(f"{k} {v}" for k, v in m["packages"].items())
        + f"; PostgreSQL {m['postgresql']}; {m['nginx']}; {m['wrk']}; commit {m['git']}.",
        f"- Stack: tools/stack/stack.py, {r['config']['backends']} backend(s) x {r['config']['workers_per_backend']} "
        "gevent worker(s), nginx limit_req off, THROTTLE_LOGIN/THROTTLE_VERIFY 10000000/hour, "
        "OTP_SEND_DELAY 1.0-2.0 s (the real one), access logs: nginx on, gunicorn off (the stack's default).",
        f"- Data: {r['seed']['users']:,} users, one with {r['seed']['popular_referrals']:,} referrals, "
        f"seeded in {r['seed_seconds']} s (tools/bench/bench_seed.py).",
        f"- Command: `make bench` (`tools/bench/run.py{''.join(' ' + a for a in sys.argv[1:])}`, sweep "
        f"`{r['args']['sweep'] or 'none'}`), {r['args']['duration']} s per wrk run; the scenarios ran on "
        + ("the configuration given." if r["args"]["config"] else "make stack's (2 backends × 1 gevent worker)."),
        "",
    ]
    if r.get("references"):
        lines += [
            "### Ratios to references measured in the same run",
            "",
            "Means of two interleaved rounds. Absolute figures move with the machine and the day; these ratios "
            "are what a rerun should match (within 15 %). Targets: profile ≥ 1.2 × the health check, "
            "p99 ≤ 5 × p50.",
            "",
            ratios_table(r["references"]),
            "",
        ]
    if r["sweep"]:
        lines += [
            "### Worker configurations (GET /api/profile/, 64 connections)",
            "",
            "backends x gevent workers each:",
            "",
            WRK_HEADER,
        ]
        lines += [fmt_wrk_row(s["config"], s) for s in r["sweep"]]
        lines += [""]

    lb = r["login_burst"]
    n200 = lb["statuses"].get("200", 0)
    lat = lb["latency"]
    probe, base = lb["probe_during"], lb["probe_baseline"]
    lines += [
        f"### 1. {lb['requests']} simultaneous POST /api/login/ (real 1–2 s send)",
        "",
        "| measure | figure | target | |",
        "|---|---|---|---|",
        f"| answers | {lb['statuses']} | all 200 | {verdict(n200 == lb['requests'])} |",
        f"| latency min / p50 / p95 / max | {lat['min_ms']} / {lat['p50_ms']} / {lat['p95_ms']} / {lat['max_ms']} ms "
        f"| slowest ≤ 2,400 ms | {verdict(lat['max_ms'] is not None and lat['max_ms'] <= 2400)} |",
        f"| batch (first write to last answer) | {lb['batch_seconds']} s | ≤ 4 s "
        f"| {verdict(lb['batch_seconds'] <= 4)} |",
        f"| GET /api/profile/ during the batch ({lb['probe_connections']} connections, back to back): "
        f"p50 / p95 / p99 / max | {probe['p50_ms']} / {probe['p95_ms']} / {probe['p99_ms']} / {probe['max_ms']} ms, "
        f"{probe['count']} requests, {probe['errors'] + probe['non_2xx']} errors "
        f"| p99 ≤ 100 ms | {verdict(probe['p99_ms'] is not None and probe['p99_ms'] <= 100)} |",
        f"| the same probe alone just before (baseline) | {base['p50_ms']} / {base['p95_ms']} / {base['p99_ms']} / "
        f"{base['max_ms']} ms, {base['count']} requests | | |",
        "",
        f"Load average at start: {lb['loadavg']}; other programs used {lb['foreign_cpu']}% of the machine meanwhile."
        + (f" First failure: `{lb['sample_error']}`." if lb.get("sample_error") else ""),
        "",
    ]
    if lc := r.get("login_cpu"):
        cpu, lat = lc["cpu_ms_per_sign_in"], lc["latency"]
        lines += [
            f"CPU per sign-in, from /proc over the same burst again without probes ({lc['requests']} sign-ins, "
            f"{lc['statuses']}, slowest {lat['max_ms']} ms): gunicorn workers {cpu['workers']} ms "
            f"(target ≤ 3 ms: {verdict(cpu['workers'] <= 3)}), PostgreSQL {cpu['postgres']} ms, "
            f"nginx {cpu['nginx']} ms.",
            "",
        ]

    p64 = r["profile"]["64"] if "64" in r["profile"] else r["profile"][64]
    lines += ["### 2. GET /api/profile/ (a user with no referrals)", "", WRK_HEADER]
    lines += [fmt_wrk_row(f"profile, {c} conn", v) for c, v in r["profile"].items()]
    lines += [
        "",
        f"Target at 64 connections: ≥ 1,500 req/s → {p64['rps']:,.0f} {verdict(p64['rps'] >= 1500)}; "
        f"p99 ≤ 100 ms → {p64['p99_ms']:.1f} ms {verdict(p64['p99_ms'] <= 100)}.",
        "",
    ]

    pairs = r["popular_vs_lonely"]
    lon_rps = sum(p[0]["rps"] for p in pairs) / len(pairs)
    pop_rps = sum(p[1]["rps"] for p in pairs) / len(pairs)
    lon_p50 = sum(p[0]["p50_ms"] for p in pairs) / len(pairs)
    pop_p50 = sum(p[1]["p50_ms"] for p in pairs) / len(pairs)
    slower = (lon_rps / pop_rps - 1) * 100 if pop_rps else float("inf")
    pw = r["pages_walk"]
    first_p50, last_p50 = pw["first"]["p50_ms"], pw["last"]["p50_ms"]
    alt_first, alt_last = pw["alternate_first"]["p50_ms"], pw["alternate_last"]["p50_ms"]
    pages_diff = (alt_last / alt_first - 1) * 100 if alt_first else float("inf")
    pf, pl = r["pages_wrk"]["first"], r["pages_wrk"]["last"]
    lines += ["### 3. 100,000 referrals vs none; referral pages first to last", "", WRK_HEADER]
    for i, (lo, po) in enumerate(pairs, 1):
        lines += [
            fmt_wrk_row(f"profile, no referrals (run {i})", lo),
            fmt_wrk_row(f"profile, 100,000 referrals (run {i})", po),
        ]
    lines += [
        fmt_wrk_row("referrals, first page", pf),
        fmt_wrk_row(f"referrals, last page ({pw['pages']})", pl),
        "",
        f"- Profile with 100,000 referrals: {pop_rps:,.0f} req/s, p50 {pop_p50:.1f} ms vs {lon_rps:,.0f} req/s, "
        f"p50 {lon_p50:.1f} ms with none: {slower:+.1f}% time per request (target within 10%) "
        f"{verdict(abs(slower) <= 10)}.",
        f"- Walking all {pw['pages']} pages one by one (one connection): first {pw['edge']} pages p50 {first_p50} ms "
        f"(p95 {pw['first']['p95_ms']}), last {pw['edge']} pages p50 {last_p50} ms (p95 {pw['last']['p95_ms']}), "
        f"all pages p50 {pw['all']['p50_ms']} ms, max {pw['all']['max_ms']} ms.",
        f"- First and last page asked alternately, {pw['alternate_first']['count']} times each: p50 {alt_first} vs "
        f"{alt_last} ms (p95 {pw['alternate_first']['p95_ms']} vs {pw['alternate_last']['p95_ms']}): the last page "
        f"{pages_diff:+.1f}% (target: no more than 10% slower) {verdict(pages_diff <= 10)}; under wrk "
        f"(16 connections): {pf['rps']:,.0f} vs {pl['rps']:,.0f} req/s.",
        "",
    ]

    lines += ["### 4. Writes and the referral list", "", WRK_HEADER]
    lines += [
        fmt_wrk_row("POST /api/verify/ (new user each)", r["verify"]),
        fmt_wrk_row("PATCH /api/profile/ (activation each)", r["patch"]),
        fmt_wrk_row("GET /api/profile/referrals/", pf),
        "",
        f"Answers: verify {r['verify']['statuses']}, patch {r['patch']['statuses']}.",
        "",
        "### 5. SQL queries per request",
        "",
        "Pinned by the backend tests, not measured here: see BENCHMARKS.md.",
        "",
        "### Invariants after the run",
        "",
        invariants_table(r["invariants"]),
        "",
        "### Commands",
        "",
        "```",
    ]
    for label, res in [("sweep " + s["config"], s) for s in r["sweep"]] + [
        ("profile", r["profile"][list(r["profile"])[-1]]),
        ("verify", r["verify"]),
        ("patch", r["patch"]),
        ("last page", pl),
    ]:
        lines.append(f"{label}: {res['command']}")
    lines += ["```", ""]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=str(REPORTS), help="where report.md and results.json go")
    parser.add_argument("--db", default=os.environ.get("BENCH_DB", "referral_bench"), help="database (recreated)")
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", 8890)))
    parser.add_argument("--config", default=os.environ.get("BENCH_CONFIG", ""), help="BxW: backends x workers")
    parser.add_argument("--sweep", default=os.environ.get("BENCH_SWEEP", ""), help="BxW list to compare")
    parser.add_argument("--duration", type=int, default=int(os.environ.get("BENCH_DURATION", 10)))
    parser.add_argument("--referrals", type=int, default=100_000)
    parser.add_argument("--logins", type=int, default=300)
    parser.add_argument("--probes", type=int, default=8, help="connections probing the profile during the burst")
    args = parser.parse_args()
    for tool in ("wrk", "nginx"):
        if not shutil.which(tool) and not Path(f"/usr/sbin/{tool}").exists():
            print(f"bench: {tool} not found (apt-get install {tool})", file=sys.stderr)
            return 2
    run_benchmark(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
