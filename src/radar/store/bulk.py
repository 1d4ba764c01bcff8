"""Writing many papers at once: full-text indexing a large batch in one statement, and the
indexes a bulk import drops and builds again at its end."""

from __future__ import annotations

from collections.abc import Sequence
from operator import itemgetter
from typing import Any

from radar.database import Database
from radar.store.sql import placeholders

# Batches larger than this index their full text in one statement, not row by row.
BULK_INDEX_ROWS = 500


def insert_papers(db: Database, rows: list[dict[str, Any]], now: str) -> None:
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
        # What the trigger would index (migration m021): the text with LaTeX accents decoded.
        "insert into papers_fts (rowid, title, abstract) "
        "select rowid, radar_search_text(title), radar_search_text(abstract) from papers where rowid > ?",
        [start],
    )
    db.execute(trigger[0])


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
