"""The fault drill: faults under load on the native stack, then the data invariants.

    .venv/bin/python tools/bench/drill.py [--out DIR] [--backends 2] [--workers 2]

`make drill` runs it. Everything stays on 127.0.0.1 and every phase is bounded in time.
1. Starts the native stack (tools/stack/stack.py; 2 backends x 2 gevent workers by default) on a fresh
   database (DRILL_DB, default referral_drill) and seeds it (bench_seed.py, small).
2. Puts it under a mixed load that writes: sign-ins (login with the real 1-2 s send, verify creating
   users), invite activations (PATCH), profile reads, and a health check every 100 ms. Every request
   is recorded with its start, duration and outcome (loadgen.timeline_load).
3. Phase "kill -9": SIGKILL to one gunicorn worker. Expected: the stack keeps answering; only
   requests in flight at that instant may fail; gunicorn starts a new worker.
4. Phase "PostgreSQL restart": `pg_ctlcluster --skip-systemctl-redirect <version> main restart`.
   Expected: /api/health/ goes 503 and back to 200, the same gunicorn processes serve again
   (nothing restarted), no error once health is back. PostgreSQL is started again at the end
   whatever happens.
5. After each phase: the invariants (invariants.sql) as a table.
Writes DIR/drill.md and DIR/drill.json; exits 1 if an expectation failed.

This restarts the machine's PostgreSQL server, which other programs may be using: it is never
part of `make test`.
"""

import argparse
import asyncio
import datetime as dt
import itertools
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from invariants import invariants_check, invariants_table  # noqa: E402
from loadgen import Timeline, latency_summary, timeline_load  # noqa: E402
from run import REPORTS, Stack, database_url_for, log  # noqa: E402

# What the load sends, and on how many connections each.
LOAD_CONNECTIONS = {"profile": 4, "verify": 2, "patch": 2, "login": 6}


def pg_cluster() -> tuple[str, str]:
    """(version, name) of the local cluster on port 5432, from pg_lsclusters."""
    out = subprocess.run(["pg_lsclusters", "--no-header"], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        version, name, port, *_ = line.split()
        if port == "5432":
            return version, name
    raise SystemExit("drill: no PostgreSQL cluster on port 5432 (pg_lsclusters)")


def pg_ready() -> bool:
    return subprocess.run(["pg_isready", "-h", "127.0.0.1", "-p", "5432", "-q"], check=False).returncode == 0


def pg_ensure_up(version: str, name: str) -> None:
    """Start the cluster if it does not answer, and wait until it does (at most 60 s)."""
    if pg_ready():
        return
    log("PostgreSQL is down: starting it")
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, name, "start"], check=False)
    for _ in range(120):
        if pg_ready():
            return
        time.sleep(0.5)
    raise SystemExit("drill: PostgreSQL did not come back within 60 s: check it now (pg_lsclusters)")


def requests_for(seed_dir: Path, seed: dict, run: int) -> dict:
    """An endless (or long enough) stream of requests per kind of load."""
    verify = (line.split() for line in (seed_dir / "verify.txt").read_text().splitlines())
    patch = (line.split() for line in (seed_dir / "patch.txt").read_text().splitlines())
    first_login = run * 100_000
    return {
        "profile": itertools.repeat(
            ("GET", "/api/profile/", {"Authorization": f"Bearer {seed['popular_token']}"}, None)
        ),
        "verify": (("POST", "/api/verify/", {}, {"phone": p, "token": c}) for p, c in verify),
        "patch": (
            ("PATCH", "/api/profile/", {"Authorization": f"Bearer {t}"}, {"foreign_invite_code": c}) for t, c in patch
        ),
        "login": (("POST", "/api/login/", {}, {"phone": f"+7993{first_login + i:07d}"}) for i in itertools.count()),
        "health": itertools.repeat(("GET", "/api/health/", {}, None)),
    }


