"""common/hashers.py: PBKDF2 computed on a bounded thread pool under gevent, compatible with Django's own."""

import json
import subprocess
import sys
import textwrap

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from common.hashers import ThreadPoolPBKDF2PasswordHasher
from common.tests.helpers import BACKEND_DIR
from common.tests.helpers import _test_database_url as database_url_of_the_tests
from config import settings as production_settings


def test_production_hashes_passwords_with_the_pool_hasher_first():
    assert production_settings.PASSWORD_HASHERS[0] == "common.hashers.ThreadPoolPBKDF2PasswordHasher"
    assert "django.contrib.auth.hashers.PBKDF2PasswordHasher" in production_settings.PASSWORD_HASHERS


def test_pool_hasher_hashes_verify_with_djangos_stock_hasher_and_back():
    pool, stock = ThreadPoolPBKDF2PasswordHasher(), PBKDF2PasswordHasher()
    ours = pool.encode("correct horse", pool.salt(), iterations=1000)
    theirs = stock.encode("correct horse", stock.salt(), iterations=1000)
    assert ours.startswith("pbkdf2_sha256$1000$") and theirs.startswith("pbkdf2_sha256$1000$")
    assert stock.verify("correct horse", ours) and not stock.verify("wrong", ours)
    assert pool.verify("correct horse", theirs) and not pool.verify("wrong", theirs)
    # The same password and salt give the same hash: only where it is computed differs.
    assert pool.encode("pw", "saltsaltsalt", 1000) == stock.encode("pw", "saltsaltsalt", 1000)


# Run in a fresh interpreter: gevent's monkey patching must come before anything else is imported.
GEVENT_PROBE = textwrap.dedent(
    """
    from gevent import monkey

    monkey.patch_all()

    import json, os, time

    import django, gevent

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
    django.setup()
    import django.contrib.auth.hashers as django_hashers
    from django.conf import settings
    from django.db import connection

    from common.hashers import ThreadPoolPBKDF2PasswordHasher

    ITERATIONS = 1_500_000  # ~0.5 s a hash: far above the loop's scheduling noise on a busy machine

    started = time.perf_counter()
    django_hashers.PBKDF2PasswordHasher().encode("pw", "saltsaltsalt", ITERATIONS)  # how long the loop would stop
    inline_hash = time.perf_counter() - started
    real_get_ident = monkey.get_original("_thread", "get_ident")
    hash_threads = set()
    real_pbkdf2 = django_hashers.pbkdf2

    def recording_pbkdf2(*args, **kwargs):
        hash_threads.add(real_get_ident())
        return real_pbkdf2(*args, **kwargs)

    django_hashers.pbkdf2 = recording_pbkdf2
    hasher = ThreadPoolPBKDF2PasswordHasher()
    encoded = hasher.encode("pw", hasher.salt(), ITERATIONS)  # warm-up, and a hash to verify below

    def verify_holding_a_connection():
        connection.ensure_connection()
        hasher.verify("pw", encoded)
        return connection.connection is None

    released = gevent.spawn(verify_holding_a_connection).get()

    gaps, done = [], False

    def ticker():
        last = time.perf_counter()
        while not done:
            gevent.sleep(0.005)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    tick = gevent.spawn(ticker)
    gevent.sleep(0.05)
    started = time.perf_counter()
    jobs = [gevent.spawn(hasher.verify, "pw" if i % 2 else "wrong", encoded) for i in range(6)]
    gevent.joinall(jobs)
    elapsed = time.perf_counter() - started
    done = True
    tick.join()
    print(json.dumps({
        "main": real_get_ident(),
        "hash_threads": sorted(hash_threads),
        "verified": [job.value for job in jobs],
        "max_gap": max(gaps),
        "inline_hash": inline_hash,
        "elapsed": elapsed,
        "pool_size": settings.PASSWORD_HASH_THREADS,
        "released_connection": released,
    }))
    """
)


@pytest.mark.django_db
def test_under_gevent_hashes_run_on_a_bounded_pool_while_the_event_loop_keeps_running():
    result = subprocess.run(
        [sys.executable, "-c", GEVENT_PROBE],
        cwd=BACKEND_DIR,
        env={"PASSWORD_HASH_THREADS": "2", "PATH": "/usr/bin:/bin", "DATABASE_URL": database_url_of_the_tests()},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe["verified"] == [False, True] * 3
    # Never on the event loop's thread, and on no more threads than the pool allows.
    assert probe["main"] not in probe["hash_threads"]
    assert 1 <= len(probe["hash_threads"]) <= probe["pool_size"] == 2
    # Six hashes ran, and the loop never stopped for even half as long as one of them takes on it (measured in the
    # same run, so a busy machine slows both).
    assert probe["elapsed"] > probe["inline_hash"]
    assert probe["max_gap"] < probe["inline_hash"] / 2, probe
    # A sign-in waiting for a hashing thread holds no pooled database connection meanwhile.
    assert probe["released_connection"] is True
