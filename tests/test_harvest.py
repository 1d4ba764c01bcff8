"""`radar harvest` over OAI-PMH, against a real HTTP server on loopback.

pytest-httpserver plays arXiv's OAI-PMH interface; a tiny socket server produces what
HTTP cannot express (a reset connection, a server that never answers). Every page is
built from the real arXiv responses in tests/fixtures/oai (see PROVENANCE.md): the
envelope and the records verbatim, split across pages and chained by resumption tokens.
Most checks run the CLI in-process through `radar.cli.main`; one runs the installed
console script.
"""

from __future__ import annotations

import json
import re
import socket
import sqlite3
import struct
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import run_radar
from werkzeug import Request, Response

from radar.errors import BadResponseError, UsageError
from radar.sources.oai_pmh import (
    archive_set,
    parse_list_records,
    request_params,
    set_spec,
    split_authors,
)

FIXTURES = Path(__file__).parent / "fixtures" / "oai"
XML = "text/xml; charset=utf-8"

RAW = (FIXTURES / "listrecords_arXivRaw_2015-01-06_6records_token.xml").read_text()
ARXIV_HEP_TH = (FIXTURES / "listrecords_arXiv_2017-12-14_hep-th_3records.xml").read_bytes()
GET_RECORD = (FIXTURES / "getrecord_arXivRaw_2015-01-06_1302.2146_2versions.xml").read_text()
BAD_TOKEN = (FIXTURES / "error_badResumptionToken_2015-06-23.xml").read_bytes()
UNKNOWN_SET = (FIXTURES / "error_noRecordsMatch_2015-06-23_unknown_set.xml").read_bytes()
BAD_ARGUMENT = (FIXTURES / "error_badArgument_2015-06-23.xml").read_bytes()
# arXiv's noRecordsMatch for an empty result: the real envelope with the message today's
# interface sends (arXiv/oaipmh, oaipmh/data/oai_errors.py).
NO_RECORDS = UNKNOWN_SET.replace(
    b"Set argument doesn't match any sets. The setSpec was 'moo'",
    b"The combination of the values of the from, until, set and metadataPrefix arguments "
    b"results in an empty list.",
)

# The real page, taken apart: everything before the first record, the records by id,
# and the closing tags. Pages are put back together from these pieces.
HEAD = RAW[: RAW.index("<record>")]
RECORDS = {
    re.search(r"<identifier>oai:arXiv.org:(\S+)</identifier>", r)[1]: r  # type: ignore[index]
    for r in re.findall(r"<record>.*?</record>\n", RAW, re.S)
}
TAIL = "</ListRecords>\n</OAI-PMH>\n"
IDS = list(RECORDS)  # 0704.0471 0704.0716 0704.0874 0704.1109 0704.1114 0704.1586
# The record of the real GetRecord answer, as a ListRecords page would carry it.
RECORDS["1302.2146"] = re.search(r"<record>.*?</record>\n", GET_RECORD, re.S)[0]  # type: ignore[index]

# Tokens are opaque: the real 2015 one, and one in the shape today's interface issues
# (arXiv/oaipmh ResToken: the URL-quoted query plus skip).
TOKEN_1 = "726959|1001"
TOKEN_2 = "verb%3DListRecords%26metadataPrefix%3DarXivRaw%26set%3Dmath%253Amath%26skip%3D2000"

