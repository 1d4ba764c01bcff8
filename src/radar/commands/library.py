"""`radar library`: the reader's library (BibTeX, CSL-JSON, RIS) as a signal of interest.

The logic lives in `radar.library` (plain functions returning data); this module only
gathers parameters and renders: the report on stderr, listings on stdout.
"""

from pathlib import Path
from typing import Annotated, Any

import typer

from radar.cli import ListFormat, QuietOpt, WaitOpt, app, http_client, out, say, state
from radar.progress import live_status
from radar.text import plural

COMMANDS = ("library",)
HELP_POSITION = 75

library_app = typer.Typer(rich_markup_mode=None)
app.add_typer(
    library_app,
    name="library",
    help="Your library of papers (BibTeX, CSL-JSON, RIS), which ranking reads: import, list, remove.",
)

UNRESOLVED_SHOWN = 10  # per file: a library of titles alone has hundreds, listed by `radar library`
FormatOpt = Annotated[ListFormat, typer.Option("--format", "-f", help="text or json.")]


@library_app.callback(invoke_without_command=True)
def library(ctx: typer.Context, format: FormatOpt = ListFormat.text) -> None:
    """Your library of papers, which ranking reads as what you care about.

    With no subcommand, lists it (as `radar library list`). Import files with
    `radar library import FILE...`; remove entries with `radar library remove`.
    """
    if ctx.invoked_subcommand is None:
        _list(ctx, format)


@library_app.command("import")
def import_(
    ctx: typer.Context,
    files: Annotated[
        list[Path],
        typer.Argument(
            metavar="FILE...",
            help="BibTeX, CSL-JSON or RIS files (as Zotero, Mendeley, JabRef or radar export write).",
            show_default=False,
        ),
    ],
    fetch: Annotated[
        bool,
        typer.Option(
            "--fetch/--no-fetch",
            help="Fetch the arXiv papers entries name that are not stored yet (100 a request).",
        ),
    ] = True,
    sync: Annotated[
        bool,
        typer.Option("--sync", help="Drop the entries imported from these files that are no longer in them."),
    ] = False,
    format: Annotated[
        ListFormat, typer.Option("--format", "-f", help="text or json (the report, on stdout).")
    ] = ListFormat.text,
    quiet: QuietOpt = False,
    wait: WaitOpt = 10.0,
) -> None:
    """Import library files: each entry is resolved to its arXiv paper where it has one.

    The format is told by the content. An entry resolves by its eprint field, an arXiv
    URL or DOI, a DOI or title already in the store; entries with none keep their own
    title and abstract. Importing the same file again updates entries in place. An entry
    that cannot be read is reported with its line and skipped; exit code 1 only when a
    file could not be read at all.
    """
    from radar.library import import_library
    from radar.lock import writer_lock
    from radar.render import to_json

    st = state(ctx)
    db = st.open(quiet=quiet)
    with live_status("reading the library…", quiet) as progress:
        report = import_library(
            db,
            files,
            http=http_client(st, progress) if fetch else None,
            api_url=st.settings.arxiv_api_url,
            fetch=fetch,
            sync=sync,
            lock=lambda: writer_lock(st.settings.db_path, wait),
            progress=progress,
        )
    for message in report.failed:
        say(f"Error: {message}", style="red")
    if format is ListFormat.json:
        print(to_json(report.as_dict()))
    if not quiet or format is ListFormat.json:
        _say_report(report, quiet)
    if not report.ok:
        raise typer.Exit(1)


