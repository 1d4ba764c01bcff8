"""Shared test set-up: every test gets its own RADAR_HOME, and helpers to run the CLI:
in this process (run_radar, the default) or as the installed console script
(run_radar_process, for test_end_to_end.py)."""

from __future__ import annotations

import io
import logging
import os
import shutil
import subprocess
import sys
import threading
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

RADAR_ENV_PREFIXES = ("RADAR_", "LITELLM_", "OPENAI_", "ANTHROPIC_")


@pytest.fixture(autouse=True)
def radar_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point radar at a fresh home for every test; nothing leaks in from the developer's shell."""
    for name in list(os.environ):
        if name.startswith(RADAR_ENV_PREFIXES):
            monkeypatch.delenv(name)
    home = tmp_path / "radar-home"
    monkeypatch.setenv("RADAR_HOME", str(home))
    monkeypatch.setenv("NO_COLOR", "1")
    # Nothing in the tests may reach arXiv: unless a test points radar at its own
    # loopback server, requests go to a closed local port and fail at once.
    monkeypatch.setenv("RADAR_ARXIV_API_URL", "http://127.0.0.1:9/api/query")
    monkeypatch.setenv("RADAR_ARXIV_RSS_URL", "http://127.0.0.1:9/rss/")
    monkeypatch.setenv("RADAR_OAI_URL", "http://127.0.0.1:9/oai")
    monkeypatch.setenv("RADAR_ARXIV_DELAY", "0")
    monkeypatch.setenv("RADAR_HTTP_BACKOFF", "0.01")
    yield home


def radar_executable() -> str:
    """The installed `radar` console script of this environment (not `python -m`)."""
    candidate = Path(sys.executable).parent / "radar"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("radar")
    assert found, "the radar console script is not installed in this environment"
    return found


def run_radar_process(
    *args: str, env: dict[str, str] | None = None, input: str | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run the installed console script in its own process, as a user would: for the
    tests in test_end_to_end.py that need a real process (start-up, signals, pipes)."""
    full_env = dict(os.environ)
    full_env.pop("FORCE_COLOR", None)
    if env:
        full_env.update(env)
    return subprocess.run(
        [radar_executable(), *args],
        capture_output=True,
        text=True,
        env=full_env,
        input=input,
        timeout=timeout,
    )


class _Capture(io.TextIOWrapper):
    """A captured stdout or stderr: text, with the `.buffer` radar writes UTF-8 bytes to,
    and not a terminal (as a pipe is not) unless the test says otherwise."""

    def __init__(self, terminal: bool = False, errors: str = "strict", elsewhere: Any = None) -> None:
        super().__init__(io.BytesIO(), encoding="utf-8", errors=errors)
        self._terminal = terminal
        # Threads already running when the run began (a loopback server's handler from an
        # earlier test, say) are not radar's: what they print goes where it went before,
        # not into this run's output.
        self._strangers = {thread.ident for thread in threading.enumerate()}
        self._elsewhere = elsewhere

    def write(self, text: str) -> int:
        if self._elsewhere is not None and threading.get_ident() in self._strangers:
            if threading.current_thread() is not threading.main_thread():
                return int(self._elsewhere.write(text))
        return super().write(text)

    def isatty(self) -> bool:
        return self._terminal

    def text(self) -> str:
        self.flush()
        raw = self.buffer.getvalue()  # type: ignore[attr-defined]
        # As subprocess.run(text=True) reads a pipe: universal newlines (RIS and CSV end
        # their lines with CRLF; a test reading a pipe saw LF).
        return io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8", errors="replace").read()


def _exit_code(code: object) -> int:
    """What the process would have exited with, given sys.exit(code)."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)  # sys.exit("message") prints it and exits 1
    return 1


def run_radar(
    *args: str,
    env: dict[str, str] | None = None,
    input: str | None = None,
    timeout: float = 60,
    terminal: bool = False,
) -> subprocess.CompletedProcess[str]:
    """Run radar in this process, as the console script would: `radar.cli.main()` with
    argv, the environment plus `env`, stdin from `input`, and stdout and stderr captured
    (not terminals, as pipes are not; `terminal=True` makes stderr one). Everything it
    changes (argv, streams, environment, the request limiter) is put back afterwards.
    `timeout` is accepted for the process runner's sake and not enforced here."""
    import radar.cli  # before argv names a command: imported so, it registers every command
    from radar import http

    saved_env = dict(os.environ)
    saved_streams = sys.argv, sys.stdin, sys.stdout, sys.stderr
    main_module = sys.modules["__main__"]
    saved_package = getattr(main_module, "__package__", None)
    stdout = _Capture(elsewhere=sys.stdout)
    stderr = _Capture(terminal=terminal, errors="backslashreplace", elsewhere=sys.stderr)
    os.environ.pop("FORCE_COLOR", None)
    os.environ.update(env or {})
    sys.argv = ["radar", *args]
    sys.stdin = io.TextIOWrapper(io.BytesIO((input or "").encode()), encoding="utf-8")
    sys.stdout, sys.stderr = stdout, stderr
    # Click names the program after argv[0] unless __main__ is a package's (python -m pytest).
    main_module.__package__ = None
    # A new process starts with no request made yet: the next may go at once.
    http.LIMITER._last = 0.0
    # Log handlers made before this run (litellm's, at its import) write to the stderr of
    # that moment; a process's handlers write to its own stderr.
    handlers = {handler: handler.setStream(stderr) for handler in _stream_handlers()}
    try:
        radar.cli.main()
        code = 0
    except SystemExit as exc:
        code = _exit_code(exc.code)
    except Exception:  # uncaught, as with RADAR_DEBUG=1: a traceback and exit 1
        traceback.print_exc()
        code = 1
    finally:
        sys.argv, sys.stdin, sys.stdout, sys.stderr = saved_streams
        main_module.__package__ = saved_package
        for handler, stream in handlers.items():
            handler.setStream(stream)
        os.environ.clear()
        os.environ.update(saved_env)
    return subprocess.CompletedProcess(["radar", *args], code, stdout.text(), stderr.text())


def _stream_handlers() -> list[logging.StreamHandler]:
    """Plain stream handlers (stderr's, by default); not pytest's own, which subclass it."""
    loggers = [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]
    return [
        handler
        for logger in loggers
        for handler in getattr(logger, "handlers", [])
        if type(handler) is logging.StreamHandler
    ]


@pytest.fixture
def radar():
    return run_radar


def ok(*args: str, **kw) -> str:
    """radar's stdout, from a run that must succeed without a traceback."""
    result = run_radar(*args, **kw)
    assert result.returncode == 0, f"radar {' '.join(args)} failed:\n{result.stderr}"
    assert "Traceback" not in result.stderr
    return result.stdout


def fails(code: int, *args: str, **kw) -> str:
    """radar's stderr, from a run that must fail with `code` and without a traceback."""
    result = run_radar(*args, **kw)
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    return result.stderr


def store_with(tmp_path: Path, items: list, day: str = "2026-11-20") -> None:
    """A store holding `items`, imported from one listing of `day`."""
    from feeds import rss_feed, write

    ok("import", str(write(tmp_path / "feed.xml", rss_feed(items, day=day))))


# --- processes, for kill -9 tests ---


def children(pid: int) -> list[int]:
    """The processes `pid` started (its parsing workers), from /proc."""
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def alive(pid: int) -> bool:
    """Whether a process runs (an unreaped zombie counts as gone)."""
    try:
        return Path(f"/proc/{pid}/status").read_text().split("State:")[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def command_line(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""
