"""radar fetch and radar follow against a real HTTP server on loopback: the happy paths."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import run_radar
from feeds import Item, api_feed, rss_feed
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from radar.names import parse_name
from radar.sources.arxiv_api import author_query, topic_query

ATOM = "application/atom+xml; charset=utf-8"
RSS = "application/rss+xml; charset=utf-8"


class Arxiv:
    """A stand-in arXiv on loopback: an API that answers from a list of papers, and listings."""

    def __init__(self, server: HTTPServer) -> None:
        self.server = server
        self.papers: list[Item] = []
        self.listing: bytes = rss_feed([])
        self.listing_etag = '"listing-1"'
        self.requests: list[dict[str, str]] = []
        self.api_filter: Callable[[str, Item], bool] = lambda query, item: True
        # arXiv's misbehaviour, by the start of a page: fewer results than asked for,
        # or a response cut off half-way.
        self.short_pages: dict[int, int] = {}
        self.broken_pages: set[int] = set()
        # A page held until `release` is set (radar waits on it), with `reached` set on arrival.
        self.held_page: int | None = None
        self.reached, self.release = threading.Event(), threading.Event()
        server.expect_request("/api/query").respond_with_handler(self._api)
        server.expect_request("/rss/cs.LG").respond_with_handler(self._rss)
        server.expect_request("/rss/cs.LG+stat.ML").respond_with_handler(self._rss)

    @property
    def env(self) -> dict[str, str]:
        return {
            "RADAR_ARXIV_API_URL": self.server.url_for("/api/query"),
            "RADAR_ARXIV_RSS_URL": self.server.url_for("/rss/"),
        }

    def _api(self, request: Request) -> Response:
        args = dict(request.args)
        self.requests.append({"kind": "api", **args})
        query = args["search_query"]
        hits = [p for p in self.papers if self.api_filter(query, p)]
        hits.sort(key=lambda p: p.updated or p.published, reverse=True)
        start, size = int(args.get("start", 0)), int(args.get("max_results", 10))
        if start == self.held_page:
            self.reached.set()
            self.release.wait(30)
        page = hits[start : start + min(size, self.short_pages.get(start, size))]
        body = api_feed(page, total=len(hits), start=start, query=query)
        if start in self.broken_pages:
            body = body[: len(body) // 2]
        return Response(body, content_type=ATOM)

    def _rss(self, request: Request) -> Response:
        self.requests.append(
            {"kind": "rss", "path": request.path, "if_none_match": request.headers.get("If-None-Match", "")}
        )
        if request.headers.get("If-None-Match") == self.listing_etag:
            return Response(status=304)
        return Response(self.listing, content_type=RSS, headers={"ETag": self.listing_etag})

    def api_requests(self) -> list[dict[str, str]]:
        return [r for r in self.requests if r["kind"] == "api"]


@pytest.fixture
def arxiv(httpserver: HTTPServer) -> Arxiv:
    return Arxiv(httpserver)


def radar(arxiv: Arxiv, *args: str, env: dict[str, str] | None = None):
    return run_radar(*args, env={**arxiv.env, **(env or {})})


def by_author(query: str, item: Item) -> bool:
    """The API's looseness: any author whose surname appears in the query matches."""
    return any(a.split()[-1].lower() in query for a in item.authors)


def test_author_query_tolerates_middle_names_and_batches_with_or() -> None:
    assert author_query(parse_name("Sham M. Kakade")) == "au:(sham AND kakade)"
    assert author_query(parse_name("Adrian Del Maestro")) == "au:(adrian AND del AND maestro)"
    assert author_query(parse_name("A. Krishnamurthy")) == "au:krishnamurthy"
    assert topic_query('world "models"') == 'ti:"world models" OR abs:"world models"'


