"""radar's command line: thin Typer commands over the core modules.

Commands gather parameters, call plain functions that return data, and render it:
data to stdout, messages for people to stderr. Core code raises RadarError; `main()`
turns it into one `Error: ...` line.
"""

import os
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.text import Text

from radar import __version__
from radar.config import Settings, load_settings
from radar.errors import LockedError, NotFoundError, RadarError, UsageError
from radar.files import write_atomically
from radar.text import one_line, plural

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
    console = Console(highlight=False)
    # Pipes and files get whole lines (no hard wraps at 80 columns): easier to grep.
    console.soft_wrap = not console.is_terminal
    return console


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
            for warning in self._settings.warnings:
                say(f"Warning: {warning}", style="yellow")
        return self._settings

    def open(self, quiet: bool = False, create: bool = True) -> Any:
        """The store. Commands with nothing to put in a new one pass create=False: a
        --db or RADAR_DB path that holds no store is then a mistyped path, refused
        instead of made (and reported as empty). The default path is always made."""
        from radar.store import open_db

        path, origin = self.settings.db_path, self.settings.origins.get("db", "default")
        if not create and origin != "default" and not path.exists():
            what = "--db" if origin == "option" else origin
            raise NotFoundError(
                f"no radar store at {path} (from {what}): check the path; radar follow or radar import makes one"
            )

        def upgrading() -> None:
            # For someone waiting at a terminal; cron's mail needs no news of it.
            if not quiet and err().is_terminal:
                say(
                    "Updating the store for this version of radar (a minute with millions of papers)…",
                    style="dim",
                )

        return open_db(self.settings.db_path, on_upgrade=upgrading)


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
    command: str,
    name: str | None,
    category: list[str] | None,
    topic: list[str] | None,
    feed: list[str] | None = None,
) -> list[tuple[str, str]]:
    targets = [("author", name)] if name is not None else []
    targets += [("category", c) for c in category or []]
    targets += [("topic", t) for t in topic or []]
    targets += [("feed", f) for f in feed or []]
    if not targets:
        raise UsageError(
            f'name a person, --category, --topic or --feed (e.g. radar {command} "Akshay Krishnamurthy")'
        )
    from radar.follows import follow_key

    for kind, value in targets:
        follow_key(kind, value, adding=command == "follow")  # every value checked before anything changes
    return targets


# fetch, harvest, import and follow write through one lock (fetch.fetch_lock).
WaitOpt = Annotated[
    float, typer.Option("--wait", min=0, help="Seconds to wait for a running fetch, harvest or import.")
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Print only errors (for cron).")]
NameArg = Annotated[
    str | None,
    typer.Argument(metavar="NAME", help='A person, e.g. "Akshay Krishnamurthy".', show_default=False),
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
FeedOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--feed",
        help="An RSS or Atom feed: a journal's contents, a conference's papers (repeatable).",
        show_default=False,
    ),
]


@app.command()
def follow(
    ctx: typer.Context,
    name: NameArg = None,
    category: CategoryOpt = None,
    topic: TopicOpt = None,
    feed: FeedOpt = None,
    no_fetch: Annotated[
        bool, typer.Option("--no-fetch", help="Only match what is stored; do not ask arXiv.")
    ] = False,
    quiet: QuietOpt = False,
    wait: WaitOpt = 10.0,
) -> None:
    """Follow a person, an arXiv category or a topic.

    A new follow fetches from arXiv at once (a person's last 12 months) and prints a
    preview, so you can check you follow the right person.
    Examples: radar follow "Akshay Krishnamurthy"; radar follow --category cs.LG;
    radar follow --topic "world models".
    """
    from radar.follows import add_follow

    targets = _follow_targets("follow", name, category, topic, feed)
    st = state(ctx)
    db = st.open(quiet=quiet)
    results = [add_follow(db, kind, value) for kind, value in targets]
    near_misses: Counter[str] = Counter()
    failed = False
    if not no_fetch:
        from radar.fetch import fetch_lock, run_fetch

        try:
            with fetch_lock(st.settings.db_path, wait), live_status("asking arXiv…", quiet) as progress:
                summary = run_fetch(
                    db,
                    _http(st, progress),
                    st.settings.arxiv_api_url,
                    st.settings.arxiv_rss_url,
                    progress,
                    only=[r.follow for r in results],
                )
        except LockedError as exc:
            if not quiet:
                say(f"{exc}; the follow is saved and the next radar fetch brings its papers.")
        else:
            near_misses = summary.near_misses
            for source in summary.sources:
                if not source.ok:
                    failed = True
                    say(f"Error: {source.message}", style="red")
            if not quiet:
                requests = plural(summary.requests, "request")
                say(f"Fetched: {summary.new} new, {summary.updated} updated ({requests}).", style="dim")
    if not quiet:
        from radar.store import background_checkpoints

        # The matches just stored are written back into the database file while the
        # preview is read: a category's hundreds of thousands of matches are tens of MB,
        # and closing the store would write them after the preview, not beside it.
        with background_checkpoints(db):
            for result in results:
                _print_follow(db, result, near_misses)
    if failed:
        raise typer.Exit(1)


