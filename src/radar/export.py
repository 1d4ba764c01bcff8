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
from radar.journal_ref import JournalRef
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
    rm it bf sf tt cal mit boldmath scriptstyle textstyle displaystyle scriptscriptstyle
    mbox textrm textit textbf hbox over atop choose pmod bmod not
    ddagger odot ominus oslash uplus sqcup sqcap triangleleft triangleright bigtriangleup
    bigtriangledown wr diamond amalg lhd rhd unlhd unrhd aleph wp angle triangle surd
    flat natural sharp clubsuit diamondsuit heartsuit spadesuit backslash Vert vert lbrace
    rbrace uparrow downarrow updownarrow Uparrow Downarrow Updownarrow longrightarrow
    longleftarrow longleftrightarrow Longrightarrow Longleftarrow Longleftrightarrow
    hookrightarrow hookleftarrow nearrow searrow swarrow nwarrow leadsto rightharpoonup
    rightleftharpoons coprod bigoplus bigotimes bigodot biguplus bigsqcup bigvee bigwedge
    smallint prec preceq succ succeq sqsubseteq sqsupseteq vdash dashv models asymp doteq
    bowtie smile frown overrightarrow overleftarrow overbrace underbrace stackrel imath
    jmath Pr hom lg coth sec csc cot arg sinh varpi varrho varsigma varphi vartheta
    , ; ! | { } :
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


def _accent_commands(text: str) -> list[re.Match[str]]:
    if "\\" not in text:
        return []
    from radar.latex import ACCENT_RE

    return list(ACCENT_RE.finditer(text))


def latex_escape(text: str | None) -> str:
    """Text that LaTeX prints as it is, and its math as math (_kept_math). Non-ASCII
    stays as UTF-8: biblatex and Zotero read it."""
    value = one_line(text)
    # BibTeX counts every brace, escaped or not, to find a field's end: a lone "{" as
    # \{ would swallow the rest of the file, so braces without a partner are spelt out.
    lone = _unmatched_braces(value) if "{" in value or "}" in value else set()
    # arXiv's accent commands (Koll\'ar, {\"o}, \v{S}) are TeX that LaTeX typesets: kept,
    # unless a brace in them pairs with one outside (then all of it is escaped as text).
    math = _kept_math(value) + [
        m.span() for m in _accent_commands(value) if not any(m.start() <= i < m.end() for i in lone)
    ]

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


@dataclass
class Report:
    """What an export had to keep as it was, for the line on stderr."""

    papers: int = 0
    whole_names: int = 0  # author strings radar could not split: one literal author each
    whole_refs: int = 0  # journal references kept whole in a note (no known shape)


