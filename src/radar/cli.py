"""radar's command line: thin Typer commands over the core modules.

Commands gather parameters, call plain functions that return data, and render it:
data to stdout, messages for people to stderr. Core code raises RadarError; `main()`
turns it into one `Error: ...` line.
"""

from __future__ import annotations

import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.text import Text

from radar import __version__
from radar.config import Settings, load_settings
from radar.errors import RadarError, UsageError

app = typer.Typer(
    name="radar",
    help="A research radar for arXiv: follow people, categories and topics; read what is new.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


class Format(StrEnum):
    text = "text"
    json = "json"
    markdown = "markdown"


class ListFormat(StrEnum):
    text = "text"
    json = "json"


def out() -> Console:
    return Console(highlight=False, soft_wrap=False)


def err() -> Console:
    # Messages are single lines: let the terminal wrap them, never cut them.
    return Console(stderr=True, highlight=False, soft_wrap=True)


def say(message: str, style: str = "") -> None:
    """A message for people, on stderr, never parsed as markup."""
    err().print(Text(message, style=style))


class State:
    def __init__(self, db: Path | None) -> None:
        self.db_option = db
        self._settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(self.db_option)
        return self._settings

    def open(self) -> Any:
        from radar.store import open_db

        return open_db(self.settings.db_path)


def _version(value: bool) -> None:
    if value:
        print(f"radar {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    db: Annotated[
        Path | None,
        typer.Option(
            "--db",
            help="The database file (default: $RADAR_HOME/radar.db).",
            envvar="RADAR_DB",
            show_envvar=True,
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option("--version", help="Show radar's version and exit.", callback=_version, is_eager=True),
    ] = False,
) -> None:
    """A research radar for arXiv: follow people, categories and topics; read what is new."""
    ctx.obj = State(db)


def state(ctx: typer.Context) -> State:
    obj = ctx.find_root().obj
    assert isinstance(obj, State)
    return obj


# --- follows --------------------------------------------------------------------------------


def _follow_targets(
    name: str | None, category: list[str] | None, topic: list[str] | None
) -> list[tuple[str, str]]:
    targets = [("author", name)] if name is not None else []
    targets += [("category", c) for c in category or []]
    targets += [("topic", t) for t in topic or []]
    if not targets:
        raise UsageError('name a person, --category or --topic (e.g. radar follow "Akshay Krishnamurthy")')
    return targets


NameArg = Annotated[
    str | None, typer.Argument(help='A person, e.g. "Akshay Krishnamurthy".', show_default=False)
]
CategoryOpt = Annotated[
    list[str] | None,
    typer.Option("--category", "-c", help="An arXiv category, e.g. cs.LG (repeatable).", show_default=False),
]
TopicOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--topic",
        "-t",
        help='A phrase searched in titles and abstracts, e.g. "world models" (repeatable).',
        show_default=False,
    ),
]


@app.command()
def follow(
    ctx: typer.Context, name: NameArg = None, category: CategoryOpt = None, topic: TopicOpt = None
) -> None:
    """Follow a person, an arXiv category or a topic.

    Examples: radar follow "Akshay Krishnamurthy"; radar follow --category cs.LG;
    radar follow --topic "world models".
    """
    from radar.follows import add_follow

    targets = _follow_targets(name, category, topic)
    db = state(ctx).open()
    for kind, value in targets:
        result = add_follow(db, kind, value)
        verb = "Following" if result.created else "Already following"
        say(
            f"{verb} {kind} {result.follow.value}: {result.matched} stored paper{'s' if result.matched != 1 else ''} match."
        )
        for miss_name, count in result.near_misses.most_common(5):
            say(
                f"  not counted: {count} paper{'s' if count != 1 else ''} by {miss_name}",
                style="dim",
            )


