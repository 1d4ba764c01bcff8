"""radar.interrupts and the error boundary: a stopping signal stays a stop, whatever it
became on its way out, and a signal ignored from the start stays ignored."""

from __future__ import annotations

import signal
import sqlite3
from collections.abc import Iterator

import pytest

import radar.cli
from radar import interrupts


@pytest.fixture(autouse=True)
def _forget() -> Iterator[None]:
    yield
    interrupts._Stopped.by = None


def _failing_app() -> None:
    # What sqlite3 makes of an exception raised inside radar_search_text.
    raise sqlite3.OperationalError("user-defined function raised exception")


def test_what_a_sigterm_became_is_still_a_sigterm(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(radar.cli, "app", _failing_app)
    interrupts.note_terminated()
    with pytest.raises(radar.cli.Terminated):  # main() then dies of SIGTERM: 143
        radar.cli._run(debug=False)


def test_what_a_ctrl_c_became_is_still_a_ctrl_c(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(radar.cli, "app", _failing_app)
    interrupts._Stopped.by = signal.SIGINT
    with pytest.raises(SystemExit) as exit_:
        radar.cli._run(debug=False)
    assert exit_.value.code == 130
    assert capsys.readouterr().err == "Interrupted.\n"


def test_without_a_signal_it_is_an_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(radar.cli, "app", _failing_app)
    with interrupts.sigint_handled(), pytest.raises(SystemExit) as exit_:
        radar.cli._run(debug=False)
    assert exit_.value.code == 1
    assert "Error: " in capsys.readouterr().err


def test_a_sigint_ignored_from_the_start_stays_ignored() -> None:
    # `radar import big.jsonl &` from a script: the shell ignores SIGINT for it.
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with interrupts.sigint_handled():
            assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
        with interrupts.deferred():
            assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, previous)


def test_deferred_holds_a_sigterm_until_the_step_is_done() -> None:
    came: list[int] = []
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: came.append(signum))
    try:
        with interrupts.deferred():
            signal.raise_signal(signal.SIGTERM)
            assert came == []  # held
        assert came == [signal.SIGTERM]  # raised again once the step was done
    finally:
        signal.signal(signal.SIGTERM, previous)
