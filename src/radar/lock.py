"""The writer's lock: one long writer (fetch, harvest, import, and a follow that fetches)
at a time per store.

A file beside the store, `<db>.fetch-lock`; its name is kept from radar's first versions so a
new radar still excludes a running old one. The OS drops the lock when its process dies, so
a run killed with -9 never blocks the next one.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
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
    holder = _holder_path(db_path)
    try:
        # Who holds it, for the message of a small writer that waited in vain.
        holder.write_text(json.dumps({"pid": os.getpid(), "command": _command(), "since": _now()}))
    except OSError:
        pass
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            holder.unlink()
        lock.release()


def _holder_path(db_path: Path) -> Path:
    return Path(str(db_path) + LOCK_SUFFIX + ".holder")


def _command() -> str:
    args = [Path(sys.argv[0]).name if sys.argv else "radar", *sys.argv[1:]]
    return " ".join(args)[:200]


def _now() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def holder(db_path: Path) -> str | None:
    """The run holding the writer's lock, in words (`radar import big.jsonl, pid 123, since
    ...`), or None when no live run holds it."""
    try:
        found = json.loads(_holder_path(db_path).read_text())
        pid = int(found["pid"])
        os.kill(pid, 0)  # still alive?
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return f"{found.get('command', 'radar')} (pid {pid}, since {found.get('since', '?')})"


def busy_message(db_path: Path) -> str:
    """What to tell someone whose write waited out the busy timeout."""
    who = holder(db_path)
    running = f": {who} is writing to it" if who else ": another program is writing to it"
    return f"the store {db_path} stayed busy{running}; try again when it has finished"


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
