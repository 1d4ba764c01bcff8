"""End-to-end: the installed `radar` console script, a real SQLite file, real feeds."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest
from conftest import run_radar
from feeds import FIXTURES, Item, rss_feed, write

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.xml"))
HOSTILE = "On the [MASK] Token: Why [bold]BERT[/bold] Forgets"
COMMANDS = ["follow", "unfollow", "following", "import", "today", "show", "search", "harvest", "export"]


def ok(*args: str, **kw) -> str:
    result = run_radar(*args, **kw)
    assert result.returncode == 0, f"radar {' '.join(args)} failed:\n{result.stderr}"
    assert "Traceback" not in result.stderr
    return result.stdout


def fails(code: int, *args: str, **kw) -> str:
    result = run_radar(*args, **kw)
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    return result.stderr


def test_version() -> None:
    from radar import __version__

    assert ok("--version").strip() == f"radar {__version__}"


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str) -> None:
    out = ok(command, "--help")
    assert "Usage: radar " + command in out
    # The docstring is the help text: a command without one shows only options.
    assert len(out.split("Options")[0].strip().splitlines()) > 2


def test_offline_quick_start_from_examples() -> None:
    """The README's offline variant: import the shipped samples, follow, read the cards."""
    assert EXAMPLES, "examples/ ships sample feeds"
    imported = run_radar("import", *map(str, EXAMPLES))
    assert imported.returncode == 0, imported.stderr
    assert "27 new" in imported.stderr
    ok("follow", "--no-fetch", "--category", "cs.LG")
    out = ok("today")
    assert out.startswith("radar · Friday 2026-09-25")
    assert "01. arXiv (cs.LG) · 2026-09-25 · NEW" in out
    assert "CROSS-LIST" in out and "UPDATED v3" in out
    assert "why: cross-listed in cs.LG" in out
    assert "\x1b[" not in out  # piped: no ANSI codes


def test_import_twice_changes_nothing_and_reports_counts() -> None:
    fixture = str(FIXTURES / "api_atom_2026_search_testing_100entries.xml")
    first = run_radar("import", fixture)
    assert "100 new, 0 updated, 0 unchanged, 0 skipped" in first.stderr
    second = run_radar("import", fixture, "--format", "json")
    report = json.loads(second.stdout)
    assert report[0]["new"] == 0 and report[0]["unchanged"] == 100


def test_import_refuses_error_feed_but_loads_the_rest() -> None:
    err = fails(
        1,
        "import",
        str(FIXTURES / "api_atom_2026_http400_error_entry.xml"),
        str(FIXTURES / "rss_csLG_2026-04-27_trimmed_3items.xml"),
    )
    assert "arXiv refused the query: incorrect id format for abc" in err
    assert "3 new" in err
    assert json.loads(ok("today", "--all", "--format", "json"))  # the good file landed


def test_import_reports_empty_feed_and_missing_file() -> None:
    err = run_radar("import", str(FIXTURES / "api_atom_2026_empty_result.xml")).stderr
    assert "0 new" in err and "no results" in err
    err = fails(1, "import", "/nonexistent/feed.xml")
    assert "cannot read /nonexistent/feed.xml" in err


def _store_with(tmp_path: Path, items: list[Item], day: str = "2026-11-20") -> None:
    ok("import", str(write(tmp_path / "feed.xml", rss_feed(items, day=day))))


def test_ranking_author_then_topic_then_category(tmp_path: Path) -> None:
    _store_with(
        tmp_path,
        [
            Item("2611.00001", title="Plain category paper", authors=["Zed Zero"]),
            Item("2611.00002", title="Learning world models at scale", authors=["Yan Why"]),
            Item(
                "2611.00003",
                title="Bandits",
                authors=["Akshay Krishnamurthy", "Bo Bee"],
                announce="replace",
                version=2,
            ),
            Item(
                "2611.00004",
                title="A cross-listed paper",
                authors=["Cy See"],
                categories=["stat.ML", "cs.LG"],
                announce="cross",
            ),
        ],
    )
    ok("follow", "--no-fetch", "Akshay Krishnamurthy")
    ok("follow", "--no-fetch", "--topic", "world models")
    ok("follow", "--no-fetch", "--category", "cs.LG")
    cards = json.loads(ok("today", "--format", "json"))
    assert [c["id"] for c in cards] == ["2611.00003", "2611.00002", "2611.00001", "2611.00004"]
    top = cards[0]
    for key in (
        "id",
        "version",
        "title",
        "authors",
        "primary_category",
        "categories",
        "published",
        "updated",
        "announce_type",
        "score",
        "reasons",
        "url",
    ):
        assert key in top
    assert top["version"] == 2 and top["announce_type"] == "replace" and top["label"] == "UPDATED v2"
    assert top["url"] == "https://arxiv.org/abs/2611.00003"
    assert {r["kind"] for r in top["reasons"]} == {"author", "category"}
    assert (
        cards[3]["reasons"][0]["reason"] == "cross-listed in stat.ML"
        or cards[3]["reasons"][0]["reason"] == "cross-listed in cs.LG"
    )


