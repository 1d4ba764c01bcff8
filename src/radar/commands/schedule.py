"""`radar schedule`: cron and systemd set-up for unattended fetches and briefs.

Loaded whenever `radar --help` lists the commands: only the standard library and typer
at the top; the core module is imported inside the command.
"""

from enum import StrEnum
from typing import Annotated, Any

import typer

from radar.cli import app, say, state
from radar.errors import UsageError

COMMANDS = ("schedule",)
HELP_POSITION = 80


class Target(StrEnum):
    cron = "cron"
    systemd = "systemd"


@app.command()
def schedule(
    ctx: typer.Context,
    at: Annotated[
        str, typer.Option("--at", metavar="HH:MM", help="When the weekday fetch runs (local time).")
    ] = "06:30",
    brief: Annotated[
        bool, typer.Option("--brief", help="Also write last week's brief every week into ~/radar/.")
    ] = False,
    brief_at: Annotated[
        str, typer.Option("--brief-at", metavar="DAY HH:MM", help="When the weekly brief runs (local time).")
    ] = "Mon 07:00",
    send: Annotated[
        bool,
        typer.Option(
            "--send",
            help="After each fetch, send what is new (radar send --unread); with --brief, send the brief too.",
        ),
    ] = False,
    install: Annotated[
        Target | None,
        typer.Option(
            "--install",
            help="cron: add radar's block to your crontab; systemd: write user units.",
            show_default=False,
        ),
    ] = None,
    remove: Annotated[
        Target | None,
        typer.Option(
            "--remove", help="Take radar's crontab block or systemd units out again.", show_default=False
        ),
    ] = None,
) -> None:
    """Run radar unattended: a crontab line and a systemd user timer for `radar fetch --quiet`.

    Without options, prints both (with the absolute path of this radar and the
    environment it needs) for you to review or paste. --install cron adds them to your
    crontab (run it again to update; it never duplicates), --install systemd writes the
    units into ~/.config/systemd/user; --remove undoes either. --brief adds a weekly
    `radar brief`; --send sends what is new after each fetch (and the brief) to send_to.
    """
    from radar import schedule as core

    if install is not None and remove is not None:
        raise UsageError("use --install or --remove, not both")
    if remove is Target.cron:
        before = core.read_crontab()
        if not core.has_block(before):
            say("Your crontab has no radar block; nothing to remove.")
            return
        core.write_crontab(core.remove_block(before))
        say("Removed radar's block from your crontab; the rest of it is as it was.")
        return
    if remove is Target.systemd:
        directory = core.systemd_dir()
        changes = core.remove_units(directory)
        if not changes:
            say(f"No radar units in {directory}; nothing to remove.")
            return
        for change in changes:
            say(f"Removed {change.path}.")
        say("To stop the timers systemd still has loaded, run:")
        print(core.disable_command([c.path.name for c in changes]))
        return

    st = state(ctx)
    settings = st.settings
    program = core.radar_program()
    plan = core.Plan(
        radar=program,
        env=core.job_environment(settings.home, settings.db_path, program),
        fetch=core.parse_when(at, "--at", weekly=False),
        brief=core.parse_when(brief_at, "--brief-at", weekly=True) if brief else None,
        send=send,
    )
    if send:
        _check_send_to(settings)
    if brief and not settings.model:
        say(
            "Warning: no model is configured (RADAR_MODEL, or `model` in config.toml), so the weekly brief "
            "will fail until one is.",
            style="yellow",
        )
    if install is Target.cron:
        before = core.read_crontab()
        after = core.install_block(before, core.crontab_block(plan))
        if after == before:
            say("radar's block is already in your crontab, unchanged.")
            return
        core.write_crontab(after)
        what = (
            f"fetch {plan.fetch.label}"
            + (" and send" if plan.send else "")
            + (f", brief {plan.brief.label}" if plan.brief else "")
        )
        say(f"{'Updated' if core.has_block(before) else 'Added'} radar's block in your crontab: {what}.")
        say("See it with crontab -l; radar schedule --remove cron takes it out.", style="dim")
        return
    units = core.systemd_units(plan)
    if install is Target.systemd:
        for change in core.write_units(core.systemd_dir(), units):
            say(f"{'Wrote' if change.action == 'written' else 'Unchanged:'} {change.path}")
        say("To start the timer, run (and `loginctl enable-linger` to run it while you are logged out):")
        print(core.enable_command(units))
        return

    directory = core.systemd_dir()
    parts = [
        "# crontab (`radar schedule --install cron` adds this block; or paste it into `crontab -e`)",
        core.crontab_block(plan),
        f"# systemd user units (`radar schedule --install systemd` writes them into {directory}/,",
        f"# then: {core.enable_command(units)})",
    ]
    for name, text in units.items():
        parts += [f"# ---- {directory / name} ----", text]
    print("\n".join(parts), end="")


def _check_send_to(settings: Any) -> None:
    """The scheduled send reads send_to from config.toml: RADAR_SEND_TO holds passwords
    and tokens, so it is not copied into the crontab or the units."""
    origin = settings.origins.get("send_to", "default")
    if origin == "default":
        say(
            "Warning: no destination for radar send yet: radar config set send_to URL "
            "(e.g. mailtos://user:password@example.com); until then the scheduled send fails.",
            style="yellow",
        )
    elif origin == "RADAR_SEND_TO":
        say(
            "Warning: RADAR_SEND_TO is not copied into the schedule (its URLs hold secrets); "
            "put them in config.toml for the scheduled send: radar config set send_to URL.",
            style="yellow",
        )
