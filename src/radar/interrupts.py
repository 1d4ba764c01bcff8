"""Ctrl-C (or SIGTERM) at any moment: an interruption, whatever became of it on its way out.

A Ctrl-C is raised as KeyboardInterrupt wherever the program is, and what it held is let
go of on the way out (transactions rolled back, workers stopped). Two things need more:

- sqlite3 swallows an exception raised inside a function SQLite calls (radar_search_text:
  the full-text index's triggers call it for every title and abstract written) and fails
  the statement with OperationalError("user-defined function raised exception"). So the
  SIGINT handler radar's command line installs (`sigint_handled`) remembers the Ctrl-C,
  and `interrupted` tells the error boundary that what came out is its doing; the
  SIGTERM handler does the same through `note_terminated` and `terminated`.
- a step that must not be left half done (a worker started but not yet recorded by its
  pool would never be stopped) runs `deferred`: a Ctrl-C or SIGTERM waits until the
  step is done.

Importing this module is cheap.
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType


class _Stopped:
    by: int | None = None  # the signal stopping this run of the command line, once one came


def on_sigint(signum: int, frame: FrameType | None) -> None:
    """Python's own SIGINT handler (KeyboardInterrupt), remembering the Ctrl-C first."""
    _Stopped.by = signal.SIGINT
    raise KeyboardInterrupt


def note_terminated() -> None:
    """The SIGTERM handler's first step (radar.cli raises its own Terminated after it)."""
    _Stopped.by = signal.SIGTERM


@contextmanager
def _handling(signum: int, handler: Callable[[int, FrameType | None], None]) -> Iterator[None]:
    """`handler` for the signal during the block, the one before put back after it. A
    signal ignored from the start stays ignored (`radar import ... &` from a script is
    meant to outlive a Ctrl-C), and outside the main thread (radar run as a library) no
    handler can be set: Python's stays."""
    try:
        if signal.getsignal(signum) is signal.SIG_IGN:
            yield
            return
        previous = signal.signal(signum, handler)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        # None: a handler set outside Python, which Python cannot put back.
        signal.signal(signum, signal.SIG_DFL if previous is None else previous)


@contextmanager
def sigint_handled() -> Iterator[None]:
    """on_sigint as the SIGINT handler for the block (a run of the command line), and
    no stopping signal remembered from before it."""
    _Stopped.by = None
    with _handling(signal.SIGINT, on_sigint):
        yield


def interrupted(exc: BaseException) -> bool:
    """Whether `exc` is a Ctrl-C, or what one became: any exception after a Ctrl-C
    (under sigint_handled) is taken for its doing, as OperationalError is when the
    KeyboardInterrupt was raised inside a function SQLite called."""
    return isinstance(exc, KeyboardInterrupt) or _Stopped.by == signal.SIGINT


def terminated() -> bool:
    """Whether a SIGTERM came: what came out after it (an OperationalError from inside
    an SQL function, as for a Ctrl-C) is its doing."""
    return _Stopped.by == signal.SIGTERM


@contextmanager
def deferred() -> Iterator[None]:
    """A Ctrl-C or SIGTERM that comes during the block is raised when it ends, not in
    its middle.

    The block's own handlers take the signals and the ones before are put back before
    they are raised again, so each ends as it would have. A signal just before the block
    or just after it is raised there, with nothing half done. For short steps only: the
    block cannot be stopped. Outside the main thread, nothing is deferred (no handler can
    be set there, and Python runs handlers only in the main thread)."""
    came: list[int] = []

    def hold(signum: int, frame: FrameType | None) -> None:
        came.append(signum)

    try:
        with _handling(signal.SIGINT, hold), _handling(signal.SIGTERM, hold):
            yield
    finally:
        for signum in dict.fromkeys(came):
            signal.raise_signal(signum)