def test_similar_names_are_not_shown(tmp_path: Path) -> None:
    _store_with(
        tmp_path,
        [
            Item("2611.00010", authors=["Pratyusha Sharma"], categories=["cs.CL"]),
            Item("2611.00011", authors=["Krishna Sharma"], categories=["cs.CL"]),
            Item("2611.00012", authors=["Krish Sharma", "Pratyusha Sharma"], categories=["cs.CL"]),
        ],
    )
    result = run_radar("follow", "--no-fetch", "Krish Sharma")
    assert "Following author Krish Sharma: 1 paper stored." in result.stderr
    assert "not counted: 2 papers by Pratyusha Sharma" in result.stderr
    assert "not counted: 1 paper by Krishna Sharma" in result.stderr
    cards = json.loads(ok("today", "--format", "json"))
    assert [c["id"] for c in cards] == ["2611.00012"]


def test_a_two_word_surname_is_found_with_a_hyphen_or_a_space(tmp_path: Path) -> None:
    _store_with(
        tmp_path,
        [
            Item("2611.00020", title="Hyphenated graphs", authors=["Ana García-López"]),
            Item("2611.00021", title="Spaced graphs", authors=["Ana García López", "Bo Bee"]),
            Item("2611.00022", title="Second surname graphs", authors=["Ana López"]),
            Item("2611.00023", title="Someone else's graphs", authors=["Pedro García-López"]),
        ],
    )
    result = run_radar("follow", "--no-fetch", "Ana García-López")
    assert "Following author Ana García-López: 2 papers stored." in result.stderr, result.stderr
    cards = json.loads(ok("today", "--format", "json"))
    assert sorted(c["id"] for c in cards) == ["2611.00020", "2611.00021"]
    spaced = next(c for c in cards if c["id"] == "2611.00021")
    assert spaced["reasons"][0]["reason"] == "by Ana García López, whom you follow"
    # A paper that arrives after the follow is matched the same way.
    later = rss_feed(
        [Item("2611.00024", title="Later graphs", authors=["Ana García López"])], day="2026-11-20"
    )
    ok("import", str(write(tmp_path / "later.xml", later)))
    cards = json.loads(ok("today", "--format", "json"))
    assert sorted(c["id"] for c in cards) == ["2611.00020", "2611.00021", "2611.00024"]
    found = json.loads(ok("search", "graphs", "--author", "Ana García-López", "--format", "json"))
    assert {c["id"] for c in found} == {"2611.00020", "2611.00021", "2611.00024"}
    ok("mute", "--author", "Ana Garcia-Lopez")
    assert json.loads(ok("today", "--format", "json")) == []


def test_hostile_titles_print_verbatim(tmp_path: Path) -> None:
    _store_with(
        tmp_path,
        [
            Item(
                "2611.00020",
                title=HOSTILE + " \u202ered\u202c",
                abstract="<script>alert(1)</script> [link](javascript:x) *bold*",
            ),
        ],
    )
    ok("follow", "--no-fetch", "--category", "cs.LG")
    text = ok("today")
    assert HOSTILE in text
    assert "\u202e" not in text and "red" in text
    md = ok("today", "--format", "markdown")
    assert "<script>" not in md and "&lt;script&gt;" in md
    assert r"\[MASK\]" in md and r"\[bold\]BERT\[/bold\]" in md
    assert "[link](javascript" not in md
    shown = ok("show", "2611.00020")
    assert HOSTILE in shown


