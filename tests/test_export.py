"""`radar export`: BibTeX, CSL-JSON, RIS, JSON Lines and CSV from a real store.

Most tests build the store in process through radar's own code paths (the importer,
`save_papers`, `add_follow`, the journal-feed parser) and call the export core; a few
run the installed `radar` console script on the same file.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import bibtexparser
import pytest
from conftest import run_radar
from feeds import FIXTURES
from jsonschema import Draft7Validator

from radar import export as ex
from radar.database import Database
from radar.follows import add_follow
from radar.importer import import_files
from radar.ingest import save_papers
from radar.model import Author, Paper
from radar.render import paper_dict
from radar.sources.journal_feeds import parse_feed
from radar.store import open_db
from radar.text import one_line

HERE = Path(__file__).parent
CSL_SCHEMA = json.loads((HERE / "fixtures" / "csl-data.json").read_text(encoding="utf-8"))
JOURNAL = (HERE / "fixtures" / "journals" / "nature-machine-intelligence.rdf").read_bytes()
JOURNAL_URL = "https://www.nature.com/natmachintell.rss"
LISTING = FIXTURES / "rss_combined_csLG+csAI+csCL+statML_2026-09-24_trimmed_4items.xml"
API = FIXTURES / "api_atom_2026_cat_csLG_OR_csAI_20entries.xml"

HOSTILE = "50% of $x_1$ & {braces} #hash ~tilde ^hat \\cmd _under: }} , note = {pwned} @misc{x,"
HOSTILE_RAW = HOSTILE + "\x1b[31m\u202e\x00 tail\nsecond line"
NAMES = ["Łukasz Kaiser", "José García-Márquez", "Ludwig van Beethoven", "Martin Luther King Jr."]


def paper(pid: str, title: str, day: str, **kw) -> Paper:
    when = datetime.fromisoformat(day + "T12:00:00+00:00")
    fields = {
        "version": 1,
        "abstract": "We study things.",
        "authors": [Author("Ada Lovelace")],
        "primary_category": "cs.LG",
        "categories": ["cs.LG"],
        "published": when,
        "updated": when,
        "announce_type": "new",
        "announced": when.date(),
    }
    fields.update(kw)
    return Paper(id=pid, title=title, **fields)


# Papers crafted for the formats' corner cases, all in cs.LG on 2026-11-19/20.
CRAFTED = [
    paper(
        "2611.00001",
        HOSTILE_RAW,
        "2026-11-20",
        authors=[Author(n) for n in [*NAMES, "The ATLAS Collaboration"]],
        abstract="Line one\nline two \x07 with a {lone brace and \u2028 a separator.",
        doi="10.1234/ab_c{d}",
    ),
    paper("2611.00002", '=HYPERLINK("http://evil","x")', "2026-11-20", authors=[Author("@Sam Cell")]),
    paper(
        "2611.00003", "+1 trick", "2026-11-19", journal_ref="Phys. Rev. D 100, 123 (2026)", doi="10.1103/x"
    ),
    paper("2611.00004", "-2 trick", "2026-11-19", authors=[Author("Sham M. Kakade")]),
    paper("2611.00005", "@at trick", "2026-11-19", categories=["cs.LG", "stat.ML"]),
]


@pytest.fixture
def db(radar_home: Path) -> Iterator[Database]:
    """radar's own database file (the one `radar` in a subprocess opens too)."""
    database = open_db(radar_home / "radar.db")
    import_files(database, [LISTING, API])
    save_papers(database, CRAFTED)
    add_follow(database, "category", "cs.LG")
    add_follow(database, "author", "Sham Kakade")
    feed = add_follow(database, "feed", JOURNAL_URL).follow
    save_papers(database, parse_feed(JOURNAL, JOURNAL_URL, f"feed:{feed.id}").papers)
    yield database
    database.close()


def everything(db: Database, **kw) -> list[Paper]:
    return list(ex.iter_papers(db, ex.select_papers(db, **kw)))


def text_of(db: Database, fmt: str, **kw) -> str:
    exporter = ex.Exporter(db, extras=fmt == "jsonl")  # as `radar export` does: stored keys
    return "".join(ex.write_papers(ex.iter_papers(db, ex.select_papers(db, **kw)), fmt, exporter))


def crafted(pid: str) -> Paper:
    return next(p for p in CRAFTED if p.id == pid)


# --- selection ------------------------------------------------------------------------------


def test_default_selection_is_every_followed_paper_newest_first(db: Database) -> None:
    papers = everything(db)
    matched = {r[0] for r in db.execute("select paper_id from matches")}
    ids = [p.id for p in papers]
    assert len(ids) == len(set(ids)) and set(ids) <= matched
    keys = [(p.listing_date, p.id) for p in papers]
    assert keys == sorted(keys, key=lambda k: (-k[0].toordinal(), k[1]))  # newest first, then id
    assert ids[:2] == ["2611.00001", "2611.00002"]
    # The journal's version of an arXiv paper that is exported as well is not a second entry.
    drift = next(p for p in papers if p.title.startswith("The Drift Contract"))
    assert drift.is_arxiv and drift.journal_ref == "Nature Machine Intelligence"
    assert [p.title for p in papers].count(drift.title) == 1
    assert "doi:10.1038/s42256-026-01002-2" in ids  # only in the journal: exported
    assert [p.id for p in everything(db)] == ids  # the same order every time


