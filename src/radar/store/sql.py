"""What every query shares: id lists in chunks, timestamps as stored, FTS5 phrases, and
the one definition of "this paper matches a follow"."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from radar.database import Database

# Matches are indexed by (broad, paper_id) (migration m015): a person's matches apart
# from the million a followed category can bring. A lookup by paper names both values,
# so that SQLite seeks in each part of the index instead of reading all of it.
ANY_BREADTH = "m.broad in (0, 1)"
# SQLite's default limit on host parameters is 32766; stay far below it.
CHUNK = 500


def matches_a_follow(paper: str, follows: str | None = None) -> str:
    """SQL that is true when the paper `paper` names (a column such as `p.id`) matches at
    least one follow, narrow or broad: the predicate every "matched papers only" query
    uses. `follows`, an SQL list such as `(select value from json_each(:follows))`, keeps
    only matches of those follows."""
    which = f" and m.follow_id in {follows}" if follows else ""
    return f"exists (select 1 from matches m where {ANY_BREADTH} and m.paper_id = {paper}{which})"


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


def fts_phrase(topic: str) -> str:
    """The topic as one FTS5 phrase: user text can never become FTS syntax. LaTeX
    accents are decoded as the index decodes them, so K\\"ahler finds Kähler."""
    from radar.latex import search_text

    return '"' + " ".join((search_text(topic) or "").split()).replace('"', '""') + '"'


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