class Exporter:
    """Keys that never change, and what the writers need from the store.

    A paper's key is decided once (citation_key, from what the paper says the first time
    it is exported) and stored; later exports reuse it, whatever a new version changes.
    Papers pass through `through` a batch at a time; the writers then ask for each
    paper's key (`key`), and JSON Lines for its versions and reasons. Without a store
    (`Exporter(None)`), keys are computed and nothing else is known.
    """

    BATCH = 500

    def __init__(self, db: Database | None, extras: bool = False) -> None:
        self.db = db
        self.extras = extras  # versions and reasons, for JSON Lines
        self.keys: dict[str, str] = {}
        self.versions: dict[str, list[int]] = {}
        self.reasons: dict[str, list[dict[str, Any]]] = {}
        self.report = Report()

    def key(self, paper: Paper) -> str:
        return self.keys.get(paper.id) or citation_key(paper)

    def through(self, papers: Iterable[Paper]) -> Iterator[Paper]:
        batch: list[Paper] = []
        for paper in papers:
            batch.append(paper)
            if len(batch) >= self.BATCH:
                yield from self._batch(batch)
                batch = []
        if batch:
            yield from self._batch(batch)

    def _batch(self, papers: list[Paper]) -> list[Paper]:
        if self.db is not None:
            self._assign(papers)
            if self.extras:
                self._extras(papers)
        return papers

    def _extras(self, papers: list[Paper]) -> None:
        from radar.rank import matches_for

        assert self.db is not None
        ids = [p.id for p in papers]
        self.versions = {}
        for paper_id, version in self.db.execute(
            "select paper_id, version from paper_versions where paper_id in (select value from json_each(?)) "
            "order by paper_id, version",
            [json.dumps(ids)],
        ):
            self.versions.setdefault(paper_id, []).append(version)
        self.reasons = {
            paper_id: [
                {"follow": m.value, "kind": m.kind, "strength": m.strength, "reason": m.reason} for m in found
            ]
            for paper_id, found in matches_for(self.db, ids).items()
        }

    def _assign(self, papers: list[Paper]) -> None:
        import sqlite3

        assert self.db is not None
        db = self.db
        ids = [p.id for p in papers if p.id not in self.keys]
        if not ids:
            return
        self.keys.update(
            db.execute(
                "select paper_id, key from citation_keys where paper_id in (select value from json_each(?))",
                [json.dumps(ids)],
            ).fetchall()
        )
        new = [p for p in papers if p.id not in self.keys]
        if not new:
            return
        try:
            with db.atomic():
                for paper in new:
                    self.keys[paper.id] = self._claim(paper)
        except sqlite3.OperationalError:
            # A read-only store (or one locked past the busy timeout): this export uses
            # the keys as they would be decided, and the next one that can write stores them.
            for paper in new:
                self.keys.pop(paper.id, None)

    def _claim(self, paper: Paper) -> str:
        assert self.db is not None
        base = citation_key(paper)
        for n in range(1, 1000):
            # Two papers never share a key: a second paper whose key is taken gets "-2".
            key = base if n == 1 else f"{base}-{n}"
            cursor = self.db.execute(
                "insert or ignore into citation_keys (paper_id, key) values (?, ?)", [paper.id, key]
            )
            if cursor.rowcount:
                return key
            row = self.db.execute("select key from citation_keys where paper_id = ?", [paper.id]).fetchone()
            if row:  # another export stored it meanwhile
                return str(row[0])
        raise RuntimeError(f"no free citation key for {paper.id}")  # pragma: no cover


def stable_keys(db: Database, papers: Sequence[Paper]) -> Exporter:
    """An Exporter that has decided (and stored) the keys of these papers."""
    exporter = Exporter(db)
    for _ in exporter.through(papers):
        pass
    return exporter


# --- what a record says ---------------------------------------------------------------------


@dataclass
class Record:
    """A paper as a citation: where it was published (parsed from arXiv's journal
    reference where it has a known shape), its authors (et al. apart) and its year."""

    paper: Paper
    ref: JournalRef | None  # arXiv's journal reference, parsed or not
    container: str  # journal or proceedings, when known
    names: list[str]  # author names, without a final "et al."
    others: bool  # the source's list ends in "et al." / "and others"
    year: str

    @property
    def published(self) -> bool:
        return bool(self.container)

    @property
    def proceedings(self) -> bool:
        return bool(self.ref and self.ref.parsed and self.ref.proceedings)

    @property
    def unparsed_ref(self) -> str:
        """The journal reference, whole, when it did not parse (or has more than one part)."""
        if self.ref is None:
            return ""
        if not self.ref.parsed or ";" in self.ref.text:
            return self.ref.text
        return ""


def record(paper: Paper, report: Report | None = None) -> Record:
    from radar.journal_ref import parse_journal_ref
    from radar.names import split_et_al

    ref = parse_journal_ref(paper.journal_ref) if paper.is_arxiv else None
    names, others = split_et_al([a.name for a in paper.authors])
    container = ""
    year = _year(paper)
    if ref is not None and ref.parsed:
        container = ref.container or ""
        # The journal's year: the preprint's is a different date, and printing both
        # ("Phys. Rev. Lett. 99, 048301 (2007) (2006)") is wrong.
        year = str(ref.year)
    elif not paper.is_arxiv and paper.source_name:
        container = one_line(paper.source_name)
    if report is not None:
        report.papers += 1
        report.whole_refs += bool(ref is not None and not ref.parsed)
    return Record(paper, ref, container, names, others, year)


