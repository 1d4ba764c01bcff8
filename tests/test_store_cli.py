"""Which store a command opens (--db, RADAR_DB, RADAR_HOME), and what it says when that is wrong."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest
from conftest import fails, ok, run_radar
from feeds import Item, rss_feed, write


def test_unwritable_home(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    err = fails(1, "following", env={"RADAR_HOME": str(blocker / "home")})
    assert err.startswith("Error: cannot create")


def test_file_that_is_not_a_radar_database(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("hello\n" * 100)
    assert "is not a radar database" in fails(1, "--db", str(text), "today")
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("create table recipes (name text)")
    conn.commit()
    conn.close()
    assert "is an SQLite database, but not radar's" in fails(1, "--db", str(other), "today")
    assert "is an SQLite database, but not radar's" in fails(1, "today", env={"RADAR_DB": str(other)})


def test_db_option_and_env_choose_the_file(tmp_path: Path) -> None:
    chosen = tmp_path / "elsewhere" / "mine.db"
    ok("--db", str(chosen), "follow", "--no-fetch", "--topic", "graphs")
    assert chosen.exists()
    listed = json.loads(ok("following", "--format", "json", env={"RADAR_DB": str(chosen)}))
    assert listed[0]["value"] == "graphs"


@pytest.mark.parametrize(
    "command",
    [
        ["following"],
        ["today"],
        ["search", "world"],
        ["export", "-f", "bibtex"],
        ["status"],
        ["fetch"],
        ["unfollow", "-c", "cs.LG"],
        ["import", "--finish"],
    ],
)
def test_a_mistyped_store_path_is_refused_not_made(
    tmp_path: Path, radar_home: Path, command: list[str]
) -> None:
    missing = tmp_path / "nowhere" / "radar.db"
    err = fails(1, "--db", str(missing), *command)
    assert err.strip() == (
        f"Error: no radar store at {missing} (from --db): check the path; radar follow or radar import makes one"
    )
    assert not missing.parent.exists()
    assert "(from RADAR_DB)" in fails(1, *command, env={"RADAR_DB": str(missing)})
    assert not missing.parent.exists()


def test_commands_that_add_make_the_store_where_they_are_told(tmp_path: Path, radar_home: Path) -> None:
    new = tmp_path / "new" / "radar.db"
    ok("--db", str(new), "follow", "--no-fetch", "-c", "cs.LG")
    assert new.exists() and "cs.LG" in ok("--db", str(new), "following")
    # The default path is made by any command: a first `radar today` guides, not fails.
    assert "You follow nothing yet" in run_radar("following").stderr


def _stderr_on_a_terminal(*args: str) -> tuple[int, str]:
    """Run radar with stderr on a terminal (stdout in a pipe), as someone at a terminal sees it."""
    result = run_radar(*args, terminal=True)
    return result.returncode, result.stderr


def test_a_store_being_upgraded_says_so_on_a_terminal_only(
    radar_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from radar import migrations
    from radar.store import open_db

    with monkeypatch.context() as m:
        m.setattr(migrations, "STEPS", migrations.STEPS[:-1])
        open_db(radar_home / "radar.db").close()
    code, seen = _stderr_on_a_terminal("following")
    assert code == 0 and "Updating the store for this version of radar" in seen
    code, seen = _stderr_on_a_terminal("following")  # upgraded once
    assert code == 0 and "Updating the store" not in seen and "You follow nothing yet" in seen
    # Nor on a new store, or in a pipe (cron's mail).
    with monkeypatch.context() as m:
        m.setattr(migrations, "STEPS", migrations.STEPS[:-1])
        open_db(radar_home / "other.db").close()
    assert "Updating" not in run_radar("--db", str(radar_home / "other.db"), "following").stderr
    code, seen = _stderr_on_a_terminal(
        "--db", str(radar_home / "new.db"), "follow", "--no-fetch", "-c", "cs.LG"
    )
    assert code == 0 and "Updating" not in seen
    # --quiet means only errors, at a terminal too.
    with monkeypatch.context() as m:
        m.setattr(migrations, "STEPS", migrations.STEPS[:-1])
        open_db(radar_home / "quiet.db").close()
    feed = write(radar_home / "feed.xml", rss_feed([Item("2611.00001")]))
    code, seen = _stderr_on_a_terminal("--db", str(radar_home / "quiet.db"), "import", "--quiet", str(feed))
    assert (code, seen) == (0, "")
    code, seen = _stderr_on_a_terminal("--db", str(radar_home / "quiet.db"), "import", str(feed))
    assert code == 0 and "Updating" not in seen and "1 unchanged" in seen  # upgraded by the quiet one


def test_a_write_that_waits_out_a_long_writer_says_which_run_holds_the_store(
    tmp_path: Path, radar_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import radar.store.connection
    from radar.lock import writer_lock

    assert run_radar("follow", "--no-fetch", "--category", "cs.LG").returncode == 0
    db_path = radar_home / "radar.db"
    monkeypatch.setattr(radar.store.connection, "BUSY_TIMEOUT_S", 0.3)
    monkeypatch.setattr("sys.argv", ["radar", "import", "big.jsonl"])
    with writer_lock(db_path, 0):
        holder = sqlite3.connect(db_path)
        holder.execute("begin immediate")  # a bulk import's index build, say
        try:
            result = run_radar("mute", "--author", "Ada Lovelace")
        finally:
            holder.rollback()
            holder.close()
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"Error: the store {db_path} stayed busy: radar import big.jsonl (pid {os.getpid()}, since "
        + result.stderr.split("since ", 1)[1].split(")")[0]
        + ") is writing to it; try again when it has finished"
    )
    assert "locked" not in result.stderr
    # Once the writer is done, the same command goes through.
    assert run_radar("mute", "--author", "Ada Lovelace").returncode == 0
