"""radar send: delivery through Apprise to real servers on loopback (an SMTP server from
aiosmtpd, a JSON webhook from pytest-httpserver), what is remembered as sent, failures,
and secrets kept out of every output."""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import fails, ok, run_radar, store_with
from feeds import Item
from pytest_httpserver import HTTPServer

HOSTILE = "Evil\r\nBcc: victim@example.com <script>alert(1)</script> & co"
SECRET = "hunter2-secret-password"


def _store(tmp_path: Path, count: int = 3, day: str = "2026-11-20") -> None:
    items = [Item(f"2611.{i:05d}", title=f"Paper number {i}") for i in range(1, count)]
    items.append(Item("2611.09999", title=HOSTILE, abstract=r"A $\alpha$-divergence for Schr\"{o}dinger"))
    store_with(tmp_path, items, day=day)
    ok("follow", "--no-fetch", "--category", "cs.LG")


def _hook(httpserver: HTTPServer, status: int = 200) -> str:
    httpserver.expect_request("/hook", method="POST").respond_with_data(
        "ok" if status == 200 else "boom", status
    )
    return f"json://{httpserver.host}:{httpserver.port}/hook"


def _posts(httpserver: HTTPServer) -> list[dict[str, Any]]:
    return [json.loads(request.get_data()) for request, _ in httpserver.log]


def _cards(n: int, abstract: str) -> list[Any]:
    """n cards of plain papers, for messages built without a store."""
    from radar.model import Author, Paper
    from radar.rank import Card

    papers = [
        Paper(
            id=f"2611.{i:05d}",
            version=1,
            title=f"Title {i}",
            authors=[Author("Ada Lovelace")],
            abstract=abstract,
            primary_category="cs.LG",
            categories=["cs.LG"],
        )
        for i in range(n)
    ]
    return [Card(paper, 1.0, [], i + 1) for i, paper in enumerate(papers)]


# --- the JSON webhook ----------------------------------------------------------------------------