def test_sixty_authors_cost_six_requests_per_fetch(arxiv: Arxiv) -> None:
    names = [f"Person{i:02d} Surname{i:02d}" for i in range(60)]
    arxiv.papers = [
        Item(f"2611.{i:05d}", authors=[n], published="2026-11-19T10:00:00Z") for i, n in enumerate(names)
    ]
    arxiv.api_filter = by_author
    for name in names:
        assert radar(arxiv, "follow", "--no-fetch", name).returncode == 0
    first = json.loads(radar(arxiv, "fetch", "--format", "json").stdout)
    assert first["ok"] and first["requests"] == 6 and first["new"] == 60
    assert first["by_followed_authors"] == 60
    assert all(q["search_query"].count(" OR ") == 9 for q in arxiv.api_requests())
    assert all(
        q["sortBy"] == "lastUpdatedDate" and q["sortOrder"] == "descending" for q in arxiv.api_requests()
    )
    second = json.loads(radar(arxiv, "fetch", "--format", "json").stdout)
    assert second["requests"] == 6 and second["new"] == 0


def test_incremental_fetch_pages_only_back_to_the_watermark(arxiv: Arxiv) -> None:
    arxiv.papers = [
        Item(f"2610.{i:05d}", authors=["Sham M. Kakade"], published=f"2026-10-{1 + i % 28:02d}T10:00:00Z")
        for i in range(150)
    ]
    arxiv.api_filter = by_author
    radar(arxiv, "follow", "--no-fetch", "Sham Kakade")
    first = json.loads(radar(arxiv, "fetch", "--format", "json").stdout)
    assert first["new"] == 150
    pages_first = len(arxiv.api_requests())
    assert pages_first == 1  # a new follow asks for 200 at a time
    arxiv.papers.append(Item("2611.99999", authors=["Sham Kakade"], published="2026-11-20T10:00:00Z"))
    arxiv.requests.clear()
    second = json.loads(radar(arxiv, "fetch", "--format", "json").stdout)
    assert second["new"] == 1
    requests = arxiv.api_requests()
    assert len(requests) == 1 and requests[0]["start"] == "0" and requests[0]["max_results"] == "100"


def test_api_results_are_filtered_with_the_precise_matcher(arxiv: Arxiv) -> None:
    arxiv.papers = [
        Item("2611.00001", authors=["Krish Sharma", "Bo Bee"], published="2026-11-19T10:00:00Z"),
        Item("2611.00002", authors=["Pratyusha Sharma"], published="2026-11-18T10:00:00Z"),
        Item("2611.00003", authors=["Pratyusha Sharma"], published="2026-11-17T10:00:00Z"),
        Item("2611.00004", authors=["Krishna Sharma"], published="2026-11-16T10:00:00Z"),
    ]
    arxiv.api_filter = by_author
    result = radar(arxiv, "follow", "Krish Sharma")
    assert result.returncode == 0, result.stderr
    assert "Following author Krish Sharma: 1 paper stored." in result.stderr
    assert "not counted: 2 papers by Pratyusha Sharma" in result.stderr
    assert "not counted: 1 paper by Krishna Sharma" in result.stderr
    assert "frequent co-authors: Bo Bee (1)" in result.stderr
    assert "main categories: cs.LG (1)" in result.stderr
    stored = json.loads(radar(arxiv, "today", "--all", "--since", "2026-01-01", "--format", "json").stdout)
    assert [c["id"] for c in stored] == ["2611.00001"]
    # A new follow looks back a year, in large pages.
    assert arxiv.api_requests()[0]["max_results"] == "200"


def test_a_coauthor_sharing_the_surname_is_no_near_miss(arxiv: Arxiv) -> None:
    arxiv.papers = [
        Item("2611.00001", authors=["Krish Sharma", "Anil Sharma"], published="2026-11-19T10:00:00Z"),
        Item("2611.00002", authors=["Anil Sharma"], published="2026-11-18T10:00:00Z"),
    ]
    arxiv.api_filter = by_author
    result = radar(arxiv, "follow", "Krish Sharma")
    assert result.returncode == 0, result.stderr
    # Only the paper Krish is not on: the one they wrote together is counted.
    assert "not counted: 1 paper by Anil Sharma" in result.stderr


