"""SMS pumping drill: many addresses ask for codes as fast as the caps allow, while a person signs in.

Runs against a running stack (`make stack`, or `make drill-pumping` with PUMPING_BASE) through nginx:

- 40 source addresses on the loopback (Linux answers on all of 127.0.0.0/8), 5 in each of 8 /24 networks, so
  the per-network cap counts them in 8 buckets: 127.10.0-3.x send to sequential numbers (+79161230000,
  +79161230001, ...: one number range), 127.10.4-7.x to random numbers (+791 and 8 random digits);
- each address hammers POST /api/login/ on its own connection for --duration seconds, never waiting;
- meanwhile a person at 127.200.0.1 asks for a code, waits out the resend cooldown, asks again and signs in
  with the second code, read from the login answer (OTP_ECHO=true) or from the console SMS backend's
  "SMS to <phone>: <text>" line in the stack's backend logs (--sms-log; default: make stack's).

Afterwards it counts the SMS that left in PostgreSQL (authentication_smsmessage rows with status 'sent' since
the start: exact), the answers by status and code, and prints what the caps allow. The caps are read from this
process's environment under the stack's variable names (THROTTLE_LOGIN, ...; shipped defaults otherwise): give
it the same values as the stack. A 428 (proof of work asked of a risky request) counts as refused: the drill doesn't
solve it. Exit status 1 if more SMS left than the caps allow or the person could not
sign in.
"""

from __future__ import annotations

import argparse
import glob
import itertools
import json
import math
import os
import random
import re
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

import httpx
import psycopg2

SEQUENTIAL_START = 79161230000
PERSON_IP = "127.200.0.1"
PERSON_PHONE = "+79035550101"
NETWORKS = 8
PER_NETWORK = 5


def rate_per_hour(rate: str) -> float:
    """'20/hour', '100/h', '5/min' -> requests an hour (DRF's rate syntax)."""
    count, period = rate.split("/")
    seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400}[period.strip()[0]]
    return int(count) * 3600 / seconds


def nginx_rate_per_second(rate: str) -> float:
    """'6r/m' -> 0.1, '1r/s' -> 1.0 (nginx's limit_req syntax)."""
    number, unit = re.fullmatch(r"(\d+)r/([sm])", rate).groups()
    return int(number) / (60 if unit == "m" else 1)


