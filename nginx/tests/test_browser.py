"""The pages really work under the Content Security Policy: real Chromium, console read for violations."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile

import pytest
from conftest import REPO

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)")

# drf-spectacular's ReDoc page links Google Fonts; the policy keeps the docs self-hosted and blocks it.
GOOGLE_FONTS = "fonts.googleapis.com"


def load(url: str) -> tuple[str, list[str]]:
    """The rendered DOM of a page and the console messages Chromium logged while loading it."""
    with tempfile.TemporaryDirectory() as profile:
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
    console = [line for line in result.stderr.splitlines() if ":CONSOLE" in line]
    return result.stdout, console


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
def test_page_renders_without_csp_violations(stack, spa_root, path, rendered):
    if path in ("/", "/profile") and spa_root != REPO / "frontend" / "dist":
        pytest.skip("the SPA is not built (make frontend-build)")
    dom, console = load(stack.url + path)
    assert csp_violations(console) == []
    assert re.search(rendered, dom), f"{path} did not render: {dom[:500]}"


def test_redoc_page_asks_for_no_third_party_fonts(stack):
    _, console = load(stack.url + "/api/redoc/")
    assert not [line for line in console if GOOGLE_FONTS in line]
