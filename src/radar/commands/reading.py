"""Reading state and feedback: mark-read, star, hide, mute, unmute, stars."""

from enum import StrEnum
from typing import Annotated

import typer

from radar.cli import TopicOpt, app, out, say, state

COMMANDS = ("mark-read", "star", "hide", "mute", "unmute", "stars")
HELP_POSITION = 70


def _ids(values: list[str]) -> list[str]:
    from radar.model import paper_ref

    return [paper_ref(v) for v in values]


@app.command("mark-read")
def mark_read(
    ctx: typer.Context,
    ids: Annotated[
        list[str] | None, typer.Argument(metavar="ID...", help="Papers to mark as read.", show_default=False)
    ] = None,
    all_: Annotated[bool, typer.Option("--all", "-a", help="Every paper that matches your follows.")] = False,
) -> None:
    """Mark papers as read, so radar today --unread skips them."""
    from radar.errors import NotFoundError, UsageError
    from radar.store import get_papers, mark_read, matched_paper_ids

    db = state(ctx).open(create=False)
    if all_:
        targets = matched_paper_ids(db)
    elif ids:
        targets = _ids(ids)
        missing = [i for i in targets if i not in get_papers(db, targets)]
        if missing:
            raise NotFoundError(f"not in the store: {', '.join(missing)}")
    else:
        raise UsageError("name papers to mark as read, or use --all")
    count = mark_read(db, targets, "marked")
    say(f"Marked {count} paper{'s' if count != 1 else ''} as read ({len(targets) - count} already were).")


def _verdict(ctx: typer.Context, paper_id: str, verdict: str | None, done: str, undoes: str = "") -> None:
    from radar.errors import NotFoundError
    from radar.feedback import current_verdict, set_verdict

    (base,) = _ids([paper_id])
    db = state(ctx).open(create=False)
    current = current_verdict(db, base)
    if verdict is None and current != undoes:
        # "hide --undo" must not remove a star, nor "star --undo" a hide.
        raise NotFoundError(f"{base} is not {'starred' if undoes == 'star' else 'hidden'}")
    if verdict is not None and current == verdict:
        say(f"{base} was already {'starred' if verdict == 'star' else 'hidden'}.")
        return
    previous = set_verdict(db, base, verdict)
    message = done.format(id=base)
    if previous and previous != verdict:
        message = message.removesuffix(".") + f" (it was {'starred' if previous == 'star' else 'hidden'})."
    say(message)


IdArg = Annotated[
    str, typer.Argument(metavar="ID", help="2511.05963, arXiv:2511.05963 or an abs URL.", show_default=False)
]
UndoOpt = Annotated[bool, typer.Option("--undo", help="Take it back.")]


@app.command()
def star(ctx: typer.Context, paper_id: IdArg, undo: UndoOpt = False) -> None:
    """Star a paper: papers like it rank higher, and radar stars lists it."""
    _verdict(ctx, paper_id, None if undo else "star", "Unstarred {id}." if undo else "Starred {id}.", "star")


@app.command()
def hide(ctx: typer.Context, paper_id: IdArg, undo: UndoOpt = False) -> None:
    """Hide a paper: it leaves your cards, and papers like it rank lower."""
    _verdict(
        ctx, paper_id, None if undo else "hide", "{id} is visible again." if undo else "Hid {id}.", "hide"
    )
    if not undo:
        from radar.people import counted_by_name_only

        (base,) = _ids([paper_id])
        for name in counted_by_name_only(state(ctx).open(create=False), base):
            # A follow of a shared name counted it for the name alone: perhaps another person.
            say(
                f"  It counted for {name} through the name only; if another {name} wrote it, "
                f'radar follow "{name}" --not-like {base} leaves that person out.',
                style="yellow",
            )


def _mute_targets(command: str, name: str | None, topic: list[str] | None) -> list[tuple[str, str]]:
    """(kind, value) of each person and topic named, every one checked before anything changes."""
    from radar.errors import UsageError
    from radar.feedback import mute_key

    targets = ([("author", name)] if name else []) + [("topic", t) for t in topic or []]
    if not targets:
        raise UsageError(
            f'name a person (--author) or a topic (--topic), e.g. radar {command} --topic "prompt engineering"'
        )
    for kind, value in targets:
        mute_key(kind, value, adding=command == "mute")
    return targets


@app.command()
def mute(
    ctx: typer.Context,
    author: Annotated[
        str | None,
        typer.Option("--author", help="A person whose papers you never want to see.", show_default=False),
    ] = None,
    topic: TopicOpt = None,
) -> None:
    """Mute people or topics: their papers disappear from your cards."""
    from radar.feedback import add_mute, followed_papers_muted
    from radar.text import plural

    db = state(ctx).open()
    for kind, value in _mute_targets("mute", author, topic):
        created = add_mute(db, kind, value)
        say(f"Muted {kind} {value}." if created else f"The {kind} {value} was already muted.")
        # A mute outranks a follow: say what it takes from the people you follow.
        cost = followed_papers_muted(db, kind, value)
        if cost:
            counted = ", ".join(f"{plural(n, 'paper')} by {name}" for name, n in cost.items())
            say(f"  This leaves out {counted}, whom you follow.", style="yellow")


@app.command()
def unmute(
    ctx: typer.Context,
    author: Annotated[
        str | None,
        typer.Option("--author", help="A person whose papers you want to see again.", show_default=False),
    ] = None,
    topic: TopicOpt = None,
) -> None:
    """Unmute people or topics."""
    from radar.feedback import remove_mute

    db = state(ctx).open(create=False)
    targets = _mute_targets("unmute", author, topic)
    with db.atomic():  # all or nothing: one that is not muted leaves the others muted
        for kind, value in targets:
            remove_mute(db, kind, value)
    for kind, value in targets:
        say(f"Unmuted {kind} {value}.")


class StarsFormat(StrEnum):
    text = "text"
    json = "json"
    bibtex = "bibtex"


@app.command()
def stars(
    ctx: typer.Context,
    format: Annotated[
        StarsFormat, typer.Option("--format", "-f", help="text, json or bibtex.")
    ] = StarsFormat.text,
) -> None:
    """List the papers you starred (BibTeX for Zotero or biblatex with --format bibtex)."""
    from radar.feedback import verdicts
    from radar.store import get_papers

    db = state(ctx).open(create=False)
    ids = verdicts(db, "star")
    papers = get_papers(db, ids)
    ordered = [papers[i] for i in ids if i in papers]
    if format is StarsFormat.bibtex:
        from radar.export import bibtex

        print(bibtex(ordered, db), end="")
    elif format is StarsFormat.json:
        from radar.render import paper_dict, to_json

        print(to_json([paper_dict(p) for p in ordered]))
    elif not ordered:
        say("You have starred nothing yet: radar star ID.")
    else:
        from rich.text import Text

        from radar.readable import readable

        console = out()
        for paper in ordered:
            line = Text(f"{paper.id}  ", style="bold")
            line.append(readable(paper.title))
            console.print(line)
