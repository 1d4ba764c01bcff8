"""Which papers are on the radar for a window, in what order, and why."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlite_utils import Database

from radar.errors import UsageError
from radar.model import Match, Paper
from radar.store import chunks, get_papers, newest_listing_date, placeholders

# Follow kind first (author > topic > category), then how the paper was announced
# (new > cross-list > replacement), then recency: each tier outweighs the next.
KIND_SCORE = {
    ("author", "exact"): 300,
    ("author", "initial"): 250,
    ("topic", "phrase"): 200,
    ("category", "primary"): 100,
    ("category", "cross"): 90,
}
ANNOUNCE_SCORE = {"new": 30, "cross": 20, "replace": 10, "replace-cross": 5}
EXTRA_FOLLOW_BONUS = 5  # each further follow a paper matches, at most MAX_EXTRA of them
MAX_EXTRA = 3

_SINCE_RE = re.compile(r"^(\d+)\s*(h|d|w)$", re.IGNORECASE)


@dataclass
class Window:
    start: date
    end: date
    label: str
    latest_only: bool = False  # the default: the newest listing day in the store


@dataclass
class Card:
    paper: Paper
    score: float
    reasons: list[Match] = field(default_factory=list)
    rank: int = 0

    @property
    def label(self) -> str:
        kind = self.paper.announce_type
        if kind == "cross":
            return "CROSS-LIST"
        if kind in ("replace", "replace-cross"):
            return f"UPDATED v{self.paper.version}"
        return "NEW"

    @property
    def followed_authors(self) -> set[str]:
        """Author names (as printed on the paper) that a follow matched."""
        return {m.matched_name for m in self.reasons if m.matched_name}


def parse_since(value: str, now: datetime | None = None) -> date:
    """`24h`, `3d`, `2w` back from now, or an ISO date (`2026-11-01`)."""
    now = now or datetime.now(UTC)
    text = value.strip()
    m = _SINCE_RE.match(text)
    if m:
        amount, unit = int(m.group(1)), m.group(2).lower()
        delta = {
            "h": timedelta(hours=amount),
            "d": timedelta(days=amount),
            "w": timedelta(weeks=amount),
        }[unit]
        return (now - delta).date()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(
            f"cannot read the date {value!r}: use 24h, 3d, 2w or a date like 2026-11-01"
        ) from None


def window_for(
    db: Database, since: str | None, until: str | None = None, now: datetime | None = None
) -> Window | None:
    """The window to show: from --since/--until, else the newest listing day stored."""
    now = now or datetime.now(UTC)
    if since is not None or until is not None:
        start = parse_since(since, now) if since is not None else date.min
        end = parse_since(until, now) if until is not None else now.date() + timedelta(days=1)
        if end < start:
            raise UsageError(f"the window ends ({end}) before it starts ({start})")
        label = f"since {start.isoformat()}" if until is None else f"{start.isoformat()} to {end.isoformat()}"
        return Window(start, end, label)
    newest = newest_listing_date(db)
    if newest is None:
        return None
    day = date.fromisoformat(newest)
    label = day.strftime("%A %Y-%m-%d")
    if day < now.date():
        label += " (the newest listing stored"
        if now.date().weekday() >= 5 and (now.date() - day).days <= 2:
            label += "; arXiv does not announce at weekends"
        label += ")"
    return Window(day, day, label, latest_only=True)


def score(paper: Paper, reasons: list[Match]) -> float:
    best = max((KIND_SCORE.get((m.kind, m.strength), 0) for m in reasons), default=0)
    extra = min(MAX_EXTRA, max(0, len({m.follow_id for m in reasons}) - 1)) * EXTRA_FOLLOW_BONUS
    announce = ANNOUNCE_SCORE.get(paper.announce_type or "", 15)
    # Recency as a fraction below 1, so it only breaks ties within a tier.
    when = paper.updated or paper.published
    recency = 0.0
    if when is not None:
        recency = min(0.999, max(0.0, when.timestamp() / 10_000_000_000))
    elif paper.listing_date is not None:
        recency = min(
            0.999,
            datetime(
                paper.listing_date.year,
                paper.listing_date.month,
                paper.listing_date.day,
                tzinfo=UTC,
            ).timestamp()
            / 10_000_000_000,
        )
    return best + extra + announce + recency


def matches_for(db: Database, paper_ids: list[str]) -> dict[str, list[Match]]:
    found: dict[str, list[Match]] = defaultdict(list)
    for part in chunks(paper_ids):
        rows = db.execute(
            "select m.paper_id, m.follow_id, f.kind, f.value, m.strength, m.reason, m.matched_name from matches m "
            f"join follows f on f.id = m.follow_id where m.paper_id in ({placeholders(part)}) "
            "order by f.kind, f.id",
            list(part),
        ).fetchall()
        for paper_id, follow_id, kind, value, strength, reason, matched_name in rows:
            found[paper_id].append(Match(follow_id, kind, value, strength, reason, matched_name))
    return found


def ranked_cards(db: Database, window: Window, include_all: bool = False) -> list[Card]:
    """Every paper in the window that matches a follow (or every paper, with include_all), best first."""
    start, end = window.start.isoformat(), window.end.isoformat()
    if include_all:
        sql = "select id from papers where listing_date >= ? and listing_date <= ?"
    else:
        sql = (
            "select distinct p.id from papers p join matches m on m.paper_id = p.id "
            "where p.listing_date >= ? and p.listing_date <= ?"
        )
    ids = [r[0] for r in db.execute(sql, [start, end]).fetchall()]
    papers = get_papers(db, ids)
    reasons = matches_for(db, ids)
    cards = [
        Card(papers[i], score(papers[i], reasons.get(i, [])), reasons.get(i, [])) for i in ids if i in papers
    ]
    cards.sort(key=lambda c: (-c.score, c.paper.id))
    for position, card in enumerate(cards, start=1):
        card.rank = position
    return cards