def _doi(paper: Paper) -> str:
    # The snapshot gives an erratum's DOI after the paper's ("10.1364/A 10.1364/B").
    # A DOI holds no white space, but may hold "<", ">" and ";" (SICI: "...<1661::AID-SIM968>3.0.CO;2-2").
    parts = one_line(paper.doi).split()
    return parts[0] if parts else ""


# --- BibTeX ---------------------------------------------------------------------------------


@lru_cache(maxsize=100_000)
def _bibtex_name(name: str) -> tuple[str, bool]:
    """The name for an author field, and whether it was kept whole (not split)."""
    text = one_line(name)
    parts = split_name(text)
    if parts is None or re.search(r"\band\b", text, re.IGNORECASE):
        # One brace group is one literal name: "The ATLAS Collaboration" stays whole and an
        # "and" inside it does not split it into two people.
        return "{" + latex_escape(text) + "}", True
    family = f"{parts.particle} {parts.family}".strip()
    if parts.suffix:
        return latex_escape(f"{family}, {parts.suffix}, {parts.given}"), False
    if "," in text or " " in family:
        # BibTeX would take "De" in "Carlos De Souza" for a given name: say which is which.
        return latex_escape(f"{family}, {parts.given}" if parts.given else family), False
    return latex_escape(text), False  # "First Last" as written


def _bibtex_pages(pages: str | None) -> str:
    return (pages or "").replace("-", "--")


def bibtex_entry(paper: Paper, key: str | None = None, report: Report | None = None) -> str:
    rec = record(paper, report)
    names = []
    for name in rec.names:
        text, whole = _bibtex_name(name)
        names.append(text)
        if report is not None:
            report.whole_names += whole
    if rec.others:
        names.append("others")  # BibTeX's and biblatex's own "et al."
    ref = rec.ref if rec.ref is not None and rec.ref.parsed else None
    fields = [
        ("title", "{" + latex_escape(paper.title) + "}"),  # double braces keep the capitals
        ("author", " and ".join(names)),
    ]
    if rec.proceedings:
        fields.append(("booktitle", latex_escape(rec.container)))
    elif rec.container:
        fields.append(("journal", latex_escape(rec.container)))
    if ref is not None:
        fields += [
            ("volume", latex_escape(ref.volume)),
            ("number", latex_escape(ref.issue)),
            ("pages", latex_escape(_bibtex_pages(ref.pages))),
        ]
    fields.append(("year", rec.year))
    if paper.is_arxiv:
        fields += [
            ("eprint", paper.id),
            ("archiveprefix", "arXiv"),
            ("primaryclass", latex_escape(paper.primary_category)),
        ]
    if rec.unparsed_ref:
        fields.append(("note", latex_escape(rec.unparsed_ref)))
    if paper.doi:
        fields.append(("doi", _verbatim(_doi(paper))))
    fields.append(("url", _verbatim(_url(paper))))
    fields.append(("abstract", latex_escape(paper.abstract)))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields if value)
    kind = "inproceedings" if rec.proceedings else "article" if rec.container else "misc"
    return f"@{kind}{{{key or citation_key(paper)},\n{body}\n}}\n"


def bibtex_entries(papers: Iterable[Paper], exporter: Exporter | None = None) -> Iterator[str]:
    exporter = exporter or Exporter(None)
    for n, paper in enumerate(papers):
        yield ("\n" if n else "") + bibtex_entry(paper, exporter.key(paper), exporter.report)


def bibtex(papers: Sequence[Paper], db: Database | None = None) -> str:
    """A .bib file that biblatex, BibTeX and Zotero read: @article with its journal when
    there is one, @inproceedings for a conference's, else @misc with arXiv's eprint
    fields. With the store, the papers' stored keys."""
    exporter = stable_keys(db, papers) if db is not None else Exporter(None)
    return "".join(bibtex_entries(papers, exporter))


# --- CSL-JSON -------------------------------------------------------------------------------


