"""Following a journal's feed: papers from outside arXiv, linked to their arXiv versions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_radar
from feeds import FIXTURES
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

JOURNAL = (Path(__file__).parent / "fixtures" / "journals" / "nature-machine-intelligence.rdf").read_bytes()
LISTING = FIXTURES / "rss_combined_csLG+csAI+csCL+statML_2026-09-24_trimmed_4items.xml"


class Journal:
    def __init__(self, server: HTTPServer) -> None:
        self.server = server
        self.body = JOURNAL
        self.status = 200
        self.seen: list[str] = []
        server.expect_request("/natmachintell.rss").respond_with_handler(self)

    def __call__(self, request: Request) -> Response:
        self.seen.append(request.headers.get("If-None-Match", ""))
        if self.status >= 400:
            return Response(b"error", status=self.status)
        if request.headers.get("If-None-Match") == '"nmi-1"':
            return Response(status=304)
        return Response(
            self.body, status=self.status, content_type="application/rdf+xml", headers={"ETag": '"nmi-1"'}
        )

    @property
    def url(self) -> str:
        return self.server.url_for("/natmachintell.rss")


@pytest.fixture
def journal(httpserver: HTTPServer) -> Journal:
    return Journal(httpserver)


def ok(*args: str) -> str:
    result = run_radar(*args)
    assert result.returncode == 0, result.stderr
    return result.stdout + result.stderr


def cards(*args: str) -> list[dict]:
    since = [] if "--since" in args else ["--since", "2026-01-01"]
    return json.loads(run_radar("today", "--all", *since, "--format", "json", *args).stdout)


def test_follow_a_feed_and_see_its_papers_with_their_source(journal: Journal) -> None:
    out = ok("follow", "--feed", journal.url)
    assert "Following feed" in out and "3 papers stored" in out
    shown = {c["id"]: c for c in cards()}
    paper = shown["doi:10.1038/s42256-026-01002-2"]
    assert paper["url"] == "https://www.nature.com/articles/s42256-026-01002-2"
    assert paper["authors"] == ["Akshay Krishnamurthy", "Ada Lovelace"]
    assert paper["reasons"][0]["reason"] == "in Nature Machine Intelligence"
    text = run_radar("today", "--since", "2026-01-01").stdout
    assert "Nature Machine Intelligence · 2026-11-19" in text
    assert "Nature Machine Intelligence, Published online" not in json.dumps(shown), (
        "HTML summary became text"
    )
    assert "<i>" not in shown["doi:10.1093/bioinformatics/btac431"]["abstract"]
    shown_one = run_radar("show", "doi:10.1038/S42256-026-01002-2")
    assert shown_one.returncode == 0 and shown_one.stdout.startswith("arXiv:") is False
    assert "Learning world models from video at scale" in shown_one.stdout


def test_a_journal_version_of_an_arxiv_paper_is_never_shown_twice(journal: Journal) -> None:
    ok("import", str(LISTING))
    ok("follow", "--feed", journal.url)
    ids = [c["id"] for c in cards()]
    # Same DOI as arXiv 2205.06398; same title and first author as arXiv 2609.26811.
    assert "doi:10.1093/bioinformatics/btac431" not in ids and "2205.06398" in ids
    assert not [i for i in ids if i.startswith("feed:")] and "2609.26811" in ids
    assert "doi:10.1038/s42256-026-01002-2" in ids
    arxiv = json.loads(
        ok("show", "2205.06398", "--format", "json").split("\n", 0)[0]
        if False
        else run_radar("show", "2205.06398", "--format", "json").stdout
    )
    assert arxiv["journal_ref"] == "Nature Machine Intelligence"


def test_linking_works_when_arxiv_arrives_second(journal: Journal) -> None:
    ok("follow", "--feed", journal.url)
    assert "doi:10.1093/bioinformatics/btac431" in [c["id"] for c in cards()]
    ok("import", str(LISTING))
    ids = [c["id"] for c in cards()]
    assert "doi:10.1093/bioinformatics/btac431" not in ids and "2205.06398" in ids


def test_feed_papers_match_author_follows_and_can_be_starred(journal: Journal) -> None:
    ok("follow", "--no-fetch", "Akshay Krishnamurthy")
    ok("follow", "--feed", journal.url)
    top = cards()[0]
    assert top["id"] == "doi:10.1038/s42256-026-01002-2"
    assert {r["kind"] for r in top["reasons"]} == {"author", "feed"}
    assert "Starred doi:10.1038/s42256-026-01002-2" in ok("star", "doi:10.1038/s42256-026-01002-2")


def test_feed_is_revalidated_and_faults_are_reported(journal: Journal) -> None:
    ok("follow", "--feed", journal.url)
    assert "unchanged since the last fetch" in ok("fetch")
    assert journal.seen[-1] == '"nmi-1"'
    journal.body = JOURNAL[: len(JOURNAL) // 2]
    run_radar("unfollow", "--feed", journal.url)
    bad = run_radar("follow", "--feed", journal.url)
    assert bad.returncode == 1 and "not a well-formed feed" in bad.stderr and "Traceback" not in bad.stderr


def test_a_feed_must_be_a_web_address() -> None:
    result = run_radar("follow", "--no-fetch", "--feed", "ftp://example.org/feed")
    assert result.returncode == 2 and "a feed is an http:// or https:// address" in result.stderr


def test_a_journal_version_shows_when_its_arxiv_paper_is_older(journal: Journal) -> None:
    """Following a journal must not hide its papers that were on arXiv months ago."""
    ok("import", str(LISTING))  # the arXiv versions: September
    ok("follow", "--feed", journal.url)  # the journal versions: November
    recent = [c["id"] for c in cards("--since", "2026-11-01")]
    assert "doi:10.1093/bioinformatics/btac431" in recent and "2205.06398" not in recent


def test_feed_entries_dois_dates_and_links_are_cleaned() -> None:
    from datetime import UTC, datetime

    from radar.sources.journal_feeds import parse_feed
    from radar.text import safe_url

    feed = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Advanced Things</title>
    <item><title>From the future</title><link>https://onlinelibrary.wiley.com/doi/10.1002/adma.202401234?af=R</link>
    <guid>https://onlinelibrary.wiley.com/doi/10.1002/adma.202401234?af=R</guid><pubDate>Fri, 01 Jan 2100 00:00:00 GMT</pubDate></item>
    <item><title>Undated</title><link>https://example.org/a2?x=1) [pwn](javascript:alert(1)</link></item>
    </channel></rss>"""
    page = parse_feed(feed, "test", "feed:1")
    future, undated = page.papers
    assert future.id == "doi:10.1002/adma.202401234"
    assert future.announced is not None and future.announced <= datetime.now(UTC).date()
    assert undated.announced == datetime.now(UTC).date()
    link = safe_url(undated.link)
    assert "(" not in link and ")" not in link and " " not in link and link.startswith("https://example.org/")
    assert safe_url("javascript:alert(1)") == "about:blank"


