"""README's "## API" section, run against the production server: the README and the API can't drift apart.

The README is parsed, not copied. Each `### \\`METHOD /api/path/\\`` section has ```bash curl examples and a
`| Status | Body |` table whose bodies are quoted as JSON:

- every curl example runs for real (the base URL, `eyJ…` tokens and `<code>` are replaced by live values)
  and must answer the section's 2xx row;
- every other row must be produced by a case in CASES, keyed by (endpoint, status, first message); a row
  without a case, or a case without a row, fails `test_every_documented_error_has_a_check`.

A body matches its row when it has the row's keys (plus those marked `(+ "key": …)`), and, in error bodies,
exactly the row's messages. Success bodies hold data (tokens, codes, dates), so there only the JSON types
are compared; `…` in a quoted string stands for the rest of the value.
"""

import json
import re
import shlex
import subprocess
import time
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import jwt
import pytest
import requests
import yaml
from django.db.models import F

from authentication.models import OtpCode, SmsBlock
from common.tests.helpers import free_port, gunicorn
from users.models import InviteOpen, User
from users.tests.factories import UserFactory, referrals_bulk_create

pytestmark = [pytest.mark.server, pytest.mark.django_db(transaction=True)]

REPO = Path(__file__).resolve().parents[3]
README = REPO / "README.md"
OPENAPI = REPO / "backend" / "openapi.yaml"
README_BASE_URL = "http://127.0.0.1:8000"
JWT_SIGNING_KEY = "readme-test-jwt-signing-key-32-bytes-long"
# Low limits, so the documented 429s take a few requests to reach.
SERVER_ENV = {
    "OTP_SEND_DELAY": "0",
    "OTP_ECHO": "true",
    "OTP_MAX_FAILURES_PER_DAY": "3",
    "INVITE_MAX_FAILURES_PER_HOUR": "3",
    "THROTTLE_LOGIN": "1000/hour",
    "THROTTLE_VERIFY": "1000/hour",
    "JWT_SIGNING_KEY": JWT_SIGNING_KEY,
}


# ---- The README, parsed ----


@dataclass
class Row:
    """One documented answer: a status and a JSON body (None: no body)."""

    endpoint: str
    status: int
    body: dict | None
    optional_keys: frozenset[str]
    line: str

    @property
    def key(self) -> tuple[str, int, str]:
        return (self.endpoint, self.status, first_string(self.body) if self.status >= 400 else "")


@dataclass
class Section:
    endpoint: str  # "POST /api/login/"
    commands: list[list[str]] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)

    @property
    def success(self) -> Row:
        (row,) = [row for row in self.rows if 200 <= row.status < 300]
        return row


def first_string(value) -> str:
    """A body's first message: `{"detail": m}` → m, `{"field": [m]}` → m."""
    if isinstance(value, str):
        return value
    for item in value.values() if isinstance(value, dict) else value or []:
        if found := first_string(item):
            return found
    return ""


