"""The SQLite store: schema, opening files safely, and importing papers idempotently."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from feeds import FIXTURES, Item, api_feed, rss_feed

from radar import migrations, store
from radar.database import Database
from radar.errors import StoreError
from radar.follows import add_follow, list_follows
from radar.importer import import_files
from radar.ingest import save_papers
from radar.model import Author, Paper
from radar.sources.arxiv_api import parse_api_response
from radar.sources.arxiv_rss import parse_listing
from radar.store import connection, get_paper, open_db, paper_versions
from radar.store.connection import (
    PAGE_SIZE,
    WAL_AUTOCHECKPOINT,
    background_checkpoints,
    wal_backstop_pages,
    write_transaction,
)

API_TESTING = FIXTURES / "api_atom_2026_search_testing_100entries.xml"
RSS_COMBINED = FIXTURES / "rss_combined_csLG+csAI+csCL+statML_2026-09-24_trimmed_4items.xml"


@pytest.fixture
def db(tmp_path: Path) -> Database:
    return open_db(tmp_path / "radar.db")


def migrated_memory_db() -> Database:
    db = Database(sqlite3.connect(":memory:"))
    migrations.apply(db)
    return db


def schema(db: Database) -> list[tuple[str, str, str]]:
    return db.execute("select type, name, sql from sqlite_master order by type, name").fetchall()


def dump(db: Database) -> list[str]:
    return list(db.conn.iterdump())


def count(db: Database, table: str) -> int:
    return db.execute(f"select count(*) from {table}").fetchone()[0]


# --- schema -------------------------------------------------------------------------------


def test_migrations_create_tables_and_columns() -> None:
    db = migrated_memory_db()
    tables = set(db.table_names())
    assert {
        "papers",
        "paper_authors",
        "paper_categories",
        "paper_versions",
        "follows",
        "matches",
        "papers_fts",
    } <= tables
    assert list(db["papers"].columns_dict) == [
        "id",
        "version",
        "title",
        "abstract",
        "authors_json",
        "primary_category",
        "categories_json",
        "published_utc",
        "updated_utc",
        "comment",
        "journal_ref",
        "doi",
        "announce_type",
        "announced_date",
        "listing_date",
        "first_seen_utc",
        "changed_utc",
        "source",
        "source_name",
        "url",
        "linked_to",
        "doi_key",
        "title_key",
        "metadata_date",
    ]
    assert db["papers"].pks == ["id"]
    assert list(db["paper_authors"].columns_dict) == ["paper_id", "position", "name", "name_key"]
    assert db["paper_authors"].pks == ["paper_id", "position"]
    assert list(db["paper_categories"].columns_dict) == ["paper_id", "category"]
    assert db["paper_categories"].pks == ["paper_id", "category"]
    assert list(db["paper_versions"].columns_dict) == ["paper_id", "version", "updated_utc", "seen_utc"]
    assert db["paper_versions"].pks == ["paper_id", "version"]
    assert list(db["follows"].columns_dict) == [
        "id",
        "kind",
        "value",
        "key",
        "created_utc",
        "matched",
        "person_json",
    ]
    assert list(db["matches"].columns_dict) == [
        "follow_id",
        "paper_id",
        "strength",
        "reason",
        "matched_name",
        "matched_utc",
        "broad",
    ]
    assert db["matches"].pks == ["follow_id", "paper_id"]
    assert db["fetch_state"].pks == ["key"]
    assert db["llm_cache"].pks == ["key"]
    assert {
        "model",
        "purpose",
        "prompt_tokens",
        "completion_tokens",
        "cost_usd",
        "duration_ms",
        "cached",
    } <= set(db["llm_calls"].columns_dict)
    assert {"model", "prompt_version", "lang", "paper_ids_json", "cited_ids_json", "markdown"} <= set(
        db["briefs"].columns_dict
    )
    assert {"etag", "last_modified", "watermark_utc", "last_total", "last_listing_date"} <= set(
        db["fetch_state"].columns_dict
    )


def test_migrations_create_indexes() -> None:
    db = migrated_memory_db()

    def indexes(table: str) -> set[tuple[tuple[str, ...], bool]]:
        return {(tuple(i.columns), bool(i.unique)) for i in db[table].indexes}

    assert (
        ("listing_date", "id", "announce_type", "updated_utc", "published_utc", "linked_to"),
        False,
    ) in indexes("papers")
    assert (("name_key", "name", "paper_id"), False) in indexes("paper_authors")
    assert (("category", "paper_id"), False) in indexes("paper_categories")
    assert (("kind", "key"), True) in indexes("follows")
    assert (("broad", "paper_id"), False) in indexes("matches")


def test_follows_kind_key_is_unique() -> None:
    db = migrated_memory_db()
    row = {"kind": "author", "value": "Ada Lovelace", "key": "ada lovelace", "created_utc": "x"}
    db["follows"].insert(row)
    with pytest.raises(sqlite3.IntegrityError):
        db["follows"].insert({**row, "value": "Ada  Lovelace"})
    db["follows"].insert({**row, "kind": "topic"})  # another kind, same key: fine
    assert count(db, "follows") == 2


def test_migrations_create_fts_with_triggers() -> None:
    db = migrated_memory_db()
    assert db["papers"].detect_fts() == "papers_fts"
    assert list(db["papers_fts"].columns_dict) == ["title", "abstract"]
    triggers = {t.name: t.table for t in db.utils.triggers}
    assert triggers == {"papers_ai": "papers", "papers_ad": "papers", "papers_au": "papers"}
    fts_sql = db.execute("select sql from sqlite_master where name = 'papers_fts'").fetchone()[0]
    assert "fts5" in fts_sql.lower()
    assert "porter" in fts_sql.lower()


def test_fts_triggers_keep_the_index_in_step() -> None:
    db = migrated_memory_db()
    parsed = parse_api_response(api_feed([Item("2611.00001", title="Sparse world models")]))
    save_papers(db, parsed.papers)

    def hits(term: str) -> list[str]:
        sql = "select papers.id from papers_fts join papers on papers.rowid = papers_fts.rowid where papers_fts match ?"
        return [r[0] for r in db.execute(sql, [term]).fetchall()]

    assert hits("world") == ["2611.00001"]
    db.execute("update papers set title = 'Dense planners' where id = '2611.00001'")
    assert hits("world") == []
    assert hits("planners") == ["2611.00001"]
    db.execute("delete from papers where id = '2611.00001'")
    assert hits("planners") == []


def test_applying_migrations_twice_is_a_no_op() -> None:
    db = migrated_memory_db()
    before = schema(db)
    applied = db.execute("select migration_set, name from _sqlite_migrations order by id").fetchall()
    assert applied == [
        ("radar", "m001_papers"),
        ("radar", "m002_follows"),
        ("radar", "m003_fetch_state"),
        ("radar", "m004_briefs"),
        ("radar", "m005_reading_and_feedback"),
        ("radar", "m006_reindex_only_changed_text"),
        ("radar", "m007_journal_feeds"),
        ("radar", "m008_similar_papers"),
        ("radar", "m009_snapshot_imports"),
        ("radar", "m010_fts_automerge"),
        ("radar", "m011_counts_and_name_lookups"),
        ("radar", "m012_listing_index_covers_ranking"),
        ("radar", "m013_metadata_date"),
        ("radar", "m014_author_names_cover_papers"),
        ("radar", "m015_matches_by_breadth"),
        ("radar", "m016_similarity_owed"),
        ("radar", "m017_library"),
        ("radar", "m018_search_text_folds_latex_accents"),
        ("radar", "m019_citation_keys"),
        ("radar", "m020_deliveries"),
        ("radar", "m021_relevance"),
        ("radar", "m022_person_follows"),
    ]
    migrations.apply(db)
    assert schema(db) == before
    assert db.execute("select migration_set, name from _sqlite_migrations order by id").fetchall() == applied
    assert migrations.pending(db) == []


def _store_before(step: str, monkeypatch: pytest.MonkeyPatch) -> Database:
    names = [fn.__name__ for fn in migrations.STEPS]
    db = Database(sqlite3.connect(":memory:"))
    with monkeypatch.context() as m:
        m.setattr(migrations, "STEPS", migrations.STEPS[: names.index(step)])
        migrations.apply(db)
    return db


def _index_columns(db: Database, index: str) -> list[str]:
    return [r[2] for r in db.execute(f"pragma index_info({index})")]


def test_the_surname_index_gains_the_paper_id(monkeypatch: pytest.MonkeyPatch) -> None:
    db = _store_before("m014_author_names_cover_papers", monkeypatch)
    assert _index_columns(db, "idx_paper_authors_name_key_name") == ["name_key", "name"]
    migrations.apply(db)
    assert _index_columns(db, "idx_paper_authors_name_key_name") == ["name_key", "name", "paper_id"]


def test_matches_from_before_are_indexed_by_their_follows_breadth(monkeypatch: pytest.MonkeyPatch) -> None:
    db = _store_before("m015_matches_by_breadth", monkeypatch)
    for follow_id, kind in ((1, "author"), (2, "category"), (3, "topic")):
        db.execute(
            "insert into follows (id, kind, value, key, created_utc) values (?, ?, ?, ?, '')",
            [follow_id, kind, f"v{follow_id}", f"k{follow_id}"],
        )
        db.execute("insert into matches (follow_id, paper_id) values (?, '2611.00001')", [follow_id])
    migrations.apply(db)
    assert db.execute("select follow_id, broad from matches order by follow_id").fetchall() == [
        (1, 0),
        (2, 1),
        (3, 1),
    ]
    assert _index_columns(db, "idx_matches_broad_paper_id") == ["broad", "paper_id"]
    assert _index_columns(db, "idx_matches_paper_id") == []


def test_a_bulk_import_that_owes_the_surname_index_builds_the_new_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    db = _store_before("m014_author_names_cover_papers", monkeypatch)
    with db.atomic():
        owed = store.drop_bulk_indexes(db)
    db.execute(
        "insert into imports (key, path, dropped_indexes_json) values ('k', 'snapshot.json', ?)",
        [json.dumps(owed)],
    )
    migrations.apply(db)
    # Not built now, in the middle of the bulk load, but owed in its new shape.
    assert _index_columns(db, "idx_paper_authors_name_key_name") == []
    statements = json.loads(db.execute("select dropped_indexes_json from imports").fetchone()[0])
    assert len(statements) == len(owed) == len(store.BULK_INDEXES)
    store.restore_indexes(db, statements)
    assert _index_columns(db, "idx_paper_authors_name_key_name") == ["name_key", "name", "paper_id"]
    assert _index_columns(db, "idx_papers_listing_date")[:2] == ["listing_date", "id"]


def test_open_db_turns_on_wal(tmp_path: Path) -> None:
    db = open_db(tmp_path / "radar.db")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert "papers" in db.table_names()


def test_open_db_creates_parent_directories(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "radar.db"
    open_db(path)
    assert path.is_file()


def test_reopening_keeps_data(tmp_path: Path) -> None:
    path = tmp_path / "radar.db"
    db = open_db(path)
    save_papers(db, parse_api_response(api_feed([Item("2611.00001")])).papers)
    db.close()
    again = open_db(path)
    assert count(again, "papers") == 1
    assert count(again, "_sqlite_migrations") == len(migrations.STEPS)


def test_a_new_store_has_large_pages_and_an_old_one_keeps_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    new = open_db(tmp_path / "new.db")
    assert new.execute("pragma page_size").fetchone()[0] == PAGE_SIZE == 16384
    # A store made before radar chose its page size: on SQLite's default 4 KB pages.
    old_path = tmp_path / "old.db"
    monkeypatch.setattr(connection, "PAGE_SIZE", 4096)
    open_db(old_path).close()
    monkeypatch.undo()
    old = open_db(old_path)
    assert old.execute("pragma page_size").fetchone()[0] == 4096
    save_papers(old, parse_api_response(api_feed([Item("2611.00001")])).papers)
    old.close()
    again = open_db(old_path)
    assert again.execute("pragma page_size").fetchone()[0] == 4096
    assert count(again, "papers") == 1
    assert again.execute("pragma integrity_check").fetchone()[0] == "ok"


_CACHE_PROBE = """
import sys
from pathlib import Path
from radar.store import open_db, write_cache, write_transaction

