"""Opening the one SQLite file safely: pragmas, migrations, transactions that take the
write lock first, and the checkpoint thread that keeps long writers from stalling."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from radar import migrations
from radar.database import Database
from radar.errors import StoreError
from radar.migrations import MIGRATION_SET

BUSY_TIMEOUT_S = 30.0
SQLITE_HEADER = b"SQLite format 3\x00"
PAGE_SIZE = 16384  # bytes, for a new store (open_db)
# A store reads with SQLite's default page cache, 2,000 KiB, and writes at length with
# a larger one. Each page a cache holds for the first time is fresh memory, and the
# page faults of filling 64 MiB cost a fresh process 30 ms on the first read of a
# 1,400-paper history or of a common search term's doclists, where a small cache
# reuses its buffers. A long write keeps its indexes' pages until the commit instead
# of spilling them, and an index build (a migration, the end of a bulk import) sorts
# in that much memory before it uses temporary files.
READ_CACHE_KIB = 2000
WRITE_CACHE_KIB = 65536


def usable_cores() -> int:
    """The cores this process may run on (its affinity, not the machine's count)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


# A sort larger than the cache (an index build, at the end of a bulk import or in a
# migration) sorts and merges its runs on a helper thread too, where a second core is
# there: the surname index of 3 million papers builds in 14 s instead of 21 on two
# cores. More helpers measured no faster, and each holds a sort buffer the size of the
# cache (64 MiB while writing).
SORT_THREADS = 1 if usable_cores() > 1 else 0


def open_db(path: Path, on_upgrade: Callable[[], None] | None = None) -> Database:
    """Open (creating if needed) radar's database and bring its schema up to date.

    WAL lets `radar today` read while a fetch writes; the busy timeout makes a second
    writer wait instead of failing. `on_upgrade` is called before an existing store's
    schema changes: rebuilding an index takes half a minute with millions of papers.
    """
    if path.is_dir():
        raise StoreError(f"{path} is a directory, not a database file")
    existed = path.exists() and path.stat().st_size > 0
    if existed:
        try:
            with path.open("rb") as fh:
                header = fh.read(len(SQLITE_HEADER))
        except OSError as exc:
            raise StoreError(f"cannot read {path}: {exc.strerror}") from None
        if header != SQLITE_HEADER:
            raise StoreError(f"{path} is not a radar database (not an SQLite file)")
    else:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create {path.parent}: {exc.strerror}") from None
    try:
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S)
        db = Database(conn)
        # WAL with synchronous=NORMAL: a crash of radar or of the machine's power never
        # corrupts the file; a power cut can lose the last commit, which the next fetch
        # brings again. Full sync on every commit would halve fetch throughput.
        db.execute("pragma synchronous = normal")
        # As sqlite-utils sets it: a REPLACE's implicit delete fires delete triggers, so
        # the full-text index never keeps a replaced row.
        db.execute("pragma recursive_triggers = on")
        if existed:
            _check_is_radar(db, path)
        else:
            # Fixed when the first table is written. Papers with their abstracts are
            # 1.5 to 2.5 KB; on 16 KB pages a page holds several, and a store writes
            # fewer pages to its B-trees, its full-text index and the WAL (a backfill
            # stores 12% faster than on SQLite's default 4 KB). Existing stores keep
            # their page size.
            db.execute(f"pragma page_size = {PAGE_SIZE}")
        # After the page size: SQLite turns the KiB into pages of the size it knows then.
        db.execute(f"pragma cache_size = -{READ_CACHE_KIB}")
        db.execute(f"pragma threads = {SORT_THREADS}")
        if db.execute("pragma journal_mode").fetchone()[0] != "wal":
            db.execute("pragma journal_mode = wal")
        _migrate(db, on_upgrade if existed else None)
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"cannot open {path}: {exc}") from None
    return db


def _check_is_radar(db: Database, path: Path) -> None:
    tables = set(db.table_names())
    if not tables:
        return
    radar_schema = (
        "_sqlite_migrations" in tables
        and db.execute(
            "select 1 from _sqlite_migrations where migration_set = ? limit 1", [MIGRATION_SET]
        ).fetchone()
    )
    if not radar_schema:
        raise StoreError(f"{path} is an SQLite database, but not radar's")


