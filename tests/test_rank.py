"""Ranking: which papers are on the radar for a window, and in what order."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from feeds import Item, api_feed, rss_feed

from radar.database import Database
from radar.errors import UsageError
from radar.follows import add_follow
from radar.ingest import save_papers
from radar.rank import ranked_cards
from radar.sources.arxiv_api import parse_api_response
from radar.sources.arxiv_rss import parse_listing
from radar.store import open_db
from radar.window import Window, parse_since, window_for

DAY = "2026-11-20"  # a Friday
FRIDAY = Window(
    date(2026, 11, 20),
    date(2026, 11, 20),
    "Friday 2026-11-20",
    latest_only=True,
    phrase="on Friday 2026-11-20",
)
NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


@pytest.fixture
def db(tmp_path: Path) -> Database:
    return open_db(tmp_path / "radar.db")


def store(db: Database, items: list[Item], day: str = DAY, with_api: bool = True) -> None:
    """API data first (submission times), then the day's listing (how each was announced)."""
    if with_api:
        save_papers(db, parse_api_response(api_feed(items)).papers)
    save_papers(db, parse_listing(rss_feed(items, day=day)).papers)


def ids(cards) -> list[str]:
    return [c.paper.id for c in cards]


# --- order --------------------------------------------------------------------------------


def test_author_above_topic_above_category(db: Database) -> None:
    add_follow(db, "author", "Sham Kakade")
    add_follow(db, "topic", "world models")
    add_follow(db, "category", "cs.LG")
    # Ids and announce types are chosen against the expected order, so neither the id
    # tie-break nor the announce bonus can produce it by accident.
    store(
        db,
        [
            Item("2611.00001", title="Sparse coding", categories=["cs.LG"], announce="new"),
            Item("2611.00002", title="Scaling world models", categories=["math.OC"], announce="cross"),
            Item(
                "2611.00003",
                title="Bandits",
                authors=["Sham M. Kakade"],
                categories=["math.OC"],
                announce="replace",
                version=2,
            ),
        ],
    )
    cards = ranked_cards(db, FRIDAY)
    assert ids(cards) == ["2611.00003", "2611.00002", "2611.00001"]
    assert [c.rank for c in cards] == [1, 2, 3]
    assert cards[0].score > cards[1].score > cards[2].score
    assert [[m.kind for m in c.reasons] for c in cards] == [["author"], ["topic"], ["category"]]
    assert cards[0].followed_authors == {"Sham M. Kakade"}
    assert [c.label for c in cards] == ["UPDATED v2", "CROSS-LIST", "NEW"]


def test_within_a_tier_new_above_cross_above_replace(db: Database) -> None:
    add_follow(db, "topic", "world models")
    # The replacement is the most recently submitted and has the smallest id: only the
    # announce type can put it last.
    store(
        db,
        [
            Item(
                "2611.00001",
                title="World models, revised",
                announce="replace",
                version=2,
                published="2026-10-01T10:00:00Z",
                updated="2026-11-19T18:00:00Z",
            ),
            Item(
                "2611.00002",
                title="World models, cross-listed",
                announce="cross",
                published="2026-11-19T12:00:00Z",
            ),
            Item("2611.00003", title="World models, new", announce="new", published="2026-11-19T08:00:00Z"),
        ],
    )
    cards = ranked_cards(db, FRIDAY)
    assert ids(cards) == ["2611.00003", "2611.00002", "2611.00001"]
    assert [c.paper.announce_type for c in cards] == ["new", "cross", "replace"]


def test_replace_cross_ranks_below_replace(db: Database) -> None:
    add_follow(db, "topic", "world models")
    store(
        db,
        [
            Item("2611.00001", title="World models a", announce="replace-cross", version=2),
            Item("2611.00002", title="World models b", announce="replace", version=2),
        ],
        with_api=False,
    )
    assert ids(ranked_cards(db, FRIDAY)) == ["2611.00002", "2611.00001"]


def test_then_recency(db: Database) -> None:
    add_follow(db, "topic", "world models")
    store(
        db,
        [
            Item("2611.00001", title="World models, earlier", published="2026-11-18T09:00:00Z"),
            Item("2611.00002", title="World models, later", published="2026-11-19T17:00:00Z"),
        ],
    )
    cards = ranked_cards(db, FRIDAY)
    assert ids(cards) == ["2611.00002", "2611.00001"]
    assert 0 < cards[0].score - cards[1].score < 1  # recency only breaks the tie


def test_more_follows_rank_higher_within_a_tier(db: Database) -> None:
    add_follow(db, "topic", "world models")
    add_follow(db, "category", "cs.LG")
    store(
        db,
        [
            Item("2611.00001", title="World models here", categories=["math.OC"]),
            Item("2611.00002", title="World models there", categories=["cs.LG"]),
        ],
        with_api=False,
    )
    cards = ranked_cards(db, FRIDAY)
    assert ids(cards) == ["2611.00002", "2611.00001"]
    assert sorted(m.kind for m in cards[0].reasons) == ["category", "topic"]


def test_unmatched_papers_are_left_out(db: Database) -> None:
    add_follow(db, "topic", "world models")
    store(db, [Item("2611.00001", title="World models"), Item("2611.00002", title="Something else")])
    assert ids(ranked_cards(db, FRIDAY)) == ["2611.00001"]


