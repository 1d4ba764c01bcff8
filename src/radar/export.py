"""Papers as citation records and data files: BibTeX, CSL-JSON, RIS, JSON Lines and CSV.

Which papers (`select_papers`, `iter_papers`) and how each format writes them. Every writer takes
papers one at a time and yields text, so an export of a whole store never holds it in
memory. Titles, abstracts and names come from arXiv and from feeds: untrusted, so
control characters go, and each format escapes what would otherwise be syntax.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from anyascii import anyascii

from radar.database import Database
from radar.errors import NotFoundError, UsageError
from radar.model import Follow, Paper, abs_url, paper_ref
from radar.names import parse_name, split_name
from radar.text import math_spans, one_line, safe_url, strip_controls

# --- which papers ---------------------------------------------------------------------------


@dataclass
class Selection:
    """What to export, checked against the store: every id exists, every follow is followed."""

    ids: list[str]
    follows: list[Follow]
    since: date | None = None
    ids_given: bool = False  # --ids was used, even if it named nothing (empty stdin)

    @property
    def any_follow(self) -> bool:
        # Neither papers nor follows named: every paper that matches a follow. An empty
        # --ids list (a pipe that carried no ids) selects nothing, not everything.
        return not self.ids and not self.follows and not self.ids_given


def resolve_follows(db: Database, values: Sequence[str]) -> list[Follow]:
    """The follows the user means, by the value `radar following` shows (any kind)."""
    from radar.follows import KINDS, follow_key

    found: dict[int, Follow] = {}
    for value in values:
        hits = []
        for kind in KINDS:
            try:
                _, key = follow_key(kind, value)
            except UsageError:
                continue  # "cs.LG" is no person's name; "Lei Li" no category
            row = db.execute(
                "select id, kind, value, created_utc from follows where kind = ? and key = ?", [kind, key]
            ).fetchone()
            if row:
                hits.append(Follow(*row))
        if not hits:
            raise NotFoundError(f"you do not follow {one_line(value)!r} (radar following lists what you do)")
        found.update((f.id, f) for f in hits)
    return sorted(found.values(), key=lambda f: f.id)


def select_papers(
    db: Database,
    ids: Sequence[str] = (),
    follows: Sequence[str] = (),
    since: date | None = None,
    ids_given: bool = False,
) -> Selection:
    """Check a selection before anything is written: unknown ids and follows are errors."""
    wanted = list(dict.fromkeys(paper_ref(i) for i in ids))
    if wanted:
        # All the ids as one JSON parameter: SQLite caps a statement at 32,766 parameters.
        missing = [
            r[0]
            for r in db.execute(
                "select j.value from json_each(?) j where not exists (select 1 from papers p where p.id = j.value)",
                [json.dumps(wanted)],
            )
        ]
        if missing:
            more = f" and {len(missing) - 10} more" if len(missing) > 10 else ""
            raise NotFoundError(f"not in the store: {', '.join(missing[:10])}{more}")
    return Selection(wanted, resolve_follows(db, follows), since, ids_given=ids_given or bool(wanted))


def _chosen(alias: str, selection: Selection) -> str:
    """SQL: the paper `alias` is in the selection (dates aside)."""
    from radar.store import matches_a_follow

    if selection.any_follow:
        return matches_a_follow(f"{alias}.id")
    parts = []
    if selection.ids:
        parts.append(f"{alias}.id in (select value from json_each(:ids))")
    if selection.follows:
        parts.append(matches_a_follow(f"{alias}.id", "(select value from json_each(:follows))"))
    # An empty --ids and no follows: nothing is chosen.
    return "(" + " or ".join(parts) + ")" if parts else "0"


def selection_query(selection: Selection) -> tuple[str, dict[str, Any]]:
    after = " and {a}.listing_date >= :since" if selection.since else ""
    sql = f"select p.* from papers p where {_chosen('p', selection)}{after.format(a='p')}"
    if selection.follows or selection.any_follow:
        # A journal's version of an arXiv paper that is exported too would be a duplicate
        # entry (as on `radar today`); papers named with --ids are always exported.
        named = "p.id in (select value from json_each(:ids)) or " if selection.ids else ""
        sql += (
            f" and ({named}p.linked_to is null or not exists (select 1 from papers a "
            f"where a.id = p.linked_to and {_chosen('a', selection)}{after.format(a='a')}))"
        )
    # Newest first, then id: the same papers always come out in the same order. The
    # listing_date index gives the first key, so rows stream without a full sort.
    sql += " order by p.listing_date desc, p.id"
    params: dict[str, Any] = {
        "ids": json.dumps(selection.ids),
        "follows": json.dumps([f.id for f in selection.follows]),
    }
    if selection.since:
        params["since"] = selection.since.isoformat()
    return sql, params


def iter_papers(db: Database, selection: Selection, feedback: bool = True) -> Iterator[Paper]:
    """The selected papers, streamed from the database in a stable order. The papers
    chosen by follow go through the feedback step of `radar today` (select.drop_removed):
    a muted person or a hidden paper is not exported, unless named with --ids."""
    from radar.store import row_to_paper

    sql, params = selection_query(selection)
    papers: Iterator[Paper] = (row_to_paper(row) for row in db.query(sql, params))
    if feedback and (selection.follows or selection.any_follow):
        from radar.select import drop_removed

        papers = drop_removed(db, papers, keep=set(selection.ids))
    yield from papers


# --- shared helpers -------------------------------------------------------------------------

# LaTeX's special characters, escaped so a title like "5% of $3 & more" survives.
_LATEX = {
    "\\": r"\textbackslash{}",
    "$": r"\$",
    "&": r"\&",
    "%": r"\%",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_LATEX_RE = re.compile("|".join(re.escape(c) for c in [*_LATEX, "{", "}"]))


def _unmatched_braces(text: str) -> set[int]:
    opened: list[int] = []
    unmatched: set[int] = set()
    for i, ch in enumerate(text):
        if ch == "{":
            opened.append(i)
        elif ch == "}":
            if opened:
                opened.pop()
            else:
                unmatched.add(i)
    return unmatched | set(opened)


# arXiv's titles and abstracts are written in TeX: "$\ln\ln T$", "$O(\sqrt{T})$". Math
# that LaTeX typesets with its own commands is kept as math, so a bibliography shows the
# formula rather than its source. A span with anything else (a paper's own macros,
# amssymb's \mathbb, a "%" or "&", braces without a partner) is escaped as text, since
# one undefined command would stop the user's document from compiling.
# Two sub- or superscripts on one base (x_1_2), which LaTeX stops on.
_DOUBLE_SCRIPT_RE = re.compile(r"([_^])(?:\{[^{}]*\}|\\[A-Za-z]+|[^{}\\])\1")
_MATH_COMMAND_RE = re.compile(r"\\([A-Za-z]+|.)")
_MATH_COMMANDS = frozenset(
    """
    alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu
    nu xi pi varpi rho varrho sigma varsigma tau upsilon phi varphi chi psi omega Gamma
    Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega
    log ln exp sin cos tan sinh cosh tanh arcsin arccos arctan min max sup inf lim limsup
    liminf det dim ker deg gcd Pr arg
    sqrt frac mathrm mathcal mathbf mathit mathsf mathtt
    tilde hat bar vec dot ddot widetilde widehat overline underline check breve acute grave
    le leq ge geq ne neq approx sim simeq cong equiv propto ll gg subset subseteq supset
    supseteq in notin ni cup cap setminus times cdot cdots ldots dots vdots ddots pm mp div
    ast star circ bullet oplus otimes to rightarrow leftarrow leftrightarrow Rightarrow
    Leftarrow Leftrightarrow mapsto infty partial nabla forall exists neg wedge vee
    emptyset ell hbar Re Im sum prod int oint bigcup bigcap langle rangle lfloor rfloor
    lceil rceil left right big Big bigl bigr mid parallel perp prime quad qquad colon
    dagger top bot iff
    , ; ! | { }
    """.split()
    + [" "]
)


def _kept_math(text: str) -> list[tuple[int, int]]:
    """(start, end) of each $...$ span LaTeX can typeset as it is."""
    kept = []
    for m in math_spans(text):
        body = m.group(1)
        if (
            any(ch in body for ch in "%#&")
            # A final ^ or _ has nothing to apply to.
            or body.endswith(("^", "_"))
            # BibTeX counts every brace, LaTeX only those not escaped: both must pair.
            or _unmatched_braces(body)
            or _unmatched_braces(body.replace("\\{", "").replace("\\}", ""))
            or body.count("\\left") != body.count("\\right")
            or _DOUBLE_SCRIPT_RE.search(body)
        ):
            continue
        if all(c.group(1) in _MATH_COMMANDS for c in _MATH_COMMAND_RE.finditer(body)):
            kept.append(m.span())
    return kept


def latex_escape(text: str | None) -> str:
    """Text that LaTeX prints as it is, and its math as math (_kept_math). Non-ASCII
    stays as UTF-8: biblatex and Zotero read it."""
    value = one_line(text)
    # BibTeX counts every brace, escaped or not, to find a field's end: a lone "{" as
    # \{ would swallow the rest of the file, so braces without a partner are spelt out.
    lone = _unmatched_braces(value) if "{" in value or "}" in value else set()
    math = _kept_math(value)

    def escape(m: re.Match[str]) -> str:
        ch = m.group(0)
        if any(start <= m.start() < end for start, end in math):
            return ch
        if ch in "{}":
            if m.start() in lone:
                return r"\textbraceleft{}" if ch == "{" else r"\textbraceright{}"
            return "\\" + ch
        return _LATEX[ch]

    return _LATEX_RE.sub(escape, value)


def _verbatim(text: str | None) -> str:
    """URLs and DOIs: biblatex reads them verbatim (no LaTeX escapes), so only what
    would end the field or start a command is percent-encoded."""
    value = one_line(text)
    return value.replace("\\", "%5C").replace("{", "%7B").replace("}", "%7D").replace(" ", "%20")


_ID_MONTH_RE = re.compile(r"^(?:[a-z\-]+(?:\.[A-Z]{2})?/)?(\d{2})(\d{2})")


def issued(paper: Paper) -> tuple[int, ...] | None:
    """When the paper came out, as (year, month, day) or (year, month).

    The first version's date when a source gave it. A listing does not, and its date is
    the newest version's; an arXiv id starts with the first version's year and month
    (2401.08875 and hep-th/9901001 alike), so that is used instead.
    """
    if paper.published is not None:
        return (paper.published.year, paper.published.month, paper.published.day)
    if paper.is_arxiv and (m := _ID_MONTH_RE.match(paper.id)):
        yy, month = int(m.group(1)), int(m.group(2))
        if 1 <= month <= 12:
            return (1900 + yy if yy >= 91 else 2000 + yy, month)  # arXiv began in 1991
    day = paper.updated.date() if paper.updated is not None else paper.listing_date
    return (day.year, day.month, day.day) if day is not None else None


def _year(paper: Paper) -> str:
    when = issued(paper)
    return str(when[0]) if when else ""


def journal(paper: Paper) -> str:
    """Where it was published: arXiv's journal reference, or a followed journal's name."""
    return one_line(paper.journal_ref or (paper.source_name if not paper.is_arxiv else None))


def _url(paper: Paper) -> str:
    return abs_url(paper.id) if paper.is_arxiv else safe_url(paper.link)


_KEY_SAFE_RE = re.compile(r"[^A-Za-z0-9.:/-]")


def citation_key(paper: Paper) -> str:
    """Stable and readable: surname, year, first title word, the arXiv id."""
    surname = ""
    if paper.authors:
        try:
            surname = parse_name(paper.authors[0].name).surname.replace(" ", "")
        except ValueError:
            surname = ""
    words = re.findall(r"[a-z]{4,}", anyascii(paper.title).lower())
    key_id = paper.id.replace("/", "_")
    if _KEY_SAFE_RE.search(paper.id):
        # A feed's DOI can hold characters keys cannot (",", "{", "(", "_"...): they become
        # "-", and a hash of the whole id keeps two such keys apart.
        digest = hashlib.sha1(paper.id.encode()).hexdigest()[:8]
        key_id = _KEY_SAFE_RE.sub("-", paper.id).replace("/", "_") + "_" + digest
    return f"{surname or 'anon'}{_year(paper)}{words[0] if words else ''}_{key_id}"


# --- BibTeX ---------------------------------------------------------------------------------


@lru_cache(maxsize=100_000)
def _bibtex_name(name: str) -> str:
    text = one_line(name)
    parts = split_name(text)
    if parts is None or re.search(r"\band\b", text, re.IGNORECASE):
        # One brace group is one literal name: "The ATLAS Collaboration" stays whole and an
        # "and" inside it does not split it into two people.
        return "{" + latex_escape(text) + "}"
    family = f"{parts.particle} {parts.family}".strip()
    if parts.suffix:
        return latex_escape(f"{family}, {parts.suffix}, {parts.given}")
    if "," in text or " " in family:
        # BibTeX would take "De" in "Carlos De Souza" for a given name: say which is which.
        return latex_escape(f"{family}, {parts.given}" if parts.given else family)
    return latex_escape(text)  # "First Last" as written


def bibtex_entry(paper: Paper) -> str:
    where = journal(paper)
    fields = [
        ("title", "{" + latex_escape(paper.title) + "}"),  # double braces keep the capitals
        ("author", " and ".join(_bibtex_name(a.name) for a in paper.authors)),
        ("year", _year(paper)),
    ]
    if paper.is_arxiv:
        fields += [
            ("eprint", paper.id),
            ("archiveprefix", "arXiv"),
            ("primaryclass", latex_escape(paper.primary_category)),
        ]
    if where:
        fields.append(("journal", latex_escape(where)))
    if paper.doi:
        fields.append(("doi", _verbatim(paper.doi)))
    fields.append(("url", _verbatim(_url(paper))))
    fields.append(("abstract", latex_escape(paper.abstract)))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields if value)
    kind = "article" if where else "misc"
    return f"@{kind}{{{citation_key(paper)},\n{body}\n}}\n"


def bibtex_entries(papers: Iterable[Paper]) -> Iterator[str]:
    for n, paper in enumerate(papers):
        yield ("\n" if n else "") + bibtex_entry(paper)


def bibtex(papers: Sequence[Paper]) -> str:
    """A .bib file that biblatex, BibTeX and Zotero read: @article with its journal when
    there is one, else @misc with arXiv's eprint fields."""
    return "".join(bibtex_entries(papers))


