"""`radar import`: saved arXiv responses, listing feeds and metadata snapshots into the store."""

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from radar.cli import ListFormat, QuietOpt, WaitOpt, app, say, state
from radar.errors import UsageError
from radar.progress import live_status, progress_bar
from radar.text import plural

COMMANDS = ("import",)
HELP_POSITION = 20


@app.command("import")
def import_(
    ctx: typer.Context,
    files: Annotated[
        list[Path] | None,
        typer.Argument(
            metavar="FILE...",
            help="Saved arXiv API responses, RSS/Atom listing feeds, or arXiv metadata snapshots "
            "(JSON Lines); each plain or .gz.",
            show_default=False,
        ),
    ] = None,
    format: Annotated[
        ListFormat, typer.Option("--format", "-f", help="text or json (the report).")
    ] = ListFormat.text,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            min=0,
            max=16,  # radar.workers.MAX_WORKERS, written out so --help loads no store code
            help="Processes parsing a snapshot beside the writer (default: cores - 1, at most 4).",
        ),
    ] = None,
    finish: Annotated[
        bool,
        typer.Option(
            "--finish",
            help="Build the indexes a stopped snapshot import still owes, without its file "
            "(importing the file again later still reads the rest).",
        ),
    ] = False,
    quiet: QuietOpt = False,
    wait: WaitOpt = 10.0,
) -> None:
    """Load saved arXiv responses or the arXiv metadata snapshot into the store.

    Importing the same file twice changes nothing; a newer version of a paper updates it.
    A snapshot (arxiv-metadata-oai-snapshot.json, one paper per line) is streamed in
    batches: memory stays flat, bad lines are counted and skipped, and an interrupted
    import resumes where it stopped when run again.
    """
    from radar.importer import FileReport, finish_bulk, import_paths, totals
    from radar.lock import writer_lock
    from radar.render import to_json

    if not files and not finish:
        raise UsageError("name the files to import, or use --finish for what a stopped import owes")
    st = state(ctx)
    db = st.open(quiet=quiet, create=bool(files))  # --finish alone has nothing to add
    if not files:
        with writer_lock(st.settings.db_path, wait), live_status("building the indexes…", quiet) as note:
            built = finish_bulk(db, note)
        if format is ListFormat.json:
            print(to_json({"finished": built}))
        elif not quiet:
            if built:
                say(
                    f"Built the indexes that the import of {', '.join(built)} owed. Import it again to read the rest."
                )
            else:
                say("No import owes indexes: nothing to build.")
        return
    # One writer at a time, as with fetch and harvest. An import that cannot start is an
    # error (exit 1), not a step aside: nothing the user asked for was stored.
    with writer_lock(st.settings.db_path, wait):
        results = import_paths(db, files, workers, watch=_snapshot_bar(quiet or format is ListFormat.json))
    if format is ListFormat.json:
        print(to_json([_import_json(r) for r in results]))
    else:
        for r in results:
            if isinstance(r, FileReport):
                _say_file_report(r, quiet)
            else:
                _say_snapshot_report(r, quiet)
        if len(results) > 1 and not quiet:
            sums = totals(results)
            say(f"{sums.ok} of {sums.files} files imported: {sums.new} new, {sums.updated} updated.")
    barren = [r for r in results if _no_paper(r)]
    if format is not ListFormat.json:
        for r in barren:
            say(f"Error: {r.path}: no paper in it; nothing was imported.", style="red")
    if barren or any(r.error is not None for r in results):
        raise typer.Exit(1)


def _no_paper(r: Any) -> bool:
    """A file read whole that gave no paper at all: every entry skipped, or every line of
    a snapshot bad. (An empty weekend listing is a listing, and an import resumed at its
    end has stored its papers before.)"""
    from radar.importer import FileReport

    if r.error is not None:
        return False
    if isinstance(r, FileReport):
        c = r.counts
        return not (c.new or c.updated or c.unchanged) and bool(c.skipped)
    return not (r.already_done or r.resumed_at_line or r.new or r.updated or r.unchanged)


def _snapshot_bar(quiet: bool) -> Callable[[Path], AbstractContextManager[Any]]:
    """A progress bar for each snapshot; Ctrl-C there keeps what was stored and says how to resume."""
    from radar.importer import Watch
    from radar.interrupts import interrupted

    @contextmanager
    def watch(path: Path) -> Iterator[Watch]:
        # The bar is gone before the message: said inside it, the message would land on
        # the bar's own line.
        try:
            with progress_bar(f"importing {path.name}", quiet=quiet) as update:
                yield Watch(
                    progress=lambda p: update(
                        p.done_bytes, p.total_bytes, f"{p.new:,} new, {p.bad:,} bad lines"
                    ),
                    note=lambda text: update(1, 1, text),
                )
        except (KeyboardInterrupt, Exception) as exc:
            # A Ctrl-C, or what it became on its way out (radar.interrupts).
            if not interrupted(exc):
                raise
            say("Interrupted. What was imported is kept: run the same command again to resume.")
            raise typer.Exit(130) from None

    return watch


def _import_json(r: Any) -> dict[str, Any]:
    from radar.importer import FileReport

    if isinstance(r, FileReport):
        return {
            "file": r.path,
            "kind": r.kind,
            "new": r.counts.new,
            "updated": r.counts.updated,
            "unchanged": r.counts.unchanged,
            "skipped": r.counts.skipped,
            "error": r.error,
            "note": r.note,
        }
    return {
        "file": r.path,
        "kind": "snapshot",
        "new": r.new,
        "updated": r.updated,
        "unchanged": r.unchanged,
        "bad_lines": r.bad,
        "bad_examples": r.bad_examples,
        "lines": r.lines,
        "resumed_at_line": r.resumed_at_line,
        "already_imported": r.already_done,
        "seconds": round(r.seconds, 2),
        "error": r.error,
    }


def _say_file_report(r: Any, quiet: bool) -> None:
    if r.error:
        say(f"Error: not imported: {r.error}", style="red")
        return
    if quiet:
        return
    c = r.counts
    line = f"{r.path}: {c.new} new, {c.updated} updated, {c.unchanged} unchanged, {len(c.skipped)} skipped"
    if r.note:
        line += f" ({r.note})"
    say(line)
    for reason in c.skipped[:10]:
        say(f"  skipped {reason}", style="dim")


def _say_snapshot_report(r: Any, quiet: bool) -> None:
    if r.already_done:
        if not quiet:
            say(f"{r.path}: already imported; nothing to do.")
        return
    if not quiet:
        resumed = f", resumed at line {r.resumed_at_line + 1:,}" if r.resumed_at_line else ""
        say(
            f"{r.path}: {r.new:,} new, {r.updated:,} updated, {r.unchanged:,} unchanged, "
            f"{plural(r.bad, 'bad line')} skipped; {plural(r.lines, 'line')} in {r.seconds:.1f} s"
            f" ({r.papers_per_second:,.0f} papers/s{resumed})."
        )
        for example in r.bad_examples:
            say(f"  skipped {example}", style="dim")
    if r.error:
        say(f"Error: {r.error}.", style="red")
