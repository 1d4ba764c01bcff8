"""`radar status`: how the last fetches went, the store's size, what is unread.

Loaded whenever `radar --help` lists the commands: only the standard library, typer and
rich at the top; the core module is imported inside the command.
"""

import shlex
from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from rich.text import Text

from radar.cli import ListFormat, app, out, state
from radar.text import plural

COMMANDS = ("status",)
HELP_POSITION = 90


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
    if report.deliveries:
        line("Last delivery (radar send):", "bold")
    for d in report.deliveries:
        what = "the brief" if d.kind == "brief" else plural(d.papers, "paper")
        if d.ok:
            line(f"  ok      {d.destination}  {_when(d.finished_utc or d.started_utc, now)}: {what}")
        elif d.finished_utc is None:
            line(
                f"  UNFINISHED  {d.destination}  {_when(d.started_utc, now)}: stopped before it ended",
                "yellow",
            )
        else:
            line(
                f"  FAILED  {d.destination}  {_when(d.started_utc, now)} after {plural(d.attempts, 'attempt')}: "
                f"{d.error}; nothing was marked sent",
                "red",
            )
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