def test_selection_by_ids_follow_and_since(db: Database) -> None:
    assert [p.id for p in everything(db, ids=["2611.00004", "arXiv:2611.00001v2", "2611.00004"])] == [
        "2611.00001",
        "2611.00004",
    ]
    assert [p.id for p in everything(db, follows=["sham kakade"])] == ["2611.00004"]
    both = everything(db, ids=["2611.00002"], follows=["Sham Kakade"])
    assert [p.id for p in both] == ["2611.00002", "2611.00004"]
    recent = everything(db, follows=["cs.LG"], since=date(2026, 11, 20))
    assert {p.id for p in recent} == {"2611.00001", "2611.00002"}
    feed = everything(db, follows=[JOURNAL_URL])
    assert len(feed) == 3 and all(not p.is_arxiv for p in feed)  # named follow: all its papers
    assert everything(db, ids=["2611.00003"], since=date(2026, 11, 20)) == []


def test_unknown_ids_and_follows_are_errors(db: Database) -> None:
    from radar.errors import NotFoundError, UsageError

    with pytest.raises(NotFoundError, match=r"^not in the store: 2611\.09999, 2611\.09998$"):
        ex.select_papers(db, ids=["2611.00001", "2611.09999", "2611.09998"])
    with pytest.raises(NotFoundError, match="you do not follow 'world models'"):
        ex.select_papers(db, follows=["world models"])
    with pytest.raises(UsageError):
        ex.select_papers(db, ids=["not-an-id"])


def test_rows_stream_through_the_listing_date_index(db: Database) -> None:
    for kw in ({}, {"follows": ["cs.LG"]}, {"since": date(2026, 1, 1)}):
        sql, params = ex.selection_query(ex.select_papers(db, **kw))
        plan = " / ".join(r[-1] for r in db.execute("explain query plan " + sql, params))
        assert "INDEX idx_papers_listing_date" in plan, plan
        assert "USE TEMP B-TREE FOR ORDER BY" not in plan, plan  # no sort of the whole selection


@pytest.mark.parametrize("fmt", sorted(ex.WRITERS))
def test_every_writer_is_lazy(fmt: str) -> None:
    def endless() -> Iterator[Paper]:
        for n in itertools.count():
            yield paper(f"2611.{n % 100000:05d}", f"Paper {n}", "2026-11-20")

    assert len(list(itertools.islice(ex.write_papers(endless(), fmt), 3))) == 3


# --- BibTeX ---------------------------------------------------------------------------------

_UNLATEX = {
    r"\textbackslash{}": "\\",
    r"\textasciitilde{}": "~",
    r"\textasciicircum{}": "^",
    r"\textbraceleft{}": "{",
    r"\textbraceright{}": "}",
}


def unlatex(value: str) -> str:
    """The inverse of radar's escaping (bibtexparser's own decoder loses characters)."""
    pattern = "|".join(re.escape(k) for k in _UNLATEX) + r"|\\([%$&#_{}])"
    return re.sub(pattern, lambda m: m.group(1) or _UNLATEX[m.group(0)], value)


def test_bibtex_round_trips_hostile_text_and_names(db: Database) -> None:
    text = text_of(db, "bibtex")
    library = bibtexparser.loads(text)
    entries = {e["eprint"] if "eprint" in e else e["doi"]: e for e in library.entries}
    assert len(library.entries) == len(everything(db))  # no entry injected, none lost
    hostile = entries["2611.00001"]
    assert hostile["ENTRYTYPE"] == "misc" and "note" not in hostile
    assert unlatex(hostile["title"].removeprefix("{").removesuffix("}")) == one_line(HOSTILE_RAW)
    assert "\x1b" not in text and "\u202e" not in text and "\x00" not in text and "\x07" not in text
    assert hostile["archiveprefix"] == "arXiv" and hostile["primaryclass"] == "cs.LG"
    assert hostile["url"] == "https://arxiv.org/abs/2611.00001"
    assert hostile["doi"] == "10.1234/ab_c%7Bd%7D"  # verbatim field: no LaTeX escapes
    assert hostile["author"] == (
        "Łukasz Kaiser and José García-Márquez and van Beethoven, Ludwig and "
        "King, Jr., Martin Luther and {The ATLAS Collaboration}"
    )
    assert "{lone brace" not in hostile["abstract"] and r"\textbraceleft{}lone" in hostile["abstract"]
    published = entries["2611.00003"]
    assert published["ENTRYTYPE"] == "article" and published["journal"] == "Phys. Rev. D"
    assert (published["volume"], published["pages"], published["year"]) == ("100", "123", "2026")
    assert published["doi"] == "10.1103/x" and published["eprint"] == "2611.00003"
    journal = entries["10.1038/s42256-026-01002-2"]
    assert journal["ENTRYTYPE"] == "article" and journal["journal"] == "Nature Machine Intelligence"
    assert "eprint" not in journal and journal["url"] == "https://www.nature.com/articles/s42256-026-01002-2"


