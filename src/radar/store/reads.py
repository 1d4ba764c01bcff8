"""Read state: which papers the reader has seen (shown on a terminal, or marked read)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from radar.database import Database
from radar.store.sql import chunks, placeholders, utc_now


def unread_ids(db: Database, paper_ids: Sequence[str]) -> set[str]:
    seen: set[str] = set()
    for part in chunks(list(paper_ids)):
        rows = db.execute(f"select paper_id from reads where paper_id in ({placeholders(part)})", list(part))
        seen.update(r[0] for r in rows)
    return set(paper_ids) - seen


def mark_read(db: Database, paper_ids: Sequence[str], how: str) -> int:
    """Remember papers as read; returns how many were not read before."""
    now = utc_now()
    with db.atomic():
        cursor = db.conn.executemany(
            "insert or ignore into reads (paper_id, how, read_utc) values (?, ?, ?)",
            [(i, how, now) for i in paper_ids],
        )
        added = cursor.rowcount
        if how == "marked":
            # Marked by hand after a terminal showed it: radar send --unread tells the two
            # apart (shown on a screen is still unsent; marked read is not wanted).
            db.conn.executemany(
                "update reads set how = 'marked' where paper_id = ? and how = 'shown'",
                [(i,) for i in paper_ids],
            )
    return max(0, added)


def remember_shown(db: Database, paper_ids: Sequence[str]) -> None:
    """Cards shown count as read. Best effort: a fetch holding the write lock for long
    must not make `radar today` wait, so a busy database skips this."""
    if not paper_ids:
        return
    db.execute("pragma busy_timeout = 2000")
    try:
        mark_read(db, paper_ids, "shown")
    except sqlite3.OperationalError:
        pass


def marked_read_ids(db: Database, paper_ids: Sequence[str]) -> set[str]:
    """The papers among `paper_ids` marked read by hand (radar mark-read), not only shown."""
    found: set[str] = set()
    for part in chunks(list(paper_ids)):
        rows = db.execute(
            f"select paper_id from reads where how = 'marked' and paper_id in ({placeholders(part)})",
            list(part),
        )
        found.update(r[0] for r in rows)
    return found