def test_new_version_is_an_update(arxiv: Arxiv) -> None:
    arxiv.papers = [Item("2611.00010", authors=["Ada Lovelace"], published="2026-11-10T10:00:00Z")]
    radar(arxiv, "follow", "Ada Lovelace")
    arxiv.papers = [
        Item(
            "2611.00010",
            version=2,
            authors=["Ada Lovelace"],
            published="2026-11-10T10:00:00Z",
            updated="2026-11-20T09:00:00Z",
        )
    ]
    summary = json.loads(radar(arxiv, "fetch", "--format", "json").stdout)
    assert (summary["new"], summary["updated"], summary["by_followed_authors"]) == (0, 1, 1)
    card = json.loads(radar(arxiv, "today", "--format", "json").stdout)[0]
    assert card["label"] == "UPDATED v2" and card["published"] == "2026-11-10T10:00:00Z"


def test_listing_is_revalidated_with_its_etag(arxiv: Arxiv) -> None:
    arxiv.listing = rss_feed(
        [Item("2611.00020"), Item("2611.00021", categories=["stat.ML", "cs.LG"], announce="cross")]
    )
    result = radar(arxiv, "follow", "--category", "cs.LG")
    assert result.returncode == 0 and "Following category cs.LG: 2 papers stored." in result.stderr
    fetched = radar(arxiv, "fetch")
    assert fetched.returncode == 0
    assert "arXiv listing cs.LG: unchanged since the last fetch" in fetched.stderr
    rss = [r for r in arxiv.requests if r["kind"] == "rss"]
    assert rss[-1]["if_none_match"] == arxiv.listing_etag


def test_all_categories_in_one_combined_request(arxiv: Arxiv) -> None:
    arxiv.listing = rss_feed([Item("2611.00030")], cats=("cs.LG", "stat.ML"))
    radar(arxiv, "follow", "--no-fetch", "--category", "stat.ML", "--category", "cs.LG")
    assert radar(arxiv, "fetch").returncode == 0
    assert [r["path"] for r in arxiv.requests] == ["/rss/cs.LG+stat.ML"]


def test_weekend_listing_is_reported_as_such(arxiv: Arxiv) -> None:
    arxiv.listing = rss_feed([], day="2026-11-21")
    radar(arxiv, "follow", "--no-fetch", "--category", "cs.LG")
    result = radar(arxiv, "fetch")
    assert result.returncode == 0
    assert "no announcements today (arXiv does not announce at weekends and on holidays)" in result.stderr


def test_missed_listing_days_are_backfilled_through_the_api(arxiv: Arxiv) -> None:
    radar(arxiv, "follow", "--no-fetch", "--category", "cs.LG")
    arxiv.listing = rss_feed([Item("2611.00040")], day="2026-11-16")  # Monday
    assert radar(arxiv, "fetch").returncode == 0
    # Tuesday to Thursday's runs never happened; Friday's listing arrives.
    arxiv.listing = rss_feed([Item("2611.00044")], day="2026-11-20")
    arxiv.listing_etag = '"listing-2"'
    arxiv.papers = [
        Item("2611.00042", published="2026-11-17T15:00:00Z"),
        Item("2611.00043", published="2026-11-18T15:00:00Z"),
    ]
    result = radar(arxiv, "fetch")
    assert result.returncode == 0, result.stderr
    assert "backfilled 2 papers from missed days" in result.stderr
    query = arxiv.api_requests()[-1]["search_query"]
    # Four days before Monday's listing: Friday afternoon's submissions are in Tuesday's.
    assert query == "(cat:cs.LG) AND submittedDate:[202611120000 TO 202611202359]"
    ids = {
        c["id"] for c in json.loads(radar(arxiv, "today", "--since", "2026-11-01", "--format", "json").stdout)
    }
    assert ids == {"2611.00040", "2611.00042", "2611.00043", "2611.00044"}


