"""Ctrl-C at any moment: a KeyboardInterrupt, whatever became of it on its way out.

A Ctrl-C is raised as KeyboardInterrupt wherever the program is, and what it held is let
go of on the way out (transactions rolled back, workers stopped). Two things need more:

- sqlite3 swallows an exception raised inside a function SQLite calls (radar_search_text:
  the full-text index's triggers call it for every title and abstract written) and fails
  the statement with OperationalError("user-defined function raised exception"). So the
  SIGINT handler radar's command line installs (`sigint_handled`) remembers the Ctrl-C,
  and `interrupted` tells the error boundary that what came out is its doing.
- a step that must not be left half done (a worker started but not yet recorded by its
  pool would never be stopped) runs `deferred`: a Ctrl-C waits until the step is done.

Importing this module is cheap.
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType


class _CtrlC:
    pressed = False  # in this run of the command line


def on_sigint(signum: int, frame: FrameType | None) -> None:
    """Python's own SIGINT handler (KeyboardInterrupt), remembering the Ctrl-C first."""
    _CtrlC.pressed = True
    raise KeyboardInterrupt


@contextmanager
def _sigint(handler: Callable[[int, FrameType | None], None]) -> Iterator[None]:
    """`handler` for SIGINT during the block, the one before put back after it. Outside
    the main thread (radar run as a library) no handler can be set: Python's stays."""
    try:
        previous = signal.signal(signal.SIGINT, handler)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        # None: a handler set outside Python, which Python cannot put back.
        signal.signal(signal.SIGINT, signal.SIG_DFL if previous is None else previous)


@contextmanager
def sigint_handled() -> Iterator[None]:
    """on_sigint as the SIGINT handler for the block (a run of the command line), and
    no Ctrl-C remembered from before it."""
    _CtrlC.pressed = False
    with _sigint(on_sigint):
        yield


def interrupted(exc: BaseException) -> bool:
    """Whether `exc` is a Ctrl-C, or what one became: any exception after a Ctrl-C
    (under sigint_handled) is taken for its doing, as OperationalError is when the
    KeyboardInterrupt was raised inside a function SQLite called."""
    return isinstance(exc, KeyboardInterrupt) or _CtrlC.pressed


@contextmanager
def deferred() -> Iterator[None]:
    """A Ctrl-C that comes during the block is raised when it ends, not in its middle.

    The block's own handler takes the signal and the one before is put back before it
    is raised again, so it ends as it would have: KeyboardInterrupt, remembered. A Ctrl-C
    just before the block or just after it is raised there, with nothing half done. For
    short steps only: the block cannot be stopped. Outside the main thread, nothing is
    deferred (no handler can be set there, and Python runs handlers only in the main
    thread)."""
    came: list[int] = []

    def hold(signum: int, frame: FrameType | None) -> None:
        came.append(signum)

    try:
        with _sigint(hold):
            yield
    finally:
        if came:
            signal.raise_signal(signal.SIGINT)