@pytest.mark.parametrize(
    ("title", "exported"),
    [
        # Math LaTeX typesets on its own stays math, in titles as arXiv writes them.
        (r"Remove the $\ln\ln T$ Term", r"Remove the $\ln\ln T$ Term"),
        (
            r"$O(\sqrt{T})$ regret with $\varepsilon_t \to 0$",
            r"$O(\sqrt{T})$ regret with $\varepsilon_t \to 0$",
        ),
        ("50% of $x_1$ & more", r"50\% of $x_1$ \& more"),
        # Anything that could stop a document compiling is text again.
        (r"$\mathbb{R}^d$ embeddings", r"\$\textbackslash{}mathbb\{R\}\textasciicircum{}d\$ embeddings"),
        (r"An $\eps$-net", r"An \$\textbackslash{}eps\$-net"),
        ("$a & b$", r"\$a \& b\$"),
        ("$x}$ tail", r"\$x\textbraceright{}\$ tail"),
        (r"$x\$ y$", r"\$x\textbackslash{}\$ y\$"),
        ("$$x$$", r"\$\$x\$\$"),
        # Money is not math, and math LaTeX would stop on is text.
        ("save $5 per item_1_2 and $10", r"save \$5 per item\_1\_2 and \$10"),
        (r"$\left( x$", r"\$\textbackslash{}left( x\$"),
        (r"$\{x}$", r"\$\textbackslash{}\{x\}\$"),
        ("$a^$", r"\$a\textasciicircum{}\$"),
        ("$x_1_2$", r"\$x\_1\_2\$"),
        (r"$\left( x \right)$ and $x_{i}^{2}$", r"$\left( x \right)$ and $x_{i}^{2}$"),
    ],
)
def test_bibtex_keeps_math_latex_can_typeset(title: str, exported: str) -> None:
    entry = ex.bibtex_entry(paper("2611.00042", title, "2026-11-20"))
    assert f"  title = {{{{{exported}}}}}," in entry
    [parsed] = bibtexparser.loads(entry).entries
    assert parsed["title"] == "{" + exported + "}"


def test_bibtex_keys_are_unique_and_stable(db: Database, radar_home: Path) -> None:
    keys = [e["ID"] for e in bibtexparser.loads(text_of(db, "bibtex")).entries]
    assert len(keys) == len(set(keys))
    assert all(re.fullmatch(r"[A-Za-z0-9_.:-]+", k) for k in keys), keys
    assert "kaiser2026braces_2611.00001" in keys
    again = open_db(radar_home / "radar.db")
    assert [e["ID"] for e in bibtexparser.loads(text_of(again, "bibtex")).entries] == keys
    # A DOI with characters a key cannot hold keeps its key apart with a hash of the id.
    odd = [paper("doi:10.1/a_b", "Same", "2026-11-20"), paper("doi:10.1/a/b", "Same", "2026-11-20")]
    assert len({ex.citation_key(p) for p in odd}) == 2


def test_stars_bibtex_still_uses_the_same_entries() -> None:
    one = crafted("2611.00003")
    assert ex.bibtex([one]) == ex.bibtex_entry(one)
    assert ex.bibtex([one, one]) == ex.bibtex_entry(one) + "\n" + ex.bibtex_entry(one)
    assert ex.bibtex([]) == ""


# --- CSL-JSON -------------------------------------------------------------------------------