# Enough for three pages of 2,000: two big enough (over a megabyte) to be parsed in a
# worker process while radar stores the page before, and a small last one.
BACKLOG = 4_500


def missed_week(arxiv: Arxiv) -> None:
    """A category followed, one listing fetched, a week of listings missed, and a backlog
    of BACKLOG papers submitted in that week."""
    radar(arxiv, "follow", "--no-fetch", "--category", "cs.LG")
    arxiv.listing = rss_feed([Item("2611.00040")], day="2026-11-13")  # Friday
    assert radar(arxiv, "fetch").returncode == 0
    arxiv.listing, arxiv.listing_etag = rss_feed([Item("2611.00044")], day="2026-11-20"), '"listing-2"'
    arxiv.papers = [
        Item(f"2611.{10_000 + i:05d}", published=f"2026-11-{16 + i % 4}T{i % 24:02d}:00:00Z")
        for i in range(BACKLOG)
    ]


def stored_count(arxiv: Arxiv) -> int:
    shown = radar(arxiv, "today", "--since", "2026-11-01", "--limit", "10000", "--format", "json")
    assert shown.returncode == 0, shown.stderr
    return len(json.loads(shown.stdout))


def test_a_large_backfill_comes_in_pages_each_asked_for_once(arxiv: Arxiv) -> None:
    missed_week(arxiv)
    result = radar(arxiv, "fetch")
    assert result.returncode == 0, result.stderr
    assert f"backfilled {BACKLOG:,} papers from missed days" in result.stderr
    # The next page is asked for while the one before is parsed; none twice, none extra.
    assert [(r["start"], r["max_results"]) for r in arxiv.api_requests()] == [
        ("0", "2000"),
        ("2000", "2000"),
        ("4000", "2000"),
    ]
    assert stored_count(arxiv) == BACKLOG + 2


def test_a_backfill_shows_how_far_it_got(arxiv: Arxiv, radar_home: Path) -> None:
    from radar.fetch import run_fetch
    from radar.http import Http
    from radar.store import open_db

    missed_week(arxiv)
    shown: list[str] = []
    db = open_db(radar_home / "radar.db")
    env = arxiv.env
    run_fetch(db, Http(delay=0), env["RADAR_ARXIV_API_URL"], env["RADAR_ARXIV_RSS_URL"], shown.append)
    backfill = [m.rpartition(": ")[2] for m in shown if "backfilling" in m and m.endswith(" papers")]
    assert backfill == ["2,000 of 4,500 papers", "4,000 of 4,500 papers", "4,500 of 4,500 papers"]


def test_a_short_page_in_a_backfill_loses_nothing(arxiv: Arxiv) -> None:
    missed_week(arxiv)
    arxiv.short_pages = {2000: 1500}  # arXiv gives 1,500 results where 2,000 were asked for
    result = radar(arxiv, "fetch")
    assert result.returncode == 0, result.stderr
    assert f"backfilled {BACKLOG:,} papers from missed days" in result.stderr
    # The page asked for ahead (from 4,000) is dropped; the gap after the short page is asked for.
    assert [r["start"] for r in arxiv.api_requests()] == ["0", "2000", "4000", "3500"]
    assert stored_count(arxiv) == BACKLOG + 2


def test_an_unreadable_entry_counts_as_a_result_when_paging(arxiv: Arxiv) -> None:
    missed_week(arxiv)
    newest = max(arxiv.papers, key=lambda item: item.published)
    newest.title = ""  # first on the first page, and skipped as unreadable
    result = radar(arxiv, "fetch")
    assert result.returncode == 0, result.stderr
    assert f"backfilled {BACKLOG - 1:,} papers from missed days" in result.stderr
    # The second page starts after the skipped entry, as the page asked for ahead does.
    assert [r["start"] for r in arxiv.api_requests()] == ["0", "2000", "4000"]


