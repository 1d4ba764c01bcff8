"""`radar today`: ranked cards for the newest papers that match what is followed."""

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from radar.cli import SinceOpt, app, check_output, empty, out, say, state, write_output
from radar.text import plural


class Format(StrEnum):
    text = "text"
    json = "json"
    markdown = "markdown"
    html = "html"


COMMANDS = ("today",)
HELP_POSITION = 40


@app.command()
def today(
    ctx: typer.Context,
    since: SinceOpt = None,
    limit: Annotated[
        int | None,
        typer.Option("--limit", "-n", min=1, help="Cards per page [default: 10].", show_default=False),
    ] = None,
    page: Annotated[int, typer.Option("--page", "-p", min=1, help="Which batch of cards.")] = 1,
    all_: Annotated[bool, typer.Option("--all", "-a", help="Include papers that match no follow.")] = False,
    full: Annotated[bool, typer.Option("--full", help="Show whole abstracts and author lists.")] = False,
    format: Annotated[
        Format, typer.Option("--format", "-f", help="text, json, markdown or html (one self-contained page).")
    ] = Format.text,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Write to this file (replaced whole) instead of stdout.",
            show_default=False,
        ),
    ] = None,
    unread: Annotated[
        bool, typer.Option("--unread", "-u", help="Only papers no earlier page has shown.")
    ] = False,
    mark_read: Annotated[
        bool,
        typer.Option(
            "--mark-read",
            help="Remember the cards shown as read in any format (a terminal view always does).",
        ),
    ] = False,
) -> None:
    """Ranked cards for the newest papers that match what you follow.

    Within each tier (followed author > topic > category) cards are ordered by what your
    stars, hides, library and follows say you like, and up to `suggest` papers you follow
    nothing of are added at the end as SUGGESTED. Cards shown on a terminal are remembered
    as read (see --unread, --mark-read and radar mark-read); stars, hides and mutes move or
    remove papers (radar star, hide, mute).
    """
    from radar.embeddings import embedder
    from radar.rank import load_cards
    from radar.render import card_dict, cards_markdown, print_cards, to_json
    from radar.select import page_of, select
    from radar.store import has_follows, remember_shown
    from radar.window import window_for

    check_output(output)
    st = state(ctx)
    db = st.open(create=False)
    limit = limit or st.settings.today_limit
    window = window_for(db, since, matched_only=not all_)
    if window is None:
        empty(
            format,
            "Nothing is stored yet. Run `radar fetch`, or `radar import FILE` for saved feeds.",
        )
        return
    if not all_ and not has_follows(db):
        empty(
            format,
            'You follow nothing yet. Try: radar follow "Akshay Krishnamurthy", radar follow --category cs.LG or radar follow --topic "world models"; radar today --all shows every paper, ranked by your library and stars when you have them.',
        )
        return
    notices: list[str] = []
    ranked = select(
        db,
        window,
        include_all=all_,
        unread=unread,
        suggest=st.settings.suggest,
        notices=notices,
        embedder=embedder(st.settings),
    )
    for notice in notices:
        say(f"Warning: {notice}", style="yellow")
    if not ranked:
        if unread:
            empty(format, f"Nothing unread {window.in_words}. radar today shows them all again.")
        else:
            empty(
                format,
                f"No paper {window.in_words} matches your follows. Try radar today --since 7d, or --all for every paper.",
            )
        return
    shown_page = page_of(ranked, page, limit)
    if shown_page.past_the_end:
        empty(
            format,
            f"Page {page} is past the end: {plural(len(ranked), 'paper')} make{'s' if len(ranked) == 1 else ''} {plural(shown_page.pages, 'page')}.",
        )
        return
    shown = load_cards(db, shown_page.ranked, first_rank=shown_page.first + 1)
    suggested = sum(r.suggested for r in ranked)
    followed = len(ranked) - suggested
    heading = f"radar · {window.label} · {plural(followed, 'paper')}" + (
        "" if all_ else " matching your follows"
    )
    if suggested:
        heading += f" + {suggested:,} suggested"
    if format is Format.json:
        write_output(to_json([card_dict(c) for c in shown]) + "\n", output)
    elif format is Format.markdown:
        write_output(cards_markdown(shown, heading, full) + "\n", output)
    elif format is Format.html:
        from radar.follows import list_follows
        from radar.html import Digest, render_html

        digest = Digest(heading, window.in_words, shown, len(ranked), list_follows(db))
        write_output(render_html(digest), output)
    else:
        footer = f"page {page} of {shown_page.pages}"
        if page < shown_page.pages:
            # With --unread the cards just shown drop out, so the next batch is page 1 again.
            footer += (
                " · next: radar today"
                + (" --unread" if unread else f" --page {page + 1}")
                + (f" --since {since}" if since else "")
                + (" --all" if all_ else "")
                + (f" --limit {limit}" if limit != st.settings.today_limit else "")
                + (" --full" if full else "")
            )
        if output is None:
            print_cards(out(), shown, heading, footer, full)
        else:
            import io

            from rich.console import Console

            buffer = io.StringIO()
            print_cards(Console(file=buffer, soft_wrap=True, color_system=None), shown, heading, footer, full)
            write_output(buffer.getvalue(), output)
    # Read means read by someone: cards on a terminal, or --mark-read. JSON, Markdown
    # and pipes feed other programs, which must not empty `radar today --unread`.
    # A page written to a file (-o, --format html) is not read yet: it still counts as
    # unread, and as unsent for radar send.
    if mark_read or (format is Format.text and output is None and sys.stdout.isatty()):
        remember_shown(db, [c.paper.id for c in shown])