def test_color_only_on_request_and_no_color_respected(tmp_path: Path) -> None:
    _store_with(tmp_path, [Item("2611.00030")])
    ok("follow", "--no-fetch", "--category", "cs.LG")
    forced = run_radar("today", env={"FORCE_COLOR": "1", "NO_COLOR": "", "TERM": "xterm-256color"}).stdout
    assert re.search(r"\x1b\[[0-9;]*32m", forced), "FORCE_COLOR shows the green NEW label"
    no_color = run_radar("today", env={"FORCE_COLOR": "1", "NO_COLOR": "1", "TERM": "xterm-256color"}).stdout
    assert not re.search(r"\x1b\[[0-9;]*3[0-7]m", no_color), "NO_COLOR: no colours"


def test_paging_and_limit(tmp_path: Path) -> None:
    _store_with(tmp_path, [Item(f"2611.{i:05d}") for i in range(100, 125)])
    ok("follow", "--no-fetch", "--category", "cs.LG")
    first = ok("today")
    assert "10. " in first and "11. " not in first and "page 1 of 3" in first
    third = ok("today", "--page", "3")
    assert "21. " in third and "25. " in third and "26. " not in third
    assert len(json.loads(ok("today", "--limit", "5", "--format", "json"))) == 5
    past = run_radar("today", "--page", "9")
    assert past.returncode == 0 and "past the end" in past.stderr and past.stdout == ""


def test_since_window_and_all(tmp_path: Path) -> None:
    ok("import", str(write(tmp_path / "a.xml", rss_feed([Item("2611.00040")], day="2026-11-16"))))
    ok("import", str(write(tmp_path / "b.xml", rss_feed([Item("2611.00041")], day="2026-11-20"))))
    assert [c["id"] for c in json.loads(ok("today", "--all", "--format", "json"))] == ["2611.00041"]
    both = json.loads(ok("today", "--all", "--since", "2026-11-15", "--format", "json"))
    assert {c["id"] for c in both} == {"2611.00040", "2611.00041"}


def test_empty_states_say_what_to_do(tmp_path: Path) -> None:
    result = run_radar("today")
    assert result.returncode == 0 and "radar fetch" in result.stderr and result.stdout == ""
    _store_with(tmp_path, [Item("2611.00050")])
    result = run_radar("today")
    assert "You follow nothing yet" in result.stderr
    ok("follow", "--no-fetch", "Nobody Atall")
    result = run_radar("today")
    assert "No paper on Friday 2026-11-20 (the newest listing stored" in result.stderr
    assert "matches your follows" in result.stderr and "--since 7d" in result.stderr
    assert "No paper since 2026-11-01 matches" in run_radar("today", "--since", "2026-11-01").stderr
    assert run_radar("today", "--format", "json").stdout.strip() == "[]"


def test_show_accepts_every_id_form(tmp_path: Path) -> None:
    _store_with(tmp_path, [Item("2611.00060", version=4, announce="replace")])
    for form in ("2611.00060", "2611.00060v4", "arXiv:2611.00060", "https://arxiv.org/abs/2611.00060v2"):
        assert "arXiv:2611.00060v4" in ok("show", form)
    data = json.loads(ok("show", "2611.00060", "--format", "json"))
    assert data["versions_seen"] == [4]


def test_follow_unfollow_following(tmp_path: Path) -> None:
    _store_with(tmp_path, [Item("2611.00070", authors=["Sham M. Kakade"])])
    ok("follow", "--no-fetch", "Sham Kakade")
    ok("follow", "--no-fetch", "--category", "cs.lg", "--topic", "things")
    listed = json.loads(ok("following", "--format", "json"))
    assert {(f["kind"], f["value"], f["papers"]) for f in listed} == {
        ("author", "Sham Kakade", 1),
        ("category", "cs.LG", 1),
        ("topic", "things", 1),
    }
    assert "Already following" in run_radar("follow", "--no-fetch", "sham kakade").stderr
    ok("unfollow", "--topic", "things")
    assert len(json.loads(ok("following", "--format", "json"))) == 2
    assert "you do not follow" in fails(1, "unfollow", "--topic", "things")
    assert 'e.g. radar unfollow "Akshay Krishnamurthy"' in fails(2, "unfollow")


# --- errors: one line, no traceback, the right exit code ------------------------------------


def test_unknown_id() -> None:
    assert "Error: 2511.05963 is not in the store" in fails(1, "show", "2511.05963")
    assert "Error: not an arXiv id" in fails(2, "show", "not-an-id")


