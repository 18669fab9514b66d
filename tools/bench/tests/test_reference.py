"""The bench's reference (a plain sync-worker Django/DRF profile endpoint) serves what ours serves, and the ratio
table reads the runs it is given."""

import os
import socket

import dj_database_url
import httpx
import psycopg2
import pytest
from run import Reference, database_url_for, free_port, ratios_table


@pytest.fixture
def reference(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/referral"))
    database_url = database_url_for("referral_bench_reference_test")
    server = Reference(port=free_port(), database_url=database_url, out=tmp_path)
    yield server
    server.stop()
    cfg = dj_database_url.parse(database_url)
    admin = psycopg2.connect(dbname="postgres", user=cfg["USER"] or None, host=cfg["HOST"] or None, port=cfg["PORT"])
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{cfg["NAME"]}"')
    admin.close()


def test_reference_answers_a_profile_to_its_token_and_refuses_without(reference):
    token = reference.start()
    base = f"http://127.0.0.1:{reference.port}/api/profile/"

    signed_in = httpx.get(base, headers={"Authorization": f"Bearer {token}"})
    anonymous = httpx.get(base)

    assert signed_in.status_code == 200
    assert signed_in.json() == {
        "phone": "+79160000001",
        "invite_code": "AAAAAA",
        "foreign_invite_code": None,
        "activated_your_code": ["+79160000002"],
    }
    assert anonymous.status_code == 401


def _run(rps, p50, p99, foreign=0.5, errors=0):
    return {"rps": rps, "p50_ms": p50, "p99_ms": p99, "foreign_cpu": foreign, "errors": errors}


def test_ratios_table_divides_the_profile_by_each_reference_from_the_same_run():
    runs = {
        "profile": [_run(1000, 50, 90), _run(1200, 40, 70)],
        "health": [_run(1100, 45, 80), _run(1100, 45, 80)],
        "static": [_run(22000, 2, 5), _run(22000, 2, 5)],
        "reference": [_run(275, 200, 400, foreign=3.0), _run(275, 200, 400)],
    }
    table = ratios_table(runs).splitlines()
    assert table[2].startswith("| GET /api/profile/ (ours, the stack) | 1,100 | 45.0 | 80.0 | 1.8 | 0.5% | 1 |")
    assert table[3].endswith("| 1.00 |")
    assert table[4].endswith("| 0.05 |")
    assert table[5].endswith("| 3.0% | 4.00 |")


def test_reference_refuses_to_start_where_something_else_answers(reference):
    with socket.socket() as other:
        other.bind(("127.0.0.1", reference.port))
        other.listen()
        with pytest.raises(RuntimeError, match="did not start"):
            reference.start()
