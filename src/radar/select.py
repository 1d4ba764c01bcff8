"""The one card-selection pipeline: which papers `radar today`, `brief` and `export` show.

    rank the window (rank.rank_window)  ->  narrow to a topic or a person
      ->  feedback: mutes and hides take papers out, stars and hides move similar ones
      ->  only the unread ones, when asked
      ->  relevance: the interest model orders each tier, and suggests papers no follow
          matched (radar.relevance); nothing moves when the reader gave no signal

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
from radar.embeddings import Embedder
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
    suggest: int = 0,
    notices: list[str] | None = None,
    embedder: Embedder | None = None,
) -> list[Ranked]:
    """The window's papers that match a follow (every paper with include_all), best first,
    narrowed to those mentioning `topic` and signed by `author`; without what the user
    muted or hid; only those no view has shown, with `unread`. Up to `suggest` papers no
    follow matched are added after the others when the interest model ranks them at the
    top of the window. Messages for people (a refused model) are added to `notices`."""
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
    extra: list[Ranked] = []
    if suggest > 0 and not include_all and not topic and not author and feedback:
        extra = unfollowed(db, window, unread)
    return with_relevance(db, ranked, extra, suggest, notices, by_tier=not include_all, embedder=embedder)


# Suggested papers come from the top of the window (this fraction of it, at most) and
# count as liked (score above the model's line, relevance.LIKED_QUANTILE): a paper you
# follow nothing of has to earn its place.
SUGGEST_TOP = 0.10


def unfollowed(db: Database, window: Window, unread: bool) -> list[Ranked]:
    """The window's papers that match no follow, without hidden or muted ones."""
    from radar.feedback import removed
    from radar.rank import window_query
    from radar.store import matches_a_follow

    rows = db.execute(
        window_query(include_all=True) + f" and not {matches_a_follow('papers.id')}",
        [window.start.isoformat(), window.end.isoformat()],
    ).fetchall()
    ranked = [Ranked(r[0], 0.0, []) for r in rows]
    gone = removed(db, [r.id for r in ranked])
    ranked = [r for r in ranked if r.id not in gone]
    if unread:
        fresh = unread_ids(db, [r.id for r in ranked])
        ranked = [r for r in ranked if r.id in fresh]
    return ranked


def with_relevance(
    db: Database,
    ranked: list[Ranked],
    others: list[Ranked],
    suggest: int,
    notices: list[str] | None,
    by_tier: bool = True,
    embedder: Embedder | None = None,
) -> list[Ranked]:
    """Each tier ordered by the interest model (the whole window, without `by_tier`:
    `today --all` is a recommender over the day), and up to `suggest` of `others` added
    after the rest when they score in the top of the window and are not in the library.
    Without any signal the order stays as it is and nothing is said."""
    from radar.relevance import library_ids, relevance

    scores = relevance(db, [r.id for r in ranked] + [r.id for r in others], embedder)
    if notices is not None:
        notices.extend(scores.notices)
    if scores.model_id is None:
        return ranked
    library = library_ids(db, [r.id for r in ranked] + [r.id for r in others])
    for r in ranked + others:
        found = scores.by_id.get(r.id)
        r.in_library = r.id in library
        if found is None:
            continue
        r.relevance = found.score
        r.why = found
    ranked.sort(
        key=lambda r: (
            -r.tier if by_tier else 0,
            -(r.relevance if r.relevance is not None else -1e9),
            -r.score,
            r.id,
        )
    )
    if not others or suggest <= 0:
        return ranked
    # The window's papers new to the reader (the library's own would raise the bar)...
    everything = sorted(
        (r.relevance for r in ranked + others if r.relevance is not None and not r.in_library), reverse=True
    )
    # ...its top tenth.
    top = max(1, int(len(everything) * SUGGEST_TOP))
    bar = max(0.0, everything[top - 1]) if everything else 0.0
    picked = sorted(
        (
            r
            for r in others
            if r.relevance is not None and r.relevance >= bar - 1e-9 and r.relevance > 0 and not r.in_library
        ),
        key=lambda r: (-(r.relevance or 0.0), r.id),
    )[:suggest]
    for r in picked:
        r.suggested = True
    return ranked + picked


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