def test_csl_json_is_valid_against_the_official_schema(db: Database) -> None:
    items = json.loads(text_of(db, "csl-json"))
    errors = sorted(Draft7Validator(CSL_SCHEMA).iter_errors(items), key=str)
    assert not errors, errors[0]
    by_number = {i["id"].rsplit("_", 1)[-1]: i for i in items}
    hostile = by_number["2611.00001"]
    assert hostile["type"] == "article" and hostile["publisher"] == "arXiv"
    # TeX read as text (braces group, ~ is a no-break space), math in CSL's own markup and
    # protected from re-casing, and the title's own "&" escaped for CSL rich text.
    assert hostile["title"] == (
        '50% of <span class="nocase">x₁</span> & braces #hash \xa0tilde ^hat \\cmd '
        "_under: , note = pwned @miscx,[31m tail second line"
    )
    assert hostile["note"] == "arXiv:2611.00001"
    assert hostile["author"] == [
        {"family": "Kaiser", "given": "Łukasz"},
        {"family": "García-Márquez", "given": "José"},
        {"family": "Beethoven", "given": "Ludwig", "non-dropping-particle": "van"},
        {"family": "King", "given": "Martin Luther", "suffix": "Jr."},
        {"literal": "The ATLAS Collaboration"},
    ]
    assert hostile["issued"] == {"date-parts": [[2026, 11, 20]]}
    assert hostile["URL"] == "https://arxiv.org/abs/2611.00001" and hostile["DOI"] == "10.1234/ab_c{d}"
    assert "\u2028" not in hostile["abstract"] and "\x07" not in hostile["abstract"]
    assert hostile["id"] == "kaiser2026braces_2611.00001"  # the BibTeX key: @key in Pandoc
    published = by_number["2611.00003"]
    assert published["type"] == "article-journal" and "publisher" not in published
    assert published["container-title"] == "Phys. Rev. D"
    assert (published["volume"], published["page"], published["issued"]) == (
        "100",
        "123",
        {"date-parts": [[2026]]},
    )
    # The arXiv id is no article number (IEEE would print "Art. no. 2611.00003").
    assert "number" not in published and published["note"] == "arXiv:2611.00003"
    journal = next(i for i in items if i.get("DOI") == "10.1038/s42256-026-01002-2")
    assert (
        journal["type"] == "article-journal" and journal["container-title"] == "Nature Machine Intelligence"
    )
    assert "number" not in journal and "note" not in journal
    # A listing gives no first-version date: the arXiv id's year and month stand in.
    listed = by_number["2009.13987"]  # v3 in a 2026 listing; v1 was September 2020
    assert listed["issued"] == {"date-parts": [[2020, 9]]}


def test_csl_json_of_one_paper_and_of_none() -> None:
    assert json.loads("".join(ex.csl_json([]))) == []
    (item,) = json.loads("".join(ex.csl_json([crafted("2611.00004")])))
    assert item["author"] == [{"family": "Kakade", "given": "Sham M."}]


# --- RIS ------------------------------------------------------------------------------------

RIS_LINE = re.compile(r"^([A-Z][A-Z0-9])  - (.*)$")


def parse_ris(text: str) -> list[dict[str, list[str]]]:
    records: list[dict[str, list[str]]] = []
    current: dict[str, list[str]] = {}
    for line in text.split("\r\n"):
        if not line:
            continue
        m = RIS_LINE.match(line)
        assert m, f"not a RIS line: {line!r}"
        tag, value = m.groups()
        if tag == "ER":
            records.append(current)
            current = {}
        else:
            current.setdefault(tag, []).append(value)
    assert not current, "a record without ER"
    return records


def test_ris_parses_back_one_record_per_paper(db: Database) -> None:
    text = text_of(db, "ris")
    assert "\n" not in text.replace("\r\n", "")  # CRLF throughout, no bare line feeds
    records = parse_ris(text)
    assert len(records) == len(everything(db))
    by_an = {r["AN"][0]: r for r in records if "AN" in r}
    hostile = by_an["arXiv:2611.00001"]
    assert hostile["TY"] == ["UNPB"] and hostile["TI"] == [
        "50% of $x_1$ & braces #hash tilde ^hat \\cmd _under: , note = pwned @miscx,[31m tail second line"
    ]
    assert hostile["AU"] == [
        "Kaiser, Łukasz",
        "García-Márquez, José",
        "van Beethoven, Ludwig",
        "King, Martin Luther, Jr.",
        "The ATLAS Collaboration",
    ]
    assert hostile["PY"] == ["2026"] and hostile["DA"] == ["2026/11/20/"]
    assert hostile["UR"] == ["https://arxiv.org/abs/2611.00001"] and hostile["DO"] == ["10.1234/ab_c{d}"]
    assert hostile["PB"] == ["arXiv"] and "JO" not in hostile
    assert hostile["AB"] == ["Line one line two with a {lone brace and a separator."]  # TeX kept but accents
    published = by_an["arXiv:2611.00003"]
    assert published["TY"] == ["JOUR"] and published["JO"] == ["Phys. Rev. D"]
    assert published["VL"] == ["100"] and published["SP"] == ["123"] and published["PY"] == ["2026"]
    journal = next(r for r in records if r.get("DO") == ["10.1038/s42256-026-01002-2"])
    assert journal["TY"] == ["JOUR"] and journal["JO"] == journal["T2"] == ["Nature Machine Intelligence"]


# --- JSON Lines -----------------------------------------------------------------------------


