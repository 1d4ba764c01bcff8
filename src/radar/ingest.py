"""Bringing papers in: the one way fetch, import and harvest store what they read.

Saving a batch writes the rows (radar.store), matches them against every follow, links a
journal's copy to its arXiv paper and tells feedback which papers changed, all in one
transaction: a killed run leaves all of a batch or none of it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from radar.database import Database
from radar.feedback import forget_changed
from radar.follows import rematch_papers
from radar.model import Paper
from radar.store import (
    ImportCounts,
    Prepared,
    has_feedback,
    link_versions,
    prepare,
    save_rows,
    write_cache,
    write_transaction,
)


def store_papers(
    db: Database,
    items: Iterable[Prepared],
    extra: Callable[[ImportCounts], None] | None = None,
    link: bool = True,
) -> ImportCounts:
    """Store prepared papers in one transaction: all of them or none. `extra` runs inside
    the same transaction (a bulk import records how far it got there, so progress and
    papers commit together); `link=False` leaves journal linking to the end of a bulk
    import. Saving the same papers twice changes nothing the second time."""
    with write_cache(db), write_transaction(db):
        counts = save_rows(db, items)
        touched = counts.changed_ids + counts.filled_ids
        if touched:
            rematch_papers(db, touched, new_ids=counts.new_ids)
            if link:
                link_versions(db, touched)
            if has_feedback(db):
                forget_changed(db, touched, changed_ids=counts.updated_ids + counts.filled_ids)
        if extra is not None:
            extra(counts)
    return counts


def save_papers(db: Database, papers: Iterable[Paper]) -> ImportCounts:
    """store_papers for parsed papers."""
    return store_papers(db, [prepare(p) for p in papers])