@dataclass
class Caps:
    throttle_login: float  # per address, an hour
    throttle_login_network: float  # per /24, an hour
    prefix_per_hour: int
    sms_budget_per_hour: int | None
    nginx_on: bool
    nginx_rate: float  # per address, a second
    nginx_burst: int
    # Proof of work (ALTCHA) asked of risky requests; the drill doesn't solve it, so a 428 is a refusal.
    altcha_share: float
    altcha_prefix_burst: int

    @classmethod
    def from_env(cls) -> Caps:
        login = os.environ.get("THROTTLE_LOGIN") or "20/hour"
        network = os.environ.get("THROTTLE_LOGIN_NETWORK") or ""
        budget = os.environ.get("SMS_BUDGET_PER_HOUR", "1000")
        return cls(
            throttle_login=rate_per_hour(login),
            throttle_login_network=rate_per_hour(network) if network else 5 * rate_per_hour(login),
            prefix_per_hour=int(os.environ.get("OTP_MAX_SENDS_PER_PREFIX_PER_HOUR") or 20),
            sms_budget_per_hour=int(budget) if budget else None,
            nginx_on=(os.environ.get("NGINX_LIMIT_REQ") or "on") in ("on", "true", "1"),
            nginx_rate=nginx_rate_per_second(os.environ.get("NGINX_LOGIN_LIMIT_RATE") or "6r/m"),
            nginx_burst=int(os.environ.get("NGINX_LOGIN_LIMIT_BURST") or 5),
            altcha_share=float(os.environ.get("ALTCHA_RISK_SHARE") or 0.5),
            altcha_prefix_burst=int(os.environ.get("ALTCHA_PREFIX_BURST") or 10),
        )

    def nginx_per_address(self, seconds: float) -> float:
        """Requests one address gets past nginx's login zone in `seconds`: the burst, the first, then the rate."""
        return self.nginx_burst + 1 + math.floor(seconds * self.nginx_rate) if self.nginx_on else math.inf

    def allowed(self, *, addresses: int, networks: int, prefixes: int | None, seconds: float) -> dict[str, float]:
        """What each cap alone lets through for one group of attacking addresses (None prefixes: all different)."""
        bounds = {
            f"per address: {addresses} x THROTTLE_LOGIN {self.throttle_login:g}/h": addresses * self.throttle_login,
            f"per /24: {networks} x THROTTLE_LOGIN_NETWORK {self.throttle_login_network:g}/h": networks
            * self.throttle_login_network,
            f"nginx login zone: {addresses} x ({self.nginx_burst} + 1 + {seconds:.0f} s x {self.nginx_rate:g}/s)": (
                addresses * self.nginx_per_address(seconds)
            ),
        }
        if prefixes is not None:
            bounds[f"per prefix: {prefixes} x OTP_MAX_SENDS_PER_PREFIX_PER_HOUR {self.prefix_per_hour}"] = (
                prefixes * self.prefix_per_hour
            )
        if self.altcha_share > 0:
            per_address = math.ceil(self.altcha_share * self.throttle_login)
            per_network = math.ceil(self.altcha_share * self.throttle_login_network)
            bounds[
                f"unsolved proof of work: min({addresses} x {per_address}, {networks} x {per_network})"
                f" (ALTCHA_RISK_SHARE {self.altcha_share:g})"
            ] = min(addresses * per_address, networks * per_network)
        if prefixes is not None and self.altcha_prefix_burst > 0:
            bounds[f"unsolved proof of work: {prefixes} x ALTCHA_PREFIX_BURST {self.altcha_prefix_burst}"] = (
                prefixes * self.altcha_prefix_burst
            )
        return bounds


@dataclass
class Group:
    name: str
    addresses: list[str]
    next_phone: object
    answers: Counter = field(default_factory=Counter)
    phones_tried: set[str] = field(default_factory=set)
    phones_accepted: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)


def answer_key(response: httpx.Response) -> str:
    """'429 ip_rate_limit (nginx)', '429 prefix_rate_limit', '200', ...: status, code, and who answered."""
    code = ""
    try:
        body = response.json()
        if isinstance(body, dict):
            code = body.get("code") or (response.status_code == 400 and "phone" in body and "invalid phone") or ""
    except (json.JSONDecodeError, ValueError):
        code = "not json"
    # DRF's answers carry Allow; nginx's own (its limit_req 429, its 5xx pages) don't.
    who = "" if "allow" in response.headers else " (nginx)"
    return f"{response.status_code} {code}".strip() + who


def client_from(base: str, source_ip: str) -> httpx.Client:
    return httpx.Client(base_url=base, transport=httpx.HTTPTransport(local_address=source_ip, retries=0), timeout=30.0)


def attacker(base: str, source_ip: str, group: Group, stop: threading.Event) -> None:
    with client_from(base, source_ip) as client:
        while not stop.is_set():
            phone = group.next_phone()
            with group.lock:
                group.phones_tried.add(phone)
            try:
                response = client.post("/api/login/", json={"phone": phone})
                key = answer_key(response)
            except httpx.HTTPError as exc:
                key = f"error {type(exc).__name__}"
            with group.lock:
                group.answers[key] += 1
                if key.startswith("200"):
                    group.phones_accepted.add(phone)


def sms_lines(pattern: str, phone: str) -> dict[str, list[str]]:
    """The "SMS to <phone>: <text>" lines of each log (the stack's log prefixes each line with "time process | ")."""
    lines = {}
    for path in glob.glob(pattern):
        with open(path, encoding="utf-8", errors="replace") as log:
            texts = (line.partition(" | ")[2] or line for line in log)
            lines[path] = [text for text in texts if text.startswith(f"SMS to {phone}:")]
    return lines


