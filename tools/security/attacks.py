"""Replay the attacks of the security report against a running server and print what each one gets now.

One line per attack, every figure measured on the server given (nothing is assumed):

    .venv/bin/python tools/security/attacks.py --base http://127.0.0.1:8000 [--direct http://127.0.0.1:8001]

--base is what a client reaches (nginx in `make stack`, or gunicorn itself); --direct, for the stack, is one
backend behind that nginx, so the refresh race and the deep JSON are also played past nginx.

The server must run with OTP_ECHO=true (the login answer carries the code) and, for the lockout replay to
finish in seconds, a short resend cooldown (OTP_RESEND_SECONDS=5; the script waits whatever it is). Its per-IP
caps (THROTTLE_LOGIN / THROTTLE_VERIFY) must allow about 60 sign-in requests from this machine: every attack
comes from 127.0.0.1, where a real attacker would spread over many addresses, so the per-phone rules are what
is being tested. The admin, deleted-user and forged-token attacks need the server's database and keys:
DATABASE_URL, DJANGO_SECRET_KEY and JWT_SIGNING_KEY in this script's environment, the same as the server's
(backend/scripts/with-backend.sh exports them to its command). Without them those attacks say "skipped".
Admin guessing locks 127.0.0.1 out of that server's /admin/login/ for ADMIN_LOGIN_COOLOFF_MINUTES.
"""

import argparse
import os
import re
import secrets
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import requests

REPO = Path(__file__).resolve().parents[2]
# The keys `make run` used to fall back to (before every secret came from the environment).
OLD_DEV_JWT_KEY = "insecure-local-only-jwt-signing-key-do-not-use-in-production"
OLD_DEV_SECRET_KEY = "insecure-local-only-secret-key-do-not-use-in-production"
TIMEOUT = 30


def fmt_counts(statuses) -> str:
    counts = Counter(statuses)
    return ", ".join(f"{n} × {s}" for s, n in sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0]))))


def runs(items) -> str:
    """Outcomes in the order they came: "4 × 200, then 6 × 429"."""
    groups: list[list] = []
    for item in items:
        if groups and groups[-1][0] == item:
            groups[-1][1] += 1
        else:
            groups.append([item, 1])
    return ", then ".join(f"{n} × {item}" for item, n in groups)


def new_phone() -> str:
    return f"+7916{secrets.randbelow(10**7):07d}"


def body_code(response: requests.Response) -> str:
    try:
        return str(response.json().get("code", ""))
    except ValueError:
        return ""


class Client:
    """POSTs to one server; waits out nginx's limit_req (a patient attacker would) and counts how often."""

    def __init__(self, base: str):
        self.base = base.rstrip("/")
        self.session = requests.Session()
        self.nginx_waits = 0

    def post(self, path: str, payload: dict, **kwargs) -> requests.Response:
        for _ in range(30):
            response = self.session.post(self.base + path, json=payload, timeout=TIMEOUT, **kwargs)
            # nginx's limit_req answers ip_rate_limit with a Retry-After of a second (verify) or 10 s (login); the
            # server's hourly cap answers minutes, which is a result to report, not to wait out.
            retry = float(response.headers.get("Retry-After", "0") or 0)
            if response.status_code == 429 and body_code(response) == "ip_rate_limit" and retry <= 10:
                self.nginx_waits += 1
                time.sleep(retry or 1)
                continue
            return response
        return response

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.session.get(self.base + path, timeout=TIMEOUT, **kwargs)

    def login(self, phone: str) -> requests.Response:
        """Ask for a code, waiting out the phone's resend cooldown."""
        for _ in range(20):
            response = self.post("/api/login/", {"phone": phone})
            if response.status_code == 429 and body_code(response) == "resend_cooldown":
                time.sleep(float(response.json().get("retry_after", 1)) + 0.2)
                continue
            return response
        return response

    def sign_in(self, phone: str | None = None) -> dict:
        phone = phone or new_phone()
        answer = self.login(phone)
        answer.raise_for_status()
        data = answer.json()
        if "code" not in data:
            raise SystemExit("the login answer carries no code: run the server with OTP_ECHO=true")
        verify = self.post("/api/verify/", {"phone": phone, "token": data["code"], "challenge": data["challenge"]})
        verify.raise_for_status()
        return {"phone": phone, **verify.json()}

    def profile_status(self, access: str) -> int:
        return self.get("/api/profile/", headers={"Authorization": f"Bearer {access}"}).status_code

    def refresh_status(self, refresh: str) -> int:
        return self.post("/api/token/refresh/", {"refresh": refresh}).status_code


