"""radar.database.Database keeps sqlite-utils' transaction rules without importing it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from radar.database import Database


@pytest.fixture
def path(tmp_path: Path) -> Path:
    path = tmp_path / "t.db"
    conn = sqlite3.connect(path)
    conn.execute("create table t (id integer primary key, v text not null)")
    conn.commit()
    conn.close()
    return path


def rows_seen_by_another_connection(path: Path) -> list[tuple[int, str]]:
    other = sqlite3.connect(path)
    try:
        return other.execute("select id, v from t order by id").fetchall()
    finally:
        other.close()


def test_a_write_outside_a_transaction_commits_at_once(path: Path) -> None:
    db = Database(sqlite3.connect(path))
    cursor = db.execute("insert into t (v) values (?)", ["a"])
    assert cursor.lastrowid == 1
    assert not db.conn.in_transaction
    assert rows_seen_by_another_connection(path) == [(1, "a")]


def test_a_failed_write_leaves_no_transaction_open(path: Path) -> None:
    db = Database(sqlite3.connect(path))
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("insert into t (v) values (null)")
    assert not db.conn.in_transaction
    db.execute("insert into t (v) values ('b')")
    assert rows_seen_by_another_connection(path) == [(1, "b")]


def test_begin_is_left_open_for_its_owner(path: Path) -> None:
    db = Database(sqlite3.connect(path))
    db.execute("BEGIN IMMEDIATE")
    db.execute("insert into t (v) values ('c')")
    assert db.conn.in_transaction and rows_seen_by_another_connection(path) == []
    db.commit()
    assert rows_seen_by_another_connection(path) == [(1, "c")]


def test_atomic_commits_or_rolls_back_and_nests_as_savepoints(path: Path) -> None:
    db = Database(sqlite3.connect(path))
    with pytest.raises(RuntimeError), db.atomic():
        db.execute("insert into t (v) values ('lost')")
        raise RuntimeError
    with db.atomic():
        db.execute("insert into t (v) values ('kept')")
        with pytest.raises(RuntimeError), db.atomic():
            db.execute("insert into t (v) values ('inner, undone')")
            raise RuntimeError
        assert db.conn.in_transaction
        with db.atomic():
            db.execute("insert into t (v) values ('inner, kept')")
    assert not db.conn.in_transaction
    assert [v for _, v in rows_seen_by_another_connection(path)] == ["kept", "inner, kept"]


def test_query_runs_at_once_and_yields_dicts(path: Path) -> None:
    db = Database(sqlite3.connect(path))
    db.execute("insert into t (v) values ('x'), ('y')")
    rows = db.query("select id, v as value from t where id > ? order by id", [0])
    assert list(rows) == [{"id": 1, "value": "x"}, {"id": 2, "value": "y"}]
    with pytest.raises(ValueError, match="use execute"):
        db.query("update t set v = 'z'")
    assert [v for _, v in rows_seen_by_another_connection(path)] == ["x", "y"]


def test_tables_go_through_sqlite_utils_on_the_same_connection(path: Path) -> None:
    db = Database(sqlite3.connect(path))
    with db.atomic():
        db.table("t").insert({"v": "from sqlite-utils"})
        assert db.execute("select v from t").fetchall() == [("from sqlite-utils",)]
    assert db["t"].count == 1 and db.table_names() == ["t"]


def test_comments_before_a_statement_do_not_hide_what_it_is(path: Path) -> None:
    db = Database(sqlite3.connect(path))
    db.execute("-- the writer's lock\n/* held to the end */ BEGIN IMMEDIATE")
    db.execute("insert into t (v) values ('held')")
    assert db.conn.in_transaction and rows_seen_by_another_connection(path) == []
    db.commit()
    assert list(db.query("  -- a note\nselect v from t")) == [{"v": "held"}]


def test_a_with_statement_that_writes_is_undone_and_refused(path: Path) -> None:
    db = Database(sqlite3.connect(path))
    with pytest.raises(ValueError, match="use execute"):
        db.query("with n(v) as (select 'sneaked') insert into t (v) select v from n")
    assert rows_seen_by_another_connection(path) == [] and not db.conn.in_transaction
    with db.atomic():
        db.execute("insert into t (v) values ('kept')")
        with pytest.raises(ValueError):
            db.query("with n(v) as (select 'sneaked') insert into t (v) select v from n")
    assert [v for _, v in rows_seen_by_another_connection(path)] == ["kept"]
    assert list(db.query("with n(x) as (select 1) select x, v from n, t")) == [{"x": 1, "v": "kept"}]


def test_columns_of_one_name_all_stay(path: Path) -> None:
    db = Database(sqlite3.connect(path))
    assert list(db.query("select 1 as id, 2 as id, 3 as id")) == [{"id": 1, "id_2": 2, "id_3": 3}]


def test_a_store_fires_delete_triggers_on_replace(tmp_path: Path) -> None:
    """sqlite-utils' constructor turned recursive_triggers on; without it a REPLACE would
    leave the replaced row's words in the full-text index."""
    from feeds import Item, api_feed

    from radar.ingest import save_papers
    from radar.sources.arxiv_api import parse_api_response
    from radar.store import open_db

    db = open_db(tmp_path / "radar.db")
    save_papers(db, parse_api_response(api_feed([Item("2611.00001", title="Obsolete wording")])).papers)
    db.close()
    # Reopened: no migration runs, so sqlite-utils never touches this connection.
    db = open_db(tmp_path / "radar.db")
    row = next(db.query("select * from papers"))
    row["title"] = "Current wording"
    columns = ", ".join(row)
    db.execute(
        f"insert or replace into papers ({columns}) values ({', '.join('?' for _ in row)})",
        list(row.values()),
    )
    match = "select count(*) from papers_fts where papers_fts match ?"
    assert db.execute(match, ["obsolete"]).fetchone() == (0,)
    assert db.execute(match, ["current"]).fetchone() == (1,)
