"""`radar schedule` (cron and systemd set-up) and `radar status` (how the fetches went).

Loaded whenever `radar --help` lists the commands: only the standard library, typer and rich at the top;
the core modules are imported inside the commands.
"""

import shlex
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.text import Text

from radar.cli import ListFormat, app, out, plural, say, state
from radar.errors import UsageError


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
    `radar brief`.
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
    )
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
        what = f"fetch {plan.fetch.label}" + (f", brief {plan.brief.label}" if plan.brief else "")
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


@app.command()
def status(
    ctx: typer.Context,
    format: Annotated[ListFormat, typer.Option("--format", "-f", help="text or json.")] = ListFormat.text,
    runs: Annotated[int, typer.Option("--runs", min=0, help="How many recent fetches to show.")] = 5,
) -> None:
    """How the last fetches went, per source; the store's size; what is unread."""
    from radar.render import to_json
    from radar.status import collect

    st = state(ctx)
    report = collect(st.open(create=False), st.settings.db_path, st.settings.home, runs=runs)
    if format is ListFormat.json:
        print(to_json(report.as_dict()))
        return
    _print_status(report)


def _when(stamp: str | None, now: datetime) -> str:
    if not stamp:
        return "never"
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    seconds = (now - moment).total_seconds()
    if seconds < 60:
        ago = "just now"
    elif seconds < 3600:
        ago = f"{int(seconds // 60)} min ago"
    elif seconds < 86400 * 2:
        ago = f"{int(seconds // 3600)} h ago"
    else:
        ago = f"{int(seconds // 86400)} days ago"
    return f"{moment.astimezone(UTC).strftime('%Y-%m-%d %H:%M')} UTC ({ago})"


def _print_status(report: Any) -> None:
    console = out()
    now = datetime.now(UTC)

    def line(text: str, style: str = "") -> None:
        console.print(Text(text, style=style))

    line("Sources (last fetch):", "bold")
    if not report.sources:
        line("  none fetched yet: run radar fetch (radar schedule sets up a daily one)")
    width = max((len(s.source) for s in report.sources), default=0)
    for s in report.sources:
        if s.ok:
            line(
                f"  ok      {s.source:<{width}}  {_when(s.last_success_utc, now)}", "" if s.current else "dim"
            )
        else:
            text = f"  FAILED  {s.source:<{width}}  {_when(s.last_attempt_utc, now)}: {s.last_error}"
            text += f"; last success {_when(s.last_success_utc, now)}"
            line(text, "red" if s.current else "dim")
    if report.runs:
        line("Recent runs:", "bold")
    for r in report.runs:
        seconds = f", {r.seconds:.0f} s" if r.seconds is not None else ""
        line(
            f"  {_when(r.started_utc, now)}  {'ok' if r.ok else 'failed'}  "
            f"{r.new} new, {r.updated} updated, {r.requests} request{'s' if r.requests != 1 else ''}{seconds}",
            "" if r.ok else "red",
        )
        for error in r.errors:
            line(f"      {error}", "red")
    line(f"Store: {report.papers:,} papers, {report.size_mb:.1f} MB ({report.db_path})")
    if report.newest_listing_date is None:
        line("Unread: nothing stored yet.")
    elif report.matching and not report.unread:
        line(
            f"Unread: none of the {plural(report.matching, 'paper')} matching your follows on "
            f"{report.newest_listing_date}, the newest listing day."
        )
    else:
        line(
            f"Unread: {report.unread} of {plural(report.matching, 'paper')} "
            f"matching your follows on {report.newest_listing_date}, the newest listing day (radar today shows them)."
        )
    if report.writing:
        line("Writing now: another radar run (a fetch, harvest or import) holds the store's write lock.")
    for i in report.imports:
        stored = f"{i.path}: {plural(i.lines, 'line')} stored, the last at {_when(i.updated_utc, now)}."
        if report.writing:
            line(
                f"Import not finished: {stored} If it is the run writing now, it builds the {i.indexes} "
                "indexes it dropped at its end.",
                "yellow",
            )
        else:
            line(
                f"Import stopped: {stored} Until it finishes, {i.indexes} of the store's indexes are missing, "
                f"so follows, search and radar today are slow: run radar import {shlex.quote(i.path)} again, "
                "or radar import --finish to build them without the file.",
                "yellow",
            )
    line(f"Fetch log: {report.log_path}", "dim")
