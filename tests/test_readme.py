"""The README's commands work as shown."""

from __future__ import annotations

import re
from pathlib import Path

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


def test_every_setting_is_documented() -> None:
    from radar.config import SETTINGS

    for key, (env, _default, _kind) in SETTINGS.items():
        assert f"| `{env}` | `{key}` |" in README, f"{env} / {key} is missing from the README's table"