HTML_PAGE = b"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>arXiv is temporarily unavailable</title></head>
<body><h1>We are sorry</h1><p>arXiv is undergoing maintenance. Please try again later.</p></body>
</html>
"""


def page(*ids: str, token: str | None = None, cursor: int = 0) -> bytes:
    """A ListRecords page of real records; without a token it is the list's last page,
    with no resumptionToken element, as today's interface's list_records.xml renders it."""
    body = HEAD + "".join(RECORDS[i] for i in ids)
    if token:
        body += f'<resumptionToken cursor="{cursor}" completeListSize="58011">{token}</resumptionToken>\n'
    return (body + TAIL).encode()


def deleted(paper_id: str) -> str:
    """A deleted record as OAI-PMH 2.0 (section 2.5.1) defines it: a header with
    status="deleted" and no metadata. arXiv declares deletedRecord `persistent`."""
    return (
        f'<record>\n<header status="deleted">\n <identifier>oai:arXiv.org:{paper_id}</identifier>\n'
        " <datestamp>2014-11-18</datestamp>\n <setSpec>math</setSpec>\n</header>\n</record>\n"
    )


def with_version_5(record: str) -> str:
    """0704.0716 with one more version, in the shape of its four real ones."""
    v5 = '<version version="v5"><date>Mon, 5 Jan 2015 10:00:00 GMT</date><size>50kb</size></version>'
    return record.replace("<title>", v5 + "<title>", 1)


# --- the fake OAI-PMH interface -----------------------------------------------------------------

Step = Callable[[Request], Response]


def reply(body: bytes, status: int = 200, content_type: str = XML, **headers: str) -> Step:
    extra = {k.replace("_", "-"): v for k, v in headers.items()}
    return lambda request: Response(body, status=status, content_type=content_type, headers=extra)


@dataclass
class Hit:
    args: dict[str, str]
    at: float


@dataclass
class FakeOai:
    """Answers from its script, one step per request (the last step repeats)."""

    script: list[Step] = field(default_factory=lambda: [reply(NO_RECORDS)])
    hits: list[Hit] = field(default_factory=list)

    def __call__(self, request: Request) -> Response:
        self.hits.append(Hit(dict(request.args), time.monotonic()))
        step = self.script.pop(0) if len(self.script) > 1 else self.script[0]
        return step(request)

    def answer(self, *steps: Step | bytes) -> None:
        self.script = [s if callable(s) else reply(s) for s in steps]
        self.hits.clear()

    @property
    def args(self) -> list[dict[str, str]]:
        return [h.args for h in self.hits]


@pytest.fixture
def oai(httpserver: Any, monkeypatch: pytest.MonkeyPatch) -> FakeOai:
    fake = FakeOai()
    httpserver.expect_request("/oai").respond_with_handler(fake)
    monkeypatch.setenv("RADAR_OAI_URL", httpserver.url_for("/oai"))
    monkeypatch.setenv("RADAR_HTTP_TIMEOUT", "2")
    monkeypatch.setenv("RADAR_HTTP_RETRIES", "2")
    return fake


# --- faults below HTTP ------------------------------------------------------------------------------


class RawServer:
    """A socket server: connection n gets behaviour n (the last one repeats)."""

    def __init__(self, *behaviours: Callable[[socket.socket], None]) -> None:
        self.behaviours = list(behaviours)
        self.accepted = 0
        self.stop = threading.Event()
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.05)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/oai"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            behaviour = self.behaviours[min(self.accepted, len(self.behaviours) - 1)]
            self.accepted += 1
            threading.Thread(target=self._run, args=(behaviour, conn), daemon=True).start()

    def _run(self, behaviour: Callable[[socket.socket], None], conn: socket.socket) -> None:
        try:
            _read_head(conn)
            behaviour(conn)
        except OSError:
            pass

    def close(self) -> None:
        self.stop.set()
        self.sock.close()


def _read_head(conn: socket.socket) -> None:
    conn.settimeout(5)
    data = b""
    while b"\r\n\r\n" not in data and (chunk := conn.recv(65536)):
        data += chunk


def reset(conn: socket.socket) -> None:
    """Abort the connection: RST, not FIN (SO_LINGER 0)."""
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


def answer(body: bytes) -> Callable[[socket.socket], None]:
    def behaviour(conn: socket.socket) -> None:
        head = f"HTTP/1.1 200 OK\r\nContent-Type: {XML}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        conn.sendall(head.encode() + body)
        conn.close()

    return behaviour


@pytest.fixture
def raw_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., RawServer]]:
    servers: list[RawServer] = []

    def make(*behaviours: Callable[[socket.socket], None]) -> RawServer:
        servers.append(RawServer(*behaviours))
        monkeypatch.setenv("RADAR_OAI_URL", servers[-1].url)
        return servers[-1]

    yield make
    for server in servers:
        server.close()


# --- running radar ----------------------------------------------------------------------------------


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str

    @property
    def errors(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.startswith("Error:")]


@pytest.fixture
def radar(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Callable[..., Run]:
    """radar's console entry point, in-process: argv in, exit code and output back."""
    from radar.cli import main

    def run(*args: str) -> Run:
        capsys.readouterr()
        monkeypatch.setattr(sys, "argv", ["radar", *args])
        try:
            main()
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        out, err = capsys.readouterr()
        assert "Traceback" not in err and "unexpected" not in err, err
        return Run(code, out, err)

    return run


