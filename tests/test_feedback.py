"""Reading state, stars, hides and mutes, through the installed console script."""

from __future__ import annotations

import json
from pathlib import Path

import bibtexparser
from conftest import run_radar
from feeds import Item, rss_feed, write

GRAPH = "Message passing graph neural networks learn molecular graph representations with attention over neighbours"
DRUG = (
    "Graph neural networks with message passing predict molecular properties from molecular graph structure"
)
OTHER = "A stochastic bandit algorithm for online advertising auctions with delayed conversions and budgets"


def ok(*args: str) -> str:
    result = run_radar(*args)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout


def ids(*args: str) -> list[str]:
    return [c["id"] for c in json.loads(ok("today", "--format", "json", *args))]


FILLER = "curve surface variety sheaf cohomology moduli stack scheme morphism divisor genus fibration".split()


def setup(tmp_path: Path) -> None:
    # Similarity is bm25, which needs a corpus: unfollowed papers give the words their weight.
    filler = [
        Item(
            f"2611.{i:05d}",
            title=" ".join(FILLER[i % 12 : i % 12 + 3]),
            abstract=" ".join(FILLER[(i * 5) % 12 :] + FILLER),
            categories=["math.AG"],
        )
        for i in range(100, 160)
    ]
    items = [
        Item(
            "2611.00000", title="Bandits for auctions", abstract=OTHER, authors=["Cy See", "Sham M. Kakade"]
        ),
        Item("2611.00001", title="Graph networks for molecules", abstract=GRAPH, authors=["Ada Lovelace"]),
        Item(
            "2611.00002",
            title="Molecular property prediction with graph networks",
            abstract=DRUG,
            authors=["Bo Bee"],
        ),
        *filler,
    ]
    ok("import", str(write(tmp_path / "f.xml", rss_feed(items))))
    ok("follow", "--no-fetch", "--category", "cs.LG")


def test_today_remembers_what_it_showed(tmp_path: Path) -> None:
    setup(tmp_path)
    assert ids("--limit", "2", "--mark-read") == ["2611.00000", "2611.00001"]
    assert ids("--unread", "--mark-read") == ["2611.00002"]
    result = run_radar("today", "--unread")
    assert result.returncode == 0 and "Nothing unread" in result.stderr
    assert len(ids()) == 3, "without --unread everything still shows"


def test_only_a_view_marks_cards_read(tmp_path: Path) -> None:
    """JSON, Markdown and pipes feed programs: only a terminal or --mark-read marks read."""
    setup(tmp_path)
    ok("today", "--format", "markdown")
    ok("today")  # piped text
    assert ids() == ids("--unread") == ["2611.00000", "2611.00001", "2611.00002"]
    assert ids("--mark-read", "--limit", "1") == ["2611.00000"]
    assert ids("--unread") == ["2611.00001", "2611.00002"]


def test_cards_on_a_terminal_are_marked_read(tmp_path: Path) -> None:
    import os
    import pty
    import subprocess

    from conftest import radar_executable

    setup(tmp_path)
    leader, follower = pty.openpty()
    try:
        done = subprocess.run(
            [radar_executable(), "today", "--limit", "2"], stdout=follower, stderr=subprocess.PIPE, timeout=60
        )
    finally:
        os.close(follower)
        os.close(leader)
    assert done.returncode == 0, done.stderr
    assert ids("--unread") == ["2611.00002"]


def brief_ids(*args: str) -> set[str]:
    text = ok("brief", "--offline", "--since", "2026-11-01", *args)
    return {i for i in ("2611.00000", "2611.00001", "2611.00002") if f"arXiv:{i}" in text}


def export_ids(*args: str) -> list[str]:
    return [json.loads(line)["id"] for line in ok("export", "-f", "jsonl", *args).splitlines()]


