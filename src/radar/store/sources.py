"""What each source has seen, and the record of each fetch.

`fetch_state` holds one row per source (an author or topic follow's watermark, a
listing's ETag and last day, a feed's validators, a harvest's resumption point), keyed
`author:3`, `topic:5`, `listing:cs.LG+stat.ML`, `feed:7`, `harvest:<set>:<format>`.
`fetch_runs` holds one row per fetch; `$RADAR_HOME/fetch.log` is written from the same
record (radar.fetchlog).
"""

from __future__ import annotations

import json
from typing import Any

from radar.database import Database
from radar.store.sql import placeholders


def load_state(db: Database, key: str) -> dict[str, Any]:
    rows = list(db.query("select * from fetch_state where key = ?", [key]))
    return rows[0] if rows else {"key": key}


def save_state(db: Database, key: str, **values: Any) -> None:
    """Record what a source has seen: the fields given change, the others stay. Plain SQL:
    a fetch from cron should not wait for sqlite-utils to load."""
    columns = ", ".join(f'"{c}"' for c in ("key", *values))
    changes = ", ".join(f'"{c}" = excluded."{c}"' for c in values) if values else None
    db.execute(
        f"insert into fetch_state ({columns}) values ({placeholders(['key', *values])}) on conflict (key) "
        + (f"do update set {changes}" if changes else "do nothing"),
        [key, *values.values()],
    )


def forget_state(db: Database, key: str) -> None:
    db.execute("delete from fetch_state where key = ?", [key])


def newest_listing_day(db: Database) -> str | None:
    """The newest listing day any category listing has brought."""
    row = db.execute("select max(last_listing_date) from fetch_state where key like 'listing:%'").fetchone()
    return row[0] if row else None


def record_run(db: Database, run: dict[str, Any]) -> None:
    """Keep one fetch's record: started_utc, finished_utc, new, updated, requests, ok and
    errors (the failing sources' messages)."""
    db.execute(
        "insert into fetch_runs (started_utc, finished_utc, new, updated, requests, ok, errors_json) "
        "values (?, ?, ?, ?, ?, ?, ?)",
        [
            run["started_utc"],
            run["finished_utc"],
            run["new"],
            run["updated"],
            run["requests"],
            int(run["ok"]),
            json.dumps(run["errors"]),
        ],
    )


def last_runs(db: Database, limit: int) -> list[dict[str, Any]]:
    return list(db.query("select * from fetch_runs order by id desc limit ?", [limit]))
