#!/usr/bin/env python3
"""The production topology without Docker: nginx (Debian's package) in front of N gunicorn instances of the
backend, all on PostgreSQL at DATABASE_URL, served on one port. honcho runs the processes of the Procfile
beside this file; this script does what comes before and after: the database, migrations, the nginx config
(nginx/render.sh, the template the Docker image uses too), waiting for health, stopping.

    tools/stack/stack.py start                 prepare, start honcho in the background, wait until healthy
    tools/stack/stack.py stop                  stop honcho and with it every process of the stack
    tools/stack/stack.py status                what runs and whether it answers; exit 3 if something is down
    tools/stack/stack.py run -- command ...    start, run the command with BASE_URL (and E2E_BASE_URL) pointing
                                               at nginx, stop whatever its outcome; exit with its status

Settings (environment):
  STACK_PORT       the one public port; backend i listens on STACK_PORT + i       [8080]
  STACK_HOST       the address nginx listens on                                   [127.0.0.1]
  STACK_BACKENDS   number of backend instances                                    [2]
  WEB_CONCURRENCY  gevent workers per backend                                     [1]
  STACK_DIR        run directory: config, pids, the log, static files       [/tmp/referral-stack-$STACK_PORT]
  DATABASE_URL     PostgreSQL; the database is created if missing    [postgres://postgres@127.0.0.1:5432/referral]
  STACK_RESET_DB   true: drop and recreate that database first (tests, CI)        [false]
  VENV             the backend's virtualenv                                       [<repo>/.venv]
  NGINX            the nginx binary                                     [nginx on PATH, or /usr/sbin/nginx]
  NGINX_SPA_ROOT   the built SPA                                                  [<repo>/frontend/dist]
  NGINX_LIMIT_REQ, NGINX_LIMIT_RATE, NGINX_LIMIT_BURST, ...: see nginx/render.sh
The backends get the variables of .env.example from the environment. Defaults for a local run:
DJANGO_DEBUG=false, OTP_ECHO=true, and a random DJANGO_SECRET_KEY / JWT_SIGNING_KEY per start when unset
(shared by all instances). Always: TRUSTED_PROXY_HOPS=1 (this nginx is the one hop), SERVE_SPA=false and
STATIC_ROOT in STACK_DIR (nginx serves both). Every process's output goes to STACK_DIR/stack.log, each line
prefixed by honcho with the process's name (backend.1, backend.2, nginx.1, worker.1: the webhook worker).
"""

from __future__ import annotations

import json
import os
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import dj_database_url
import psycopg2

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
TRUE = ("1", "true", "yes", "on")


class StackError(Exception):
    pass


def log(message: str) -> None:
    print(f"stack: {message}", flush=True)