def _say_report(report: Any, quiet: bool) -> None:
    for file in report.files:
        for problem in file.problems:
            say(f"Warning: {file.path}: {problem}", style="yellow")
        if quiet:
            continue
        how = ", ".join(f"{n} by {way}" for way, n in sorted(file.resolved_by.items()))
        changes = f"{file.new} new, {file.updated} updated, {file.unchanged} unchanged"
        if file.dropped:
            changes += f", {file.dropped} dropped"
        say(
            f"{file.path} ({_format_name(file.format)}): {_entries(file.entries)} ({changes}); "
            f"{file.resolved} resolved to arXiv"
            + (f" ({how})" if how else "")
            + f", {len(file.unresolved)} unresolved."
        )
        if file.sync_skipped:
            say(
                f"Warning: {file.path}: --sync dropped nothing, since part of the file could not be read",
                style="yellow",
            )
        for entry in file.unresolved[:UNRESOLVED_SHOWN]:
            say(f"  unresolved: {entry.key}: {entry.title or '(no title)'}: {entry.resolution}", style="dim")
        if len(file.unresolved) > UNRESOLVED_SHOWN:
            say(
                f"  ... and {len(file.unresolved) - UNRESOLVED_SHOWN:,} more unresolved (`radar library` lists them "
                "all); ranking reads their own title and abstract",
                style="dim",
            )
    fetched = report.fetch
    if fetched is not None:
        if fetched.error:
            say(
                f"Warning: {fetched.error}; {plural(report.not_fetched, 'paper')} not fetched yet "
                "(importing again asks for them)",
                style="yellow",
            )
        if not quiet:
            say(
                f"Fetched {plural(fetched.fetched, 'paper')} from arXiv in {plural(fetched.requests, 'request')}."
            )
    elif report.not_fetched and not quiet:
        say(
            f"{plural(report.not_fetched, 'paper')} not in the store yet: import without --no-fetch to fetch them."
        )


def _entries(count: int) -> str:
    return f"{count:,} entr{'y' if count == 1 else 'ies'}"


def _format_name(kind: str) -> str:
    from radar.library import FORMAT_NAMES

    return FORMAT_NAMES.get(kind, kind)


@library_app.command("list")
def list_(ctx: typer.Context, format: FormatOpt = ListFormat.text) -> None:
    """List the library: how many entries, which resolved to arXiv papers, and why the others did not."""
    _list(ctx, format)


def _list(ctx: typer.Context, format: ListFormat) -> None:
    from radar.library import list_library

    lib = list_library(state(ctx).open(create=False))
    if format is ListFormat.json:
        from radar.render import to_json

        print(to_json(lib.as_dict()))
        return
    if not lib.count:
        say("Your library is empty. Import one: radar library import library.bib")
        return
    from rich.table import Table
    from rich.text import Text

    table = Table(show_edge=False, header_style="bold")
    table.add_column("arXiv", no_wrap=True)
    table.add_column("key", overflow="fold")
    table.add_column("title", overflow="fold")
    table.add_column("resolved by, or why not", overflow="fold")
    for entry in lib.entries:
        how = entry.resolution or ""
        if entry.paper_id and not entry.stored:
            how += " (not fetched yet)"
        table.add_row(
            Text(entry.paper_id or "-", style="" if entry.paper_id else "dim"),
            Text(entry.key),
            Text(entry.title),
            Text(how, style="" if entry.paper_id else "yellow"),
        )
    console = out()
    if not console.is_terminal:
        # A pipe or a file gets whole lines, as elsewhere in radar: no 80-column wrapping.
        widest = max(len(e.key) + len(e.title) + len(e.resolution or "") for e in lib.entries)
        console.width = max(console.width, widest + 40)
    console.print(table)
    unfetched = f", {lib.not_fetched} of them not fetched yet" if lib.not_fetched else ""
    say(
        f"{_entries(lib.count)} from {plural(len(lib.files), 'file')}: "
        f"{lib.resolved} resolved to arXiv papers{unfetched}, {lib.unresolved} unresolved."
    )


@library_app.command("remove")
def remove(
    ctx: typer.Context,
    refs: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="ID|KEY...", help="An arXiv id (any form) or an entry's key.", show_default=False
        ),
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="Remove every entry.")] = False,
) -> None:
    """Remove entries from the library, by arXiv id or key, or all of them with --all."""
    from radar.errors import UsageError
    from radar.library import remove_entries

    if all_ and refs:
        raise UsageError("give entries to remove or --all, not both")
    removed = remove_entries(state(ctx).open(create=False), refs or [], everything=all_)
    say(f"Removed {_entries(removed)} from your library.")
