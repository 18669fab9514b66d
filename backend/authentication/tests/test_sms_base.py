"""What every HTTP provider backend shares: a blocking send that yields to other greenlets under gevent."""

import subprocess
import sys
import textwrap
from pathlib import Path

BACKEND_DIR = Path(__file__).resolve().parents[2]

# Run in a fresh interpreter: monkey-patching must come first and must not leak into the test process.
GEVENT_SCRIPT = textwrap.dedent(
    """
    from gevent import monkey

    monkey.patch_all()

    import os
    import time

    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings_test"
    import django

    django.setup()

    import gevent
    from django.conf import settings
    from gevent.pywsgi import WSGIServer

    from authentication.sms.twilio import TwilioSmsBackend


    def slow_twilio(environ, start_response):
        time.sleep(0.5)  # patched: only this greenlet waits
        start_response("201 Created", [("Content-Type", "application/json")])
        return [b'{"sid": "SM1", "status": "queued"}']


    server = WSGIServer(("127.0.0.1", 0), slow_twilio, log=None)
    server.start()
    settings.TWILIO_API_URL = f"http://127.0.0.1:{server.server_port}"
    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN, settings.TWILIO_FROM = "AC1", "token", "+15005550006"
    started = time.monotonic()
    sends = [gevent.spawn(TwilioSmsBackend().send, phone="+79161234567", text="code 0421") for _ in range(5)]
    gevent.joinall(sends, raise_error=True)
    print(round(time.monotonic() - started, 2), [send.value for send in sends])
    """
)


def test_http_backends_wait_for_the_provider_cooperatively_under_gevent():
    # Five sends to a provider that takes 0.5 s each: one after the other would take 2.5 s.
    result = subprocess.run(
        [sys.executable, "-c", GEVENT_SCRIPT], cwd=BACKEND_DIR, capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 0, result.stderr
    elapsed, ids = result.stdout.split(" ", 1)
    assert ids.strip() == str(["SM1"] * 5)
    assert float(elapsed) < 1.5
