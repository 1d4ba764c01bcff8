"""radar library: BibTeX, CSL-JSON and RIS libraries imported into a real store, entries
resolved to arXiv papers, and the unstored ones fetched from a loopback arXiv in
batched id_list requests."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from conftest import fails, ok, run_radar
from feeds import Item, api_feed
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

HERE = Path(__file__).parent / "fixtures" / "library"
ATOM = "application/atom+xml; charset=utf-8"

WORLD = Item(
    "2405.01234",
    title="First Paper on World Models",
    authors=["Ada Lovelace", "Charles Babbage"],
    abstract="We study world models and belief states.",
    published="2024-05-01T17:00:00Z",
)
COMPILERS = Item(
    "2301.00002",
    title="Compilers for Schrödinger Equations",
    authors=["Grace Hopper"],
    version=3,
    published="2023-01-01T10:00:00Z",
    updated="2023-03-01T10:00:00Z",
)
THIRD = Item("2310.00003", title="Third Paper, Found by Its DOI", authors=["Emmy Noether"])


class Arxiv:
    """A loopback arXiv API answering id_list queries from the papers it knows, as the
    real one does: the asked ids it has, newest version, and nothing for the others."""

    def __init__(self, server: HTTPServer) -> None:
        self.server = server
        self.papers: dict[str, Item] = {}
        self.requests: list[dict[str, str]] = []
        server.expect_request("/api/query").respond_with_handler(self._api)

    def know(self, *items: Item) -> None:
        self.papers.update((item.id, item) for item in items)

    @property
    def env(self) -> dict[str, str]:
        return {"RADAR_ARXIV_API_URL": self.server.url_for("/api/query")}

    def _api(self, request: Request) -> Response:
        args = dict(request.args)
        self.requests.append(args)
        ids = [i for i in args.get("id_list", "").split(",") if i]
        hits = [self.papers[i] for i in ids if i in self.papers][: int(args.get("max_results", 10))]
        return Response(api_feed(hits, query=""), content_type=ATOM)

    def asked_ids(self) -> list[list[str]]:
        return [r["id_list"].split(",") for r in self.requests]


@pytest.fixture
def arxiv(httpserver: HTTPServer) -> Arxiv:
    return Arxiv(httpserver)


def library(arxiv: Arxiv | None, *args: str):
    return run_radar("library", *args, env=arxiv.env if arxiv else None)


def entries(radar_home: Path) -> dict[str, dict]:
    conn = sqlite3.connect(radar_home / "radar.db")
    conn.row_factory = sqlite3.Row
    rows = {r["key"]: dict(r) for r in conn.execute("select * from library_entries")}
    conn.close()
    return rows


def stored_ids(radar_home: Path) -> set[str]:
    conn = sqlite3.connect(radar_home / "radar.db")
    ids = {r[0] for r in conn.execute("select id from papers")}
    conn.close()
    return ids


def listing() -> dict:
    return json.loads(ok("library", "--format", "json"))


# --- each format, in the shapes reference managers write -----------------------------------


def test_a_zotero_bibtex_export_resolves_fetches_and_reads_date_added(arxiv: Arxiv, radar_home: Path) -> None:
    arxiv.know(WORLD, COMPILERS, THIRD)
    result = library(arxiv, "import", str(HERE / "zotero-bbt.bib"))
    assert result.returncode == 0, result.stderr
    assert (
        "3 entries (3 new" in result.stderr and "2 resolved to arXiv (1 by eprint, 1 by url)" in result.stderr
    )
    assert "unresolved: knuth1974structured: Structured Programming" in result.stderr
    # One id_list request for both unstored papers, asking for as many results as ids.
    assert sorted(arxiv.asked_ids()) == [["2301.00002", "2405.01234"]]
    assert arxiv.requests[0]["max_results"] == "2"
    assert {"2405.01234", "2301.00002"} <= stored_ids(radar_home)

    rows = entries(radar_home)
    world = rows["lovelace2024firstpaper"]
    assert world["paper_id"] == "2405.01234" and world["resolution"] == "eprint"
    assert world["title"] == "First Paper on World Models"  # {{Paper}} and {W}orld: braces gone
    assert json.loads(world["authors_json"]) == ["Ada Lovelace", "Charles Babbage"]
    assert world["added_utc"] == "2024-05-03T09:12:44Z"  # date-added, not urldate
    assert world["year"] == 2024 and world["doi"] == "10.48550/arXiv.2405.01234"
    assert world["paper_text_only"] == 0 and world["source_file"] == str(HERE / "zotero-bbt.bib")
    compilers = rows["hopper2023compilers"]
    assert compilers["title"] == "Compilers for Schrödinger Equations"  # {Schr\"{o}dinger}
    assert compilers["paper_id"] == "2301.00002" and compilers["resolution"] == "url"
    assert compilers["added_utc"] is None  # `timestamp` is Zotero's date modified: not read
    knuth = rows["knuth1974structured"]
    assert knuth["paper_id"] is None and knuth["paper_text_only"] == 1
    assert "no stored paper has DOI 10.1145/356635.356640" in knuth["resolution"]

    data = listing()
    assert (data["count"], data["resolved"], data["unresolved"], data["not_fetched"]) == (3, 2, 1, 0)


def test_a_zotero_csl_json_export(arxiv: Arxiv, radar_home: Path) -> None:
    arxiv.know(WORLD, COMPILERS, THIRD)
    ok("library", "import", str(HERE / "zotero-csl.json"), env=arxiv.env)
    rows = entries(radar_home)
    item = "http://zotero.org/users/local/kX3bJ1Qa/items/"
    assert rows[item + "ABCD1234"]["paper_id"] == "2405.01234"
    assert rows[item + "ABCD1234"]["resolution"] == "eprint"  # "number": "arXiv:2405.01234"
    assert rows[item + "ABCD1234"]["added_utc"] is None  # `accessed` is not when it was added
    assert rows[item + "ABCD1234"]["year"] == 2024
    assert rows[item + "ABCD1234"]["abstract"] == "We study world models and belief states."
    assert (rows[item + "EFGH5678"]["paper_id"], rows[item + "EFGH5678"]["resolution"]) == (
        "2310.00003",
        "doi",
    )
    assert rows[item + "EFGH5678"]["year"] == 2023  # date-parts as strings, as Zotero writes them
    assert (rows[item + "IJKL9012"]["paper_id"], rows[item + "IJKL9012"]["resolution"]) == (
        "2301.00002",
        "url",
    )
    assert rows[item + "MNOP3456"]["paper_id"] is None and rows[item + "MNOP3456"]["paper_text_only"] == 1
    assert json.loads(rows[item + "MNOP3456"]["authors_json"]) == ["Donald E. Knuth"]
    assert arxiv.asked_ids() and max(len(ids) for ids in arxiv.asked_ids()) <= 100
    assert stored_ids(radar_home) >= {"2405.01234", "2301.00002", "2310.00003"}


def test_a_zotero_ris_export(arxiv: Arxiv, radar_home: Path) -> None:
    arxiv.know(WORLD, COMPILERS)
    ok("library", "import", str(HERE / "zotero.ris"), env=arxiv.env)
    rows = sorted(entries(radar_home).values(), key=lambda r: r["title"])
    assert [(r["title"], r["paper_id"]) for r in rows] == [
        ("Compilers for Schrödinger Equations", "2301.00002"),
        ("First Paper on World Models", "2405.01234"),
        ("Structured Programming with go to Statements", None),
    ]
    # No ID tag: keyed by the title; Y2 is Zotero's access date and DA the publication date.
    assert all(r["key"].startswith("title:") and r["added_utc"] is None for r in rows)
    assert json.loads(rows[1]["authors_json"]) == ["Ada Lovelace", "Charles Babbage"]
    assert rows[1]["year"] == 2024


def test_date_added_fields_of_bibdesk_bibsonomy_and_jabref(tmp_path: Path, radar_home: Path) -> None:
    bib = tmp_path / "dates.bib"
    bib.write_text(
        "@article{a, title={BibDesk}, date-added = {2014-02-17 12:06:22 +0000}}\n"
        "@article{b, title={BibSonomy}, added-at = {2019-01-08T15:17:50.000+0100}}\n"
        "@article{c, title={JabRef five}, creationdate = {2021-03-04T05:06:07}}\n"
        "@article{d, title={Nonsense}, date-added = {sometime last spring}}\n",
        encoding="utf-8",
    )
    ok("library", "import", "--no-fetch", str(bib))
    added = {k: r["added_utc"] for k, r in entries(radar_home).items()}
    assert added == {
        "a": "2014-02-17T12:06:22Z",
        "b": "2019-01-08T14:17:50Z",
        "c": "2021-03-04T05:06:07Z",
        "d": None,
    }


def test_the_format_is_told_by_content_not_extension(arxiv: Arxiv, tmp_path: Path, radar_home: Path) -> None:
    ris_as_bib = tmp_path / "library.bib"
    ris_as_bib.write_bytes((HERE / "zotero.ris").read_bytes())
    bib_as_txt = tmp_path / "library.txt"
    bib_as_txt.write_bytes((HERE / "zotero-bbt.bib").read_bytes())
    err = ok("library", "import", "--no-fetch", str(ris_as_bib), str(bib_as_txt), "--format", "json")
    report = json.loads(err)
    assert [f["format"] for f in report["files"]] == ["ris", "bibtex"]
    assert arxiv.requests == []


# --- radar's own export, re-imported ------------------------------------------------------


def test_radars_own_exports_reimport_by_eprint_and_idempotently(arxiv: Arxiv, radar_home: Path) -> None:
    arxiv.know(WORLD, COMPILERS, THIRD)
    ok("library", "import", str(HERE / "zotero-csl.json"), env=arxiv.env)  # stores the three papers
    ok("library", "remove", "--all")
    requests = len(arxiv.requests)
    ids = "2405.01234,2301.00002,2310.00003"
    keys: list[set[str]] = []
    for fmt in ("bibtex", "csl-json", "ris"):
        exported = radar_home / f"export.{fmt}"
        ok("export", "-f", fmt, "--ids", ids, "-o", str(exported))
        first = run_radar("library", "import", str(exported), "--format", "json")
        assert first.returncode == 0, first.stderr
        report = json.loads(first.stdout)["files"][0]
        assert report["resolved_by"] == {"eprint": 3} and report["problems"] == []
        again = json.loads(ok("library", "import", str(exported), "--format", "json"))["files"][0]
        assert (again["new"], again["updated"], again["unchanged"]) == (0, 0, 3)
        keys.append({k for k, r in entries(radar_home).items() if r["source_file"] == str(exported)})
    # radar writes the same citation key in every format: one entry per paper, updated in place.
    assert keys[0] == keys[1] == keys[2] and len(entries(radar_home)) == 3
    assert len(arxiv.requests) == requests  # all stored: nothing fetched
    titles = {r["paper_id"]: r["title"] for r in entries(radar_home).values()}
    assert titles["2301.00002"] == "Compilers for Schrödinger Equations"


def test_a_hostile_title_survives_the_round_trip_through_radars_bibtex(
    tmp_path: Path, radar_home: Path
) -> None:
    from feeds import rss_feed, write

    title = "50% of $x_1$ & {braces} #hash: a study"
    ok("import", str(write(tmp_path / "feed.xml", rss_feed([Item("2611.00001", title=title)]))))
    ok("export", "-f", "bibtex", "--ids", "2611.00001", "-o", str(tmp_path / "out.bib"))
    ok("library", "import", str(tmp_path / "out.bib"))
    (row,) = entries(radar_home).values()
    assert row["paper_id"] == "2611.00001" and row["resolution"] == "eprint"
    assert row["title"] == title


# --- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "where"),
    [
        ("broken.bib", "line 9, entry 2 (broken2024)"),
        ("broken.json", "line 11, entry 2"),
        ("broken.ris", "line 6, entry 2"),
    ],
)
def test_a_file_broken_part_way_says_where_and_keeps_the_rest(
    name: str, where: str, radar_home: Path
) -> None:
    result = run_radar("library", "import", "--no-fetch", str(HERE / name))
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("Warning:")]
    assert len(warnings) == 1 and f"{name}: {where}:" in warnings[0], result.stderr
    assert sorted(r["title"] for r in entries(radar_home).values()) == ["The Entry After", "The Entry Before"]
    assert {r["paper_id"] for r in entries(radar_home).values()} == {"2405.01234", "2301.00002"}


def test_files_that_cannot_be_read_fail_with_one_error_each(tmp_path: Path, radar_home: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("Papers to read:\n- world models\n", encoding="utf-8")
    binary = tmp_path / "library.bib"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    broken_json = tmp_path / "broken.json"
    broken_json.write_text('{"id": "x", "title": ', encoding="utf-8")
    err = fails(
        1,
        "library",
        "import",
        "--no-fetch",
        str(notes),
        str(tmp_path / "missing.ris"),
        str(binary),
        str(broken_json),
        str(HERE / "zotero-bbt.bib"),
    )
    errors = [line for line in err.splitlines() if line.startswith("Error:")]
    assert len(errors) == 4, err
    assert "notes.txt: not a BibTeX, CSL-JSON or RIS file" in errors[0]
    assert "missing.ris: cannot be read" in errors[1]
    assert "library.bib: a binary file" in errors[2]
    assert "broken.json: not valid JSON (line 1, column 22" in errors[3]
    # The readable file was imported all the same.
    assert len(entries(radar_home)) == 3


def test_more_files_that_are_not_libraries_say_what_they_are(
    arxiv: Arxiv, tmp_path: Path, radar_home: Path
) -> None:
    # Entries left to fetch by an earlier --no-fetch import...
    library(None, "import", "--no-fetch", str(HERE / "zotero-bbt.bib"))
    snapshot = tmp_path / "arxiv.jsonl"
    snapshot.write_text('{"id": "0704.0001", "title": "A"}\n{"id": "0704.0002", "title": "B"}\n')
    truncated = tmp_path / "cut.json"
    truncated.write_text('[\n  {"id": "a", "title": "World models", "type": "article"', encoding="utf-8")
    for path, said in (
        (
            snapshot,
            "JSON Lines (one JSON object a line), not CSL-JSON; an arXiv metadata snapshot is imported",
        ),
        (truncated, "cut.json: no entry could be read: line 2"),
        (tmp_path / "typo.bib", "typo.bib: cannot be read"),
    ):
        result = library(arxiv, "import", str(path))
        # One line, exit 1, and no network for a file that gave nothing (the entries
        # left to fetch wait for an import that reads something).
        lines = result.stderr.strip().splitlines()
        assert result.returncode == 1 and len(lines) == 1, result.stderr
        assert lines[0].startswith("Error: ") and said in lines[0], result.stderr
    assert arxiv.requests == []
    # A BibTeX file saved as UTF-16 (with its byte-order mark) is read, not called binary.
    utf16 = tmp_path / "windows.bib"
    utf16.write_bytes((HERE / "zotero-bbt.bib").read_text(encoding="utf-8").encode("utf-16"))
    assert library(None, "import", "--no-fetch", str(utf16)).returncode == 0


def test_unresolvable_entries_are_listed_with_why(tmp_path: Path, radar_home: Path) -> None:
    bib = tmp_path / "lib.bib"
    bib.write_text(
        "@book{sicp, title = {Structure and Interpretation of Computer Programs}, author = {Abelson, Harold}}\n"
        "@misc{short, title = {Notes}}\n",
        encoding="utf-8",
    )
    ok("library", "import", "--no-fetch", str(bib))
    data = listing()
    assert (data["count"], data["resolved"], data["unresolved"]) == (2, 0, 2)
    why = {e["key"]: e["resolution"] for e in data["entries"]}
    assert why["sicp"] == "no arXiv eprint, URL or DOI; no stored arXiv paper has this title"
    text = ok("library")
    assert "sicp" in text and "no stored arXiv paper has this title" in text
    assert "2 entries from 1 file: 0 resolved" in run_radar("library", "list").stderr


# --- re-import and --sync -----------------------------------------------------------------


def test_reimporting_changes_nothing_and_sync_drops_what_left_the_file(
    tmp_path: Path, radar_home: Path
) -> None:
    bib = tmp_path / "lib.bib"
    text = (HERE / "zotero-bbt.bib").read_text(encoding="utf-8")
    bib.write_text(text, encoding="utf-8")
    ok("library", "import", "--no-fetch", str(bib))
    before = entries(radar_home)
    second = run_radar("library", "import", "--no-fetch", str(bib))
    assert "(0 new, 0 updated, 3 unchanged)" in second.stderr
    assert entries(radar_home) == before  # imported_utc too: when the entry first came in

    # Zotero exports again: one entry edited, one gone, one new.
    knuth = text.index("@article{knuth1974structured")
    edited = text[:knuth].replace("First {{Paper}}", "The First {{Paper}}") + (
        "@misc{new2025, title = {A New One}, eprint = {2501.00009}, archivePrefix = {arXiv}}\n"
    )
    bib.write_text(edited, encoding="utf-8")
    kept = run_radar("library", "import", "--no-fetch", str(bib))
    assert "(1 new, 1 updated, 1 unchanged)" in kept.stderr
    assert "knuth1974structured" in entries(radar_home)  # without --sync, nothing is dropped
    synced = run_radar("library", "import", "--no-fetch", "--sync", str(bib))
    assert "(0 new, 0 updated, 3 unchanged, 1 dropped)" in synced.stderr
    rows = entries(radar_home)
    assert sorted(rows) == ["hopper2023compilers", "lovelace2024firstpaper", "new2025"]
    assert rows["lovelace2024firstpaper"]["title"] == "The First Paper on World Models"
    assert rows["lovelace2024firstpaper"]["imported_utc"] == before["lovelace2024firstpaper"]["imported_utc"]


def test_sync_leaves_other_files_alone_and_drops_nothing_from_a_broken_file(
    tmp_path: Path, radar_home: Path
) -> None:
    ok("library", "import", "--no-fetch", str(HERE / "zotero-csl.json"))
    bib = tmp_path / "lib.bib"
    bib.write_text(
        "@misc{one, title = {One}, eprint = {2501.00001}}\n@misc{two, title = {Two}, eprint = {2501.00002}}\n",
        encoding="utf-8",
    )
    ok("library", "import", "--no-fetch", str(bib))
    bib.write_text(
        "@misc{one, title = {One}, eprint = {2501.00001}}\n@misc{broken, title = {Tw\n", encoding="utf-8"
    )
    result = run_radar("library", "import", "--no-fetch", "--sync", str(bib))
    assert result.returncode == 0
    assert "--sync dropped nothing, since part of the file could not be read" in result.stderr
    assert {"one", "two"} <= set(entries(radar_home))
    bib.write_text("@misc{one, title = {One}, eprint = {2501.00001}}\n", encoding="utf-8")
    ok("library", "import", "--no-fetch", "--sync", str(bib))
    keys = set(entries(radar_home))
    assert "two" not in keys and "one" in keys and len(keys) == 5  # the CSL file's four stay


# --- resolution against the store ---------------------------------------------------------


def _store(radar_home: Path, *papers) -> None:
    from radar.ingest import save_papers
    from radar.store import open_db

    db = open_db(radar_home / "radar.db")
    save_papers(db, papers)
    db.conn.close()


def _paper(pid: str, title: str, first_author: str, **kw):
    from datetime import UTC, datetime

    from radar.model import Author, Paper

    when = datetime(2024, 5, 1, tzinfo=UTC)
    return Paper(
        id=pid,
        version=1,
        title=title,
        abstract="",
        authors=[Author(first_author)],
        primary_category="cs.LG",
        categories=["cs.LG"],
        published=when,
        updated=when,
        **kw,
    )


def test_resolution_by_stored_doi_and_by_title(tmp_path: Path, radar_home: Path) -> None:
    _store(
        radar_home,
        _paper("2402.00001", "Scaling Laws for Belief States", "Ada Lovelace", doi="10.1103/PhysRevD.1.2"),
        _paper("2402.00002", "Attention Is All You Need, Again", "Grace Hopper"),
        _paper("2402.00003", "Same Title Twice Over", "Alan Turing"),
    )
    bib = tmp_path / "lib.bib"
    bib.write_text(
        "@article{bydoi, title = {Published version}, doi = {https://doi.org/10.1103/physrevd.1.2}}\n"
        # Capitals, braces, LaTeX and punctuation differ: the normalised title is the same.
        "@article{bytitle, title = {{Attention} is all you need -- again}, author = {Hopper, Grace}}\n"
        "@article{otherauthor, title = {Same title twice over}, author = {Somebody, Else}}\n",
        encoding="utf-8",
    )
    ok("library", "import", "--no-fetch", str(bib))
    rows = entries(radar_home)
    assert (rows["bydoi"]["paper_id"], rows["bydoi"]["resolution"]) == ("2402.00001", "doi")
    assert (rows["bytitle"]["paper_id"], rows["bytitle"]["resolution"]) == ("2402.00002", "title")
    assert rows["otherauthor"]["paper_id"] is None
    assert "has this title but another first author" in rows["otherauthor"]["resolution"]
    assert all(r["paper_text_only"] == 0 for k, r in rows.items() if k != "otherauthor")


def test_eprint_url_and_doi_forms(tmp_path: Path, radar_home: Path) -> None:
    bib = tmp_path / "forms.bib"
    bib.write_text(
        "@misc{e1, title={A}, eprint={arXiv:2401.00001v2}, archivePrefix={arXiv}}\n"
        "@misc{e2, title={B}, eprint={2401.00002}, eprinttype={arxiv}}\n"
        "@misc{e3, title={C}, eprint={hal-0001}, archivePrefix={HAL}}\n"
        "@misc{u1, title={D}, url={https://arxiv.org/pdf/2401.00004v3}}\n"
        "@misc{u2, title={E}, url={http://export.arxiv.org/abs/hep-th/9901001}}\n"
        "@misc{d1, title={F}, doi={10.48550/ARXIV.2401.00006}}\n"
        "@article{j1, title={G}, journal={arXiv preprint arXiv:2401.00007}}\n"
        "@article{m1, title={H}, arxivId={2401.00008}, journal={arXiv}}\n",
        encoding="utf-8",
    )
    ok("library", "import", "--no-fetch", str(bib))
    got = {k: (r["paper_id"], r["resolution"]) for k, r in entries(radar_home).items()}
    assert got["e1"] == ("2401.00001", "eprint") and got["e2"] == ("2401.00002", "eprint")
    assert got["e3"][0] is None  # another archive's eprint
    assert got["u1"] == ("2401.00004", "url") and got["u2"] == ("hep-th/9901001", "url")
    assert got["d1"] == ("2401.00006", "doi") and got["j1"] == ("2401.00007", "eprint")
    assert got["m1"] == ("2401.00008", "eprint")  # Mendeley's arxivId


# --- fetching -----------------------------------------------------------------------------


def test_unstored_ids_are_fetched_in_batches_of_at_most_a_hundred(
    arxiv: Arxiv, tmp_path: Path, radar_home: Path
) -> None:
    items = [Item(f"2402.{n:05d}", title=f"Paper number {n}") for n in range(1, 251)]
    arxiv.know(*items)
    csl = [
        {"id": f"k{n}", "type": "article", "title": it.title, "URL": f"https://arxiv.org/abs/{it.id}v1"}
        for n, it in enumerate(items)
    ]
    path = tmp_path / "big.json"
    path.write_text(json.dumps(csl), encoding="utf-8")
    result = run_radar("library", "import", str(path), "--format", "json", env=arxiv.env)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["fetch"]["requests"] == 3 and report["fetch"]["fetched"] == 250
    sizes = [len(ids) for ids in arxiv.asked_ids()]
    assert sizes == [100, 100, 50]
    assert all(int(r["max_results"]) == len(r["id_list"].split(",")) for r in arxiv.requests)
    assert stored_ids(radar_home) >= {it.id for it in items}
    assert listing()["not_fetched"] == 0
    # Everything is stored now: importing again asks arXiv nothing.
    run_radar("library", "import", str(path), env=arxiv.env)
    assert len(arxiv.requests) == 3


def test_an_id_arxiv_does_not_have_is_unresolved(arxiv: Arxiv, tmp_path: Path, radar_home: Path) -> None:
    arxiv.know(WORLD)
    bib = tmp_path / "lib.bib"
    bib.write_text(
        "@misc{real, title={Real}, eprint={2405.01234}, archivePrefix={arXiv}}\n"
        "@misc{ghost, title={Ghost}, eprint={2405.99999}, archivePrefix={arXiv}}\n",
        encoding="utf-8",
    )
    result = run_radar("library", "import", str(bib), env=arxiv.env)
    assert result.returncode == 0
    assert "unresolved: ghost: Ghost: eprint 2405.99999, but arXiv has no such paper" in result.stderr
    rows = entries(radar_home)
    assert rows["ghost"]["paper_id"] is None and rows["ghost"]["paper_text_only"] == 1
    assert rows["real"]["paper_id"] == "2405.01234" and rows["real"]["paper_text_only"] == 0
    # Importing again neither asks arXiv again nor counts the entry as changed.
    requests = len(arxiv.requests)
    again = run_radar("library", "import", str(bib), env=arxiv.env)
    assert "(0 new, 0 updated, 2 unchanged)" in again.stderr and "1 unresolved" in again.stderr
    assert len(arxiv.requests) == requests and entries(radar_home) == rows


def test_a_lone_id_answered_empty_is_asked_twice(arxiv: Arxiv, tmp_path: Path, radar_home: Path) -> None:
    bib = tmp_path / "lib.bib"
    bib.write_text(
        "@misc{ghost, title={Ghost}, eprint={2405.99999}, archivePrefix={arXiv}}\n", encoding="utf-8"
    )
    result = run_radar("library", "import", str(bib), "--format", "json", env=arxiv.env)
    assert json.loads(result.stdout)["fetch"]["requests"] == 2
    assert arxiv.asked_ids() == [["2405.99999"], ["2405.99999"]]
    assert entries(radar_home)["ghost"]["resolution"] == "eprint 2405.99999, but arXiv has no such paper"


def test_no_fetch_asks_nothing_and_a_later_import_fetches(arxiv: Arxiv, radar_home: Path) -> None:
    arxiv.know(WORLD, COMPILERS)
    result = run_radar("library", "import", "--no-fetch", str(HERE / "zotero-bbt.bib"), env=arxiv.env)
    assert "2 papers not in the store yet" in result.stderr
    assert arxiv.requests == []
    data = listing()
    assert data["not_fetched"] == 2 and data["resolved"] == 2
    assert all(e["paper_text_only"] for e in data["entries"])  # until their papers are stored
    ok("library", "import", str(HERE / "zotero-bbt.bib"), env=arxiv.env)
    assert len(arxiv.requests) == 1 and listing()["not_fetched"] == 0


def test_an_unreachable_arxiv_keeps_the_entries_and_says_so(radar_home: Path) -> None:
    # conftest points radar at a closed loopback port.
    result = run_radar("library", "import", str(HERE / "zotero-bbt.bib"), env={"RADAR_HTTP_RETRIES": "0"})
    assert result.returncode == 0, result.stderr
    assert (
        "Warning: " in result.stderr
        and "2 papers not fetched yet (importing again asks for them)" in result.stderr
    )
    assert len(entries(radar_home)) == 3 and listing()["not_fetched"] == 2


def test_fetching_waits_for_the_writers_lock(arxiv: Arxiv, radar_home: Path) -> None:
    from radar.lock import writer_lock

    arxiv.know(WORLD, COMPILERS)
    ok("library", "import", "--no-fetch", str(HERE / "zotero-bbt.bib"))
    with writer_lock(radar_home / "radar.db", 0):
        result = run_radar("library", "import", "--wait", "0", str(HERE / "zotero-bbt.bib"), env=arxiv.env)
    assert result.returncode == 0
    assert "another radar fetch, harvest or import is writing" in result.stderr
    assert arxiv.requests == []


# --- remove, and what ranking reads --------------------------------------------------------


def test_remove_by_id_key_and_all(radar_home: Path) -> None:
    ok("library", "import", "--no-fetch", str(HERE / "zotero-bbt.bib"))
    assert "Removed 1 entry" in run_radar("library", "remove", "arXiv:2405.01234v2").stderr
    assert "Removed 1 entry" in run_radar("library", "remove", "knuth1974structured").stderr
    err = fails(1, "library", "remove", "nosuchkey", "hopper2023compilers")
    assert (
        err.strip() == "Error: not in your library: nosuchkey (radar library lists entries with their keys)"
    )
    assert sorted(entries(radar_home)) == ["hopper2023compilers"]  # nothing removed on an error
    fails(2, "library", "remove")
    assert "Removed 1 entry" in run_radar("library", "remove", "--all").stderr
    assert listing()["count"] == 0
    assert "Your library is empty" in run_radar("library").stderr


def test_library_signals_for_ranking(arxiv: Arxiv, radar_home: Path) -> None:
    from radar.library import library_paper_ids, library_signals
    from radar.store import open_db

    arxiv.know(WORLD)
    ok("library", "import", str(HERE / "zotero-bbt.bib"), env=arxiv.env)
    db = open_db(radar_home / "radar.db")
    signals = {s.key: s for s in library_signals(db)}
    assert library_paper_ids(db) == {"2405.01234"}
    assert signals["lovelace2024firstpaper"].paper_id == "2405.01234"
    assert signals["lovelace2024firstpaper"].added_utc == "2024-05-03T09:12:44Z"
    assert not signals["lovelace2024firstpaper"].paper_text_only
    # arXiv did not know 2301.00002 here, and Knuth has no arXiv version: their own text.
    assert signals["hopper2023compilers"].paper_text_only and signals["hopper2023compilers"].paper_id is None
    assert signals["knuth1974structured"].paper_text_only
    assert signals["knuth1974structured"].title == "Structured Programming with go to Statements"
    db.conn.close()


def test_an_entry_with_only_an_eprint_takes_the_papers_title(
    arxiv: Arxiv, tmp_path: Path, radar_home: Path
) -> None:
    arxiv.know(WORLD)
    bib = tmp_path / "ids.bib"
    bib.write_text("@misc{bare, eprint = {2405.01234}, archivePrefix = {arXiv}}\n", encoding="utf-8")
    ok("library", "import", str(bib), env=arxiv.env)
    assert entries(radar_home)["bare"]["title"] == "First Paper on World Models"
    again = run_radar("library", "import", str(bib), env=arxiv.env)
    assert "(0 new, 0 updated, 1 unchanged)" in again.stderr


def test_a_latin1_bibtex_file_is_read_and_still_syncs(tmp_path: Path, radar_home: Path) -> None:
    bib = tmp_path / "old.bib"
    bib.write_bytes("@article{a, title = {Caf\xe9 society}, eprint = {2401.00001}}\n".encode("latin-1"))
    result = run_radar("library", "import", "--no-fetch", "--sync", str(bib))
    assert result.returncode == 0
    assert "line 1: not UTF-8; read as Latin-1" in result.stderr
    assert "--sync dropped nothing" not in result.stderr
    assert entries(radar_home)["a"]["title"] == "Café society"


def test_ids_arxiv_never_issued_are_not_asked_for(arxiv: Arxiv, tmp_path: Path, radar_home: Path) -> None:
    arxiv.know(WORLD)
    bib = tmp_path / "lib.bib"
    bib.write_text(
        "@misc{ok, title={Real}, eprint={2405.01234}, archivePrefix={arXiv}}\n"
        "@misc{month13, title={Month thirteen}, eprint={2413.00001}, archivePrefix={arXiv}}\n"
        "@misc{short, title={Four digits in 2024}, url={https://arxiv.org/abs/2405.0123}}\n",
        encoding="utf-8",
    )
    ok("library", "import", str(bib), env=arxiv.env)
    assert arxiv.asked_ids() == [["2405.01234"]]
    rows = entries(radar_home)
    assert rows["month13"]["paper_id"] is None and rows["short"]["paper_id"] is None


def test_zoteros_builtin_bibtex_shape(arxiv: Arxiv, tmp_path: Path, radar_home: Path) -> None:
    """Zotero's own BibTeX export (without Better BibTeX): tabs, bare month macros, the
    arXiv id only in `note`, `url` and `doi`, and colons in `file`."""
    arxiv.know(WORLD)
    bib = tmp_path / "My Library.bib"
    bib.write_text(
        "\n@misc{lovelace_first_2024,\n"
        "\ttitle = {First {Paper} on {World} {Models}},\n"
        "\turl = {http://arxiv.org/abs/2405.01234},\n"
        "\tdoi = {10.48550/arXiv.2405.01234},\n"
        "\tabstract = {We study world models and belief states.},\n"
        "\turldate = {2024-05-03},\n"
        "\tpublisher = {arXiv},\n"
        "\tauthor = {Lovelace, Ada and Babbage, Charles},\n"
        "\tmonth = may,\n"
        "\tyear = {2024},\n"
        "\tnote = {arXiv:2405.01234 [cs]},\n"
        "\tkeywords = {Computer Science - Machine Learning},\n"
        "\tfile = {arXiv Fulltext PDF:/home/ada/Zotero/storage/ABCD1234/Lovelace - 2024.pdf:application/pdf},\n"
        "}\n",
        encoding="utf-8",
    )
    ok("library", "import", str(bib), env=arxiv.env)
    row = entries(radar_home)["lovelace_first_2024"]
    assert (row["paper_id"], row["resolution"], row["year"]) == ("2405.01234", "url", 2024)
    assert row["title"] == "First Paper on World Models" and row["added_utc"] is None