def test_webhook_gets_markdown_cards_and_unread_never_sends_twice(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    _store(tmp_path)
    url = _hook(httpserver)
    done = run_radar("send", "--to", url, "--unread")
    assert done.returncode == 0, done.stderr
    assert "Sent 3 papers to json://" in done.stderr
    (post,) = _posts(httpserver)
    assert post["title"].startswith("radar · 3 new papers")
    body = post["message"]
    assert "Paper number 1" in body and "https://arxiv.org/abs/2611.00001" in body
    assert "&lt;script&gt;" in body and "<script>" not in body  # Markdown, escaped
    assert "α-divergence for Schrödinger" in body
    # Nothing new: nothing sent, one line, exit 0.
    again = run_radar("send", "--to", url, "--unread")
    assert again.returncode == 0 and len(httpserver.log) == 1
    assert again.stderr.count("\n") == 1 and "Nothing new" in again.stderr
    # --always sends anyway, saying there is nothing.
    ok("send", "--to", url, "--unread", "--always")
    assert len(httpserver.log) == 2 and "0 new papers" in _posts(httpserver)[1]["title"]
    # A new day's papers: only those go out.
    store_with(tmp_path, [Item("2611.05000", title="Tomorrow's paper")], day="2026-11-21")
    ok("send", "--to", url, "--unread")
    last = _posts(httpserver)[-1]["message"]
    assert "Tomorrow's paper" in last and "Paper number 1" not in last


def test_sent_is_per_destination_and_apart_from_read(tmp_path: Path, httpserver: HTTPServer) -> None:
    _store(tmp_path)
    one, two = _hook(httpserver), f"json://{httpserver.host}:{httpserver.port}/hook?x=2"
    # Shown by today on a terminal, or written as HTML: still unsent.
    ok("today", "--format", "html", "-o", str(tmp_path / "d.html"))
    ok("today", "--mark-read")
    assert ok("today", "--unread", "--format", "json").strip() == "[]"
    ok("send", "--to", one, "--unread")
    assert "3 new papers" in _posts(httpserver)[0]["title"]
    ok("send", "--to", two, "--unread")  # another destination has had nothing yet
    assert "3 new papers" in _posts(httpserver)[1]["title"]
    # Marked read: not sent.
    ok("mark-read", "2611.00001")
    store_with(tmp_path, [Item("2611.00001", title="Paper number 1")])
    three = f"json://{httpserver.host}:{httpserver.port}/hook?x=3"
    ok("send", "--to", three, "--unread")
    assert "2 new papers" in _posts(httpserver)[2]["title"]


def test_failing_webhook_exits_1_retries_and_marks_nothing_sent(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    _store(tmp_path)
    url = _hook(httpserver, status=500)
    message = fails(1, "send", "--to", url, "--unread", env={"RADAR_HTTP_RETRIES": "2"})
    assert message.count("\n") == 1 and "500" in message and "nothing was marked sent" in message
    assert len(httpserver.log) == 3  # the first try and two retries
    status = ok("status")
    assert "FAILED" in status and "500" in status, status
    httpserver.clear()
    url = _hook(httpserver)
    ok("send", "--to", url, "--unread")
    assert "3 new papers" in _posts(httpserver)[0]["title"]  # nothing was marked sent
    status = json.loads(ok("status", "--format", "json"))
    assert status["deliveries"][0]["ok"] is True and status["deliveries"][0]["papers"] == 3


def test_a_hanging_webhook_is_cut_off_by_the_timeout(tmp_path: Path) -> None:
    _store(tmp_path)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    port = listener.getsockname()[1]
    try:
        started = time.monotonic()
        message = fails(
            1,
            "send",
            "--to",
            f"json://127.0.0.1:{port}/hook",
            env={"RADAR_HTTP_TIMEOUT": "0.5", "RADAR_HTTP_RETRIES": "1"},
        )
        assert time.monotonic() - started < 20
        assert "nothing was marked sent" in message and "timed out" in message.lower()
    finally:
        listener.close()


def test_chat_messages_are_cut_to_the_service_limit_with_links_to_the_rest(tmp_path: Path) -> None:
    from radar.send import markdown_message

    cards = _cards(30, abstract="x " * 200)
    message = markdown_message(cards, "radar · heading", "subject", 2000)
    assert len(message.body) <= 2000
    assert 0 < len(message.paper_ids) < 30
    assert "more not shown here" in message.body
    assert f"https://arxiv.org/abs/2611.{len(message.paper_ids):05d}" in message.body


def test_a_limit_names_the_papers_it_leaves_out_and_they_stay_unsent(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    _store(tmp_path, count=6)  # six papers
    url = _hook(httpserver)
    ok("send", "--to", url, "--unread", "--limit", "2")
    (post,) = _posts(httpserver)
    assert post["title"].startswith("radar · 6 new papers")
    body = post["message"]
    assert "_4 more not shown here (radar today lists them all):_" in body
    links = [line for line in body.splitlines() if line.startswith("https://arxiv.org/abs/")]
    assert len(links) == 4
    ok("send", "--to", url, "--unread", "--limit", "10")
    assert _posts(httpserver)[1]["title"].startswith("radar · 4 new papers")  # the rest, now


def test_the_note_on_papers_past_the_limit_is_never_cut(tmp_path: Path) -> None:
    from radar.send import markdown_message

    cards = _cards(3, abstract="x " * 50)
    beyond = [f"https://arxiv.org/abs/2611.{i:05d}" for i in range(3, 10)]
    whole = markdown_message(cards, "radar · heading", "subject", 100_000).body
    for limit in range(len(whole) - 40, len(whole) + 240, 7):  # the last card just fits, or not
        body = markdown_message(cards, "radar · heading", "subject", limit, beyond, 7).body
        assert len(body) <= limit
        lines = body.splitlines()
        (at,) = [n for n, line in enumerate(lines) if "more not shown here" in line]
        assert lines[at].endswith("more not shown here (radar today lists them all):_"), (limit, body[-80:])
        assert all(line.startswith("https://arxiv.org/abs/") for line in lines[at + 1 :])


# --- URLs and secrets -----------------------------------------------------------------------------


def test_bad_urls_are_refused_before_anything_is_sent(tmp_path: Path, httpserver: HTTPServer) -> None:
    _store(tmp_path)
    good = _hook(httpserver)
    for bad, why in [
        ("nosuchservice://x/y", "unknown service"),
        ("not a url", "no scheme"),
        ("mailto://", "malformed"),
    ]:
        message = fails(2, "send", "--to", good, "--to", bad)
        assert "not an Apprise URL" in message and why in message, message
        assert message.count("\n") == 1
    assert httpserver.log == []
    message = fails(2, "config", "set", "send_to", "nosuchservice://user:" + SECRET + "@host")
    assert "unknown service" in message and SECRET not in message
    assert (
        not (tmp_path / "radar-home" / "config.toml").exists()
        or "send_to" not in (tmp_path / "radar-home" / "config.toml").read_text()
    )
    message = fails(2, "send")
    assert "no destination" in message


def test_secrets_never_printed(tmp_path: Path, httpserver: HTTPServer) -> None:
    _store(tmp_path)
    httpserver.expect_request("/hook", method="POST").respond_with_data("boom", 500)
    url = f"json://radar:{SECRET}@{httpserver.host}:{httpserver.port}/hook"
    done = run_radar("config", "set", "send_to", url)
    assert done.returncode == 0 and SECRET not in done.stdout + done.stderr
    for args in (("config", "show"), ("config", "show", "--format", "json"), ("config", "get", "send_to")):
        shown = ok(*args)
        assert SECRET not in shown and "send_to" in " ".join(args) + shown
    failed = run_radar("send", env={"RADAR_HTTP_RETRIES": "0"})
    assert failed.returncode == 1 and SECRET not in failed.stdout + failed.stderr
    assert "json://radar:" in failed.stderr  # the masked form says where
    status = ok("status") + ok("status", "--format", "json")
    assert SECRET not in status
    from radar.store import open_db

    db = open_db(tmp_path / "radar-home" / "radar.db")
    dump = "\n".join(db.conn.iterdump())
    assert SECRET not in dump


# --- e-mail through a real SMTP server ----------------------------------------------------------


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 OK"


@pytest.fixture
def smtp_server() -> Iterator[tuple[int, _Inbox]]:
    from aiosmtpd.controller import Controller

    inbox = _Inbox()
    with socket.socket() as probe:  # a free port (the controller checks it can connect)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, inbox
    finally:
        controller.stop()


def test_email_has_html_and_plain_text_parts_and_no_header_injection(
    tmp_path: Path, smtp_server: tuple[int, _Inbox]
) -> None:
    port, inbox = smtp_server
    _store(tmp_path)
    url = f"mailto://127.0.0.1:{port}?from=radar@example.com&to=reader@example.com&mode=insecure"
    done = run_radar("send", "--to", url, "--unread")
    assert done.returncode == 0, done.stderr
    ((sender, recipients, raw),) = inbox.messages
    assert recipients == ["reader@example.com"]
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["Subject"].startswith("radar · 3 new papers")
    assert message["Bcc"] is None and "victim" not in str(message["To"])
    assert message.get_content_type() == "multipart/alternative"
    plain = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Paper number 1" in plain and "Paper number 1" in html
    assert "https://arxiv.org/abs/2611.00001" in plain  # the plain part keeps the links
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html
    assert "α-divergence for Schrödinger" in html
    assert "https://arxiv.org/abs/2611.00001" in html
    # Sent once: the next --unread has nothing new.
    assert "Nothing new" in run_radar("send", "--to", url, "--unread").stderr
    assert len(inbox.messages) == 1


def test_smtp_refused_fails_with_one_line(tmp_path: Path) -> None:
    _store(tmp_path)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = (
        f"mailto://user:{SECRET}@127.0.0.1:{port}?from=radar@example.com&to=reader@example.com&mode=insecure"
    )
    message = fails(1, "send", "--to", url, env={"RADAR_HTTP_RETRIES": "0"})
    assert message.count("\n") == 1 and SECRET not in message
    assert "refused" in message.lower() or "connection" in message.lower()


def test_a_brief_file_is_sent_once_with_unread(tmp_path: Path, httpserver: HTTPServer) -> None:
    url = _hook(httpserver)
    brief = tmp_path / "brief.md"
    brief.write_text("# Brief for the week\n\nThree papers on $C^*$-algebras.\n", encoding="utf-8")
    ok("send", "--to", url, "--brief", str(brief), "--unread")
    (post,) = _posts(httpserver)
    assert "Three papers" in post["message"] and post["title"] == "radar · brief · Brief for the week"
    assert "Nothing new" in run_radar("send", "--to", url, "--brief", str(brief), "--unread").stderr
    assert len(httpserver.log) == 1


def test_threads_left_running_are_none() -> None:
    # aiosmtpd's controller runs in a thread; the fixture stops it.
    assert not [t for t in threading.enumerate() if "aiosmtpd" in t.name.lower()]


# --- from cron ----------------------------------------------------------------------------------


def test_schedule_send_lines_run_fetch_then_send_with_the_environment(tmp_path: Path) -> None:
    import os
    import subprocess

    from conftest import radar_executable

    ok("config", "set", "send_to", "json://127.0.0.1:9/hook")
    done = run_radar("schedule", "--send", "--brief", env={"RADAR_MODEL": "openai/x"})
    assert done.returncode == 0 and "Warning" not in done.stderr, done.stderr
    block = done.stdout.split("# radar: managed block", 1)[1].split("# radar: end", 1)[0]
    lines = [line for line in block.splitlines()[1:] if line and not line.startswith("#")]
    assert len(lines) == 2
    assert "fetch --quiet && " in lines[0] and "send --unread --quiet" in lines[0]
    assert "send --brief" in lines[1]
    # Run each line as cron would (its shell, % unescaped), with a stand-in radar that
    # records what it was asked and which RADAR_HOME it saw.
    log = tmp_path / "calls.log"
    fake = tmp_path / "fake-radar"
    fake.write_text(f'#!/bin/sh\necho "$RADAR_HOME|$*" >> {log}\n')
    fake.chmod(0o755)
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path)}
    (tmp_path / "radar").mkdir()
    for line in lines:
        command = line.split(" ", 5)[5].replace("\\%", "%").replace(radar_executable(), str(fake))
        subprocess.run(["/bin/sh", "-c", command], check=True, env=env)
    calls = log.read_text().splitlines()
    home = str(tmp_path / "radar-home")
    assert calls[0] == f"{home}|fetch --quiet"
    assert calls[1] == f"{home}|send --unread --quiet"
    assert calls[2].startswith(f"{home}|brief --since 7d -o {tmp_path}/radar/brief-")
    brief_file = calls[2].split(" -o ", 1)[1]
    assert calls[3] == f"{home}|send --brief {brief_file} --unread --quiet"
    units = done.stdout.split("radar-fetch.service ----", 1)[1]
    assert "ExecStart=/bin/sh -c '" in units and "send --unread --quiet'" in units


def test_schedule_send_warns_when_no_destination_is_configured() -> None:
    done = run_radar("schedule", "--send")
    assert done.returncode == 0 and "no destination for radar send" in done.stderr
    done = run_radar("schedule", "--send", env={"RADAR_SEND_TO": "json://127.0.0.1:9/hook"})
    assert "RADAR_SEND_TO is not copied" in done.stderr and "RADAR_SEND_TO" not in done.stdout


def test_smtp_authentication_failure_is_one_line_without_the_password(tmp_path: Path) -> None:
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    def refuse(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        return AuthResult(success=False, handled=False)

    _store(tmp_path)
    inbox = _Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(
        inbox, hostname="127.0.0.1", port=port, authenticator=refuse, auth_require_tls=False
    )
    controller.start()
    try:
        url = f"mailto://reader:{SECRET}@127.0.0.1:{port}?from=radar@example.com&to=reader@example.com&mode=insecure"
        message = fails(1, "send", "--to", url, env={"RADAR_HTTP_RETRIES": "0"})
    finally:
        controller.stop()
    assert inbox.messages == []
    assert message.count("\n") == 1 and SECRET not in message
    assert "535" in message or "authentication" in message.lower(), message
    assert "nothing was marked sent" in message


def test_a_brief_by_email_is_html_with_no_markup_from_the_text(
    tmp_path: Path, smtp_server: tuple[int, _Inbox]
) -> None:
    port, inbox = smtp_server
    brief = tmp_path / "brief.md"
    brief.write_text(
        "# Week 47\n\nA **strong** week. <script>alert(1)</script> <img src=x onerror=alert(2)>\n",
        encoding="utf-8",
    )
    url = f"mailto://127.0.0.1:{port}?from=radar@example.com&to=reader@example.com&mode=insecure"
    ok("send", "--to", url, "--brief", str(brief))
    ((_, _, raw),) = inbox.messages
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["Subject"] == "radar · brief · Week 47"
    html = message.get_body(("html",)).get_content()
    assert "<strong>strong</strong>" in html
    assert "<script>" not in html and "<img" not in html and "&lt;script" in html
    assert "alert(1)" in message.get_body(("plain",)).get_content()
