"""radar's command line: the Typer app, what its commands share, and the error boundary.

The commands live in `radar.commands`, one module per command or group, registered
lazily (see that package). They gather parameters, call plain functions that return
data, and render it: data to stdout, messages for people to stderr. Core code raises
RadarError; `main()` turns it into one `Error: ...` line.
"""

import os
import sqlite3
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.text import Text
from typer.core import TyperGroup

try:  # Typer 0.28 carries its own Click
    from typer._click.exceptions import NoArgsIsHelpError
    from typer._click.exceptions import UsageError as ClickUsageError
except ImportError:  # earlier Typers use Click itself
    from click.exceptions import NoArgsIsHelpError  # type: ignore[no-redef,assignment]
    from click.exceptions import UsageError as ClickUsageError  # type: ignore[no-redef,assignment]

from radar import __version__
from radar.config import Settings, load_settings
from radar.errors import NotFoundError, RadarError, UsageError
from radar.files import write_atomically
from radar.progress import live_console


class _RadarGroup(TyperGroup):
    """radar's root command. A usage error Typer would print as a block (usage line, a
    hint, a blank line, then the error) becomes radar's UsageError, which `main()` prints
    as one `Error: ...` line with exit code 2. Options are parsed in make_context (the
    root's) and in invoke (every command's)."""

    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        with _one_line_usage_errors():
            return super().make_context(*args, **kwargs)

    def invoke(self, ctx: Any) -> Any:
        with _one_line_usage_errors():
            try:
                return super().invoke(ctx)
            except BrokenPipeError:
                # Typer would exit 1 on it, silently: `radar export -f jsonl | head -1`
                # is no failure. Raised as something other than an OSError, it reaches
                # main(), which lets the reader go and exits 0.
                raise ReaderLeft from None


class ReaderLeft(Exception):
    """stdout's reader closed the pipe (`radar ... | head`): not an error."""


class _Out(Console):
    def on_broken_pipe(self) -> None:
        # Rich's own answer is SystemExit(1); radar's is main()'s, as for plain writes.
        self.quiet = True
        raise BrokenPipeError


@contextmanager
def _one_line_usage_errors() -> Iterator[None]:
    try:
        yield
    except ClickUsageError as exc:
        if isinstance(exc, NoArgsIsHelpError):  # `radar` alone prints the help, as before
            raise
        # Click lays some messages over lines ("Choose from:\n\tbibtex,\n\t..."): one line.
        raise UsageError(" ".join(exc.format_message().split())) from None