class Stack:
    def __init__(self, env: dict[str, str] | None = None):
        self.env = dict(os.environ if env is None else env)
        self.port = int(self.env.get("STACK_PORT") or 8080)
        self.host = self.env.get("STACK_HOST") or "127.0.0.1"
        self.dir = Path(self.env.get("STACK_DIR") or f"{self.env.get('TMPDIR', '/tmp')}/referral-stack-{self.port}")
        self.venv = Path(self.env.get("VENV") or REPO / ".venv")
        self.nginx = self.env.get("NGINX") or shutil.which("nginx") or "/usr/sbin/nginx"
        self.pidfile = self.dir / "honcho.pid"
        self.logfile = self.dir / "stack.log"
        self.url = f"http://127.0.0.1:{self.port}"

    # ---- what runs

    def honcho_pid(self) -> int | None:
        try:
            pid = int(self.pidfile.read_text())
            os.kill(pid, 0)
        except (OSError, ValueError):
            return None
        return pid

    def backend_urls(self) -> list[str]:
        """The backends of the running (or last) start, from STACK_DIR/stack.json."""
        try:
            return json.loads((self.dir / "stack.json").read_text())["backends"]
        except (OSError, ValueError, KeyError):
            return []

    # ---- start

    def start(self) -> None:
        backends = self.env.get("STACK_BACKENDS") or "2"
        if not backends.isdigit() or int(backends) < 1:
            raise StackError("STACK_BACKENDS must be a positive number")
        backends = int(backends)
        spa_root = Path(self.env.get("NGINX_SPA_ROOT") or REPO / "frontend" / "dist")
        if not os.access(self.nginx, os.X_OK):
            raise StackError("nginx not found (apt-get install nginx-light, or set NGINX=/path/to/nginx)")
        if not (self.venv / "bin" / "gunicorn").exists() or not (self.venv / "bin" / "honcho").exists():
            raise StackError(f"no backend virtualenv with gunicorn and honcho at {self.venv} (run: make install)")
        if not (spa_root / "index.html").is_file():
            raise StackError(f"no SPA build at {spa_root} (run: make frontend-build)")
        if self.honcho_pid():
            raise StackError(f"already running in {self.dir} (tools/stack/stack.py stop)")
        ports = [self.port + i for i in range(backends + 1)]
        if busy := [p for p in ports if not port_is_free(p)]:
            raise StackError(f"port {busy[0]} is already in use")

        # nginx's workers drop root privileges, so everything they read lives in this directory, readable by
        # all; the SPA is copied in (as a deployment would copy it).
        self.dir.mkdir(parents=True, exist_ok=True)
        self.dir.chmod(0o755)
        shutil.rmtree(self.dir / "spa", ignore_errors=True)
        shutil.copytree(spa_root, self.dir / "spa")
        for path in [self.dir / "spa", *(self.dir / "spa").rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)

        env = self.backend_env()
        ensure_database(env["DATABASE_URL"], reset=self.env.get("STACK_RESET_DB", "").lower() in TRUE)
        log(f"migrating {dj_database_url.parse(env['DATABASE_URL'])['NAME']}")
        self.release(env)

        backend_urls = [f"http://127.0.0.1:{p}" for p in ports[1:]]
        conf_dir = self.dir / "nginx"
        render_env = {
            **self.env,
            "NGINX_CONF_DIR": str(conf_dir),
            "NGINX_LISTEN": f"{self.host}:{self.port}",
            "NGINX_BACKENDS": " ".join(u.removeprefix("http://") for u in backend_urls),
            "NGINX_SPA_ROOT": str(self.dir / "spa"),
            "NGINX_STATIC_ROOT": str(self.dir / "static"),
            "NGINX_ERROR_LOG": str(conf_dir / "error.log"),
            "NGINX_ACCESS_LOG": self.env.get("NGINX_ACCESS_LOG") or str(conf_dir / "access.log"),
        }
        subprocess.run(["sh", str(REPO / "nginx" / "render.sh")], env=render_env, check=True, stdout=subprocess.DEVNULL)
        checked = subprocess.run(
            [self.nginx, "-t", "-q", "-c", str(conf_dir / "nginx.conf"), "-p", f"{conf_dir}/"],
            capture_output=True,
            text=True,
        )
        if checked.returncode:
            raise StackError(f"nginx -t failed:\n{checked.stderr}")

        (self.dir / "stack.json").write_text(json.dumps({"url": self.url, "backends": backend_urls}))
        # honcho reads the backends' settings from this file (mode 600: it holds the keys).
        env_file = self.dir / "stack.env"
        env_file.touch(mode=0o600)
        env_file.chmod(0o600)
        env_file.write_text("".join(f"{k}={shlex.quote(v)}\n" for k, v in env.items()))
        with open(self.logfile, "ab") as out:
            honcho = subprocess.Popen(
                [
                    str(self.venv / "bin" / "honcho"), "start", "--no-colour",
                    "-f", str(HERE / "Procfile"), "-d", str(REPO), "-e", str(env_file),
                    "-c", f"backend={backends},nginx=1,worker=1", "-p", str(self.port + 1),
                ],
                # NGINX is nginx's own variable (inherited sockets): the binary goes as NGINX_BIN.
                env={**without(self.env, "NGINX"), "VENV": str(self.venv), "NGINX_BIN": self.nginx,
                     "STACK_DIR": str(self.dir)},
                cwd=REPO, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        self.pidfile.write_text(str(honcho.pid))
        try:
            for url in [*backend_urls, self.url]:
                self.wait_healthy(url, honcho)
        except StackError:
            self.stop(quiet=True)
            raise
        log(f"up on http://{self.host}:{self.port}/ (nginx -> {backends} backend(s) on ports {ports[1]}-{ports[-1]})")
        log(f"log, config and pids in {self.dir}; stop with: tools/stack/stack.py stop")

    def backend_env(self) -> dict[str, str]:
        e = self.env
        return {
            "DATABASE_URL": e.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/referral",
            "DJANGO_DEBUG": e.get("DJANGO_DEBUG") or "false",
            "DJANGO_ALLOWED_HOSTS": e.get("DJANGO_ALLOWED_HOSTS") or "127.0.0.1,localhost",
            "DJANGO_SECRET_KEY": e.get("DJANGO_SECRET_KEY") or secrets.token_urlsafe(50),
            "JWT_SIGNING_KEY": e.get("JWT_SIGNING_KEY") or secrets.token_urlsafe(50),
            # Exactly one proxy (this nginx) is in front of every backend.
            "TRUSTED_PROXY_HOPS": "1",
            "OTP_ECHO": e.get("OTP_ECHO") or "true",
            "SERVE_SPA": "false",
            # One gevent worker per backend: with STACK_BACKENDS=2 that is one process per core of a 2-core
            # machine, the fastest layout measured (BENCHMARKS.md, "Worker configurations tried").
            "WEB_CONCURRENCY": e.get("WEB_CONCURRENCY") or "1",
            "STATIC_ROOT": str(self.dir / "static"),
            # nginx logs every request; gunicorn's access log would say it again (GUNICORN_ACCESS_LOG=- turns it on).
            "GUNICORN_ACCESS_LOG": e.get("GUNICORN_ACCESS_LOG", ""),
            "HOST": "127.0.0.1",
        }

    def release(self, env: dict[str, str]) -> None:
        """What a deployment runs once before the servers: migrate, the cache table, collectstatic, and the
        webhook endpoints of WEBHOOK_URL."""
        python = str(self.venv / "bin" / "python")
        with open(self.dir / "release.log", "w") as out:
            for args in (
                ["migrate", "--noinput", "-v0"],
                ["createcachetable"],
                ["collectstatic", "--noinput", "-v0"],
                ["webhook_endpoints_sync"],
            ):
                done = subprocess.run(
                    [python, "manage.py", *args], cwd=REPO / "backend", env={**self.env, **env}, stdout=out,
                    stderr=subprocess.STDOUT,
                )  # fmt: skip
                if done.returncode:
                    raise StackError(f"manage.py {args[0]} failed:\n{(self.dir / 'release.log').read_text()}")

    def wait_healthy(self, url: str, honcho: subprocess.Popen, seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if healthy(url):
                return
            if honcho.poll() is not None:
                raise StackError(f"a process of the stack exited before {url} answered:\n{self.log_tail()}")
            time.sleep(0.2)
        raise StackError(f"{url} did not become healthy in {seconds:.0f} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.logfile.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    # ---- stop, status

    def stop(self, *, quiet: bool = False) -> None:
        """SIGTERM to honcho, which stops every process (gunicorn gracefully, nginx at once) and kills what
        is left after 5 s; it is killed itself, with its process group, if it hasn't exited after 30 s."""
        pid = self.honcho_pid()
        if pid is not None:
            os.kill(pid, signal.SIGTERM)
            for _ in range(300):
                if self.honcho_pid() is None:
                    break
                time.sleep(0.1)
            else:
                os.killpg(pid, signal.SIGKILL)
        # Whatever outlived honcho (it was killed -9, say): the pids the servers wrote.
        for pidfile in [*self.dir.glob("backend.*.pid"), self.dir / "nginx" / "nginx.pid"]:
            try:
                os.kill(int(pidfile.read_text()), signal.SIGKILL)
            except (OSError, ValueError):
                pass
            pidfile.unlink(missing_ok=True)
        self.pidfile.unlink(missing_ok=True)
        if not quiet:
            log(f"stopped ({self.dir})")

    def status(self) -> int:
        pid = self.honcho_pid()
        print(f"honcho: {f'up (pid {pid})' if pid else 'down'} ({self.dir})")
        down = pid is None
        for name, url in [("nginx", self.url)] + [
            (f"backend.{i}", url) for i, url in enumerate(self.backend_urls(), start=1)
        ]:
            ok = pid is not None and healthy(url)
            down |= not ok
            print(f"{name}: {'up' if ok else 'down'} ({url})")
        return 3 if down else 0

    def run(self, command: list[str]) -> int:
        self.start()

        def interrupted(signum, frame):
            raise KeyboardInterrupt

        signal.signal(signal.SIGTERM, interrupted)
        try:
            return subprocess.run(command, env={**self.env, "BASE_URL": self.url, "E2E_BASE_URL": self.url}).returncode
        except KeyboardInterrupt:
            return 130
        finally:
            self.stop()


def without(env: dict[str, str], *names: str) -> dict[str, str]:
    return {k: v for k, v in env.items() if k not in names}


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        # As servers do: closed connections lingering in TIME_WAIT don't make the port busy.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/api/health/", timeout=3) as answer:
            return answer.status == 200
    except OSError:
        return False


def ensure_database(url: str, *, reset: bool) -> None:
    """Create the database of `url` if it does not exist (drop it first with `reset`)."""
    cfg = dj_database_url.parse(url)
    name = cfg["NAME"]
    if not cfg["ENGINE"].endswith("postgresql") or not name:
        raise StackError(f"DATABASE_URL must name a PostgreSQL database, got {url.split('@')[-1]!r}")
    try:
        conn = psycopg2.connect(
            dbname="postgres", user=cfg.get("USER") or None, password=cfg.get("PASSWORD") or None,
            host=cfg.get("HOST") or None, port=cfg.get("PORT") or None, connect_timeout=5,
        )  # fmt: skip
    except psycopg2.OperationalError as exc:
        raise StackError(f"PostgreSQL does not answer: {str(exc).strip().splitlines()[0]}") from exc
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            if reset:
                cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cur.fetchone() is None:
                cur.execute(f'CREATE DATABASE "{name}"')
    finally:
        conn.close()


def main(argv: list[str]) -> int:
    command, rest = (argv[0] if argv else ""), argv[1:]
    stack = Stack()
    try:
        if command == "start":
            stack.start()
        elif command == "stop":
            stack.stop()
        elif command == "status":
            return stack.status()
        elif command == "run" and rest[1:] and rest[0] == "--":
            return stack.run(rest[1:])
        else:
            print("usage: tools/stack/stack.py start|stop|status|run -- command  (settings: see its docstring)")
            return 2
    except StackError as exc:
        print(f"stack: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
