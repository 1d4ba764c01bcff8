"""Every radar command: one module per command or group, each registering on `radar.cli.app`.

Each module here opens with two declarations, which are the whole registry:

    COMMANDS = ("follow", "unfollow", "following")  # the names it registers
    HELP_POSITION = 10  # where they stand in `radar --help`, lowest first

Typer inspects every registered command's parameters on every start (about half a
millisecond each), so the console script registers only what argv can run:
`command_table()` lists the modules with pkgutil and reads each one's `COMMANDS` line
from its source, without importing it (a few small file reads), and `radar today`
then imports `radar.commands.today` alone. `radar --help`, shell completion and
anything unrecognised import them all, in `HELP_POSITION` order. Imported as a library
(or by the tests), radar.cli has every command. A test checks that what each module
declares is what it registers.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import sys
from collections.abc import Sequence
from pathlib import Path

_DECLARATION = re.compile(r"^COMMANDS\s*=\s*\(([^)]*)\)", re.MULTILINE)
_NAME = re.compile(r"""["']([a-z][a-z-]*)["']""")


def command_modules() -> list[str]:
    """The modules of this package, by name (pkgutil: nothing is imported)."""
    return sorted(info.name for info in pkgutil.iter_modules(__path__) if not info.name.startswith("_"))


def declared_commands(module: str) -> tuple[str, ...]:
    """The names in a module's `COMMANDS = (...)` line, read from its source; a module
    whose source cannot be read (an install of bytecode only) is imported instead."""
    try:
        source = (Path(__file__).parent / f"{module}.py").read_text(encoding="utf-8")
    except OSError:
        return tuple(importlib.import_module(f"{__name__}.{module}").COMMANDS)
    found = _DECLARATION.search(source)
    return tuple(_NAME.findall(found.group(1))) if found else ()


def command_table() -> dict[str, str]:
    """Each command's name, and the module that defines it."""
    return {name: module for module in command_modules() for name in declared_commands(module)}


def modules_for(argv: Sequence[str], table: dict[str, str] | None = None) -> list[str]:
    """The modules that can run this command line: the one naming its command, or all."""
    table = command_table() if table is None else table
    for arg in argv[1:]:
        if arg in table:
            return [table[arg]]
        if arg in ("--help", "-h"):
            break
    return sorted(set(table.values()))


def register_all(argv: Sequence[str] | None = None) -> None:
    """Register the commands `argv` may run; all of them unless argv is the radar console
    script's own. Several modules register in `HELP_POSITION` order, so `radar --help`
    lists the commands as people use them, not alphabetically."""
    if argv is None:
        argv = sys.argv if sys.argv and Path(sys.argv[0]).name == "radar" else ()
    modules = [importlib.import_module(f"{__name__}.{name}") for name in modules_for(argv)]
    if len(modules) > 1:
        from radar.cli import app

        position = {m.__name__: m.HELP_POSITION for m in modules}
        # Typer lists groups (radar config) after the commands, whatever their position.
        app.registered_commands.sort(
            key=lambda info: position.get(getattr(info.callback, "__module__", ""), 0)
        )
