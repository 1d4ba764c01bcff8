"""`radar status`: how the fetches went, how big the store is, and what is unread.

Plain functions over the database that return data; the command renders it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from radar.database import Database

RUNS = 5  # recent runs shown


@dataclass
class SourceStatus:
    key: str  # fetch_state's key: author:3, topic:5, listing:cs.LG+stat.ML, feed:7, harvest:cs:cs:arXivRaw
    source: str  # in human terms: author Akshay Krishnamurthy, listing cs.LG+stat.ML
    current: bool  # False for a follow since removed, or a listing no longer fetched
    ok: bool  # the last attempt succeeded
    last_success_utc: str | None
    last_attempt_utc: str | None
    last_error: str | None


@dataclass
class RunStatus:
    started_utc: str
    finished_utc: str | None
    ok: bool
    new: int
    updated: int
    requests: int
    seconds: float | None
    errors: list[str]


@dataclass
class ImportStatus:
    """A snapshot import that dropped indexes for its bulk load and has not built them
    again: it was stopped, or it is the run holding the write lock now (Status.writing).
    Until it finishes, looking papers up by author, day or category reads whole tables."""

    path: str
    lines: int  # of the file, stored so far
    updated_utc: str | None  # its last stored batch
    indexes: int  # how many it owes


@dataclass
class DeliveryStatus:
    """The last `radar send` to one destination."""

    destination: str  # masked: the URL's passwords and tokens never leave the send module
    kind: str  # digest / brief
    started_utc: str
    finished_utc: str | None
    ok: bool
    papers: int
    attempts: int
    error: str | None


@dataclass
class Status:
    db_path: str
    log_path: str
    papers: int
    size_bytes: int
    sources: list[SourceStatus] = field(default_factory=list)
    runs: list[RunStatus] = field(default_factory=list)
    newest_listing_date: str | None = None
    matching: int = 0  # papers on the newest listing day that match a follow
    unread: int = 0  # ... of which no `reads` row
    imports: list[ImportStatus] = field(default_factory=list)
    writing: bool = False  # another radar run holds the store's write lock now
    deliveries: list[DeliveryStatus] = field(default_factory=list)  # the last one per destination

    @property
    def size_mb(self) -> float:
        return self.size_bytes / (1024 * 1024)

    def as_dict(self) -> dict[str, Any]:
        return {
            "database": {
                "path": self.db_path,
                "papers": self.papers,
                "size_bytes": self.size_bytes,
                "size_mb": round(self.size_mb, 2),
                "writing": self.writing,
            },
            "sources": [asdict(s) for s in self.sources],
            "runs": [asdict(r) for r in self.runs],
            "unread": {
                "listing_date": self.newest_listing_date,
                "matching": self.matching,
                "unread": self.unread,
            },
            "log": self.log_path,
            "unfinished_imports": [asdict(i) for i in self.imports],
            "deliveries": [asdict(d) for d in self.deliveries],
        }


def describe_key(key: str, follows: dict[int, tuple[str, str]], categories: list[str]) -> tuple[str, bool]:
    """(a source in human terms, whether it is still fetched) for a fetch_state key."""
    kind, _, rest = key.partition(":")
    if kind in ("author", "topic", "feed") and rest.isdigit():
        found = follows.get(int(rest))
        if found is None or found[0] != kind:
            return f"{kind} #{rest} (no longer followed)", False
        return f"{kind} {found[1]}", True
    if kind == "listing":
        current = rest == "+".join(sorted(categories))
        return f"listing {rest}" + ("" if current else " (no longer fetched)"), current
    if kind == "harvest":
        # harvest:<set>:<metadata format>, where the set itself may hold colons (cs:cs:LG).
        set_spec, _, prefix = rest.rpartition(":")
        what = "all of arXiv" if set_spec == "all" else f"set {set_spec}"
        return f"harvest of {what} ({prefix})", True
    return key, False


def _sources(db: Database) -> list[SourceStatus]:
    follows = {
        row[0]: (row[1], row[2]) for row in db.execute("select id, kind, value from follows").fetchall()
    }
    categories = [value for kind, value in follows.values() if kind == "category"]
    found = []
    for row in db.query(
        "select key, last_success_utc, last_attempt_utc, last_error from fetch_state order by key"
    ):
        label, current = describe_key(row["key"], follows, categories)
        found.append(
            SourceStatus(
                key=row["key"],
                source=label,
                current=current,
                ok=not row["last_error"],
                last_success_utc=row["last_success_utc"],
                last_attempt_utc=row["last_attempt_utc"],
                last_error=row["last_error"],
            )
        )
    order = {"author": 0, "topic": 1, "listing": 2, "feed": 3, "harvest": 4}
    found.sort(key=lambda s: (not s.current, order.get(s.key.partition(":")[0], 5), s.source.lower()))
    return found


def _seconds(started: str | None, finished: str | None) -> float | None:
    if not started or not finished:
        return None
    try:
        a = datetime.fromisoformat(started)
        b = datetime.fromisoformat(finished)
    except ValueError:
        return None
    return max(0.0, (b - a).total_seconds())


def _runs(db: Database, limit: int) -> list[RunStatus]:
    runs = []
    for row in db.query("select * from fetch_runs order by id desc limit ?", [limit]):
        try:
            errors = json.loads(row["errors_json"] or "[]")
        except json.JSONDecodeError:
            errors = [row["errors_json"]]
        runs.append(
            RunStatus(
                started_utc=row["started_utc"],
                finished_utc=row["finished_utc"],
                ok=bool(row["ok"]),
                new=row["new"] or 0,
                updated=row["updated"] or 0,
                requests=row["requests"] or 0,
                seconds=_seconds(row["started_utc"], row["finished_utc"]),
                errors=[str(e) for e in errors],
            )
        )
    return runs


def _unfinished_imports(db: Database) -> list[ImportStatus]:
    rows = db.execute(
        "select path, lines, updated_utc, dropped_indexes_json from imports "
        "where finished_utc is null and dropped_indexes_json is not null order by updated_utc"
    ).fetchall()
    found = [
        ImportStatus(path, lines or 0, updated, len(json.loads(owed))) for path, lines, updated, owed in rows
    ]
    return [i for i in found if i.indexes]


def _file_size(path: Path) -> int:
    """The database with its write-ahead log, which holds recent writes until a checkpoint."""
    total = 0
    for part in (path, path.with_name(path.name + "-wal")):
        try:
            total += part.stat().st_size
        except OSError:
            pass
    return total


def unread_counts(db: Database) -> tuple[str | None, int, int]:
    """(newest listing day, papers on it matching a follow, of which unread)."""
    from radar.store import matches_a_follow, newest_listing_date

    day = newest_listing_date(db)
    if day is None:
        return None, 0, 0
    matching_sql = f"select count(*) from papers p where p.listing_date = ? and {matches_a_follow('p.id')}"
    matching = int(db.execute(matching_sql, [day]).fetchone()[0])
    unread = matching
    if "reads" in db.table_names():
        unread = int(
            db.execute(
                matching_sql + " and not exists (select 1 from reads r where r.paper_id = p.id)", [day]
            ).fetchone()[0]
        )
    return day, matching, unread


def collect(db: Database, db_path: Path, home: Path, runs: int = RUNS) -> Status:
    from radar.fetchlog import log_path
    from radar.lock import writer_running
    from radar.store import count_papers

    day, matching, unread = unread_counts(db)
    return Status(
        db_path=str(db_path),
        log_path=str(log_path(home)),
        papers=count_papers(db),
        size_bytes=_file_size(db_path),
        sources=_sources(db),
        runs=_runs(db, runs),
        newest_listing_date=day,
        matching=matching,
        unread=unread,
        imports=_unfinished_imports(db),
        writing=writer_running(db_path),
        deliveries=_deliveries(db),
    )


def _deliveries(db: Database) -> list[DeliveryStatus]:
    from radar.store.sent import last_deliveries

    return [
        DeliveryStatus(
            destination=row["shown"],
            kind=row["kind"],
            started_utc=row["started_utc"],
            finished_utc=row["finished_utc"],
            ok=bool(row["ok"]),
            papers=row["papers"] or 0,
            attempts=row["attempts"] or 0,
            error=row["error"],
        )
        for row in last_deliveries(db)
    ]