def test_include_all_adds_unmatched_papers_below_matched_ones(db: Database) -> None:
    add_follow(db, "category", "cs.LG")
    store(
        db,
        [
            # The weakest kind of match: a cross-listed replacement of a cross-listed paper.
            Item("2611.00009", categories=["math.OC", "cs.LG"], announce="replace-cross", version=2),
            # Unmatched, but new and (for the API) the most recent.
            Item("2611.00001", categories=["math.OC"], announce="new", published="2026-11-19T23:00:00Z"),
            Item("2611.00002", categories=["q-bio.NC"], announce="new"),
        ],
    )
    matched_only = ranked_cards(db, FRIDAY)
    assert ids(matched_only) == ["2611.00009"]
    cards = ranked_cards(db, FRIDAY, include_all=True)
    assert ids(cards)[0] == "2611.00009"
    assert set(ids(cards)[1:]) == {"2611.00001", "2611.00002"}
    assert [c.reasons for c in cards[1:]] == [[], []]
    assert all(c.score < cards[0].score for c in cards[1:])
    assert [c.rank for c in cards] == [1, 2, 3]


# --- windows ------------------------------------------------------------------------------


def test_window_for_defaults_to_the_newest_listing_day(db: Database) -> None:
    add_follow(db, "category", "cs.LG")
    store(db, [Item("2611.00001")], day="2026-11-19", with_api=False)
    store(db, [Item("2611.00002")], day="2026-11-20", with_api=False)
    window = window_for(db, None, now=NOW)
    assert window == FRIDAY
    assert ids(ranked_cards(db, window)) == ["2611.00002"]


def test_window_label_says_when_the_newest_day_is_not_today(db: Database) -> None:
    store(db, [Item("2611.00001")], day="2026-11-20", with_api=False)
    saturday = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
    window = window_for(db, None, now=saturday)
    assert window is not None
    assert (window.start, window.end, window.latest_only) == (date(2026, 11, 20), date(2026, 11, 20), True)
    assert (
        window.label == "Friday 2026-11-20 (the newest listing stored; arXiv does not announce at weekends)"
    )
    tuesday = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    assert window_for(db, None, now=tuesday).label == "Friday 2026-11-20 (the newest listing stored)"


def test_window_for_empty_store_is_none(db: Database) -> None:
    assert window_for(db, None, now=NOW) is None


def test_window_for_since_and_until(db: Database) -> None:
    add_follow(db, "category", "cs.LG")
    for n, day in enumerate(["2026-11-16", "2026-11-18", "2026-11-20"], start=1):
        store(db, [Item(f"2611.0000{n}")], day=day, with_api=False)
    since = window_for(db, "3d", now=NOW)
    assert since is not None
    assert (since.start, since.end, since.latest_only) == (date(2026, 11, 17), date(2026, 11, 21), False)
    assert since.label == since.in_words == "since 2026-11-17"
    assert sorted(ids(ranked_cards(db, since))) == ["2611.00002", "2611.00003"]
    bounded = window_for(db, "2026-11-15", "2026-11-18", now=NOW)
    assert bounded is not None
    assert bounded.label == "2026-11-15 to 2026-11-18"
    assert bounded.in_words == "from 2026-11-15 to 2026-11-18"
    assert sorted(ids(ranked_cards(db, bounded))) == ["2611.00001", "2611.00002"]
    with pytest.raises(UsageError, match="before it starts"):
        window_for(db, "2026-11-18", "2026-11-15", now=NOW)
    with pytest.raises(
        UsageError, match=r"^'2027-01-01' is in the future: nothing has been listed since then yet$"
    ):
        window_for(db, "2027-01-01", now=NOW)
    # Today's own listing is not the future.
    assert window_for(db, NOW.date().isoformat(), now=NOW) is not None


# --- parse_since --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("24h", date(2026, 11, 19)),
        ("1h", date(2026, 11, 20)),
        ("16h", date(2026, 11, 19)),
        ("3d", date(2026, 11, 17)),
        ("3D", date(2026, 11, 17)),
        (" 2w ", date(2026, 11, 6)),
        ("2026-11-01", date(2026, 11, 1)),
    ],
)
def test_parse_since_accepts(text: str, expected: date) -> None:
    assert parse_since(text, now=NOW) == expected


@pytest.mark.parametrize("text", ["", "yesteryear", "3", "3x", "d3", "-3d", "2026-13-01", "3 days"])
def test_parse_since_refuses(text: str) -> None:
    with pytest.raises(UsageError, match="use 24h, 3d, 2w or a date"):
        parse_since(text, now=NOW)


def test_window_query_uses_the_listing_date_index(tmp_path) -> None:
    """The ranking query must start from the listing_date index, not walk every paper."""
    from radar.store import open_db

    db = open_db(tmp_path / "plan.db")
    from radar.rank import window_query

    sql = "explain query plan " + window_query(include_all=False)
    plan = " | ".join(row[3] for row in db.execute(sql, ["2026-11-20", "2026-11-20"]).fetchall())
    assert "INDEX idx_papers_listing_date" in plan, plan
    assert "USING COVERING INDEX idx_matches_broad_paper_id (broad=? AND paper_id=?)" in plan, plan


def test_a_cross_list_ranks_above_a_replacement_in_the_same_tier(tmp_path) -> None:
    """New > cross-list > replacement within a tier, whatever the primary category."""
    from feeds import Item, rss_feed

    from radar.follows import add_follow
    from radar.ingest import save_papers
    from radar.sources.arxiv_rss import parse_listing
    from radar.store import open_db

    db = open_db(tmp_path / "tier.db")
    items = [
        Item("2611.00001", announce="replace", version=3),
        Item("2611.00002", announce="cross", categories=["stat.ML", "cs.LG"]),
        Item("2611.00003"),
    ]
    save_papers(db, parse_listing(rss_feed(items)).papers)
    add_follow(db, "category", "cs.LG")
    assert ids(ranked_cards(db, FRIDAY)) == ["2611.00003", "2611.00002", "2611.00001"]