def test_a_broken_page_parsed_in_a_worker_fails_cleanly_and_the_next_fetch_completes(arxiv: Arxiv) -> None:
    missed_week(arxiv)
    arxiv.broken_pages = {2000}
    result = radar(arxiv, "fetch")
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if "not well-formed XML" in line]
    assert len(errors) == 1 and "backfill" in errors[0], result.stderr
    assert "Traceback" not in result.stderr
    # The first page was sound and is kept; the listing day is not counted as seen.
    assert stored_count(arxiv) == 2000 + 2

    arxiv.broken_pages = set()
    again = radar(arxiv, "fetch")
    assert again.returncode == 0, again.stderr
    assert f"backfilled {BACKLOG - 2000:,} papers from missed days" in again.stderr
    assert stored_count(arxiv) == BACKLOG + 2


def test_a_hung_parsing_worker_is_killed_and_the_fetch_completes(
    arxiv: Arxiv, radar_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import multiprocessing

    from radar import fetch as fetch_module
    from radar.http import Http
    from radar.store import open_db

    monkeypatch.setattr(fetch_module, "PARSE_TIMEOUT_S", 3.0)
    missed_week(arxiv)
    # Held: the second page, the first one a worker parses. The worker is stopped first.
    arxiv.held_page = 2000

    def stop_the_worker() -> None:
        if arxiv.reached.wait(30):
            for child in multiprocessing.active_children():
                os.kill(child.pid, signal.SIGSTOP)
        arxiv.release.set()

    stopper = threading.Thread(target=stop_the_worker, daemon=True)
    stopper.start()
    env = arxiv.env
    outcome: list[object] = []

    def fetch() -> None:
        db = open_db(radar_home / "radar.db")  # a connection belongs to its thread
        outcome.append(
            fetch_module.run_fetch(db, Http(delay=0), env["RADAR_ARXIV_API_URL"], env["RADAR_ARXIV_RSS_URL"])
        )

    run = threading.Thread(target=fetch, daemon=True)
    try:
        run.start()
        run.join(60)
        assert not run.is_alive(), "the fetch waited for the stopped worker"
    finally:
        for child in multiprocessing.active_children():
            child.kill()
    (summary,) = outcome
    assert summary.ok, summary.sources  # type: ignore[attr-defined]
    assert f"backfilled {BACKLOG:,} papers" in summary.sources[0].message  # type: ignore[attr-defined]
    assert stored_count(arxiv) == BACKLOG + 2


def test_fetched_papers_are_current_as_of_the_day_before(arxiv: Arxiv, radar_home: Path) -> None:
    from datetime import UTC, datetime, timedelta

    radar(arxiv, "follow", "--no-fetch", "--category", "cs.LG")
    arxiv.listing = rss_feed([Item("2611.00040")], day="2026-11-16")
    assert radar(arxiv, "fetch").returncode == 0
    # A day back: a record arXiv changes later on the day of the fetch still counts as later.
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    with sqlite3.connect(radar_home / "radar.db") as conn:
        assert conn.execute("select id, metadata_date from papers").fetchall() == [("2611.00040", yesterday)]


def test_topics_are_searched_in_titles_and_abstracts(arxiv: Arxiv) -> None:
    arxiv.papers = [Item("2611.00050", title="Scaling world models", published="2026-11-19T10:00:00Z")]
    result = radar(arxiv, "follow", "--topic", "world models")
    assert result.returncode == 0 and "Following topic world models: 1 paper stored." in result.stderr
    assert arxiv.api_requests()[0]["search_query"] == 'ti:"world models" OR abs:"world models"'


def test_quiet_prints_nothing_on_success_and_summary_otherwise(arxiv: Arxiv) -> None:
    arxiv.papers = [Item("2611.00060", authors=["Ada Lovelace"], published="2026-11-19T10:00:00Z")]
    radar(arxiv, "follow", "--no-fetch", "Ada Lovelace")
    quiet = radar(arxiv, "fetch", "--quiet")
    assert quiet.returncode == 0 and quiet.stdout == "" and quiet.stderr == ""
    loud = radar(arxiv, "fetch")
    last = loud.stderr.strip().splitlines()[-1]
    assert last.startswith("0 new, 0 updated, 0 by followed authors; 1 request in ")


def test_a_quiet_follow_prints_only_errors(arxiv: Arxiv, radar_home: Path) -> None:
    arxiv.papers = [Item("2611.00061", authors=["Ada Lovelace"], published="2026-11-19T10:00:00Z")]
    quiet = radar(arxiv, "follow", "--quiet", "Ada Lovelace")
    assert quiet.returncode == 0 and quiet.stdout == "" and quiet.stderr == ""
    with sqlite3.connect(radar_home / "radar.db") as conn:
        assert conn.execute("select value, matched from follows").fetchall() == [("Ada Lovelace", 1)]
    # A page arXiv breaks is still an error, and the follow is kept for the next fetch.
    arxiv.papers = [Item("2611.00062", authors=["Bo Bee"], published="2026-11-19T10:00:00Z")]
    arxiv.broken_pages = {0}
    broken = radar(arxiv, "follow", "--quiet", "Bo Bee")
    assert broken.returncode == 1 and broken.stdout == ""
    assert broken.stderr.startswith("Error: ") and len(broken.stderr.strip().splitlines()) == 1
    assert "Following" not in broken.stderr


def test_nothing_followed_says_so(arxiv: Arxiv) -> None:
    result = radar(arxiv, "fetch")
    assert result.returncode == 0 and "You follow nothing yet" in result.stderr
    assert arxiv.requests == []


def test_follow_without_fetch_asks_nothing(arxiv: Arxiv, tmp_path: Path) -> None:
    assert radar(arxiv, "follow", "--no-fetch", "Ada Lovelace").returncode == 0
    assert arxiv.requests == []


def test_an_empty_weekend_listing_does_not_hide_missed_days(arxiv: Arxiv) -> None:
    radar(arxiv, "follow", "--no-fetch", "--category", "cs.LG")
    arxiv.listing = rss_feed([Item("2611.00070")], day="2026-11-19")  # Thursday
    assert radar(arxiv, "fetch").returncode == 0
    arxiv.listing, arxiv.listing_etag = rss_feed([], day="2026-11-21"), '"saturday"'  # Friday missed
    assert radar(arxiv, "fetch").returncode == 0
    arxiv.listing, arxiv.listing_etag = rss_feed([Item("2611.00072")], day="2026-11-23"), '"monday"'
    arxiv.papers = [Item("2611.00071", published="2026-11-19T16:00:00Z")]
    result = radar(arxiv, "fetch")
    assert "backfilled 1 paper from missed days" in result.stderr, result.stderr


def test_a_backlog_larger_than_the_limit_is_reported(
    arxiv: Arxiv, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from radar import fetch as fetch_module
    from radar.follows import add_follow
    from radar.http import Http
    from radar.store import open_db

    arxiv.papers = [Item("2611.00080", authors=["Ada Lovelace"], published="2026-11-01T10:00:00Z")]
    arxiv.api_filter = by_author
    db = open_db(tmp_path / "r.db")
    follow = add_follow(db, "author", "Ada Lovelace").follow
    http = Http(delay=0, backoff=0.01)
    env = arxiv.env
    fetch_module.run_fetch(db, http, env["RADAR_ARXIV_API_URL"], env["RADAR_ARXIV_RSS_URL"], only=[follow])
    arxiv.papers += [
        Item(f"2611.{i:05d}", authors=["Ada Lovelace"], published=f"2026-11-20T{i % 24:02d}:00:00Z")
        for i in range(100, 130)
    ]
    monkeypatch.setattr(fetch_module, "INCREMENTAL_LIMIT", 10)
    summary = fetch_module.run_fetch(db, http, env["RADAR_ARXIV_API_URL"], env["RADAR_ARXIV_RSS_URL"])
    assert (
        summary.sources[0].message
        == "10 new, 0 updated; stopped after 10 results; older ones were not fetched"
    )