@app.command()
def unfollow(
    ctx: typer.Context, name: NameArg = None, category: CategoryOpt = None, topic: TopicOpt = None
) -> None:
    """Stop following a person, a category or a topic (same forms as `radar follow`)."""
    from radar.follows import remove_follow

    targets = _follow_targets(name, category, topic)
    db = state(ctx).open()
    for kind, value in targets:
        removed = remove_follow(db, kind, value)
        say(f"No longer following {kind} {removed.value}.")


@app.command()
def following(
    ctx: typer.Context,
    format: Annotated[ListFormat, typer.Option("--format", "-f", help="text or json.")] = ListFormat.text,
) -> None:
    """List what you follow, with how many stored papers each one matches."""
    from radar.follows import list_follows
    from radar.render import follow_dict, print_follows, to_json

    follows = list_follows(state(ctx).open())
    if format is ListFormat.json:
        print(to_json([follow_dict(f) for f in follows]))
        return
    if not follows:
        say(
            'You follow nothing yet. Try: radar follow "Akshay Krishnamurthy", radar follow --category cs.LG, radar follow --topic "world models".'
        )
        return
    print_follows(out(), follows)


# --- import -------------------------------------------------------------------------------


@app.command("import")
def import_(
    ctx: typer.Context,
    files: Annotated[
        list[Path],
        typer.Argument(help="Saved arXiv API responses or RSS/Atom listing feeds.", show_default=False),
    ],
    format: Annotated[
        ListFormat, typer.Option("--format", "-f", help="text or json (the report).")
    ] = ListFormat.text,
) -> None:
    """Load saved arXiv responses (API pages, RSS or Atom listings) into the store.

    Importing the same file twice changes nothing; a newer version of a paper updates it.
    """
    from radar.importer import import_files
    from radar.render import to_json

    reports = import_files(state(ctx).open(), files)
    failed = [r for r in reports if r.error]
    if format is ListFormat.json:
        print(
            to_json(
                [
                    {
                        "file": r.path,
                        "kind": r.kind,
                        "new": r.counts.new,
                        "updated": r.counts.updated,
                        "unchanged": r.counts.unchanged,
                        "skipped": r.counts.skipped,
                        "error": r.error,
                        "note": r.note,
                    }
                    for r in reports
                ]
            )
        )
    else:
        for r in reports:
            if r.error:
                say(f"not imported: {r.error}", style="red")
                continue
            c = r.counts
            line = f"{r.path}: {c.new} new, {c.updated} updated, {c.unchanged} unchanged, {len(c.skipped)} skipped"
            if r.note:
                line += f" ({r.note})"
            say(line)
            for reason in c.skipped[:10]:
                say(f"  skipped {reason}", style="dim")
        if len(reports) > 1:
            total_new = sum(r.counts.new for r in reports)
            total_updated = sum(r.counts.updated for r in reports)
            say(
                f"{len(reports) - len(failed)} of {len(reports)} files imported: {total_new} new, {total_updated} updated."
            )
    if failed:
        raise typer.Exit(1)


# --- reading ------------------------------------------------------------------------------


