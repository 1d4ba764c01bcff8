"""`radar fetch` when arXiv misbehaves: every fault against a real HTTP server on loopback.

pytest-httpserver plays arXiv (API at /api/query, listings under /rss/) for status codes,
bodies, headers and timing; a tiny socket server produces what HTTP cannot express
(connection resets, silence, a body cut off mid-transfer). The CLI runs as the installed
console script, as cron would run it. Response bodies come from tests/feeds.py and the
real responses in tests/fixtures/arxiv.
"""

from __future__ import annotations

import json
import re
import signal
import socket
import sqlite3
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from conftest import run_radar
from feeds import FIXTURES, RSS_HEAD, RSS_TAIL, Item, api_feed, rss_feed
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from radar import __version__

API_PATH = "/api/query"
RSS_PATH = "/rss/"
ATOM = "application/atom+xml; charset=utf-8"
RSS = "application/rss+xml; charset=utf-8"

EMPTY_API = (FIXTURES / "api_atom_2026_empty_result.xml").read_bytes()
ERROR_400_API = (FIXTURES / "api_atom_2026_http400_error_entry.xml").read_bytes()
REAL_API = (FIXTURES / "api_atom_2026_search_testing_100entries.xml").read_bytes()
REAL_RSS = (FIXTURES / "rss_csLG_2026-04-27_trimmed_3items.xml").read_bytes()

# What a proxy or arXiv's maintenance page answers with a 200: HTML, not a feed.
HTML_PAGE = b"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>arXiv is temporarily unavailable</title></head>
<body><h1>We are sorry</h1><p>arXiv is undergoing maintenance. Please try again later.</p></body>
</html>
"""
# The same page as well-formed XHTML: it parses as XML, but it is not a feed.
XHTML_PAGE = HTML_PAGE.replace(b'<meta charset="utf-8">', b'<meta charset="utf-8"/>')

AUTHOR = "Ada Lovelace"


def paper(number: int, when: str = "2026-11-19T17:59:01Z", **kw: Any) -> Item:
    kw.setdefault("title", f"Paper number {number}")
    return Item(f"2611.{number:05d}", published=when, **kw)


# --- the fake arXiv (pytest-httpserver) ----------------------------------------------------------

Step = Callable[[Request], Response]


def reply(body: bytes = b"", status: int = 200, content_type: str = ATOM, **headers: str) -> Step:
    """A step answering with a fresh Response each time it is used."""
    extra = {k.replace("_", "-"): v for k, v in headers.items()}
    return lambda request: Response(body, status=status, content_type=content_type, headers=extra)


def api_ok(items: list[Item], total: int | None = None, start: int = 0) -> Step:
    return reply(api_feed(items, total=total, start=start))


def rss_ok(items: list[Item], day: str = "2026-11-20", **headers: str) -> Step:
    return reply(rss_feed(items, day=day), content_type=RSS, **headers)


@dataclass
class Hit:
    path: str
    args: dict[str, str]
    headers: dict[str, str]
    at: float  # FakeArxiv.clock() when the server saw the request


@dataclass
class Gate:
    """Holds one request in the server until the test opens it."""

    reached: threading.Event = field(default_factory=threading.Event)
    opened: threading.Event = field(default_factory=threading.Event)

    def hold(self) -> None:
        self.reached.set()
        self.opened.wait(15)


@dataclass
class FakeArxiv:
    """Records every request; answers each path from its script (the last step repeats)."""

    api: list[Step] = field(default_factory=lambda: [reply(EMPTY_API)])
    rss: list[Step] = field(default_factory=lambda: [rss_ok([])])
    hits: list[Hit] = field(default_factory=list)
    gate: Gate = field(default_factory=Gate)
    clock: Callable[[], float] = time.monotonic

    def __call__(self, request: Request) -> Response:
        self.hits.append(Hit(request.path, dict(request.args), dict(request.headers), self.clock()))
        script = self.api if request.path == API_PATH else self.rss
        step = script.pop(0) if len(script) > 1 else script[0]
        return step(request)

    def of(self, path: str) -> list[Hit]:
        return [h for h in self.hits if h.path == path or (path == RSS_PATH and h.path.startswith(path))]


@pytest.fixture
def arxiv(httpserver: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeArxiv]:
    yield from fake_arxiv(httpserver, monkeypatch)


def fake_arxiv(httpserver: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeArxiv]:
    """The fake arXiv on the test's httpserver, with radar's environment pointed at it."""
    fake = FakeArxiv()
    httpserver.expect_request(re.compile("/.*")).respond_with_handler(fake)
    monkeypatch.setenv("RADAR_ARXIV_API_URL", httpserver.url_for(API_PATH))
    monkeypatch.setenv("RADAR_ARXIV_RSS_URL", httpserver.url_for(RSS_PATH))
    monkeypatch.setenv("RADAR_HTTP_TIMEOUT", "2")
    monkeypatch.setenv("RADAR_HTTP_RETRIES", "2")
    yield fake
    fake.gate.opened.set()  # never leave the (single-threaded, shared) server held


# --- a raw socket server for faults below HTTP -----------------------------------------------------

Behaviour = Callable[[socket.socket, threading.Event], None]


def _read_head(conn: socket.socket) -> None:
    conn.settimeout(5)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return
        data += chunk


def _head(status: str, body: bytes, length: int | None = None) -> bytes:
    return (
        f"HTTP/1.1 {status}\r\nContent-Type: {ATOM}\r\n"
        f"Content-Length: {len(body) if length is None else length}\r\nConnection: close\r\n\r\n"
    ).encode()


def reset(conn: socket.socket, stop: threading.Event) -> None:
    """Read the request, then abort the connection: RST, not FIN (SO_LINGER 0)."""
    _read_head(conn)
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


def silent(conn: socket.socket, stop: threading.Event) -> None:
    """Accept the request and never answer."""
    _read_head(conn)
    stop.wait(30)


def answer(body: bytes) -> Behaviour:
    def behaviour(conn: socket.socket, stop: threading.Event) -> None:
        _read_head(conn)
        conn.sendall(_head("200 OK", body) + body)
        conn.close()

    return behaviour


def cut_off(body: bytes) -> Behaviour:
    """Promise the whole body (Content-Length), send half of it, close."""

    def behaviour(conn: socket.socket, stop: threading.Event) -> None:
        _read_head(conn)
        conn.sendall(_head("200 OK", body) + body[: len(body) // 2])
        conn.close()

    return behaviour


def stall_mid_body(body: bytes) -> Behaviour:
    """Send the headers and half the body, then go quiet with the connection open."""

    def behaviour(conn: socket.socket, stop: threading.Event) -> None:
        _read_head(conn)
        conn.sendall(_head("200 OK", body) + body[: len(body) // 2])
        stop.wait(30)

    return behaviour


def trickle(body: bytes, pause: float = 0.1) -> Behaviour:
    """Answer a byte at a time, each well within the read timeout: only a total deadline ends it."""

    def behaviour(conn: socket.socket, stop: threading.Event) -> None:
        _read_head(conn)
        conn.sendall(_head("200 OK", body))
        for byte in body:
            if stop.wait(pause):
                return
            try:
                conn.sendall(bytes([byte]))
            except OSError:
                return

    return behaviour


class RawServer:
    """Connection n gets behaviour n (the last one repeats)."""

    def __init__(self, *behaviours: Behaviour) -> None:
        self.behaviours = list(behaviours)
        self.accepted: list[float] = []
        self.stop = threading.Event()
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.05)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}{API_PATH}"
        self._conns: list[socket.socket] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._conns.append(conn)
            behaviour = self.behaviours[min(len(self.accepted), len(self.behaviours) - 1)]
            self.accepted.append(time.monotonic())
            threading.Thread(target=self._run, args=(behaviour, conn), daemon=True).start()

    def _run(self, behaviour: Behaviour, conn: socket.socket) -> None:
        try:
            behaviour(conn, self.stop)
        except OSError:
            pass

    def close(self) -> None:
        self.stop.set()
        self._thread.join(5)
        self.sock.close()
        for conn in self._conns:
            conn.close()


@pytest.fixture
def raw_server() -> Iterator[Callable[..., RawServer]]:
    servers: list[RawServer] = []

    def make(*behaviours: Behaviour) -> RawServer:
        servers.append(RawServer(*behaviours))
        return servers[-1]

    yield make
    for server in servers:
        server.close()


# --- helpers ----------------------------------------------------------------------------------------


@pytest.fixture
def pauses(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Every pause radar asks for (time.sleep, by tenacity between tries and by the
    request limiter), still taken. radar runs in the test's thread, so those are the
    pauses of that thread: the length radar chose, not a gap measured between two
    requests on a clock a busy machine can stretch or squeeze."""
    asked: list[float] = []
    real_sleep = time.sleep
    runner = threading.current_thread()

    def sleep(seconds: float) -> None:
        if threading.current_thread() is runner:
            asked.append(seconds)
        real_sleep(seconds)

    monkeypatch.setattr(time, "sleep", sleep)
    return asked