def read_code_from_sms_log(pattern: str, phone: str, before: dict[str, list[str]], timeout: float = 15.0) -> str | None:
    """The code of the SMS to `phone` that a backend logged since `before`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path, lines in sms_lines(pattern, phone).items():
            if len(lines) > len(before.get(path, [])):
                return re.findall(r"\d{4,10}", lines[-1].split(":", 1)[1])[-1]
        time.sleep(0.2)
    return None


def person(base: str, sms_log: str, report: dict) -> None:
    """Ask for a code, wait out the cooldown, ask again, sign in with the second code."""
    steps = report.setdefault("steps", [])
    started = time.monotonic()

    def step(name: str, response: httpx.Response) -> dict:
        body = response.json() if response.headers.get("content-type", "").startswith("application/json") else {}
        detail = body.get("code") or ("" if response.status_code == 200 else body)
        steps.append(f"{time.monotonic() - started:5.1f} s  {name}: {response.status_code} {detail}")
        return body

    with client_from(base, PERSON_IP) as client:
        for attempt in ("login", "resend"):
            seen = sms_lines(sms_log, PERSON_PHONE)
            response = client.post("/api/login/", json={"phone": PERSON_PHONE})
            body = step(attempt, response)
            if response.status_code != 200:
                report["ok"] = False
                return
            code = body.get("code") or read_code_from_sms_log(sms_log, PERSON_PHONE, seen)
            if code is None:
                steps.append(f"no SMS to {PERSON_PHONE} in {sms_log} and no code in the answer")
                report["ok"] = False
                return
            if attempt == "login":
                time.sleep(body["resend_in"] + 1)
        response = client.post(
            "/api/verify/", json={"phone": PERSON_PHONE, "token": code, "challenge": body["challenge"]}
        )
        step("verify (second code)", response)
        report["ok"] = response.status_code == 200
        report["seconds"] = time.monotonic() - started


def sms_sent_since(database_url: str, since: datetime) -> list[tuple[str, str]]:
    with psycopg2.connect(database_url) as conn, conn.cursor() as cur:
        cur.execute("SELECT phone, status FROM authentication_smsmessage WHERE created_at >= %s", [since])
        return cur.fetchall()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default=os.environ.get("BASE_URL", "http://127.0.0.1:8080"), help="nginx's URL")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"), help="the stack's PostgreSQL")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of attack (longer if the person is)")
    parser.add_argument("--sms-log", help="glob of the backends' logs [/tmp/referral-stack-<port>/stack.log]")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if not args.database_url:
        parser.error("--database-url (or DATABASE_URL) names the stack's database, where the SMS are counted")
    port = urlsplit(args.base).port or 80
    sms_log = args.sms_log or f"{os.environ.get('TMPDIR', '/tmp')}/referral-stack-{port}/stack.log"
    caps = Caps.from_env()
    rng = random.Random(args.seed)

    sequential_numbers = itertools.count(SEQUENTIAL_START)
    sequential_lock = threading.Lock()

    def next_sequential() -> str:
        with sequential_lock:
            return f"+{next(sequential_numbers)}"

    def next_random() -> str:
        with sequential_lock:
            return f"+791{rng.randrange(10**8):08d}"

    half = NETWORKS // 2
    groups = [
        Group(
            "sequential",
            [f"127.10.{n}.{i + 1}" for n in range(half) for i in range(PER_NETWORK)],
            next_sequential,
        ),
        Group(
            "random",
            [f"127.10.{n}.{i + 1}" for n in range(half, NETWORKS) for i in range(PER_NETWORK)],
            next_random,
        ),
    ]

    since = datetime.now(UTC)
    started = time.monotonic()
    stop = threading.Event()
    threads = [
        threading.Thread(target=attacker, args=(args.base, ip, group, stop), daemon=True)
        for group in groups
        for ip in group.addresses
    ]
    person_report: dict = {}
    person_thread = threading.Thread(target=person, args=(args.base, sms_log, person_report), daemon=True)
    for thread in threads:
        thread.start()
    time.sleep(1)  # the person arrives while the flood runs
    person_thread.start()
    time.sleep(max(0.0, args.duration - (time.monotonic() - started)))
    person_thread.join(timeout=180)
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    seconds = time.monotonic() - started
    time.sleep(1)  # a send that was answered is recorded; give the last rows a moment anyway

    rows = sms_sent_since(args.database_url, since)
    sent = Counter(phone for phone, status in rows if status == "sent")
    failed = sum(1 for _, status in rows if status != "sent")

    print(f"SMS pumping drill against {args.base}, {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC")
    print(f"attack: {seconds:.1f} s, {len(threads)} addresses in {NETWORKS} /24s, one connection each, no waiting")
    total_allowed = 0.0
    failures = []
    for group in groups:
        networks = sorted({ip.rsplit(".", 1)[0] for ip in group.addresses})
        group_sent = sum(count for phone, count in sent.items() if phone in group.phones_tried)
        prefixes = {phone[:-4] for phone in group.phones_accepted}
        # The per-prefix cap is per range of 10,000 numbers: a walk that goes on past refusals reaches new ranges.
        prefixes_tried = {phone[:-4] for phone in group.phones_tried}
        requests = sum(group.answers.values())
        nets = ", ".join(n + ".0/24" for n in networks)
        print(f"\n{group.name} numbers, from {len(group.addresses)} addresses in {nets}")
        print(f"  requests: {requests} ({requests / seconds:.0f}/s)")
        for key, count in sorted(group.answers.items()):
            print(f"    {key:32} {count}")
        print(
            f"  SMS that left: {group_sent} to {len(group.phones_accepted)} numbers in {len(prefixes)} prefixes"
            f" ({len(group.phones_tried)} numbers in {len(prefixes_tried)} prefixes tried)"
        )
        bounds = caps.allowed(
            addresses=len(group.addresses),
            networks=len(networks),
            prefixes=len(prefixes_tried) if group.name == "sequential" else None,
            seconds=seconds,
        )
        for label, bound in bounds.items():
            print(f"    allowed by {label:72} {bound:g}")
        allowed = min(bounds.values())
        total_allowed += allowed
        print(f"  the caps together allow {allowed:g}: {'within' if group_sent <= allowed else 'BEYOND'}")
        if group_sent > allowed:
            failures.append(f"{group.name}: {group_sent} SMS left, the caps allow {allowed:g}")

    person_sms = sent[PERSON_PHONE]
    attack_sms = sum(sent.values()) - person_sms
    print(f"\nSMS that left in all: {sum(sent.values())} ({attack_sms} to the attack, {person_sms} to the person)")
    print(f"  SMS rows 'failed': {failed}; max SMS to one number: {max(sent.values(), default=0)}")
    by_prefix = Counter()
    for phone, count in sent.items():
        by_prefix[phone[:-4]] += count
    prefix, most = by_prefix.most_common(1)[0] if by_prefix else ("-", 0)
    print(
        f"  max SMS to one range of 10,000 numbers: {most} ({prefix}xxxx; the cap OTP_MAX_SENDS_PER_PREFIX_PER_HOUR"
        f" {caps.prefix_per_hour}, proof of work asked from ALTCHA_PREFIX_BURST {caps.altcha_prefix_burst})"
    )
    if most > caps.prefix_per_hour:
        failures.append(f"{most} SMS to {prefix}xxxx, the per-prefix cap is {caps.prefix_per_hour}")
    print(f"  the caps together allow the attack {total_allowed:g} in {seconds:.0f} s")
    if caps.sms_budget_per_hour is not None:
        print(f"  SMS_BUDGET_PER_HOUR: {caps.sms_budget_per_hour}")
        if sum(sent.values()) > caps.sms_budget_per_hour:
            failures.append(f"{sum(sent.values())} SMS left, the hourly budget is {caps.sms_budget_per_hour}")
    print(f"  rate: {attack_sms / seconds:.2f} SMS/s (the issue's before: 200 SMS in 4.5 s, 44 SMS/s)")
    print(f"\nthe person at {PERSON_IP} ({PERSON_PHONE}): {'signed in' if person_report.get('ok') else 'FAILED'}")
    for line in person_report.get("steps", []):
        print(f"  {line}")
    if not person_report.get("ok"):
        failures.append("the person did not sign in")
    for failure in failures:
        print(f"FAILED: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
