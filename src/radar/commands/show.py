"""`radar show`: one stored paper in full, with why it is on the radar."""

from typing import Annotated

import typer

from radar.cli import ListFormat, app, out, say, state

COMMANDS = ("show",)
HELP_POSITION = 50


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
    from radar.embeddings import embedder
    from radar.errors import NotFoundError
    from radar.feedback import why_left_out
    from radar.model import paper_ref
    from radar.rank import matches_for
    from radar.relevance import explained_in_full
    from radar.render import paper_dict, print_paper, print_relevance, to_json
    from radar.store import get_paper, paper_versions

    base = paper_ref(paper_id)
    db = state(ctx).open(create=False)
    paper = get_paper(db, base)
    if paper is None:
        raise NotFoundError(f"{base} is not in the store (radar fetch or radar import brings papers in)")
    reasons = matches_for(db, [base]).get(base, [])
    versions = paper_versions(db, base)
    left_out = why_left_out(db, base)
    why = explained_in_full(db, base, embedder(state(ctx).settings))
    for notice in why.notices:
        say(f"Warning: {notice}", style="yellow")
    if format is ListFormat.json:
        data = paper_dict(paper)
        data["versions_seen"] = [v["version"] for v in versions]
        data["reasons"] = [
            {"follow": m.value, "kind": m.kind, "strength": m.strength, "reason": m.reason} for m in reasons
        ]
        data["left_out_because"] = left_out
        data["relevance"] = None if why.relevance is None else round(why.relevance, 4)
        data["relevance_reasons"] = why.reasons
        data["in_library"] = why.in_library
        print(to_json(data))
        return
    console = out()
    print_paper(console, paper, reasons, versions)
    print_relevance(console, why)
    if left_out:
        from rich.text import Text

        # A mute or a hide outranks the follows above: say so, or the paper's absence
        # from `radar today` is a mystery.
        for reason in left_out:
            console.print(Text(f"Not on your cards: {reason}.", style="yellow"))