async def phase(port: int, streams: dict, fault, *, before: float, after: float) -> tuple[Timeline, dict]:
    """Run the load, call `fault(timeline)` after `before` seconds, go on for `after(info)` more seconds."""
    timeline, stop = Timeline(), asyncio.Event()
    tasks = [
        asyncio.create_task(
            timeline_load("127.0.0.1", port, timeline, kind=kind, requests=streams[kind], connections=n, stop=stop)
        )
        for kind, n in LOAD_CONNECTIONS.items()
    ]
    tasks.append(
        asyncio.create_task(
            timeline_load(
                "127.0.0.1",
                port,
                timeline,
                kind="health",
                requests=streams["health"],
                connections=1,
                stop=stop,
                pause=0.1,
            )
        )
    )
    await asyncio.sleep(before)
    info = await fault(timeline)
    await after(timeline, info)
    stop.set()
    await asyncio.wait_for(asyncio.gather(*tasks), timeout=60)
    return timeline, info


def failed(e) -> bool:
    return e.status is None or e.status >= 500


def summarize(timeline: Timeline) -> dict:
    by_kind = {}
    for kind in sorted({e.kind for e in timeline.events}):
        events = [e for e in timeline.events if e.kind == kind]
        statuses: dict[str, int] = {}
        for e in events:
            key = str(e.status) if e.status is not None else "connection error"
            statuses[key] = statuses.get(key, 0) + 1
        by_kind[kind] = {"requests": len(events), "statuses": statuses} | latency_summary([e.seconds for e in events])
    return by_kind


def drill_kill(stack: Stack, port: int, streams: dict) -> dict:
    async def fault(timeline: Timeline) -> dict:
        before = stack.worker_pids()
        victim = before[0]
        t_kill = timeline.now()
        os.kill(victim, signal.SIGKILL)
        log(f"kill -9 {victim} at t={t_kill:.2f} s")
        respawned = None
        for _ in range(200):  # gunicorn's master starts a new worker; wait up to 20 s
            await asyncio.sleep(0.1)
            now = stack.worker_pids()
            if victim not in now and len(now) == len(before):
                respawned = timeline.now() - t_kill
                break
        return {"victim": victim, "t_kill": t_kill, "respawn_seconds": respawned, "workers_before": len(before)}

    async def after(timeline: Timeline, info: dict) -> None:
        await asyncio.sleep(8)

    timeline, info = asyncio.run(phase(port, streams, fault, before=4, after=after))
    t_kill = info["t_kill"]
    errors = [e for e in timeline.events if failed(e)]
    # In flight at the kill: started before it and answered (or failed) after it.
    in_flight = [e for e in timeline.events if e.started <= t_kill <= e.started + e.seconds + 0.05]
    not_in_flight = [e for e in errors if not (e.started <= t_kill <= e.started + e.seconds + 0.05)]
    return {
        "name": "kill -9 of a gunicorn worker under load",
        **info,
        "duration": round(timeline.now(), 1),
        "load": summarize(timeline),
        "requests": len(timeline.events),
        "errors": len(errors),
        "in_flight_at_kill": len(in_flight),
        "errors_not_in_flight": len(not_in_flight),
        "error_samples": [f"{e.kind} t={e.started:.2f}+{e.seconds:.2f}s {e.status or e.error}" for e in errors[:8]],
        "ok": bool(info["respawn_seconds"] is not None and not not_in_flight),
    }