def test_jsonl_is_one_paper_dict_per_line(db: Database) -> None:
    text = text_of(db, "jsonl")
    lines = text.splitlines()  # splits at U+2028 too: it must not occur unescaped
    papers = everything(db)
    assert len(lines) == len(papers) and text.endswith("\n")
    for line, p in zip(lines, papers, strict=True):
        record = json.loads(line)
        # The fields of `radar show --format json`, and the citation key.
        assert list(record) == [*paper_dict(p), "versions_seen", "reasons", "key"] and record["id"] == p.id
        assert p.version in record["versions_seen"]
    hostile = json.loads(lines[0])
    assert hostile["title"] == HOSTILE + "[31m tail\nsecond line"  # controls gone, text kept
    assert "\u2028" in hostile["abstract"] and "\x07" not in hostile["abstract"]


# --- CSV ------------------------------------------------------------------------------------


def test_csv_parses_back_and_neutralises_formulas(db: Database) -> None:
    text = text_of(db, "csv")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert tuple(rows[0]) == ex.CSV_COLUMNS
    assert len(rows) == len(everything(db)) + 1
    by_id = {r[0]: dict(zip(ex.CSV_COLUMNS, r, strict=True)) for r in rows[1:]}
    assert by_id["2611.00002"]["title"] == '\'=HYPERLINK("http://evil","x")'
    assert by_id["2611.00002"]["authors"] == "'@Sam Cell"
    assert by_id["2611.00003"]["title"] == "'+1 trick"
    assert by_id["2611.00004"]["title"] == "'-2 trick"
    assert by_id["2611.00005"]["title"] == "'@at trick"
    hostile = by_id["2611.00001"]
    assert hostile["title"] == one_line(HOSTILE_RAW)
    assert hostile["authors"] == "; ".join([*NAMES, "The ATLAS Collaboration"])
    assert hostile["version"] == "1" and hostile["published"] == "2026-11-20T12:00:00Z"
    assert hostile["doi"] == "10.1234/ab_c{d}" and hostile["url"] == "https://arxiv.org/abs/2611.00001"
    assert by_id["2611.00005"]["categories"] == "cs.LG stat.ML"
    assert by_id["2611.00003"]["journal_ref"] == "Phys. Rev. D 100, 123 (2026)"
    assert by_id["doi:10.1038/s42256-026-01002-2"]["journal_ref"] == "Nature Machine Intelligence"


# --- the command, end to end ----------------------------------------------------------------


def test_export_help() -> None:
    result = run_radar("export", "--help")
    assert result.returncode == 0 and "Usage: radar export" in result.stdout
    assert "bibtex, csl-json, ris, jsonl or csv" in " ".join(result.stdout.split())


def test_export_to_stdout_and_to_a_file(db: Database, tmp_path: Path) -> None:
    result = run_radar("export", "--since", "2026-11-20", "--follow", "cs.LG", "--format", "bibtex")
    assert result.returncode == 0, result.stderr
    assert [e["eprint"] for e in bibtexparser.loads(result.stdout).entries] == ["2611.00001", "2611.00002"]
    assert result.stderr.strip() == (
        "Exported 2 papers. 1 author name kept whole (a group, or not splittable)."  # the ATLAS Collaboration
    )
    target = tmp_path / "out" / "refs.json"
    target.parent.mkdir()
    result = run_radar("export", "--ids", "2611.00004,2611.00003", "-f", "csl-json", "-o", str(target))
    assert result.returncode == 0 and result.stdout == ""
    assert [i["id"].rsplit("_", 1)[-1] for i in json.loads(target.read_text(encoding="utf-8"))] == [
        "2611.00003",
        "2611.00004",
    ]
    assert result.stderr.strip() == f"Exported 2 papers to {target}."
    assert [p.name for p in target.parent.iterdir()] == ["refs.json"]  # no temporary file left


def test_export_without_format_writes_bibtex_or_what_the_file_name_says(db: Database, tmp_path: Path) -> None:
    # Before, --format was required: `radar export --ids ID` was a usage error.
    result = run_radar("export", "--ids", "2611.00001")
    assert result.returncode == 0, result.stderr
    assert [e["eprint"] for e in bibtexparser.loads(result.stdout).entries] == ["2611.00001"]
    # A file named .ris gets RIS, not BibTeX under a RIS name; an unknown extension, BibTeX.
    assert run_radar("export", "--ids", "2611.00001", "-o", str(tmp_path / "refs.ris")).returncode == 0
    assert [r["AN"] for r in parse_ris((tmp_path / "refs.ris").read_bytes().decode("utf-8"))] == [
        ["arXiv:2611.00001"]
    ]
    assert run_radar("export", "--ids", "2611.00001", "-o", str(tmp_path / "refs.txt")).returncode == 0
    assert (tmp_path / "refs.txt").read_text(encoding="utf-8").startswith("@")


def test_export_to_a_missing_directory_is_refused(db: Database, tmp_path: Path) -> None:
    # Before, -o /nonexistent/dir/x.bib made the directories and exited 0.
    target = tmp_path / "nonexistent" / "dir" / "x.bib"
    result = run_radar("export", "-f", "bibtex", "-o", str(target))
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr == f"Error: no such directory: {target.parent}\n"
    assert not (tmp_path / "nonexistent").exists()