def _print_follow(db: Any, result: Any, fetched_misses: Counter[str]) -> None:
    from radar.follows import near_misses, preview

    follow = result.follow
    pv = preview(db, follow)
    verb = "Following" if result.created else "Already following"
    say(f"{verb} {follow.kind} {follow.value}: {plural(pv.papers, 'paper')} stored.")
    for paper_id, day, title in pv.latest:
        say(f"  {day}  {paper_id}  {one_line(title)[:90]}")
    if pv.coauthors:
        say("  frequent co-authors: " + ", ".join(f"{n} ({c})" for n, c in pv.coauthors))
    if pv.categories and follow.kind != "category":
        say("  main categories: " + ", ".join(f"{c} ({n})" for c, n in pv.categories))
    # Stored papers by namesakes, and the ones this fetch saw and did not store.
    misses = near_misses(db, follow)
    if follow.kind == "author":
        for miss_name, count in fetched_misses.items():
            misses[miss_name] = max(misses[miss_name], count)
    for miss_name, count in misses.most_common(5):
        say(f"  not counted: {plural(count, 'paper')} by {miss_name}", style="dim")


@app.command()
def unfollow(
    ctx: typer.Context,
    name: NameArg = None,
    category: CategoryOpt = None,
    topic: TopicOpt = None,
    feed: FeedOpt = None,
) -> None:
    """Stop following a person, a category or a topic (same forms as `radar follow`)."""
    from radar.follows import remove_follow

    targets = _follow_targets("unfollow", name, category, topic, feed)
    db = state(ctx).open(create=False)
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

    follows = list_follows(state(ctx).open(create=False))
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
            max=16,  # radar.workers.MAX_WORKERS, not imported here: it loads the parsers
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
    from radar.fetch import fetch_lock
    from radar.importer import FileReport, finish_bulk, import_files, import_snapshot, is_snapshot
    from radar.render import to_json

    if not files and not finish:
        raise UsageError("name the files to import, or use --finish for what a stopped import owes")
    st = state(ctx)
    db = st.open(quiet=quiet, create=bool(files))  # --finish alone has nothing to add
    if not files:
        with fetch_lock(st.settings.db_path, wait), live_status("building the indexes…", quiet) as note:
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
    results: list[Any] = []
    failed = False
    # One writer at a time, as with fetch and harvest. An import that cannot start is an
    # error (exit 1), not a step aside: nothing the user asked for was stored.
    with fetch_lock(st.settings.db_path, wait):
        for path in files:
            if path.is_file() and is_snapshot(path):
                with progress_bar(
                    f"importing {path.name}", quiet=quiet or format is ListFormat.json
                ) as update:
                    try:
                        snap = import_snapshot(
                            db,
                            path,
                            progress=lambda p: update(
                                p.done_bytes, p.total_bytes, f"{p.new:,} new, {p.bad:,} bad lines"
                            ),
                            workers=workers,
                            note=lambda text: update(1, 1, text),
                        )
                    except KeyboardInterrupt:
                        say("Interrupted. What was imported is kept: run the same command again to resume.")
                        raise typer.Exit(130) from None
                results.append(snap)
                failed = failed or snap.error is not None
            else:
                (report,) = import_files(db, [path])
                results.append(report)
                failed = failed or report.error is not None
    if format is ListFormat.json:
        print(to_json([_import_json(r) for r in results]))
    else:
        for r in results:
            if isinstance(r, FileReport):
                _say_file_report(r, quiet)
            else:
                _say_snapshot_report(r, quiet)
        if len(results) > 1 and not quiet:
            total_new = sum(r.new if not isinstance(r, FileReport) else r.counts.new for r in results)
            total_updated = sum(
                r.updated if not isinstance(r, FileReport) else r.counts.updated for r in results
            )
            ok_count = sum(1 for r in results if r.error is None)
            say(f"{ok_count} of {len(results)} files imported: {total_new} new, {total_updated} updated.")
    if failed:
        raise typer.Exit(1)


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
        say(f"not imported: {r.error}", style="red")
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
            f"{plural(r.bad, 'bad line')} skipped; {r.lines:,} lines in {r.seconds:.1f} s"
            f" ({r.papers_per_second:,.0f} papers/s{resumed})."
        )
        for example in r.bad_examples:
            say(f"  skipped {example}", style="dim")
    if r.error:
        say(f"Error: {r.error}.", style="red")


