"""Parsing in worker processes while this process writes to the store.

SQLite takes one writer, so radar's parallelism is parsing: workers turn raw responses
and snapshot lines into rows ready for the store (store.Prepared) while the writer stores
the previous batch. The jobs live here, as module-level functions, sent to the workers by
name; so does the policy of when a page is worth a worker and how long one may take.

Importing this module is cheap (the fetch and the importer take their constants from it);
a worker imports the parsers as it starts (_worker_init), before its first job arrives.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, ParamSpec, TypeVar

from radar.interrupts import deferred
from radar.store import Prepared, prepare, usable_cores

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor
    from multiprocessing.process import BaseProcess

    from radar.sources.arxiv_api import ApiPage

MAX_WORKERS = 16
# A response this big (about 400 papers) is parsed in a worker process while this one
# stores the page before; smaller ones are parsed here, without starting a process.
WORKER_BYTES = 1_000_000
# A page parses in a fraction of a second; a worker this late is stuck, and the page is
# parsed here instead.
PARSE_TIMEOUT_S = 120.0
# How long a killed pool gets to be gone: a killed process dies at once, and the pool's
# own thread then has nothing left to wait for.
_GONE_WITHIN_S = 5.0

P = ParamSpec("P")
R = TypeVar("R")


def worker_count() -> int:
    """Processes that parse while this one writes: one fewer than the cores (at most four:
    one writer cannot keep more busy). On one core, none: parse in this process."""
    return max(0, min(4, usable_cores() - 1))


def _worker_init(parent: int) -> None:
    import atexit
    import threading

    # Imported now, not in the first job: the worker is ready to parse by the time the
    # first job arrives.
    import radar.sources.arxiv_api
    import radar.sources.arxiv_snapshot  # noqa: F401

    # Ctrl-C is the writer's to handle; workers just stop with the pool. SIGINT has been
    # blocked since the process started (submit): one that came meanwhile is pending,
    # and ignoring it discards it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # SIGTERM, blocked as well while the process started, ends a worker as it always has.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})
    # A worker leaves nothing to flush or close, and a normal interpreter exit frees its
    # name caches object by object: 0.15 s at the end of a backfill, which the writer
    # waits for when it shuts the pool down.
    atexit.register(os._exit, 0)

    def exit_with_parent() -> None:
        # A writer killed with -9 cannot shut the pool down, and a worker blocked on its
        # queue would wait forever: leave when the parent is gone.
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=exit_with_parent, daemon=True).start()


def start_pool(workers: int) -> ProcessPoolExecutor:
    """Worker processes, started fresh (spawn): a fork would copy an open SQLite
    connection into them. Give them jobs with `submit` and shut the pool down with
    `stop_pool`."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_worker_init,
        initargs=(os.getpid(),),
    )


def submit(pool: ProcessPoolExecutor, job: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> Future[R]:
    """pool.submit, which starts a worker when the pool needs one, made safe for Ctrl-C.

    Whole or not at all (interrupts.deferred): a Ctrl-C between a worker's start and the
    pool's record of it would leave a worker no one stops, waiting on its queue for
    ever, and the interpreter waiting for it at exit.

    With SIGINT blocked: a terminal sends Ctrl-C to the whole process group, and a
    worker still starting (the interpreter, the main module imported again, the
    parsers) would die of it with a traceback of its own under radar's message. A new
    process inherits the block and keeps it until _worker_init ignores the signal. This
    process still gets its SIGINT: another thread takes it, or it waits until the block
    is lifted here."""
    from multiprocessing import resource_tracker

    # Running before the block: starting it lifts blocks on SIGINT when it is done.
    resource_tracker.ensure_running()
    with deferred():
        before = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        try:
            return pool.submit(job, *args, **kwargs)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, before)