def wrong_code(length: int, right: str | None = None) -> str:
    while True:
        guess = f"{secrets.randbelow(10**length):0{length}d}"
        if guess != right:
            return guess


# ---- 1. locking a victim out of sign-in ----


def attack_lockout(client: Client) -> list[str]:
    victim = new_phone()
    requests_made = Counter()
    statuses = []
    # Without the challenge: ask for codes and enter wrong ones until the phone refuses open entries.
    refused_open = None
    for _ in range(8):
        answer = client.login(victim)
        requests_made["login"] += 1
        data = answer.json()
        for _ in range(5):
            response = client.post("/api/verify/", {"phone": victim, "token": wrong_code(data["code_length"])})
            requests_made["verify"] += 1
            statuses.append(f"{response.status_code} {body_code(response)}".strip())
            if response.status_code == 429:
                refused_open = body_code(response)
                break
        if refused_open:
            break
    # With a challenge of its own: the stranger's code, 6 wrong entries.
    answer = client.login(victim)
    requests_made["login"] += 1
    own = answer.json()
    with_challenge = []
    for _ in range(6):
        response = client.post(
            "/api/verify/",
            {"phone": victim, "token": wrong_code(own["code_length"], own["code"]), "challenge": own["challenge"]},
        )
        requests_made["verify"] += 1
        with_challenge.append(response.status_code)
    # The owner asks for a code (after the stranger's cooldown) and signs in with its challenge, while the
    # stranger keeps entering wrong codes without one.
    owner = client.login(victim)
    owner_data = owner.json()
    during = []
    for _ in range(5):
        response = client.post("/api/verify/", {"phone": victim, "token": wrong_code(owner_data["code_length"])})
        requests_made["verify"] += 1
        during.append(f"{response.status_code}{' ' + body_code(response) if body_code(response) else ''}")
    stale = client.post(
        "/api/verify/",
        {"phone": victim, "token": wrong_code(own["code_length"]), "challenge": own["challenge"]},
    )
    requests_made["verify"] += 1
    signed_in = client.post(
        "/api/verify/", {"phone": victim, "token": owner_data["code"], "challenge": owner_data["challenge"]}
    )
    lines = [
        f"lockout, stranger: {requests_made['login']} codes asked + {requests_made['verify']} wrong entries "
        f"(no challenge: {runs(statuses)}, stopped by {refused_open or 'nothing'}; own challenge: "
        f"{runs(with_challenge)}; 5 more without challenge while the owner types: {fmt_counts(during)}; "
        f"stale challenge: {stale.status_code} {body_code(stale)})",
        f"lockout, owner: login {owner.status_code}, code of {owner_data.get('code_length')} digits, "
        f"sign-in with challenge → {signed_in.status_code}" + (" (tokens)" if "access" in signed_in.json() else ""),
    ]
    # A fresh victim: the owner's 4-digit code, 5 wrong guesses by a stranger, then the owner types it; and the
    # stranger's attempt to replace the owner's code inside the resend cooldown.
    victim = new_phone()
    owner = client.login(victim).json()
    guesses = [
        client.post("/api/verify/", {"phone": victim, "token": wrong_code(owner["code_length"], owner["code"])})
        for _ in range(5)
    ]
    replace = client.post("/api/login/", {"phone": victim})
    typed = client.post("/api/verify/", {"phone": victim, "token": owner["code"], "challenge": owner["challenge"]})
    lines.append(
        f"lockout, code being typed: owner's {owner['code_length']}-digit code, stranger's 5 wrong guesses "
        f"{fmt_counts(g.status_code for g in guesses)}, stranger's new code inside the cooldown → "
        f"{replace.status_code} {body_code(replace)}, owner then types the code → {typed.status_code}"
    )
    return lines