def drill_postgres(stack: Stack, port: int, streams: dict, version: str, name: str) -> dict:
    masters, workers = stack.master_pids(), sorted(stack.worker_pids())

    async def fault(timeline: Timeline) -> dict:
        t_restart = timeline.now()
        log(f"pg_ctlcluster {version} {name} restart at t={t_restart:.2f} s")
        proc = await asyncio.create_subprocess_exec(
            "pg_ctlcluster", "--skip-systemctl-redirect", version, name, "restart",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        output, _ = await asyncio.wait_for(proc.communicate(), timeout=60)
        t_done = timeline.now()
        log(f"restart returned {proc.returncode} after {t_done - t_restart:.2f} s")
        return {"t_restart": t_restart, "t_restart_done": t_done, "restart_rc": proc.returncode,
                "restart_output": output.decode(errors="replace").strip()[-300:]}  # fmt: skip

    async def after(timeline: Timeline, info: dict) -> None:
        # Wait for health to answer 200 again (at most 30 s), then watch 8 s more.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            recent = [e for e in timeline.events if e.kind == "health" and e.started > info["t_restart_done"]]
            if recent and recent[-1].status == 200:
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(8)

    try:
        timeline, info = asyncio.run(phase(port, streams, fault, before=4, after=after))
    finally:
        pg_ensure_up(version, name)

    health = sorted((e for e in timeline.events if e.kind == "health"), key=lambda e: e.started)
    t0 = info["t_restart"]
    first_bad = next((e for e in health if e.started >= t0 and e.status != 200), None)
    back = None
    if first_bad is not None:
        back = next((e for e in health if e.started > first_bad.started and e.status == 200), None)
    recovered_at = back.started + back.seconds if back else None
    after_recovery = [e for e in timeline.events if recovered_at is not None and e.started > recovered_at + 0.5]
    errors_after = [e for e in after_recovery if failed(e)]
    during = [e for e in timeline.events if e.started >= t0 and (recovered_at is None or e.started <= recovered_at)]
    same_processes = stack.master_pids() == masters and sorted(stack.worker_pids()) == workers
    health_codes = []
    for e in health:  # the health sequence, compressed: 200 x41, 503 x12, 200 x80
        code = str(e.status) if e.status is not None else "conn error"
        if health_codes and health_codes[-1][0] == code:
            health_codes[-1][1] += 1
        else:
            health_codes.append([code, 1])
    return {
        "name": "PostgreSQL restarted under load",
        **info,
        "duration": round(timeline.now(), 1),
        "load": summarize(timeline),
        "requests": len(timeline.events),
        "health_sequence": " → ".join(f"{c} ×{n}" for c, n in health_codes),
        "health_first_non_200_at": first_bad.started if first_bad else None,
        "health_first_non_200_status": (first_bad.status if first_bad else None),
        "health_back_at": recovered_at,
        "outage_seconds": round(recovered_at - t0, 2) if recovered_at is not None else None,
        "back_after_restart_returned_seconds": (
            round(recovered_at - info["t_restart_done"], 2) if recovered_at is not None else None
        ),
        "failed_during_outage": sum(1 for e in during if failed(e)),
        "requests_during_outage": len(during),
        "requests_after_recovery": len(after_recovery),
        "errors_after_recovery": len(errors_after),
        "error_samples_after": [f"{e.kind} t={e.started:.2f} {e.status or e.error}" for e in errors_after[:8]],
        "same_gunicorn_processes": same_processes,
        "ok": bool(first_bad is not None and first_bad.status == 503 and back is not None)
        and not errors_after
        and same_processes,
    }


def render(r: dict) -> str:
    lines = [
        f"## Fault drill of {r['started']} (UTC)",
        "",
        f"- Stack: tools/stack/stack.py, {r['backends']} backends x {r['workers']} gevent workers, database "
        f"{r['db']} ({r['seed']['users']:,} users); OTP_SEND_DELAY 1.0-2.0 s.",
        "- Load (loadgen.py, every request recorded): "
        + ", ".join(f"{kind} on {n} connections" for kind, n in LOAD_CONNECTIONS.items())
        + ", /api/health/ every 100 ms.",
        f"- Command: `make drill`; load average at start {r['loadavg']}.",
        "",
    ]
    if "kill" in r:
        lines += render_kill(r["kill"])
    if "postgres" in r:
        lines += render_postgres(r["postgres"])
    for title, key in (("after (a)", "invariants_after_kill"), ("after (b)", "invariants_after_postgres")):
        if key in r:
            lines += [f"### (c) Invariants {title}", "", invariants_table([tuple(x) for x in r[key]]), ""]
    return "\n".join(lines)


def render_kill(k: dict) -> list[str]:
    lines = [
        f"### (a) {k['name']}: {'**passed**' if k['ok'] else '**FAILED**'}",
        "",
        f"- SIGKILL to worker pid {k['victim']} at t={k['t_kill']:.2f} s of a {k['duration']} s load; "
        f"gunicorn had a new worker after {k['respawn_seconds'] and round(k['respawn_seconds'], 2)} s.",
        f"- {k['requests']:,} requests, {k['errors']} failed (5xx or connection error); "
        f"{k['in_flight_at_kill']} were in flight at the kill; failures not in flight: {k['errors_not_in_flight']}.",
    ]
    if k["error_samples"]:
        lines.append(f"- Failures: {'; '.join(k['error_samples'])}")
    return lines + ["", load_table(k["load"]), ""]


def render_postgres(p: dict) -> list[str]:
    lines = [
        f"### (b) {p['name']}: {'**passed**' if p['ok'] else '**FAILED**'}",
        "",
        f"- `pg_ctlcluster restart` at t={p['t_restart']:.2f} s, returned (rc {p['restart_rc']}) after "
        f"{p['t_restart_done'] - p['t_restart']:.2f} s.",
        f"- /api/health/ every 100 ms: {p['health_sequence']}.",
        f"- Health first answered {p['health_first_non_200_status']} at t={fmt_t(p['health_first_non_200_at'])} s "
        f"and was 200 again at t={fmt_t(p['health_back_at'])} s, {p['outage_seconds']} s after the restart began "
        f"(pg_ctlcluster itself returned at t={p['t_restart_done']:.2f} s: it waits to confirm the start-up).",
        f"- During the outage {p['failed_during_outage']} of {p['requests_during_outage']} requests failed; after "
        f"health was back, {p['errors_after_recovery']} of {p['requests_after_recovery']} failed.",
        f"- Same gunicorn masters and workers before and after (nothing restarted): {p['same_gunicorn_processes']}.",
    ]
    if p["error_samples_after"]:
        lines.append(f"- Failures after recovery: {'; '.join(p['error_samples_after'])}")
    return lines + ["", load_table(p["load"]), ""]


def fmt_t(t) -> str:
    return "—" if t is None else f"{t:.2f}"


def load_table(load: dict) -> str:
    lines = ["| load | requests | answers | p50 ms | p99 ms | max ms |", "|---|---:|---|---:|---:|---:|"]
    for kind, s in load.items():
        answers = ", ".join(f"{k}: {v}" for k, v in sorted(s["statuses"].items()))
        lines.append(f"| {kind} | {s['requests']:,} | {answers} | {s['p50_ms']} | {s['p99_ms']} | {s['max_ms']} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=str(REPORTS))
    parser.add_argument("--db", default=os.environ.get("DRILL_DB", "referral_drill"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("DRILL_PORT", 8895)))
    parser.add_argument("--backends", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--phases", default="kill,postgres", help="which faults: kill, postgres or both")
    args = parser.parse_args()
    phases = set(args.phases.split(","))

    version, name = pg_cluster()
    pg_ensure_up(version, name)
    database_url = database_url_for(args.db)
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    seed_dir = out / "drill-seed"
    stack = Stack(port=args.port, database_url=database_url, out=out)
    result = {
        "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "backends": args.backends,
        "workers": args.workers,
        "db": args.db,
        "loadavg": " ".join(Path("/proc/loadavg").read_text().split()[:3]),
    }
    try:
        stack.start(args.backends, args.workers, reset=True)
        stack.seed(seed_dir, "--referrals", "5000", "--patchers", "5000", "--verify-phones", "5000")
        seed = json.loads((seed_dir / "seed.json").read_text())
        result["seed"] = {k: v for k, v in seed.items() if not k.endswith("_token")}
        streams = requests_for(seed_dir, seed, run=int(time.time()) % 100)

        if "kill" in phases:
            log("phase (a): kill -9 of a worker under load")
            result["kill"] = drill_kill(stack, args.port, streams)
            log(f"  {result['kill']['errors']} failed, {result['kill']['errors_not_in_flight']} not in flight")
            result["invariants_after_kill"] = invariants_check(database_url)
            print(invariants_table(result["invariants_after_kill"]))
        if "postgres" in phases:
            log("phase (b): PostgreSQL restart under load")
            result["postgres"] = drill_postgres(stack, args.port, streams, version, name)
            log(f"  health: {result['postgres']['health_sequence']}")
            result["invariants_after_postgres"] = invariants_check(database_url)
            print(invariants_table(result["invariants_after_postgres"]))
    finally:
        pg_ensure_up(version, name)
        stack.stop()

    result["finished"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    (out / "drill.json").write_text(json.dumps(result, indent=2, default=str))
    report = render(result)
    (out / "drill.md").write_text(report)
    print(report)
    checks = [result.get("invariants_after_kill", []), result.get("invariants_after_postgres", [])]
    broken = any(v for rows in checks for *_, v in rows)
    ok = all(result[p]["ok"] for p in ("kill", "postgres") if p in result) and not broken
    log(f"drill {'passed' if ok else 'FAILED'}; report: {out / 'drill.md'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
