"""The one card-selection pipeline: which papers `radar today`, `brief` and `export` show.

    rank the window (rank.rank_window)  ->  narrow to a topic or a person
      ->  feedback: mutes and hides take papers out, stars and hides move similar ones
      ->  only the unread ones, when asked

`select()` runs it for a window of cards (today, brief). An export can span the whole
store, which it streams instead of ranking, so `drop_removed()` puts the stream through
the same feedback step, a chunk at a time. Papers named by id (`export --ids`) are what
the user asked for by name: they stay. Paging (`page_of`) is today's, but it is only
arithmetic on the selection. Nothing here prints.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice

from radar.database import Database
from radar.model import Paper
from radar.rank import Ranked, rank_window
from radar.store import has_feedback, unread_ids
from radar.window import Window

# Papers per feedback step when an export streams: bounded memory, few queries.
STREAM_CHUNK = 500


def select(
    db: Database,
    window: Window,
    *,
    include_all: bool = False,
    topic: str | None = None,
    author: str | None = None,
    feedback: bool = True,
    unread: bool = False,
) -> list[Ranked]:
    """The window's papers that match a follow (every paper with include_all), best first,
    narrowed to those mentioning `topic` and signed by `author`; without what the user
    muted or hid; only those no view has shown, with `unread`."""
    ranked = rank_window(db, window, include_all=include_all)
    if topic:
        keep = mentioning(db, window, topic)
        ranked = [r for r in ranked if r.id in keep]
    if author:
        from radar.follows import parse_person
        from radar.people import papers_of_person

        parse_person(author)  # a name that is not one person's is refused, as before
        keep = papers_of_person(db, author, [r.id for r in ranked])
        ranked = [r for r in ranked if r.id in keep]
    if feedback:
        ranked = with_feedback(db, ranked)
    if unread:
        fresh = unread_ids(db, [r.id for r in ranked])
        ranked = [r for r in ranked if r.id in fresh]
    return ranked


def mentioning(db: Database, window: Window, topic: str) -> set[str]:
    """The window's papers whose title or abstract has the phrase (FTS5)."""
    from radar.store import fts_phrase

    rows = db.execute(
        "select papers.id from papers_fts join papers on papers.rowid = papers_fts.rowid where papers_fts match ? "
        "and papers.listing_date >= ? and papers.listing_date <= ?",
        [fts_phrase(topic), window.start.isoformat(), window.end.isoformat()],
    ).fetchall()
    return {r[0] for r in rows}


def with_feedback(db: Database, ranked: list[Ranked]) -> list[Ranked]:
    """Mutes and hides out, similar papers moved; the feedback module (and its queries)
    only when the user gave any."""
    if not has_feedback(db):
        return ranked
    from radar.feedback import apply_feedback

    return apply_feedback(db, ranked)


def drop_removed(db: Database, papers: Iterable[Paper], keep: Collection[str] = ()) -> Iterator[Paper]:
    """The stream without the papers the feedback step takes out of a selection (muted
    people and topics, hidden papers), in the stream's own order; papers in `keep` stay."""
    if not has_feedback(db):
        yield from papers
        return
    from radar.feedback import removed

    # Only what takes papers out: an export has no order for similarity to move.
    stream = iter(papers)
    while batch := list(islice(stream, STREAM_CHUNK)):
        gone = removed(db, [p.id for p in batch])
        yield from (p for p in batch if p.id not in gone or p.id in keep)


@dataclass
class Page:
    number: int  # from 1
    pages: int
    first: int  # the index in the selection of the page's first paper
    ranked: list[Ranked]  # the page's papers
    total: int  # papers in the whole selection

    @property
    def past_the_end(self) -> bool:
        return self.number > self.pages


def page_of(ranked: list[Ranked], number: int, size: int) -> Page:
    """Page `number` (from 1) of the selection, `size` papers a page."""
    pages = (len(ranked) + size - 1) // size
    first = (number - 1) * size
    return Page(number, pages, first, ranked[first : first + size], len(ranked))