# --- CSL-JSON -------------------------------------------------------------------------------


def _csl_name(name: str) -> dict[str, str]:
    parts = split_name(name)
    if parts is None:
        return {"literal": one_line(name)}
    out = {"family": parts.family, "given": parts.given}
    if parts.particle:
        out["non-dropping-particle"] = parts.particle
    if parts.suffix:
        out["suffix"] = parts.suffix
    return {k: v for k, v in out.items() if v}


def csl_item(paper: Paper) -> dict[str, Any]:
    """One CSL-JSON item (the format of Pandoc, Zotero and citeproc)."""
    where = journal(paper)
    item: dict[str, Any] = {
        "id": citation_key(paper),  # the same key as in BibTeX: `@key` in Pandoc
        "type": "article-journal" if where else "article",
        "title": one_line(paper.title),
        "author": [_csl_name(a.name) for a in paper.authors],
    }
    when = issued(paper)
    if when is not None:
        item["issued"] = {"date-parts": [list(when)]}
    if paper.abstract:
        item["abstract"] = one_line(paper.abstract)
    if where:
        item["container-title"] = where
    elif paper.is_arxiv:
        item["publisher"] = "arXiv"
    if paper.doi:
        item["DOI"] = one_line(paper.doi)
    item["URL"] = _url(paper)
    if paper.is_arxiv:
        item["number"] = paper.id
        item["note"] = f"arXiv:{paper.id}"
    return item


