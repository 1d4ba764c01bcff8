"""`radar import` of arXiv's metadata snapshot: JSON Lines, plain or gzipped, streamed,
resumable, idempotent, with bad lines counted and skipped."""

from __future__ import annotations

import gzip
import json
import signal
import sqlite3
import time
from contextlib import closing
from pathlib import Path

import pytest
from conftest import fails, ok, run_radar
from feeds import Item, rss_feed, write

from radar.importer import import_snapshot, is_snapshot
from radar.sources.arxiv_snapshot import BadLine, parse_line
from radar.store import get_paper, open_db

FIXTURES = Path(__file__).parent / "fixtures" / "snapshot"
SAMPLE = FIXTURES / "arxiv-metadata-2lines.jsonl"
REAL = [json.loads(line) for line in SAMPLE.read_text().splitlines()]


def synthetic_lines(n: int, start: int = 1) -> list[str]:
    """n snapshot lines in the shape of the real ones, with distinct ids and authors."""
    lines = []
    for i in range(start, start + n):
        record = dict(REAL[i % 2])
        record["id"] = f"2101.{i:05d}"
        record["title"] = f"Paper number {i} on\n  world models"
        record["authors_parsed"] = [["Lemire", "Daniel", ""], [f"Author{i}", "Alex", ""]]
        lines.append(json.dumps(record, separators=(",", ":")))
    return lines


def write_lines(path: Path, lines: list[str], gz: bool = False) -> Path:
    data = ("\n".join(lines) + "\n").encode()
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def db_at(home: Path) -> sqlite3.Connection:
    return sqlite3.connect(home / "radar.db")


def test_real_lines_map_to_papers() -> None:
    first = parse_line(SAMPLE.read_bytes().splitlines()[0])
    paper = first.paper
    assert paper.id == "0704.0001" and paper.version == 2
    assert (
        paper.title == "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
    )
    assert paper.abstract.startswith(
        "A fully differential calculation in perturbative quantum chromodynamics is presented"
    )
    # authors_parsed, decoded, not the TeX of `authors`
    assert [a.name for a in paper.authors] == ["C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C. -P. Yuan"]
    assert paper.published is not None and paper.published.isoformat() == "2007-04-02T19:18:42+00:00"
    assert paper.updated is not None and paper.updated.isoformat() == "2007-07-24T20:10:27+00:00"
    assert paper.categories == ["hep-ph"] and paper.primary_category == "hep-ph"
    assert paper.doi == "10.1103/PhysRevD.76.013009"
    assert paper.journal_ref == "Phys.Rev.D76:013009,2007"
    assert paper.comment == "37 pages, 15 figures; published version"
    assert first.update_date is not None and first.update_date.isoformat() == "2008-11-26"

    second = parse_line(SAMPLE.read_bytes().splitlines()[1]).paper
    assert second.categories == ["cs.DS", "cs.MS"] and second.version == 2
    assert [a.name for a in second.authors] == ["Daniel Lemire"]


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (b"{not json", r"^not JSON \(expecting property name enclosed in double quotes at column 2\)$"),
        (b'{"id": "2101.00001", "title": "a\tb"}', r"^not JSON \(invalid control character at column 33\)$"),
        (b"[1, 2]", "not a JSON object"),
        (b'{"title": "x"}', "no id"),
        (b'{"id": "not an id", "title": "x"}', "bad id"),
        (b'{"id": "2101.00001", "title": " ", "categories": "cs.LG"}', "no title"),
        (b'{"id": "2101.00001", "title": "T", "categories": "cs.LG", "versions": []}', "no versions"),
        (
            b'{"id": "2101.00001", "title": "T", "categories": "cs.LG", '
            b'"versions": [{"version": "v1", "created": "yesterday"}]}',
            "bad version date",
        ),
        (b'{"id": "2101.00001", "title": "T", "categories": ""}', "no categories"),
        (b'{"id": "2101.00001", "title": "\xff\xfe"}', "not JSON"),
    ],
)
def test_bad_lines_are_refused_with_a_reason(line: bytes, reason: str) -> None:
    with pytest.raises(BadLine, match=reason):
        parse_line(line)


def test_sniffing_tells_snapshots_from_feeds(tmp_path: Path) -> None:
    assert is_snapshot(SAMPLE)
    assert is_snapshot(write_lines(tmp_path / "s.gz", synthetic_lines(3), gz=True))
    feed = Path(__file__).parent / "fixtures" / "arxiv" / "api_atom_2026_empty_result.xml"
    assert not is_snapshot(feed)


