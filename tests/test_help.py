"""Every command's help, the version, and the map the console script loads commands by."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import ok


def test_version() -> None:
    from radar import __version__

    assert ok("--version").strip() == f"radar {__version__}"


def test_the_lazy_command_map_is_whole() -> None:
    """Every command is registered by the module whose COMMANDS line names it, read from
    the source as the console script reads it, so naming a command loads its module."""
    import importlib

    from radar.cli import app
    from radar.commands import command_modules, command_table, modules_for

    registered = {
        info.name or info.callback.__name__.replace("_", "-"): info.callback.__module__
        for info in app.registered_commands
    }
    # A group (radar config, radar library) is registered by the module of its commands.
    registered.update(
        {g.name: g.typer_instance.registered_commands[0].callback.__module__ for g in app.registered_groups}
    )
    table = command_table()
    assert {name: f"radar.commands.{module}" for name, module in table.items()} == registered
    for module in command_modules():
        declared = importlib.import_module(f"radar.commands.{module}").COMMANDS
        assert declared == tuple(n for n, m in table.items() if m == module), module
    assert modules_for(["radar", "--db", "x.db", "search", "q"]) == ["search"]
    assert modules_for(["radar", "mark-read", "--all"]) == ["reading"]
    assert (
        modules_for(["radar", "today"]) == ["today"] and modules_for(["radar", "--help"]) == command_modules()
    )


def test_usage_lines_name_arguments_in_capitals() -> None:
    assert ok("import", "--help").startswith("Usage: radar import [OPTIONS] [FILE...]")
    assert ok("follow", "--help").startswith("Usage: radar follow [OPTIONS] [NAME]")
    assert ok("search", "--help").startswith(
        "Usage: radar search [OPTIONS] [QUERY]"
    )  # optional: --author alone lists a person


def _command_paths() -> list[tuple[str, ...]]:
    """Every registered command and group, walked from the app as it is now: () is radar
    itself, ("config", "get") a group's subcommand. Never a kept list: commands move."""
    import typer.main

    import radar.cli

    def walk(command: Any, path: tuple[str, ...]) -> list[tuple[str, ...]]:
        found = [path]
        # A group has subcommands (typer carries its own click: no isinstance on click.Group).
        for name, sub in sorted((getattr(command, "commands", None) or {}).items()):
            found += walk(sub, (*path, name))
        return found

    return walk(typer.main.get_command(radar.cli.app), ())


COMMAND_PATHS = _command_paths()


def test_the_walk_finds_the_commands_and_the_groups() -> None:
    names = {path[0] for path in COMMAND_PATHS if path}
    assert {"follow", "today", "brief", "import", "export", "config"} <= names
    assert any(len(path) == 2 for path in COMMAND_PATHS), "a group's subcommands are walked too"


@pytest.mark.parametrize("path", COMMAND_PATHS, ids=lambda path: " ".join(("radar", *path)))
def test_every_command_and_group_has_help(path: tuple[str, ...]) -> None:
    out = ok(*path, "--help")
    assert out.startswith(" ".join(("Usage: radar", *path)) + " "), out[:200]
    # The docstring is the help text: a command without one shows only its usage and options.
    described = out.split("Options:")[0].strip().splitlines()[1:]
    assert any(line.strip() for line in described), out