def test_a_starred_journal_paper_exports_as_a_journal_article(journal: Journal) -> None:
    import bibtexparser

    ok("follow", "--feed", journal.url)
    ok("star", "doi:10.1038/s42256-026-01002-2")
    (entry,) = bibtexparser.loads(run_radar("stars", "--format", "bibtex").stdout).entries
    assert entry["ENTRYTYPE"] == "article" and entry["journal"] == "Nature Machine Intelligence"
    assert entry["doi"] == "10.1038/s42256-026-01002-2" and "eprint" not in entry
    assert entry["url"] == "https://www.nature.com/articles/s42256-026-01002-2"


HTML_PAGE = b"<!DOCTYPE html><html><head><title>Not found</title></head><body>Gone</body></html>"


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (404, b"not here", "HTTP 404"),
        (200, HTML_PAGE, ""),
        (200, JOURNAL[: len(JOURNAL) // 2], "not a well-formed feed"),
    ],
)
def test_a_feed_that_cannot_be_read_is_not_followed_unless_kept(
    journal: Journal, arxiv_down: None, status: int, body: bytes, reason: str
) -> None:
    journal.status, journal.body = status, body
    bad = run_radar("follow", "--feed", journal.url)
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
    errors = [line for line in bad.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and reason in errors[0], bad.stderr
    assert (
        f"Not following {journal.url}: no feed could be read there. --keep follows it anyway." in bad.stderr
    )
    assert json.loads(run_radar("following", "--format", "json").stdout) == []
    # The other follows' fetches are not held hostage: nothing is saved that fails them.
    assert run_radar("follow", "--no-fetch", "--category", "cs.LG").returncode == 0
    kept = run_radar("follow", "--keep", "--feed", journal.url)
    assert kept.returncode == 1 and "Kept the feed" in kept.stderr
    kinds = {f["kind"] for f in json.loads(run_radar("following", "--format", "json").stdout)}
    assert kinds == {"category", "feed"}
    # Once the feed is back, a fetch reads it (arXiv itself is down here: exit 1 for it).
    journal.status, journal.body = 200, JOURNAL
    back = run_radar("fetch")
    assert "Nature Machine Intelligence: 3 entries: 3 new" in back.stderr, back.stderr


def test_a_saved_feed_that_fails_leaves_the_other_sources_fetched(journal: Journal, arxiv_down: None) -> None:
    ok("follow", "--feed", journal.url)
    assert ok("follow", "--no-fetch", "--category", "cs.LG")
    journal.status = 500
    journal.seen.clear()
    result = run_radar("fetch", env={"RADAR_HTTP_RETRIES": "0"})
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    # arXiv is down in this test too: its listing fails on its own line, the feed on its own.
    assert any("HTTP 500" in e and "feed" in e for e in errors), result.stderr
    status = run_radar("status")
    assert "FAILED" in status.stdout and "last success" in status.stdout


@pytest.fixture
def arxiv_down() -> None:
    """conftest points arXiv at a closed port: its sources fail at once."""