def api_text() -> str:
    text = README.read_text()
    start = text.index("\n## API\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else None]


def curl_commands(block: str) -> list[list[str]]:
    commands = []
    for line in block.replace("\\\n", " ").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        words = shlex.split(line)
        assert words[0] == "curl", f"README API examples are curl commands; can't run: {line}"
        commands.append(words)
    return commands


def parse_row(endpoint: str, line: str) -> list[Row]:
    status, rest = line.strip().strip("|").split("|", 1)
    snippets = re.findall(r"`([^`]*)`", rest)
    optional = frozenset(re.findall(r'\(\+ `"(\w+)":', rest))
    bodies = []
    for snippet in snippets:
        if snippet.startswith("{"):
            try:
                bodies.append(json.loads(snippet))
            except json.JSONDecodeError as exc:
                raise AssertionError(f"README body is not JSON ({exc}): {snippet}") from None
    return [Row(endpoint, int(status), body, optional, line) for body in bodies or [None]]


def api_sections() -> list[Section]:
    sections = []
    for chunk in re.split(r"^### ", api_text(), flags=re.M)[1:]:
        heading, _, body = chunk.partition("\n")
        endpoints = re.findall(r"`((?:GET|POST|PUT|PATCH|DELETE) /api/\S*)`", heading)
        assert len(endpoints) == 1, f"an API section's heading names one endpoint: ### {heading}"
        section = Section(endpoints[0])
        for block in re.findall(r"^```bash\n(.*?)^```", body, flags=re.M | re.S):
            section.commands += curl_commands(block)
        for line in body.splitlines():
            if re.match(r"\|\s*\d{3}\s*\|", line):
                section.rows += parse_row(section.endpoint, line)
        sections.append(section)
    return sections


# ---- Comparing an answer with its row ----


def assert_matches(row: Row, status: int, body, context: str) -> None:
    where = f"{context}\nREADME: {row.line}\nAPI:    {status} {json.dumps(body, ensure_ascii=False)}"
    assert status == row.status, where
    if row.body is None:
        assert body is None, where
        return
    assert isinstance(body, dict), where
    keys = set(row.body)
    assert keys <= set(body) <= keys | row.optional_keys, f"keys differ: {where}"
    problems = []
    for key, value in row.body.items():
        compare(value, body[key], exact=row.status >= 400, path=key, problems=problems)
    assert not problems, f"{'; '.join(problems)}: {where}"


def compare(documented, actual, *, exact: bool, path: str, problems: list[str]) -> None:
    """Error bodies (`exact`) must quote the API's messages; success bodies its keys and JSON types."""
    if documented is None:
        return  # an example state (`"previous": null`); any value will do
    if isinstance(documented, dict):
        if not isinstance(actual, dict) or set(actual) != set(documented):
            problems.append(f"{path} should have the keys {sorted(documented)}")
            return
        for key, value in documented.items():
            compare(value, actual[key], exact=exact, path=f"{path}.{key}", problems=problems)
    elif isinstance(documented, list):
        if not isinstance(actual, list) or (exact and len(actual) != len(documented)) or (documented and not actual):
            problems.append(f"{path} should be a list like {documented}")
            return
        for doc_item, item in zip(documented if exact else documented[:1], actual, strict=False):
            compare(doc_item, item, exact=exact, path=f"{path}[]", problems=problems)
    elif isinstance(documented, str) and "…" in documented:
        prefix = documented.split("…")[0]
        if not (isinstance(actual, str) and actual.startswith(prefix)):
            problems.append(f"{path} should start with {prefix!r}")
    elif exact and isinstance(documented, str):
        if actual != documented:
            problems.append(f"{path} is {actual!r}, the README says {documented!r}")
    elif type(actual) is not type(documented):
        problems.append(f"{path} is a {type(actual).__name__}, the README shows a {type(documented).__name__}")


# ---- Running the README's curl examples ----


@dataclass
class Live:
    """The values the examples' placeholders stand for, taken from the answers before them."""

    base: str
    code: str | None = None
    access: str | None = None
    refresh: str | None = None

    def substitute(self, word: str) -> str:
        word = word.replace(README_BASE_URL, self.base)
        for placeholder, name, template in [
            ("Bearer eyJ…", "access", "Bearer {}"),
            ('"refresh": "eyJ…"', "refresh", '"refresh": "{}"'),
            ('"<code>"', "code", '"{}"'),
        ]:
            if placeholder in word:
                value = getattr(self, name)
                assert value, f"{placeholder} is used before an example that answers its {name}"
                word = word.replace(placeholder, template.format(value))
        assert "…" not in word and not re.search(r"<[a-z ]+>", word), f"a placeholder the test can't fill: {word}"
        return word

    def remember(self, body) -> None:
        for name in ("code", "access", "refresh"):
            if isinstance(body, dict) and name in body:
                setattr(self, name, body[name])


def run_curl(words: list[str]) -> tuple[int, object]:
    result = subprocess.run(
        [words[0], "--silent", "--show-error", "--max-time", "30", "--write-out", "\n%{http_code}", *words[1:]],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    text, _, status = result.stdout.rpartition("\n")
    return int(status), json.loads(text) if text else None


def endpoint_of(words: list[str], base: str) -> str:
    method = words[words.index("-X") + 1] if "-X" in words else ("POST" if "-d" in words else "GET")
    (url,) = [word for word in words if word.startswith("http")]
    assert url.startswith(base + "/api/"), url
    return f"{method} {urlsplit(url).path}"


def is_under(endpoint: str, heading: str) -> bool:
    """Whether a request (`POST /api/invites/AB12CD/open/`) is of a heading (`POST /api/invites/{code}/open/`)."""
    pattern = "".join("[^/]+" if part.startswith("{") else re.escape(part) for part in re.split(r"(\{\w+\})", heading))
    return re.fullmatch(pattern, endpoint) is not None


def test_every_curl_example_in_the_readme_answers_as_documented():
    sections = api_sections()
    # The PATCH example activates " ab12cd ": someone must own it.
    UserFactory(invite_code="AB12CD")
    ran = 0
    with gunicorn(**SERVER_ENV) as base:
        live = Live(base)
        for section in sections:
            for command in section.commands:
                words = [live.substitute(word) for word in command]
                assert is_under(endpoint_of(words, base), section.endpoint), (
                    f"{shlex.join(command)} is not under its heading"
                )
                status, body = run_curl(words)
                assert_matches(section.success, status, body, f"$ {shlex.join(command)}")
                live.remember(body)
                ran += 1
                if section.endpoint == "POST /api/verify/":
                    # The profile and the referral list then show someone, and a next page.
                    referrals_bulk_create(referrer=User.objects.get(phone="+79161234567"), count=51)
    assert ran == sum(len(section.commands) for section in sections) >= 8


# ---- Every other documented answer, produced on purpose ----

LOGIN = "POST /api/login/"
VERIFY = "POST /api/verify/"
REFRESH = "POST /api/token/refresh/"
LOGOUT = "POST /api/logout/"
PROFILE = "GET /api/profile/"
ACTIVATE = "PATCH /api/profile/"
REFERRALS = "GET /api/profile/referrals/"
STATS = "GET /api/profile/stats/"
OPEN = "POST /api/invites/{code}/open/"
HEALTH = "GET /api/health/"

_phones = iter(range(10**6))


def new_phone() -> str:
    return f"+7916{next(_phones):07d}"


@dataclass
class Api:
    base: str
    exits: ExitStack
    session: requests.Session = field(default_factory=requests.Session)
    _database_down_base: str | None = None
    _sms_down_base: str | None = None
    _no_budget_base: str | None = None
    _wary_base: str | None = None
    _open_capped_base: str | None = None

    def call(self, endpoint: str, body=None, *, access: str | None = None, query: str = "") -> requests.Response:
        method, path = endpoint.split(" ")
        headers = {"Authorization": f"Bearer {access}"} if access else {}
        return self.session.request(method, self.base + path + query, json=body, headers=headers, timeout=30)

    def code_for(self, phone: str) -> str:
        login = self.call(LOGIN, {"phone": phone})
        assert login.status_code == 200, login.text
        return login.json()["code"]

    def sign_in(self) -> dict:
        phone = new_phone()
        tokens = self.call(VERIFY, {"phone": phone, "token": self.code_for(phone)})
        assert tokens.status_code == 200, tokens.text
        return tokens.json()

    def invite_code(self, user: dict) -> str:
        return self.call(PROFILE, access=user["access"]).json()["invite_code"]

    def sms_down_base(self) -> str:
        """A second server whose one SMS provider can't be reached (started once, when first needed)."""
        if self._sms_down_base is None:
            self._sms_down_base = self.exits.enter_context(
                gunicorn(
                    SMS_ROUTE="twilio",
                    TWILIO_ACCOUNT_SID="AC" + "0" * 32,
                    TWILIO_AUTH_TOKEN="token",
                    TWILIO_FROM="+15005550006",
                    TWILIO_API_URL=f"http://127.0.0.1:{free_port()}",
                )
            )
        return self._sms_down_base

    def no_budget_base(self) -> str:
        """A second server with no SMS budget at all, as if the hour's were spent (started once, when first needed)."""
        if self._no_budget_base is None:
            self._no_budget_base = self.exits.enter_context(gunicorn(SMS_BUDGET_PER_HOUR="0"))
        return self._no_budget_base

    def wary_base(self) -> str:
        """A second server that wants proof of work from a second code to one number range (ALTCHA_PREFIX_BURST=1)."""
        if self._wary_base is None:
            self._wary_base = self.exits.enter_context(gunicorn(ALTCHA_PREFIX_BURST="1"))
        return self._wary_base

    def open_capped_base(self) -> str:
        """A second server that lets one address count one open an hour (started once, when first needed)."""
        if self._open_capped_base is None:
            self._open_capped_base = self.exits.enter_context(gunicorn(THROTTLE_INVITE_OPEN="1/hour"))
        return self._open_capped_base

    def open_link(self, code: str, body, base: str | None = None) -> requests.Response:
        return self.session.post(f"{base or self.base}/api/invites/{code}/open/", json=body, timeout=30)

    def database_down_base(self) -> str:
        """A second server whose database is unreachable (started once, when first needed)."""
        if self._database_down_base is None:
            nowhere = f"postgres://postgres@127.0.0.1:{free_port()}/nowhere"
            self._database_down_base = self.exits.enter_context(gunicorn(DATABASE_URL=nowhere))
        return self._database_down_base


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10000:04d}"


def until_status(status: int, call: Callable[[], requests.Response], tries: int = 10) -> requests.Response:
    for _ in range(tries):
        response = call()
        if response.status_code == status:
            return response
    return response


def verify_locked(api: Api) -> requests.Response:
    phone = new_phone()
    code = api.code_for(phone)
    return until_status(429, lambda: api.call(VERIFY, {"phone": phone, "token": wrong(code)}))


def verify_malformed_code_uses_no_try(api: Api) -> requests.Response:
    phone = new_phone()
    api.code_for(phone)
    response = api.call(VERIFY, {"phone": phone, "token": "<code>"})
    assert OtpCode.objects.get(phone=phone).attempts == 0, "a malformed code used up a try"
    return response


def verify_with_a_replaced_challenge(api: Api) -> requests.Response:
    phone = new_phone()
    old = api.call(LOGIN, {"phone": phone}).json()["challenge"]
    OtpCode.objects.filter(phone=phone).update(created_at=F("created_at") - timedelta(minutes=2))
    code = api.code_for(phone)
    response = api.call(VERIFY, {"phone": phone, "token": code, "challenge": old})
    assert OtpCode.objects.get(phone=phone, is_active=True).attempts == 0, "a replaced challenge used up a try"
    return response


def resend_too_soon(api: Api) -> requests.Response:
    phone = new_phone()
    api.code_for(phone)
    return api.call(LOGIN, {"phone": phone})


def login_to_a_blocked_prefix(api: Api) -> requests.Response:
    SmsBlock.objects.create(kind=SmsBlock.Kind.PREFIX, value="+7925123", conversion=0.02, sends=50)
    response = api.call(LOGIN, {"phone": "+79251234567"})
    assert not OtpCode.objects.filter(phone="+79251234567").exists(), "a blocked prefix got a code"
    return response


def login_past_the_budget(api: Api) -> requests.Response:
    phone = new_phone()
    response = requests.post(api.no_budget_base() + "/api/login/", json={"phone": phone}, timeout=60)
    assert not OtpCode.objects.filter(phone=phone).exists(), "a code was made past the budget"
    return response


def risky_login(api: Api) -> requests.Response:
    first = requests.post(api.wary_base() + "/api/login/", json={"phone": "+79265550001"}, timeout=60)
    assert first.status_code == 200, first.text
    response = requests.post(api.wary_base() + "/api/login/", json={"phone": "+79265550002"}, timeout=60)
    assert not OtpCode.objects.filter(phone="+79265550002").exists(), "a risky login without proof of work got a code"
    return response


def revoked_refresh(api: Api, endpoint: str) -> requests.Response:
    refresh = api.sign_in()["refresh"]
    assert api.call(LOGOUT, {"refresh": refresh}).status_code == 204
    return api.call(endpoint, {"refresh": refresh})


def access_after_logout(api: Api) -> requests.Response:
    tokens = api.sign_in()
    assert api.call(LOGOUT, {"refresh": tokens["refresh"]}).status_code == 204
    return api.call(PROFILE, access=tokens["access"])


def expired_refresh(api: Api, endpoint: str) -> requests.Response:
    now = int(time.time())
    claims = {"token_type": "refresh", "exp": now - 60, "iat": now - 120, "jti": uuid.uuid4().hex, "user_id": "1"}
    return api.call(endpoint, {"refresh": jwt.encode(claims, JWT_SIGNING_KEY, algorithm="HS256")})


def activation_cycle(api: Api) -> requests.Response:
    inviter, invited = api.sign_in(), api.sign_in()
    assert api.call(ACTIVATE, {"foreign_invite_code": api.invite_code(inviter)}, access=invited["access"]).ok
    return api.call(ACTIVATE, {"foreign_invite_code": api.invite_code(invited)}, access=inviter["access"])


def second_activation(api: Api) -> requests.Response:
    first, second, user = api.sign_in(), api.sign_in(), api.sign_in()
    assert api.call(ACTIVATE, {"foreign_invite_code": api.invite_code(first)}, access=user["access"]).ok
    return api.call(ACTIVATE, {"foreign_invite_code": api.invite_code(second)}, access=user["access"])


def opens_capped(api: Api) -> requests.Response:
    # The address's count is shared with the other servers' opens (one database): the cap of 1 may be spent already.
    code = api.invite_code(api.sign_in())
    capped = api.open_capped_base()
    response = until_status(429, lambda: api.open_link(code, {"visitor": str(uuid.uuid4())}, base=capped), tries=3)
    assert InviteOpen.objects.filter(inviter__invite_code=code).count() <= 1, "an open past the cap was counted"
    return response


def activations_locked(api: Api) -> requests.Response:
    access = api.sign_in()["access"]
    return until_status(429, lambda: api.call(ACTIVATE, {"foreign_invite_code": "ZZZZZZ"}, access=access))


NO_CREDENTIALS = "Authentication credentials were not provided."
REQUIRED = "This field is required."

CASES: dict[tuple[str, int, str], Callable[[Api], requests.Response]] = {
    (LOGIN, 400, "Enter a valid mobile phone number, e.g. +7 916 123-45-67."): lambda api: api.call(
        LOGIN, {"phone": "abc"}
    ),
    (LOGIN, 400, "This number can't receive SMS. Enter a mobile phone number."): lambda api: api.call(
        LOGIN,
        {"phone": "+7 495 123-45-67"},  # a Moscow landline
    ),
    (LOGIN, 400, "Send this value as a JSON string."): lambda api: api.call(LOGIN, {"phone": 79161234567}),
    (LOGIN, 400, REQUIRED): lambda api: api.call(LOGIN, {}),
    (LOGIN, 400, "This field may not be null."): lambda api: api.call(LOGIN, {"phone": None}),
    (LOGIN, 429, "A code was sent recently. Wait before asking for a new one."): resend_too_soon,
    (LOGIN, 400, "SMS sign-in isn't available for this country."): lambda api: api.call(
        LOGIN, {"phone": "+881631234567"}
    ),
    (LOGIN, 503, "The code could not be sent by SMS right now. Try again shortly."): lambda api: requests.post(
        api.sms_down_base() + "/api/login/", json={"phone": new_phone()}, timeout=60
    ),
    (LOGIN, 429, "SMS sign-in is paused for numbers like this one. Try again later."): login_to_a_blocked_prefix,
    (LOGIN, 503, "Too many sign-in codes are being sent right now. Try again later."): login_past_the_budget,
    (LOGIN, 428, "Solve the proof-of-work challenge and send the request again."): risky_login,
    (VERIFY, 400, "Invalid or expired code."): lambda api: api.call(
        VERIFY, {"phone": (phone := new_phone()), "token": wrong(api.code_for(phone))}
    ),
    (VERIFY, 400, "A newer code was sent to this phone. Ask for a new code."): verify_with_a_replaced_challenge,
    (VERIFY, 400, "Enter the code from the SMS: 4 digits, or 8 if the SMS has 8."): verify_malformed_code_uses_no_try,
    (VERIFY, 400, REQUIRED): lambda api: api.call(VERIFY, {"phone": new_phone()}),
    (VERIFY, 429, "Too many wrong codes for this phone. Try again later."): verify_locked,
    **{
        case: check
        for endpoint in (REFRESH, LOGOUT)
        for case, check in {
            (endpoint, 401, "Token is blacklisted"): lambda api, e=endpoint: revoked_refresh(api, e),
            (endpoint, 401, "Token is expired"): lambda api, e=endpoint: expired_refresh(api, e),
            # The README's own placeholder, sent as is.
            (endpoint, 401, "Token is invalid"): lambda api, e=endpoint: api.call(e, {"refresh": "eyJ…"}),
            (endpoint, 401, "Token has wrong type"): lambda api, e=endpoint: api.call(
                e, {"refresh": api.sign_in()["access"]}
            ),
            (endpoint, 400, REQUIRED): lambda api, e=endpoint: api.call(e, {}),
        }.items()
    },
    (PROFILE, 401, NO_CREDENTIALS): lambda api: api.call(PROFILE),
    (PROFILE, 401, "Given token not valid for any token type"): lambda api: api.call(PROFILE, access="eyJ.forged"),
    (PROFILE, 401, "Token is blacklisted"): access_after_logout,
    (ACTIVATE, 400, "Invite code not found."): lambda api: api.call(
        ACTIVATE, {"foreign_invite_code": "ZZZZZZ"}, access=api.sign_in()["access"]
    ),
    (ACTIVATE, 400, "You can't activate your own invite code."): lambda api: api.call(
        ACTIVATE, {"foreign_invite_code": api.invite_code(user := api.sign_in())}, access=user["access"]
    ),
    (ACTIVATE, 400, "This code belongs to someone who joined through your invitation."): activation_cycle,
    (ACTIVATE, 409, "You have already activated an invite code."): second_activation,
    (ACTIVATE, 429, "Too many failed invite code attempts. Try again later."): activations_locked,
    (ACTIVATE, 401, NO_CREDENTIALS): lambda api: api.call(ACTIVATE, {"foreign_invite_code": "AB12CD"}),
    (REFERRALS, 404, "Invalid cursor"): lambda api: api.call(
        REFERRALS, access=api.sign_in()["access"], query="?cursor=zzz"
    ),
    (REFERRALS, 401, NO_CREDENTIALS): lambda api: api.call(REFERRALS),
    (STATS, 401, NO_CREDENTIALS): lambda api: api.call(STATS),
    (OPEN, 404, "Invite code not found."): lambda api: api.open_link("ZZZZZZ", {"visitor": str(uuid.uuid4())}),
    (OPEN, 400, "Send this browser's id: a UUID, e.g. 3f2b8c1e-9a4d-4e7f-8b6a-2c1d0e9f7a5b."): lambda api: (
        api.open_link(api.invite_code(api.sign_in()), {"visitor": "browser-1"})
    ),
    (OPEN, 400, REQUIRED): lambda api: api.open_link(api.invite_code(api.sign_in()), {}),
    (OPEN, 429, "Too many requests from this address. Try again later."): opens_capped,
    (HEALTH, 503, "unavailable"): lambda api: requests.get(api.database_down_base() + "/api/health/", timeout=30),
}


def documented_errors() -> list[Row]:
    return [row for section in api_sections() for row in section.rows if not 200 <= row.status < 300]


def test_every_documented_error_has_a_check():
    rows = documented_errors()
    keys = [row.key for row in rows]
    assert len(keys) == len(set(keys)), "two README rows with the same endpoint, status and message"
    undocumented = sorted(set(CASES) - set(keys))
    unchecked = sorted(set(keys) - set(CASES))
    assert not unchecked, f"README rows without a case in CASES (add one that produces them): {unchecked}"
    assert not undocumented, f"CASES for answers the README no longer documents: {undocumented}"


def test_every_documented_error_is_what_the_api_answers():
    failures = []
    with ExitStack() as exits, gunicorn(**SERVER_ENV) as base:
        api = Api(base, exits)
        for row in documented_errors():
            response = CASES[row.key](api)
            body = response.json() if response.content else None
            try:
                assert_matches(row, response.status_code, body, f"case {row.key}")
            except AssertionError as exc:
                failures.append(str(exc))
    assert not failures, "\n\n".join(failures)


def test_every_endpoint_has_a_readme_section_with_an_example():
    sections = {section.endpoint: section for section in api_sections()}
    schema = yaml.safe_load(OPENAPI.read_text())
    operations = {f"{method.upper()} {path}" for path, item in schema["paths"].items() for method in item}
    assert set(sections) == operations, "README's API sections and the OpenAPI operations differ"
    summary = set(re.findall(r"^\| (GET|POST|PATCH|PUT|DELETE) \| `(/api/[^`]*)` \|", api_text(), flags=re.M))
    assert {f"{method} {path}" for method, path in summary} == operations, "README's endpoint table is incomplete"
    for endpoint, section in sections.items():
        assert section.commands, f"{endpoint} has no curl example"
        assert section.success, f"{endpoint} documents no 2xx answer"