def rows(home: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with closing(sqlite3.connect(home / "radar.db")) as conn:
        return conn.execute(sql, params).fetchall()


def stored(home: Path) -> set[str]:
    return {r[0] for r in rows(home, "select id from papers")}


def harvest_state(home: Path) -> dict[str, Any]:
    with closing(sqlite3.connect(home / "radar.db")) as conn:
        conn.row_factory = sqlite3.Row
        found = [dict(r) for r in conn.execute("select * from fetch_state where key like 'harvest:%'")]
    assert len(found) == 1, found
    return found[0]


def a_year_back() -> str:
    return (datetime.now(UTC) - timedelta(days=365)).date().isoformat()


FIRST = {"verb": "ListRecords", "metadataPrefix": "arXivRaw", "set": "math:math"}


# --- paging, storing, matching --------------------------------------------------------------------


def test_three_pages_chained_by_tokens_are_stored_and_matched(
    oai: FakeOai, radar: Callable[..., Run], radar_home: Path
) -> None:
    assert radar("follow", "--no-fetch", "Christoph Richard").code == 0
    assert radar("follow", "--no-fetch", "--category", "math.AG").code == 0
    oai.answer(
        page(*IDS[:2], token=TOKEN_1),
        page(*IDS[2:4], token=TOKEN_2, cursor=2),
        page(*IDS[4:]),
    )
    result = radar("harvest")  # no --set: the archive of the followed category, math:math
    assert result.code == 0, result.stderr
    assert oai.args == [
        {**FIRST, "from": a_year_back()},
        # A resumed request carries the verb and the token, nothing else (OAI-PMH 2.0, 4.5).
        {"verb": "ListRecords", "resumptionToken": TOKEN_1},
        {"verb": "ListRecords", "resumptionToken": TOKEN_2},
    ]
    assert re.fullmatch(
        r"math:math: 6 new, 0 updated, 0 deleted, 0 skipped; 3 pages, 3 requests in \d+\.\d s\.\n",
        result.stderr,
    ), result.stderr
    assert stored(radar_home) == set(IDS)
    # arXivRaw's version history: the latest version, v1's date as published, every version.
    assert rows(
        radar_home, "select version, published_utc, updated_utc from papers where id = '0704.0716'"
    ) == [(4, "2007-04-05T12:45:03Z", "2008-11-14T09:07:25Z")]
    assert rows(radar_home, "select version from paper_versions where paper_id = '0704.0716'") == [(4,)]
    # The record's datestamp: arXiv changed it then, and a later one corrects it.
    assert rows(radar_home, "select metadata_date from papers where id = '0704.0716'") == [("2014-12-22",)]
    assert rows(
        radar_home, "select name from paper_authors where paper_id = '0704.1109' order by position"
    ) == [
        ("Valeria M. Rosa",),
        ("Patricio S. letelier",),
    ]
    # Harvested papers match follows as fetched ones do.
    matched = rows(
        radar_home,
        "select f.kind, m.paper_id from matches m join follows f on f.id = m.follow_id order by f.kind",
    )
    assert matched == [("author", "0704.0716"), ("category", "0704.0874")]
    state = harvest_state(radar_home)
    assert state["key"] == "harvest:math:math:arXivRaw"
    assert state["etag"] is None  # the list is complete
    assert state["watermark_utc"] == "2015-01-05T00:00:00Z"  # responseDate less a day
    assert state["last_error"] is None and state["last_success_utc"]


def test_the_next_harvest_asks_only_from_the_last_response_day(
    oai: FakeOai, radar: Callable[..., Run], radar_home: Path
) -> None:
    oai.answer(page(*IDS))
    assert radar("harvest", "--set", "math").code == 0
    newer = (HEAD + with_version_5(RECORDS["0704.0716"]) + RECORDS["1302.2146"] + TAIL).encode()
    oai.answer(newer)
    result = radar("harvest", "--set", "math")
    assert result.code == 0, result.stderr
    assert oai.args == [
        {"verb": "ListRecords", "metadataPrefix": "arXivRaw", "set": "math", "from": "2015-01-05"}
    ]
    assert result.stderr.startswith("math: 1 new, 1 updated, 0 deleted, 0 skipped; 1 page, 1 request"), (
        result.stderr
    )
    assert rows(radar_home, "select version from paper_versions where paper_id = '0704.0716' order by 1") == [
        (4,),
        (5,),
    ]
    assert rows(radar_home, "select announce_type from papers where id = '0704.0716'") == [("replace",)]
    # --from starts a new pass at that day, whatever was stored.
    oai.answer(NO_RECORDS)
    assert radar("harvest", "--set", "math", "--from", "2014-12-01").code == 0
    assert oai.args[0]["from"] == "2014-12-01"


# --- faults ---------------------------------------------------------------------------------------


def test_503_with_retry_after_is_waited_out(
    oai: FakeOai, radar: Callable[..., Run], radar_home: Path
) -> None:
    oai.answer(reply(b"Retry after 1 second", 503, "text/plain", Retry_After="1"), page(*IDS))
    result = radar("harvest", "--set", "math")
    assert result.code == 0, result.stderr
    assert len(oai.hits) == 2
    assert oai.hits[1].at - oai.hits[0].at >= 0.9  # Retry-After beats the 0.01 s back-off
    assert oai.hits[1].args == oai.hits[0].args
    assert stored(radar_home) == set(IDS)


def test_429_and_a_reset_connection_are_retried(
    oai: FakeOai, raw_server: Callable[..., RawServer], radar: Callable[..., Run], radar_home: Path
) -> None:
    oai.answer(reply(b"Rate exceeded.", 429, "text/plain"), page(*IDS[:3]))
    assert radar("harvest", "--set", "math").code == 0
    assert len(oai.hits) == 2
    server = raw_server(reset, answer(page(*IDS[3:])))
    result = radar("harvest", "--set", "physics")
    assert result.code == 0, result.stderr
    assert server.accepted == 2
    assert stored(radar_home) == set(IDS)


def test_a_silent_server_is_cut_off_by_the_timeout(
    raw_server: Callable[..., RawServer],
    radar: Callable[..., Run],
    radar_home: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = raw_server(lambda conn: server.stop.wait(30))
    monkeypatch.setenv("RADAR_HTTP_TIMEOUT", "0.5")
    monkeypatch.setenv("RADAR_HTTP_RETRIES", "1")
    started = time.monotonic()
    result = radar("harvest", "--set", "math")
    assert time.monotonic() - started < 10
    assert result.code == 1
    assert result.errors == ["Error: OAI-PMH math: no answer within 0.5 s (gave up after 2 tries)"], (
        result.stderr
    )
    assert server.accepted == 2
    assert harvest_state(radar_home)["last_error"].endswith("(gave up after 2 tries)")


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (HTML_PAGE, "not well-formed XML"),
        (HTML_PAGE.replace(b'charset="utf-8">', b'charset="utf-8"/>'), "not an OAI-PMH response"),
        (page(*IDS[2:4])[: len(page(*IDS[2:4])) // 2], "not well-formed XML"),
        (
            page(*IDS[2:4])
            .replace(b"<ListRecords>", b"<ListIdentifiers>")
            .replace(b"</ListRecords>", b"</ListIdentifiers>"),
            "without ListRecords",
        ),
    ],
    ids=["html", "xhtml", "truncated", "wrong-structure"],
)
def test_an_untrustworthy_page_stores_nothing_and_the_next_run_resumes(
    body: bytes, reason: str, oai: FakeOai, radar: Callable[..., Run], radar_home: Path
) -> None:
    oai.answer(page(*IDS[:2], token=TOKEN_1), body)
    result = radar("harvest", "--set", "math")
    assert result.code == 1
    assert len(result.errors) == 1 and result.errors[0].startswith("Error: OAI-PMH math: "), result.stderr
    assert reason in result.errors[0]
    assert stored(radar_home) == set(IDS[:2])  # page 1 only: nothing from the bad page
    assert harvest_state(radar_home)["etag"] == TOKEN_1
    oai.answer(page(*IDS[2:]))
    result = radar("harvest", "--set", "math")
    assert result.code == 0, result.stderr
    assert oai.args == [{"verb": "ListRecords", "resumptionToken": TOKEN_1}]
    assert "resumed where the last harvest stopped" in result.stderr
    assert stored(radar_home) == set(IDS)


def test_a_run_stopped_by_a_server_error_continues_at_page_two(
    oai: FakeOai, radar: Callable[..., Run], radar_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RADAR_HTTP_RETRIES", "1")
    oai.answer(page(*IDS[:2], token=TOKEN_1), reply(b"Internal Server Error", 500, "text/plain"))
    result = radar("harvest", "--set", "math")
    assert result.code == 1
    assert result.errors == ["Error: OAI-PMH math: HTTP 500 (gave up after 2 tries)"], result.stderr
    # What was stored is said as well as what failed.
    assert result.stderr.startswith("math: 2 new, 0 updated, 0 deleted, 0 skipped; 1 page, 3 requests")
    oai.answer(page(*IDS[2:4], token=TOKEN_2), page(*IDS[4:]))
    assert radar("harvest", "--set", "math").code == 0
    # Page 2 from its stored token, then page 3; page 1 is never asked for again.
    assert oai.args == [
        {"verb": "ListRecords", "resumptionToken": TOKEN_1},
        {"verb": "ListRecords", "resumptionToken": TOKEN_2},
    ]
    assert stored(radar_home) == set(IDS)
    assert harvest_state(radar_home)["watermark_utc"] == "2015-01-05T00:00:00Z"


def test_limit_stops_early_and_an_expired_token_restarts_from_the_from_day(
    oai: FakeOai, radar: Callable[..., Run], radar_home: Path
) -> None:
    oai.answer(page(*IDS[:2], token=TOKEN_1))
    result = radar("harvest", "--set", "math", "--from", "2014-10-01", "--limit", "1")
    assert result.code == 0, result.stderr
    assert "stopped after 1 page (--limit): the next radar harvest continues" in result.stderr
    assert harvest_state(radar_home)["etag"] == TOKEN_1
    # A day later the token is gone: badResumptionToken, and the pass begins again.
    oai.answer(BAD_TOKEN, page(*IDS))
    result = radar("harvest", "--set", "math")
    assert result.code == 0, result.stderr
    assert oai.args == [
        {"verb": "ListRecords", "resumptionToken": TOKEN_1},
        {"verb": "ListRecords", "metadataPrefix": "arXivRaw", "set": "math", "from": "2014-10-01"},
    ]
    assert "the stored resumption token had expired, so the pass began again from 2014-10-01" in result.stderr
    assert stored(radar_home) == set(IDS)
    assert harvest_state(radar_home)["etag"] is None


def test_no_records_match_is_nothing_new(oai: FakeOai, radar: Callable[..., Run], radar_home: Path) -> None:
    oai.answer(NO_RECORDS)
    result = radar("harvest", "--set", "cs.LG", "--from", "2015-06-01")
    assert result.code == 0, result.stderr
    assert oai.args == [
        {"verb": "ListRecords", "metadataPrefix": "arXivRaw", "set": "cs:cs:LG", "from": "2015-06-01"}
    ]
    assert re.fullmatch(
        r"cs:cs:LG: nothing new since 2015-06-01; 1 page, 1 request in \d+\.\d s\.\n", result.stderr
    )
    assert harvest_state(radar_home)["watermark_utc"] == "2015-06-22T00:00:00Z"  # responseDate less a day


def test_sets_arxiv_does_not_have_are_one_line_errors(
    oai: FakeOai, radar: Callable[..., Run], radar_home: Path
) -> None:
    result = radar("harvest", "--set", "cs.XX")
    assert result.code == 2 and not oai.hits
    assert result.errors == [
        "Error: not an arXiv set: 'cs.XX' (did you mean cs.AI, cs.AR, cs.CC?); sets look like cs.LG, "
        "hep-th, math, cs:cs:LG, physics:hep-th or all"
    ]
    # Well formed, so arXiv is asked; the old interface's answer for an unknown set was
    # noRecordsMatch, which must not read as "nothing new".
    oai.answer(UNKNOWN_SET)
    result = radar("harvest", "--set", "physics:moo")
    assert result.code == 1
    assert result.errors == [
        "Error: OAI-PMH physics:moo: arXiv refused the request: noRecordsMatch: "
        "Set argument doesn't match any sets. The setSpec was 'moo'"
    ], result.stderr
    # Some OAI-PMH servers send their errors with HTTP 400: the body is read all the same.
    oai.answer(reply(BAD_ARGUMENT, 400))
    result = radar("harvest", "--set", "cs:cs:XX", "--quiet")
    assert (result.code, result.stderr) == (
        1,
        "Error: OAI-PMH cs:cs:XX: arXiv refused the request: badArgument: "
        "Verb 'ListRecords', illegal argument 'identifier'.\n",
    )
    # With nothing followed there is no default set.
    result = radar("harvest")
    assert result.code == 2 and "you follow no category" in result.errors[0]


def test_deleted_records_are_skipped_and_counted(
    oai: FakeOai, radar: Callable[..., Run], radar_home: Path
) -> None:
    oai.answer((HEAD + RECORDS[IDS[0]] + deleted("0704.0002") + RECORDS[IDS[1]] + TAIL).encode())
    result = radar("harvest", "--set", "math")
    assert result.code == 0, result.stderr
    assert result.stderr.startswith("math: 2 new, 0 updated, 1 deleted, 0 skipped;"), result.stderr
    assert stored(radar_home) == {IDS[0], IDS[1]}


def test_a_harvest_steps_aside_while_a_fetch_writes(
    oai: FakeOai, radar: Callable[..., Run], radar_home: Path
) -> None:
    from filelock import FileLock

    assert radar("following").code == 0  # creates the database
    with FileLock(str(radar_home / "radar.db") + ".fetch-lock"):
        result = radar("harvest", "--set", "math", "--wait", "0")
    assert result.code == 0 and not oai.hits
    assert "another radar fetch, harvest or import is writing" in result.stderr


def test_the_installed_console_script(oai: FakeOai, radar_home: Path) -> None:
    oai.answer(page(*IDS[:3], token=TOKEN_1), page(*IDS[3:]))
    result = run_radar("harvest", "--set", "math", "--metadata", "arXivRaw", timeout=30)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert result.stderr.startswith("math: 6 new, 0 updated, 0 deleted, 0 skipped; 2 pages, 2 requests")
    shown = run_radar("show", "0704.0874", "--format", "json")
    assert shown.returncode == 0, shown.stderr
    assert '"version": 3' in shown.stdout and "Higher ramification" in shown.stdout


def test_format_json_reports_each_set_on_stdout(oai: FakeOai, radar_home: Path) -> None:
    oai.answer(page(*IDS[:3], token=TOKEN_1), page(*IDS[3:]))
    result = run_radar("harvest", "--set", "math", "--format", "json", timeout=30)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    (report,) = json.loads(result.stdout)
    assert {
        k: report[k] for k in ("set", "metadata", "new", "updated", "pages", "requests", "complete", "ok")
    } == {
        "set": "math",
        "metadata": "arXivRaw",
        "new": 6,
        "updated": 0,
        "pages": 2,
        "requests": 2,
        "complete": True,
        "ok": True,
    }
    assert report["from"] == a_year_back() and report["error"] is None
    assert report["next_from"] == "2015-01-05"


def test_the_arxiv_format_can_be_harvested_too(
    oai: FakeOai, radar: Callable[..., Run], radar_home: Path
) -> None:
    oai.answer(ARXIV_HEP_TH)
    result = radar("harvest", "--set", "hep-th", "--metadata", "arXiv", "--from", "2017-12-14")
    assert result.code == 0, result.stderr
    assert oai.args == [
        {"verb": "ListRecords", "metadataPrefix": "arXiv", "set": "physics:hep-th", "from": "2017-12-14"}
    ]
    assert stored(radar_home) == {"1412.8323", "1507.07790", "1607.01710"}
    assert harvest_state(radar_home)["key"] == "harvest:physics:hep-th:arXiv"


# --- parsing and requests, in detail ---------------------------------------------------------------


def test_the_arxiv_format_gives_structured_names_and_a_version_lower_bound() -> None:
    parsed = parse_list_records(ARXIV_HEP_TH, "arXiv")
    assert parsed.token is None and parsed.response_date == datetime(2017, 12, 14, 12, 56, 31, tzinfo=UTC)
    first = parsed.papers[0]
    assert (first.id, first.version, first.primary_category) == ("1412.8323", 2, "quant-ph")
    assert (first.published, first.updated) == (
        datetime(2014, 12, 29, tzinfo=UTC),
        datetime(2017, 12, 13, tzinfo=UTC),
    )
    assert [a.name for a in parsed.papers[2].authors][3] == "A. de Souza Dutra"
    assert parsed.papers[1].doi == "10.1088/1751-8121/aa9c53"
    # Asked for arXivRaw, an arXiv-format answer is refused whole.
    with pytest.raises(BadResponseError, match="without arXivRaw metadata"):
        parse_list_records(ARXIV_HEP_TH, "arXivRaw")


def test_arxiv_raw_fields_and_tokens() -> None:
    parsed = parse_list_records(RAW.encode(), "arXivRaw")
    assert (parsed.token, parsed.complete_size) == (TOKEN_1, 58011)
    shetty = parsed.papers[0]
    assert [a.name for a in shetty.authors] == ["D.V. Shetty", "S.J. Yennello", "G.A. Souliotis"]
    assert shetty.doi == "10.1103/PhysRevC.76.024606"  # the first of two
    assert shetty.title.startswith(
        "Density dependence of the symmetry energy and the nuclear equation of state:"
    )
    # Today's interface issues tokens with an expiry and no cursor, and may end a list with
    # a bare <resumptionToken/>; the protocol's empty token carries cursor and size.
    today = RAW.replace(
        '<resumptionToken cursor="0" completeListSize="58011">726959|1001</resumptionToken>',
        f"<resumptionToken expires='2025-01-07T20:49:59Z'>{TOKEN_2}</resumptionToken>",
    )
    assert parse_list_records(today.encode(), "arXivRaw").token == TOKEN_2
    for last in ('<resumptionToken cursor="1000" completeListSize="1006"/>', "<resumptionToken/>"):
        ended = re.sub(r"<resumptionToken [^>]*>[^<]*</resumptionToken>", last, RAW)
        assert parse_list_records(ended.encode(), "arXivRaw").token is None
    # A record whose header and metadata disagree is skipped, not trusted.
    mixed = RAW.replace("<id>0704.0471</id>", "<id>0704.9999</id>")
    assert parse_list_records(mixed.encode(), "arXivRaw").skipped == [
        "oai:arXiv.org:0704.0471: its header says 0704.0471"
    ]
    with pytest.raises(BadResponseError, match="without records"):
        parse_list_records(page(), "arXivRaw")


def test_author_lines_split_on_and_outside_parentheses() -> None:
    names = split_authors("Joshua Berger, Maxim Perelstein, Michael Saelim and Philip Tanedo")
    assert [a.name for a in names] == ["Joshua Berger", "Maxim Perelstein", "Michael Saelim", "Philip Tanedo"]
    names = split_authors("A. Smith (Dept. of Physics and Astronomy, MIT) and B. Anderson")
    assert [(a.name, a.affiliations) for a in names] == [
        ("A. Smith", ["Dept. of Physics and Astronomy, MIT"]),
        ("B. Anderson", []),
    ]


def test_sets_and_requests() -> None:
    assert [set_spec(v) for v in ("cs.LG", "hep-th", "astro-ph.GA", "math", "cs:cs:LG", "nlin", "all")] == [
        "cs:cs:LG",
        "physics:hep-th",
        "physics:astro-ph:GA",
        "math",
        "cs:cs:LG",
        "physics:nlin",
        None,
    ]
    assert [archive_set(c) for c in ("cs.LG", "stat.ML", "cond-mat.str-el", "q-bio.NC", "hep-th")] == [
        "cs:cs",
        "stat:stat",
        "physics:cond-mat",
        "q-bio:q-bio",
        "physics:hep-th",
    ]
    with pytest.raises(UsageError):
        set_spec("cs;drop")
    assert request_params("arXivRaw", "cs:cs", date(2026, 11, 1), None) == {
        "verb": "ListRecords",
        "metadataPrefix": "arXivRaw",
        "set": "cs:cs",
        "from": "2026-11-01",
    }
    assert request_params("arXiv", None, None, None) == {"verb": "ListRecords", "metadataPrefix": "arXiv"}
    assert request_params("arXivRaw", "cs:cs", date(2026, 11, 1), "t") == {
        "verb": "ListRecords",
        "resumptionToken": "t",
    }