# ---- 2. parallel refreshes of one refresh token ----


def parallel(n: int, func) -> list:
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(i: int) -> None:
        barrier.wait()
        results[i] = func(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def attack_refresh_race(client: Client, label: str, n: int = 20) -> str:
    tokens = client.sign_in()
    sessions = [requests.Session() for _ in range(n)]

    def refresh(i: int):
        response = sessions[i].post(
            client.base + "/api/token/refresh/", json={"refresh": tokens["refresh"]}, timeout=60
        )
        return response.status_code, (response.json() if response.status_code == 200 else None)

    results = parallel(n, refresh)
    pairs = [body for _, body in results if body]
    works = [client.profile_status(p["access"]) for p in pairs]
    reuse = client.refresh_status(tokens["refresh"])
    after_access = [client.profile_status(p["access"]) for p in pairs]
    after_refresh = [client.refresh_status(p["refresh"]) for p in pairs]
    return (
        f"refresh race ({label}): {n} parallel refreshes → {fmt_counts(s for s, _ in results)}; "
        f"the new pair(s) right after: access {fmt_counts(works) or 'none'}; the spent token again → {reuse}; "
        f"then the new pair(s): access {fmt_counts(after_access) or '-'}, refresh {fmt_counts(after_refresh) or '-'}"
    )


# ---- 3. refresh racing logout ----


def attack_logout_race(client: Client, races: int = 10) -> str:
    survivors = 0
    outcomes = Counter()
    for _ in range(races):
        tokens = client.sign_in()
        sessions = [requests.Session(), requests.Session()]

        def act(i: int, refresh: str = tokens["refresh"], sessions=sessions):
            path = "/api/token/refresh/" if i == 0 else "/api/logout/"
            response = sessions[i].post(client.base + path, json={"refresh": refresh}, timeout=60)
            return response.status_code, (response.json() if response.status_code == 200 else None)

        (refresh_status, pair), (logout_status, _) = parallel(2, act)
        outcomes[f"refresh {refresh_status}/logout {logout_status}"] += 1
        if pair and (client.profile_status(pair["access"]) == 200 or client.refresh_status(pair["refresh"]) == 200):
            survivors += 1
    return (
        f"refresh racing logout: {races} races ({fmt_counts(outcomes.elements())}) → "
        f"{survivors}/{races} refreshed pairs still work after the logout"
    )


def attack_reuse(client: Client) -> str:
    tokens = client.sign_in()
    first = client.post("/api/token/refresh/", {"refresh": tokens["refresh"]})
    pair = first.json()
    before = (client.profile_status(pair["access"]), "access")
    reuse = client.post("/api/token/refresh/", {"refresh": tokens["refresh"]})
    after_access = client.profile_status(pair["access"])
    after_refresh = client.refresh_status(pair["refresh"])
    return (
        f"reuse of a rotated token: refresh → {first.status_code}, new access → {before[0]}; the rotated token again "
        f"→ {reuse.status_code} {body_code(reuse)}; then the new pair: access {after_access}, refresh {after_refresh}"
    )


# ---- helpers that need the server's database and keys ----


def server_env() -> dict | None:
    if not all(os.environ.get(k) for k in ("DATABASE_URL", "DJANGO_SECRET_KEY", "JWT_SIGNING_KEY")):
        return None
    return {**os.environ, "DJANGO_DEBUG": "false", "LOG_LEVEL": "ERROR"}


def manage_shell(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=REPO / "backend",
        env=server_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "manage.py shell failed")
    return done.stdout.strip()


def sign_jwt(key: str, token_type: str, user_id, lifetime: int = 600) -> str:
    now = datetime.now(UTC)
    claims = {
        "token_type": token_type,
        "exp": now + timedelta(seconds=lifetime),
        "iat": now,
        "jti": uuid.uuid4().hex,
        "user_id": user_id,
        "family": str(uuid.uuid4()),
    }
    return jwt.encode(claims, key, algorithm="HS256")


# ---- 4. admin password guessing ----


def admin_try(base: str, phone: str, password: str) -> tuple[int, str]:
    with requests.Session() as session:
        page = session.get(base + "/admin/login/", timeout=TIMEOUT)
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        if not match:
            return page.status_code, "no login form"
        response = session.post(
            base + "/admin/login/?next=/admin/",
            data={"csrfmiddlewaretoken": match.group(1), "username": phone, "password": password, "next": "/admin/"},
            allow_redirects=False,
            timeout=TIMEOUT,
        )
        if response.status_code == 302 and "/admin/" in response.headers.get("Location", ""):
            return 302, "signed in"
        if response.status_code == 429:
            return 429, "axes lockout" if "Account locked" in response.text else "nginx limit_req"
        if response.status_code == 200 and "csrfmiddlewaretoken" in response.text:
            return 200, "form again (wrong password)"
        return response.status_code, response.text[:60]


def attack_admin(base: str, wrong: int = 10) -> str:
    if server_env() is None:
        return "admin guessing: skipped (DATABASE_URL, DJANGO_SECRET_KEY and JWT_SIGNING_KEY of the server not set)"
    phone, password = new_phone(), secrets.token_urlsafe(16)
    manage_shell(
        f"from users.models import User; User.objects.create_superuser(phone={phone!r}, password={password!r})"
    )
    answers = [admin_try(base, phone, secrets.token_urlsafe(12)) for _ in range(wrong)]
    right = admin_try(base, phone, password)
    return (
        f"admin guessing: {wrong} wrong passwords → {runs(f'{s} {why}' for s, why in answers)}; "
        f"then the right one → {right[0]} {right[1]}"
    )


# ---- 5. deeply nested JSON ----


def attack_deep_json(client: Client, label: str, depth: int = 1000) -> str:
    body = ('{"phone": ' * depth + '"x"' + "}" * depth).encode()
    statuses = []
    for path in ("/api/login/", "/api/verify/", "/api/token/refresh/", "/api/logout/"):
        response = client.session.post(
            client.base + path, data=body, headers={"Content-Type": "application/json"}, timeout=TIMEOUT
        )
        statuses.append(f"{response.status_code}{' (JSON)' if _is_json(response) else ''}")
    return f"deep JSON ({label}): {depth} levels, {len(body) / 1000:.1f} kB, to login/verify/refresh/logout → " + (
        fmt_counts(statuses)
    )


def _is_json(response: requests.Response) -> bool:
    return response.headers.get("Content-Type", "").startswith("application/json")


# ---- 6. tokens for users that don't exist, forged claims, the old dev key ----


def attack_tokens(client: Client) -> list[str]:
    if server_env() is None:
        return ["token problems: skipped (DATABASE_URL, DJANGO_SECRET_KEY and JWT_SIGNING_KEY of the server not set)"]
    key = os.environ["JWT_SIGNING_KEY"]
    tokens = client.sign_in()
    manage_shell(f"from users.models import User; print(User.objects.filter(phone={tokens['phone']!r}).delete())")
    deleted_refresh = client.post("/api/token/refresh/", {"refresh": tokens["refresh"]})
    deleted_access = client.profile_status(tokens["access"])
    forged_refresh = client.post("/api/token/refresh/", {"refresh": sign_jwt(key, "refresh", "1 OR 1=1")})
    forged_access = client.profile_status(sign_jwt(key, "access", "1 OR 1=1"))
    forged_logout = client.post("/api/logout/", {"refresh": sign_jwt(key, "refresh", "1 OR 1=1")}).status_code
    huge = client.post("/api/token/refresh/", {"refresh": sign_jwt(key, "refresh", 2**70)}).status_code
    live = client.sign_in()
    user_id = jwt.decode(live["access"], options={"verify_signature": False})["user_id"]
    old_keys = [
        client.profile_status(sign_jwt(old, "access", user_id)) for old in (OLD_DEV_JWT_KEY, OLD_DEV_SECRET_KEY)
    ]
    return [
        f"deleted user: refresh → {deleted_refresh.status_code} {body_code(deleted_refresh)}, "
        f"its access token → {deleted_access}",
        f'forged user_id "1 OR 1=1" (signed with the server\'s key): refresh → {forged_refresh.status_code} '
        f"{body_code(forged_refresh)}, access → {forged_access}, logout → {forged_logout}; user_id 2**70 → {huge}",
        f"old built-in dev keys: access token for a live user signed with the old JWT key → {old_keys[0]}, "
        f"with the old SECRET_KEY → {old_keys[1]}",
    ]


# ---- 7. CORS and 8. a bad Host header (plus the security headers) ----


def attack_cors(client: Client) -> str:
    origin = "http://localhost:5173"
    preflight = client.session.options(
        client.base + "/api/login/",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
        timeout=TIMEOUT,
    )
    simple = client.get("/api/health/", headers={"Origin": origin})
    allowed = [r.headers.get("Access-Control-Allow-Origin") for r in (preflight, simple)]
    return (
        f"CORS: preflight from {origin} → {preflight.status_code}, Access-Control-Allow-Origin "
        f"{allowed[0] or 'absent'}; GET with that Origin → {allowed[1] or 'absent'}"
    )


DEBUG_MARKERS = ("Traceback", "DisallowedHost", "DEBUG = True", "settings", "Request Method", "/work/", "site-packages")


def attack_bad_host(client: Client) -> str:
    parts = []
    for path in ("/api/health/", "/admin/login/", "/"):
        response = client.get(path, headers={"Host": "evil.example.com"})
        leaks = [m for m in DEBUG_MARKERS if m in response.text]
        kind = "JSON" if _is_json(response) else response.headers.get("Content-Type", "?").split(";")[0]
        parts.append(
            f"{path} {response.status_code} {kind} {len(response.content)} B"
            + (f" LEAKS {leaks}" if leaks else ", no debug page")
        )
    csp = [
        "CSP" if client.get(p).headers.get("Content-Security-Policy") else "no CSP"
        for p in ("/api/health/", "/admin/login/")
    ]
    return f"bad Host header: {'; '.join(parts)}. Headers on a good Host: /api/health/ {csp[0]}, /admin/ {csp[1]}"


def health_latency(client: Client, n: int = 50) -> str:
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        client.get("/api/health/")
        samples.append((time.perf_counter() - started) * 1000)
    return f"{statistics.median(samples):.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="what clients reach, e.g. http://127.0.0.1:8080")
    parser.add_argument("--direct", help="for a stack: one backend behind the nginx of --base")
    parser.add_argument("--only", help="comma-separated attack numbers to run (1-8), default all")
    args = parser.parse_args()
    only = {int(x) for x in args.only.split(",")} if args.only else set(range(1, 9))
    client = Client(args.base)
    direct = Client(args.direct) if args.direct else None
    behind = "through nginx" if direct else "direct"
    health = client.get("/api/health/")
    print(
        f"target {args.base}: /api/health/ {health.status_code} {health.text.strip()}, median {health_latency(client)}"
    )

    def say(line: str) -> None:
        print(line, flush=True)

    steps = {
        1: lambda: attack_lockout(client),
        2: lambda: [attack_refresh_race(client, behind)] + ([attack_refresh_race(direct, "direct")] if direct else []),
        3: lambda: [attack_logout_race(client), attack_reuse(client)],
        4: lambda: [attack_admin(client.base)],
        5: lambda: [attack_deep_json(client, behind)] + ([attack_deep_json(direct, "direct")] if direct else []),
        6: lambda: attack_tokens(client),
        7: lambda: [attack_cors(client)],
        8: lambda: (
            [attack_bad_host(client)]
            + ([attack_bad_host(direct).replace("bad Host", "bad Host (direct)")] if direct else [])
        ),
    }
    for number in sorted(only):
        try:
            for line in steps[number]():
                say(f"({number}) {line}")
        except Exception as exc:  # one attack failing to run must not hide the others' figures
            say(f"({number}) could not run: {type(exc).__name__}: {exc}")
    waits = client.nginx_waits + (direct.nginx_waits if direct else 0)
    if waits:
        say(f"(nginx limit_req answered 429 {waits} times; the script waited and retried each)")


if __name__ == "__main__":
    main()
