"""arXiv's free-text journal references, read into the parts a bibliography prints.

`Phys. Rev. Lett. 99, 048301 (2007)`, `Phys.Rev.D76:013009,2007`, `Illinois J. Math. 52
(2008) no.2, 681-689`, `JHEP 0705:010,2007`, `Annals of Applied Probability 2008, Vol. 18,
No. 3, 1026-1058`, and proceedings named by their conference. Only a reference that has
one of these shapes is split; anything else is kept whole (`JournalRef.parsed` is False),
since a wrong split prints a wrong volume or year in someone's bibliography.
`benchmarks/journal_refs.py` measures the share that parses on real arXiv records.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_PAGES = r"(?P<pages>[A-Z]?\d+(?:\s*-{1,2}\s*[A-Z]?\d+)?)"
_YEAR = r"(?P<year>(?:18|19|20)\d{2})"
_SHAPES = [
    # INSPIRE's compact form: Phys.Rev.D76:013009,2007 / JHEP 0705:034,2007
    re.compile(rf"^(?P<container>.+?)\s*(?P<volume>\d+)\s*:\s*{_PAGES}\s*,\s*{_YEAR}$"),
    # Phys. Rev. Lett. 99, 048301 (2007) / J.Opt.Soc.Am.A 23(10): 2592-2601 (2006) /
    # Journal of Applied Physics, vol 104, 073536 (2008) / Contrib. Plasma Phys.Volume 47, 368, 2007
    re.compile(
        r"^(?P<container>.+?)\s*,?\s*(?:(?:vol(?:ume)?|v)\.?\s*)?(?P<volume>\d+)\s*(?:\((?P<issue>[\d-]+)\))?"
        rf"\s*[,:]?\s*(?:pp?\.?\s*)?{_PAGES}\s*(?:\(\s*{_YEAR}\s*\)|,\s*{_YEAR.replace('year', 'year2')})$",
        re.IGNORECASE,
    ),
    # Illinois J. Math. 52 (2008) no.2, 681-689 / J. Math. Phys. 48(2007), 092102
    re.compile(
        rf"^(?P<container>.+?)\s*,?\s*(?P<volume>\d+)\s*\(\s*{_YEAR}\s*\)\s*,?\s*"
        rf"(?:no\.?\s*(?P<issue>[\d-]+)\s*,?\s*)?(?:pp?\.?\s*)?{_PAGES}$",
        re.IGNORECASE,
    ),
    # J. of Pure and Applied Algebra, 213(2) (Feb. 2009) 264-278 /
    # J. Phys. A: Math. Theor. 40 No 41 (12 October 2007) 12315-12333 /
    # Funktsional. Anal. i Prilozhen 42, no. 3, (2008), 1-9
    re.compile(
        r"^(?P<container>.+?)\s*,?\s*(?P<volume>\d+)\s*(?:\((?P<issue>[\d-]+)\)|,?\s*no\.?\s*(?P<issue2>[\d-]+))\s*,?\s*"
        rf"\((?:[^()\d]*\d{{1,2}}\s+)?[^()\d]*{_YEAR}\s*\)\s*,?\s*(?:pp?\.?\s*)?{_PAGES}$",
        re.IGNORECASE,
    ),
    # Asymptotic Analysis, 57 No. 1-2, 1-27, 2008
    re.compile(
        r"^(?P<container>.+?)\s*,?\s*(?P<volume>\d+)\s*,?\s*no\.?\s*(?P<issue>[\d-]+)\s*,\s*"
        rf"(?:pp?\.?\s*)?{_PAGES}\s*,\s*{_YEAR}$",
        re.IGNORECASE,
    ),
    # Annals of Applied Probability 2008, Vol. 18, No. 3, 1026-1058 (the IMS journals)
    re.compile(
        rf"^(?P<container>.+?)\s*,?\s+{_YEAR}\s*,\s*vol\.?\s*(?P<volume>\d+)\s*,\s*"
        rf"(?:no\.?\s*(?P<issue>[\d-]+)\s*,\s*)?(?:pp?\.?\s*)?{_PAGES}$",
        re.IGNORECASE,
    ),
    # Physica A, V. 387, Issues 2-3 (2008), Pages 385-406 / RIMS Kokyuroku, No.1551, pp.57-62 (2007)
    re.compile(
        r"^(?P<container>[^,\d]+?)\s*,?\s*(?:(?:vol(?:ume)?|v)\.?\s*(?P<volume>\d+)\s*,?\s*)?"
        r"(?:(?:no|issues?)\.?\s*(?P<issue>[\d-]+)\s*,?\s*)?"
        rf"(?:\(\s*{_YEAR}\s*\)\s*,?\s*)?(?:pages|pp?)\.?\s*{_PAGES}\s*(?:\(\s*{_YEAR.replace('year', 'year2')}\s*\))?$",
        re.IGNORECASE,
    ),
]

# A conference's proceedings, a workshop, a lecture-notes volume: a chapter of a book,
# not an article in a journal. "Proc. Natl. Acad. Sci." and friends are journals.
_PROCEEDINGS_RE = re.compile(
    r"\b(?:proc(?:eedings)?|conf(?:erence)?|workshop|symposium|colloquium|meeting|lect(?:ure)?s?\.?\s*notes|LNCS)\b",
    re.IGNORECASE,
)
_JOURNAL_PROC_RE = re.compile(
    r"\bproc(?:eedings)?\.?\s*(?:of\s+(?:the\s+)?)?(?:national|natl|nat\.|royal|roy|r\.|american|amer|am\.|"
    r"london|lond|edinburgh|edinb|cambridge|camb|japan|indian|ieee\b|steklov|a\s*m\s*s|symposia\s+in\s+pure)",
    re.IGNORECASE,
)
_YEAR_RE = re.compile(r"\b((?:19|20)\d{2})\b")
_PP_RE = re.compile(r"\bpp?\.?\s*(\d+\s*-{1,2}\s*\d+)", re.IGNORECASE)
_VOL_RE = re.compile(r"\b(?:vol(?:ume)?\.?\s*(\d+)|(\d+)\s+volume\s+of)\b", re.IGNORECASE)


@dataclass(frozen=True)
class JournalRef:
    text: str  # the whole reference, on one line
    container: str | None = None  # journal, or the proceedings' title
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None  # "681-689" or an article number "048301"
    year: int | None = None
    proceedings: bool = False

    @property
    def parsed(self) -> bool:
        return bool(self.container and self.year and (self.volume or self.pages))

    @property
    def first_page(self) -> str | None:
        return self.pages.split("-")[0] if self.pages else None

    @property
    def last_page(self) -> str | None:
        return self.pages.split("-")[-1] if self.pages and "-" in self.pages else None


def _pages(text: str) -> str:
    return re.sub(r"\s*-{1,2}\s*", "-", text)


def _container(text: str) -> str | None:
    # "Phys. Rev. Lett." keeps its full stop; "Journal of Applied Physics," loses its comma.
    name = text.strip(" ,;:-")
    # A name with a comma in it, digits or more than ten words is a whole citation
    # ("P. Virnau, L. A. Mirny, M. Kardar, PLoS Comp Biol 2, ..."), not a journal.
    if not name or "," in name or re.search(r"\d", name) or len(name.split()) > 10:
        return None
    return name


def parse_journal_ref(text: str | None) -> JournalRef | None:
    """The reference's parts where it has a known shape, else only its text."""
    if not text or not text.strip():
        return None
    whole = " ".join(text.split())
    # An erratum or a translation after ";": the first reference is the paper's.
    first = whole.split(";")[0].strip().rstrip(".").strip()
    proceedings = bool(_PROCEEDINGS_RE.search(first)) and not _JOURNAL_PROC_RE.search(first)
    for shape in _SHAPES:
        m = shape.match(first)
        if not m:
            continue
        parts = m.groupdict()
        container = _container(parts["container"])
        year = parts.get("year") or parts.get("year2")
        if container is None or year is None:
            continue
        return JournalRef(
            whole,
            container=container,
            volume=parts.get("volume"),
            issue=parts.get("issue") or parts.get("issue2"),
            pages=_pages(parts["pages"]) if parts.get("pages") else None,
            year=int(year),
            proceedings=proceedings,
        )
    if proceedings:
        # "Algorithms in Bioinformatics: 7th International Workshop (WABI), 4645 volume of
        # Lecture Notes in Computer Science, pp. 240-251, Philadelphia, PA, USA, September
        # 2007. Springer": the title is what comes before the first comma.
        title = first.split(",")[0].strip(" .")
        years = _YEAR_RE.findall(first)
        pages = _PP_RE.search(first)
        volume = _VOL_RE.search(first)
        if title and years and not re.match(r"^[A-Z]\.\s", title):
            return JournalRef(
                whole,
                container=title,
                volume=(volume.group(1) or volume.group(2)) if volume else None,
                pages=_pages(pages.group(1)) if pages else None,
                year=int(years[-1]),
                proceedings=True,
            )
    return JournalRef(whole)
