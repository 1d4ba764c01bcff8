"""`radar search`: full-text search of the local store."""

import re
from typing import Annotated

import typer

from radar.cli import ListFormat, app, empty, out, state

COMMANDS = ("search",)
HELP_POSITION = 100


@app.command()
def search(
    ctx: typer.Context,
    query: Annotated[
        str | None,
        typer.Argument(
            metavar="QUERY",
            help='Words to find in titles and abstracts, or an FTS5 query: "world models", '
            "diffusion NOT image, transform*, title:robot.",
            show_default=False,
        ),
    ] = None,
    author: Annotated[
        str | None, typer.Option("--author", help="Only papers by this person (matched as a follow is).")
    ] = None,
    category: Annotated[
        list[str] | None,
        typer.Option(
            "--category",
            "-c",
            help="Only papers listed in this category, e.g. cs.LG (repeatable: any of them).",
        ),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option("--since", "-s", help="Only papers since: 3d, 2w or a date.", show_default=False),
    ] = None,
    limit: Annotated[
        int | None,
        typer.Option(
            "--limit",
            "-n",
            min=1,
            max=1000,
            help="Results to show: 20 for words; with --author alone, all of the person's papers (up to 1,000).",
            show_default=False,
        ),
    ] = None,
    format: Annotated[ListFormat, typer.Option("--format", "-f", help="text or json.")] = ListFormat.text,
) -> None:
    """Search every stored paper, offline, best matches first (FTS5 bm25).

    Plain words must all appear; papers with them as a phrase come first. Quotes, OR,
    NOT, NEAR, prefix* and title: work as in SQLite's FTS5. With --author and no words:
    that person's stored papers, newest first (a followed person: the one the follow chose).
    """
    from radar.follows import follow_key
    from radar.render import card_dict, print_cards, to_json
    from radar.search import search as run_search
    from radar.window import parse_since

    db = state(ctx).open(create=False)
    start = parse_since(since) if since is not None else None
    cats = [follow_key("category", c)[0] for c in category or []]
    if query is None and author is not None:
        from radar.search import papers_of_author

        cards = papers_of_author(db, author, categories=cats, since=start, limit=limit or 1000)
        if not cards:
            empty(format, f"No stored paper by {author}.")
            return
        if format is ListFormat.json:
            print(to_json([card_dict(c) for c in cards]))
            return
        print_cards(out(), cards, f"radar search · by {author} · newest {len(cards)}", None)
        return
    query = query or ""  # no words and no --author: search refuses, asking for a word
    cards = run_search(db, query, author=author, categories=cats, since=start, limit=limit or 20)
    if not cards:
        filters = "".join(
            f" {label} {value}"
            for label, value in (("by", author), ("in", " or ".join(cats) or None), ("since", start))
            if value is not None
        )
        hint = ""
        if re.search(r"\b(?:au|authors?|cat|categor(?:y|ies))\s*:", query, re.IGNORECASE):
            hint = " Search reads titles and abstracts: filter with --author or --category."
        empty(format, f"No stored paper matches {query!r}{filters}.{hint}")
        return
    if format is ListFormat.json:
        print(to_json([card_dict(c) for c in cards]))
        return
    what = "paper" if len(cards) == 1 else "papers"
    print_cards(out(), cards, f"radar search · {query} · best {len(cards)} {what}", None)
