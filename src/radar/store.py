"""The one SQLite file: opening it safely, and reading and writing papers."""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from operator import itemgetter
from pathlib import Path
from typing import Any

from radar import migrations
from radar.database import Database
from radar.errors import StoreError
from radar.migrations import MIGRATION_SET
from radar.model import Author, Paper
from radar.names import ParsedName, lookup_keys, match_strength, normalise, parse_name, surname_key

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

# Matches are indexed by (broad, paper_id) (migration m015): a person's matches apart
# from the million a followed category can bring. A lookup by paper names both values,
# so that SQLite seeks in each part of the index instead of reading all of it.
ANY_BREADTH = "m.broad in (0, 1)"
# SQLite's default limit on host parameters is 32766; stay far below it.
CHUNK = 500


def usable_cores() -> int:
    """The cores this process may run on (its affinity, not the machine's count)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


# A sort larger than the cache (an index build, at the end of a bulk import or in a
# migration) sorts and merges its runs on a helper thread too, where a second core is
# there: the surname index of 3 million papers builds in 14 s instead of 21 on two
# cores. More helpers measured no faster, and each holds a sort buffer the size of the
# cache (64 MiB while writing).
SORT_THREADS = 1 if usable_cores() > 1 else 0


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.utcoffset():
        value = value.astimezone(UTC)
    # isoformat is several times faster than strftime, and this runs per paper.
    return value.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def parse_utc(value: str | None) -> datetime | None:
    """The inverse of iso(): radar's stored timestamps back to aware datetimes."""
    return datetime.fromisoformat(value) if value else None


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def placeholders(items: Sequence[Any]) -> str:
    return ", ".join("?" for _ in items)


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


# --- papers -------------------------------------------------------------------------------


@dataclass
class ImportCounts:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[str] = field(default_factory=list)
    new_ids: list[str] = field(default_factory=list)
    updated_ids: list[str] = field(default_factory=list)
    filled_ids: list[str] = field(default_factory=list)  # same version, gaps filled in

    def add(self, other: ImportCounts) -> None:
        self.new += other.new
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.skipped.extend(other.skipped)
        self.new_ids.extend(other.new_ids)
        self.updated_ids.extend(other.updated_ids)
        self.filled_ids.extend(other.filled_ids)

    @property
    def changed_ids(self) -> list[str]:
        return self.new_ids + self.updated_ids


_FIELDS = (
    "version",
    "title",
    "abstract",
    "authors_json",
    "primary_category",
    "categories_json",
    "published_utc",
    "updated_utc",
    "comment",
    "journal_ref",
    "doi",
    "announce_type",
    "announced_date",
    "listing_date",
    "source",
    "source_name",
    "url",
    "doi_key",
    "title_key",
)
# What a record dated later than the stored one corrects in the same version.
_CORRECTABLE = (
    "title",
    "abstract",
    "authors_json",
    "primary_category",
    "categories_json",
    "comment",
    "journal_ref",
    "doi",
    "doi_key",
    "title_key",
)


# json.dumps with an option builds a new encoder per call; this runs twice per paper.
_to_json = json.JSONEncoder(ensure_ascii=False).encode


def paper_to_row(paper: Paper) -> dict[str, Any]:
    listing = paper.listing_date
    return {
        "id": paper.id,
        "version": paper.version,
        "title": paper.title,
        "abstract": paper.abstract,
        "authors_json": _to_json([{"name": a.name, "affiliations": a.affiliations} for a in paper.authors]),
        "primary_category": paper.primary_category,
        "categories_json": _to_json(paper.categories),
        "published_utc": iso(paper.published),
        "updated_utc": iso(paper.updated),
        "comment": paper.comment,
        "journal_ref": paper.journal_ref,
        "doi": paper.doi,
        "announce_type": paper.announce_type,
        "announced_date": paper.announced.isoformat() if paper.announced else None,
        "listing_date": listing.isoformat() if listing else None,
        "source": paper.source,
        "source_name": paper.source_name,
        "url": paper.url,
        "doi_key": paper.doi.lower() if paper.doi else None,
        "title_key": title_key(paper.title),
        "metadata_date": paper.metadata_date,
    }


def title_key(title: str) -> str:
    """A title's words, normalised: the same paper's title in two feeds gives the same key."""
    return normalise(title)