def test_bad_since() -> None:
    assert "Error: cannot read the date 'yesterdayish'" in fails(2, "today", "--since", "yesterdayish")


def test_empty_name_and_bad_category() -> None:
    assert "Error: the author to follow is empty" in fails(2, "follow", "  ")
    assert "Error: name a person, --category, --topic or --feed" in fails(2, "follow")
    err = fails(2, "follow", "--category", "cs.XX")
    assert "unknown arXiv category 'cs.XX'; did you mean cs." in err


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


def test_the_lazy_command_map_is_whole() -> None:
    """Every command is registered by the module whose COMMANDS line names it, read from
    the source as the console script reads it, so naming a command loads its module."""
    import importlib

    from radar.cli import app
    from radar.commands import command_modules, command_table, modules_for

    registered = {
        info.name or info.callback.__name__.replace("_", "-"): info.callback.__module__
        for info in app.registered_commands
    }
    registered.update({g.name: "radar.commands.config" for g in app.registered_groups})
    table = command_table()
    assert {name: f"radar.commands.{module}" for name, module in table.items()} == registered
    for module in command_modules():
        declared = importlib.import_module(f"radar.commands.{module}").COMMANDS
        assert declared == tuple(n for n, m in table.items() if m == module), module
    assert modules_for(["radar", "--db", "x.db", "search", "q"]) == ["search"]
    assert modules_for(["radar", "mark-read", "--all"]) == ["reading"]
    assert (
        modules_for(["radar", "today"]) == ["today"] and modules_for(["radar", "--help"]) == command_modules()
    )


@pytest.mark.parametrize(("args", "listed"), [(["--help"], "harvest"), (["status", "--help"], "status")])
def test_the_console_script_still_knows_every_command(args: list[str], listed: str) -> None:
    assert listed in ok(*args)
    assert "No such command" in run_radar("serach").stderr


def test_everyday_commands_leave_slow_libraries_unloaded(tmp_path: Path) -> None:
    """sqlite-utils (about 55 ms) loads only for table work and migrations, litellm only
    for a brief: the commands run every day read and write rows without them."""
    _store_with(
        tmp_path, [Item("2611.00001", title="Learning world models", authors=["Akshay Krishnamurthy"])]
    )
    ok("follow", "--no-fetch", "--category", "cs.LG")
    for args in (
        ["today"],
        ["following"],
        ["search", "world models"],
        ["search", "learning", "--author", "Akshay Krishnamurthy"],
        ["follow", "--no-fetch", "Akshay Krishnamurthy"],
        ["show", "2611.00001"],
    ):
        result = run_radar(*args, env={"PYTHONPROFILEIMPORTTIME": "1"})
        assert result.returncode == 0, (args, result.stderr[-2000:])
        loaded = {
            line.rsplit("|", 1)[1].strip() for line in result.stderr.splitlines() if "import time:" in line
        }
        assert "radar.database" in loaded, args  # the profile is there to read
        assert not {name for name in loaded if name.startswith(("sqlite_utils", "litellm"))}, args


def _stderr_on_a_terminal(*args: str) -> tuple[int, str]:
    """Run radar with stderr on a pseudo-terminal, as someone at a terminal sees it."""
    import os
    import pty
    import subprocess

    from conftest import radar_executable

    leader, follower = pty.openpty()
    try:
        done = subprocess.run(
            [radar_executable(), *args], stdout=subprocess.PIPE, stderr=follower, timeout=60, check=False
        )
    finally:
        os.close(follower)
    seen = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the terminal has no writer left
            break
        if not chunk:
            break
        seen += chunk
    os.close(leader)
    return done.returncode, seen.decode()


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


def test_import_takes_as_many_workers_as_the_pool_allows(tmp_path: Path) -> None:
    from radar.workers import MAX_WORKERS

    assert f"not in the range 0<=x<={MAX_WORKERS}" in fails(
        2, "import", "--workers", str(MAX_WORKERS + 1), str(tmp_path / "snapshot.json")
    )


def test_usage_lines_name_arguments_in_capitals() -> None:
    assert ok("import", "--help").startswith("Usage: radar import [OPTIONS] [FILE...]")
    assert ok("follow", "--help").startswith("Usage: radar follow [OPTIONS] [NAME]")
    assert ok("search", "--help").startswith("Usage: radar search [OPTIONS] {QUERY}")
