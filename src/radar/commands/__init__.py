"""Commands that live in their own modules, each registering itself on `radar.cli.app`.

`radar.cli` calls `register_all()` once the app exists. Typer inspects every registered
command's parameters on every start (about half a millisecond each), so a run that names
one of these commands loads only its module; `radar --help`, completion and anything
unrecognised load them all.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from pathlib import Path

# Each command name, and the module that defines it (kept whole by a test).
COMMANDS: dict[str, str] = {
    "mark-read": "reading",
    "star": "reading",
    "hide": "reading",
    "mute": "reading",
    "unmute": "reading",
    "stars": "reading",
    "config": "config",
    "schedule": "schedule",
    "status": "schedule",
    "search": "search",
    "harvest": "harvest",
    "export": "export",
}
MODULES: list[str] = list(dict.fromkeys(COMMANDS.values()))
# Commands defined in radar.cli itself: naming one needs no module from here.
CORE_COMMANDS = frozenset({"follow", "unfollow", "following", "import", "fetch", "today", "show", "brief"})


def modules_for(argv: Sequence[str]) -> list[str]:
    for arg in argv[1:]:
        if arg in COMMANDS:
            return [COMMANDS[arg]]
        if arg in CORE_COMMANDS:
            return []
        if arg in ("--help", "-h"):
            break
    return MODULES


def register_all(argv: Sequence[str] | None = None) -> None:
    """Register the commands `argv` may run; all of them unless argv is the radar console
    script's own (imported as a library or by the tests, radar.cli has every command)."""
    if argv is None:
        argv = sys.argv if sys.argv and Path(sys.argv[0]).name == "radar" else ()
    for name in modules_for(argv):
        importlib.import_module(f"radar.commands.{name}")
