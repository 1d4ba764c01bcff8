"""The tests that need radar in a real process: the installed console script, what its
start-up loads, signals, pipes, parsing workers, and the README's quick start.

Everything else runs radar in-process (conftest.run_radar); here run_radar_process and
Popen start the console script as a user, cron or a shell would.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path

import pytest
from conftest import (
    alive,
    children,
    command_line,
    ok,
    radar_executable,
    run_radar,
    run_radar_process,
    store_with,
)
from feeds import Item, rss_feed
from llm_server import ChatServer
from pytest_httpserver import HTTPServer
from test_fetch import BACKLOG, Arxiv, by_author, missed_week, stored_count
from test_fetch_faults import AUTHOR, FakeArxiv, _three_sources, fake_arxiv, fetch, follow, rows, stored
from test_readme import ROOT, quick_start_blocks
from test_snapshot_import import synthetic_lines, write_lines

# --- the console script and what its start-up loads ------------------------------------------


def test_the_console_script_is_installed_beside_python() -> None:
    from radar import __version__

    script = Path(radar_executable())
    assert script.parent == Path(sys.executable).parent, "the venv's own radar, not another on PATH"
    result = run_radar_process("--version")
    assert (result.returncode, result.stdout.strip()) == (0, f"radar {__version__}")


@pytest.mark.parametrize(("args", "listed"), [(["--help"], "harvest"), (["status", "--help"], "status")])
def test_the_console_script_still_knows_every_command(args: list[str], listed: str) -> None:
    result = run_radar_process(*args)
    assert result.returncode == 0 and listed in result.stdout, result.stderr
    assert "No such command" in run_radar_process("serach").stderr


def test_everyday_commands_leave_slow_libraries_unloaded(tmp_path: Path) -> None:
    """sqlite-utils (about 55 ms) loads only for table work and migrations, litellm only
    for a brief: the commands run every day read and write rows without them."""
    store_with(
        tmp_path, [Item("2611.00001", title="Learning world models", authors=["Akshay Krishnamurthy"])]
    )
    ok("follow", "--no-fetch", "--category", "cs.LG")
    for args in (
        ["today"],
        ["following"],
        ["search", "world models"],
        ["search", "learning", "--author", "Akshay Krishnamurthy"],
        ["follow", "--no-fetch", "Akshay Krishnamurthy"],
        ["show", "2611.00001"],
    ):
        result = run_radar_process(*args, env={"PYTHONPROFILEIMPORTTIME": "1"})
        assert result.returncode == 0, (args, result.stderr[-2000:])
        loaded = {
            line.rsplit("|", 1)[1].strip() for line in result.stderr.splitlines() if "import time:" in line
        }
        assert "radar.database" in loaded, args  # the profile is there to read
        # jinja2 and apprise only for HTML and radar send; pylatexenc only for LaTeX on a card
        slow = ("sqlite_utils", "litellm", "jinja2", "apprise", "pylatexenc")
        assert not {name for name in loaded if name.startswith(slow)}, args


def test_config_keeps_start_up_lean() -> None:
    """tomlkit and difflib's suggestions load only when a config command needs them."""
    code = "import sys, radar.cli; print('tomlkit' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=dict(os.environ)
    )
    assert result.stdout.strip() == "False", result.stderr


# --- fetch: a stand-in arXiv on loopback (test_fetch.Arxiv), and the process under test ------


@pytest.fixture
def arxiv(httpserver: HTTPServer) -> Arxiv:
    return Arxiv(httpserver)


def radar(arxiv: Arxiv, *args: str, env: dict[str, str] | None = None):
    """radar in-process, against the stand-in arXiv: the steps around the process under test."""
    return run_radar(*args, env={**arxiv.env, **(env or {})})