def _csl_name(name: str) -> tuple[dict[str, str], bool]:
    from radar.latex import accents_to_text

    text = accents_to_text(one_line(name))  # CSL is not TeX: Bal\'azs is Balázs
    parts = split_name(text)
    if parts is None:
        return {"literal": text}, True
    out = {"family": parts.family, "given": parts.given}
    if parts.particle:
        out["non-dropping-particle"] = parts.particle
    if parts.suffix:
        out["suffix"] = parts.suffix
    return {k: v for k, v in out.items() if v}, False


_TAG_START_RE = re.compile(r"<(?=[A-Za-z/])")


def _rich(text: str) -> str:
    """Plain text as CSL rich text. Only "<" starting a tag (<b>, </i>, <span ...>) is
    markup there; entities (&#60;) are not read by pandoc's citeproc, which prints them as
    they are, so such a "<" goes inside a nocase span of its own, which every processor
    reads as the character. "&" and ">" alone are text to all of them."""
    return _TAG_START_RE.sub('<span class="nocase"><</span>', text)


# Sub- and superscripts Unicode has a character for: TiSe$_{2}$ is TiSe₂ in any reader,
# even one that ignores <sub> (citeproc-py).
_SUB = str.maketrans("0123456789+-=()aehijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ")
_SUP = str.maketrans("0123456789+-=()in", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁱⁿ")
_SUB_CHARS = frozenset("0123456789+-=()aehijklmnoprstuvx")
_SUP_CHARS = frozenset("0123456789+-=()in")


_SCRIPT_RE = re.compile(r"([_^])(\{(?:[^{}]|\{[^{}]*\})*\}|\\[A-Za-z]+|[^\s{}\\])")
# A word with a capital after its first letter (TiSe, pH, LaTeX, BERT, 1T) keeps its case.
_CASED_WORD_RE = re.compile(r"^\W*\w[\w-]*?[A-Z]")


def _csl_math(body: str) -> str:
    """A TeX formula as CSL rich text: Unicode (pylatexenc), with sub- and superscripts."""
    from radar.latex import latex_to_text

    out: list[str] = []
    last = 0
    for m in _SCRIPT_RE.finditer(body):
        out.append(_rich(latex_to_text(body[last : m.start()], math="text")) if m.start() > last else "")
        arg = m.group(2)
        inner = arg[1:-1] if arg.startswith("{") else arg
        tag = "sub" if m.group(1) == "_" else "sup"
        text = latex_to_text(inner, math="text").strip()
        if text and set(text) <= (_SUB_CHARS if tag == "sub" else _SUP_CHARS):
            out.append(text.translate(_SUB if tag == "sub" else _SUP))
        else:
            out.append(f"<{tag}>{_rich(text)}</{tag}>")
        last = m.end()
    if last < len(body):
        out.append(_rich(latex_to_text(body[last:], math="text")))
    return "".join(out)


def csl_title(title: str | None) -> str:
    """A title as CSL rich text that every style prints as written: math as Unicode with
    Unicode sub- and superscripts (else <sub>/<sup>), and math, formulas and words with
    inner capitals inside <span class="nocase"> so title- or sentence-casing leaves them
    alone. A literal <b> in the title stays text (_rich)."""
    from radar.latex import latex_to_text

    text = one_line(title)
    spans = [(m.start(), m.end()) for m in math_spans(text)]
    pieces: list[tuple[str, bool]] = []  # (rich text, is math)
    last = 0
    for start, end in spans:
        if start > last:
            pieces.append((_rich(latex_to_text(text[last:start])), False))
        pieces.append((_csl_math(text[start + 1 : end - 1]), True))
        last = end
    if last < len(text):
        pieces.append((_rich(latex_to_text(text[last:])), False))
    # Words are runs between spaces; a word that holds math or a cased letter is protected whole.
    words: list[list[tuple[str, bool]]] = [[]]
    for rich, is_math in pieces:
        if is_math:
            words[-1].append((rich, True))
            continue
        parts = rich.split(" ")
        for n, part in enumerate(parts):
            if n:
                words.append([])
            if part:
                words[-1].append((part, False))
    out = []
    for word in words:
        joined = "".join(r for r, _ in word)
        plain = "".join(r for r, m in word if not m)
        if any(m for _, m in word) or _CASED_WORD_RE.match(plain):
            out.append(f'<span class="nocase">{joined}</span>')
        else:
            out.append(joined)
    return " ".join(w for w in out if w)


def csl_item(paper: Paper, key: str | None = None, report: Report | None = None) -> dict[str, Any]:
    """One CSL-JSON item (the format of Pandoc, Zotero and citeproc)."""
    from radar.latex import accents_to_text

    rec = record(paper, report)
    authors = []
    for name in rec.names:
        csl, whole = _csl_name(name)
        authors.append(csl)
        if report is not None:
            report.whole_names += whole
    ref = rec.ref if rec.ref is not None and rec.ref.parsed else None
    kind = "paper-conference" if rec.proceedings else "article-journal" if rec.container else "article"
    item: dict[str, Any] = {
        "id": key or citation_key(paper),  # the same key as in BibTeX: `@key` in Pandoc
        "type": kind,
        "title": csl_title(paper.title),
        "author": authors,
    }
    if ref is not None:
        item["issued"] = {"date-parts": [[ref.year]]}
    elif (when := issued(paper)) is not None:
        item["issued"] = {"date-parts": [list(when)]}
    if paper.abstract:
        item["abstract"] = accents_to_text(one_line(paper.abstract))
    if rec.container:
        item["container-title"] = rec.container
    if ref is not None:
        item.update(
            {
                k: v
                for k, v in (("volume", ref.volume), ("issue", ref.issue), ("page", ref.pages))
                if v is not None
            }
        )
    notes = []
    if rec.unparsed_ref:
        notes.append(rec.unparsed_ref)
    if rec.others:
        # CSL-JSON has no marker for an incomplete author list (citation-style-language/
        # schema#34): a name "others" would print as an author in citeproc-js and
        # citeproc-py. The list is given as written, and the note says it goes on.
        notes.append("Author list incomplete in the source (et al.)")
    if paper.doi:
        item["DOI"] = _doi(paper)
    item["URL"] = _url(paper)
    if paper.is_arxiv:
        if rec.published:
            # The arXiv id is not the article's number: IEEE would print "Art. no. 0704.0005".
            notes.append(f"arXiv:{paper.id}")
        else:
            # A preprint: arXiv is its publisher and the id its number, as Zotero writes them.
            item["publisher"] = "arXiv"
            item["number"] = paper.id
            item["genre"] = "Preprint"
            notes.append(f"arXiv:{paper.id}")
    if notes:
        item["note"] = "; ".join(notes)
    return item


def _json(data: Any) -> str:
    # U+2028 and U+2029 are valid inside JSON strings but end a line for JavaScript and
    # for str.splitlines(): escaped, a JSON Lines record stays on its line.
    text = json.dumps(data, ensure_ascii=False)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def csl_json(papers: Iterable[Paper], exporter: Exporter | None = None) -> Iterator[str]:
    """A JSON array written item by item, one item per line."""
    exporter = exporter or Exporter(None)
    first = True
    for paper in papers:
        yield ("[\n" if first else ",\n") + _json(csl_item(paper, exporter.key(paper), exporter.report))
        first = False
    yield "[]\n" if first else "\n]\n"


# --- RIS ------------------------------------------------------------------------------------

RIS_EOL = "\r\n"  # the RIS specification's line end; Zotero, EndNote and Mendeley read it


def _ris_name(name: str) -> tuple[str, bool]:
    from radar.latex import accents_to_text

    text = accents_to_text(one_line(name))
    parts = split_name(text)
    if parts is None:
        return text, True
    family = f"{parts.particle} {parts.family}".strip()
    # RIS's own order: Lastname, Firstname, Suffix.
    return ", ".join(p for p in (family, parts.given, parts.suffix) if p), False


def ris_record(paper: Paper, key: str | None = None, report: Report | None = None) -> str:
    from radar.latex import accents_to_text, latex_to_text

    rec = record(paper, report)
    ref = rec.ref if rec.ref is not None and rec.ref.parsed else None
    when = issued(paper)
    authors = []
    for name in rec.names:
        text, whole = _ris_name(name)
        authors.append(("AU", text))
        if report is not None:
            report.whole_names += whole
    notes = [rec.unparsed_ref] if rec.unparsed_ref else []
    if rec.others:
        notes.append("Author list incomplete in the source (et al.)")
    kind = "CPAPER" if rec.proceedings else "JOUR" if rec.container else "UNPB"
    tags: list[tuple[str, str]] = [
        # A preprint is an "unpublished work" in RIS; a journal's paper a journal article.
        ("TY", kind),
        ("ID", key or citation_key(paper)),
        ("TI", latex_to_text(one_line(paper.title))),
        *authors,
        ("AB", accents_to_text(one_line(paper.abstract))),
        ("PY", rec.year),
    ]
    if ref is None:
        # RIS dates are YYYY/MM/DD/other, with empty parts left empty.
        tags.append(
            ("DA", "/".join([f"{when[0]:04d}", *(f"{p:02d}" for p in when[1:]), "", ""][:4]) if when else "")
        )
    tags += [("DO", _doi(paper)), ("UR", _url(paper))]
    if rec.container:
        # JO is the journal for most readers; Zotero takes the full name from T2.
        tags += [("JO" if not rec.proceedings else "T2", rec.container), ("T2", rec.container)][
            : 1 if rec.proceedings else 2
        ]
    if ref is not None:
        tags += [
            ("VL", ref.volume or ""),
            ("IS", ref.issue or ""),
            ("SP", ref.first_page or ""),
            ("EP", ref.last_page or ""),
        ]
    if paper.is_arxiv:
        tags += [("PB", "" if rec.container else "arXiv"), ("DB", "arXiv"), ("AN", f"arXiv:{paper.id}")]
    tags += [("N1", note) for note in notes]
    # one_line: a value spread over lines could start a tag of its own ("ER  - ").
    lines = [f"{tag}  - {one_line(value)}" for tag, value in tags if one_line(value)]
    return RIS_EOL.join([*lines, "ER  - ", "", ""])


def ris(papers: Iterable[Paper], exporter: Exporter | None = None) -> Iterator[str]:
    exporter = exporter or Exporter(None)
    for paper in papers:
        yield ris_record(paper, exporter.key(paper), exporter.report)


# --- JSON Lines -----------------------------------------------------------------------------


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return strip_controls(value)
    if isinstance(value, dict):
        return {_clean(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def jsonl(papers: Iterable[Paper], exporter: Exporter | None = None) -> Iterator[str]:
    """One paper per line, in the shape of `radar show --format json` (with
    `versions_seen` and `reasons`), plus its citation `key`."""
    from radar.render import paper_dict

    exporter = exporter or Exporter(None)
    for paper in papers:
        data = paper_dict(paper)
        data["versions_seen"] = exporter.versions.get(paper.id, [paper.version])
        data["reasons"] = exporter.reasons.get(paper.id, [])
        data["key"] = exporter.key(paper)
        exporter.report.papers += 1
        yield _json(_clean(data)) + "\n"


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


def csv_rows(papers: Iterable[Paper], exporter: Exporter | None = None) -> Iterator[str]:
    from radar.store import iso

    exporter = exporter or Exporter(None)

    buffer = io.StringIO()
    writer = csv.writer(buffer)  # RFC 4180: quoted as needed, CRLF line ends
    writer.writerow(CSV_COLUMNS)
    for paper in papers:
        exporter.report.papers += 1
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

Writer = Callable[[Iterable[Paper], "Exporter | None"], Iterator[str]]
WRITERS: dict[str, Writer] = {
    "bibtex": bibtex_entries,
    "csl-json": csl_json,
    "ris": ris,
    "jsonl": jsonl,
    "csv": csv_rows,
}


def write_papers(papers: Iterable[Paper], format: str, exporter: Exporter | None = None) -> Iterator[str]:
    """The export as pieces of text, in order, produced as the papers arrive. With an
    Exporter over the store, each paper's key is the one it was first exported with."""
    exporter = exporter or Exporter(None)
    return WRITERS[format](exporter.through(papers), exporter)