@app.command()
def today(
    ctx: typer.Context,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            "-s",
            help="24h, 3d, 2w or a date (default: the newest listing day stored).",
            show_default=False,
        ),
    ] = None,
    limit: Annotated[
        int | None,
        typer.Option("--limit", "-n", min=1, help="Cards per page [default: 10].", show_default=False),
    ] = None,
    page: Annotated[int, typer.Option("--page", "-p", min=1, help="Which batch of cards.")] = 1,
    all_: Annotated[bool, typer.Option("--all", "-a", help="Include papers that match no follow.")] = False,
    full: Annotated[bool, typer.Option("--full", help="Show whole abstracts and author lists.")] = False,
    format: Annotated[Format, typer.Option("--format", "-f", help="text, json or markdown.")] = Format.text,
) -> None:
    """Ranked cards for the newest papers that match what you follow."""
    from radar.follows import list_follows
    from radar.rank import ranked_cards, window_for
    from radar.render import card_dict, cards_markdown, print_cards, to_json

    st = state(ctx)
    db = st.open()
    limit = limit or st.settings.today_limit
    window = window_for(db, since)
    follows = list_follows(db, with_counts=False)
    if window is None:
        _empty(
            format,
            "Nothing is stored yet. Run `radar fetch`, or `radar import FILE` for saved feeds.",
        )
        return
    if not follows and not all_:
        _empty(
            format,
            'You follow nothing yet. Try: radar follow "Akshay Krishnamurthy", radar follow --category cs.LG or radar follow --topic "world models"; radar today --all shows every paper.',
        )
        return
    cards = ranked_cards(db, window, include_all=all_)
    if not cards:
        _empty(
            format,
            f"No paper in {window.label} matches your follows. Try radar today --since 7d, or --all for every paper.",
        )
        return
    pages = (len(cards) + limit - 1) // limit
    if page > pages:
        _empty(
            format,
            f"Page {page} is past the end: {len(cards)} papers make {pages} page{'s' if pages != 1 else ''}.",
        )
        return
    shown = cards[(page - 1) * limit : page * limit]
    what = "papers" if all_ else "papers matching your follows"
    heading = f"radar · {window.label} · {len(cards)} {what}"
    if format is Format.json:
        print(to_json([card_dict(c) for c in shown]))
    elif format is Format.markdown:
        print(cards_markdown(shown, heading, full))
    else:
        footer = f"page {page} of {pages}"
        if page < pages:
            footer += (
                f" · next: radar today --page {page + 1}"
                + (f" --since {since}" if since else "")
                + (" --all" if all_ else "")
            )
        print_cards(out(), shown, heading, footer, full)


def _empty(format: Format, message: str) -> None:
    if format is Format.json:
        print("[]")
    say(message)


@app.command()
def show(
    ctx: typer.Context,
    paper_id: Annotated[
        str,
        typer.Argument(
            metavar="ID",
            help="2511.05963, 2511.05963v4, arXiv:2511.05963 or an abs URL.",
            show_default=False,
        ),
    ],
    format: Annotated[ListFormat, typer.Option("--format", "-f", help="text or json.")] = ListFormat.text,
) -> None:
    """Show one stored paper in full, with why it is on your radar."""
    from radar.errors import NotFoundError
    from radar.model import parse_arxiv_id
    from radar.rank import matches_for
    from radar.render import paper_dict, print_paper, to_json
    from radar.store import get_paper, paper_versions

    base, _ = parse_arxiv_id(paper_id)
    db = state(ctx).open()
    paper = get_paper(db, base)
    if paper is None:
        raise NotFoundError(f"{base} is not in the store (radar fetch or radar import brings papers in)")
    reasons = matches_for(db, [base]).get(base, [])
    versions = paper_versions(db, base)
    if format is ListFormat.json:
        data = paper_dict(paper)
        data["versions_seen"] = [v["version"] for v in versions]
        data["reasons"] = [
            {"follow": m.value, "kind": m.kind, "strength": m.strength, "reason": m.reason} for m in reasons
        ]
        print(to_json(data))
        return
    print_paper(out(), paper, reasons, versions)


# --- entry point --------------------------------------------------------------------------


def main() -> None:
    """The console script: one `Error: ...` line instead of a traceback (RADAR_DEBUG=1 shows it)."""
    debug = bool(os.environ.get("RADAR_DEBUG"))
    try:
        app()
    except UsageError as exc:
        say(f"Error: {exc}", style="red")
        sys.exit(2)
    except RadarError as exc:
        if debug:
            raise
        say(f"Error: {exc}", style="red")
        sys.exit(1)
    except KeyboardInterrupt:
        say("Interrupted.")
        sys.exit(130)
    except Exception as exc:
        if debug:
            raise
        say(
            f"Error: unexpected {type(exc).__name__}: {exc} (set RADAR_DEBUG=1 for details)",
            style="red",
        )
        sys.exit(1)