db = open_db(Path(sys.argv[1]))
db.execute("create table blobs (b blob)")
with write_cache(db), write_transaction(db):
    # 320 MB in one transaction: the page cache fills up and spills what does not fit.
    db.execute("with n(i) as (select 1 union all select i + 1 from n where i < 3200) "
               "insert into blobs select zeroblob(100000) from n")
# VmHWM, not ru_maxrss: Linux carries the parent's resident size at the fork into the
# child's ru_maxrss, and pytest's process can be larger than the limit tested here.
peak_kb = next(line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(int(peak_kb) // 1024)
"""


@pytest.mark.skipif(sys.platform != "linux", reason="reads the peak from /proc/self/status")
def test_a_new_stores_write_cache_stays_at_64_mib(tmp_path: Path) -> None:
    # SQLite turns a cache size in KiB into pages of the size it knows when it is set:
    # set before a new store's 16 KB page size, 64 MiB became 256 MiB.
    out = subprocess.run(
        [sys.executable, "-c", _CACHE_PROBE, str(tmp_path / "radar.db")],
        capture_output=True,
        text=True,
        check=True,
    )
    peak_mb = int(out.stdout)
    assert peak_mb < 64 + 80, f"peak {peak_mb} MB"


def test_a_store_reads_with_a_small_cache_and_writes_with_a_large_one(tmp_path: Path) -> None:
    db = open_db(tmp_path / "radar.db")

    def cache() -> int:
        return int(db.execute("pragma cache_size").fetchone()[0])

    assert cache() == -connection.READ_CACHE_KIB
    # SQLite holds the setting to its build's limit (MAX_WORKER_THREADS, 8 by default).
    limits = [o for (o,) in db.execute("pragma compile_options") if o.startswith("MAX_WORKER_THREADS=")]
    limit = int(limits[0].partition("=")[2]) if limits else 8
    assert db.execute("pragma threads").fetchone()[0] == min(connection.SORT_THREADS, limit)
    with store.write_cache(db):
        assert cache() == -connection.WRITE_CACHE_KIB
        with store.write_cache(db):
            assert cache() == -connection.WRITE_CACHE_KIB
        assert cache() == -connection.WRITE_CACHE_KIB
    assert cache() == -connection.READ_CACHE_KIB
    with pytest.raises(StoreError), store.write_cache(db):
        raise StoreError("a write that fails")
    assert cache() == -connection.READ_CACHE_KIB


def test_long_writes_take_the_write_cache_and_give_it_back(db: Database) -> None:
    from radar.follows import add_follow, remove_follow
    from radar.importer import import_snapshot

    snapshot = Path(__file__).parent / "fixtures" / "snapshot" / "arxiv-metadata-2lines.jsonl"
    traced: list[str] = []
    db.conn.set_trace_callback(traced.append)
    writes = {
        "save_papers": lambda: save_papers(db, parse_api_response(API_TESTING.read_bytes()).papers),
        "import_snapshot": lambda: import_snapshot(db, snapshot, workers=0),
        "add_follow": lambda: add_follow(db, "category", "cs.LG"),
        "remove_follow": lambda: remove_follow(db, "category", "cs.LG"),
    }
    for name, write in writes.items():
        traced.clear()
        write()
        sizes = [
            s.removeprefix("pragma cache_size = ") for s in traced if s.startswith("pragma cache_size =")
        ]
        assert sizes and sizes[0] == f"-{connection.WRITE_CACHE_KIB}", (name, sizes)
        assert sizes[-1] == f"-{connection.READ_CACHE_KIB}", (name, sizes)


# --- open_db refusals ---------------------------------------------------------------------


def test_open_db_refuses_a_text_file(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("my research notes\n")
    with pytest.raises(StoreError, match="not an SQLite file"):
        open_db(path)
    assert path.read_text() == "my research notes\n"


def test_open_db_refuses_a_directory(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="directory"):
        open_db(tmp_path)


def test_open_db_refuses_another_apps_sqlite_file(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("create table recipes (id integer primary key, name text)")
    conn.execute("insert into recipes (name) values ('soup')")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="not radar's"):
        open_db(path)
    # Untouched: no radar tables were added to it.
    conn = sqlite3.connect(path)
    names = {r[0] for r in conn.execute("select name from sqlite_master where type = 'table'")}
    conn.close()
    assert names == {"recipes"}


def test_open_db_refuses_a_path_under_a_read_only_directory(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):
            pytest.skip("running with privileges that can write to a read-only directory")
        with pytest.raises(StoreError):
            open_db(locked / "radar.db")
    finally:
        locked.chmod(0o700)


# --- importing ----------------------------------------------------------------------------


@pytest.mark.parametrize("fixture", [API_TESTING, RSS_COMBINED], ids=["api", "listing"])
def test_importing_the_same_fixture_twice_changes_nothing(db: Database, fixture: Path) -> None:
    expected = 100 if fixture == API_TESTING else 4
    (first,) = import_files(db, [fixture])
    assert first.error is None
    assert (first.counts.new, first.counts.updated, first.counts.unchanged) == (expected, 0, 0)
    rows, versions, snapshot = count(db, "papers"), count(db, "paper_versions"), dump(db)
    assert rows == expected
    assert versions == expected

    (second,) = import_files(db, [fixture])
    assert second.error is None
    assert (second.counts.new, second.counts.updated, second.counts.unchanged) == (0, 0, expected)
    assert second.counts.changed_ids == []
    assert count(db, "papers") == rows
    assert count(db, "paper_versions") == versions
    assert dump(db) == snapshot


def test_import_fills_authors_and_categories(db: Database) -> None:
    import_files(db, [RSS_COMBINED])
    authors = db.execute(
        "select position, name, name_key from paper_authors where paper_id = '2205.06398' order by position"
    ).fetchall()
    assert authors == [
        (0, "Pritam Dey", "dey"),
        (1, "Zhengwu Zhang", "zhang"),
        (2, "David B. Dunson", "dunson"),
    ]
    cats = {r[0] for r in db.execute("select category from paper_categories where paper_id = '2205.06398'")}
    assert cats == {"stat.ME", "stat.AP", "stat.ML"}
    row = db["papers"].get("2205.06398")
    assert row["primary_category"] == "stat.ME"
    assert json.loads(row["categories_json"]) == ["stat.ME", "stat.AP", "stat.ML"]
    assert row["doi"] == "10.1093/bioinformatics/btac431"


def test_newer_version_counts_as_updated(db: Database) -> None:
    v1 = Item("2611.00001", title="Old title", version=1, published="2026-11-10T10:00:00Z")
    v2 = Item(
        "2611.00001",
        title="New title",
        version=2,
        authors=["Ada Lovelace", "Charles Babbage"],
        published="2026-11-10T10:00:00Z",
        updated="2026-11-19T09:00:00Z",
    )
    first = save_papers(db, parse_api_response(api_feed([v1])).papers)
    assert (first.new, first.updated) == (1, 0)
    stored_first = db["papers"].get("2611.00001")

    counts = save_papers(db, parse_api_response(api_feed([v2])).papers)
    assert (counts.new, counts.updated, counts.unchanged) == (0, 1, 0)
    assert counts.updated_ids == ["2611.00001"]

    paper = get_paper(db, "2611.00001")
    assert paper is not None
    assert paper.version == 2
    assert paper.title == "New title"
    assert [a.name for a in paper.authors] == ["Ada Lovelace", "Charles Babbage"]
    assert paper.announce_type == "replace"
    row = db["papers"].get("2611.00001")
    assert row["published_utc"] == "2026-11-10T10:00:00Z"
    assert row["updated_utc"] == "2026-11-19T09:00:00Z"
    assert row["listing_date"] == "2026-11-19"
    assert row["first_seen_utc"] == stored_first["first_seen_utc"]
    assert [v["version"] for v in paper_versions(db, "2611.00001")] == [1, 2]
    # The author table follows the new version.
    names = [
        r[0]
        for r in db.execute("select name from paper_authors where paper_id = '2611.00001' order by position")
    ]
    assert names == ["Ada Lovelace", "Charles Babbage"]
    assert count(db, "papers") == 1


def test_newer_version_from_a_listing_keeps_the_first_submission_time(db: Database) -> None:
    v1 = Item("2611.00001", title="Old title", published="2026-11-10T10:00:00Z")
    save_papers(db, parse_api_response(api_feed([v1])).papers)
    v2 = Item("2611.00001", title="New title", version=2, announce="replace")
    counts = save_papers(db, parse_listing(rss_feed([v2], day="2026-11-20")).papers)
    assert (counts.new, counts.updated, counts.unchanged) == (0, 1, 0)
    row = db["papers"].get("2611.00001")
    assert (row["version"], row["title"]) == (2, "New title")
    assert row["published_utc"] == "2026-11-10T10:00:00Z"  # a listing does not carry it
    assert (row["announce_type"], row["announced_date"], row["listing_date"]) == (
        "replace",
        "2026-11-20",
        "2026-11-20",
    )
    assert [v["version"] for v in paper_versions(db, "2611.00001")] == [1, 2]


def test_older_version_after_newer_is_ignored(db: Database) -> None:
    v2 = Item("2611.00001", title="New title", version=2, updated="2026-11-19T09:00:00Z")
    v1 = Item("2611.00001", title="Old title", version=1)
    save_papers(db, parse_api_response(api_feed([v2])).papers)
    snapshot = dump(db)
    counts = save_papers(db, parse_api_response(api_feed([v1])).papers)
    assert (counts.new, counts.updated, counts.unchanged) == (0, 0, 1)
    assert counts.changed_ids == []
    paper = get_paper(db, "2611.00001")
    assert paper is not None and (paper.version, paper.title) == (2, "New title")
    assert dump(db) == snapshot
    # Nor does an old day's listing of v1 say anything about how v2 was announced.
    listed = save_papers(db, parse_listing(rss_feed([v1], day="2026-11-10")).papers)
    assert (listed.new, listed.updated, listed.unchanged) == (0, 0, 1)
    assert dump(db) == snapshot


def test_same_paper_twice_in_one_batch_keeps_the_newest(db: Database) -> None:
    papers = parse_api_response(
        api_feed([Item("2611.00001", title="v3", version=3), Item("2611.00001", title="v2", version=2)])
    ).papers
    counts = save_papers(db, papers)
    assert (counts.new, counts.updated) == (1, 0)
    paper = get_paper(db, "2611.00001")
    assert paper is not None and (paper.version, paper.title) == (3, "v3")


def test_listing_after_api_fills_announce_type_without_counting_as_updated(db: Database) -> None:
    item = Item(
        "2611.00001",
        title="Cross-listed paper",
        categories=["stat.ML", "cs.LG"],
        published="2026-11-18T15:00:00Z",
        announce="cross",
    )
    save_papers(db, parse_api_response(api_feed([item])).papers)
    before = db["papers"].get("2611.00001")
    assert before["announce_type"] == "new"  # the API's guess from version 1
    assert before["announced_date"] is None
    assert before["listing_date"] == "2026-11-18"

    counts = save_papers(db, parse_listing(rss_feed([item], day="2026-11-20")).papers)
    assert (counts.new, counts.updated, counts.unchanged) == (0, 0, 1)
    assert counts.changed_ids == []
    after = db["papers"].get("2611.00001")
    assert after["announce_type"] == "cross"
    assert after["announced_date"] == "2026-11-20"
    assert after["listing_date"] == "2026-11-20"
    # What the API knew and the listing does not is kept.
    assert after["published_utc"] == "2026-11-18T15:00:00Z"
    assert after["first_seen_utc"] == before["first_seen_utc"]
    assert [v["version"] for v in paper_versions(db, "2611.00001")] == [1]

    # And a second identical listing is a true no-op.
    snapshot = dump(db)
    again = save_papers(db, parse_listing(rss_feed([item], day="2026-11-20")).papers)
    assert (again.new, again.updated, again.unchanged) == (0, 0, 1)
    assert dump(db) == snapshot


def test_paper_without_any_date_is_skipped(db: Database) -> None:
    paper = parse_api_response(api_feed([Item("2611.00001")])).papers[0]
    paper.published = paper.updated = None
    counts = save_papers(db, [paper])
    assert counts.new == 0
    assert counts.skipped == ["2611.00001: no date"]
    assert count(db, "papers") == 0


# --- query plans --------------------------------------------------------------------------


def plan(db: Database, sql: str, params: list[str]) -> str:
    return " | ".join(row[-1] for row in db.execute("EXPLAIN QUERY PLAN " + sql, params).fetchall())


def test_follow_counts_stay_right_as_matches_change(db: Database) -> None:
    from radar.follows import add_follow, list_follows, rematch_papers, remove_follow

    import_files(db, [API_TESTING])
    add_follow(db, "category", "cs.LG")
    add_follow(db, "category", "cs.AI")

    def counted() -> dict[str, int]:
        return {f.value: f.papers for f in list_follows(db)}

    def actual() -> dict[str, int]:
        sql = "select f.value, count(m.paper_id) from follows f left join matches m on m.follow_id = f.id group by f.id"
        return dict(db.execute(sql).fetchall())

    assert counted() == actual() and counted()["cs.LG"] > 0
    ids = [r[0] for r in db.execute("select id from papers limit 30")]
    rematch_papers(db, ids)  # matches deleted and inserted again
    rematch_papers(db, ids, new_ids=ids)  # upserted over themselves
    assert counted() == actual()
    remove_follow(db, "category", "cs.AI")
    assert counted() == actual()


def test_author_lookup_uses_name_key_index(db: Database) -> None:
    import_files(db, [API_TESTING])
    detail = plan(db, "select paper_id, name, name_key from paper_authors where name_key in (?)", ["gaudel"])
    assert "SEARCH paper_authors USING COVERING INDEX idx_paper_authors_name_key_name (name_key=?)" in detail
    assert "SCAN" not in detail


def test_window_lookup_uses_listing_date_index(db: Database) -> None:
    import_files(db, [API_TESTING])
    detail = plan(
        db,
        "select id from papers where listing_date >= ? and listing_date <= ?",
        ["2026-01-01", "2026-12-31"],
    )
    assert "SEARCH papers USING" in detail and "INDEX idx_papers_listing_date" in detail
    assert "SCAN" not in detail


def test_a_large_batch_is_indexed_in_bulk_and_keeps_the_trigger(tmp_path: Path) -> None:
    """Batches of 500+ lift the FTS insert trigger for speed; the index must still be
    complete and the trigger back in place for the next single insert."""
    db = open_db(tmp_path / "bulk.db")
    trigger_sql = db.execute("select sql from sqlite_master where name = 'papers_ai'").fetchone()[0]
    items = [
        Item(f"2611.{i:05d}", title=f"Paper {i} on zebrafish" if i % 7 == 0 else f"Paper {i}")
        for i in range(1200)
    ]
    save_papers(db, parse_api_response(api_feed(items)).papers)
    hits = db.execute("select count(*) from papers_fts where papers_fts match 'zebrafish'").fetchone()[0]
    assert hits == len([i for i in range(1200) if i % 7 == 0])
    assert db.execute("select sql from sqlite_master where name = 'papers_ai'").fetchone()[0] == trigger_sql
    save_papers(db, parse_api_response(api_feed([Item("2611.99999", title="One more zebrafish")])).papers)
    assert (
        db.execute("select count(*) from papers_fts where papers_fts match 'zebrafish'").fetchone()[0]
        == hits + 1
    )
    assert db.execute("pragma integrity_check").fetchone()[0] == "ok"
    db.execute("insert into papers_fts(papers_fts) values('integrity-check')")


def test_updates_reindex_only_changed_text(tmp_path: Path) -> None:
    db = open_db(tmp_path / "au.db")
    save_papers(db, parse_api_response(api_feed([Item("2611.00001", title="Old title")])).papers)
    save_papers(
        db,
        parse_api_response(
            api_feed([Item("2611.00001", version=2, title="New title about axolotls")])
        ).papers,
    )
    assert db.execute("select count(*) from papers_fts where papers_fts match 'axolotls'").fetchone()[0] == 1
    assert db.execute("select count(*) from papers_fts where papers_fts match 'old'").fetchone()[0] == 0
    db.execute("insert into papers_fts(papers_fts) values('integrity-check')")


def test_a_batch_mixing_filled_gaps_and_new_versions(tmp_path: Path) -> None:
    """A listing that fills in one stored paper and brings a new version of another."""
    db = open_db(tmp_path / "mixed.db")
    save_papers(db, parse_api_response(api_feed([Item("2611.00001"), Item("2611.00002")])).papers)
    listing = parse_listing(
        rss_feed([Item("2611.00001", announce="cross"), Item("2611.00002", version=2, announce="replace")])
    )
    counts = save_papers(db, listing.papers)
    assert (counts.updated, counts.unchanged) == (1, 1)
    assert db.execute("select announce_type from papers where id = '2611.00001'").fetchone()[0] == "cross"


def _commit_blobs(db: Database, count: int) -> None:
    for _ in range(count):
        with write_transaction(db):
            db.conn.execute("insert into blobs values (?)", [os.urandom(200_000)])


def test_background_checkpoints_write_the_wal_back_beside_the_writer(tmp_path: Path) -> None:
    db = open_db(tmp_path / "radar.db")
    db.execute("create table blobs (b blob)")
    wal = tmp_path / "radar.db-wal"
    with background_checkpoints(db):
        # The writer's own limit is far off: 20 commits of 200 KB stay under it.
        assert db.execute("pragma wal_autocheckpoint").fetchone()[0] == wal_backstop_pages(db) == 6103
        before = (tmp_path / "radar.db").stat().st_size
        _commit_blobs(db, 20)
        deadline = time.monotonic() + 10
        # Only a checkpoint writes pages into the database file itself.
        while (tmp_path / "radar.db").stat().st_size < before + 4_000_000 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert (tmp_path / "radar.db").stat().st_size >= before + 4_000_000
    assert db.execute("pragma wal_autocheckpoint").fetchone()[0] == WAL_AUTOCHECKPOINT
    assert wal.exists()
    assert db.execute("pragma integrity_check").fetchone()[0] == "ok"
    assert db.execute("select count(*) from blobs").fetchone()[0] == 20


def test_background_checkpoints_write_back_what_earlier_commits_left(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A follow commits its matches, then reads its preview: the thread writes the WAL
    # back at once while the command reads, so closing the store has nothing to copy.
    import radar.store.connection

    monkeypatch.setattr(radar.store.connection, "CHECKPOINT_EVERY_S", 60.0)  # only the first round counts
    path = tmp_path / "radar.db"
    db = open_db(path)
    db.execute("create table blobs (b blob)")
    db.execute("pragma wal_autocheckpoint = 0")  # nothing but the thread may checkpoint
    _commit_blobs(db, 10)
    before = path.stat().st_size
    with background_checkpoints(db):
        deadline = time.monotonic() + 10
        # Only a checkpoint writes into the database file: all ten commits (2 MB) reach
        # it while the command still reads, with no commit of its own.
        while path.stat().st_size < before + 2_000_000 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert path.stat().st_size >= before + 2_000_000
        assert db.execute("select count(*) from blobs").fetchone()[0] == 10


def test_a_failing_checkpoint_thread_leaves_the_writer_its_own_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    import radar.store.connection

    db = open_db(tmp_path / "radar.db")
    db.execute("create table blobs (b blob)")
    real_connect = sqlite3.connect

    def failing_connect(*args: object, **kwargs: object) -> sqlite3.Connection:
        if threading.current_thread() is threading.main_thread():
            return real_connect(*args, **kwargs)  # type: ignore[arg-type]
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(radar.store.connection.sqlite3, "connect", failing_connect)
    with background_checkpoints(db):
        _commit_blobs(db, 5)
        time.sleep(0.3)
        assert db.execute("pragma wal_autocheckpoint").fetchone()[0] == wal_backstop_pages(db)
    assert "Traceback" not in capfd.readouterr().err
    assert db.execute("pragma wal_autocheckpoint").fetchone()[0] == WAL_AUTOCHECKPOINT
    assert db.execute("select count(*) from blobs").fetchone()[0] == 5


def _paper(
    categories: list[str],
    metadata_date: str | None,
    journal_ref: str | None = None,
    authors: list[Author] | None = None,
) -> Paper:
    return Paper(
        id="2611.00001",
        version=1,
        title="A study of things",
        abstract="We study things.",
        authors=authors or [Author("Ada Lovelace")],
        primary_category=categories[0],
        categories=categories,
        published=datetime(2026, 11, 2, 10, tzinfo=UTC),
        updated=datetime(2026, 11, 2, 10, tzinfo=UTC),
        journal_ref=journal_ref,
        metadata_date=metadata_date,
    )


def _stored(db: Database) -> tuple[list[str], str | None, str | None]:
    row = db.execute("select categories_json, journal_ref, metadata_date from papers").fetchone()
    return json.loads(row[0]), row[1], row[2]


def test_an_older_record_does_not_undo_a_newer_one(tmp_path: Path) -> None:
    db = open_db(tmp_path / "radar.db")
    save_papers(db, [_paper(["cs.LG", "stat.ML"], "2026-11-21")])  # fetched on the 22nd
    # A snapshot line from before the fetch, without the cross-list.
    counts = save_papers(db, [_paper(["cs.LG"], "2026-11-05", journal_ref="J. 1 (2026)")])
    assert (counts.new, counts.updated, counts.filled_ids) == (0, 0, ["2611.00001"])
    # Only the gap is filled; the date stays the newer one.
    assert _stored(db) == (["cs.LG", "stat.ML"], "J. 1 (2026)", "2026-11-21")


def test_a_record_dated_later_corrects_the_same_version(tmp_path: Path) -> None:
    db = open_db(tmp_path / "radar.db")
    add_follow(db, "category", "math.NT")
    save_papers(db, [_paper(["math.AG"], "2026-11-05", authors=[Author("Ada Lovelace", ["Univ X"])])])
    assert db.execute("select count(*) from matches").fetchone()[0] == 0
    # An undated copy (a saved response) fills a gap but corrects nothing.
    save_papers(db, [_paper(["math.AG", "math.CO"], None, journal_ref="Saved 1 (2026)")])
    assert _stored(db) == (["math.AG"], "Saved 1 (2026)", "2026-11-05")
    # A harvest: arXiv cross-listed the paper and fixed its journal reference. Its
    # authors carry no affiliations; the stored ones are kept for the same names.
    counts = save_papers(db, [_paper(["math.AG", "math.NT"], "2026-11-10", journal_ref="Ann. 2 (2026)")])
    assert (counts.new, counts.updated, counts.filled_ids) == (0, 0, ["2611.00001"])
    assert _stored(db) == (["math.AG", "math.NT"], "Ann. 2 (2026)", "2026-11-10")
    assert db.execute("select authors_json from papers").fetchone()[0] == (
        '[{"name": "Ada Lovelace", "affiliations": ["Univ X"]}]'
    )
    assert db.execute("select category from paper_categories order by category").fetchall() == [
        ("math.AG",),
        ("math.NT",),
    ]
    assert db.execute("select paper_id from matches").fetchall() == [("2611.00001",)]
    assert list_follows(db)[0].papers == 1
    # The same day again, or an earlier one, changes nothing back.
    save_papers(db, [_paper(["math.AG"], "2026-11-10")])
    save_papers(db, [_paper(["math.AG"], "2026-11-08")])
    assert _stored(db) == (["math.AG", "math.NT"], "Ann. 2 (2026)", "2026-11-10")
    # A later date with the same content is not a change: nothing is rewritten.
    same = save_papers(db, [_paper(["math.AG", "math.NT"], "2026-11-15", journal_ref="Ann. 2 (2026)")])
    assert same.filled_ids == [] and same.unchanged == 1


def test_an_undated_row_is_current_as_of_its_version_day(tmp_path: Path) -> None:
    db = open_db(tmp_path / "radar.db")
    save_papers(db, [_paper(["hep-ph"], None)])  # a saved response, or a store from before dates
    assert _stored(db) == (["hep-ph"], None, None)
    # Dated before the version was submitted (2026-11-02): not a correction.
    save_papers(db, [_paper(["hep-ph", "hep-ex"], "2026-11-01")])
    assert _stored(db) == (["hep-ph"], None, None)
    save_papers(db, [_paper(["hep-ph", "hep-ex"], "2026-11-03")])
    assert _stored(db) == (["hep-ph", "hep-ex"], None, "2026-11-03")


def test_every_lookup_of_matches_by_paper_seeks_the_index(db: Database) -> None:
    """The statements radar really runs against matches, traced and explained: each one
    seeks (SEARCH), none reads the whole table or index (SCAN). A lookup by paper that
    forgot store.ANY_BREADTH would scan the (broad, paper_id) index."""
    from radar import export
    from radar.fetch import _by_followed_authors
    from radar.follows import add_follow, rematch_papers
    from radar.rank import matches_for, rank_window
    from radar.status import unread_counts
    from radar.window import window_for

    import_files(db, [API_TESTING])
    ids = [r[0] for r in db.execute("select id from papers order by id")]
    author = db.execute(
        "select name from paper_authors where paper_id = ? order by position", [ids[0]]
    ).fetchone()
    add_follow(db, "author", author[0])
    add_follow(db, "category", "cs.LG")
    by_kind = "select distinct f.kind, m.broad from matches m join follows f on f.id = m.follow_id"
    assert set(db.execute(by_kind).fetchall()) == {("author", 0), ("category", 1)}
    day = store.newest_listing_date(db, matched_only=True)
    assert day is not None

    traced: list[str] = []
    db.conn.set_trace_callback(traced.append)
    window = window_for(db, day, day)
    assert window is not None
    assert rank_window(db, window)
    assert matches_for(db, ids[:5])
    assert store.newest_listing_date(db, matched_only=True) == day
    unread_counts(db)
    assert _by_followed_authors(db, ids) >= 1
    assert store.matched_paper_ids(db)
    rematch_papers(db, ids[:5])
    db.conn.set_trace_callback(None)
    reads = [s for s in traced if re.search(r"\bmatches\b", s, re.I) and not s.lower().startswith("insert")]
    explained = [(s, plan(db, s, [])) for s in reads]
    for kw in ({}, {"follows": ["cs.LG"]}):
        sql, params = export.selection_query(export.select_papers(db, **kw))
        explained.append((sql, plan(db, sql, params)))
    assert len(explained) >= 10
    # Older SQLite writes "SCAN TABLE matches AS m".
    scan = re.compile(r"^SCAN (TABLE )?(m|matches)\b")
    for statement, steps in explained:
        assert not any(scan.match(step) for step in steps.split(" | ")), (statement, steps)