@pytest.mark.parametrize(
    ("name", "said"),
    [
        ("notes.jsonl", "not a file radar imports (arXiv snapshot JSON lines, an arXiv API response"),
        (
            "journals/nature-machine-intelligence.rdf",
            "a journal's feed, not arXiv's; follow it with radar follow --feed URL",
        ),
        (
            "oai/getrecord_arXivRaw_2015-01-06_1302.2146_2versions.xml",
            "an OAI-PMH response; radar harvest reads",
        ),
    ],
)
def test_a_file_radar_does_not_import_is_named_for_what_it_is(
    tmp_path: Path, radar_home: Path, name: str, said: str
) -> None:
    path = Path(__file__).parent / "fixtures" / name
    if name == "notes.jsonl":
        path = tmp_path / name
        path.write_text("hello\nworld\n")
    assert said in fails(1, "import", str(path)).splitlines()[-1]


def test_import_cli_plain_and_gzipped_give_the_same_store(tmp_path: Path, radar_home: Path) -> None:
    result = run_radar("import", str(SAMPLE))
    assert result.returncode == 0, result.stderr
    assert "2 new, 0 updated, 0 unchanged, 0 bad lines skipped" in result.stderr
    db = open_db(radar_home / "radar.db")
    paper = get_paper(db, "0704.0001")
    assert paper is not None and paper.version == 2
    assert db.execute("select count(*) from paper_versions").fetchone()[0] == 2

    gz = tmp_path / "snapshot.jsonl.gz"
    gz.write_bytes(gzip.compress(SAMPLE.read_bytes()))
    again = run_radar("import", "--format", "json", str(gz))
    assert again.returncode == 0, again.stderr
    (report,) = json.loads(again.stdout)
    # The same papers through another file: nothing new, nothing changed.
    assert (report["kind"], report["new"], report["updated"], report["unchanged"]) == ("snapshot", 0, 0, 2)


def test_bad_lines_are_counted_and_the_rest_imported(tmp_path: Path, radar_home: Path) -> None:
    good = synthetic_lines(5)
    lines = [
        good[0],
        "{broken",
        good[1],
        "",
        '{"id": "2101.99999"}',
        good[2],
        good[3],
        "\x00garbage",
        good[4],
    ]
    path = tmp_path / "mixed.jsonl"
    # The last record cut off mid-way, as an interrupted download leaves it.
    path.write_text("\n".join(lines) + "\n" + good[0][:40])
    result = run_radar("import", str(path))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "5 new" in result.stderr and "4 bad lines skipped" in result.stderr
    assert "line 2: not JSON" in result.stderr
    assert "line 5: 2101.99999: no title" in result.stderr
    assert "line 10: not JSON" in result.stderr
    assert db_at(radar_home).execute("select count(*) from papers").fetchone()[0] == 5


def test_a_finished_file_is_not_read_again_even_renamed(tmp_path: Path, radar_home: Path) -> None:
    path = write_lines(tmp_path / "a.jsonl", synthetic_lines(20))
    db = open_db(radar_home / "radar.db")
    assert import_snapshot(db, path, workers=0).new == 20
    renamed = path.rename(tmp_path / "b.jsonl")
    again = import_snapshot(db, renamed, workers=0)
    assert again.already_done and again.lines == 0
    # A newer snapshot with more lines is another file: only what is new changes.
    newer = write_lines(tmp_path / "c.jsonl", synthetic_lines(25))
    report = import_snapshot(db, newer, workers=0)
    assert (report.new, report.unchanged) == (5, 20)


