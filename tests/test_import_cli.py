"""radar import through the CLI: saved feeds and the shipped examples, counts and failures."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import fails, ok, run_radar
from feeds import FIXTURES

ROOT = Path(__file__).resolve().parent.parent


EXAMPLES = sorted((ROOT / "examples").glob("*.xml"))


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


def test_import_takes_as_many_workers_as_the_pool_allows(tmp_path: Path) -> None:
    from radar.workers import MAX_WORKERS

    assert f"not in the range 0<=x<={MAX_WORKERS}" in fails(
        2, "import", "--workers", str(MAX_WORKERS + 1), str(tmp_path / "snapshot.json")
    )
