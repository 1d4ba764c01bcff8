"""`radar export`: papers as citation records (BibTeX, CSL-JSON, RIS) or data (JSON Lines, CSV)."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from radar.cli import app, check_output, say, state, write_stream
from radar.errors import UsageError
from radar.text import plural

COMMANDS = ("export",)
HELP_POSITION = 120


class ExportFormat(StrEnum):
    bibtex = "bibtex"
    csl_json = "csl-json"
    ris = "ris"
    jsonl = "jsonl"
    csv = "csv"


def _id_values(values: list[str]) -> list[str]:
    """Ids as typed: repeated --ids, commas or spaces between them, or "-" for stdin."""
    found: list[str] = []
    for value in values:
        if not value.strip(" ,\t\n"):
            raise UsageError(f"--ids {value!r} names no paper: give arXiv ids, e.g. --ids 2511.05963")
        text = sys.stdin.read() if value.strip() == "-" else value
        found += [v for v in re.split(r"[\s,]+", text) if v]
    return found


# What `-o FILE` names when --format does not: a .ris file gets RIS, never BibTeX.
_SUFFIXES = {
    ".bib": ExportFormat.bibtex,
    ".json": ExportFormat.csl_json,
    ".ris": ExportFormat.ris,
    ".jsonl": ExportFormat.jsonl,
    ".csv": ExportFormat.csv,
}


def _format_of(output: Path | None) -> ExportFormat:
    """Without --format: the format -o's extension names, else BibTeX (the usual default)."""
    suffix = output.suffix.lower() if output is not None else ""
    return _SUFFIXES.get(suffix, ExportFormat.bibtex)


@app.command()
def export(
    ctx: typer.Context,
    format: Annotated[
        ExportFormat | None,
        typer.Option(
            "--format",
            "-f",
            help="bibtex, csl-json, ris, jsonl or csv (default: told by -o's extension, else bibtex).",
            case_sensitive=False,
            show_default=False,
        ),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since", "-s", help="Only papers listed since: 24h, 7d, 2w or a date.", show_default=False
        ),
    ] = None,
    follow: Annotated[
        list[str] | None,
        typer.Option(
            "--follow",
            help='Papers that match this follow, as radar following shows it: "Akshay Krishnamurthy", cs.LG, "world models" (repeatable).',
            show_default=False,
        ),
    ] = None,
    ids: Annotated[
        list[str] | None,
        typer.Option(
            "--ids",
            metavar="ID",
            help="These papers: arXiv ids or doi:... ids (repeatable; commas or spaces between; - reads stdin).",
            show_default=False,
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Write to this file (atomically) instead of stdout.", show_default=False
        ),
    ] = None,
) -> None:
    """Export papers for a reference manager (BibTeX, CSL-JSON, RIS) or a spreadsheet (CSV, JSON Lines).

    Without --ids or --follow: every paper that matches a follow; with both, the papers
    named and those matching. Newest first.
    Examples: radar export --since 7d -f bibtex -o week.bib;
    radar export --follow "Akshay Krishnamurthy" -f csl-json > refs.json.
    """
    from radar.export import Exporter, iter_papers, select_papers, write_papers
    from radar.model import Paper

    check_output(output)
    if format is None:
        format = _format_of(output)
    cutoff = None
    if since is not None:
        from radar.window import parse_since

        cutoff = parse_since(since)
    db = state(ctx).open(create=False)
    selection = select_papers(db, _id_values(ids or []), follow or [], cutoff, ids_given=bool(ids))
    papers = iter_papers(db, selection)
    first = next(papers, None)
    if first is None:
        from radar.store import has_follows

        after = f" since {cutoff.isoformat()}" if cutoff else ""
        if selection.any_follow and not has_follows(db):
            what = 'you follow nothing yet (radar follow "Akshay Krishnamurthy"), or name papers with --ids'
        elif selection.follows:
            what = f"no paper listed{after} matches {'that follow' if len(selection.follows) == 1 else 'those follows'}"
            what += " or is among those named" if selection.ids else ""
        elif selection.ids:
            what = f"none of the papers named was listed{after}"
        else:
            what = f"no paper listed{after} matches your follows"
        say(f"Nothing to export: {what}." + (f" {output} was not written." if output else ""))
        return
    count = 0

    def counted() -> Iterator[Paper]:
        nonlocal count
        count = 1
        yield first
        for paper in papers:
            count += 1
            yield paper

    exporter = Exporter(db, extras=format is ExportFormat.jsonl)
    write_stream(write_papers(counted(), format.value, exporter), output)
    where = f" to {output}" if output else ""
    kept = []
    if exporter.report.whole_names:
        kept.append(
            f"{plural(exporter.report.whole_names, 'author name')} kept whole (a group, or not splittable)"
        )
    if exporter.report.whole_refs:
        kept.append(f"{plural(exporter.report.whole_refs, 'journal reference')} kept whole in a note")
    say(
        f"Exported {plural(count, 'paper')}{where}." + (" " + "; ".join(kept) + "." if kept else ""),
        style="dim",
    )