def test_export_ids_from_stdin_as_ris(db: Database, tmp_path: Path) -> None:
    target = tmp_path / "refs.ris"
    result = run_radar(
        "export", "--ids", "-", "-f", "ris", "-o", str(target), input="2611.00005\n2611.00004\n"
    )
    assert result.returncode == 0, result.stderr
    # Read as bytes: the CRLF line ends must reach the file as they are.
    records = parse_ris(target.read_bytes().decode("utf-8"))
    assert [r["AN"] for r in records] == [["arXiv:2611.00004"], ["arXiv:2611.00005"]]


def test_export_of_an_empty_pipe_exports_nothing(db: Database) -> None:
    # `radar today ... | jq ... | radar export --ids -` on a day with nothing new.
    result = run_radar("export", "--ids", "-", "-f", "csv", input="")
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--ids", "2611.00001", "--ids", "2611.09999"], 1, "Error: not in the store: 2611.09999"),
        (["--follow", "Nobody Here"], 1, "Error: you do not follow 'Nobody Here'"),
        (["--since", "yesteryear"], 2, "Error: cannot read the date 'yesteryear'"),
        (["--ids", ""], 2, "Error: --ids '' names no paper: give arXiv ids, e.g. --ids 2511.05963"),
        (["--ids", " , "], 2, "Error: --ids ' , ' names no paper"),
    ],
)
def test_export_errors_are_one_line(db: Database, args: list[str], code: int, message: str) -> None:
    result = run_radar("export", *args, "--format", "csv")
    assert result.returncode == code and result.stdout == ""
    assert result.stderr.startswith(message) and len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_export_of_nothing_is_empty_and_succeeds(db: Database, tmp_path: Path) -> None:
    target = tmp_path / "none.csv"
    result = run_radar("export", "--since", "2030-01-01", "--format", "csv", "-o", str(target))
    assert result.returncode == 0 and result.stdout == "" and not target.exists()
    assert result.stderr.startswith("Nothing to export: no paper listed since 2030-01-01")
    assert run_radar("export", "--format", "xml").returncode == 2


def test_export_with_no_follows_says_what_to_do(radar_home: Path) -> None:
    db = open_db(radar_home / "radar.db")
    save_papers(db, [crafted("2611.00004")])
    db.close()
    result = run_radar("export", "-f", "jsonl")
    assert result.returncode == 0 and result.stdout == ""
    assert "you follow nothing yet" in result.stderr
    assert json.loads(run_radar("export", "-f", "jsonl", "--ids", "2611.00004").stdout)["id"] == "2611.00004"


# --- keys that never change -----------------------------------------------------------------


def _keys_of(db: Database, ids: list[str]) -> tuple[list[str], list[str], list[str]]:
    bib = [e["ID"] for e in bibtexparser.loads(text_of(db, "bibtex", ids=ids)).entries]
    csl = [i["id"] for i in json.loads(text_of(db, "csl-json", ids=ids))]
    ris = [r["ID"][0] for r in parse_ris(text_of(db, "ris", ids=ids))]
    return bib, csl, ris


def test_a_key_survives_a_new_version_that_changes_title_and_first_author(radar_home: Path) -> None:
    db = open_db(radar_home / "radar.db")
    v1 = paper("2611.00007", "Measurement of the thing", "2026-11-20", authors=[Author("Jane Surname1")])
    save_papers(db, [v1])
    first = _keys_of(db, ["2611.00007"])
    assert first == (["surname12026measurement_2611.00007"],) * 3  # BibTeX key = CSL id = RIS ID
    v2 = paper(
        "2611.00007",
        "Improved measurement",
        "2026-11-27",
        version=2,
        authors=[Author("Yusuf Y"), Author("Jane Surname1")],
    )
    save_papers(db, [v2])
    assert ex.citation_key(v2) != first[0][0]  # what the scheme would say today
    assert _keys_of(db, ["2611.00007"]) == first  # what every export says
    db.close()


def test_two_papers_never_share_a_key(radar_home: Path) -> None:
    db = open_db(radar_home / "radar.db")
    one = paper("2611.00008", "Sparse things", "2026-11-20")
    save_papers(db, [one])
    # Another paper already holds the key this one would get.
    db.execute("insert into citation_keys (paper_id, key) values ('2611.99999', ?)", [ex.citation_key(one)])
    (key,), _, _ = _keys_of(db, ["2611.00008"])
    assert key == ex.citation_key(one) + "-2"
    assert db.execute("select count(distinct key) from citation_keys").fetchone()[0] == 2
    db.close()


def test_stars_bibtex_uses_the_stored_keys(radar_home: Path) -> None:
    db = open_db(radar_home / "radar.db")
    save_papers(db, [paper("2611.00009", "Old title", "2026-11-20")])
    (key,), _, _ = _keys_of(db, ["2611.00009"])
    save_papers(db, [paper("2611.00009", "New title", "2026-11-27", version=2)])
    assert ex.bibtex(everything(db, ids=["2611.00009"]), db).startswith(f"@misc{{{key},")
    db.close()