def test_mutes_and_hides_apply_to_brief_and_export_as_to_today(tmp_path: Path) -> None:
    setup(tmp_path)
    everything = ["2611.00000", "2611.00001", "2611.00002"]
    assert brief_ids() == set(everything)
    assert sorted(export_ids("--since", "2026-11-01")) == everything
    ok("mute", "--author", "Sham Kakade")
    ok("hide", "2611.00001")
    assert ids() == ["2611.00002"]
    assert brief_ids() == {"2611.00002"}
    assert brief_ids("--topic", "graph networks") == {"2611.00002"}
    assert export_ids("--since", "2026-11-01") == ["2611.00002"]
    assert export_ids("--follow", "cs.LG") == ["2611.00002"]
    # Named papers are what was asked for: --ids exports them, muted or hidden.
    assert export_ids("--ids", "2611.00000,2611.00001") == ["2611.00000", "2611.00001"]
    assert sorted(export_ids("--ids", "2611.00000", "--follow", "cs.LG")) == ["2611.00000", "2611.00002"]
    ok("unmute", "--author", "Sham Kakade")
    ok("hide", "--undo", "2611.00001")
    assert brief_ids() == set(everything)
    assert sorted(export_ids("--since", "2026-11-01")) == everything


def test_mark_read(tmp_path: Path) -> None:
    setup(tmp_path)
    result = run_radar("mark-read", "2611.00001", "arXiv:2611.00002v1")
    assert "Marked 2 papers as read (0 already were)" in result.stderr
    assert "Marked 1 paper as read (2 already were)" in run_radar("mark-read", "--all").stderr
    assert run_radar("today", "--unread").stdout == ""
    missing = run_radar("mark-read", "2611.99999")
    assert missing.returncode == 1 and "not in the store: 2611.99999" in missing.stderr
    assert run_radar("mark-read").returncode == 2


def test_a_star_raises_similar_papers(tmp_path: Path) -> None:
    setup(tmp_path)
    before = ids()
    assert before == ["2611.00000", "2611.00001", "2611.00002"], "ties are broken by id"
    ok("star", "2611.00001")
    cards = json.loads(ok("today", "--format", "json"))
    order = [c["id"] for c in cards]
    assert order.index("2611.00002") < order.index("2611.00000")
    similar = next(c for c in cards if c["id"] == "2611.00002")
    assert "similar to 1 paper you starred" in [r["reason"] for r in similar["reasons"]]
    assert "similar to" not in json.dumps(next(c for c in cards if c["id"] == "2611.00000")["reasons"])
    text = ok("today")
    assert "similar to 1 paper you starred" in text
    assert run_radar("star", "2611.00001").stderr == "2611.00001 was already starred.\n"
    assert run_radar("hide", "2611.00001").stderr == "Hid 2611.00001 (it was starred).\n"
    assert run_radar("star", "2611.00001").stderr == "Starred 2611.00001 (it was hidden).\n"
    ok("star", "--undo", "2611.00001")
    assert ids() == before


def test_hide_removes_the_paper_and_lowers_similar_ones(tmp_path: Path) -> None:
    setup(tmp_path)
    ok("hide", "2611.00001")
    cards = json.loads(ok("today", "--format", "json"))
    assert [c["id"] for c in cards] == ["2611.00000", "2611.00002"]
    assert cards[1]["score"] < cards[0]["score"]
    assert "similar to 1 paper you hid" in [r["reason"] for r in cards[1]["reasons"]]
    ok("hide", "--undo", "2611.00001")
    assert "2611.00001" in ids()


def test_mutes_make_papers_disappear(tmp_path: Path) -> None:
    setup(tmp_path)
    ok("mute", "--author", "Sham Kakade")
    assert "2611.00000" not in ids()
    ok("mute", "--topic", "molecular property")
    assert ids() == ["2611.00001"]
    ok("unmute", "--author", "Sham Kakade")
    assert sorted(ids()) == ["2611.00000", "2611.00001"]
    assert run_radar("unmute", "--author", "Nobody Here").returncode == 1
    usage = run_radar("unmute")
    assert usage.returncode == 2
    assert usage.stderr.strip() == (
        'Error: name a person (--author) or a topic (--topic), e.g. radar unmute --topic "prompt engineering"'
    )
    # Several at once, as the help's "repeatable" says; a bad one changes nothing.
    before = ids()
    assert run_radar("mute", "-t", "bandits", "-t", " ", "--author", "Sham Kakade").returncode == 2
    assert ids() == before
    ok("mute", "-t", "molecular property", "--topic", "bandits", "--author", "Sham Kakade")
    assert ids() == ["2611.00001"]
    # One that is not muted leaves the others muted.
    partly = run_radar("unmute", "--author", "Sham Kakade", "-t", "never muted")
    assert partly.returncode == 1 and partly.stderr == "Error: the topic 'never muted' is not muted\n"
    assert ids() == ["2611.00001"]
    ok("unmute", "-t", "molecular property", "-t", "bandits", "--author", "Sham Kakade")
    assert sorted(ids()) == ["2611.00000", "2611.00001", "2611.00002"]  # no mute left