def stop_pool(pool: ProcessPoolExecutor, kill: bool = False) -> None:
    """Shut the pool down and leave no worker behind.

    Normally the workers finish the jobs they have begun (a fraction of a second each)
    and the rest are cancelled. With `kill` (a worker is stuck: stopped, or looping), or
    when the pool is already broken (a worker died), the workers are killed and nothing
    waits for them: `shutdown(wait=True)` would wait for a stuck worker forever. So
    are they when the wait is interrupted (a Ctrl-C)."""
    if not kill and not getattr(pool, "_broken", False):
        try:
            pool.shutdown(wait=True, cancel_futures=True)
            return
        except BaseException:
            _kill(pool)
            raise
    _kill(pool)


def _kill(pool: ProcessPoolExecutor) -> None:
    # What shutdown lets go of, taken first. ProcessPoolExecutor has no public way to
    # reach its processes before Python 3.14 (kill_workers); these attributes are the
    # same from 3.9 to 3.14.
    processes = list((getattr(pool, "_processes", None) or {}).values())
    manager = getattr(pool, "_executor_manager_thread", None)
    call_queue = getattr(pool, "_call_queue", None)
    result_queue = getattr(pool, "_result_queue", None)
    for process in processes:
        with contextlib.suppress(OSError, ValueError):  # already gone
            process.kill()  # SIGKILL: a stopped process dies of it too
    pool.shutdown(wait=False, cancel_futures=True)
    _wait_gone(processes)
    if manager is None:
        return
    # The pool's own thread sees the workers die, fails their jobs and cleans up. Before
    # Python 3.11.5 (Debian 12 has 3.11.2) it can wait forever for the thread that was
    # writing a job into the dead worker's pipe (CPython gh-94777), and the interpreter
    # waits for it at exit; likewise for a result a worker was killed in the middle of
    # sending. Closing this process's own ends of those pipes makes both fail at once.
    manager.join(1.0)
    if manager.is_alive():
        for end in (getattr(call_queue, "_reader", None), getattr(result_queue, "_writer", None)):
            if end is not None:
                with contextlib.suppress(OSError):
                    end.close()
        manager.join(_GONE_WITHIN_S)


def _wait_gone(processes: list[BaseProcess]) -> None:
    """Until every process has died (its sentinel fires), for a few seconds at most. The
    pool's thread reaps them: a second reaper would confuse it."""
    from multiprocessing.connection import wait

    sentinels: list[int] = []
    for process in processes:
        with contextlib.suppress(ValueError):  # closed: long gone
            sentinels.append(process.sentinel)
    deadline = time.monotonic() + _GONE_WITHIN_S
    while sentinels and (left := deadline - time.monotonic()) > 0:
        for ready in wait(sentinels, timeout=left):
            sentinels.remove(ready)  # type: ignore[arg-type]


def prepare_api_page(content: bytes, source: str) -> ApiPage[Prepared]:
    """An arXiv API response as rows ready for the store: parsed, checked and prepared,
    so the writer only writes. Raises what parse_api_response raises."""
    from radar.sources.arxiv_api import ApiPage, parse_api_response

    page = parse_api_response(content, source)
    prepared: ApiPage[Prepared] = ApiPage(
        page.total_results,
        page.start_index,
        page.items_per_page,
        [prepare(p) for p in page.papers],
        page.skipped,
    )
    return prepared


def prepare_lines(first_line: int, lines: list[bytes]) -> tuple[list[Prepared], list[str]]:
    """Parse a batch of snapshot lines into rows: (papers, bad lines)."""
    from radar.sources.arxiv_snapshot import BadLine, parse_line

    prepared: list[Prepared] = []
    bad: list[str] = []
    for number, line in enumerate(lines, start=first_line):
        if not line.strip():
            continue
        try:
            prepared.append(prepare(parse_line(line).paper))
        except BadLine as exc:
            bad.append(f"line {number}: {exc}")
        except (ValueError, TypeError, OverflowError) as exc:
            # Whatever else one line can hold must not stop the millions after it.
            bad.append(f"line {number}: unusable record ({type(exc).__name__})")
    return prepared, bad
