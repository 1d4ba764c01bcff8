"""LaTeX accents in titles and abstracts are found as the letters they make: the full-text
index holds radar.latex.search_text of each column (migration m021), for `radar search`,
topic follows and Datasette's `_search` alike, while the stored text stays arXiv's."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from conftest import run_radar
from feeds import Item, api_feed, write

from radar import migrations
from radar.database import Database
from radar.ingest import save_papers
from radar.latex import latex_to_text, search_text
from radar.sources.arxiv_api import parse_api_response

ITEMS = [
    Item("2611.00011", title=r"K\"ahler metrics of constant scalar curvature", abstract="On manifolds."),
    Item("2611.00012", title="Rational curves", abstract=r"We extend a theorem of Koll\'ar on curves."),
    Item("2611.00013", title=r"Gr\"{o}bner bases in {\"o}dd places", abstract=r"The Schr\"odinger case."),
    Item("2611.00014", title=r"Bounds on $\bar x \cdot \tau$ and $T_{\rm N}$", abstract="Nothing accented."),
]


def ids(result) -> set[str]:  # type: ignore[no-untyped-def]
    assert result.returncode == 0, result.stderr
    return {p["id"] for p in json.loads(result.stdout)}


def test_search_text_decodes_accents_only() -> None:
    assert (
        search_text(r"K\"ahler, Koll\'ar, Gr\"{o}bner, {\o}rsted, Erd\H{o}s")
        == "Kähler, Kollár, Gröbner, ørsted, Erdős"
    )
    # Math and other commands tokenize the same either way, and are left alone.
    assert search_text(r"$\bar x \cdot \tau$ and \emph{x}") == r"$\bar x \cdot \tau$ and \emph{x}"
    assert search_text("plain") == "plain" and search_text(None) is None
    assert latex_to_text(r"Schr\"{o}dinger at 50\%") == "Schrödinger at 50%"


@pytest.mark.parametrize("query", ["Kahler", "Kähler", r"K\"ahler", "kähler"])
def test_every_spelling_finds_the_latex_one(tmp_path: Path, radar_home: Path, query: str) -> None:
    assert run_radar("import", str(write(tmp_path / "page.xml", api_feed(ITEMS)))).returncode == 0
    assert ids(run_radar("search", query, "--format", "json")) == {"2611.00011"}


def test_search_topic_follows_and_datasette_see_the_decoded_text(tmp_path: Path, radar_home: Path) -> None:
    assert run_radar("import", str(write(tmp_path / "page.xml", api_feed(ITEMS)))).returncode == 0
    assert ids(run_radar("search", "Kollár", "--format", "json")) == {"2611.00012"}
    assert ids(run_radar("search", "Grobner", "--format", "json")) == {"2611.00013"}
    assert ids(run_radar("search", "Schrodinger", "--format", "json")) == {"2611.00013"}
    follow = run_radar("follow", "--no-fetch", "--topic", "Kahler")
    assert follow.returncode == 0, follow.stderr
    following = run_radar("following", "--format", "json")
    assert [f["papers"] for f in json.loads(following.stdout) if f["value"] == "Kahler"] == [1]
    # What Datasette does for ?_search=: find the index of `papers`, match in it.
    import sqlite_utils

    conn = sqlite3.connect(radar_home / "radar.db")  # no radar function registered: a reader
    plain = sqlite_utils.Database(conn)
    assert plain["papers"].detect_fts() == "papers_fts"
    found = conn.execute(
        "select id, title from papers where rowid in (select rowid from papers_fts where papers_fts match ?)",
        ["Kahler"],
    ).fetchall()
    assert found == [("2611.00011", r"K\"ahler metrics of constant scalar curvature")]  # stored as given


def _store_before(step: str, monkeypatch: pytest.MonkeyPatch) -> Database:
    names = [fn.__name__ for fn in migrations.STEPS]
    db = Database(sqlite3.connect(":memory:"))
    with monkeypatch.context() as m:
        m.setattr(migrations, "STEPS", migrations.STEPS[: names.index(step)])
        migrations.apply(db)
    return db


def test_the_migration_refolds_an_old_index_and_keeps_it_consistent(monkeypatch: pytest.MonkeyPatch) -> None:
    db = _store_before("m018_search_text_folds_latex_accents", monkeypatch)
    save_papers(db, parse_api_response(api_feed(ITEMS)).papers)

    def hits(term: str) -> list[str]:
        sql = "select papers.id from papers_fts join papers on papers.rowid = papers_fts.rowid where papers_fts match ?"
        return sorted(r[0] for r in db.execute(sql, [term]).fetchall())

    assert hits("Kahler") == [] and hits("ahler") == ["2611.00011"]  # the old tokens
    migrations.apply(db)
    assert hits("Kahler") == ["2611.00011"] and hits("ahler") == []
    assert hits("tau") == ["2611.00014"]  # untouched rows are still there
    # Updates and deletes take out exactly what was indexed: the index stays whole.
    db.execute(r"update papers set title = 'Plain now', abstract = 'Erd\H{o}s' where id = '2611.00013'")
    assert hits("Grobner") == [] and hits("Erdos") == ["2611.00013"]
    db.execute("delete from papers where id in ('2611.00011', '2611.00013')")
    assert hits("Kahler") == [] and hits("Erdos") == []
    db.execute("insert into papers_fts (papers_fts) values ('integrity-check')")


@pytest.mark.parametrize("query", ["Kahler", "Kähler", "Kollar"])
def test_datasette_search_finds_the_latex_spelling(tmp_path: Path, radar_home: Path, query: str) -> None:
    # Datasette itself, over radar's file: it finds papers_fts on `papers` and matches in it.
    import asyncio

    from datasette.app import Datasette

    assert run_radar("import", str(write(tmp_path / "page.xml", api_feed(ITEMS)))).returncode == 0

    async def found() -> list[str]:
        response = await Datasette([str(radar_home / "radar.db")]).client.get(
            f"/radar/papers.json?_search={query}&_shape=array&_col=id"
        )
        assert response.status_code == 200, response.text
        return [row["id"] for row in response.json()]

    expected = {"Kahler": ["2611.00011"], "Kähler": ["2611.00011"], "Kollar": ["2611.00012"]}
    assert asyncio.run(found()) == expected[query]


@pytest.mark.parametrize("topic", ["Kahler", "Kähler", r"K\"ahler"])
def test_a_topic_follow_in_any_spelling_matches(tmp_path: Path, radar_home: Path, topic: str) -> None:
    assert run_radar("import", str(write(tmp_path / "page.xml", api_feed(ITEMS)))).returncode == 0
    assert run_radar("follow", "--no-fetch", "--topic", topic).returncode == 0
    following = json.loads(run_radar("following", "--format", "json").stdout)
    assert [f["papers"] for f in following] == [1]
