"""The README's commands work as shown."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def quick_start_blocks() -> list[str]:
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.*?)\n```", section, re.S)


def test_quick_start_has_the_two_commands() -> None:
    blocks = quick_start_blocks()
    assert len(blocks) == 2
    assert blocks[1].endswith("uv run pytest")
    # CI runs the README's test command.
    assert "uv run pytest" in (ROOT / ".ci" / "run").read_text()


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


def test_every_setting_is_documented() -> None:
    from radar.config import SETTINGS

    for key, (env, _default, _kind) in SETTINGS.items():
        assert f"| `{env}` | `{key}` |" in README, f"{env} / {key} is missing from the README's table"
