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


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["today", "--page", "0"], "Error: Invalid value for '--page' / '-p': 0 is not in the range x>=1."),
        (["today", "--limit", "0"], "Error: Invalid value for '--limit' / '-n': 0 is not in the range x>=1."),
        (
            ["today", "--format", "xml"],
            "Error: Invalid value for '--format' / '-f': 'xml' is not one of 'text', 'json', 'markdown', 'html'.",
        ),
        (
            ["following", "-f", "yaml"],
            "Error: Invalid value for '--format' / '-f': 'yaml' is not one of 'text', 'json'.",
        ),
        (["today", "--nope"], "Error: No such option: --nope"),
        (["serach"], "Error: No such command 'serach'."),
        (["config", "get"], "Error: Missing argument 'KEY'."),
        (["--nope"], "Error: No such option: --nope"),
    ],
    ids=lambda value: " ".join(value) if isinstance(value, list) else "",
)
def test_usage_errors_are_one_line(args: list[str], message: str) -> None:
    """A usage error is one `Error:` line on stderr and exit code 2, like radar's own:
    not Click's block of usage, hint, blank line and error."""
    from conftest import fails, run_radar

    stderr = fails(2, *args)
    assert stderr.splitlines() == [stderr.splitlines()[0]] and stderr.startswith(message), stderr
    assert run_radar(*args).stdout == ""


def test_a_usage_error_is_one_line_from_the_console_script() -> None:
    from conftest import run_radar_process

    result = run_radar_process("today", "--page", "0")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == "Error: Invalid value for '--page' / '-p': 0 is not in the range x>=1.\n"


def test_radar_alone_still_prints_its_help() -> None:
    from conftest import run_radar

    result = run_radar()
    assert result.stderr.startswith("Usage: radar [OPTIONS] COMMAND [ARGS]...") or result.stdout.startswith(
        "Usage: radar [OPTIONS] COMMAND [ARGS]..."
    )