# --- journal references ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "container", "volume", "issue", "pages", "year"),
    [
        ("Phys. Rev. Lett. 99, 048301 (2007)", "Phys. Rev. Lett.", "99", None, "048301", 2007),
        ("Phys.Rev.D76:013009,2007", "Phys.Rev.D", "76", None, "013009", 2007),
        ("Int.J.Mod.Phys.B23:5935-5947,2009", "Int.J.Mod.Phys.B", "23", None, "5935-5947", 2009),
        ("Illinois J. Math. 52 (2008) no.2, 681-689", "Illinois J. Math.", "52", "2", "681-689", 2008),
        ("JHEP 0705:010,2007", "JHEP", "0705", None, "010", 2007),
        ("Math. Res. Lett. 15 (2008), no. 2, 351--358", "Math. Res. Lett.", "15", "2", "351-358", 2008),
        (
            "Annals of Applied Probability 2008, Vol. 18, No. 3, 1026-1058",
            "Annals of Applied Probability",
            "18",
            "3",
            "1026-1058",
            2008,
        ),
        ("J.Opt.Soc.Am.A 23(10): 2592-2601 (2006)", "J.Opt.Soc.Am.A", "23", "10", "2592-2601", 2006),
        (
            "J. of Pure and Applied Algebra, 213(2) (Feb. 2009) 264-278",
            "J. of Pure and Applied Algebra",
            "213",
            "2",
            "264-278",
            2009,
        ),
        (
            "J. Phys. A: Math. Theor. 40 No 41 (12 October 2007) 12315-12333",
            "J. Phys. A: Math. Theor.",
            "40",
            "41",
            "12315-12333",
            2007,
        ),
        ("Asymptotic Analysis, 57 No. 1-2, 1-27, 2008", "Asymptotic Analysis", "57", "1-2", "1-27", 2008),
    ],
)
def test_journal_references_parse(
    text: str, container: str, volume: str, issue: str | None, pages: str, year: int
) -> None:
    from radar.journal_ref import parse_journal_ref

    ref = parse_journal_ref(text)
    assert ref is not None and ref.parsed and not ref.proceedings
    assert (ref.container, ref.volume, ref.issue, ref.pages, ref.year) == (
        container,
        volume,
        issue,
        pages,
        year,
    )


def test_a_journal_paper_in_every_format_with_the_journals_year() -> None:
    # v1 in December 2006, published in 2007: with the journal's details, its year.
    p = paper(
        "0612.00005",
        "Pairs",
        "2006-12-20",
        journal_ref="Phys.Rev.D76:013009,2007",
        doi="10.1103/PhysRevD.76.013009",
    )
    [bib] = bibtexparser.loads(ex.bibtex_entry(p)).entries
    assert bib["ENTRYTYPE"] == "article" and bib["year"] == "2007" and bib["journal"] == "Phys.Rev.D"
    assert (bib["volume"], bib["pages"], bib["eprint"], bib["archiveprefix"]) == (
        "76",
        "013009",
        "0612.00005",
        "arXiv",
    )
    assert "note" not in bib
    item = ex.csl_item(p)
    assert item["issued"] == {"date-parts": [[2007]]} and "number" not in item
    [rec] = parse_ris(ex.ris_record(p))
    assert rec["PY"] == ["2007"] and rec["AN"] == ["arXiv:0612.00005"] and "DA" not in rec


def test_an_unparsed_reference_is_kept_whole_in_a_note() -> None:
    text = "L. H. Friedman. Order of dots: Linear analysis. Journal of Nanophotonics, 1(1):013513, 2007."
    p = paper("2611.00021", "Dots", "2026-11-20", journal_ref=text)
    [bib] = bibtexparser.loads(ex.bibtex_entry(p)).entries
    assert bib["ENTRYTYPE"] == "misc" and bib["note"] == text and "journal" not in bib
    item = ex.csl_item(p)
    assert (
        item["type"] == "article"
        and item["note"] == f"{text}; arXiv:2611.00021"
        and "container-title" not in item
    )
    [rec] = parse_ris(ex.ris_record(p))
    assert rec["N1"] == [text] and rec["TY"] == ["UNPB"]
    report = ex.Report()
    ex.csl_item(p, report=report)
    assert report.whole_refs == 1
    # An erratum after ";" is kept whole too, beside the parsed first reference.
    both = "J.Opt.Soc.Am.A 23, 2578-2591 (2006); Erratum: J.Opt.Soc.Am.A 32, 2407-2408 (2015)"
    [bib] = bibtexparser.loads(
        ex.bibtex_entry(paper("2611.00022", "E", "2026-11-20", journal_ref=both))
    ).entries
    assert bib["journal"] == "J.Opt.Soc.Am.A" and bib["note"] == both


