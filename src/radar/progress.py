"""Progress shown to a person at a terminal: a live status line and a progress bar, both on
stderr and both silent when stderr is not a terminal (cron, pipes) or with --quiet."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.text import Text


def _stderr() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


# The consoles of the status lines and progress bars on screen, innermost last.
_live: list[Console] = []


def live_console() -> Console | None:
    """The console of the status line or progress bar on screen, if one is: messages go
    through it (cli.say), so they print above the bar instead of on its line."""
    return _live[-1] if _live else None


@contextmanager
def live_status(first: str, quiet: bool = False) -> Iterator[Callable[[str], None]]:
    """A live status line on stderr, only on a terminal; yields a function to update it."""
    console = _stderr()
    if quiet or not console.is_terminal:
        yield lambda message: None
        return
    with console.status(first) as status:
        _live.append(console)
        try:
            yield lambda message: status.update(Text(message))
        finally:
            _live.remove(console)


@contextmanager
def progress_bar(description: str, quiet: bool = False) -> Iterator[Callable[[int, int, str], None]]:
    """A progress bar on stderr, only on a terminal; yields update(done, total, detail)."""
    console = _stderr()
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
        _live.append(console)
        try:
            yield lambda done, total, detail: bar.update(
                task, completed=done, total=total, detail=escape(detail)
            )
        finally:
            _live.remove(console)