def test_ctrl_c_while_sqlite_runs_the_search_index_function_ends_as_interrupted(
    tmp_path: Path, radar_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite calls radar_search_text for the full-text index as papers are stored. A
    KeyboardInterrupt raised inside it is swallowed by sqlite3, which fails the statement
    with OperationalError instead: the import still ends as interrupted, not in an error."""
    import radar.latex

    real = radar.latex.search_text
    calls = 0

    def search_text(text: str | None) -> str | None:
        nonlocal calls
        calls += 1
        if calls == 25:
            # Ctrl-C: Python's handler runs at once, here, inside SQLite's statement.
            signal.raise_signal(signal.SIGINT)
        return real(text)

    monkeypatch.setattr(radar.latex, "search_text", search_text)
    path = write_lines(tmp_path / "s.jsonl", synthetic_lines(100))
    result = run_radar("import", "--workers", "0", str(path))
    assert calls >= 25
    assert result.returncode == 130, result.stderr
    assert result.stderr == "Interrupted. What was imported is kept: run the same command again to resume.\n"
    with closing(db_at(radar_home)) as conn:
        assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
        # The batch it stopped in was undone whole.
        assert conn.execute("select count(*) from papers").fetchone()[0] == 0
        assert conn.execute("select count(*) from papers_fts").fetchone()[0] == 0
    monkeypatch.setattr(radar.latex, "search_text", real)
    assert "100 new" in run_radar("import", str(path)).stderr


def test_an_interrupted_import_resumes_at_the_first_unstored_batch(tmp_path: Path, radar_home: Path) -> None:
    path = write_lines(tmp_path / "s.jsonl.gz", synthetic_lines(100), gz=True)
    db = open_db(radar_home / "radar.db")
    seen: list[int] = []

    def interrupt(progress) -> None:  # type: ignore[no-untyped-def]
        seen.append(progress.lines)
        if len(seen) == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        import_snapshot(db, path, progress=interrupt, workers=0, batch_lines=10)
    assert db.execute("select count(*) from papers").fetchone()[0] == 30
    resumed = import_snapshot(db, path, workers=0, batch_lines=10)
    assert resumed.resumed_at_line == 30 and resumed.lines == 70
    assert (resumed.new, resumed.unchanged) == (70, 0)
    assert db.execute("select count(*) from papers").fetchone()[0] == 100
    row = db.execute("select lines, new, finished_utc from imports").fetchone()
    assert row[0] == 100 and row[1] == 100 and row[2] is not None


def test_parsing_in_a_worker_process_stores_the_same(tmp_path: Path, radar_home: Path) -> None:
    path = write_lines(tmp_path / "s.jsonl", synthetic_lines(60) + ["{bad"])
    one = open_db(tmp_path / "one.db")
    two = open_db(tmp_path / "two.db")
    inline = import_snapshot(one, path, workers=0, batch_lines=7)
    pooled = import_snapshot(two, path, workers=1, batch_lines=7)
    assert (inline.new, inline.bad) == (pooled.new, pooled.bad) == (60, 1)
    query = "select id, version, title, authors_json, listing_date from papers order by id"
    assert one.execute(query).fetchall() == two.execute(query).fetchall()
    authors = "select paper_id, position, name, name_key from paper_authors order by 1, 2"
    assert one.execute(authors).fetchall() == two.execute(authors).fetchall()


def test_imported_history_is_there_when_following(tmp_path: Path, radar_home: Path) -> None:
    assert run_radar("import", str(SAMPLE)).returncode == 0
    result = run_radar("follow", "--no-fetch", "E. L. Berger")
    assert result.returncode == 0, result.stderr
    assert "1 paper" in result.stdout + result.stderr
    search = db_at(radar_home).execute(
        "select p.id from papers_fts join papers p on p.rowid = papers_fts.rowid where papers_fts match 'diphoton'"
    )
    assert [r[0] for r in search] == ["0704.0001"]


def test_a_snapshot_paper_past_its_first_version_is_labelled_an_update(
    tmp_path: Path, radar_home: Path
) -> None:
    ok("import", str(FIXTURES / "arxiv-snapshot-0704.jsonl"))
    cards = json.loads(ok("today", "--all", "--since", "2007-01-01", "--limit", "500", "--format", "json"))
    label = {c["id"]: c["label"] for c in cards}
    assert label["0704.0001"] == "UPDATED v2"  # versions v1 and v2 in the snapshot
    assert label["0704.0004"] == "NEW"  # one version only


def test_with_no_signal_a_new_snapshot_paper_comes_before_a_newer_update(
    tmp_path: Path, radar_home: Path
) -> None:
    one, three = (json.loads(line) for line in synthetic_lines(2))
    one["categories"] = three["categories"] = "astro-ph.GA"
    one["versions"] = [{"version": "v1", "created": "Tue, 10 Jan 2023 10:00:00 GMT"}]
    three["versions"] = [
        {"version": f"v{n}", "created": f"Wed, {n + 8} Jan 2023 10:00:00 GMT"} for n in (1, 2, 3)
    ]  # its newest version is the newer of the two
    ok("import", str(write_lines(tmp_path / "s.jsonl", [json.dumps(one), json.dumps(three)])))
    ok("follow", "--no-fetch", "--category", "astro-ph.GA")
    cards = json.loads(ok("today", "--since", "2023-01-01", "--format", "json"))
    assert [(c["id"], c["label"]) for c in cards] == [(one["id"], "NEW"), (three["id"], "UPDATED v3")]


def test_a_truncated_gzip_keeps_what_was_read_and_fails(tmp_path: Path, radar_home: Path) -> None:
    data = gzip.compress(("\n".join(synthetic_lines(3000)) + "\n").encode())
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(data[: len(data) * 2 // 3])
    result = run_radar("import", str(path))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "ends early or is damaged" in result.stderr and "Download it again" in result.stderr
    # Everything read before the break is stored, the last partial batch included.
    stored = db_at(radar_home).execute("select count(*) from papers").fetchone()[0]
    assert 1_000 < stored < 3_000 and stored % 2_000 != 0


@pytest.mark.parametrize("kept", [10, 30, 60])
def test_a_gzip_cut_before_its_first_line_is_reported_as_damaged(
    tmp_path: Path, radar_home: Path, kept: int
) -> None:
    # So little is left that nothing decompresses: no sign of what the file was.
    cut = tmp_path / "cut.gz"
    cut.write_bytes(gzip.compress(SAMPLE.read_bytes())[:kept])
    result = run_radar("import", str(cut))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "ends early or is damaged" in result.stderr and "XML" not in result.stderr, result.stderr


def test_a_saved_response_kept_gzipped_imports(tmp_path: Path, radar_home: Path) -> None:
    listing = rss_feed([Item("2611.00001"), Item("2611.00002")])
    packed = tmp_path / "listing.xml.gz"
    packed.write_bytes(gzip.compress(listing))
    result = run_radar("import", str(packed))
    assert result.returncode == 0, result.stderr
    assert "2 new" in result.stdout + result.stderr
    assert db_at(radar_home).execute("select count(*) from papers").fetchone()[0] == 2


def test_an_import_waits_for_another_writer_and_then_fails_cleanly(tmp_path: Path, radar_home: Path) -> None:
    from filelock import FileLock

    snapshot = write_lines(tmp_path / "s.jsonl", synthetic_lines(3))
    assert (
        run_radar("import", str(write(tmp_path / "feed.xml", rss_feed([Item("2611.00001")])))).returncode == 0
    )
    with FileLock(str(radar_home / "radar.db") + ".fetch-lock"):
        started = time.monotonic()
        blocked = run_radar("import", "--quiet", "--wait", "0.5", str(snapshot))
        waited = time.monotonic() - started
    assert blocked.returncode == 1 and blocked.stdout == "" and "Traceback" not in blocked.stderr
    assert blocked.stderr.startswith("Error: another radar fetch, harvest or import is writing")
    assert waited >= 0.5
    assert db_at(radar_home).execute("select count(*) from papers").fetchone()[0] == 1
    assert run_radar("import", "--quiet", str(snapshot)).returncode == 0
    assert db_at(radar_home).execute("select count(*) from papers").fetchone()[0] == 4


def test_a_quiet_import_prints_only_errors(tmp_path: Path, radar_home: Path) -> None:
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_text("\n".join([*synthetic_lines(3), "{broken"]) + "\n")
    feed = write(tmp_path / "feed.xml", rss_feed([Item("2611.00001")]))
    quiet = run_radar("import", "--quiet", str(mixed), str(feed))
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, "", "")  # a bad line is no error
    assert db_at(radar_home).execute("select count(*) from papers").fetchone()[0] == 4
    data = gzip.compress(("\n".join(synthetic_lines(30)) + "\n").encode())
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(data[: len(data) // 2])
    failed = run_radar("import", "-q", str(cut), str(tmp_path / "missing.xml"))
    assert failed.returncode == 1 and failed.stdout == ""
    lines = failed.stderr.strip().splitlines()
    assert len(lines) == 2, failed.stderr
    assert lines[0].startswith("Error: ") and "ends early or is damaged" in lines[0]
    assert lines[1].startswith("Error: not imported: cannot read") and "missing.xml" in lines[1]


def test_a_bulk_import_builds_its_indexes_at_the_end(
    tmp_path: Path, radar_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import radar.importer

    monkeypatch.setattr(radar.importer, "BULK_BYTES", 0)  # every file counts as big here
    db = open_db(radar_home / "radar.db")
    index_names = "select name from sqlite_master where type = 'index' and name like 'idx_%'"
    before = {r[0] for r in db.execute(index_names)}
    during: list[set[str]] = []

    def watch(progress) -> None:  # type: ignore[no-untyped-def]
        during.append({r[0] for r in db.execute(index_names)})
        if len(during) == 2:
            raise KeyboardInterrupt

    path = write_lines(tmp_path / "s.jsonl", synthetic_lines(50))
    with pytest.raises(KeyboardInterrupt):
        import_snapshot(db, path, progress=watch, workers=0, batch_lines=10)
    assert "idx_paper_authors_name_key_name" not in during[0] and "idx_papers_listing_date" not in during[0]
    # Interrupted: the store owes its indexes, and says which.
    owed = db.execute("select dropped_indexes_json from imports").fetchone()[0]
    assert "idx_paper_authors_name_key_name" in owed
    # Any later import gives them back, and the store ends as it began, indexes and all.
    other = write_lines(tmp_path / "t.jsonl", synthetic_lines(3, start=900))
    import_snapshot(db, other, workers=0)
    assert {r[0] for r in db.execute(index_names)} == before
    assert (
        db.execute("select count(*) from imports where dropped_indexes_json is not null").fetchone()[0] == 0
    )
    resumed = import_snapshot(db, path, workers=0, batch_lines=10)
    assert resumed.new == 30 and {r[0] for r in db.execute(index_names)} == before
    plan = db.execute(
        "explain query plan select paper_id from paper_authors where name_key = 'lemire'"
    ).fetchall()
    assert "idx_paper_authors_name_key_name" in plan[0][-1]


@pytest.mark.parametrize("version", ["v²", "v" + "9" * 5000, "v" + "9" * 30, "v0"])
def test_a_strange_version_is_a_bad_line_not_a_crash(tmp_path: Path, radar_home: Path, version: str) -> None:
    record = dict(REAL[1])
    record["versions"] = [{"version": version, "created": "Mon, 11 Jan 2021 20:31:27 GMT"}]
    path = write_lines(tmp_path / "v.jsonl", [json.dumps(record), *synthetic_lines(2)])
    report = import_snapshot(open_db(radar_home / "radar.db"), path, workers=0)
    assert (report.new, report.bad) == (2, 1) and "bad version" in report.bad_examples[0]


def test_a_newer_snapshot_corrects_the_same_version_and_an_older_one_does_not(
    tmp_path: Path, radar_home: Path
) -> None:
    record = json.loads((FIXTURES / "arxiv-metadata-2lines.jsonl").read_text().splitlines()[0])
    assert record["id"] == "0704.0001" and record["categories"] == "hep-ph"
    assert run_radar("follow", "--no-fetch", "--category", "hep-ex").returncode == 0
    first = write_lines(tmp_path / "first.jsonl", [json.dumps(record)])
    assert run_radar("import", str(first)).returncode == 0

    # arXiv cross-listed the paper and corrected its journal reference, with no new version.
    newer = {**record, "categories": "hep-ph hep-ex", "journal-ref": "Phys. Rev. D 76, 013009 (2007)"}
    newer["update_date"] = "2009-01-01"
    second = write_lines(tmp_path / "second.jsonl", [json.dumps(newer)])
    result = run_radar("import", "--format", "json", str(second))
    assert result.returncode == 0, result.stderr
    (report,) = json.loads(result.stdout)
    assert report["new"] == 0 and report["updated"] == 0  # a correction is not news
    with db_at(radar_home) as conn:
        assert conn.execute("select journal_ref, categories_json, metadata_date from papers").fetchone() == (
            "Phys. Rev. D 76, 013009 (2007)",
            '["hep-ph", "hep-ex"]',
            "2009-01-01",
        )
        assert conn.execute("select category from paper_categories order by category").fetchall() == [
            ("hep-ex",),
            ("hep-ph",),
        ]
        # The cross-list now matches the followed category.
        assert conn.execute("select paper_id from matches").fetchall() == [("0704.0001",)]

    # An older copy of the record (the first snapshot, renamed) changes nothing back.
    older = write_lines(tmp_path / "older.jsonl", [json.dumps({**record, "comments": "37 pages"})])
    assert run_radar("import", str(older)).returncode == 0
    with db_at(radar_home) as conn:
        assert conn.execute("select journal_ref, categories_json, comment from papers").fetchone() == (
            "Phys. Rev. D 76, 013009 (2007)",
            '["hep-ph", "hep-ex"]',
            "37 pages, 15 figures; published version",
        )