app = typer.Typer(
    cls=_RadarGroup,
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
    console = _Out(highlight=False)
    # Pipes and files get whole lines (no hard wraps at 80 columns): easier to grep.
    console.soft_wrap = not console.is_terminal
    return console


def err() -> Console:
    # Messages are single lines: let the terminal wrap them, never cut them.
    return Console(stderr=True, highlight=False, soft_wrap=True)


def say(message: str, style: str = "") -> None:
    """A message for people, on stderr, never parsed as markup. With a status line or a
    progress bar on screen it goes through that bar's console, so it prints on a line of
    its own above the bar instead of on the bar's."""
    (live_console() or err()).print(Text(message, style=style))


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
        what = "--db" if origin == "option" else origin
        if not create and origin != "default" and not path.exists():
            raise NotFoundError(
                f"no radar store at {path} (from {what}): check the path; radar follow or radar import makes one"
            )
        if origin != "default":
            _check_store_file(path, what, create)

        def upgrading() -> None:
            # For someone waiting at a terminal; cron's mail needs no news of it.
            if not quiet and err().is_terminal:
                say(
                    "Updating the store for this version of radar (a minute with millions of papers)…",
                    style="dim",
                )

        return open_db(self.settings.db_path, on_upgrade=upgrading)


_current: State | None = None  # the running command's, for the error boundary


def _check_store_file(path: Path, what: str, create: bool) -> None:
    """An empty file is no store: SQLite would take it for a new, empty one, and radar
    today would report nothing instead of the mistyped path it is. It becomes a store only
    for the commands that make one. (A file that is not SQLite is refused by open_db.)"""
    if not create and path.is_file() and path.stat().st_size == 0:
        raise NotFoundError(
            f"{path} (from {what}) is an empty file, not a radar store: check the path; "
            "radar follow or radar import makes a store there"
        )


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
    global _current
    _current = ctx.obj


def state(ctx: typer.Context) -> State:
    obj = ctx.find_root().obj
    assert isinstance(obj, State)
    return obj


# --- what the commands share ------------------------------------------------------------------

# fetch, harvest, import and follow write through one lock (radar.lock).
WaitOpt = Annotated[
    float, typer.Option("--wait", min=0, help="Seconds to wait for a running fetch, harvest or import.")
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Print only errors (for cron).")]
# The window of cards (today, send): radar.window.parse_since reads it.
SinceOpt = Annotated[
    str | None,
    typer.Option(
        "--since",
        "-s",
        help="24h, 3d, 2w, 1m, yesterday or a date (default: the newest listing day stored).",
        show_default=False,
    ),
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


def empty(format: StrEnum, message: str) -> None:
    """Nothing to list: `[]` for --format json (a script reads a list either way), and why."""
    if format.value == "json":
        print("[]")
    say(message)


def http_client(st: State, on_retry: Callable[[str], None]) -> Any:
    """The run's HTTP client; its pauses before retries show on the live status line."""
    from radar.http import Http

    http = Http.from_settings(st.settings)
    http.on_retry = on_retry
    return http


def check_output(path: Path | None) -> None:
    """`-o FILE` in a directory that does not exist is a mistyped path: refused before
    any work is done, and never made (`-o /nonexistent/dir/x.bib`)."""
    if path is None:
        return
    parent = path.expanduser().parent
    if not parent.is_dir():
        raise NotFoundError(f"{'not a directory' if parent.exists() else 'no such directory'}: {parent}")


def write_output(text: str, path: Path | None, make_dirs: bool = False) -> None:
    write_stream([text], path, make_dirs)


def write_stream(pieces: Iterable[str], path: Path | None, make_dirs: bool = False) -> None:
    """stdout as the pieces come, or a file replaced atomically once it is whole (a
    reader never sees half a brief or half an export), for output too large to build as
    one string. UTF-8 bytes whatever the locale says: briefs and citation files are
    UTF-8, and CRLF line ends (RIS, CSV) reach the file as they are. A file's missing
    directories are made only with `make_dirs`; else check_output has refused them.
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
    if not make_dirs:
        check_output(path)
    write_atomically(path, pieces, make_dirs=make_dirs)


# --- entry point --------------------------------------------------------------------------


class Terminated(BaseException):
    """SIGTERM, raised where the program is, so that what it holds is let go of on the way
    out as on Ctrl-C: open transactions rolled back, parsing workers stopped and their
    semaphores released (else multiprocessing's resource tracker warns of leaks)."""


def _terminated(signum: int, frame: object) -> None:
    from radar.interrupts import note_terminated

    note_terminated()
    raise Terminated


def main() -> None:
    """The console script: one `Error: ...` line instead of a traceback (RADAR_DEBUG=1 shows it)."""
    import signal

    from radar.interrupts import sigint_handled

    debug = bool(os.environ.get("RADAR_DEBUG"))
    try:
        previous = signal.signal(signal.SIGTERM, _terminated)
    except ValueError:  # not the main thread (radar run as a library)
        previous = None
    try:
        with sigint_handled():
            _run(debug)
    except Terminated:
        # Everything is let go of: now die of the signal, as the sender expects (143).
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _run(debug: bool) -> None:
    from radar.interrupts import interrupted, terminated

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
    except SystemExit as exc:
        # Typer ends a command that a Ctrl-C stopped with a silent exit 130. A command
        # that says what became of its work (import) raises its own Exit(130) instead.
        if _caused_by_interrupt(exc):
            say("Interrupted.")
        raise
    except (BrokenPipeError, ReaderLeft):
        # `radar today | head`: the reader left; that is not an error. Point stdout at
        # devnull so the interpreter's final flush does not complain either.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):  # not a file descriptor (stdout captured in a test)
            pass
        sys.exit(0)
    except Exception as exc:
        if terminated():
            # A SIGTERM that became another exception on its way out (as a Ctrl-C can):
            # die of the signal, as main() does for Terminated (143).
            raise Terminated from None
        if interrupted(exc):
            # A Ctrl-C that became another exception on its way out (sqlite3 turns one
            # raised in an SQL function into OperationalError): an interruption still.
            say("Interrupted.")
            sys.exit(130)
        if debug:
            raise
        if isinstance(exc, sqlite3.OperationalError) and "database is locked" in str(exc):
            # The busy timeout ran out behind a long writer (a bulk import's index build).
            from radar.lock import busy_message

            where = _current.settings.db_path if _current is not None else Path("radar.db")
            say(f"Error: {busy_message(where)}", style="red")
            sys.exit(1)
        say(
            f"Error: unexpected {type(exc).__name__}: {exc} (set RADAR_DEBUG=1 for details)",
            style="red",
        )
        sys.exit(1)


def _caused_by_interrupt(exc: BaseException) -> bool:
    """Whether a KeyboardInterrupt led to `exc`, along the chain a traceback would show."""
    link: BaseException | None = exc
    seen: set[int] = set()
    while link is not None and id(link) not in seen:
        if isinstance(link, KeyboardInterrupt):
            return True
        seen.add(id(link))
        link = link.__cause__ or (None if link.__suppress_context__ else link.__context__)
    return False


# Every command registers itself on `app` when its module is imported: only the ones
# this command line can run (see radar.commands).
from radar.commands import register_all  # noqa: E402

register_all()