class Clock:
    """A clock for radar.http that moves only when radar sleeps on it: a request's time
    on it is when radar let it start, however long the machine took to send it."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)

    def time(self) -> float:  # Retry-After dates are read on the wall clock
        return time.time()


def follow(*args: str) -> None:
    result = run_radar("follow", "--no-fetch", *args)
    assert result.returncode == 0, result.stderr


def fetch(*args: str, code: int, **env: str) -> subprocess.CompletedProcess[str]:
    result = run_radar("fetch", *args, env=env or None, timeout=30)
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    assert "unexpected" not in result.stderr, result.stderr
    return result


def rows(home: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with closing(sqlite3.connect(home / "radar.db")) as conn:
        return conn.execute(sql, params).fetchall()


def stored(home: Path) -> set[str]:
    return {r[0] for r in rows(home, "select id from papers")}


def state(home: Path, prefix: str) -> dict[str, Any]:
    with closing(sqlite3.connect(home / "radar.db")) as conn:
        conn.row_factory = sqlite3.Row
        found = conn.execute("select * from fetch_state where key like ?", (prefix + "%",)).fetchall()
    assert len(found) == 1, [dict(r) for r in found]
    return dict(found[0])


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("Error:")]


# --- 1-5: retries, back-off, resets, silence -------------------------------------------------------


def test_429_is_retried_after_the_retry_after_pause(
    arxiv: FakeArxiv, radar_home: Path, pauses: list[float]
) -> None:
    follow(AUTHOR)
    arxiv.api = [reply(b"Rate exceeded.", 429, "text/plain", Retry_After="1"), api_ok([paper(1)])]
    fetch(code=0)
    hits = arxiv.of(API_PATH)
    assert len(hits) == 2
    assert pauses == [1.0]  # Retry-After: 1 beats the 0.01 s back-off
    assert stored(radar_home) == {"2611.00001"}


def test_503_three_times_then_200_backs_off_exponentially(
    arxiv: FakeArxiv, radar_home: Path, pauses: list[float]
) -> None:
    follow(AUTHOR)
    unavailable = reply(b"Service Unavailable", 503, "text/plain")
    arxiv.api = [unavailable, unavailable, unavailable, api_ok([paper(1)])]
    result = fetch("--format", "json", code=0, RADAR_HTTP_RETRIES="4", RADAR_HTTP_BACKOFF="0.1")
    hits = arxiv.of(API_PATH)
    assert len(hits) == 4
    # 0.1 s, then 0.2 s, then 0.4 s: doubling each time.
    assert pauses == pytest.approx([0.1, 0.2, 0.4])
    summary = json.loads(result.stdout)
    assert (summary["ok"], summary["new"], summary["requests"]) == (True, 1, 4)
    assert stored(radar_home) == {"2611.00001"}


def test_persistent_503_gives_up_after_retries_plus_one(arxiv: FakeArxiv, radar_home: Path) -> None:
    follow(AUTHOR)
    arxiv.api = [reply(b"Service Unavailable", 503, "text/plain")]
    result = fetch(code=1, RADAR_HTTP_RETRIES="2")
    assert len(arxiv.of(API_PATH)) == 3
    assert error_lines(result.stderr) == ["Error: arXiv API, authors: HTTP 503 (gave up after 3 tries)"], (
        result.stderr
    )
    assert stored(radar_home) == set()
    author = state(radar_home, "author:")
    assert author["watermark_utc"] is None and author["last_success_utc"] is None
    assert "HTTP 503" in author["last_error"]


def test_connection_reset_then_success(raw_server: Callable[..., RawServer], radar_home: Path) -> None:
    server = raw_server(reset, answer(api_feed([paper(1)])))
    follow(AUTHOR)
    fetch(code=0, RADAR_ARXIV_API_URL=server.url)
    assert len(server.accepted) == 2
    assert stored(radar_home) == {"2611.00001"}


def test_persistent_resets_name_the_source(raw_server: Callable[..., RawServer], radar_home: Path) -> None:
    server = raw_server(reset)
    follow(AUTHOR)
    result = fetch(code=1, RADAR_ARXIV_API_URL=server.url, RADAR_HTTP_RETRIES="1")
    assert len(server.accepted) == 2
    assert error_lines(result.stderr) == [
        "Error: arXiv API, authors: connection failed (connection reset) (gave up after 2 tries)"
    ], result.stderr
    assert stored(radar_home) == set()


@pytest.mark.parametrize("fault", ["before the headers", "in the middle of the body"])
def test_a_silent_server_ends_in_bounded_time(
    fault: str, raw_server: Callable[..., RawServer], radar_home: Path
) -> None:
    behaviour = silent if fault == "before the headers" else stall_mid_body(api_feed([paper(1)]))
    server = raw_server(behaviour)
    follow(AUTHOR)
    started = time.monotonic()
    result = fetch(code=1, RADAR_ARXIV_API_URL=server.url, RADAR_HTTP_TIMEOUT="0.5", RADAR_HTTP_RETRIES="1")
    assert time.monotonic() - started < 10
    assert len(server.accepted) == 2
    assert error_lines(result.stderr) == [
        "Error: arXiv API, authors: no answer within 0.5 s (gave up after 2 tries)"
    ], result.stderr
    assert stored(radar_home) == set()


def test_a_body_cut_off_mid_transfer_is_retried(
    raw_server: Callable[..., RawServer], radar_home: Path
) -> None:
    body = api_feed([paper(1)])
    server = raw_server(cut_off(body), answer(body))
    follow(AUTHOR)
    fetch(code=0, RADAR_ARXIV_API_URL=server.url)
    assert len(server.accepted) == 2
    assert stored(radar_home) == {"2611.00001"}


def test_a_body_always_cut_off_fails_that_source_only(
    arxiv: FakeArxiv, raw_server: Callable[..., RawServer], radar_home: Path
) -> None:
    server = raw_server(cut_off(api_feed([paper(1)])))
    arxiv.rss = [rss_ok([paper(2)])]
    follow(AUTHOR, "--category", "cs.LG")
    result = fetch(code=1, RADAR_ARXIV_API_URL=server.url, RADAR_HTTP_RETRIES="1")
    assert len(server.accepted) == 2
    assert error_lines(result.stderr) == [
        "Error: arXiv API, authors: connection dropped in the middle of the response (gave up after 2 tries)"
    ], result.stderr
    assert stored(radar_home) == {"2611.00002"}  # the listing still came in


def test_a_long_retry_after_is_not_waited_past_the_retry_budget(arxiv: FakeArxiv, radar_home: Path) -> None:
    follow(AUTHOR)
    arxiv.api = [reply(b"Rate exceeded.", 429, "text/plain", Retry_After="30")]
    started = time.monotonic()
    result = fetch(code=1, RADAR_HTTP_RETRIES="4", RADAR_HTTP_RETRY_BUDGET="2")
    assert time.monotonic() - started < 5
    assert len(arxiv.of(API_PATH)) == 1
    assert error_lines(result.stderr) == ["Error: arXiv API, authors: HTTP 429 (gave up after 1 try)"], (
        result.stderr
    )


# --- 6-8: answers that must not be trusted ---------------------------------------------------------


def _malformed(feed: bytes) -> bytes:
    # An unescaped ampersand: the commonest way a hand-made or broken feed stops being XML.
    assert b"Q&amp;A" in feed
    return feed.replace(b"Q&amp;A", b"Q&A", 1)


HTML = "text/html; charset=utf-8"
API_NOT_XML = "Error: arXiv API, authors: not well-formed XML ("
RSS_NOT_XML = "Error: arXiv listing cs.LG: not a well-formed feed ("
# fault -> (the answer, how the one error line starts)
BAD_API = {
    "html": (reply(HTML_PAGE, content_type=HTML), API_NOT_XML),
    "xhtml": (
        reply(XHTML_PAGE, content_type=HTML),
        "Error: arXiv API, authors: not an Atom feed (an HTML page or another document)",
    ),
    "malformed": (reply(_malformed(api_feed([paper(3, title="Q&A for things")]))), API_NOT_XML),
    "truncated": (reply(REAL_API[: len(REAL_API) // 2]), API_NOT_XML),
}
BAD_RSS = {
    "html": (reply(HTML_PAGE, content_type=HTML, ETag='"bad"'), RSS_NOT_XML),
    "xhtml": (
        reply(XHTML_PAGE, content_type=HTML, ETag='"bad"'),
        "Error: arXiv listing cs.LG: not an RSS or Atom feed (an HTML page or another document)",
    ),
    "malformed": (
        reply(_malformed(rss_feed([paper(3, title="Q&A for things")])), content_type=RSS, ETag='"bad"'),
        RSS_NOT_XML,
    ),
    "truncated": (reply(REAL_RSS[: len(REAL_RSS) // 2], content_type=RSS, ETag='"bad"'), RSS_NOT_XML),
}


@pytest.mark.parametrize("fault", sorted(BAD_API))
def test_an_untrustworthy_api_answer_stores_nothing_and_keeps_the_watermark(
    fault: str, arxiv: FakeArxiv, radar_home: Path
) -> None:
    follow(AUTHOR)
    arxiv.api = [api_ok([paper(1, "2026-11-10T12:00:00Z")])]
    fetch(code=0)
    before = state(radar_home, "author:")
    assert before["watermark_utc"] == "2026-11-10T12:00:00Z"

    answer, expected = BAD_API[fault]
    arxiv.api = [answer]
    result = fetch(code=1)
    lines = error_lines(result.stderr)
    assert len(lines) == 1 and lines[0].startswith(expected), result.stderr
    assert len(arxiv.of(API_PATH)) == 2  # a bad body is not retried
    assert stored(radar_home) == {"2611.00001"}
    after = state(radar_home, "author:")
    assert (after["watermark_utc"], after["last_total"], after["last_success_utc"]) == (
        before["watermark_utc"],
        before["last_total"],
        before["last_success_utc"],
    )
    assert after["last_error"]

    arxiv.api = [api_ok([paper(2), paper(1, "2026-11-10T12:00:00Z")])]
    fetch(code=0)
    assert stored(radar_home) == {"2611.00001", "2611.00002"}
    assert state(radar_home, "author:")["watermark_utc"] == "2026-11-19T17:59:01Z"


@pytest.mark.parametrize("fault", sorted(BAD_RSS))
def test_an_untrustworthy_listing_stores_nothing_and_keeps_the_etag(
    fault: str, arxiv: FakeArxiv, radar_home: Path
) -> None:
    follow("--category", "cs.LG")
    arxiv.rss = [rss_ok([paper(1)], day="2026-11-19", ETag='"v1"')]
    fetch(code=0)
    before = state(radar_home, "listing:")
    assert (before["etag"], before["last_listing_date"]) == ('"v1"', "2026-11-19")

    answer, expected = BAD_RSS[fault]
    arxiv.rss = [answer]
    result = fetch(code=1)
    lines = error_lines(result.stderr)
    assert len(lines) == 1 and lines[0].startswith(expected), result.stderr
    assert arxiv.of(RSS_PATH)[-1].headers.get("If-None-Match") == '"v1"'
    assert stored(radar_home) == {"2611.00001"}
    after = state(radar_home, "listing:")
    assert (after["etag"], after["last_listing_date"], after["last_success_utc"]) == (
        '"v1"',
        "2026-11-19",
        before["last_success_utc"],
    )

    def revalidate(request: Request) -> Response:
        # Had the bad answer's ETag been kept, this would say "unchanged" and lose paper 2.
        if request.headers.get("If-None-Match") == '"v1"':
            return rss_ok([paper(2)], day="2026-11-20", ETag='"v2"')(request)
        return Response(status=304)

    arxiv.rss = [revalidate]
    fetch(code=0)
    assert arxiv.of(RSS_PATH)[-1].headers.get("If-None-Match") == '"v1"'
    assert stored(radar_home) == {"2611.00001", "2611.00002"}
    assert state(radar_home, "listing:")["etag"] == '"v2"'


def test_a_truncated_second_page_is_not_trusted_and_moves_no_watermark(
    arxiv: FakeArxiv, radar_home: Path
) -> None:
    follow(AUTHOR)
    second = api_feed([paper(2, "2026-11-18T10:00:00Z")], total=2, start=1)
    arxiv.api = [api_ok([paper(1)], total=2), reply(second[: len(second) // 2])]
    result = fetch(code=1)
    assert [h.args["start"] for h in arxiv.of(API_PATH)] == ["0", "1"]
    lines = error_lines(result.stderr)
    assert len(lines) == 1 and lines[0].startswith(API_NOT_XML), result.stderr
    # Each page is stored as it comes: the sound first page is kept, nothing of the
    # broken one, and the query counts as not done.
    assert stored(radar_home) == {"2611.00001"}
    assert state(radar_home, "author:")["watermark_utc"] is None

    # So the next fetch asks from the start again and gets everything.
    arxiv.api = [api_ok([paper(1)], total=2), api_ok([paper(2, "2026-11-18T10:00:00Z")], total=2, start=1)]
    fetch(code=0)
    assert [h.args["start"] for h in arxiv.of(API_PATH)][-2:] == ["0", "1"]
    assert stored(radar_home) == {"2611.00001", "2611.00002"}
    assert state(radar_home, "author:")["watermark_utc"] == "2026-11-19T17:59:01Z"


def test_an_empty_page_after_results_is_not_trusted(arxiv: FakeArxiv, radar_home: Path) -> None:
    follow(AUTHOR)
    arxiv.api = [api_ok([paper(1)])]
    fetch(code=0)
    before = state(radar_home, "author:")
    assert (before["last_total"], before["watermark_utc"]) == (1, "2026-11-19T17:59:01Z")

    arxiv.api = [reply(EMPTY_API)]  # arXiv's real empty answer: no entries, totalResults 0
    result = fetch(code=1)
    assert error_lines(result.stderr) == [
        "Error: arXiv API, authors: arXiv returned an empty page for a query that has results"
    ], result.stderr
    after = state(radar_home, "author:")
    assert (after["last_total"], after["watermark_utc"]) == (1, "2026-11-19T17:59:01Z")
    assert stored(radar_home) == {"2611.00001"}


def test_arxiv_error_feed_is_one_line_with_its_text(arxiv: FakeArxiv, radar_home: Path) -> None:
    follow(AUTHOR)
    arxiv.api = [reply(ERROR_400_API, 400)]
    result = fetch("--quiet", code=1)
    assert result.stderr.splitlines() == [
        "Error: arXiv API, authors: arXiv refused the query: incorrect id format for abc"
    ]
    assert len(arxiv.of(API_PATH)) == 1  # 400 is an answer, not a fault to retry
    assert stored(radar_home) == set()


def test_a_listing_feed_error_is_a_clear_message(arxiv: FakeArxiv, radar_home: Path) -> None:
    follow("--category", "cs.LG")
    # The channel of a real listing, titled as arXiv titles a query it does not know.
    head = RSS_HEAD.format(cats="cs.LG", cats_plus="cs.LG", day_rfc="Fri, 20 Nov 2026")
    head = head.replace(
        "<title>cs.LG updates on arXiv.org</title>", "<title>Feed error for query: cs.LG</title>"
    )
    arxiv.rss = [reply((head + RSS_TAIL).encode(), 400, RSS)]
    result = fetch("--quiet", code=1)
    assert result.stderr.splitlines() == [
        "Error: arXiv listing cs.LG: arXiv refused the request: Feed error for query: cs.LG"
    ]
    assert len(arxiv.of(RSS_PATH)) == 1
    assert stored(radar_home) == set()
    assert state(radar_home, "listing:")["etag"] is None


# --- 9: sources are independent -----------------------------------------------------------------


def test_a_failing_api_does_not_stop_the_listing(arxiv: FakeArxiv, radar_home: Path) -> None:
    follow(AUTHOR, "--category", "cs.LG")
    arxiv.api = [reply(b"Internal Server Error", 500, "text/plain")]
    arxiv.rss = [rss_ok([paper(1), paper(2)])]
    result = fetch("--format", "json", code=1, RADAR_HTTP_RETRIES="1")
    assert error_lines(result.stderr) == ["Error: arXiv API, authors: HTTP 500 (gave up after 2 tries)"]
    summary = json.loads(result.stdout)
    assert summary["ok"] is False and summary["new"] == 2
    by_name = {s["name"]: s for s in summary["sources"]}
    assert by_name["arXiv API, authors"]["ok"] is False
    assert "HTTP 500" in by_name["arXiv API, authors"]["message"]
    assert (by_name["arXiv listing cs.LG"]["ok"], by_name["arXiv listing cs.LG"]["new"]) == (True, 2)
    assert stored(radar_home) == {"2611.00001", "2611.00002"}
    assert rows(radar_home, "select ok from fetch_runs") == [(0,)]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_an_unreachable_host_is_asked_once_per_run(radar_home: Path) -> None:
    # Offline: every source's host refuses. The first request uses its retries; the
    # sources after it on the same host fail at once instead of retrying in turn, and the
    # run says so in one line naming the host, with nothing else on stdout or stderr.
    port = _closed_port()
    follow(AUTHOR, "--topic", "world models", "--category", "cs.LG")
    hosts = {
        "RADAR_ARXIV_API_URL": f"http://127.0.0.1:{port}/api/query",
        "RADAR_ARXIV_RSS_URL": f"http://127.0.0.1:{port}/rss/",
        "RADAR_HTTP_RETRIES": "2",
    }
    result = fetch(code=1, **hosts)
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"Error: cannot reach 127.0.0.1:{port}: connection failed (connection refused); 3 sources not "
        "fetched (arXiv API, authors; arXiv API, topics; arXiv listing cs.LG). "
        "Nothing stored was lost: the next fetch tries again"
    ], result.stderr
    summary = json.loads(fetch("--format", "json", code=1, **hosts).stdout)
    assert summary["requests"] == 3
    # The JSON says what the messages say: the host was down, and two were not asked.
    assert [(s["host_down"], s["not_asked"], s["unreachable"]) for s in summary["sources"]] == [
        (f"127.0.0.1:{port}", False, "connection failed (connection refused)"),
        (f"127.0.0.1:{port}", True, "connection failed (connection refused)"),
        (f"127.0.0.1:{port}", True, "connection failed (connection refused)"),
    ]
    assert "not asked" in summary["sources"][1]["message"]


def test_a_name_that_does_not_resolve_is_not_retried(radar_home: Path) -> None:
    # Offline, every name fails to resolve: it will not resolve seconds later, so each
    # host costs one try, not the retries and their back-off (65 s with the defaults),
    # and the hosts are named on one line: one cause, one line.
    follow(AUTHOR, "--topic", "world models", "--category", "cs.LG")
    offline = {
        "RADAR_ARXIV_API_URL": "http://nonexistent.invalid/api/query",
        "RADAR_ARXIV_RSS_URL": "http://rss.nonexistent.invalid/rss/",
        "RADAR_HTTP_RETRIES": "4",
    }
    result = fetch(code=1, **offline)
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("Error: cannot reach nonexistent.invalid, rss.nonexistent.invalid: "), line
    assert "3 sources not fetched (arXiv API, authors; arXiv API, topics; arXiv listing cs.LG)" in line
    summary = json.loads(fetch("--format", "json", code=1, **offline).stdout)
    assert summary["requests"] == 2  # one try per host
    assert [(s["host_down"], s["not_asked"]) for s in summary["sources"]] == [
        ("nonexistent.invalid", False),
        ("nonexistent.invalid", True),
        ("rss.nonexistent.invalid", False),
    ]
    assert "(gave up after 1 try)" in summary["sources"][0]["message"]


def test_an_unresolved_name_is_not_retried_and_a_refusal_is() -> None:
    from radar.errors import HostDownError
    from radar.http import Http

    told: list[str] = []
    http = Http(delay=0, retries=4, backoff=0.01, on_retry=told.append)
    with pytest.raises(HostDownError, match=r"gave up after 1 try"):
        http.get("http://nonexistent.invalid/api/query", "arXiv API, authors")
    assert told == [] and http.requests_made == 1
    with pytest.raises(HostDownError, match=r"could not be reached earlier"):
        http.get("http://nonexistent.invalid/rss/cs.LG", "arXiv listing cs.LG")
    assert http.requests_made == 1
    with pytest.raises(HostDownError, match=r"gave up after 5 tries"):
        http.get(f"http://127.0.0.1:{_closed_port()}/api/query", "arXiv API, authors")
    assert len(told) == 4 and http.requests_made == 6


def test_a_temporary_failure_to_resolve_is_retried(
    monkeypatch: pytest.MonkeyPatch, httpserver: HTTPServer
) -> None:
    # A machine waking from sleep: its resolver says "temporary failure" for a moment,
    # then the name resolves (here, to the loopback server).
    from radar.http import Http

    httpserver.expect_request("/api/query").respond_with_data("ok")
    real = socket.getaddrinfo
    failures = [socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")] * 2

    def getaddrinfo(host: str, *args: Any, **kwargs: Any) -> Any:
        if host == "arxiv.waking.test":
            if failures:
                raise failures.pop()
            host = "127.0.0.1"
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    told: list[str] = []
    http = Http(delay=0, retries=4, backoff=0.01, on_retry=told.append)
    response = http.get(f"http://arxiv.waking.test:{httpserver.port}/api/query", "arXiv API, authors")
    assert response.text == "ok"
    assert len(told) == 2 and http.requests_made == 3


def test_an_unreachable_host_leaves_the_others_asked(arxiv: FakeArxiv, radar_home: Path) -> None:
    follow(AUTHOR, "--topic", "world models", "--category", "cs.LG")
    arxiv.rss = [rss_ok([paper(1)])]
    result = fetch(code=1, RADAR_ARXIV_API_URL=f"http://127.0.0.1:{_closed_port()}/api/query")
    (line,) = error_lines(result.stderr)
    assert "2 sources not fetched (arXiv API, authors; arXiv API, topics)" in line
    assert len(arxiv.of(RSS_PATH)) == 1 and stored(radar_home) == {"2611.00001"}


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        (
            "Failed to resolve 'export.arxiv.org' ([Errno -2] Name or service not known)",
            "name or service not known",
        ),
        (
            "Failed to resolve 'export.arxiv.org' ([Errno 8] nodename nor servname provided, or not known)",
            "name or service not known",
        ),
        (
            "Failed to resolve 'export.arxiv.org' ([Errno 11001] getaddrinfo failed)",
            "name or service not known",
        ),
        (
            "[WinError 10061] No connection could be made because the target machine actively refused it",
            "connection refused",
        ),
        ("[Errno 101] Network is unreachable", "network is unreachable"),
    ],
)
def test_unreachable_hosts_are_recognised_on_every_platform(message: str, reason: str) -> None:
    from radar.http import UNREACHABLE, _reason

    assert _reason(ConnectionError(message)) == reason and reason in UNREACHABLE


def test_each_pause_before_a_retry_is_announced() -> None:
    from radar.errors import SourceError
    from radar.http import Http

    told: list[str] = []
    http = Http(delay=0, retries=2, backoff=0.01, on_retry=told.append)
    with pytest.raises(SourceError, match=r"gave up after 3 tries"):
        http.get(f"http://127.0.0.1:{_closed_port()}/api/query", "arXiv API, authors")
    assert told == ["arXiv API, authors: connection failed (connection refused); trying again in 0 s"] * 2
    assert http.requests_made == 3


# --- 10-12: concurrency and kill -9 ---------------------------------------------------------------


def test_a_second_fetch_steps_aside_while_the_lock_is_held(arxiv: FakeArxiv, radar_home: Path) -> None:
    from filelock import FileLock

    follow(AUTHOR)
    arxiv.api = [api_ok([paper(1)])]
    lock = FileLock(str(radar_home / "radar.db") + ".fetch-lock")
    with lock:
        started = time.monotonic()
        result = fetch("--wait", "0.5", code=0)
        assert time.monotonic() - started < 5
    assert "another radar fetch, harvest or import is writing" in result.stderr
    assert arxiv.hits == [] and stored(radar_home) == set()


def test_a_lock_left_by_a_killed_process_does_not_block(arxiv: FakeArxiv, radar_home: Path) -> None:
    follow(AUTHOR)
    lock_path = str(radar_home / "radar.db") + ".fetch-lock"
    holder = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os, signal, sys\n"
            "from filelock import FileLock\n"
            "FileLock(sys.argv[1]).acquire()\n"
            "os.kill(os.getpid(), signal.SIGKILL)\n",
            lock_path,
        ],
        timeout=30,
    )
    assert holder.returncode == -signal.SIGKILL
    assert Path(lock_path).exists()  # the file stays; the OS lock on it went with the process
    arxiv.api = [api_ok([paper(1)])]
    started = time.monotonic()
    fetch("--wait", "0.5", code=0)
    assert time.monotonic() - started < 5
    assert stored(radar_home) == {"2611.00001"}


def _three_sources(arxiv: FakeArxiv, hold: bool) -> None:
    """Authors (one page), a topic (two pages, the second held at the gate), a listing."""

    def api(request: Request) -> Response:
        query, start = request.args["search_query"], request.args["start"]
        if query.startswith("au:"):
            return api_ok([paper(1, authors=[AUTHOR])])(request)
        if start == "0":
            return api_ok([paper(2)], total=2)(request)
        if hold:
            arxiv.gate.hold()
        return api_ok([paper(3, "2026-11-18T10:00:00Z")], total=2, start=1)(request)

    arxiv.api = [api]
    arxiv.rss = [rss_ok([paper(4)])]


# --- 13-14: manners ------------------------------------------------------------------------------


def test_user_agent_names_radar_and_the_contact(arxiv: FakeArxiv, radar_home: Path) -> None:
    follow(AUTHOR, "--category", "cs.LG")
    fetch(code=0, RADAR_CONTACT_EMAIL="someone@example.org")
    agents = {h.path: h.headers.get("User-Agent", "") for h in arxiv.hits}
    assert set(agents) == {API_PATH, RSS_PATH + "cs.LG"}
    for agent in agents.values():
        assert agent.startswith(f"radar/{__version__} ")
        assert "mailto:someone@example.org" in agent
        assert "python-requests" not in agent

    arxiv.hits.clear()
    fetch(code=0)
    assert len(arxiv.hits) == 2
    for hit in arxiv.hits:
        agent = hit.headers.get("User-Agent", "")
        assert agent.startswith(f"radar/{__version__} ")
        assert "mailto:" not in agent and "python-requests" not in agent


def test_requests_are_spaced_by_the_arxiv_delay(
    arxiv: FakeArxiv, radar_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import radar.http

    clock = Clock()
    monkeypatch.setattr(radar.http, "time", clock)
    arxiv.clock = clock.monotonic
    names = [
        "Ada Lovelace",
        "Alan Turing",
        "Grace Hopper",
        "Emmy Noether",
        "Claude Shannon",
        "Barbara Liskov",
        "Donald Knuth",
        "Edsger Dijkstra",
        "Frances Allen",
        "Tony Hoare",
        "John Backus",
    ]
    for name in names:
        follow(name)
    follow("--category", "cs.LG")
    result = fetch("--format", "json", code=0, RADAR_ARXIV_DELAY="0.3")
    sources = [s["name"] for s in json.loads(result.stdout)["sources"]]
    assert sources == [
        "arXiv API, authors (batch 1 of 2)",
        "arXiv API, authors (batch 2 of 2)",
        "arXiv listing cs.LG",
    ]
    assert [h.path for h in arxiv.hits] == [API_PATH, API_PATH, RSS_PATH + "cs.LG"]
    # On radar's clock (a request is sent, and seen here, before radar's next pause):
    # the first request at once, each one after it 0.3 s after the one before.
    assert [hit.at - 1000.0 for hit in arxiv.hits] == pytest.approx([0.0, 0.3, 0.6]), arxiv.hits


def test_a_trickling_server_is_cut_off_by_the_total_deadline(
    raw_server: Callable[..., RawServer], radar_home: Path
) -> None:
    server = raw_server(trickle(api_feed([paper(1)])), trickle(api_feed([paper(1)])))
    follow(AUTHOR)
    started = time.monotonic()
    result = fetch(code=1, RADAR_ARXIV_API_URL=server.url, RADAR_HTTP_TIMEOUT="1", RADAR_HTTP_RETRIES="1")
    assert time.monotonic() - started < 8
    assert error_lines(result.stderr) == [
        "Error: arXiv API, authors: no complete answer within 1 s (the server sends too slowly) (gave up after 2 tries)"
    ], result.stderr
    assert stored(radar_home) == set()


def test_a_url_without_a_scheme_is_a_usage_error(radar_home: Path) -> None:
    follow(AUTHOR)
    result = run_radar("fetch", env={"RADAR_ARXIV_API_URL": "export.arxiv.org/api/query"})
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "arxiv_api_url from RADAR_ARXIV_API_URL must be an http:// or https:// URL" in result.stderr


def test_follow_waits_for_a_running_fetch(arxiv: FakeArxiv, radar_home: Path) -> None:
    """radar follow fetches too, so it takes the same lock as radar fetch."""
    from filelock import FileLock

    lock = FileLock(str(radar_home / "radar.db") + ".fetch-lock")
    follow(AUTHOR)  # creates the database
    with lock.acquire(timeout=1):
        started = time.monotonic()
        result = run_radar("follow", "--wait", "0.5", "--topic", "world models", timeout=60)
    assert result.returncode == 0, result.stderr
    assert "another radar fetch, harvest or import is writing" in result.stderr
    assert "Following topic world models" in result.stderr
    assert time.monotonic() - started < 10
    assert arxiv.hits == []


# --- a host that accepts and never answers: one timeout budget per run ----------------------------

MANY_AUTHORS = [f"Person{n} Surname{n}" for n in range(25)]  # three API batches of ten


def _many_follows(feed_url: str | None = None) -> None:
    follow(*MANY_AUTHORS[:1], "--topic", "world models", "--topic", "belief states", "--category", "cs.LG")
    for name in MANY_AUTHORS[1:]:
        follow(name)
    if feed_url:
        follow("--feed", feed_url)


@pytest.mark.parametrize("fault", ["silent", "a byte a second"])
def test_a_hanging_host_costs_one_timeout_budget_whatever_the_follows(
    fault: str, raw_server: Callable[..., RawServer], arxiv: FakeArxiv, httpserver: Any, radar_home: Path
) -> None:
    behaviour = silent if fault == "silent" else trickle(api_feed([paper(1)]), pause=1.0)
    server = raw_server(behaviour)
    host = server.url.split("/")[2]
    # A journal's feed lives on another host: it is still asked, and stored.
    httpserver.expect_request("/journal.rss").respond_with_data(
        rss_feed([paper(7, authors=[MANY_AUTHORS[3]])]), content_type=RSS
    )
    _many_follows(httpserver.url_for("/journal.rss"))
    hanging = {
        "RADAR_ARXIV_API_URL": server.url,
        "RADAR_ARXIV_RSS_URL": server.url.replace(API_PATH, RSS_PATH),
        "RADAR_HTTP_TIMEOUT": "0.5",
        "RADAR_HTTP_RETRIES": "1",
    }
    started = time.monotonic()
    result = fetch("--format", "json", code=1, **hanging)
    # One request's tries (retries + 1), not one per source: 3 author batches, a topic
    # batch and a listing would have cost ten.
    assert len(server.accepted) == 2
    assert time.monotonic() - started < 20  # (retries + 1) x timeout + back-off, with room
    lines = error_lines(result.stderr)
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"Error: {host} stopped answering: arXiv API, authors (batch 1 of 3): ")
    assert "4 more sources on it not asked. Nothing stored was lost" in lines[0]
    summary = json.loads(result.stdout)
    by_name = {s["name"]: s for s in summary["sources"]}
    assert by_name["arXiv listing cs.LG"]["not_asked"] is True
    feed = next(s for s in summary["sources"] if s["name"].startswith("feed"))
    assert feed["ok"] is True, summary["sources"]
    journal = [entry for entry in httpserver.log if entry[0].path == "/journal.rss"]
    assert len(journal) == 1  # asked by this fetch, though arXiv hung
    # radar status shows the failed run and its reason.
    status = run_radar("status", "--format", "json")
    assert status.returncode == 0, status.stderr
    assert "no answer within 0.5 s" in status.stdout or "too slowly" in status.stdout
    # Nothing moved: the next fetch, against a healthy arXiv, resumes and loses nothing.
    arxiv.api = [api_ok([paper(1, authors=[MANY_AUTHORS[0]])]), reply(EMPTY_API)]
    arxiv.rss = [rss_ok([paper(2)])]
    fetch(code=0)
    assert {"2611.00001", "2611.00002"} <= stored(radar_home)
    assert all(hit.args.get("start", "0") == "0" for hit in arxiv.of(API_PATH))


def test_a_fetch_stops_at_its_deadline_and_keeps_what_it_stored(arxiv: FakeArxiv, radar_home: Path) -> None:
    _many_follows()
    arxiv.api = [api_ok([paper(1, authors=[MANY_AUTHORS[0]])]), reply(EMPTY_API)]
    arxiv.rss = [rss_ok([paper(2)])]
    # Each request starts 0.6 s after the one before: a 1 s deadline lets two start.
    result = fetch(code=1, RADAR_ARXIV_DELAY="0.6", RADAR_FETCH_DEADLINE="1")
    lines = error_lines(result.stderr)
    assert len(lines) == 1 and "not asked" in lines[0] and "RADAR_FETCH_DEADLINE" in lines[0], result.stderr
    assert "What it stored is kept" in lines[0]
    assert len(arxiv.hits) == 2 and stored(radar_home) == {"2611.00001"}
    # The next run, without a deadline, asks the rest.
    arxiv.api = [api_ok([paper(1, authors=[MANY_AUTHORS[0]])]), reply(EMPTY_API)]
    fetch(code=0, RADAR_FETCH_DEADLINE="0")
    assert "2611.00002" in stored(radar_home)