def test_a_fetch_leaves_sqlite_utils_unloaded(arxiv: Arxiv, radar_home: Path) -> None:
    # A fetch from cron records its state and its run in plain SQL (sqlite-utils takes
    # about 55 ms to import), and records them as the next fetch needs them.
    arxiv.papers = [Item("2611.00001", authors=["Sham M. Kakade"], published="2026-11-19T10:00:00Z")]
    arxiv.listing = rss_feed([Item("2611.00002")])
    arxiv.api_filter = by_author
    radar(arxiv, "follow", "--no-fetch", "Sham Kakade")
    radar(arxiv, "follow", "--no-fetch", "--category", "cs.LG")
    for _ in range(2):  # the second run updates the state the first one inserted
        result = run_radar_process("fetch", env={**arxiv.env, "PYTHONPROFILEIMPORTTIME": "1"})
        assert result.returncode == 0, result.stderr[-2000:]
        loaded = {
            line.rsplit("|", 1)[1].strip() for line in result.stderr.splitlines() if "import time:" in line
        }
        assert "radar.fetch" in loaded and not {n for n in loaded if n.startswith("sqlite_utils")}
    # The listing's ETag went back to arXiv; the author's watermark and both runs are kept.
    assert [r["if_none_match"] for r in arxiv.requests if r["kind"] == "rss"] == ["", arxiv.listing_etag]
    conn = sqlite3.connect(radar_home / "radar.db")
    states = dict(conn.execute("select key, coalesce(watermark_utc, etag) from fetch_state").fetchall())
    assert states["listing:cs.LG"] == arxiv.listing_etag
    assert [v for k, v in states.items() if k.startswith("author:")] == ["2026-11-19T10:00:00Z"]
    assert conn.execute("select count(*), sum(ok) from fetch_runs").fetchone() == (2, 2)
    conn.close()


def held_backfill(arxiv: Arxiv) -> subprocess.Popen[str]:
    """A `radar fetch` of missed_week's backlog, waiting for its third page, which it
    asked for while its parsing worker had the second."""
    missed_week(arxiv)
    arxiv.held_page = 4000
    proc = subprocess.Popen(
        [radar_executable(), "fetch"],
        env={**os.environ, **arxiv.env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    if not arxiv.reached.wait(30):
        proc.kill()
        proc.communicate()
        raise AssertionError("the fetch never asked for the third page")
    return proc


def test_kill_9_mid_backfill_stops_the_parsing_worker_and_the_next_fetch_completes(
    arxiv: Arxiv, radar_home: Path
) -> None:
    proc = held_backfill(arxiv)
    try:
        pool = children(proc.pid)
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=10)
        assert proc.returncode == -signal.SIGKILL
    finally:
        arxiv.release.set()
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    if Path("/proc").exists():
        assert pool, "the backfill ran no parsing worker"
    # The worker leaves with radar instead of waiting for work forever.
    gone_by = time.monotonic() + 10
    while any(alive(pid) for pid in pool) and time.monotonic() < gone_by:
        time.sleep(0.1)
    assert not any(alive(pid) for pid in pool)
    with sqlite3.connect(radar_home / "radar.db") as conn:
        assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
        # The first page was stored whole before the kill; the second was still in the worker.
        backlog = conn.execute("select count(*) from papers where id >= '2611.10000'").fetchone()[0]
        assert backlog == 2000

    arxiv.held_page = None
    again = radar(arxiv, "fetch")
    assert again.returncode == 0, again.stderr
    assert f"backfilled {BACKLOG - 2000:,} papers from missed days" in again.stderr
    assert stored_count(arxiv) == BACKLOG + 2


def test_a_parsing_worker_that_dies_does_not_fail_the_fetch(arxiv: Arxiv, radar_home: Path) -> None:
    proc = held_backfill(arxiv)
    try:
        # The parsing worker, not multiprocessing's resource tracker beside it.
        workers = [pid for pid in children(proc.pid) if b"resource_tracker" not in command_line(pid)]
        assert workers or not Path("/proc").exists(), "the backfill ran no parsing worker"
        for pid in workers:  # as the kernel's out-of-memory killer would
            os.kill(pid, signal.SIGKILL)
    finally:
        arxiv.release.set()
    try:
        _, stderr = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()  # a fetch that hangs is the failure; it must not outlive the test
        proc.communicate()
        raise
    assert proc.returncode == 0, stderr
    assert "Traceback" not in stderr
    assert f"backfilled {BACKLOG:,} papers from missed days" in stderr
    assert stored_count(arxiv) == BACKLOG + 2


# --- fetch killed mid-run: a fake arXiv holding a page (test_fetch_faults.FakeArxiv) ---------


@pytest.fixture
def faulty_arxiv(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeArxiv]:
    """test_fetch_faults' fake arXiv, under its own name here (`arxiv` is test_fetch's)."""
    yield from fake_arxiv(httpserver, monkeypatch)


@pytest.fixture
def paused_fetch(faulty_arxiv: FakeArxiv, radar_home: Path) -> Iterator[subprocess.Popen[str]]:
    """A `radar fetch` stopped mid-run: authors saved, waiting for the topic's second page."""
    follow(AUTHOR, "--topic", "world models", "--category", "cs.LG")
    _three_sources(faulty_arxiv, hold=True)
    proc = subprocess.Popen(
        [radar_executable(), "fetch"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )
    try:
        assert faulty_arxiv.gate.reached.wait(15), "the fetch never reached the held page"
        yield proc
    finally:
        faulty_arxiv.gate.opened.set()
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=15)


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["kill -9", "SIGTERM"])
def test_kill_9_mid_fetch_leaves_a_consistent_store(
    paused_fetch: subprocess.Popen[str], faulty_arxiv: FakeArxiv, radar_home: Path, sig: signal.Signals
) -> None:
    arxiv = faulty_arxiv
    os.kill(paused_fetch.pid, sig)
    assert paused_fetch.wait(10) == -sig
    arxiv.gate.opened.set()

    assert rows(radar_home, "pragma integrity_check") == [("ok",)]
    # The author batch was committed before the kill; nothing of the topic query was.
    assert stored(radar_home) == {"2611.00001"}
    for paper_id, authors_json in rows(radar_home, "select id, authors_json from papers"):
        written = rows(
            radar_home, "select name from paper_authors where paper_id = ? order by position", (paper_id,)
        )
        assert [name for (name,) in written] == [a["name"] for a in json.loads(authors_json)]
        assert rows(radar_home, "select count(*) from paper_categories where paper_id = ?", (paper_id,)) != [
            (0,)
        ]
    assert rows(radar_home, "select watermark_utc from fetch_state where key like 'topic:%'") == []

    _three_sources(arxiv, hold=False)
    started = time.monotonic()
    fetch(code=0)
    assert time.monotonic() - started < 8
    assert stored(radar_home) == {"2611.00001", "2611.00002", "2611.00003", "2611.00004"}
    assert rows(radar_home, "pragma integrity_check") == [("ok",)]


