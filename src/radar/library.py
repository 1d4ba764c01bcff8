"""The reader's library: BibTeX, CSL-JSON and RIS files read into `library_entries`, each
entry resolved to an arXiv paper where it has one, for ranking by interest.

Reading: the format is told by the content (a .bib holding JSON is read as JSON). Each
format is parsed by its library (bibtexparser 1.x, json, rispy); radar only splits a
file into its entries first, so that an entry that cannot be read is reported with its
line and entry number and the entries around it are still read.

Resolving, in this order: an eprint field (or an `arXiv:ID` archive id), an arXiv URL,
an arXiv DOI (10.48550/arXiv.ID), a DOI stored in the papers table, the normalised
title of a stored paper (with the same first author). Resolved papers that are not
stored yet are fetched from the arXiv API, a hundred ids a request.

Date added, read only where a field says so: BibTeX `date-added` (BibDesk, Papers),
`dateadded`, `added-at` (BibSonomy) and `creationdate` (JabRef 5); a CSL-JSON item's
non-standard `dateAdded` / `date-added`. Not `timestamp` (Better BibTeX writes Zotero's
date *modified* there), not CSL `accessed`, BibTeX `urldate` or RIS `Y2` (when a web page
was last read), not RIS `DA` (the publication date in most writers, radar's included).

Core code: it takes a database and plain values, returns data, never prints.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from radar.database import Database
from radar.errors import NotFoundError, RadarError, UsageError
from radar.latex import latex_to_text
from radar.model import parse_arxiv_id
from radar.store import chunks, iso, placeholders, title_key, utc_now
from radar.text import one_line

if TYPE_CHECKING:
    from radar.http import Http

FORMAT_NAMES = {"bibtex": "BibTeX", "csl-json": "CSL-JSON", "ris": "RIS"}
Progress = Callable[[str], None]


class LibraryFileError(RadarError):
    """A library file that cannot be read at all (missing, binary, not a known format)."""


# --- what a file holds ---------------------------------------------------------------------


@dataclass
class Entry:
    """One entry as read from a file, and what it resolved to."""

    key: str
    title: str
    number: int  # its place in the file, from 1
    line: int | None = None
    abstract: str = ""
    authors: list[str] = field(default_factory=list)  # "First Last"
    year: int | None = None
    doi: str | None = None
    added_utc: str | None = None
    paper_id: str | None = None  # versionless arXiv id
    resolution: str | None = None  # eprint / url / doi / title, or why it did not resolve

    @property
    def resolved(self) -> bool:
        return self.paper_id is not None


@dataclass
class Problem:
    """A part of a file that could not be read: where, and what was wrong."""

    where: str  # "line 12, entry 3 (smith2020)"
    message: str
    lost: bool = True  # an entry was skipped (False: a note, such as an encoding guessed)

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass
class ParsedFile:
    path: str
    format: str  # bibtex / csl-json / ris
    entries: list[Entry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


# --- arXiv ids in fields -------------------------------------------------------------------

_ID = r"(?:\d{4}\.\d{4,5}|[a-zA-Z][a-zA-Z\-]*(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?"
_URL_RE = re.compile(rf"(?i:arxiv\.org)/(?:abs|pdf|html)/({_ID})")
_REF_RE = re.compile(rf"(?i:arxiv)\s*:\s*({_ID})")
_ARXIV_DOI_RE = re.compile(rf"^(?i:10\.48550/arxiv\.)({_ID})$")
_DOI_PREFIX_RE = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)


def _arxiv_id(text: str) -> str | None:
    """The versionless id, if `text` is one arXiv could have issued: one malformed id
    (month 13, four digits after 2015) makes arXiv refuse a whole id_list request."""
    try:
        found = parse_arxiv_id(text)[0]
    except UsageError:
        return None
    if "/" not in found:
        yymm, number = found.split(".")
        month = int(yymm[2:])
        if not 1 <= month <= 12 or yymm < "0704" or len(number) != (5 if yymm >= "1501" else 4):
            return None
    return found


def _first(pattern: re.Pattern[str], values: Iterable[str | None]) -> str | None:
    for value in values:
        for m in pattern.finditer(value or ""):
            if found := _arxiv_id(m.group(1)):
                return found
    return None


def clean_doi(value: str | None) -> str | None:
    """A DOI as `10.xxxx/...`: link prefixes removed, percent-escapes (radar's BibTeX
    export writes `{` as %7B) undone."""
    from urllib.parse import unquote

    text = _DOI_PREFIX_RE.sub("", one_line(value))
    text = unquote(text) if "%" in text else text
    return text or None


def resolve_from_fields(
    entry: Entry,
    eprints: Iterable[str | None] = (),
    urls: Iterable[str | None] = (),
    notes: Iterable[str | None] = (),
) -> None:
    """Set the entry's arXiv id from its own fields: an eprint or archive id, then an
    arXiv URL, then an arXiv DOI, then an `arXiv:ID` or an arXiv URL in a note."""
    notes = list(notes)
    for value in eprints:
        if value and (found := _arxiv_id(one_line(value))):
            entry.paper_id, entry.resolution = found, "eprint"
            return
    if found := _first(_URL_RE, urls):
        entry.paper_id, entry.resolution = found, "url"
        return
    if entry.doi and (m := _ARXIV_DOI_RE.match(entry.doi)) and (found := _arxiv_id(m.group(1))):
        entry.paper_id, entry.resolution = found, "doi"
        return
    if found := _first(_REF_RE, notes):
        entry.paper_id, entry.resolution = found, "eprint"
        return
    if found := _first(_URL_RE, notes):
        entry.paper_id, entry.resolution = found, "url"


# --- dates ---------------------------------------------------------------------------------

_OFFSET_SPACE_RE = re.compile(r"\s+([+-]\d{2}:?\d{2})$")
_JABREF_DATE_RE = re.compile(r"^(\d{4})\.(\d{2})\.(\d{2})$")


def parse_added(value: Any) -> str | None:
    """A date-added value as radar's UTC timestamp, or None when it cannot be read for
    sure. Reads ISO dates and times (`2024-05-02T10:00:00Z`, BibDesk's `2014-02-17
    12:06:22 +0000`, BibSonomy's `2019-01-08T15:17:50.000+0100`), JabRef's `2014.08.19`,
    e-mail style dates, and CSL date objects. A time without a zone counts as UTC (Zotero
    keeps its dates in UTC)."""
    from email.utils import parsedate_to_datetime

    if isinstance(value, dict):
        parts = (value.get("date-parts") or [[]])[0]
        try:
            numbers = [int(p) for p in parts[:3]]
        except (TypeError, ValueError):
            numbers = []
        if numbers:
            numbers += [1] * (3 - len(numbers))
            try:
                return iso(datetime(numbers[0], numbers[1], numbers[2], tzinfo=UTC))
            except ValueError:
                return None
        value = value.get("raw")
    text = one_line(value if isinstance(value, str) else None)
    if not text:
        return None
    text = _JABREF_DATE_RE.sub(r"\1-\2-\3", _OFFSET_SPACE_RE.sub(r"\1", text))
    when: datetime | None
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    if not 1900 <= when.year <= datetime.now(UTC).year + 1:
        return None
    return iso(when)


_YEAR_RE = re.compile(r"\b(1[5-9]\d\d|2\d\d\d)\b")


def _year(*values: Any) -> int | None:
    for value in values:
        if isinstance(value, int):
            return value
        if isinstance(value, str) and (m := _YEAR_RE.search(value)):
            return int(m.group(1))
    return None


def _title_hash_key(title: str) -> str:
    return "title:" + hashlib.sha1(title_key(title).encode()).hexdigest()[:16]


def _person(parts: Sequence[str]) -> str:
    """A name given as "Last, First" or "Last, Jr, First" as "First Last [Jr]"."""
    parts = [p for p in (one_line(p) for p in parts) if p]
    if len(parts) == 2:
        return f"{parts[1]} {parts[0]}"
    if len(parts) >= 3:
        return f"{parts[2]} {parts[0]} {parts[1]}"
    return parts[0] if parts else ""


# --- BibTeX --------------------------------------------------------------------------------

_BIB_START_RE = re.compile(r"^[ \t]*@[ \t]*([A-Za-z]+)[ \t]*[{(]", re.MULTILINE)
_BIB_KEY_RE = re.compile(r"[{(]\s*([^,\s{}()=\"#%'~]+)\s*,")
_BIB_NOT_ENTRIES = {"comment", "string", "preamble"}
# Date-added fields, in order of preference (see the module's docstring for why these).
BIBTEX_ADDED_FIELDS = ("date-added", "dateadded", "added-at", "creationdate")


_SIMPLE_ESCAPE_RE = re.compile(r"\\([%&_#$])")


def _latex_text(value: str | None) -> str:
    """BibTeX's LaTeX as text: {\\"o} is ö, \\emph{x} is x, protective braces go; math
    stays as written, as arXiv writes it in its own titles."""
    text = one_line(value)
    if not text or not any(ch in text for ch in "\\{}~"):
        return text
    plain = _SIMPLE_ESCAPE_RE.sub(r"\1", text) if "\\" in text else text
    if "\\" not in plain:
        # Only protective braces, ties and escaped signs (most titles and abstracts): what
        # pylatexenc makes of them, a hundred times faster.
        return one_line(plain.replace("{", "").replace("}", "").replace("~", " "))
    # radar's one LaTeX decoder, which reads a bare % as a percent sign, as BibTeX means it.
    return one_line(latex_to_text(text))


def _split_top(text: str, separator: re.Pattern[str]) -> list[str]:
    """Split at the separator where no brace is open: {Barnes and Noble} stays one."""
    parts, depth, start = [], 0, 0
    spans = [(m.start(), m.end()) for m in separator.finditer(text)]
    opened = [0] * (len(text) + 1)
    for i, ch in enumerate(text):
        depth += ch == "{"
        depth -= ch == "}"
        opened[i + 1] = depth
    for begin, end in spans:
        if opened[begin] == 0:
            parts.append(text[start:begin])
            start = end
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


_AND_RE = re.compile(r"\s+and\s+", re.IGNORECASE)
_COMMA_RE = re.compile(r",")


def bibtex_authors(value: str | None) -> list[str]:
    names = []
    for name in _split_top(one_line(value), _AND_RE):
        if name.lower() == "others":
            continue
        parts = _split_top(name, _COMMA_RE)
        names.append(_person([_latex_text(p) for p in parts]))
    return [n for n in names if n]


def _bibtex_entry(record: dict[str, Any], number: int, line: int) -> Entry:
    def get(name: str) -> str:
        value = record.get(name)
        return value if isinstance(value, str) else ""

    title = _latex_text(get("title"))
    key = one_line(get("ID")) or _title_hash_key(title)
    entry = Entry(
        key=key,
        title=title,
        number=number,
        line=line,
        abstract=_latex_text(get("abstract")),
        authors=bibtex_authors(get("author")),
        year=_year(get("year"), get("date")),
        doi=clean_doi(get("doi")),
        added_utc=next((a for f in BIBTEX_ADDED_FIELDS if (a := parse_added(get(f)))), None),
    )
    prefix = (get("archiveprefix") or get("eprinttype")).strip().lower()
    resolve_from_fields(
        entry,
        # Mendeley writes its own `arxivId` beside `eprint`.
        eprints=([get("eprint")] if prefix in ("", "arxiv") else []) + [get("arxivid")],
        urls=[get("url")],
        notes=[get("note"), get("howpublished"), get("journal"), get("journaltitle"), get("annote")],
    )
    return entry


def parse_bibtex(text: str, path: str = "") -> ParsedFile:
    """Every entry bibtexparser reads. The file is split at each line starting with
    `@type{` and the pieces are parsed in order by one parser (so @string macros carry
    over): bibtexparser 1.x silently files an entry it cannot read as a comment, and
    the split tells which entry that was and on which line it starts."""
    import logging

    import bibtexparser
    from bibtexparser.bparser import BibTexParser

    parsed = ParsedFile(path, "bibtex")
    parser = BibTexParser(common_strings=True, ignore_nonstandard_types=False, interpolate_strings=True)
    parser.expect_multiple_parse = True
    starts = list(_BIB_START_RE.finditer(text))
    # bibtexparser logs a piece it cannot parse at ERROR: the report below says it instead.
    log = logging.getLogger("bibtexparser")
    was_disabled, log.disabled = log.disabled, True
    number = 0
    try:
        for i, start in enumerate(starts):
            piece = text[start.start() : starts[i + 1].start() if i + 1 < len(starts) else len(text)]
            line = text.count("\n", 0, start.start()) + 1
            is_entry = start.group(1).lower() not in _BIB_NOT_ENTRIES
            number += is_entry
            before = len(parser.bib_database.entries)
            try:
                bibtexparser.loads(piece, parser=parser)
            except Exception as exc:  # pyparsing's errors, and anything else it raises on bad input
                if is_entry:
                    why = one_line(str(exc))[:200]
                    parsed.problems.append(
                        Problem(_bib_where(line, number, piece), f"not readable ({why}); skipped")
                    )
                continue
            got = parser.bib_database.entries[before:]
            if is_entry and not got:
                parsed.problems.append(
                    Problem(
                        _bib_where(line, number, piece),
                        "not a readable BibTeX entry (an unclosed brace or quote, a missing comma "
                        "or key, or no fields); skipped",
                    )
                )
            for record in got:
                parsed.entries.append(_bibtex_entry(record, number, line))
    finally:
        log.disabled = was_disabled
    return parsed


def _bib_where(line: int, number: int, piece: str) -> str:
    key = _BIB_KEY_RE.search(piece[:300])
    return f"line {line}, entry {number}" + (f" ({one_line(key.group(1))})" if key else "")


# --- CSL-JSON ------------------------------------------------------------------------------

CSL_ADDED_FIELDS = ("dateAdded", "date-added")


def _csl_name(person: Any) -> str:
    if not isinstance(person, dict):
        return one_line(person) if isinstance(person, str) else ""
    if person.get("literal"):
        return one_line(str(person["literal"]))
    given = " ".join(
        one_line(str(person.get(k) or "")) for k in ("given", "dropping-particle") if person.get(k)
    )
    family = " ".join(
        one_line(str(person.get(k) or "")) for k in ("non-dropping-particle", "family") if person.get(k)
    )
    suffix = one_line(str(person.get("suffix") or ""))
    return " ".join(p for p in (given, family, suffix) if p)


def _csl_text(item: dict[str, Any], name: str) -> str:
    value = item.get(name)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return one_line(value) if isinstance(value, str) else ""


def _csl_entry(item: dict[str, Any], number: int, line: int | None) -> Entry:
    title = _csl_text(item, "title")
    issued = item.get("issued")
    year = None
    if isinstance(issued, dict):
        parts = (issued.get("date-parts") or [[None]])[0] or [None]
        year = _year(parts[0] if isinstance(parts[0], int) else str(parts[0] or ""), issued.get("raw"))
    authors = item.get("author")
    entry = Entry(
        key=_csl_text(item, "id") or _title_hash_key(title),
        title=title,
        number=number,
        line=line,
        abstract=_csl_text(item, "abstract"),
        authors=[n for n in (_csl_name(a) for a in authors) if n] if isinstance(authors, list) else [],
        year=year,
        doi=clean_doi(_csl_text(item, "DOI")),
        added_utc=next((a for f in CSL_ADDED_FIELDS if (a := parse_added(item.get(f)))), None),
    )
    number_field = _csl_text(item, "number")
    arxiv_number = (
        number_field.lower().startswith("arxiv:")
        or "arxiv"
        in (_csl_text(item, "publisher") + _csl_text(item, "archive") + _csl_text(item, "source")).lower()
    )
    resolve_from_fields(
        entry,
        eprints=[number_field] if arxiv_number else [],
        urls=[_csl_text(item, "URL")],
        notes=[
            _csl_text(item, "note"),
            _csl_text(item, "container-title"),
            _csl_text(item, "archive_location"),
        ],
    )
    return entry


def parse_csl_json(text: str, path: str = "") -> ParsedFile:
    """A CSL-JSON array (or one item). A file that is not valid JSON part-way is read
    item by item: the items before the break are kept, the break is reported with its
    line, and reading goes on at the next item that starts a line at the same indent."""
    parsed = ParsedFile(path, "csl-json")
    items: list[tuple[int | None, Any]] = []
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data" and text.lstrip().startswith("{") and exc.lineno > 1:
            raise LibraryFileError(
                f"{path}: JSON Lines (one JSON object a line), not CSL-JSON; an arXiv metadata snapshot "
                "is imported with `radar import`"
            ) from None
        items = _csl_items_around_breaks(text, exc, parsed)
    else:
        if isinstance(data, dict) and isinstance(data.get("items"), list):
            data = data["items"]
        if isinstance(data, dict):
            data = [data]
        if not isinstance(data, list):
            raise LibraryFileError(f"{path}: JSON, but not CSL-JSON (an array of items)")
        items = [(None, item) for item in data]
    for number, (line, item) in enumerate(items, start=1):
        where = f"entry {number}" if line is None else f"line {line}, entry {number}"
        if not isinstance(item, dict):
            parsed.problems.append(Problem(where, "not a CSL item (a JSON object); skipped"))
            continue
        parsed.entries.append(_csl_entry(item, number, line))
    return parsed


def _csl_items_around_breaks(
    text: str, first_error: json.JSONDecodeError, parsed: ParsedFile
) -> list[tuple[int | None, Any]]:
    decoder = json.JSONDecoder()
    pos = _skip_space(text, 0)
    if pos >= len(text) or text[pos] != "[":
        raise LibraryFileError(
            f"{parsed.path}: not valid JSON (line {first_error.lineno}, column {first_error.colno}: {first_error.msg})"
        )
    items: list[tuple[int | None, Any]] = []
    pos += 1
    number = 0
    while True:
        pos = _skip_space(text, pos, also=",")
        if pos >= len(text):
            parsed.problems.append(Problem(f"line {_line(text, pos)}", "the file ends before the closing ]"))
            break
        if text[pos] == "]":
            break
        number += 1
        line = _line(text, pos)
        try:
            item, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            parsed.problems.append(
                Problem(f"line {exc.lineno}, entry {number}", f"not valid JSON ({exc.msg}); skipped")
            )
            # The next item: a "{" opening a line at this item's indent (Zotero writes
            # items one tab in, radar one a line at column 0).
            start_of_line = text.rfind("\n", 0, pos) + 1
            indent = re.escape(text[start_of_line:pos]) if text[start_of_line:pos].isspace() else ""
            nxt = re.compile(rf"^,?{indent}\{{", re.MULTILINE).search(text, max(exc.pos, pos + 1))
            if nxt is None:
                break
            pos = nxt.end() - 1
            continue
        items.append((line, item))
    return items


def _skip_space(text: str, pos: int, also: str = "") -> int:
    while pos < len(text) and (text[pos].isspace() or text[pos] in also):
        pos += 1
    return pos


def _line(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


# --- RIS -----------------------------------------------------------------------------------

_RIS_TAG_RE = re.compile(r"^([A-Z][A-Z0-9])  -(?: (.*))?$")


def parse_ris(text: str, path: str = "") -> ParsedFile:
    """RIS records, TY to ER. rispy reads each record; radar only finds where each one
    starts and ends, because rispy quietly merges a record without its ER into the next
    and drops text outside records: here each of those is reported with its line."""
    import rispy

    parsed = ParsedFile(path, "ris")
    records: list[tuple[int, int, list[str]]] = []  # (line, number, lines)
    current: tuple[int, int, list[str]] | None = None
    number = 0
    outside_reported = False
    for i, line in enumerate(text.splitlines(), start=1):
        m = _RIS_TAG_RE.match(line.rstrip())
        tag = m.group(1) if m else None
        if tag == "TY":
            if current is not None:
                parsed.problems.append(
                    Problem(
                        f"line {current[0]}, entry {current[1]}",
                        f"no ER line before the next TY on line {i}; skipped",
                    )
                )
            number += 1
            current = (i, number, [line])
            outside_reported = False
        elif current is None:
            if line.strip() and not outside_reported:
                what = (
                    "an ER line with no record open"
                    if tag == "ER"
                    else "text outside a record (before its TY line)"
                )
                parsed.problems.append(Problem(f"line {i}", f"{what}; skipped"))
                outside_reported = True
        elif tag == "ER":
            current[2].append(line)
            records.append(current)
            current = None
        else:
            current[2].append(line)
    if current is not None:
        parsed.problems.append(
            Problem(
                f"line {current[0]}, entry {current[1]}",
                "the file ends before this record's ER line; skipped",
            )
        )
    for start, number, lines in records:
        try:
            got = rispy.loads("\n".join(lines) + "\n")
        except Exception as exc:  # rispy raises plain exceptions on what it cannot read
            parsed.problems.append(Problem(f"line {start}, entry {number}", f"not readable ({exc}); skipped"))
            continue
        for record in got:
            parsed.entries.append(_ris_entry(record, number, start))
    return parsed


def _ris_values(record: dict[str, Any], *names: str) -> list[str]:
    values: list[str] = []
    for name in names:
        value = record.get(name)
        if isinstance(value, list):
            values.extend(one_line(str(v)) for v in value if v)
        elif value:
            values.append(one_line(str(value)))
    return values


def _ris_entry(record: dict[str, Any], number: int, line: int) -> Entry:
    title = next(iter(_ris_values(record, "title", "primary_title", "translated_title")), "")
    authors = [_person(name.split(",")) for name in _ris_values(record, "authors", "first_authors")]
    entry = Entry(
        key=next(iter(_ris_values(record, "id")), "") or _title_hash_key(title),
        title=title,
        number=number,
        line=line,
        abstract=next(iter(_ris_values(record, "abstract", "notes_abstract")), ""),
        authors=[a for a in authors if a],
        year=_year(*_ris_values(record, "year", "publication_year", "date")),
        doi=clean_doi(next(iter(_ris_values(record, "doi")), None)),
        added_utc=None,  # RIS has no date-added tag: Y2 is the access date, DA the publication date
    )
    accession = _ris_values(record, "accession_number")
    # An accession number is arXiv's id when it says so, or when the database is arXiv.
    from_arxiv = any(
        "arxiv" in v.lower() for v in _ris_values(record, "name_of_database", "database_provider")
    )
    resolve_from_fields(
        entry,
        eprints=[a for a in accession if from_arxiv or a.lower().startswith("arxiv:")],
        urls=_ris_values(record, "urls", "file_attachments1", "file_attachments2"),
        notes=_ris_values(record, "notes", "note", "journal_name", "secondary_title", "alternate_title3"),
    )
    return entry


# --- reading a file ------------------------------------------------------------------------

_RIS_START_RE = re.compile(r"^TY  -", re.MULTILINE)


def detect_format(text: str) -> str | None:
    """bibtex, csl-json or ris, told by the content; None when it is none of them."""
    body = text.lstrip("\ufeff \t\r\n")
    if body.startswith(("[", "{")):
        return "csl-json"
    ris = _RIS_START_RE.search(text)
    bib = _BIB_START_RE.search(text)
    if ris and (bib is None or ris.start() < bib.start()):
        return "ris"
    if bib:
        return "bibtex"
    return None


PARSERS: dict[str, Callable[[str, str], ParsedFile]] = {
    "bibtex": parse_bibtex,
    "csl-json": parse_csl_json,
    "ris": parse_ris,
}


def parse_library_text(text: str, path: str = "") -> ParsedFile:
    text = text.removeprefix("\ufeff")
    kind = detect_format(text)
    if kind is None:
        raise LibraryFileError(
            f"{path}: not a BibTeX, CSL-JSON or RIS file (no @type{{...}} entry, JSON array or TY  - line found)"
        )
    return PARSERS[kind](text, path)


def read_library_file(path: Path) -> ParsedFile:
    """A library file read and parsed. Raises LibraryFileError when it cannot be read
    at all; entries that cannot be read are in the result's `problems`."""
    shown = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LibraryFileError(f"{shown}: cannot be read ({exc.strerror or exc})") from None
    if not data.strip():
        raise LibraryFileError(f"{shown}: the file is empty")
    notes = []
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        # UTF-16 with its byte-order mark, as some Windows tools save BibTeX.
        data = data.decode("utf-16", errors="replace").encode("utf-8")
    if b"\x00" in data[:4096]:
        raise LibraryFileError(f"{shown}: a binary file, not a BibTeX, CSL-JSON or RIS file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        # Older BibTeX files are often Latin-1; every byte decodes, so nothing is lost.
        text = data.decode("latin-1")
        line = data.count(b"\n", 0, exc.start) + 1
        notes.append(Problem(f"line {line}", "not UTF-8; read as Latin-1", lost=False))
    parsed = parse_library_text(text, shown)
    parsed.problems[:0] = notes
    return parsed


# --- resolving against the store -----------------------------------------------------------


def resolve_in_store(db: Database, entries: Iterable[Entry]) -> None:
    """Resolve what the entries' own fields did not: by a DOI stored on a paper (an
    arXiv paper, or a journal's copy linked to one), then by the normalised title of a
    stored arXiv paper whose first author has the same surname. What stays unresolved
    gets the reason in `resolution`."""
    for entry in entries:
        if entry.resolved:
            continue
        doi_note = ""
        if entry.doi:
            rows = db.execute(
                "select id, source, linked_to from papers where doi_key = ?", [entry.doi.lower()]
            ).fetchall()
            arxiv = sorted({pid if source is None else linked for pid, source, linked in rows} - {None})
            if len(arxiv) == 1:
                entry.paper_id, entry.resolution = arxiv[0], "doi"
                continue
            if rows and not arxiv:
                doi_note = f"DOI {entry.doi} is stored as {rows[0][0]}, with no arXiv version known"
            elif len(arxiv) > 1:
                doi_note = f"DOI {entry.doi} is on {len(arxiv)} stored papers"
        found, why = _by_title(db, entry)
        if found:
            entry.paper_id, entry.resolution = found, "title"
            continue
        reasons = ["no arXiv eprint, URL or DOI"]
        if doi_note:
            reasons.append(doi_note)
        elif entry.doi:
            reasons.append(f"no stored paper has DOI {entry.doi}")
        reasons.append(why)
        entry.resolution = "; ".join(reasons)


def _by_title(db: Database, entry: Entry) -> tuple[str | None, str]:
    key = title_key(entry.title)
    if not key:
        return None, "no title to look up"
    rows = db.execute("select id, source, linked_to from papers where title_key = ?", [key]).fetchall()
    candidates = sorted({pid if source is None else linked for pid, source, linked in rows} - {None})
    if not candidates:
        return None, "no stored arXiv paper has this title"
    wanted = _surname(entry.authors[0]) if entry.authors else None
    if wanted is not None:
        firsts = dict(
            db.execute(
                f"select paper_id, name_key from paper_authors where position = 0 and paper_id in ({placeholders(candidates)})",
                candidates,
            ).fetchall()
        )
        same = [c for c in candidates if firsts.get(c) == wanted]
        if len(same) == 1:
            return same[0], ""
        if not same:
            return None, "a stored arXiv paper has this title but another first author"
        return None, f"{len(same)} stored arXiv papers have this title and first author"
    if len(key.split()) < 3:
        return None, "the title is too short to match without an author"
    if len(candidates) == 1:
        return candidates[0], ""
    return None, f"{len(candidates)} stored arXiv papers have this title"


def _surname(name: str) -> str | None:
    from radar.names import surname_key

    try:
        return surname_key(name)
    except ValueError:
        return None


# --- saving --------------------------------------------------------------------------------


@dataclass
class FileReport:
    """What importing one file did."""

    path: str
    format: str
    entries: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    dropped: int = 0  # --sync: entries of this file no longer in it
    sync_skipped: bool = False  # --sync asked, but the file had parts that could not be read
    resolved_by: dict[str, int] = field(default_factory=dict)
    unresolved: list[Entry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    resolved_entries: list[Entry] = field(default_factory=list, repr=False)

    @property
    def resolved(self) -> int:
        return sum(self.resolved_by.values())

    def unfound(self, ids: set[str]) -> None:
        """Entries that resolved to ids arXiv turned out not to have: unresolved now."""
        for entry in [e for e in self.resolved_entries if e.paper_id in ids]:
            self.resolved_entries.remove(entry)
            how = entry.resolution or ""
            self.resolved_by[how] -= 1
            if not self.resolved_by[how]:
                del self.resolved_by[how]
            entry.resolution = f"{how} {entry.paper_id}{_NO_SUCH_PAPER}"
            entry.paper_id = None
            self.unresolved.append(entry)

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "format": self.format,
            "entries": self.entries,
            "new": self.new,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "dropped": self.dropped,
            "sync_skipped": self.sync_skipped,
            "resolved": self.resolved,
            "resolved_by": self.resolved_by,
            "unresolved": [{"key": e.key, "title": e.title, "why": e.resolution} for e in self.unresolved],
            "problems": [{"where": p.where, "message": p.message} for p in self.problems],
        }


_COLUMNS = ("paper_id", "title", "abstract", "authors_json", "year", "doi", "added_utc", "resolution")


def save_entries(db: Database, parsed: ParsedFile, source_file: str, sync: bool = False) -> FileReport:
    """Write a file's entries: an entry whose key is stored already is updated in place
    (whichever file it came from before), so importing the same library again changes
    nothing. With `sync`, this file's entries no longer in it are dropped, unless part
    of the file could not be read (those entries would be dropped for a typo)."""
    report = FileReport(parsed.path, parsed.format, problems=list(parsed.problems))
    by_key: dict[str, Entry] = {}
    for entry in parsed.entries:
        if not entry.title and not entry.paper_id:
            report.problems.append(Problem(_where(entry), "neither a title nor an arXiv id; skipped"))
            continue
        if entry.key in by_key:
            report.problems.append(
                Problem(
                    _where(entry),
                    f"the key {entry.key!r} repeats entry {by_key[entry.key].number}; the later one is kept",
                )
            )
        by_key[entry.key] = entry
    now = utc_now()
    with db.atomic():
        for entry in by_key.values():
            if not entry.title and entry.paper_id:
                # Only an arXiv id: the stored paper's title (refresh_text_only fills it
                # in for a paper fetched later), so importing again finds it unchanged.
                stored = db.execute("select title from papers where id = ?", [entry.paper_id]).fetchone()
                entry.title = stored[0] if stored else ""
            row = {
                "paper_id": entry.paper_id,
                "title": entry.title,
                "abstract": entry.abstract or None,
                "authors_json": json.dumps(entry.authors, ensure_ascii=False),
                "year": entry.year,
                "doi": entry.doi,
                "added_utc": entry.added_utc,
                "resolution": entry.resolution,
            }
            old = db.execute(
                f"select source_file, {', '.join(_COLUMNS)} from library_entries where key = ?", [entry.key]
            ).fetchone()
            if (
                old is not None
                and old[1] is None
                and old[-1] == f"{entry.resolution} {entry.paper_id}{_NO_SUCH_PAPER}"
            ):
                # arXiv said it has no such paper: not asked again at every import (remove
                # the entry and import it again to ask).
                entry.paper_id, entry.resolution = None, old[-1]
                row.update(paper_id=None, resolution=old[-1])
            if old is None:
                db.execute(
                    "insert into library_entries (key, source_file, imported_utc, paper_text_only, "
                    f"{', '.join(_COLUMNS)}) values (?, ?, ?, ?, {placeholders(_COLUMNS)})",
                    [entry.key, source_file, now, int(entry.paper_id is None), *row.values()],
                )
                report.new += 1
            elif tuple(old) != (source_file, *row.values()):
                # imported_utc stays the first import's: when the reader took the entry in.
                db.execute(
                    f"update library_entries set source_file = ?, {', '.join(f'{c} = ?' for c in _COLUMNS)} "
                    "where key = ?",
                    [source_file, *row.values(), entry.key],
                )
                report.updated += 1
            else:
                report.unchanged += 1
            if entry.resolved and entry.resolution:
                report.resolved_by[entry.resolution] = report.resolved_by.get(entry.resolution, 0) + 1
                report.resolved_entries.append(entry)
            else:
                report.unresolved.append(entry)
        if sync:
            if any(p.lost for p in parsed.problems):
                report.sync_skipped = True
            else:
                keys = json.dumps(list(by_key))
                report.dropped = db.execute(
                    "delete from library_entries where source_file = ? "
                    "and key not in (select value from json_each(?))",
                    [source_file, keys],
                ).rowcount
    report.entries = len(by_key)
    return report


def _where(entry: Entry) -> str:
    where = f"entry {entry.number}" + (f" ({entry.key})" if not entry.key.startswith("title:") else "")
    return f"line {entry.line}, {where}" if entry.line else where


def refresh_text_only(db: Database) -> None:
    """paper_text_only: 1 for an entry whose paper is not in the store (none on arXiv,
    or not fetched yet), which ranking then reads by its own title and abstract. An
    entry that had only an arXiv id takes its stored paper's title."""
    flag = "(paper_id is null or not exists (select 1 from papers p where p.id = library_entries.paper_id))"
    with db.atomic():
        db.execute(f"update library_entries set paper_text_only = {flag} where paper_text_only != {flag}")
        db.execute(
            "update library_entries set title = (select p.title from papers p where p.id = library_entries.paper_id) "
            "where title = '' and paper_text_only = 0"
        )


# --- fetching ------------------------------------------------------------------------------


@dataclass
class FetchReport:
    """Papers the library names that were not stored, asked of arXiv."""

    asked: int = 0
    fetched: int = 0
    requests: int = 0
    missing: list[str] = field(default_factory=list)  # ids arXiv does not know
    error: str | None = None  # why some could not be fetched (they are asked again next time)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def unstored_ids(db: Database) -> list[str]:
    """The arXiv ids library entries resolved to that are not in the store."""
    return [
        r[0]
        for r in db.execute(
            "select distinct paper_id from library_entries l where paper_id is not null "
            "and not exists (select 1 from papers p where p.id = l.paper_id) order by paper_id"
        )
    ]


def fetch_library_papers(
    db: Database,
    http: Http,
    api_url: str,
    ids: Sequence[str],
    lock: Callable[[], AbstractContextManager[Any]] = nullcontext,
    progress: Progress | None = None,
) -> FetchReport:
    """Fetch these ids from the arXiv API in `id_list` requests of up to a hundred,
    through `http` (politeness, timeouts and retries), parsed strictly and stored with
    ingest.store_papers under `lock` (the writer's lock). An id arXiv does not return is
    unresolved in the library; a failure stops here, and what is left is asked again
    by the next import."""
    from radar.ingest import store_papers
    from radar.sources.arxiv_api import ID_LIST_BATCH, fetch_id_list
    from radar.store import prepare

    report = FetchReport(asked=len(ids))
    if not ids:
        return report
    as_of = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    batches = list(chunks(list(ids), ID_LIST_BATCH))
    try:
        with lock():
            for number, batch in enumerate(batches, start=1):
                if progress:
                    progress(f"arXiv: asking for {len(batch)} papers (request {number} of {len(batches)})")
                report.requests += 1
                page = fetch_id_list(http, api_url, batch, "arXiv API, library papers")
                if not page.papers:
                    # arXiv sometimes answers 200 with no entries for ids it has: ask once
                    # more (after the usual pause) before believing it.
                    report.requests += 1
                    page = fetch_id_list(http, api_url, batch, "arXiv API, library papers")
                if not page.papers and len(batch) > 1:
                    # Twice empty for many ids: a glitch, not proof that none exist.
                    raise RadarError(f"arXiv API, library papers: no entries returned for {len(batch)} ids")
                items = [prepare(p) for p in page.papers]
                for item in items:
                    item.row["metadata_date"] = item.row["metadata_date"] or as_of
                store_papers(db, items)
                report.fetched += len(items)
                got = {p.id for p in page.papers}
                missing = [i for i in batch if i not in got]
                if missing:
                    _mark_missing(db, missing)
                    report.missing.extend(missing)
    except RadarError as exc:
        report.error = str(exc)
    return report


_NO_SUCH_PAPER = ", but arXiv has no such paper"


def _mark_missing(db: Database, ids: Sequence[str]) -> None:
    with db.atomic():
        for paper_id in ids:
            db.execute(
                "update library_entries set resolution = coalesce(resolution, '') || ' ' || paper_id || ?, "
                "paper_id = null, paper_text_only = 1 where paper_id = ?",
                [_NO_SUCH_PAPER, paper_id],
            )


# --- importing -----------------------------------------------------------------------------


@dataclass
class ImportReport:
    files: list[FileReport] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # one message for each file not read at all
    fetch: FetchReport | None = None
    not_fetched: int = 0  # resolved, not stored, and not asked (--no-fetch)

    @property
    def ok(self) -> bool:
        return not self.failed

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "files": [f.as_dict() for f in self.files],
            "failed": self.failed,
            "fetch": self.fetch.as_dict() if self.fetch else None,
            "not_fetched": self.not_fetched,
        }


def source_name(path: Path) -> str:
    """How `source_file` names a file: its path as given, made absolute, so that --sync
    finds the same file from another directory."""
    return os.path.abspath(path)


def import_library(
    db: Database,
    paths: Sequence[Path],
    http: Http | None = None,
    api_url: str = "",
    fetch: bool = True,
    sync: bool = False,
    lock: Callable[[], AbstractContextManager[Any]] = nullcontext,
    progress: Progress | None = None,
) -> ImportReport:
    """Read, resolve and save each file, then fetch the papers entries resolved to that
    are not stored (unless `fetch` is false or there is no `http`). A file that cannot
    be read at all is listed in `failed`; the others are imported all the same."""
    report = ImportReport()
    for path in paths:
        if progress:
            progress(f"reading {path}")
        try:
            parsed = read_library_file(path)
        except LibraryFileError as exc:
            report.failed.append(str(exc))
            continue
        if not parsed.entries:
            lost = [p for p in parsed.problems if p.lost]
            why = f": {lost[0]}" if lost else ""
            report.failed.append(f"{path}: no entry could be read{why}")
            continue
        resolve_in_store(db, parsed.entries)
        report.files.append(save_entries(db, parsed, source_name(path), sync=sync))
    if not report.files:
        # Nothing was read (a mistyped path): no network, and nothing to say but the error.
        return report
    missing = unstored_ids(db)
    if fetch and http is not None and missing:
        report.fetch = fetch_library_papers(db, http, api_url, missing, lock=lock, progress=progress)
        refresh_text_only(db)
        missing = unstored_ids(db)
        if report.fetch.missing:
            gone = set(report.fetch.missing)
            for file in report.files:
                file.unfound(gone)
    else:
        refresh_text_only(db)
    report.not_fetched = len(missing)
    return report


# --- listing and removing ------------------------------------------------------------------


@dataclass
class ListedEntry:
    key: str
    source_file: str
    paper_id: str | None
    title: str
    year: int | None
    doi: str | None
    added_utc: str | None
    imported_utc: str
    resolution: str | None
    stored: bool  # its arXiv paper is in the store
    paper_text_only: bool


@dataclass
class Library:
    entries: list[ListedEntry]

    @property
    def count(self) -> int:
        return len(self.entries)

    @property
    def resolved(self) -> int:
        return sum(e.paper_id is not None for e in self.entries)

    @property
    def unresolved(self) -> int:
        return self.count - self.resolved

    @property
    def not_fetched(self) -> int:
        return sum(e.paper_id is not None and not e.stored for e in self.entries)

    @property
    def files(self) -> list[str]:
        return sorted({e.source_file for e in self.entries})

    def as_dict(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "resolved": self.resolved,
            "unresolved": self.unresolved,
            "not_fetched": self.not_fetched,
            "files": self.files,
            "entries": [asdict(e) for e in self.entries],
        }


def list_library(db: Database) -> Library:
    """Every entry, resolved ones first (by arXiv id), then the unresolved by title."""
    rows = db.execute(
        "select key, source_file, paper_id, title, year, doi, added_utc, imported_utc, resolution, "
        "paper_id is not null and exists (select 1 from papers p where p.id = l.paper_id) as stored "
        "from library_entries l order by paper_id is null, paper_id, title, key"
    ).fetchall()
    return Library(
        [
            ListedEntry(*row[:9], stored=bool(row[9]), paper_text_only=not row[9])  # type: ignore[misc]
            for row in rows
        ]
    )


def remove_entries(db: Database, refs: Sequence[str] = (), everything: bool = False) -> int:
    """Remove entries by arXiv id (any form: every entry that resolved to it) or by key,
    or all of them. Nothing is removed if one of the refs matches no entry."""
    if everything:
        return db.execute("delete from library_entries").rowcount
    if not refs:
        raise UsageError("name entries to remove (an arXiv id or an entry's key), or use --all")
    plans: list[tuple[str, str]] = []
    unknown = []
    for ref in refs:
        text = ref.strip()
        if db.execute("select 1 from library_entries where key = ?", [text]).fetchone():
            plans.append(("key", text))
        elif (paper_id := _arxiv_id(text)) and db.execute(
            "select 1 from library_entries where paper_id = ?", [paper_id]
        ).fetchone():
            plans.append(("paper_id", paper_id))
        else:
            unknown.append(one_line(text))
    if unknown:
        raise NotFoundError(
            f"not in your library: {', '.join(unknown)} (radar library lists entries with their keys)"
        )
    removed = 0
    with db.atomic():
        for column, value in plans:
            removed += db.execute(f"delete from library_entries where {column} = ?", [value]).rowcount
    return removed


# --- for ranking ---------------------------------------------------------------------------


@dataclass
class LibrarySignal:
    """One library entry as the interest model reads it."""

    key: str
    paper_id: str | None  # stored arXiv paper, or None: read `title` and `abstract` instead
    title: str
    abstract: str
    added_utc: str | None  # the file's date-added, when it had one
    imported_utc: str  # when radar first imported the entry
    paper_text_only: bool


def library_signals(db: Database) -> list[LibrarySignal]:
    """The library as interest signals: an entry whose arXiv paper is stored names it
    (`paper_id`); any other entry is its own text (`paper_text_only`). Computed now, so
    a paper stored since the import counts."""
    rows = db.execute(
        "select key, paper_id, title, abstract, added_utc, imported_utc, "
        "paper_id is not null and exists (select 1 from papers p where p.id = l.paper_id) "
        "from library_entries l order by key"
    ).fetchall()
    return [
        LibrarySignal(key, pid if stored else None, title, abstract or "", added, imported, not stored)
        for key, pid, title, abstract, added, imported, stored in rows
    ]


def library_paper_ids(db: Database) -> set[str]:
    """The arXiv ids of the papers in the reader's library (for `in your library`)."""
    return {
        r[0] for r in db.execute("select distinct paper_id from library_entries where paper_id is not null")
    }
