"""The fetch log ($RADAR_HOME/fetch.log) and radar status, against a loopback arXiv."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest
from conftest import run_radar
from feeds import Item, api_feed, rss_feed
from filelock import FileLock
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from radar import fetchlog
from radar.fetch import FetchSummary, SourceReport

LISTING = [
    Item("2611.00001", authors=["Ada Lovelace", "Alan Turing"]),
    Item("2611.00002", authors=["Alan Turing"]),
    Item("2611.00003", authors=["Grace Hopper"], categories=["stat.ML", "cs.LG"], announce="cross"),
]
BY_ADA = [
    Item("2611.00001", authors=["Ada Lovelace", "Alan Turing"], published="2026-11-19T10:00:00Z"),
    Item("2610.00009", authors=["Ada Lovelace"], published="2026-10-05T10:00:00Z"),
]
LOG_LINE = re.compile(
    r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ (ok|failed) new=\d+ updated=\d+ requests=\d+ seconds=\d+\.\d( errors=.*)?$"
)


class Arxiv:
    """A loopback arXiv: the cs.LG listing (or an error status) and an API answering Ada's papers."""

    def __init__(self, server: HTTPServer) -> None:
        self.server = server
        self.listing_status = 200
        server.expect_request("/rss/cs.LG").respond_with_handler(self._rss)
        server.expect_request("/api/query").respond_with_handler(self._api)

    def _rss(self, request: Request) -> Response:
        if self.listing_status != 200:
            return Response("gone", status=self.listing_status)
        return Response(rss_feed(LISTING), content_type="application/rss+xml; charset=utf-8")

    def _api(self, request: Request) -> Response:
        return Response(api_feed(BY_ADA), content_type="application/atom+xml; charset=utf-8")

    def radar(self, *args: str, env: dict[str, str] | None = None):
        return run_radar(
            *args,
            env={
                "RADAR_ARXIV_API_URL": self.server.url_for("/api/query"),
                "RADAR_ARXIV_RSS_URL": self.server.url_for("/rss/"),
                **(env or {}),
            },
        )


@pytest.fixture
def arxiv(httpserver: HTTPServer) -> Arxiv:
    return Arxiv(httpserver)


def log_lines(home: Path) -> list[str]:
    return (home / "fetch.log").read_text().splitlines()