def _json(data: Any) -> str:
    # U+2028 and U+2029 are valid inside JSON strings but end a line for JavaScript and
    # for str.splitlines(): escaped, a JSON Lines record stays on its line.
    text = json.dumps(data, ensure_ascii=False)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def csl_json(papers: Iterable[Paper]) -> Iterator[str]:
    """A JSON array written item by item, one item per line."""
    first = True
    for paper in papers:
        yield ("[\n" if first else ",\n") + _json(csl_item(paper))
        first = False
    yield "[]\n" if first else "\n]\n"


# --- RIS ------------------------------------------------------------------------------------

RIS_EOL = "\r\n"  # the RIS specification's line end; Zotero, EndNote and Mendeley read it


def _ris_name(name: str) -> str:
    parts = split_name(name)
    if parts is None:
        return one_line(name)
    family = f"{parts.particle} {parts.family}".strip()
    # RIS's own order: Lastname, Firstname, Suffix.
    return ", ".join(p for p in (family, parts.given, parts.suffix) if p)


def ris_record(paper: Paper) -> str:
    where = journal(paper)
    when = issued(paper)
    tags: list[tuple[str, str]] = [
        # A preprint is an "unpublished work" in RIS; a journal's paper a journal article.
        ("TY", "JOUR" if where else "UNPB"),
        ("ID", citation_key(paper)),
        ("TI", paper.title),
        *(("AU", _ris_name(a.name)) for a in paper.authors),
        ("AB", paper.abstract),
        ("PY", str(when[0]) if when else ""),
        # RIS dates are YYYY/MM/DD/other, with empty parts left empty.
        ("DA", "/".join([f"{when[0]:04d}", *(f"{p:02d}" for p in when[1:]), "", ""][:4]) if when else ""),
        ("DO", paper.doi or ""),
        ("UR", _url(paper)),
        # JO is the journal for most readers; Zotero takes the full name from T2.
        ("JO", where),
        ("T2", where),
    ]
    if paper.is_arxiv:
        tags += [("PB", "" if where else "arXiv"), ("DB", "arXiv"), ("AN", f"arXiv:{paper.id}")]
    # one_line: a value spread over lines could start a tag of its own ("ER  - ").
    lines = [f"{tag}  - {one_line(value)}" for tag, value in tags if one_line(value)]
    return RIS_EOL.join([*lines, "ER  - ", "", ""])


