"""The pages really work under the Content Security Policy: real Chromium, console read for violations."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(autouse=True)
def _chromium():
    if CHROMIUM is None:
        pytest.fail("Chromium is not installed: make system-deps (apt-get install chromium)")


# drf-spectacular's ReDoc page links Google Fonts; the policy keeps the docs self-hosted and blocks it.
GOOGLE_FONTS = "fonts.googleapis.com"


def load(url: str) -> tuple[str, list[str], list[str]]:
    """The rendered DOM of a page, the console messages Chromium logged while loading it, and the URLs
    the page requested (from Chromium's net log)."""
    with tempfile.TemporaryDirectory() as profile:
        net_log = Path(profile) / "net-log.json"
        result = subprocess.run(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={profile}",
                f"--log-net-log={net_log}",
                "--enable-logging=stderr",
                "--v=0",
                "--virtual-time-budget=10000",
                "--dump-dom",
                url,
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
        requested = page_requests(net_log)
    console = [line for line in result.stderr.splitlines() if ":CONSOLE" in line]
    return result.stdout, console, requested


def page_requests(net_log: Path) -> list[str]:
    """The URLs a page asked for. The browser's own traffic (update checks, accounts) has no origin as its
    initiator; what the page loads names the page's origin. Requests the CSP blocked never start."""
    log = json.loads(net_log.read_text())
    start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    return [
        event["params"]["url"]
        for event in log["events"]
        if event["type"] == start_job and "://" in event.get("params", {}).get("initiator", "")
    ]


def csp_violations(console: list[str]) -> list[str]:
    return [line for line in console if "Content Security Policy" in line and GOOGLE_FONTS not in line]


@pytest.mark.parametrize(
    ("path", "rendered"),
    [
        ("/", r'<div id="root"><div'),  # React mounted the app
        ("/profile", r'<div id="root"><div'),
        ("/api/docs/", r'class="opblock-tag'),  # Swagger UI listed the endpoints
        ("/api/redoc/", r"/api/verify/"),  # ReDoc rendered the operations
        ("/admin/login/", r'id="id_username"'),
    ],
)
def test_page_renders_without_csp_violations(stack, path, rendered):
    dom, console, requested = load(stack.url + path)
    assert csp_violations(console) == []
    assert requested, "the net log recorded none of the page's requests"
    assert [url for url in requested if urlsplit(url).netloc != urlsplit(stack.url).netloc] == []
    assert re.search(rendered, dom), f"{path} did not render: {dom[:500]}"


def test_redoc_page_asks_for_no_third_party_fonts(stack):
    _, console, _ = load(stack.url + "/api/redoc/")
    assert not [line for line in console if GOOGLE_FONTS in line]


def test_redoc_loads_its_logo_from_the_page_itself(stack):
    # The stock bundle's footer logo came from cdn.redoc.ly; the CSP now blocks any such image.
    dom, console, requested = load(stack.url + "/api/redoc/")
    assert [line for line in console if "Content Security Policy" in line or "cdn.redoc.ly" in line] == []
    assert re.search(r'<img alt="redocly logo" src="data:image/svg\+xml,', dom), "the footer logo is missing"
    assert stack.url + "/api/redoc/redoc.standalone.js" in requested
