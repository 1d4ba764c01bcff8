"""`radar send`: deliver the digest, or a brief, by e-mail or chat (Apprise URLs).

Loaded whenever `radar --help` lists the commands: only the standard library and typer
at the top; radar.send (and apprise, inside it) is imported inside the command.
"""

from pathlib import Path
from typing import Annotated

import typer

from radar.cli import QuietOpt, SinceOpt, app, say, state
from radar.errors import RadarError, UsageError
from radar.text import plural

COMMANDS = ("send",)
HELP_POSITION = 45


@app.command()
def send(
    ctx: typer.Context,
    to: Annotated[
        list[str] | None,
        typer.Option(
            "--to",
            metavar="URL",
            help="An Apprise URL (repeatable), e.g. mailtos://user:pass@example.com or json://host/path "
            "[default: RADAR_SEND_TO, or send_to in config.toml].",
            show_default=False,
        ),
    ] = None,
    unread: Annotated[
        bool,
        typer.Option("--unread", "-u", help="Only cards never sent to that destination and not marked read."),
    ] = False,
    always: Annotated[
        bool, typer.Option("--always", help="Send even when there is nothing new (says so).")
    ] = False,
    brief: Annotated[
        Path | None,
        typer.Option(
            "--brief",
            metavar="FILE",
            help="Send this brief (written by radar brief -o) instead of the cards.",
            show_default=False,
        ),
    ] = None,
    since: SinceOpt = None,
    all_: Annotated[bool, typer.Option("--all", "-a", help="Include papers that match no follow.")] = False,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Cards at most per message.")] = 50,
    quiet: QuietOpt = False,
) -> None:
    """Deliver the digest by e-mail or chat: any Apprise URL (mailto://, mailtos://,
    slack://, discord://, matrix://, tgram://, ntfy://, json://...).

    E-mail carries the HTML page and a plain-text part; chat services get Markdown cut to
    their size limit. radar remembers what went to each destination: with --unread a
    paper is never sent twice. A failed delivery is retried, then exits 1 and marks
    nothing sent. Passwords and tokens in URLs are never shown.
    """
    from radar import send as core

    st = state(ctx)
    settings = st.settings
    urls = core.split_urls(to) if to else core.split_urls([settings.send_to])
    targets = core.destinations(urls, timeout=settings.http_timeout)
    retry = {"retries": settings.http_retries, "backoff": settings.http_backoff}
    if brief is not None:
        try:
            text = brief.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(
                f"cannot read the brief {brief}: {getattr(exc, 'strerror', None) or exc}"
            ) from None
        if not text.strip():
            raise UsageError(f"the brief {brief} is empty")
        results = core.send_brief(st.open(), targets, text, unread=unread, **retry)
        what = f"the brief {brief.name}"
    else:
        from radar.window import window_for

        db = st.open(create=False)
        window = window_for(db, since, matched_only=not all_)
        if window is None:
            if not always:
                say("Nothing is stored yet, so nothing was sent. Run radar fetch first.")
                return
            raise RadarError("nothing is stored yet: run radar fetch first")
        results = core.send_digest(
            db, targets, window, include_all=all_, unread=unread, always=always, limit=limit, **retry
        )
        what = ""
    failed = [r for r in results if not r.ok]
    for r in results:
        if r.nothing_new:
            if not quiet:
                say(f"Nothing new for {r.shown}: nothing sent (--always sends anyway).")
        elif r.ok and not quiet:
            sent = what or plural(r.papers, "paper")
            say(
                f"Sent {sent} to {r.shown}" + (f" (after {r.attempts} tries)" if r.attempts > 1 else "") + "."
            )
    if failed:
        for r in failed[:-1]:
            say(f"Error: sending to {r.shown} failed: {r.error}", style="red")
        last = failed[-1]
        raise core.DeliveryError(
            f"sending to {last.shown} failed after {plural(last.attempts, 'attempt')}: {last.error}; nothing was marked sent"
        )
