"""Which papers are on the radar for a window, in what order, and why."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from radar.database import Database
from radar.model import Match, Paper
from radar.store import ANY_BREADTH, chunks, get_papers, matches_a_follow, parse_utc, placeholders
from radar.window import Window

# Follow kind first (author > topic > category), then how the paper was announced
# (new > cross-list > replacement), then recency: each tier outweighs the next.
KIND_SCORE = {
    ("feed", "feed"): 100,
    ("author", "exact"): 300,
    ("author", "initial"): 250,
    ("topic", "phrase"): 200,
    ("category", "primary"): 100,
    # Cross-listed into a followed category is the same tier as primary: the announce
    # type (new > cross-list > replacement) orders them within it.
    ("category", "cross"): 100,
}
ANNOUNCE_SCORE = {"new": 30, "cross": 20, "replace": 10, "replace-cross": 5}
# Each further follow a paper matches, at most MAX_EXTRA of them: 9 in all stays below
# the 10 between announce kinds, so a revision never passes a new paper on it.
EXTRA_FOLLOW_BONUS = 3
MAX_EXTRA = 3


@dataclass
class Card:
    paper: Paper
    score: float
    reasons: list[Match] = field(default_factory=list)
    rank: int = 0
    label_override: str | None = None  # search results say the version, not "NEW"
    relevance: float | None = None  # the interest model's score; None without signals
    relevance_reasons: list[str] = field(default_factory=list)
    suggested: bool = False  # matches no follow; added for its relevance
    in_library: bool = False

    @property
    def label(self) -> str:
        if self.label_override is not None:
            return self.label_override
        if self.suggested:
            return "SUGGESTED"
        kind = announced_as(self.paper.announce_type, self.paper.version)
        if kind == "cross":
            return "CROSS-LIST"
        if kind in ("replace", "replace-cross"):
            return f"UPDATED v{self.paper.version}"
        return "NEW"

    @property
    def followed_authors(self) -> set[str]:
        """Author names (as printed on the paper) that a follow matched."""
        return {m.matched_name for m in self.reasons if m.matched_name}


def announced_as(announce_type: str | None, version: int) -> str:
    """The announce type, or for a paper no listing announced (a snapshot's, an API
    search's) what its version says: new at v1, else a replacement. One answer for the
    card's label and for its place among the others."""
    if announce_type:
        return announce_type
    return "new" if version <= 1 else "replace"


def score(
    announce_type: str | None, when: datetime | None, listing_date: date | None, reasons: list[Match]
) -> float:
    best = max((KIND_SCORE.get((m.kind, m.strength), 0) for m in reasons), default=0)
    return best + within_tier(announce_type, when, listing_date, reasons)


def within_tier(
    announce_type: str | None, when: datetime | None, listing_date: date | None, reasons: list[Match]
) -> float:
    """The part of the score that orders papers within a follow's tier: further follows,
    the announce type, recency. Relevance, when there is a model, replaces it."""
    extra = min(MAX_EXTRA, max(0, len({m.follow_id for m in reasons}) - 1)) * EXTRA_FOLLOW_BONUS
    announce = ANNOUNCE_SCORE.get(announce_type or "", 15)
    # Recency as a fraction below 1, so it only breaks ties within a tier.
    if when is None and listing_date is not None:
        when = datetime(listing_date.year, listing_date.month, listing_date.day, tzinfo=UTC)
    recency = min(0.999, max(0.0, when.timestamp() / 10_000_000_000)) if when is not None else 0.0
    return extra + announce + recency


def paper_score(paper: Paper, reasons: list[Match]) -> float:
    kind = announced_as(paper.announce_type, paper.version)
    return score(kind, paper.updated or paper.published, paper.listing_date, reasons)


def matches_for(db: Database, paper_ids: list[str]) -> dict[str, list[Match]]:
    found: dict[str, list[Match]] = defaultdict(list)
    for part in chunks(paper_ids):
        rows = db.execute(
            "select m.paper_id, m.follow_id, f.kind, f.value, m.strength, m.reason, m.matched_name from matches m "
            f"join follows f on f.id = m.follow_id where {ANY_BREADTH} and m.paper_id in ({placeholders(part)}) "
            "order by f.kind, f.id",
            list(part),
        ).fetchall()
        for paper_id, follow_id, kind, value, strength, reason, matched_name in rows:
            found[paper_id].append(Match(follow_id, kind, value, strength, reason, matched_name))
    return found


@dataclass
class Ranked:
    """A paper's place in the ranking, before its full record is loaded."""

    id: str
    score: float
    reasons: list[Match]
    within: float = 0.0  # the part of the score below the tier (see within_tier)
    relevance: float | None = None
    relevance_reasons: list[str] = field(default_factory=list)
    suggested: bool = False
    in_library: bool = False
    # The model's view (a relevance.Relevance): its reasons are read for the cards shown.
    why: Any = None

    @property
    def tier(self) -> float:
        """The follow's tier, moved by stars and hides like it: what relevance orders within."""
        return self.score - self.within


def window_query(include_all: bool) -> str:
    sql = (
        "select id, announce_type, updated_utc, published_utc, listing_date from papers "
        "where listing_date >= ?1 and listing_date <= ?2 "
        # A journal version is shown unless its arXiv paper is in the same window.
        "and (linked_to is null or not exists (select 1 from papers a where a.id = papers.linked_to "
        "and a.listing_date >= ?1 and a.listing_date <= ?2))"
    )
    if not include_all:
        # EXISTS rather than a join with DISTINCT: it keeps the listing_date index in
        # charge instead of walking every paper (pinned by a test on the query plan).
        sql += f" and {matches_a_follow('papers.id')}"
    return sql


def _versions(db: Database, paper_ids: list[str]) -> dict[str, int]:
    """The versions of papers no listing announced, read apart: the window's query stays
    within its covering index."""
    found: dict[str, int] = {}
    for part in chunks(paper_ids):
        found.update(db.execute(f"select id, version from papers where id in ({placeholders(part)})", part))
    return found


def rank_window(db: Database, window: Window, include_all: bool = False) -> list[Ranked]:
    """Every paper in the window that matches a follow (or every paper), best first.

    Only the columns ranking needs are read here; full records are loaded for the
    page that is shown (`load_cards`), so a window of thousands stays fast.
    """
    rows = db.execute(
        window_query(include_all), [window.start.isoformat(), window.end.isoformat()]
    ).fetchall()
    reasons = matches_for(db, [r[0] for r in rows])
    versions = _versions(db, [r[0] for r in rows if not r[1]])
    ranked = []
    for paper_id, listed_as, updated, published, listing in rows:
        announce_type = announced_as(listed_as, versions.get(paper_id, 1))
        stamp = updated or published
        when = parse_utc(stamp)
        mine = reasons.get(paper_id, [])
        day = date.fromisoformat(listing) if listing else None
        below = within_tier(announce_type, when, day, mine)
        ranked.append(Ranked(paper_id, score(announce_type, when, day, mine), mine, below))
    ranked.sort(key=lambda r: (-r.score, r.id))
    return ranked


def relevance_reasons(r: Ranked) -> list[str]:
    """Said only of papers the model counts as liked (those it moved up) and suggestions."""
    if r.why is None or r.relevance is None or not (r.relevance > 0 or r.suggested):
        return []
    return list(r.why.reasons())


def load_cards(db: Database, ranked: list[Ranked], first_rank: int = 1) -> list[Card]:
    papers = get_papers(db, [r.id for r in ranked])
    return [
        Card(
            papers[r.id],
            r.score,
            r.reasons,
            rank,
            relevance=r.relevance,
            relevance_reasons=r.relevance_reasons or relevance_reasons(r),
            suggested=r.suggested,
            in_library=r.in_library,
        )
        for rank, r in enumerate(ranked, start=first_rank)
        if r.id in papers
    ]


def ranked_cards(db: Database, window: Window, include_all: bool = False) -> list[Card]:
    """All cards of a window, ranked (for callers that want every paper loaded)."""
    return load_cards(db, rank_window(db, window, include_all))