def row_to_paper(row: dict[str, Any]) -> Paper:
    return Paper(
        id=row["id"],
        version=row["version"],
        title=row["title"],
        abstract=row["abstract"] or "",
        authors=[
            Author(a["name"], a.get("affiliations") or []) for a in json.loads(row["authors_json"] or "[]")
        ],
        primary_category=row["primary_category"] or "",
        categories=json.loads(row["categories_json"] or "[]"),
        published=parse_utc(row["published_utc"]),
        updated=parse_utc(row["updated_utc"]),
        comment=row["comment"],
        journal_ref=row["journal_ref"],
        doi=row["doi"],
        announce_type=row["announce_type"],
        announced=date.fromisoformat(row["announced_date"]) if row["announced_date"] else None,
        source=row.get("source"),
        source_name=row.get("source_name"),
        url=row.get("url"),
    )


def _merge(old: dict[str, Any], new: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Decide what a freshly parsed row means for the stored one: new version, or same.

    For the same version, a source fills what the stored row lacks, and a record dated
    later than the day the stored copy was current (metadata_date) also corrects it.
    """
    if new["version"] > old["version"]:
        merged = dict(new)
        # The v1 submission time never changes; a listing does not carry it.
        merged["published_utc"] = new["published_utc"] or old["published_utc"]
        if new["announced_date"] is None and new["announce_type"] is None:
            merged["announce_type"] = "replace"
        return "updated", merged
    if new["version"] < old["version"]:
        return "unchanged", old
    merged = dict(old)
    # Undated rows (saved responses, stores from before the date was kept) are current
    # at least as of their version's submission day.
    as_of = old.get("metadata_date") or _day(old["updated_utc"] or old["published_utc"]) or ""
    if new["metadata_date"] is not None and new["metadata_date"] > as_of:
        # arXiv changed the record after the stored copy was current: a cross-list, a
        # journal reference or a corrected title added without a new version.
        for key in _CORRECTABLE:
            if new.get(key) not in (None, "", "[]"):
                merged[key] = new[key]
        merged["authors_json"] = _keep_affiliations(old["authors_json"], new["authors_json"])
        merged["metadata_date"] = new["metadata_date"]
    for key in _FIELDS:
        if merged.get(key) in (None, "", "[]") and new.get(key) not in (None, "", "[]"):
            merged[key] = new[key]
    # A listing knows how the paper was announced (cross-list, replacement); the API
    # only guesses from the version number, so a listing's word wins.
    if new["announced_date"] is not None:
        merged["announce_type"] = new["announce_type"]
        merged["announced_date"] = new["announced_date"]
    merged["listing_date"] = merged["announced_date"] or _day(merged["updated_utc"]) or old["listing_date"]
    # A later date alone is not a change: nothing is written for it.
    return ("unchanged" if all(merged.get(k) == old.get(k) for k in _FIELDS) else "filled"), merged


def _keep_affiliations(old_json: str | None, new_json: str | None) -> str | None:
    """A corrected author list, keeping the affiliations the stored one had for the same
    names: the snapshot and arXivRaw carry none, the API and the listings do."""
    if not new_json or new_json == "[]" or not old_json:
        return old_json
    old_authors, new_authors = json.loads(old_json), json.loads(new_json)
    if [a["name"] for a in old_authors] == [a["name"] for a in new_authors]:
        return old_json
    known = {a["name"]: a.get("affiliations") or [] for a in old_authors}
    for author in new_authors:
        if not author.get("affiliations") and known.get(author["name"]):
            author["affiliations"] = known[author["name"]]
    return _to_json(new_authors)


def _day(timestamp: str | None) -> str | None:
    return timestamp[:10] if timestamp else None


@dataclass
class Prepared:
    """A paper as rows, worked out without the database: parsing workers send these to the
    one process that writes."""

    row: dict[str, Any]
    authors: list[tuple[str, str]]  # (name as printed, surname key) in paper order
    categories: list[str]

    @property
    def when(self) -> datetime | None:
        """Paper.when, from the row."""
        return parse_utc(self.row["updated_utc"] or self.row["published_utc"])


def author_rows(names: Iterable[str]) -> list[tuple[str, str]]:
    rows = []
    for name in names:
        try:
            key = surname_key(name)
        except ValueError:
            key = ""
        rows.append((name, key))
    return rows


def prepare(paper: Paper) -> Prepared:
    return Prepared(
        paper_to_row(paper),
        author_rows(a.name for a in paper.authors),
        list(dict.fromkeys(paper.categories)),
    )


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


def save_papers(db: Database, papers: Iterable[Paper]) -> ImportCounts:
    """Store papers in one transaction: all of them or none (a killed run leaves no half).

    Returns what changed; saving the same papers twice changes nothing the second time.
    """
    return save_prepared(db, [prepare(p) for p in papers])


def save_prepared(
    db: Database,
    items: Iterable[Prepared],
    extra: Callable[[ImportCounts], None] | None = None,
    link: bool = True,
) -> ImportCounts:
    """save_papers for papers already prepared; `extra` runs inside the same transaction
    (a bulk import records how far it got there, so progress and papers commit together)."""
    from radar.follows import rematch_papers

    counts = ImportCounts()
    latest: dict[str, Prepared] = {}
    for item in items:
        row = item.row
        if row["listing_date"] is None:
            counts.skipped.append(f"{row['id']}: no date")
            continue
        seen = latest.get(row["id"])
        # The same paper twice in one batch: keep the newest version.
        if seen is None or row["version"] >= seen.row["version"]:
            latest[row["id"]] = item
    now = utc_now()
    with write_cache(db), write_transaction(db):
        if latest:
            _save_rows(db, latest, counts, now)
            touched = counts.changed_ids + counts.filled_ids
            rematch_papers(db, touched, new_ids=counts.new_ids)
            if link:
                link_versions(db, touched)
            if has_feedback(db):
                from radar.feedback import learn_from_new_papers

                learn_from_new_papers(db, touched)
        if extra is not None:
            extra(counts)
    return counts


def _save_rows(db: Database, latest: dict[str, Prepared], counts: ImportCounts, now: str) -> None:
    ids = list(latest)
    existing: dict[str, dict[str, Any]] = {}
    for part in chunks(ids):
        for stored in db.query(f"select * from papers where id in ({placeholders(part)})", part):
            existing[stored["id"]] = stored
    inserts: list[Prepared] = []
    updates: list[dict[str, Any]] = []
    versions: list[tuple[str, int, str | None, str]] = []
    for paper_id, item in latest.items():
        row = item.row
        old = existing.get(paper_id)
        if old is None:
            inserts.append(item)
            counts.new += 1
            counts.new_ids.append(paper_id)
        else:
            outcome, merged = _merge(old, row)
            if outcome == "unchanged":
                counts.unchanged += 1
                continue
            updates.append({**merged, "first_seen_utc": old["first_seen_utc"], "changed_utc": now})
            if outcome == "updated":
                counts.updated += 1
                counts.updated_ids.append(paper_id)
            else:
                counts.unchanged += 1  # same version, gaps filled in: not news
                counts.filled_ids.append(paper_id)
        versions.append((paper_id, row["version"], row["updated_utc"], now))
    # Plain executemany on the hot path: sqlite-utils' generic insert_all costs
    # more than the SQLite work itself at thousands of papers a second.
    if inserts:
        _insert_papers(db, [i.row for i in inserts], now)
    if updates:
        # A fixed list: rows from a stored record carry columns a parsed paper lacks.
        columns = [*_FIELDS, "metadata_date", "first_seen_utc", "changed_utc"]
        db.conn.executemany(
            f"update papers set {', '.join(f'{c} = ?' for c in columns)} where id = ?",
            [[row[c] for c in columns] + [row["id"]] for row in updates],
        )
    db.conn.executemany(
        "insert or ignore into paper_versions (paper_id, version, updated_utc, seen_utc) values (?, ?, ?, ?)",
        versions,
    )
    _write_authors_and_categories(db, inserts, updates)


# Batches larger than this index their full text in one statement, not row by row.
BULK_INDEX_ROWS = 500


def _insert_papers(db: Database, rows: list[dict[str, Any]], now: str) -> None:
    columns = [*rows[0], "first_seen_utc", "changed_utc"]
    insert = f"insert into papers ({', '.join(columns)}) values ({placeholders(columns)})"
    # itemgetter reads a row's fields in C; this runs for every paper stored.
    fields = itemgetter(*rows[0])
    values = [(*fields(row), now, now) for row in rows]
    if len(rows) < BULK_INDEX_ROWS:
        db.conn.executemany(insert, values)
        return
    # The insert trigger (enable_fts' own) indexes one row at a time; for a large batch,
    # lift it, insert, index the new rows in one statement and put it back. All inside
    # the caller's transaction, so no other connection ever sees the table without it.
    trigger = db.execute(
        "select sql from sqlite_master where type = 'trigger' and name = 'papers_ai'"
    ).fetchone()
    if trigger is None:
        db.conn.executemany(insert, values)
        return
    start = db.execute("select coalesce(max(rowid), 0) from papers").fetchone()[0]
    db.execute("drop trigger papers_ai")
    db.conn.executemany(insert, values)
    db.execute(
        "insert into papers_fts (rowid, title, abstract) select rowid, title, abstract from papers where rowid > ?",
        [start],
    )
    db.execute(trigger[0])


def _write_authors_and_categories(
    db: Database, inserted: list[Prepared], updates: list[dict[str, Any]]
) -> None:
    # Only updated papers have rows to replace; new ones have none to delete.
    for part in chunks([r["id"] for r in updates]):
        db.execute(f"delete from paper_authors where paper_id in ({placeholders(part)})", part)
        db.execute(f"delete from paper_categories where paper_id in ({placeholders(part)})", part)
    # An update's final row may keep stored fields, so its authors come from the row.
    entries = [(i.row["id"], i.authors, i.categories) for i in inserted] + [
        (
            r["id"],
            author_rows(a["name"] for a in json.loads(r["authors_json"])),
            list(dict.fromkeys(json.loads(r["categories_json"]))),
        )
        for r in updates
    ]
    authors: list[tuple[str, int, str, str]] = []
    categories: list[tuple[str, str]] = []
    for paper_id, names, cats in entries:
        authors += [(paper_id, position, name, key) for position, (name, key) in enumerate(names)]
        categories += [(paper_id, category) for category in cats]
    db.conn.executemany(
        "insert into paper_authors (paper_id, position, name, name_key) values (?, ?, ?, ?)", authors
    )
    db.conn.executemany("insert into paper_categories (paper_id, category) values (?, ?)", categories)


# Indexes whose entries land at random places (surnames, title words, DOIs, days): at
# millions of rows each insert touches a page outside the cache, and a bulk import slows
# down as the store grows. Dropped for a bulk import and built once at its end, by sorting.
BULK_INDEXES = (
    "idx_paper_authors_name_key_name",
    "idx_papers_title_key",
    "idx_papers_doi_key",
    "idx_papers_listing_date",
    "idx_paper_categories_category_paper_id",
)


def drop_bulk_indexes(db: Database) -> list[str]:
    """Drop BULK_INDEXES; returns their CREATE statements, to be given back to
    restore_indexes. The caller records them in the same transaction."""
    marks = placeholders(BULK_INDEXES)
    rows = db.execute(
        f"select name, sql from sqlite_master where type = 'index' and name in ({marks})", list(BULK_INDEXES)
    ).fetchall()
    for name, _ in rows:
        db.execute(f'drop index "{name}"')
    return [sql for _, sql in rows]


def restore_indexes(db: Database, statements: Sequence[str]) -> None:
    for sql in statements:
        db.execute(sql.replace("CREATE INDEX", "CREATE INDEX IF NOT EXISTS", 1))


# Journal-feed papers are few among millions of arXiv's, but ANALYZE statistics see one
# value (null) in the source index and make the planner scan the table: name the index.
_FEED_PAPERS = "indexed by idx_papers_source where source is not null"


def unlinked_feed_papers(db: Database) -> list[str]:
    return [r[0] for r in db.execute(f"select id from papers {_FEED_PAPERS} and linked_to is null")]


def link_versions(db: Database, paper_ids: Sequence[str]) -> int:
    """A feed's paper that is a version of a stored arXiv paper is linked to it and never
    shown beside it; the arXiv paper learns where it was published. A DOI match links;
    a title match links only with the same first author and only when it is the one
    candidate. Works whichever of the two arrived first."""
    unlinked = f"select exists(select 1 from papers {_FEED_PAPERS} and linked_to is null)"
    if not db.execute(unlinked).fetchone()[0]:
        return 0  # arXiv only: nothing to link, and this runs on every save
    pairs = (
        "select f.id, a.id, f.source_name, '{key}' from papers f join papers a on a.{key} = f.{key} "
        "where f.source is not null and a.source is null and f.linked_to is null and {side}.id in ({marks})"
    )
    candidates: dict[str, dict[str, set[str]]] = {}
    names: dict[str, str] = {}
    for part in chunks(list(paper_ids)):
        marks = placeholders(part)
        sql = " union ".join(
            pairs.format(key=key, side=side, marks=marks)
            for key in ("doi_key", "title_key")
            for side in ("f", "a")
        )
        for feed_id, arxiv_id, source_name, key in db.execute(sql, list(part) * 4).fetchall():
            candidates.setdefault(feed_id, {"doi_key": set(), "title_key": set()})[key].add(arxiv_id)
            names[feed_id] = source_name
    linked = 0
    for feed_id, by_key in candidates.items():
        by_doi = by_key["doi_key"]
        by_title = {a for a in by_key["title_key"] if _same_first_author(db, feed_id, a)}
        chosen = by_doi if by_doi else by_title
        if len(chosen) != 1:
            continue  # none, or ambiguous: better two cards than a wrong link
        (arxiv_id,) = chosen
        cursor = db.execute(
            "update papers set linked_to = ? where id = ? and linked_to is null", [arxiv_id, feed_id]
        )
        if cursor.rowcount == 1:
            db.execute(
                "update papers set journal_ref = ? where id = ? and (journal_ref is null or journal_ref = '')",
                [names[feed_id], arxiv_id],
            )
            linked += 1
    return linked


def _same_first_author(db: Database, a: str, b: str) -> bool:
    sql = "select paper_id, name_key from paper_authors where position = 0 and paper_id in (?, ?)"
    keys = dict(db.execute(sql, [a, b]).fetchall())
    # Both must name a first author, and the same surname: a title alone is not enough.
    return a in keys and b in keys and keys[a] == keys[b]


def fts_phrase(topic: str) -> str:
    """The topic as one FTS5 phrase: user text can never become FTS syntax."""
    return '"' + " ".join(topic.split()).replace('"', '""') + '"'


def rowid_ranges(db: Database, paper_ids: Sequence[str]) -> list[tuple[int, int]]:
    """The papers' rowids as a few (low, high) ranges, splitting at large gaps."""
    rowids: list[int] = []
    for part in chunks(list(paper_ids)):
        rowids.extend(
            r[0]
            for r in db.execute(f"select rowid from papers where id in ({placeholders(part)})", list(part))
        )
    rowids.sort()
    ranges: list[tuple[int, int]] = []
    for rowid in rowids:
        if ranges and rowid - ranges[-1][1] <= 1000:
            ranges[-1] = (ranges[-1][0], rowid)
        else:
            ranges.append((rowid, rowid))
    return ranges


def papers_by(db: Database, person: ParsedName, paper_ids: Sequence[str]) -> set[str]:
    """Which of these papers this person signed, matched as strictly as a follow is."""
    keys = lookup_keys(person)
    found: set[str] = set()
    for part in chunks(list(paper_ids)):
        rows = db.execute(
            f"select paper_id, name from paper_authors where name_key in ({placeholders(keys)}) "
            f"and paper_id in ({placeholders(part)})",
            [*keys, *part],
        )
        found.update(paper_id for paper_id, name in rows if match_strength(person, parse_name(name)))
    return found


def get_paper(db: Database, paper_id: str) -> Paper | None:
    rows = list(db.query("select * from papers where id = ?", [paper_id]))
    return row_to_paper(rows[0]) if rows else None


def get_papers(db: Database, ids: Sequence[str]) -> dict[str, Paper]:
    found: dict[str, Paper] = {}
    for part in chunks(list(ids)):
        for row in db.query(f"select * from papers where id in ({placeholders(part)})", part):
            found[row["id"]] = row_to_paper(row)
    return found


def paper_versions(db: Database, paper_id: str) -> list[dict[str, Any]]:
    return list(
        db.query(
            "select version, updated_utc, seen_utc from paper_versions where paper_id = ? order by version",
            [paper_id],
        )
    )


def newest_listing_date(db: Database, matched_only: bool = False) -> str | None:
    """The newest listing day stored; with matched_only, the newest with a paper that
    matches a follow (walking the listing_date index down, so it stays fast)."""
    if not matched_only:
        row = db.execute("select max(listing_date) from papers").fetchone()
        return row[0] if row else None
    row = db.execute(
        f"select listing_date from papers where exists (select 1 from matches m where {ANY_BREADTH} "
        "and m.paper_id = papers.id) "
        "order by listing_date desc limit 1"
    ).fetchone()
    return row[0] if row else newest_listing_date(db)


def matched_paper_ids(db: Database) -> list[str]:
    """Every paper that matches a follow, once. Each part of the matches' index gives
    its papers in order and the two are merged, without sorting a million ids."""
    sql = (
        "select m.paper_id from matches m where m.broad = 0 "
        "union select m.paper_id from matches m where m.broad = 1 order by 1"
    )
    return [r[0] for r in db.execute(sql)]


def has_follows(db: Database) -> bool:
    return db.execute("select 1 from follows limit 1").fetchone() is not None


def has_feedback(db: Database) -> bool:
    """Stars, hides or mutes exist: only then does ranking load the feedback module."""
    return bool(
        db.execute("select exists(select 1 from feedback) or exists(select 1 from mutes)").fetchone()[0]
    )


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
    return max(0, cursor.rowcount)


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


def count_papers(db: Database) -> int:
    return int(db.execute("select count(*) from papers").fetchone()[0])