def test_star_errors(tmp_path: Path) -> None:
    setup(tmp_path)
    result = run_radar("star", "2611.55555")
    assert result.returncode == 1 and result.stderr.startswith("Error: 2611.55555 is not in the store")
    assert run_radar("star", "nonsense").returncode == 2


def test_stars_export_round_trips_through_a_bibtex_parser(tmp_path: Path) -> None:
    items = [
        Item(
            "2611.00003",
            title="5% of $x_1$ & {braces} #hash ~tilde: Über Größen",
            authors=["Sébastien Bubeck", "Paweł Łukasz"],
        )
    ]
    ok("import", str(write(tmp_path / "f.xml", rss_feed(items))))
    ok("star", "2611.00003")
    assert "2611.00003" in ok("stars")
    data = json.loads(ok("stars", "--format", "json"))
    assert data[0]["title"].startswith("5% of")
    text = ok("stars", "--format", "bibtex")
    library = bibtexparser.loads(text)
    (entry,) = library.entries
    assert entry["eprint"] == "2611.00003" and entry["archiveprefix"] == "arXiv"
    assert entry["primaryclass"] == "cs.LG"
    assert entry["author"] == "Sébastien Bubeck and Paweł Łukasz"
    # $x_1$ is math LaTeX typesets as it is; the rest is escaped text.
    assert r"5\% of $x_1$ \& \{braces\} \#hash \textasciitilde{}tilde: Über Größen" in entry["title"]
    assert entry["ID"] == "bubeck2026percent_2611.00003" or entry["ID"].startswith("bubeck2026")


def test_papers_arriving_after_a_star_are_compared_with_it(tmp_path: Path) -> None:
    setup(tmp_path)
    ok("star", "2611.00001")
    later = [
        Item(
            "2611.00003",
            title="Graph networks for molecular property prediction",
            abstract=DRUG,
            authors=["Di Dee"],
        )
    ]
    ok("import", str(write(tmp_path / "later.xml", rss_feed(later))))
    cards = json.loads(ok("today", "--format", "json"))
    late = next(c for c in cards if c["id"] == "2611.00003")
    assert "similar to 1 paper you starred" in [r["reason"] for r in late["reasons"]]


def test_a_paper_that_arrives_is_judged_once_when_a_window_first_shows_it(
    tmp_path: Path, radar_home: Path
) -> None:
    import sqlite3

    setup(tmp_path)
    ok("star", "2611.00001")
    later = [Item("2611.00003", title="Graph networks for molecules", abstract=DRUG, authors=["Di Dee"])]
    ok("import", str(write(tmp_path / "later.xml", rss_feed(later))))
    db = sqlite3.connect(radar_home / "radar.db")

    def owed() -> list[str]:
        return [r[0] for r in db.execute("select paper_id from similarity_owed")]

    def similar() -> list[tuple[str, str]]:
        return db.execute("select paper_id, example_id from similar where paper_id = '2611.00003'").fetchall()

    # Storing it judged nothing: it is only listed as owed.
    assert owed() == ["2611.00003"] and similar() == []
    ok("today", "--format", "json")
    assert owed() == [] and similar() == [("2611.00003", "2611.00001")]
    # A new version of it is judged again, from scratch.
    changed = [
        Item("2611.00003", version=2, title="Bandits for auctions", abstract=OTHER, authors=["Di Dee"])
    ]
    ok("import", str(write(tmp_path / "changed.xml", rss_feed(changed))))
    assert owed() == ["2611.00003"] and similar() == []
    cards = json.loads(ok("today", "--format", "json"))
    assert "similar to" not in json.dumps(next(c for c in cards if c["id"] == "2611.00003")["reasons"])
    assert owed() == []


def test_undo_takes_back_only_its_own_verdict(tmp_path: Path) -> None:
    setup(tmp_path)
    ok("star", "2611.00001")
    wrong = run_radar("hide", "--undo", "2611.00001")
    assert wrong.returncode == 1 and "2611.00001 is not hidden" in wrong.stderr
    assert "2611.00001" in ok("stars")
