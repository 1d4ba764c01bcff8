"""Parsing in worker processes while this process writes to the store.

SQLite takes one writer, so radar's parallelism is parsing: workers turn raw responses
and snapshot lines into rows ready for the store (store.Prepared) while the writer stores
the previous batch. Jobs are module-level functions (here, or the importer's), sent to
the workers by name.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ProcessPoolExecutor

# Imported here, not in the jobs: a worker imports this module as it starts, so it is
# ready to parse by the time the first job arrives.
from radar.sources.arxiv_api import ApiPage, parse_api_response
from radar.store import Prepared, prepare, usable_cores

MAX_WORKERS = 16


def worker_count() -> int:
    """Processes that parse while this one writes: one fewer than the cores (at most four:
    one writer cannot keep more busy). On one core, none: parse in this process."""
    return max(0, min(4, usable_cores() - 1))


def _worker_init(parent: int) -> None:
    import atexit
    import signal
    import threading

    # Ctrl-C is the writer's to handle; workers just stop with the pool.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
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
    connection into them. Shut it down with `pool.shutdown(cancel_futures=True)`."""
    import multiprocessing

    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_worker_init,
        initargs=(os.getpid(),),
    )


def kill_workers() -> None:
    """Kill the parsing workers outright: a worker that hangs (stopped, stuck) would make
    the pool's shutdown wait for it forever. radar starts no other child processes."""
    import multiprocessing

    for child in multiprocessing.active_children():
        child.kill()


def prepare_api_page(content: bytes, source: str) -> ApiPage[Prepared]:
    """An arXiv API response as rows ready for the store: parsed, checked and prepared,
    so the writer only writes. Raises what parse_api_response raises."""
    page = parse_api_response(content, source)
    prepared: ApiPage[Prepared] = ApiPage(
        page.total_results,
        page.start_index,
        page.items_per_page,
        [prepare(p) for p in page.papers],
        page.skipped,
    )
    return prepared
