"""The writer's lock: one long writer (fetch, harvest, import, and a follow that fetches)
at a time per store.

A file beside the store, `<db>.fetch-lock`; its name is kept from radar's first versions so a
new radar still excludes a running old one. The OS drops the lock when its process dies, so
a run killed with -9 never blocks the next one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from radar.errors import LockedError

if TYPE_CHECKING:
    from filelock import FileLock

LOCK_SUFFIX = ".fetch-lock"


def _writer_lock(db_path: Path) -> FileLock:
    """The lock beside the store that fetch, harvest and import write through."""
    from filelock import FileLock

    return FileLock(str(db_path) + LOCK_SUFFIX)


@contextmanager
def writer_lock(db_path: Path, wait: float) -> Iterator[None]:
    """One fetch at a time per database. The OS drops the lock when its process dies,
    so a run killed with -9 never blocks the next one."""
    from filelock import Timeout

    lock = _writer_lock(db_path)
    try:
        lock.acquire(timeout=wait)
    except Timeout:
        raise LockedError(
            f"another radar fetch, harvest or import is writing to {db_path}; this one stopped after waiting {wait:g} s"
        ) from None
    try:
        yield
    finally:
        lock.release()


def writer_running(db_path: Path) -> bool:
    """Whether another radar run holds this store's write lock now (asked without waiting).
    A lock that cannot be asked at all, in a folder radar may not write, counts as free."""
    from filelock import Timeout

    lock = _writer_lock(db_path)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        return True
    except OSError:
        return False
    lock.release()
    return False
