"""The smaller first-minutes fixes: import errors, --since forms, an empty --db file, PDF
links, one meaning of "the newest listing", and progress bars gone before a message."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from conftest import fails, ok, run_radar, store_with
from feeds import Item, rss_feed, write
from rich.console import Console
from test_snapshot_import import synthetic_lines

from radar.errors import UsageError
from radar.window import parse_since


def test_a_missing_import_file_is_an_error(tmp_path: Path) -> None:
    stderr = fails(1, "import", str(tmp_path / "missing.xml"))
    assert stderr.startswith("Error: not imported: cannot read") and "missing.xml" in stderr


def test_a_file_that_yields_no_paper_exits_1(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"not": "a paper"}\n')
    stderr = fails(1, "import", str(bad))
    assert f"Error: {bad}: no paper in it; nothing was imported." in stderr
    # Beside a good file, the good one loads and the exit code still says one failed.
    good, worse = tmp_path / "good.jsonl", tmp_path / "worse.jsonl"
    good.write_text("\n".join(synthetic_lines(2)) + "\n")
    worse.write_text("{broken\n")
    assert f"Error: {worse}: no paper in it" in fails(1, "import", str(good), str(worse))
    assert len(json.loads(ok("today", "--all", "--since", "2000-01-01", "--format", "json"))) == 2
    # An empty (weekend) listing is a listing, not a failure.
    ok("import", str(write(tmp_path / "weekend.xml", rss_feed([], day="2026-11-21"))))


NOW = datetime(2026, 5, 31, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "day"),
    [
        ("1m", date(2026, 4, 30)),
        ("3m", date(2026, 2, 28)),  # no February 31st: its last day
        ("12m", date(2025, 5, 31)),
        ("today", date(2026, 5, 31)),
        ("Yesterday", date(2026, 5, 30)),
        ("2026-9-25", date(2026, 9, 25)),
        ("2026-09-05", date(2026, 9, 5)),
        ("2w", date(2026, 5, 17)),
    ],
)
def test_since_forms(value: str, day: date) -> None:
    assert parse_since(value, NOW) == day


@pytest.mark.parametrize("value", ["yesterdayish", "2026-13-1", "2026-9-31", "1y"])
def test_since_refuses_the_rest(value: str) -> None:
    with pytest.raises(UsageError, match="use 24h, 3d, 2w or a date like 2026-11-01 .also 1m, 3m"):
        parse_since(value, NOW)


def test_since_forms_on_the_command_line(tmp_path: Path) -> None:
    store_with(tmp_path, [Item("2611.00001")], day="2026-11-20")
    assert (
        json.loads(ok("today", "--all", "--since", "2026-11-1", "--format", "json"))[0]["id"] == "2611.00001"
    )
    assert run_radar("today", "--all", "--since", "3m").returncode == 0


def test_an_empty_db_file_is_refused_unless_the_command_makes_a_store(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    stderr = fails(1, "--db", str(empty), "today")
    assert stderr.startswith(f"Error: {empty} (from --db) is an empty file, not a radar store")
    assert empty.stat().st_size == 0
    fails(1, "following", env={"RADAR_DB": str(empty)})
    ok("--db", str(empty), "follow", "--no-fetch", "--category", "cs.LG")  # follow makes a store
    assert empty.stat().st_size > 0 and "cs.LG" in ok("--db", str(empty), "following")
    text = tmp_path / "notes.txt"
    text.write_text("my notes\n")
    assert "not a radar database (not an SQLite file)" in fails(1, "--db", str(text), "today")
    assert "not a radar database" in fails(1, "--db", str(text), "follow", "--no-fetch", "-c", "cs.LG")
    assert text.read_text() == "my notes\n"


def test_cards_link_the_pdf(tmp_path: Path) -> None:
    store_with(tmp_path, [Item("2611.00001", version=3, announce="replace")])
    card = json.loads(ok("today", "--all", "--format", "json"))[0]
    assert card["pdf_url"] == "https://arxiv.org/pdf/2611.00001v3"
    assert json.loads(ok("show", "2611.00001", "--format", "json"))["pdf_url"] == card["pdf_url"]
    markdown = ok("today", "--all", "--format", "markdown")
    assert "· [PDF](https://arxiv.org/pdf/2611.00001v3)" in markdown
    # In a pipe the link is plain text; on a terminal both links are hyperlinks (OSC 8).
    assert "https://arxiv.org/abs/2611.00001 · PDF" in ok("today", "--all")
    from radar.rank import load_cards
    from radar.render import print_cards
    from radar.store import open_db

    db = open_db(tmp_path / "radar-home" / "radar.db")
    from radar.select import select
    from radar.window import window_for

    window = window_for(db, None)
    assert window is not None
    cards = load_cards(db, select(db, window, include_all=True), first_rank=1)
    screen = io.StringIO()
    print_cards(
        Console(file=screen, force_terminal=True, color_system="standard", width=100), cards, "h", None
    )
    assert (
        "\x1b]8;id=" in screen.getvalue() and "https://arxiv.org/pdf/2611.00001v3\x1b\\" in screen.getvalue()
    )


def test_today_and_today_all_mean_one_newest_listing(tmp_path: Path) -> None:
    ok(
        "import",
        str(
            write(
                tmp_path / "a.xml", rss_feed([Item("2611.00001", authors=["Ada Lovelace"])], day="2026-11-19")
            )
        ),
    )
    ok(
        "import",
        str(write(tmp_path / "b.xml", rss_feed([Item("2611.00002", authors=["Bo Bee"])], day="2026-11-20"))),
    )
    ok("follow", "--no-fetch", "Ada Lovelace")
    mine = ok("today")
    assert (
        "Thursday 2026-11-19 (the newest listing with papers you follow; the newest stored, Friday 2026-11-20, has none)"
        in mine
    )
    assert "Friday 2026-11-20 (the newest listing stored" in ok("today", "--all")


def test_the_progress_bar_is_gone_before_the_interrupt_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import radar.importer

    def interrupted(db, path, progress=None, workers=None, note=None):  # type: ignore[no-untyped-def]
        if progress is not None:
            progress(radar.importer.SnapshotProgress(done_bytes=10, total_bytes=100, lines=5, new=5, bad=0))
        raise KeyboardInterrupt

    monkeypatch.setattr(radar.importer, "import_snapshot", interrupted)
    snapshot = tmp_path / "snap.jsonl"
    snapshot.write_text("\n".join(synthetic_lines(2)) + "\n")
    result = run_radar("import", str(snapshot), terminal=True)
    assert result.returncode == 130
    before, _, _ = result.stderr.partition("Interrupted. What was imported is kept")
    # The bar drew itself, then was erased (Rich's transient bar: erase-line codes),
    # and only then came the message, at the start of a clean line.
    assert "importing snap.jsonl" in before
    assert before.endswith(("\x1b[2K", "\n", "\r"))