def test_proceedings_are_inproceedings_and_paper_conference() -> None:
    text = "AIP Conf.Proc.921:19-23,2007"
    p = paper("0704.00023", "A talk", "2007-04-20", journal_ref=text)
    [bib] = bibtexparser.loads(ex.bibtex_entry(p)).entries
    assert (
        bib["ENTRYTYPE"] == "inproceedings"
        and bib["booktitle"] == "AIP Conf.Proc."
        and bib["pages"] == "19--23"
    )
    assert ex.csl_item(p)["type"] == "paper-conference"
    assert parse_ris(ex.ris_record(p))[0]["TY"] == ["CPAPER"]
    # A journal called "Proceedings of ..." stays a journal.
    pnas = paper("0704.00024", "B", "2007-04-20", journal_ref="Proc. Natl. Acad. Sci. 104, 123 (2007)")
    assert ex.csl_item(pnas)["type"] == "article-journal"


# --- titles, names, DOIs --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "exported"),
    [
        (r"Koll\'ar's theorem and $T_{\rm N}$", r"Koll\'ar's theorem and $T_{\rm N}$"),
        (r"Gr\"{o}bner bases for {\"o}", r"Gr\"{o}bner bases for {\"o}"),
        (r"\v{S}ilhav\'y and \cmd", r"\v{S}ilhav\'y and \textbackslash{}cmd"),
    ],
)
def test_bibtex_keeps_accents_and_base_latex_math(title: str, exported: str) -> None:
    entry = ex.bibtex_entry(paper("2611.00043", title, "2026-11-20"))
    assert f"  title = {{{{{exported}}}}}," in entry


@pytest.mark.parametrize(
    ("title", "csl"),
    [
        (r"$\alpha$-divergences", '<span class="nocase">α-divergences</span>'),
        (r"On $p$-adic fields", 'On <span class="nocase">p-adic</span> fields'),
        (r"Charge order in 1T-TiSe$_{2}$", 'Charge order in <span class="nocase">1T-TiSe₂</span>'),
        (
            r"At $T_{\rm N}$ and $x^{2}$",
            'At <span class="nocase">T<sub>N</sub></span> and <span class="nocase">x²</span>',
        ),
        (
            "A <b>bold</b> & fast BERT, x < y",
            'A <span class="nocase"><</span>b>bold<span class="nocase"><</span>/b> & fast '
            '<span class="nocase">BERT,</span> x < y',
        ),
        (r"K\"ahler metrics", "Kähler metrics"),
    ],
)
def test_csl_titles_are_protected_rich_text(title: str, csl: str) -> None:
    assert ex.csl_item(paper("2611.00044", title, "2026-11-20"))["title"] == csl


def test_et_al_is_each_formats_own_marker() -> None:
    names = [Author("The BABAR Collaboration"), Author("B. Aubert"), Author("et al")]
    p = paper("0704.00025", "Rare decays", "2007-04-20", authors=names)
    [bib] = bibtexparser.loads(ex.bibtex_entry(p)).entries
    assert bib["author"] == "{The BABAR Collaboration} and B. Aubert and others"
    item = ex.csl_item(p)
    assert item["author"] == [{"literal": "The BABAR Collaboration"}, {"family": "Aubert", "given": "B."}]
    assert "et al." in item["note"]
    [rec] = parse_ris(ex.ris_record(p))
    assert rec["AU"] == ["The BABAR Collaboration", "Aubert, B."] and "et al." in rec["N1"][0]
    # Written into the last name, and as "and others".
    for last in ["B. Aubert et al.", "B. Aubert and others"]:
        p = paper("0704.00026", "R", "2007-04-20", authors=[Author("A. Person"), Author(last)])
        assert (
            bibtexparser.loads(ex.bibtex_entry(p)).entries[0]["author"]
            == "A. Person and B. Aubert and others"
        )
    # A person whose surname is Others is a person.
    p = paper("0704.00027", "R", "2007-04-20", authors=[Author("John Others")])
    assert bibtexparser.loads(ex.bibtex_entry(p)).entries[0]["author"] == "John Others"


def test_sici_dois_are_kept_whole() -> None:
    from radar.sources.journal_feeds import find_doi

    sici = "10.1002/(SICI)1097-0258(19980815/30)17:15/16<1661::AID-SIM968>3.0.CO;2-2"
    assert find_doi({"prism_doi": sici}) == sici.lower()
    assert find_doi({"dc_identifier": '<a href="x">doi:10.1038/abc</a>'}) == "10.1038/abc"
    p = paper("2611.00045", "Old DOI", "2026-11-20", doi=sici)
    assert ex.csl_item(p)["DOI"] == sici
    assert parse_ris(ex.ris_record(p))[0]["DO"] == [sici]
    assert bibtexparser.loads(ex.bibtex_entry(p)).entries[0]["doi"] == sici
