"""One Policy shared by several Python threads: each call gets its own evaluator, the GIL is
released while the runtime works, and every thread gets exactly the single-threaded answer."""

from __future__ import annotations

import json
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import dexp
from conftest import ROOT


def test_threads_share_a_policy(defender: dexp.Policy) -> None:
    data = (ROOT / "tests" / "golden" / "corpus-tenants.ndjson").read_bytes()
    records = []
    for line in data.splitlines():
        try:
            records.append(json.loads(line))
        except ValueError:
            pass  # the corpus's lines that are not JSON are for evaluate_ndjson
    expected_ndjson = defender.evaluate_ndjson(data)
    expected_dicts = defender.evaluate(records)

    def work(i: int) -> bool:
        if i % 2:
            return defender.evaluate_ndjson(data) == expected_ndjson
        return defender.evaluate(records) == expected_dicts

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert all(pool.map(work, range(16)))


def test_the_gil_is_released_while_evaluating(defender: dexp.Policy) -> None:
    # With a switch interval of an hour the interpreter never takes the GIL from a running
    # thread, so the other thread can run before the call returns only if the call itself
    # releases the GIL while the runtime works.
    data = (ROOT / "tests" / "golden" / "corpus-tenants.ndjson").read_bytes() * 4
    may_run = threading.Event()
    ran = threading.Event()

    def other() -> None:
        may_run.wait()
        ran.set()

    thread = threading.Thread(target=other)
    thread.start()
    interval = sys.getswitchinterval()
    sys.setswitchinterval(3600)
    try:
        may_run.set()
        defender.evaluate_ndjson(data)
        ran_during_call = ran.is_set()
    finally:
        sys.setswitchinterval(interval)
        thread.join()
    assert ran_during_call
