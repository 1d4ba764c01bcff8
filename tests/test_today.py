"""radar today: cards, paging, windows, colour, hostile text and the empty states."""

from __future__ import annotations

import json
import re
from pathlib import Path

from conftest import fails, ok, run_radar, store_with
from feeds import Item, rss_feed, write

HOSTILE = "On the [MASK] Token: Why [bold]BERT[/bold] Forgets"


def test_hostile_titles_print_verbatim(tmp_path: Path) -> None:
    store_with(
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
    store_with(tmp_path, [Item("2611.00030")])
    ok("follow", "--no-fetch", "--category", "cs.LG")
    forced = run_radar("today", env={"FORCE_COLOR": "1", "NO_COLOR": "", "TERM": "xterm-256color"}).stdout
    assert re.search(r"\x1b\[[0-9;]*32m", forced), "FORCE_COLOR shows the green NEW label"
    no_color = run_radar("today", env={"FORCE_COLOR": "1", "NO_COLOR": "1", "TERM": "xterm-256color"}).stdout
    assert not re.search(r"\x1b\[[0-9;]*3[0-7]m", no_color), "NO_COLOR: no colours"


def test_paging_and_limit(tmp_path: Path) -> None:
    store_with(tmp_path, [Item(f"2611.{i:05d}") for i in range(100, 125)])
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
    store_with(tmp_path, [Item("2611.00050")])
    result = run_radar("today")
    assert "You follow nothing yet" in result.stderr
    ok("follow", "--no-fetch", "--keep", "Nobody Atall")
    result = run_radar("today")
    assert "No paper on Friday 2026-11-20 (the newest listing stored" in result.stderr
    assert "matches your follows" in result.stderr and "--since 7d" in result.stderr
    assert "No paper since 2026-11-01 matches" in run_radar("today", "--since", "2026-11-01").stderr
    assert run_radar("today", "--format", "json").stdout.strip() == "[]"


def test_bad_since() -> None:
    assert "Error: cannot read the date 'yesterdayish'" in fails(2, "today", "--since", "yesterdayish")