def _migrate(db: Database, on_upgrade: Callable[[], None] | None) -> None:
    # Nothing to do is the common case: check without taking the write lock.
    if not migrations.pending(db):
        return
    if on_upgrade is not None:
        on_upgrade()
    # BEGIN IMMEDIATE serialises two processes opening a new file at once; the
    # migrations then run inside it as savepoints.
    with write_cache(db):
        db.execute("BEGIN IMMEDIATE")
        try:
            migrations.apply(db)
        except BaseException:
            db.rollback()
            raise
        db.commit()


@contextmanager
def write_cache(db: Database) -> Iterator[None]:
    """The larger page cache, for storing papers, a follow's matching or a migration;
    what the cache was before comes back after (nested, it stays large). A fetch, an
    import or a harvest holds it from start to end, so one batch's pages stay cached for
    the next."""
    before = db.execute("pragma cache_size").fetchone()[0]
    db.execute(f"pragma cache_size = -{WRITE_CACHE_KIB}")
    try:
        yield
    finally:
        db.execute(f"pragma cache_size = {int(before)}")


@contextmanager
def write_transaction(db: Database) -> Iterator[None]:
    """A transaction that takes the write lock first (BEGIN IMMEDIATE); nested, a savepoint.

    A plain BEGIN reads first and asks for the lock at its first write: in WAL mode, if
    another process committed in between, SQLite fails that write at once instead of
    waiting out the busy timeout. Taking the lock up front makes writers queue instead.
    """
    if db.conn.in_transaction:
        with db.atomic():
            yield
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.conn.rollback()
        raise
    db.conn.commit()


# SQLite's own default: a commit that leaves the WAL longer than this many pages copies
# it back into the database file.
WAL_AUTOCHECKPOINT = 1000
# While a thread checkpoints (background_checkpoints), in bytes whatever the page size.
# The WAL keeps growing while pages come back to back (it restarts only when a
# checkpoint has finished before the next transaction begins); at 40 MB the writer
# stalled twice on its own checkpoint in a 20,000-paper backfill, at 100 MB once.
WAL_BACKSTOP_BYTES = 100_000_000
CHECKPOINT_EVERY_S = 0.25


def wal_backstop_pages(db: Database) -> int:
    """WAL_BACKSTOP_BYTES in this store's pages (older stores have smaller ones)."""
    page_size: int = db.execute("pragma page_size").fetchone()[0]
    return WAL_BACKSTOP_BYTES // page_size


@contextmanager
def background_checkpoints(db: Database) -> Iterator[None]:
    """Copy the WAL back into the database file from a thread with its own connection,
    at once and then every CHECKPOINT_EVERY_S, instead of on the writer's commits or at
    close.

    For a fetch that commits page after page: a commit that passes the WAL limit
    checkpoints on the writer's own thread, and the fsyncs that takes stall the writer
    (0.7 s of a 20,000-paper backfill). For a command that wrote and now reads (a
    follow printing its preview): the checkpoint closing the store would otherwise come
    after the reading, not beside it. A PASSIVE checkpoint never blocks the writer or
    readers, and SQLite waits on the disk without holding the interpreter lock, so here
    the disk works while the command goes on.
    The writer keeps a far limit of its own (WAL_BACKSTOP_BYTES) for commits that outrun the
    thread, or a thread stopped by an error. What the last commits leave in the WAL is
    checkpointed by the next commit or when the last connection closes, as always.
    """
    import threading

    path = db.execute("pragma database_list").fetchone()[2]
    if not path:  # an in-memory database has no WAL
        yield
        return
    stop = threading.Event()

    def checkpoint() -> None:
        try:
            conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S)
            try:
                while True:
                    conn.execute("pragma wal_checkpoint(passive)")
                    if stop.wait(CHECKPOINT_EVERY_S):
                        break
            finally:
                conn.close()
        except sqlite3.Error:
            # The disk is failing: the writer will hear of it at its next commit, and
            # its own limit checkpoints meanwhile.
            return

    thread = threading.Thread(target=checkpoint, name="radar-checkpoint", daemon=True)
    try:
        db.execute(f"pragma wal_autocheckpoint = {wal_backstop_pages(db)}")
        thread.start()
        yield
    finally:
        stop.set()
        if thread.is_alive():
            thread.join()
        db.execute(f"pragma wal_autocheckpoint = {WAL_AUTOCHECKPOINT}")
