"""Shared test set-up: every test gets its own RADAR_HOME, and helpers to run the real CLI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

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


def run_radar(
    *args: str, env: dict[str, str] | None = None, input: str | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run the installed console script as a user would, with the test's environment."""
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


@pytest.fixture
def radar():
    return run_radar


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