def test_today_and_a_second_fetch_work_while_a_fetch_is_running(
    paused_fetch: subprocess.Popen[str], faulty_arxiv: FakeArxiv, radar_home: Path
) -> None:
    arxiv = faulty_arxiv
    started = time.monotonic()
    today = run_radar("today", "--all", "--format", "json", timeout=30)
    assert today.returncode == 0, today.stderr
    assert time.monotonic() - started < 5
    assert [card["id"] for card in json.loads(today.stdout)] == ["2611.00001"]

    hits_before = len(arxiv.hits)
    second = fetch("--wait", "0.5", code=0)
    assert "another radar fetch, harvest or import is writing" in second.stderr
    assert len(arxiv.hits) == hits_before

    arxiv.gate.opened.set()
    _, stderr = paused_fetch.communicate(timeout=15)
    assert paused_fetch.returncode == 0, stderr
    assert stored(radar_home) == {"2611.00001", "2611.00002", "2611.00003", "2611.00004"}


# --- import killed mid-snapshot ----------------------------------------------------------------


@pytest.mark.parametrize("workers", ["0", "1"])
def test_kill_9_mid_import_leaves_a_sound_store_that_resumes(
    tmp_path: Path, radar_home: Path, workers: str
) -> None:
    path = write_lines(tmp_path / "big.jsonl", synthetic_lines(40_000))
    env = dict(os.environ)
    proc = subprocess.Popen(
        [radar_executable(), "import", "--workers", workers, str(path)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    db_path = radar_home / "radar.db"
    deadline = time.monotonic() + 60
    stored = 0
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
        if not db_path.exists():
            continue
        try:
            with sqlite3.connect(db_path, timeout=5) as conn:
                stored = conn.execute("select coalesce(max(lines), 0) from imports").fetchone()[0]
        except sqlite3.OperationalError:
            continue
        if stored > 0:
            break
    assert proc.poll() is None, "the import finished before it could be killed"
    pool = children(proc.pid)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    # Parsing workers leave with the writer instead of waiting on their queue forever.
    gone_by = time.monotonic() + 10
    while any(alive(pid) for pid in pool) and time.monotonic() < gone_by:
        time.sleep(0.1)
    assert not any(alive(pid) for pid in pool)
    if workers == "1" and Path("/proc").exists():
        assert pool, "the import ran no worker process"
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
        lines, finished = conn.execute("select lines, finished_utc from imports").fetchone()
        papers = conn.execute("select count(*) from papers").fetchone()[0]
        # Papers and progress commit together: no half batch, no batch counted but missing.
        assert finished is None and papers == lines and 0 < lines < 40_000
    result = run_radar("import", "--format", "json", str(path), timeout=240)
    assert result.returncode == 0, result.stderr
    (report,) = json.loads(result.stdout)
    assert report["resumed_at_line"] == lines and report["new"] == 40_000 - lines
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("select count(*) from papers").fetchone()[0] == 40_000
        assert (
            conn.execute("select count(*) from papers_fts where papers_fts match 'world'").fetchone()[0]
            == 40_000
        )


# --- pipes ---------------------------------------------------------------------------------------


def test_a_reader_that_leaves_early_is_not_an_error(tmp_path: Path) -> None:
    """`radar today | head -n 1`: the pipe closes while radar still writes; radar exits 0, quietly."""
    abstract = "We study things at length. " * 20
    store_with(tmp_path, [Item(f"2611.{i:05d}", abstract=abstract) for i in range(400)])
    ok("follow", "--no-fetch", "--category", "cs.LG")
    proc = subprocess.Popen(
        [radar_executable(), "today", "--limit", "400", "--full"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={k: v for k, v in os.environ.items() if k != "FORCE_COLOR"},
    )
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()  # far more than a pipe holds is still to come
    proc.stdout.close()
    stderr = proc.stderr.read().decode()
    assert proc.wait(60) == 0, stderr
    assert first.startswith(b"radar \xc2\xb7 ")
    assert stderr == "", stderr  # no BrokenPipeError, no "Exception ignored"


@pytest.mark.parametrize(
    "args",
    [
        ["export", "-f", "jsonl"],
        ["export", "-f", "bibtex"],
        ["today", "--format", "json", "--limit", "400"],
        ["search", "things", "--format", "json", "--limit", "400"],
    ],
    ids=" ".join,
)
def test_every_data_writer_lets_an_early_reader_go(tmp_path: Path, args: list[str]) -> None:
    """`radar export -f jsonl | head -1` exited 1 with nothing on stderr (Typer's answer
    to a broken pipe) where `radar today | head` exits 0: every command writing data
    lets the reader go as today does, whether it read a line first or nothing at all."""
    abstract = "We study things at length. " * 20
    store_with(tmp_path, [Item(f"2611.{i:05d}", abstract=abstract) for i in range(400)])
    ok("follow", "--no-fetch", "--category", "cs.LG")
    env = {k: v for k, v in os.environ.items() if k != "FORCE_COLOR"}
    for read_first in (True, False):
        proc = subprocess.Popen(
            [radar_executable(), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
        )
        assert proc.stdout is not None and proc.stderr is not None
        if read_first:
            assert proc.stdout.readline()  # far more than a pipe holds is still to come
        proc.stdout.close()  # `| true`: gone before radar writes a byte
        stderr = proc.stderr.read().decode()
        assert proc.wait(60) == 0, stderr
        assert stderr == "", stderr  # no BrokenPipeError, no "Exception ignored"


# --- the brief, with litellm in its own process --------------------------------------------------


def test_a_brief_through_the_console_script(tmp_path: Path) -> None:
    server = ChatServer(reply=lambda messages: "## Overview\nThings [arXiv:2611.00001].").start()
    try:
        store_with(tmp_path, [Item("2611.00001", title="A study of things")])
        ok("follow", "--no-fetch", "--category", "cs.LG")
        env = {"RADAR_MODEL": "openai/radar-test", "RADAR_LLM_API_BASE": server.url}
        result = run_radar_process("brief", "--since", "2026-11-01", env=env, timeout=120)
    finally:
        server.stop()
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("# Research brief: since 2026-11-01\n")
    assert "[arXiv:2611.00001](https://arxiv.org/abs/2611.00001)" in result.stdout
    # litellm says nothing on stdout, which is the brief's; stderr has radar's one summary line.
    assert result.stderr.strip().splitlines() == [result.stderr.strip()], result.stderr
    assert "1 model call (0 cached)" in result.stderr and len(server.requests) == 1


# --- the README ------------------------------------------------------------------------------------


@pytest.mark.skipif(shutil.which("uv") is None, reason="uv is not on PATH")
def test_offline_quick_start_runs_from_a_clean_copy(tmp_path: Path) -> None:
    """The first command, verbatim, in a copy of the tracked files with a fresh RADAR_HOME."""
    copy = tmp_path / "radar"
    files = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    for name in files.stdout.splitlines():
        source = ROOT / name
        if source.is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy / name)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "UV_PROJECT"))}
    env["RADAR_HOME"] = str(tmp_path / "home")
    result = subprocess.run(
        ["bash", "-c", quick_start_blocks()[0]],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "01. arXiv (cs.LG)" in result.stdout
    assert "why: in cs.LG" in result.stdout


# --- small writes while a long one runs ----------------------------------------------------------


def test_follow_star_and_mute_go_through_while_a_snapshot_import_runs(
    tmp_path: Path, radar_home: Path
) -> None:
    first = write_lines(tmp_path / "first.jsonl", synthetic_lines(50, start=90_001))
    assert run_radar("import", str(first)).returncode == 0
    big = write_lines(tmp_path / "big.jsonl", synthetic_lines(60_000))
    proc = subprocess.Popen(
        [radar_executable(), "import", str(big)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    db_path = radar_home / "radar.db"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
            try:
                with closing(sqlite3.connect(db_path, timeout=5)) as conn:
                    started = conn.execute(
                        "select count(*) from imports where finished_utc is null"
                    ).fetchone()[0]
            except sqlite3.OperationalError:
                continue
            if started:
                break
        assert proc.poll() is None, "the import finished before the small writes"
        for args in (
            ["follow", "--no-fetch", "--wait", "30", "--category", "cs.AI"],
            ["star", "2101.90001"],
            ["hide", "2101.90002"],
            ["mute", "--author", "Alex Author90003"],
            ["mark-read", "2101.90004"],
            ["config", "set", "today_limit", "12"],
        ):
            result = run_radar_process(*args, timeout=60)
            assert result.returncode == 0, (args, result.stderr)
            assert "locked" not in result.stderr, (args, result.stderr)
        assert proc.poll() is None, "the import should still be running: the small writes did not wait for it"
    finally:
        proc.wait(timeout=240)
    assert proc.returncode == 0, proc.stderr.read() if proc.stderr else ""
    with closing(sqlite3.connect(db_path)) as conn:
        assert conn.execute("select count(*) from follows where kind = 'category'").fetchone()[0] == 1
        assert conn.execute("select verdict from feedback order by paper_id").fetchall() == [
            ("star",),
            ("hide",),
        ]
        assert conn.execute("select count(*) from mutes").fetchone()[0] == 1


# --- nothing left behind -------------------------------------------------------------------------


def descendants(pid: int) -> set[int]:
    """Every process `pid` started, and theirs (parsing workers, multiprocessing's resource
    tracker), from /proc: the children of each of its threads."""
    found: set[int] = set()
    todo = [pid]
    while todo:
        parent = todo.pop()
        for children_file in Path(f"/proc/{parent}/task").glob("*/children"):
            try:
                kids = [int(c) for c in children_file.read_text().split()]
            except OSError:
                continue
            for kid in kids:
                if kid not in found:
                    found.add(kid)
                    todo.append(kid)
    return found


def watched_import(
    path: Path, until: Callable[[subprocess.Popen[str]], bool]
) -> tuple[subprocess.Popen[str], set[int]]:
    proc = subprocess.Popen(
        [radar_executable(), "import", "--workers", "2", str(path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    seen: set[int] = set()
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline and not until(proc):
        seen |= descendants(proc.pid)
        time.sleep(0.02)
    seen |= descendants(proc.pid)
    return proc, seen


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads processes from /proc")
def test_an_import_leaves_no_process_and_no_warning_behind(tmp_path: Path, radar_home: Path) -> None:
    path = write_lines(tmp_path / "big.jsonl", synthetic_lines(40_000))
    db_path = radar_home / "radar.db"

    def importing(proc: subprocess.Popen[str]) -> bool:
        try:
            with closing(sqlite3.connect(db_path, timeout=5)) as conn:
                return bool(conn.execute("select coalesce(max(lines), 0) from imports").fetchone()[0])
        except sqlite3.OperationalError:
            return False

    # SIGTERM in the middle: the run dies of the signal, and takes everything with it.
    proc, seen = watched_import(path, importing)
    assert proc.poll() is None, "the import finished before it could be stopped"
    seen |= descendants(proc.pid)
    assert len(seen) >= 2, "the import ran no parsing workers"
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGTERM
    time.sleep(1.0)
    assert not [pid for pid in seen if alive(pid)], [command_line(pid) for pid in seen if alive(pid)]
    assert "Warning" not in stderr and "resource_tracker" not in stderr and "Traceback" not in stderr, stderr
    with closing(sqlite3.connect(db_path)) as conn:
        assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"

    # The same import again, to the end.
    proc, seen = watched_import(path, lambda proc: False)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 0, stderr
    time.sleep(1.0)
    assert not [pid for pid in seen if alive(pid)], [command_line(pid) for pid in seen if alive(pid)]
    assert "Warning" not in stderr and "resource_tracker" not in stderr, stderr
    with closing(sqlite3.connect(db_path)) as conn:
        assert conn.execute("select count(*) from papers").fetchone()[0] == 40_000


# --- Ctrl-C: SIGINT to the whole process group, as a terminal sends it ---------------------------


def process_group(pgid: int) -> list[int]:
    """The live processes of a process group, from /proc (unreaped zombies are gone)."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # After the command's name, which may hold spaces: state, ppid, pgrp.
            state, _, pgrp = stat.read_text().rsplit(")", 1)[1].split()[:3]
        except (OSError, ValueError):
            continue
        if int(pgrp) == pgid and state != "Z":
            members.append(int(stat.parent.name))
    return members


def catches_sigint(pid: int) -> bool:
    """Whether a process has a handler of its own for SIGINT (Python's, which raises
    KeyboardInterrupt), rather than the default or ignoring it."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    caught = int(status.split("SigCgt:")[1].split()[0], 16)
    return bool(caught & 1 << (signal.SIGINT - 1))


def a_worker_starts(db_path: Path, proc: subprocess.Popen[str], seen: set[int]) -> bool:
    # A parsing worker (not multiprocessing's resource tracker) whose Python is up and
    # would raise KeyboardInterrupt, before it has set Ctrl-C aside (_worker_init).
    return any(b"resource_tracker" not in command_line(pid) and catches_sigint(pid) for pid in seen)


def batches_are_stored(db_path: Path, proc: subprocess.Popen[str], seen: set[int]) -> bool:
    try:
        with closing(sqlite3.connect(db_path, timeout=5)) as conn:
            return bool(conn.execute("select coalesce(max(lines), 0) from imports").fetchone()[0])
    except sqlite3.OperationalError:
        return False


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads processes from /proc")
@pytest.mark.parametrize("moment", [a_worker_starts, batches_are_stored], ids=lambda f: f.__name__)
def test_ctrl_c_mid_import_says_so_once_and_leaves_no_process_behind(
    tmp_path: Path,
    radar_home: Path,
    moment: Callable[[Path, subprocess.Popen[str], set[int]], bool],
) -> None:
    """Ctrl-C reaches the parsing workers too: none may print a traceback (one still
    starting would), or be left waiting on its queue with radar waiting for it."""
    path = write_lines(tmp_path / "big.jsonl", synthetic_lines(40_000))
    db_path = radar_home / "radar.db"
    proc = subprocess.Popen(
        [radar_executable(), "import", "--workers", "2", str(path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # a process group of its own, as a shell's job has
    )
    try:
        seen: set[int] = set()
        deadline = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline and not moment(db_path, proc, seen):
            seen |= descendants(proc.pid)
            time.sleep(0.01)
        assert proc.poll() is None, "the import finished before Ctrl-C"
        os.killpg(proc.pid, signal.SIGINT)
        _, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:  # hung: the failure, which must not outlive the test
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    assert proc.returncode == 130, stderr
    assert stderr == "Interrupted. What was imported is kept: run the same command again to resume.\n"
    # The workers and the resource tracker leave with radar.
    gone_by = time.monotonic() + 10
    while process_group(proc.pid) and time.monotonic() < gone_by:
        time.sleep(0.05)
    assert not process_group(proc.pid), [command_line(pid) for pid in process_group(proc.pid)]
    with closing(sqlite3.connect(db_path)) as conn:
        assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
        lines, finished = conn.execute("select lines, finished_utc from imports").fetchone()
        # Papers and progress commit together: no half batch, no batch counted but missing.
        assert finished is None and conn.execute("select count(*) from papers").fetchone()[0] == lines
