"""The parsing pool: stopping it never waits for a stuck worker and leaves no process behind,
on every supported Python (Debian 12's 3.11.2 lacks CPython's fix for gh-94777)."""

from __future__ import annotations

import os
import signal
import threading
import time
from concurrent.futures import BrokenExecutor, ProcessPoolExecutor
from concurrent.futures.process import _ExecutorManagerThread
from pathlib import Path

import pytest
from conftest import alive

from radar.workers import start_pool, stop_pool

pytestmark = pytest.mark.skipif(not Path("/proc").exists(), reason="reads process states from /proc")

# More than a pipe holds: sending it to a worker that does not read blocks the sender.
BIG = b"x" * 8_000_000


def started(workers: int) -> tuple[ProcessPoolExecutor, list[int]]:
    pool = start_pool(workers)
    for future in [pool.submit(int) for _ in range(workers)]:
        future.result(timeout=60)
    pids = list(pool._processes)  # type: ignore[attr-defined]
    assert len(pids) == workers
    return pool, pids


def stopped_within(seconds: float, pool: ProcessPoolExecutor, kill: bool = False) -> bool:
    stopper = threading.Thread(target=stop_pool, args=(pool,), kwargs={"kill": kill}, daemon=True)
    stopper.start()
    stopper.join(seconds)
    return not stopper.is_alive()


def gone(pids: list[int], within: float = 10.0) -> bool:
    """The workers are dead and the pool's thread has finished: nothing is left for the
    interpreter to wait for at exit."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        managers = [t for t in threading.enumerate() if isinstance(t, _ExecutorManagerThread)]
        if not managers and not any(alive(pid) for pid in pids):
            return True
        time.sleep(0.05)
    return False


def test_a_stopped_worker_with_a_job_on_its_way_is_killed_not_waited_for() -> None:
    pool, pids = started(1)
    try:
        for pid in pids:
            os.kill(pid, signal.SIGSTOP)
        future = pool.submit(len, BIG)
        with pytest.raises(TimeoutError):
            future.result(timeout=0.5)
        # Generous bounds: the point is finishing at all, not how fast.
        assert stopped_within(60, pool, kill=True), "stop_pool waited for the stopped worker"
        assert gone(pids)
        with pytest.raises(BrokenExecutor):
            future.result(timeout=10)
    finally:
        for pid in pids:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


def test_a_worker_that_died_with_a_job_on_its_way_does_not_hold_the_stop() -> None:
    pool, pids = started(2)
    try:
        for pid in pids:
            os.kill(pid, signal.SIGSTOP)
        futures = [pool.submit(len, BIG) for _ in range(3)]
        os.kill(pids[0], signal.SIGKILL)  # as the out-of-memory killer would
        with pytest.raises(BrokenExecutor):
            futures[0].result(timeout=30)
        assert stopped_within(60, pool), "stop_pool waited on a broken pool"
        assert gone(pids)
    finally:
        for pid in pids:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


def test_a_normal_stop_finishes_the_work_and_leaves_nothing_alive() -> None:
    pool, pids = started(2)
    futures = [pool.submit(len, b"x" * n) for n in range(10)]
    assert stopped_within(60, pool)
    assert [f.result(timeout=0) for f in futures if not f.cancelled()] == [
        n for n, f in enumerate(futures) if not f.cancelled()
    ]
    assert gone(pids)
