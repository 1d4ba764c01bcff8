"""`radar harvest`: the arXiv metadata mirror kept current over OAI-PMH.

Loaded whenever `radar --help` lists the commands: only the standard library, typer and
radar.cli at the top; the core is imported inside the command.
"""

from enum import StrEnum
from typing import Annotated, Any

import typer

from radar.cli import ListFormat, QuietOpt, WaitOpt, app, say, state
from radar.errors import LockedError, UsageError
from radar.progress import live_status
from radar.text import plural

COMMANDS = ("harvest",)
HELP_POSITION = 110


class MetadataFormat(StrEnum):
    arXivRaw = "arXivRaw"
    arXiv = "arXiv"


@app.command()
def harvest(
    ctx: typer.Context,
    sets: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            "-s",
            metavar="SET",
            help="A category (cs.LG), an archive (hep-th, math), an OAI setSpec (cs:cs:LG, "
            "physics:hep-th) or all (repeatable) [default: the archives of the categories you follow].",
            show_default=False,
        ),
    ] = None,
    from_: Annotated[
        str | None,
        typer.Option(
            "--from",
            metavar="DATE",
            help="Start a new pass at this day (2026-11-01, or 30d, 2w back) [default: where the "
            "last harvest ended; the first time, a year back].",
            show_default=False,
        ),
    ] = None,
    metadata: Annotated[
        MetadataFormat,
        typer.Option(
            "--metadata",
            "-m",
            help="arXivRaw: every version with its date; arXiv: structured author names, no version numbers.",
        ),
    ] = MetadataFormat.arXivRaw,
    limit: Annotated[
        int | None,
        typer.Option(
            "--limit",
            "-n",
            min=1,
            metavar="PAGES",
            help="Stop after this many pages per set; the next harvest continues there.",
            show_default=False,
        ),
    ] = None,
    quiet: QuietOpt = False,
    format: Annotated[
        ListFormat, typer.Option("--format", "-f", help="text or json (a report per set, on stdout).")
    ] = ListFormat.text,
    wait: WaitOpt = 10.0,
) -> None:
    """Keep a local copy of arXiv's metadata current over OAI-PMH.

    Stores every paper arXiv changed in a set since the last harvest, with its version
    history, and matches it against your follows like fetched papers. Polite (one
    request every 3 s by default, Retry-After honoured) and resumable: a harvest that
    stops or fails half-way continues from its last stored page next time.

    Without --set it harvests the archives of the categories you follow (cs.LG and
    cs.AI: cs:cs; astro-ph.GA: physics:astro-ph): one pass per archive rather than one
    per category (most papers are cross-listed within their archive), and your author
    and topic follows are matched in the neighbouring categories too. --set all is the
    whole of arXiv (millions of papers at first).
    """
    from radar.harvest import harvest as run_harvest
    from radar.http import Http
    from radar.sources.oai_pmh import set_spec
    from radar.window import parse_since

    st = state(ctx)
    specs = [set_spec(value) for value in sets] if sets else None
    from_date = parse_since(from_) if from_ is not None else None
    db = st.open(quiet=quiet)
    if specs is None:
        specs = _followed_archives(db)
    http = Http.from_settings(st.settings)
    as_json = format is ListFormat.json
    failed = False
    reports = []
    for spec in dict.fromkeys(specs):
        try:
            with live_status("asking arXiv…", quiet or as_json) as progress:
                http.on_retry = progress  # pauses before retries show on the status line
                report = run_harvest(
                    db, http, st.settings, spec, metadata.value, from_date, progress, limit, wait
                )
        except LockedError as exc:
            # A fetch, import or another harvest is writing: step aside (silently for
            # cron), but a set that already failed still makes the exit code 1.
            if not quiet:
                say(str(exc))
            break
        reports.append(report)
        if report.error:
            failed = True
            if not quiet and not as_json and report.pages:
                say(_summary(report), style="dim")
            say(f"Error: {report.error}", style="red")
        elif not quiet and not as_json:
            say(_summary(report))
    if as_json:
        from radar.render import to_json

        print(to_json([_report_json(r) for r in reports]))
    if failed:
        raise typer.Exit(1)


def _report_json(report: Any) -> dict[str, Any]:
    def day(value: Any) -> str | None:
        return value.isoformat() if value is not None else None

    return {
        "set": report.set_spec or "all",
        "metadata": report.metadata_prefix,
        "from": day(report.from_date),
        "new": report.new,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "deleted": report.deleted,
        "skipped": report.skipped,
        "pages": report.pages,
        "requests": report.requests,
        "seconds": round(report.seconds, 2),
        "resumed": report.resumed,
        "restarted": report.restarted,
        "complete": report.complete,
        "next_from": day(report.next_from),
        "ok": report.ok,
        "error": report.error,
    }


def _followed_archives(db: Any) -> list[str | None]:
    from radar.sources.oai_pmh import archive_set

    rows = db.execute("select value from follows where kind = 'category' order by value").fetchall()
    if not rows:
        raise UsageError(
            "you follow no category, so there is no set to harvest: "
            "name one with --set (e.g. --set cs.LG or --set cs), or radar follow --category cs.LG"
        )
    return list(dict.fromkeys(archive_set(row[0]) for row in rows))


def _summary(report: Any) -> str:
    """One line: what the pass stored and what it cost."""
    cost = f"{plural(report.pages, 'page')}, {plural(report.requests, 'request')} in {report.seconds:.1f} s"
    if report.nothing_new and not report.deleted and not report.skipped:
        return f"{report.label}: nothing new since {report.from_date}; {cost}."
    line = (
        f"{report.label}: {report.new} new, {report.updated} updated, {report.deleted} deleted, "
        f"{len(report.skipped)} skipped; {cost}"
    )
    if report.restarted:
        line += f"; the stored resumption token had expired, so the pass began again from {report.from_date}"
    elif report.resumed:
        line += "; resumed where the last harvest stopped"
    if report.ok and not report.complete:
        line += f"; stopped after {plural(report.pages, 'page')} (--limit): the next radar harvest continues"
    return line + "."
