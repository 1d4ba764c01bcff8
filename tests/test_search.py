"""`radar search`: FTS5 search of the local store, its filters and errors, and the query
plans that keep radar's hot queries on their indexes at millions of papers."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from conftest import run_radar
from feeds import Item, api_feed, write

from radar.database import Database
from radar.errors import UsageError
from radar.follows import add_follow
from radar.ingest import save_papers
from radar.rank import rank_window, window_query
from radar.search import build_query, search
from radar.sources.arxiv_api import parse_api_response
from radar.store import newest_listing_date, open_db
from radar.window import window_for

ITEMS = [
    Item(
        "2611.00001",
        title="World Models for Robot Planning",
        abstract="We learn a world model and plan with it, the way compilers plan a program.",
        authors=["Krish Sharma", "Ada Lovelace"],
        categories=["cs.RO", "cs.LG"],
        published="2026-11-18T10:00:00Z",
    ),
    Item(
        "2611.00002",
        title="Planning in latent space",
        abstract="Agents that models the world use latent planning; world models are one case.",
        authors=["Krishna Sharma"],
        categories=["cs.LG"],
        published="2026-11-10T10:00:00Z",
    ),
    Item(
        "2611.00003",
        title="Scaling laws of language",
        abstract="Models of the world and of language: the words appear apart here, never as a phrase.",
        authors=["K. Sharma", "Grace Hopper"],
        categories=["cs.CL"],
        published="2025-01-10T10:00:00Z",
    ),
    Item(
        "2611.00004",
        title="Self-supervised C++ compilers",
        abstract="Nothing about the topic of the others.",
        authors=["Alan Turing"],
        categories=["cs.PL"],
        published="2026-11-19T10:00:00Z",
    ),
]


@pytest.fixture
def db(tmp_path: Path, radar_home: Path) -> Database:
    database = open_db(radar_home / "radar.db")
    save_papers(database, parse_api_response(api_feed(ITEMS)).papers)
    return database


def ids(cards) -> list[str]:  # type: ignore[no-untyped-def]
    return [c.paper.id for c in cards]


def test_plain_words_are_all_required_and_the_phrase_ranks_first(db: Database) -> None:
    found = ids(search(db, "world models"))
    # All three have both words; the two with the phrase come first, the title match on top.
    assert found[:2] == ["2611.00001", "2611.00002"]
    assert found[2:] == ["2611.00003"]
    assert ids(search(db, "world planning robot")) == ["2611.00001"]


def test_title_words_weigh_more_than_abstract_words(db: Database) -> None:
    # 00004 has "compilers" once in its title; 00001 once in a longer abstract.
    assert ids(search(db, "compilers")) == ["2611.00004", "2611.00001"]


def test_special_characters_in_plain_words_are_words(db: Database) -> None:
    assert ids(search(db, "self-supervised")) == ["2611.00004"]
    assert ids(search(db, "C++ compilers")) == ["2611.00004"]


def test_fts5_syntax_passes_through(db: Database) -> None:
    assert ids(search(db, '"world models" NOT robot')) == ["2611.00002"]
    assert set(ids(search(db, "plan*"))) == {"2611.00001", "2611.00002"}
    assert ids(search(db, "title:language")) == ["2611.00003"]


@pytest.mark.parametrize("query", ['"unclosed', "a AND OR b", "title:(", "world NOT NOT x"])
def test_bad_fts_syntax_is_a_usage_error(db: Database, query: str) -> None:
    with pytest.raises(UsageError, match="cannot search for"):
        search(db, query)


def test_author_filter_is_as_strict_as_a_follow(db: Database) -> None:
    # "Krish Sharma" is not "Krishna Sharma"; "K. Sharma" may be either (initials).
    assert set(ids(search(db, "world", author="Krish Sharma"))) == {"2611.00001", "2611.00003"}
    assert set(ids(search(db, "world", author="Krishna Sharma"))) == {"2611.00002", "2611.00003"}
    assert ids(search(db, "world", author="Nobody Atall")) == []


def test_category_and_since_filters(db: Database) -> None:
    # Cross-listed papers count for the category they are listed in.
    assert set(ids(search(db, "world", categories=["cs.LG"]))) == {"2611.00001", "2611.00002"}
    assert ids(search(db, "world", categories=["cs.RO"])) == ["2611.00001"]
    assert set(ids(search(db, "world", categories=["cs.RO", "cs.CL"]))) == {"2611.00001", "2611.00003"}
    assert set(ids(search(db, "world", since=date(2026, 1, 1)))) == {"2611.00001", "2611.00002"}
    assert ids(search(db, "world", since=date(2026, 1, 1), limit=1)) == ["2611.00001"]


def test_ranking_reads_past_its_first_window_when_filters_need_it(
    tmp_path: Path, radar_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from radar import search as search_module

    # The only paper in cs.GT ranks last of 60: 59 others hold the word in their title.
    items = [
        Item(
            f"2611.{n:05d}",
            title=f"World models, part {n}",
            abstract="A world of models.",
            authors=["Ada Lovelace"],
            categories=["cs.AI"],
            published="2026-11-18T10:00:00Z",
        )
        for n in range(1, 60)
    ]
    items.append(
        Item(
            "2611.00060",
            title="Auctions",
            abstract="Bidders in a market, with one mention of the world among many other words "
            + "and more words " * 30,
            authors=["Grace Hopper"],
            categories=["cs.GT"],
            published="2026-11-18T10:00:00Z",
        )
    )
    db = open_db(radar_home / "radar.db")
    save_papers(db, parse_api_response(api_feed(items)).papers)
    # A first window of 50 rows, read 5 at a time, leaves the paper to the second query.
    monkeypatch.setattr(search_module, "RANKED_WINDOW", 0)
    monkeypatch.setattr(search_module, "RANKED_CHUNK", 1)
    assert ids(search(db, "world", categories=["cs.GT"], limit=1)) == ["2611.00060"]

    # The two queries meet exactly: every match once, in the order of one full ranking.
    full = db.execute(
        "select rowid from papers_fts where papers_fts match 'world' "
        "order by bm25(papers_fts, ?, 1.0), rowid",
        [search_module.TITLE_WEIGHT],
    ).fetchall()
    read = [row[0] for chunk in search_module._ranking(db, "papers_fts", "world", 7, 25) for row in chunk]
    assert read == [row[0] for row in full] and len(read) == 60


def test_a_fetch_between_the_ranking_queries_gives_no_paper_twice(radar_home: Path) -> None:
    from radar import search as search_module

    def items(first: int, count: int, title: str) -> list[Item]:
        return [
            Item(f"2611.{n:05d}", title=title, abstract="The world, once.", categories=["cs.AI"])
            for n in range(first, first + count)
        ]

    db = open_db(radar_home / "radar.db")
    save_papers(db, parse_api_response(api_feed(items(1, 20, "Plain"))).papers)
    ranking = search_module._ranking(db, "papers_fts", "world", 5, 5)
    first = next(ranking)
    # Better matches committed by another process push the first window's rows down.
    other = open_db(radar_home / "radar.db")
    save_papers(other, parse_api_response(api_feed(items(100, 10, "World models"))).papers)
    other.close()
    given = [row[0] for chunk in [first, *ranking] for row in chunk]
    assert len(given) == len(set(given)) and set(given) >= {row[0] for row in first}


def test_capitalised_words_alone_are_not_operators(db: Database) -> None:
    assert build_query("NOT gate").fts == '"NOT" "gate"'
    assert build_query("NEAR-field optics").fts == '"NEAR-field" "optics"'
    assert build_query("world AND models").fts == "world AND models"


def test_build_query_quotes_plain_words() -> None:
    q = build_query("self-supervised  world")
    assert q.fts == '"self-supervised" "world"' and q.phrase == '"self-supervised world"'
    assert build_query("word").phrase is None
    assert build_query('"exact phrase" OR x').fts == '"exact phrase" OR x'
    with pytest.raises(UsageError):
        build_query("  !!! ")


def test_search_cli_text_json_and_errors(tmp_path: Path, radar_home: Path) -> None:
    feed = write(tmp_path / "page.xml", api_feed(ITEMS))
    assert run_radar("import", str(feed)).returncode == 0
    text = run_radar("search", "world models", "--category", "cs.LG", "--since", "2026-01-01")
    assert text.returncode == 0, text.stderr
    assert text.stdout.startswith("radar search · world models · best 2 papers")
    assert "01. arXiv (cs.RO) · 2026-11-18 · v1" in text.stdout
    as_json = run_radar("search", "world", "--author", "Krish Sharma", "--format", "json")
    assert as_json.returncode == 0, as_json.stderr
    assert {p["id"] for p in json.loads(as_json.stdout)} == {"2611.00001", "2611.00003"}
    bad = run_radar("search", '"unclosed')
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert bad.stderr.strip().startswith("Error: cannot search for '\"unclosed': unterminated string")
    assert len(bad.stderr.strip().splitlines()) == 1
    none = run_radar("search", "zebra", "--format", "json")
    assert none.returncode == 0 and none.stdout.strip() == "[]" and "No stored paper matches" in none.stderr
    fielded = run_radar("search", "authors:Sharma")
    assert fielded.returncode == 0 and fielded.stderr.strip() == (
        "No stored paper matches 'authors:Sharma'. "
        "Search reads titles and abstracts: filter with --author or --category."
    )
    surname = run_radar("search", "world", "--author", "Sharma")
    assert surname.returncode == 2 and surname.stderr.startswith("Error: 'Sharma' has no first name")
    either = run_radar("search", "world", "-c", "cs.RO", "--category", "cs.CL", "--format", "json")
    assert {p["id"] for p in json.loads(either.stdout)} == {"2611.00001", "2611.00003"}
    unknown = run_radar("search", "world", "--category", "cs.XX")
    assert unknown.returncode == 2 and "unknown arXiv category" in unknown.stderr


# --- query plans --------------------------------------------------------------------------


def plan(db: Database, sql: str, params: object = ()) -> str:
    rows = db.execute(f"explain query plan {sql}", params).fetchall()
    return "\n".join(r[-1] for r in rows)


def test_search_runs_on_the_fts_index(db: Database) -> None:
    text = plan(
        db,
        "select p.id from papers_fts join papers p on p.rowid = papers_fts.rowid "
        "where papers_fts match ? and exists (select 1 from paper_categories pc "
        "where pc.paper_id = p.id and pc.category in (?, ?)) order by bm25(papers_fts) limit 20",
        ['"world"', "cs.LG", "stat.ML"],
    )
    assert "VIRTUAL TABLE INDEX" in text
    assert "SEARCH p USING INTEGER PRIMARY KEY (rowid=?)" in text
    assert (
        "SEARCH pc USING COVERING INDEX sqlite_autoindex_paper_categories_1 (paper_id=? AND category=?)"
        in text
    )
    assert "SCAN p" not in text.replace("SCAN papers_fts VIRTUAL TABLE", "")


def test_author_lookup_uses_the_surname_index(db: Database) -> None:
    # The spellings under the surname, then the papers of those that may be the person.
    spellings = plan(db, "select distinct name from paper_authors where name_key = ?", ["sharma"])
    assert (
        "SEARCH paper_authors USING COVERING INDEX idx_paper_authors_name_key_name (name_key=?)" in spellings
    )
    text = plan(
        db,
        "select p.rowid from paper_authors pa join papers p on p.id = pa.paper_id "
        "where pa.name_key = ? and pa.name in (?)",
        ["sharma", "Krish Sharma"],
    )
    # The paper ids come from the index itself, not a row lookup each.
    assert "SEARCH pa USING COVERING INDEX idx_paper_authors_name_key_name (name_key=? AND name=?)" in text
    assert "SEARCH p USING COVERING INDEX sqlite_autoindex_papers_1 (id=?)" in text


def test_today_walks_the_listing_date_index(db: Database) -> None:
    for include_all in (False, True):
        text = plan(db, window_query(include_all), ["2026-11-20", "2026-11-20"])
        assert (
            "SEARCH papers USING COVERING INDEX idx_papers_listing_date (listing_date>? AND listing_date<?)"
            in text
        )
        assert "SCAN" not in text, text
    # And it really returns the day's papers.
    add_follow(db, "category", "cs.LG")
    window = window_for(db, "2026-11-18", "2026-11-19")
    assert window is not None
    assert [r.id for r in rank_window(db, window)] == ["2611.00001"]


def test_newest_matched_day_and_follow_counts_use_indexes(db: Database) -> None:
    traced: list[str] = []
    db.conn.set_trace_callback(traced.append)
    newest_listing_date(db, matched_only=True)
    db.conn.set_trace_callback(None)
    newest = plan(db, next(s for s in traced if "from matches" in s))
    assert "SCAN papers USING" in newest and "INDEX idx_papers_listing_date" in newest
    assert "USING COVERING INDEX idx_matches_broad_paper_id (broad=? AND paper_id=?)" in newest
    counts = plan(db, "select follow_id, count(*) from matches group by follow_id")
    assert "SCAN matches USING COVERING INDEX" in counts or "USING INDEX sqlite_autoindex_matches_1" in counts
    preview = plan(
        db,
        "select p.id from matches m join papers p on p.id = m.paper_id where m.follow_id = ? "
        "order by p.listing_date desc, p.id desc",
        [1],
    )
    assert "SEARCH m USING" in preview and "(follow_id=?)" in preview


def test_the_journal_link_check_keeps_its_index_under_real_statistics(db: Database) -> None:
    from radar.store.papers import _FEED_PAPERS

    # What ANALYZE records for 3 million arXiv papers: one value (null) in the source
    # index. Given that, the planner scanned the table on every save (9 s per fetch).
    db.execute("analyze")
    db.execute("delete from sqlite_stat1 where tbl = 'papers'")
    db.execute("insert into sqlite_stat1 values ('papers', 'idx_papers_source', '3000000 3000000')")
    db.execute("insert into sqlite_stat1 values ('papers', 'sqlite_autoindex_papers_1', '3000000 1')")
    db.conn.commit()
    db.execute("analyze sqlite_schema")  # load the statistics into the planner
    bare = plan(db, "select exists(select 1 from papers where source is not null and linked_to is null)")
    assert "SCAN papers" in bare  # the trap
    named = plan(db, f"select exists(select 1 from papers {_FEED_PAPERS} and linked_to is null)")
    assert "SEARCH papers USING INDEX idx_papers_source (source>?)" in named