def ris(papers: Iterable[Paper]) -> Iterator[str]:
    for paper in papers:
        yield ris_record(paper)


# --- JSON Lines -----------------------------------------------------------------------------


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return strip_controls(value)
    if isinstance(value, dict):
        return {_clean(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def jsonl(papers: Iterable[Paper]) -> Iterator[str]:
    """One paper per line, in the shape of `radar show --format json` and `radar stars`."""
    from radar.render import paper_dict

    for paper in papers:
        yield _json(_clean(paper_dict(paper))) + "\n"


# --- CSV ------------------------------------------------------------------------------------

CSV_COLUMNS = (
    "id",
    "version",
    "title",
    "authors",
    "primary_category",
    "categories",
    "published",
    "updated",
    "doi",
    "journal_ref",
    "url",
)
# A cell starting with one of these is a formula to Excel, LibreOffice and Google Sheets
# ("=HYPERLINK(...)" in a title would run when the file is opened): a leading ' makes
# the spreadsheet show it as text, and that ' is the only change to the value.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: str | None) -> str:
    text = one_line(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_rows(papers: Iterable[Paper]) -> Iterator[str]:
    from radar.store import iso

    buffer = io.StringIO()
    writer = csv.writer(buffer)  # RFC 4180: quoted as needed, CRLF line ends
    writer.writerow(CSV_COLUMNS)
    for paper in papers:
        writer.writerow(
            [
                csv_cell(paper.id),
                paper.version,
                csv_cell(paper.title),
                csv_cell("; ".join(one_line(a.name) for a in paper.authors)),
                csv_cell(paper.primary_category),
                csv_cell(" ".join(paper.categories)),
                iso(paper.published) or "",
                iso(paper.updated) or "",
                csv_cell(paper.doi),
                csv_cell(journal(paper)),
                csv_cell(_url(paper)),
            ]
        )
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


# --- formats --------------------------------------------------------------------------------

WRITERS: dict[str, Callable[[Iterable[Paper]], Iterator[str]]] = {
    "bibtex": bibtex_entries,
    "csl-json": csl_json,
    "ris": ris,
    "jsonl": jsonl,
    "csv": csv_rows,
}


def write_papers(papers: Iterable[Paper], format: str) -> Iterator[str]:
    """The export as pieces of text, in order, produced as the papers arrive."""
    return WRITERS[format](papers)
