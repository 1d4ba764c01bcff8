"""Papers as citation records: BibTeX for biblatex, BibTeX-aware Zotero and friends."""

from __future__ import annotations

import re
from collections.abc import Sequence

from anyascii import anyascii

from radar.model import Paper, abs_url
from radar.names import parse_name
from radar.text import one_line

# LaTeX's special characters, escaped so a title like "5% of $x_1$ & more" survives.
_LATEX = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_LATEX_RE = re.compile("|".join(re.escape(c) for c in _LATEX))


def latex_escape(text: str | None) -> str:
    # Non-ASCII stays as UTF-8: biblatex and Zotero read it; only specials are escaped.
    return _LATEX_RE.sub(lambda m: _LATEX[m.group(0)], one_line(text))


def _year(paper: Paper) -> str:
    when = paper.published or paper.updated
    if when is not None:
        return str(when.year)
    day = paper.listing_date
    return str(day.year) if day else ""


def citation_key(paper: Paper) -> str:
    """Stable and readable: surname, year, first title word, the arXiv id."""
    surname = ""
    if paper.authors:
        try:
            surname = parse_name(paper.authors[0].name).surname.replace(" ", "")
        except ValueError:
            surname = ""
    words = re.findall(r"[a-z]{4,}", anyascii(paper.title).lower())
    return f"{surname or 'anon'}{_year(paper)}{words[0] if words else ''}_{paper.id.replace('/', '_')}"


def bibtex(papers: Sequence[Paper]) -> str:
    entries = []
    for paper in papers:
        fields = [
            ("title", "{" + latex_escape(paper.title) + "}"),  # double braces keep the capitals
            ("author", " and ".join(latex_escape(a.name) for a in paper.authors)),
            ("year", _year(paper)),
        ]
        if paper.is_arxiv:
            fields += [
                ("eprint", paper.id),
                ("archiveprefix", "arXiv"),
                ("primaryclass", paper.primary_category),
            ]
            fields.append(("url", abs_url(paper.id)))
        else:
            # A journal's paper: no arXiv fields; its journal and its own page.
            fields.append(("url", latex_escape(paper.link)))
        if paper.doi:
            fields.append(("doi", latex_escape(paper.doi)))
        journal = paper.journal_ref or (paper.source_name if not paper.is_arxiv else None)
        if journal:
            fields.append(("journal", latex_escape(journal)))
        body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields if value)
        kind = "article" if journal else "misc"
        entries.append(f"@{kind}{{{citation_key(paper)},\n{body}\n}}\n")
    return "\n".join(entries)
