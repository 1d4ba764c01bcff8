"""`radar fetch`: new papers for everything followed, from arXiv and the followed feeds."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Annotated, Any

import typer

from radar.cli import ListFormat, QuietOpt, State, WaitOpt, app, http_client, say, state
from radar.errors import LockedError
from radar.progress import live_status
from radar.text import plural

if TYPE_CHECKING:
    from radar.fetch import FetchSummary
    from radar.model import Follow

COMMANDS = ("fetch",)
HELP_POSITION = 30


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
    from radar.lock import writer_lock
    from radar.render import to_json

    st = state(ctx)
    db = st.open(quiet=quiet, create=False)
    notices: list[str] = []
    try:
        with writer_lock(st.settings.db_path, wait):
            before = db.execute("select coalesce(max(rowid), 0) from papers").fetchone()[0]
            with live_status("asking arXiv…", quiet) as progress:
                summary = fetch_now(st, db, progress)
                if summary.new or summary.updated:
                    progress("scoring the new papers for your ranking…")
                    notices = score_arrivals(st, db, before)
            from radar.fetchlog import append as log_fetch

            if (log_error := log_fetch(st.settings.home, summary)) and not quiet:
                say(f"Warning: {log_error}", style="yellow")
    except LockedError as exc:
        # Cron overlapping a manual run is normal: step aside (silently for cron).
        if not quiet:
            say(str(exc))
        return
    for notice in notices:
        if not quiet:
            say(f"Warning: {notice}", style="yellow")
    if not summary.sources and not quiet:
        say('You follow nothing yet, so there is nothing to fetch. Try: radar follow "Akshay Krishnamurthy".')
    for ok, line in summary.lines():
        if not ok:
            say(f"Error: {line}", style="red")
        elif not quiet:
            say(line, style="dim")
    if format is ListFormat.json:
        print(to_json(summary.as_dict()))
    elif not quiet and (summary.ok or any(s.ok for s in summary.sources)):
        # When no source answered, the Error lines say all there is: no "0 new" after them.
        say(
            f"{summary.new} new, {summary.updated} updated, {summary.by_followed_authors} by followed authors; "
            f"{plural(summary.requests, 'request')} in {summary.seconds:.1f} s."
        )
    if not summary.ok:
        raise typer.Exit(1)


def score_arrivals(st: State, db: Any, since_rowid: int) -> list[str]:
    """Score what the fetch brought under the interest model, so that `radar today` reads
    stored scores. Ranking is a convenience: a failure here is a warning, never a failed
    fetch (the papers are stored; `radar today` scores what is left)."""
    import sqlite3

    from radar.embeddings import embedder
    from radar.errors import RadarError
    from radar.relevance import score_arrivals as score

    try:
        return score(db, since_rowid, embedder(st.settings))
    except (RadarError, sqlite3.Error) as exc:
        return [f"the new papers were not scored for ranking ({exc}); radar today will score them"]


def fetch_now(
    st: State, db: Any, progress: Callable[[str], None], only: Sequence[Follow] | None = None
) -> FetchSummary:
    """One run of the fetch with the user's settings (all follows, or `only` these); the
    caller holds the writer's lock. Shared by `radar fetch` and a new follow's first fetch."""
    from radar.fetch import run_fetch

    return run_fetch(
        db,
        http_client(st, progress),
        st.settings.arxiv_api_url,
        st.settings.arxiv_rss_url,
        progress,
        only=only,
        deadline=st.settings.fetch_deadline,
    )
