"""`radar feedback`: what you muted and hid, so what leaves your cards can be seen."""

from typing import Annotated

import typer

from radar.cli import ListFormat, app, empty, out, state

COMMANDS = ("feedback",)
HELP_POSITION = 75


@app.command()
def feedback(
    ctx: typer.Context,
    format: Annotated[ListFormat, typer.Option("--format", "-f", help="text or json.")] = ListFormat.text,
) -> None:
    """List the people and topics you muted and the papers you hid, with dates.

    They leave your cards in radar today, brief and export; radar unmute and
    radar hide --undo take them back. Stars are listed by radar stars.
    """
    from dataclasses import asdict

    from radar.feedback import feedback_entries
    from radar.readable import readable
    from radar.render import to_json

    entries = feedback_entries(state(ctx).open(create=False))
    if not entries:
        empty(format, "You have muted and hidden nothing: radar mute --author NAME, radar hide ID.")
        return
    if format is ListFormat.json:
        print(to_json([asdict(e) for e in entries]))
        return
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, pad_edge=False)
    for column in ("date", "", "what"):
        table.add_column(column)
    for e in entries:
        verb = "muted" if e.action == "mute" else "hidden"
        if e.kind == "paper":
            what = f"{e.value}  {readable(e.title or '')}".strip()
        else:
            what = e.value if e.kind == "author" else f'"{e.value}"'
        # Titles come from arXiv: text, never markup.
        table.add_row(e.created_utc[:10], f"{verb} {e.kind}", Text(what))
    out().print(table)
