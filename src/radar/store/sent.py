"""Send state: which papers went to which destination (`radar send`), and the record of
each delivery. Destinations are keys (hashes of Apprise URLs), never the URLs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from radar.database import Database
from radar.store.sql import chunks, placeholders, utc_now


def unsent_ids(db: Database, destination: str, paper_ids: Sequence[str]) -> set[str]:
    """The papers among `paper_ids` never sent to `destination`."""
    sent: set[str] = set()
    for part in chunks(list(paper_ids)):
        rows = db.execute(
            f"select paper_id from sent where destination = ? and paper_id in ({placeholders(part)})",
            [destination, *part],
        )
        sent.update(r[0] for r in rows)
    return set(paper_ids) - sent


def start_delivery(db: Database, destination: str, shown: str, kind: str, content_hash: str | None) -> int:
    with db.atomic():
        cursor = db.execute(
            "insert into deliveries (destination, shown, kind, started_utc, content_hash) values (?, ?, ?, ?, ?)",
            [destination, shown, kind, utc_now(), content_hash],
        )
    return int(cursor.lastrowid or 0)


def finish_delivery(
    db: Database,
    delivery: int,
    destination: str,
    *,
    ok: bool,
    paper_ids: Sequence[str],
    attempts: int,
    error: str | None,
) -> None:
    """Record how a delivery ended; only a delivery that succeeded marks papers sent,
    in the same transaction as its record."""
    now = utc_now()
    with db.atomic():
        db.execute(
            "update deliveries set finished_utc = ?, ok = ?, papers = ?, attempts = ?, error = ? where id = ?",
            [now, int(ok), len(paper_ids) if ok else 0, attempts, error, delivery],
        )
        if ok:
            db.conn.executemany(
                "insert or ignore into sent (destination, paper_id, sent_utc) values (?, ?, ?)",
                [(destination, paper_id, now) for paper_id in paper_ids],
            )


def brief_was_sent(db: Database, destination: str, content_hash: str) -> bool:
    row = db.execute(
        "select 1 from deliveries where destination = ? and content_hash = ? and ok = 1 limit 1",
        [destination, content_hash],
    ).fetchone()
    return row is not None


def last_deliveries(db: Database) -> list[dict[str, Any]]:
    """The newest delivery to each destination, newest first."""
    if "deliveries" not in db.table_names():
        return []
    rows = db.query(
        "select d.* from deliveries d join (select destination, max(id) as id from deliveries group by destination) "
        "last on last.id = d.id order by d.id desc"
    )
    return [dict(r) for r in rows]