# --- fetching -------------------------------------------------------------------------------


def _http(st: State, on_retry: Callable[[str], None]) -> Any:
    """The run's HTTP client; its pauses before retries show on the live status line."""
    from radar.http import Http

    http = Http.from_settings(st.settings)
    http.on_retry = on_retry
    return http


@contextmanager
def live_status(first: str, quiet: bool = False) -> Iterator[Callable[[str], None]]:
    """A live status line on stderr, only on a terminal; yields a function to update it."""
    console = err()
    if quiet or not console.is_terminal:
        yield lambda message: None
        return
    with console.status(first) as status:
        yield lambda message: status.update(Text(message))


@contextmanager
def progress_bar(description: str, quiet: bool = False) -> Iterator[Callable[[int, int, str], None]]:
    """A progress bar on stderr, only on a terminal; yields update(done, total, detail)."""
    console = err()
    if quiet or not console.is_terminal:
        yield lambda done, total, detail: None
        return
    from rich.markup import escape
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeRemainingColumn(),
        TextColumn("{task.fields[detail]}"),
        console=console,
        transient=True,
    ) as bar:
        # The columns read markup: a file named "[red]x" must print as it is.
        task = bar.add_task(escape(description), total=None, detail="")
        yield lambda done, total, detail: bar.update(task, completed=done, total=total, detail=escape(detail))


@app.command()
def fetch(
    ctx: typer.Context,
    quiet: QuietOpt = False,
    format: Annotated[
        ListFormat, typer.Option("--format", "-f", help="text or json (the summary, on stdout).")
    ] = ListFormat.text,
    wait: WaitOpt = 10.0,
) -> None:
    """Fetch new arXiv papers for everything you follow.

    Politely (one request every 3 s by default), incrementally, and safe to run from
    cron: exit code 0 only when every source answered.
    """
    from radar.fetch import fetch_lock, run_fetch
    from radar.render import to_json

    st = state(ctx)
    db = st.open(quiet=quiet, create=False)
    try:
        with fetch_lock(st.settings.db_path, wait):
            with live_status("asking arXiv…", quiet) as progress:
                summary = run_fetch(
                    db, _http(st, progress), st.settings.arxiv_api_url, st.settings.arxiv_rss_url, progress
                )
            from radar.fetchlog import append as log_fetch

            if (log_error := log_fetch(st.settings.home, summary)) and not quiet:
                say(f"Warning: {log_error}", style="yellow")
    except LockedError as exc:
        # Cron overlapping a manual run is normal: step aside (silently for cron).
        if not quiet:
            say(str(exc))
        return
    if not summary.sources and not quiet:
        say('You follow nothing yet, so there is nothing to fetch. Try: radar follow "Akshay Krishnamurthy".')
    for source in summary.sources:
        if not source.ok:
            say(f"Error: {source.message}", style="red")
        elif not quiet:
            say(f"{source.name}: {source.message}", style="dim")
    if format is ListFormat.json:
        print(to_json(summary.as_dict()))
    elif not quiet:
        say(
            f"{summary.new} new, {summary.updated} updated, {summary.by_followed_authors} by followed authors; "
            f"{plural(summary.requests, 'request')} in {summary.seconds:.1f} s."
        )
    if not summary.ok:
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
    unread: Annotated[
        bool, typer.Option("--unread", "-u", help="Only papers no earlier page has shown.")
    ] = False,
) -> None:
    """Ranked cards for the newest papers that match what you follow.

    Cards shown are remembered as read (see --unread and radar mark-read); stars, hides
    and mutes move or remove papers (radar star, hide, mute).
    """
    from radar.rank import load_cards, rank_window
    from radar.render import card_dict, cards_markdown, print_cards, to_json
    from radar.store import has_feedback, has_follows, remember_shown, unread_ids
    from radar.window import window_for

    st = state(ctx)
    db = st.open(create=False)
    limit = limit or st.settings.today_limit
    window = window_for(db, since, matched_only=not all_)
    if window is None:
        _empty(
            format,
            "Nothing is stored yet. Run `radar fetch`, or `radar import FILE` for saved feeds.",
        )
        return
    if not all_ and not has_follows(db):
        _empty(
            format,
            'You follow nothing yet. Try: radar follow "Akshay Krishnamurthy", radar follow --category cs.LG or radar follow --topic "world models"; radar today --all shows every paper.',
        )
        return
    ranked = rank_window(db, window, include_all=all_)
    if has_feedback(db):
        from radar.feedback import apply_feedback

        ranked = apply_feedback(db, ranked)
    if unread:
        fresh = unread_ids(db, [r.id for r in ranked])
        ranked = [r for r in ranked if r.id in fresh]
        if not ranked:
            _empty(format, f"Nothing unread {window.in_words}. radar today shows them all again.")
            return
    if not ranked:
        _empty(
            format,
            f"No paper {window.in_words} matches your follows. Try radar today --since 7d, or --all for every paper.",
        )
        return
    pages = (len(ranked) + limit - 1) // limit
    if page > pages:
        _empty(
            format,
            f"Page {page} is past the end: {len(ranked)} papers make {plural(pages, 'page')}.",
        )
        return
    first = (page - 1) * limit
    shown = load_cards(db, ranked[first : first + limit], first_rank=first + 1)
    what = "paper" if len(ranked) == 1 else "papers"
    heading = f"radar · {window.label} · {len(ranked)} {what}" + ("" if all_ else " matching your follows")
    if format is Format.json:
        print(to_json([card_dict(c) for c in shown]))
    elif format is Format.markdown:
        print(cards_markdown(shown, heading, full))
    else:
        footer = f"page {page} of {pages}"
        if page < pages:
            # With --unread the cards just shown drop out, so the next batch is page 1 again.
            footer += (
                " · next: radar today"
                + (" --unread" if unread else f" --page {page + 1}")
                + (f" --since {since}" if since else "")
                + (" --all" if all_ else "")
                + (f" --limit {limit}" if limit != st.settings.today_limit else "")
                + (" --full" if full else "")
            )
        print_cards(out(), shown, heading, footer, full)
    remember_shown(db, [c.paper.id for c in shown])


