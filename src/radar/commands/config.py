"""`radar config`: show, get, set and unset settings in `$RADAR_HOME/config.toml`.

The logic lives in `radar.config` (plain functions returning data); this module only
gathers parameters and renders. It loads on every `radar` start: tomlkit and friends
are imported inside `radar.config`'s functions, never here.
"""

from typing import Annotated, Any

import typer

from radar.cli import ListFormat, app, out, say, state
from radar.config import Settings, load_settings

COMMANDS = ("config",)
HELP_POSITION = 130

config_app = typer.Typer(no_args_is_help=True, rich_markup_mode=None)
app.add_typer(
    config_app,
    name="config",
    help="Show and change settings in $RADAR_HOME/config.toml: show, get KEY, set KEY VALUE, unset KEY, path.",
)


def _complete_keys(incomplete: str) -> list[tuple[str, str]]:
    """Shell completion for KEY: every setting, with its environment variable."""
    from radar.config import PATH_SETTINGS, SETTINGS

    names = {**PATH_SETTINGS, **{key: env for key, (env, _default, _kind) in SETTINGS.items()}}
    return [(key, env) for key, env in names.items() if key.startswith(incomplete)]


def _complete_file_keys(incomplete: str) -> list[tuple[str, str]]:
    """Shell completion for KEY of set and unset: the settings config.toml can hold."""
    from radar.config import PATH_SETTINGS

    return [(key, env) for key, env in _complete_keys(incomplete) if key not in PATH_SETTINGS]


def _key_arg(complete: Any) -> Any:
    return typer.Argument(
        metavar="KEY",
        help="A setting, e.g. today_limit or model.",
        show_default=False,
        autocompletion=complete,
    )


KeyArg = Annotated[str, _key_arg(_complete_keys)]
FileKeyArg = Annotated[str, _key_arg(_complete_file_keys)]


def _settings(ctx: typer.Context) -> Settings:
    """The settings, with `--db` counted as an option only when it was typed (Typer also
    fills it from RADAR_DB); the config file's warnings go to stderr."""
    # Compared by name: Typer may bring its own copy of click's ParameterSource.
    source = ctx.find_root().get_parameter_source("db")
    typed = getattr(source, "name", None) == "COMMANDLINE"
    db = state(ctx).db_option
    settings = load_settings(db if typed else None)
    for warning in settings.warnings:
        say(f"Warning: {warning}", style="yellow")
    return settings


def _text(value: Any) -> str:
    return "" if value is None else str(value)


@config_app.command("show")
def show(
    ctx: typer.Context,
    format: Annotated[ListFormat, typer.Option("--format", "-f", help="text or json.")] = ListFormat.text,
) -> None:
    """Every setting with its value and where it came from.

    The origin is "default", the environment variable's name, the config file's path,
    or "option" (--db). Values that look like keys or passwords are masked.
    """
    from radar.config import describe_settings

    rows = describe_settings(_settings(ctx))
    if format is ListFormat.json:
        import json

        data = {
            row["key"]: {"value": row["value"], "origin": row["origin"], "env": row["env"]} for row in rows
        }
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return
    from rich.table import Table
    from rich.text import Text

    table = Table(show_edge=False, header_style="bold")
    table.add_column("setting", no_wrap=True)
    table.add_column("value", overflow="fold")
    table.add_column("from", overflow="fold")
    for row in rows:
        value = _text(row["value"])
        table.add_row(
            row["key"],
            Text(value) if value else Text("(none)", style="dim"),
            Text(row["origin"], style="dim" if row["origin"] == "default" else ""),
        )
    console = out()
    if not console.is_terminal:
        # A pipe or a file gets whole lines, as elsewhere in radar: no 80-column wrapping.
        widest = [max(len(_text(row[k])) for row in rows) for k in ("key", "value", "origin")]
        console.width = max(console.width, sum(widest) + 8)
    console.print(table)


@config_app.command("get")
def get(ctx: typer.Context, key: KeyArg) -> None:
    """Print the value radar uses for one setting, plain, for scripts."""
    from radar.config import check_setting, setting_value

    check_setting(key)  # before reading the file: a typo is reported as such
    print(_text(setting_value(_settings(ctx), key)))


@config_app.command(
    "set",
    # `radar config set arxiv_delay -1` reaches the validation instead of "No such option: -1".
    context_settings={"ignore_unknown_options": True},
)
def set_(
    key: FileKeyArg,
    value: Annotated[str, typer.Argument(metavar="VALUE", help="The new value.", show_default=False)],
) -> None:
    """Check a value and write it to the config file, keeping its comments and layout.

    Example: radar config set today_limit 15.
    """
    from radar.config import radar_home, set_config_value

    change = set_config_value(radar_home() / "config.toml", key, value)
    say(f"Set {key} = {_toml(_shown(key, change.value))} in {change.path}.")
    if change.overridden_by:
        say(f"note: {change.overridden_by} is set and takes precedence", style="yellow")


@config_app.command("unset")
def unset(key: FileKeyArg) -> None:
    """Remove a setting from the config file: its default (or variable) applies again."""
    from radar.config import radar_home, unset_config_value

    change = unset_config_value(radar_home() / "config.toml", key)
    if change.changed:
        say(f"Removed {key} from {change.path}.")
    else:
        say(f"{key} is not set in {change.path}; nothing to do.")
    if change.overridden_by:
        say(f"note: {change.overridden_by} is set and takes precedence", style="yellow")


@config_app.command("path")
def path() -> None:
    """Print the config file's path (it may not exist yet)."""
    from radar.config import radar_home

    print(radar_home() / "config.toml")


def _toml(value: Any) -> str:
    """A value as it reads in config.toml: strings quoted."""
    import json

    return json.dumps(value, ensure_ascii=False) if isinstance(value, str) else str(value)


def _shown(key: str, value: Any) -> Any:
    from radar.config import shown_value

    return shown_value(key, value)
