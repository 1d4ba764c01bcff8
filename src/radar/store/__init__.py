"""The store: radar's one SQLite file, and nothing above it.

The bottom layer. It knows papers, their rows and indexes, read state and the matches
table's shape, and nothing of follows, feedback or ranking: saving papers *and* matching
them against follows is `radar.ingest`'s job.

- `connection`: opening the file, pragmas, migrations, transactions, checkpoints
- `sql`: what every query shares (chunks, placeholders, timestamps, FTS5 phrases, the
  "matches a follow" predicate)
- `papers`: paper rows, the merge rules, saving a batch, linking journal copies, reading
- `bulk`: bulk full-text indexing and the indexes a bulk import rebuilds
- `reads`: which papers the reader has seen
- `sources`: what each source has seen (watermarks, ETags) and the record of each run
"""

from radar.store.bulk import BULK_INDEXES, drop_bulk_indexes, restore_indexes
from radar.store.connection import (
    BUSY_TIMEOUT_S,
    background_checkpoints,
    open_db,
    usable_cores,
    write_cache,
    write_transaction,
)
from radar.store.papers import (
    ImportCounts,
    Prepared,
    count_papers,
    get_paper,
    get_papers,
    has_feedback,
    has_follows,
    link_versions,
    matched_paper_ids,
    newest_listing_date,
    paper_to_row,
    paper_versions,
    papers_by,
    prepare,
    row_to_paper,
    save_rows,
    title_key,
    unlinked_feed_papers,
)
from radar.store.reads import mark_read, remember_shown, unread_ids
from radar.store.sql import (
    ANY_BREADTH,
    chunks,
    fts_phrase,
    iso,
    matches_a_follow,
    parse_utc,
    placeholders,
    rowid_ranges,
    utc_now,
)

__all__ = [
    "ANY_BREADTH",
    "BULK_INDEXES",
    "BUSY_TIMEOUT_S",
    "ImportCounts",
    "Prepared",
    "background_checkpoints",
    "chunks",
    "count_papers",
    "drop_bulk_indexes",
    "fts_phrase",
    "get_paper",
    "get_papers",
    "has_feedback",
    "has_follows",
    "iso",
    "link_versions",
    "mark_read",
    "matched_paper_ids",
    "matches_a_follow",
    "newest_listing_date",
    "open_db",
    "paper_to_row",
    "paper_versions",
    "papers_by",
    "parse_utc",
    "placeholders",
    "prepare",
    "remember_shown",
    "restore_indexes",
    "row_to_paper",
    "rowid_ranges",
    "save_rows",
    "title_key",
    "unlinked_feed_papers",
    "unread_ids",
    "usable_cores",
    "utc_now",
    "write_cache",
    "write_transaction",
]
