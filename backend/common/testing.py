"""Helpers for tests that fire real HTTP requests at once from many threads."""

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import requests


def run_at_once(calls: list[Callable[[requests.Session], requests.Response]]) -> list[requests.Response]:
    """Run each call in its own thread with its own HTTP session, released together by a barrier."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        with requests.Session() as session:
            barrier.wait(timeout=30)
            return call(session)

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))