def status_json(arxiv: Arxiv) -> dict:
    result = arxiv.radar("status", "--format", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


# --- the fetch log ----------------------------------------------------------------------------


def test_each_fetch_writes_one_line(arxiv: Arxiv, radar_home: Path) -> None:
    assert arxiv.radar("follow", "--no-fetch", "--category", "cs.LG").returncode == 0
    first = arxiv.radar("fetch", "--quiet")
    assert first.returncode == 0, first.stderr
    assert first.stdout == "" and first.stderr == ""
    [line] = log_lines(radar_home)
    assert LOG_LINE.match(line) and " ok new=3 updated=0 requests=1 " in line
    arxiv.radar("fetch")
    lines = log_lines(radar_home)
    assert len(lines) == 2 and " ok new=0 updated=0 requests=1 " in lines[1]
    entries = fetchlog.read_last(radar_home, 10)
    assert [e["new"] for e in entries] == [3, 0] and all(e["ok"] for e in entries)


def test_a_failing_fetch_logs_the_sources_message(arxiv: Arxiv, radar_home: Path) -> None:
    arxiv.radar("follow", "--no-fetch", "--category", "cs.LG")
    arxiv.listing_status = 404
    result = arxiv.radar("fetch", "--quiet")
    assert result.returncode == 1
    [line] = log_lines(radar_home)
    assert LOG_LINE.match(line) and " failed new=0 " in line
    [entry] = fetchlog.read_last(radar_home, 1)
    [error] = entry["errors"]
    assert entry["ok"] is False and error.startswith("arXiv listing cs.LG: HTTP 404")


def test_a_follow_fetch_is_not_logged(arxiv: Arxiv, radar_home: Path) -> None:
    assert arxiv.radar("follow", "--category", "cs.LG").returncode == 0
    assert not (radar_home / "fetch.log").exists()


def test_an_unwritable_log_warns_and_the_fetch_still_succeeds(arxiv: Arxiv, radar_home: Path) -> None:
    arxiv.radar("follow", "--no-fetch", "--category", "cs.LG")
    (radar_home / "fetch.log").mkdir()  # a directory where the log should be
    result = arxiv.radar("fetch")
    assert result.returncode == 0
    [warning] = [line for line in result.stderr.splitlines() if line.startswith("Warning:")]
    assert warning.startswith(f"Warning: cannot write the fetch log {radar_home / 'fetch.log'}: ")
    assert "Logging error" not in result.stderr and "Traceback" not in result.stderr
    quiet = arxiv.radar("fetch", "--quiet")
    assert quiet.returncode == 0 and quiet.stderr == ""


def summary(new: int, ok: bool = True) -> FetchSummary:
    report = SourceReport("arXiv listing cs.LG", ok=ok, message="" if ok else "arXiv listing cs.LG: HTTP 503")
    return FetchSummary(sources=[report], new=new, requests=1, seconds=0.25)


def test_the_log_rotates_and_read_last_reaches_into_old_files(tmp_path: Path) -> None:
    home = tmp_path / "home"
    for number in range(60):
        assert fetchlog.append(home, summary(number), max_bytes=300, backups=2) is None
    names = sorted(p.name for p in home.iterdir())
    assert names == ["fetch.log", "fetch.log.1", "fetch.log.2"]
    assert all((home / name).stat().st_size <= 300 for name in names)
    assert [e["new"] for e in fetchlog.read_last(home, 3, backups=2)] == [57, 58, 59]
    kept = fetchlog.read_last(home, 100, backups=2)
    assert [e["new"] for e in kept] == list(range(60 - len(kept), 60))
    assert len(kept) > len(log_lines(home))  # the rotated files were read too


def test_append_never_raises(tmp_path: Path) -> None:
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("")
    error = fetchlog.append(not_a_dir, summary(1))
    assert error is not None and error.startswith(f"cannot write the fetch log {not_a_dir / 'fetch.log'}")
    assert fetchlog.read_last(not_a_dir, 5) == []


def test_log_entries_round_trip() -> None:
    failed = summary(0, ok=False)
    failed.sources[0].message = 'a "quoted"\nmessage | with = signs'
    line = fetchlog.format_entry(failed)
    assert "\n" not in line
    entry = fetchlog.parse_line(line)
    assert entry is not None
    assert entry["errors"] == ['a "quoted" message | with = signs'] and entry["seconds"] == 0.2
    assert fetchlog.parse_line("not a log line") is None


# --- radar status -----------------------------------------------------------------------------


def test_status_before_anything_was_fetched(radar_home: Path) -> None:
    result = run_radar("status")
    assert result.returncode == 0, result.stderr
    assert "none fetched yet" in result.stdout
    assert "Store: 0 papers" in result.stdout and "Unread: nothing stored yet." in result.stdout
    data = json.loads(run_radar("status", "--format", "json").stdout)
    assert data["sources"] == [] and data["runs"] == [] and data["database"]["papers"] == 0
    assert data["unread"] == {"listing_date": None, "matching": 0, "unread": 0}


def test_status_after_a_fetch(arxiv: Arxiv, radar_home: Path) -> None:
    arxiv.radar("follow", "--no-fetch", "--category", "cs.LG")
    arxiv.radar("follow", "--no-fetch", "Ada Lovelace")
    assert arxiv.radar("fetch", "--quiet").returncode == 0

    data = status_json(arxiv)
    sources = {s["source"]: s for s in data["sources"]}
    assert set(sources) == {"author Ada Lovelace", "listing cs.LG"}
    assert sources["author Ada Lovelace"]["key"] == "author:2"
    assert all(s["ok"] and s["current"] and s["last_success_utc"] for s in sources.values())
    assert data["database"]["papers"] == 4 and data["database"]["size_bytes"] > 0
    assert data["database"]["path"] == str(radar_home / "radar.db")
    [run] = data["runs"]
    assert run["ok"] and run["new"] == 4 and run["requests"] == 2 and run["errors"] == []
    assert data["unread"] == {"listing_date": "2026-11-20", "matching": 3, "unread": 3}
    assert data["log"] == str(radar_home / "fetch.log")

    # A paper with a `reads` row is no longer unread.
    with sqlite3.connect(radar_home / "radar.db") as conn:
        conn.execute("insert into reads (paper_id, how, read_utc) values ('2611.00002', 'read', 'now')")
    assert status_json(arxiv)["unread"]["unread"] == 2

    text = arxiv.radar("status")
    assert text.returncode == 0, text.stderr
    assert re.search(
        r"^  ok +author Ada Lovelace +\d{4}-\d\d-\d\d \d\d:\d\d UTC \(just now\)$", text.stdout, re.M
    )
    assert re.search(r"^  ok +listing cs.LG ", text.stdout, re.M)
    assert "ok  4 new, 0 updated, 2 requests" in text.stdout
    assert "Store: 4 papers, " in text.stdout and " MB (" in text.stdout
    assert "Unread: 2 of 3 papers matching your follows on 2026-11-20" in text.stdout
    assert arxiv.radar("mark-read", "--all").returncode == 0
    done = arxiv.radar("status").stdout
    assert "Unread: none of the 3 papers matching your follows on 2026-11-20, the newest listing day." in done


def test_status_shows_the_last_error(arxiv: Arxiv, radar_home: Path) -> None:
    arxiv.radar("follow", "--no-fetch", "--category", "cs.LG")
    assert arxiv.radar("fetch", "--quiet").returncode == 0
    arxiv.listing_status = 404
    assert arxiv.radar("fetch", "--quiet").returncode == 1

    data = status_json(arxiv)
    [listing] = data["sources"]
    assert listing["ok"] is False and listing["last_error"].startswith("arXiv listing cs.LG: HTTP 404")
    assert listing["last_success_utc"] is not None  # from the first fetch
    assert [r["ok"] for r in data["runs"]] == [False, True]  # newest first
    assert data["runs"][0]["errors"] == [listing["last_error"]]

    text = arxiv.radar("status").stdout
    assert re.search(
        r"^  FAILED +listing cs.LG .*: arXiv listing cs.LG: HTTP 404 .*; last success ", text, re.M
    )
    assert "failed  0 new, 0 updated, 1 request" in text


def test_unfollowing_forgets_the_source(arxiv: Arxiv) -> None:
    """Follow ids can be used again, so an unfollowed source's state goes with it."""
    arxiv.radar("follow", "--no-fetch", "Ada Lovelace")
    arxiv.radar("fetch", "--quiet")
    assert [s["source"] for s in status_json(arxiv)["sources"]] == ["author Ada Lovelace"]
    arxiv.radar("unfollow", "Ada Lovelace")
    assert status_json(arxiv)["sources"] == []
    arxiv.radar("follow", "--no-fetch", "Bo Bee")
    assert status_json(arxiv)["sources"] == [], "the new follow (same id) inherits no fetch state"


@pytest.mark.parametrize(
    ("key", "label", "current"),
    [
        ("author:1", "author Ada Lovelace", True),
        ("author:9", "author #9 (no longer followed)", False),
        ("feed:2", "feed https://example.org/rss", True),
        ("feed:1", "feed #1 (no longer followed)", False),
        ("listing:cs.LG", "listing cs.LG", True),
        ("listing:cs.AI", "listing cs.AI (no longer fetched)", False),
        ("harvest:cs:cs:LG:arXivRaw", "harvest of set cs:cs:LG (arXivRaw)", True),
        ("harvest:all:arXiv", "harvest of all of arXiv (arXiv)", True),
    ],
)
def test_status_names_each_kind_of_source(key: str, label: str, current: bool) -> None:
    from radar.status import describe_key

    follows = {
        1: ("author", "Ada Lovelace"),
        2: ("feed", "https://example.org/rss"),
        3: ("category", "cs.LG"),
    }
    assert describe_key(key, follows, ["cs.LG"]) == (label, current)


def _stop_a_bulk_import(home: Path, path: Path, monkeypatch: pytest.MonkeyPatch, at: int = 20) -> None:
    """A bulk import of `path` (relative to the current directory) stopped after `at` lines."""
    from radar import importer
    from radar.store import open_db

    monkeypatch.setattr(importer, "BULK_BYTES", 0)  # a bulk load, as for the whole of arXiv
    db = open_db(home / "radar.db")

    def interrupt(progress: importer.SnapshotProgress) -> None:
        if progress.lines >= at:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        importer.import_snapshot(db, path, progress=interrupt, workers=0, batch_lines=10)
    db.close()


def test_status_names_a_bulk_import_that_still_owes_its_indexes(
    tmp_path: Path, radar_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from test_snapshot_import import synthetic_lines, write_lines

    from radar.store import BULK_INDEXES

    path = write_lines(tmp_path / "my snapshot.jsonl", synthetic_lines(40)).resolve()
    # Started from the file's directory with a relative path: status names it in full.
    monkeypatch.chdir(tmp_path)
    _stop_a_bulk_import(radar_home, Path("my snapshot.jsonl"), monkeypatch)
    monkeypatch.chdir(radar_home)

    shown = run_radar("status")
    assert shown.returncode == 0, shown.stderr
    assert f"Import stopped: {path}: 20 lines stored, the last at " in shown.stdout
    assert f"{len(BULK_INDEXES)} of the store's indexes are missing" in shown.stdout
    assert f"run radar import '{path}' again, or radar import --finish" in shown.stdout
    assert "Writing now" not in shown.stdout
    data = json.loads(run_radar("status", "--format", "json").stdout)
    [owed] = data["unfinished_imports"]
    assert (owed["path"], owed["lines"], owed["indexes"]) == (str(path), 20, len(BULK_INDEXES))
    assert data["database"]["writing"] is False

    # While a radar run holds the write lock, the import may be that run: status says
    # so instead of suggesting a second import of the same file.
    with FileLock(str(radar_home / "radar.db") + ".fetch-lock"):
        busy = run_radar("status")
        assert busy.returncode == 0, busy.stderr
        assert "Writing now: another radar run" in busy.stdout
        assert f"Import not finished: {path}: 20 lines stored" in busy.stdout
        assert f"If it is the run writing now, it builds the {len(BULK_INDEXES)} indexes" in busy.stdout
        assert "radar import --finish" not in busy.stdout
        assert json.loads(run_radar("status", "--format", "json").stdout)["database"]["writing"] is True
    # Asking did not take the lock from its holder, nor keep it.
    assert json.loads(run_radar("status", "--format", "json").stdout)["database"]["writing"] is False

    # The command it suggests works from elsewhere, and reads the rest of the file.
    again = run_radar("import", "--format", "json", str(path))
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)[0]["new"] == 20
    assert "Import " not in run_radar("status").stdout
    assert json.loads(run_radar("status", "--format", "json").stdout)["unfinished_imports"] == []


def test_import_finish_builds_what_a_stopped_import_owes_without_its_file(
    tmp_path: Path, radar_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from test_snapshot_import import synthetic_lines, write_lines

    path = write_lines(tmp_path / "snapshot.jsonl", synthetic_lines(40))
    _stop_a_bulk_import(radar_home, path, monkeypatch)
    moved = path.rename(tmp_path / "kept-elsewhere.jsonl")

    usage = run_radar("import")
    assert usage.returncode == 2 and "Traceback" not in usage.stderr
    assert (
        usage.stderr.strip()
        == "Error: name the files to import, or use --finish for what a stopped import owes"
    )
    finished = run_radar("import", "--finish")
    assert finished.returncode == 0, finished.stderr
    assert f"Built the indexes that the import of {path} owed" in finished.stderr
    assert "Import " not in run_radar("status").stdout
    with sqlite3.connect(radar_home / "radar.db") as conn:
        names = {r[0] for r in conn.execute("select name from sqlite_master where type = 'index'")}
        assert "idx_paper_authors_name_key_name" in names and "idx_papers_listing_date" in names
        assert conn.execute("select lines, finished_utc from imports").fetchone() == (20, None)
    assert run_radar("import", "--finish").stderr.strip() == "No import owes indexes: nothing to build."
    # Still resumable: the file, wherever it is now, adds the rest.
    rest = run_radar("import", "--format", "json", str(moved))
    assert rest.returncode == 0, rest.stderr
    assert json.loads(rest.stdout)[0]["new"] == 20