def _empty(format: Format | ListFormat, message: str) -> None:
    if format.value == "json":
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
    from radar.model import paper_ref
    from radar.rank import matches_for
    from radar.render import paper_dict, print_paper, to_json
    from radar.store import get_paper, paper_versions

    base = paper_ref(paper_id)
    db = state(ctx).open(create=False)
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


# --- the brief ------------------------------------------------------------------------------


def write_output(text: str, path: Path | None) -> None:
    write_stream([text], path)


def write_stream(pieces: Iterable[str], path: Path | None) -> None:
    """stdout as the pieces come, or a file replaced atomically once it is whole (a
    reader never sees half a brief or half an export), for output too large to build as
    one string. UTF-8 bytes whatever the locale says: briefs and citation files are
    UTF-8, and CRLF line ends (RIS, CSV) reach the file as they are.
    """
    if path is None:
        sys.stdout.flush()
        raw = getattr(sys.stdout, "buffer", None)
        for piece in pieces:
            if raw is not None:
                raw.write(piece.encode("utf-8"))
            else:
                sys.stdout.write(piece)
        (raw or sys.stdout).flush()
        return
    write_atomically(path, pieces)


@app.command()
def brief(
    ctx: typer.Context,
    since: Annotated[
        str, typer.Option("--since", "-s", help="Start of the window: 7d, 2w, 24h or a date.")
    ] = "7d",
    until: Annotated[
        str | None,
        typer.Option("--until", help="End of the window (a date, or 1d for yesterday).", show_default=False),
    ] = None,
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            "-m",
            help="Any litellm model, e.g. openai/gpt-4o-mini or ollama_chat/llama3.1 [default: RADAR_MODEL].",
            show_default=False,
        ),
    ] = None,
    max_papers: Annotated[
        int | None,
        typer.Option(
            "--max-papers",
            min=1,
            help="At most this many papers, the best ranked [default: fits the model].",
            show_default=False,
        ),
    ] = None,
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang", help="The brief's language: en, zh, ja, de, fr, ... [default: en].", show_default=False
        ),
    ] = None,
    topic: Annotated[
        str | None,
        typer.Option("--topic", "-t", help="Only papers that mention this phrase.", show_default=False),
    ] = None,
    author: Annotated[
        str | None, typer.Option("--author", help="Only papers by this person.", show_default=False)
    ] = None,
    offline: Annotated[
        bool, typer.Option("--offline", help="No model: an extractive brief built from the papers.")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the selection, calls, tokens and cost; call nothing.")
    ] = False,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Ask the model again even for cached answers.")
    ] = False,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Write the Markdown to this file (atomically) instead of stdout.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Write a literature brief in Markdown for the papers that match your follows.

    Example: radar brief --since 7d > brief.md. Every citation is checked against the
    papers given to the model; answers are cached, so a re-run costs nothing.
    """
    from radar import brief as core
    from radar.errors import ModelError
    from radar.window import window_for

    st = state(ctx)
    settings = st.settings
    lang = (lang or settings.brief_lang).strip()
    model = (model or settings.model).strip()
    if not offline and not model:
        raise ModelError(
            "no model configured: pass --model, set RADAR_MODEL (e.g. openai/gpt-4o-mini, ollama_chat/llama3.1) "
            "or `model` in config.toml; or use --offline for an extractive brief without a model"
        )
    db = st.open(create=False)
    window = window_for(db, since, until)
    assert window is not None  # --since always has a value here
    if offline:
        selection = core.select(db, window, topic, author, max_papers or 100)
        _require_papers(selection, window)
        if dry_run:
            print(
                f"Dry run: an offline brief of {plural(len(selection.cards), 'paper')} ({window.label}); no model call."
            )
            return
        markdown, ids = core.offline_brief(selection, lang)
        write_output(markdown, output)
        core.save_brief(db, selection, "", lang, markdown, ids)
        say(f"Offline brief: {plural(len(selection.cards), 'paper')}, no model call.", style="dim")
        return

    from radar import llm

    context = llm.context_window(model, settings.llm_context)
    selection = core.select(db, window, topic, author, max_papers or core.default_max_papers(context))
    _require_papers(selection, window)

    def count(text: str) -> int:
        return llm.count_tokens(model, [{"role": "user", "content": text}])

    plan = core.make_plan(selection, model, context, count)
    if dry_run:
        _print_plan(selection, plan, model)
        return
    console = err()
    with live_status("writing the brief…") as progress:
        runner = core.ModelRunner(
            db,
            model,
            api_base=settings.llm_api_base,
            use_cache=not no_cache,
            stream=console.is_terminal,
            timeout=settings.llm_timeout,
            progress=progress,
        )
        text = core.write_with_model(runner, selection, plan, lang, count)
    checked = core.check_citations(text, selection.ids)
    markdown = core.assemble(selection, checked, model, lang)
    write_output(markdown, output)
    core.save_brief(db, selection, model, lang, markdown, checked.cited)
    usage = runner.usage
    cost = f", ${usage.cost_usd:.4f}" if usage.cost_usd is not None else ""
    say(
        f"{plural(len(selection.cards), 'paper')}, {plural(usage.calls, 'model call')}"
        f" ({usage.cached} cached): {usage.prompt_tokens:,} prompt + {usage.completion_tokens:,} completion tokens{cost}.",
        style="dim",
    )
    for paper_id in checked.removed:
        say(
            f"Warning: the model cited arXiv:{paper_id}, which is not among the papers given; the citation was removed.",
            style="yellow",
        )


def _require_papers(selection: Any, window: Any) -> None:
    if not selection.cards:
        raise RadarError(
            f"no paper {window.in_words} matches your follows (and filters); nothing to write about"
        )


def _print_plan(selection: Any, plan: Any, model: str) -> None:
    from radar import llm

    lines = [
        f"Dry run: a brief of {plural(len(selection.cards), 'paper')} ({selection.window.label}) with {model}."
    ]
    for card in selection.cards:
        lines.append(f"  {card.rank:3d}. {card.paper.id}  {one_line(card.paper.title)[:100]}")
    maps = len(plan.chunks)
    shape = f"{maps} note calls, then the brief" if maps else "one call"
    completion = 2000 + 900 * maps
    cost = llm.price(model, plan.prompt_tokens, completion)
    lines.append(f"Model calls: {plan.calls} ({shape}); context window {plan.context:,} tokens.")
    lines.append(
        f"Estimated tokens: {plan.prompt_tokens:,} prompt (papers: {plan.paper_tokens:,}), up to {completion:,} completion."
    )
    lines.append(
        "Estimated cost: "
        + (f"${cost:.4f}" if cost is not None else "unknown (litellm has no prices for this model)")
    )
    lines.append("Nothing was sent.")
    print("\n".join(lines))


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
    except BrokenPipeError:
        # `radar today | head`: the reader left; that is not an error. Point stdout at
        # devnull so the interpreter's final flush does not complain either.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(0)
    except Exception as exc:
        if debug:
            raise
        say(
            f"Error: unexpected {type(exc).__name__}: {exc} (set RADAR_DEBUG=1 for details)",
            style="red",
        )
        sys.exit(1)


# Commands in their own modules register themselves on `app` when imported.
from radar.commands import register_all  # noqa: E402

register_all()
