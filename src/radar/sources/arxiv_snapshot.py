"""arXiv's metadata snapshot: JSON Lines, one paper per line, as distributed publicly for the
whole of arXiv (`arxiv-metadata-oai-snapshot.json`, plain or gzipped).

A line looks like this (abridged; the fields are the OAI-PMH `arXiv` record's):

    {"id": "0704.0001", "submitter": "...", "authors": "C. Bal\\'azs, E. L. Berger, ...",
     "title": "Calculation of prompt diphoton production ...\\n  LHC energies",
     "comments": "37 pages, 15 figures", "journal-ref": "Phys.Rev.D76:013009,2007",
     "doi": "10.1103/PhysRevD.76.013009", "report-no": "...", "categories": "hep-ph",
     "license": null, "abstract": "  A fully differential calculation ...\\n",
     "versions": [{"version": "v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"}, ...],
     "update_date": "2008-11-26",
     "authors_parsed": [["Balázs", "C.", ""], ["Berger", "E. L.", ""], ...]}

`authors` is TeX ("Bal\\'azs"); `authors_parsed` has the same names decoded, split into
surname, given names and suffix, so radar reads that one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from radar.errors import RadarError, UsageError
from radar.model import Author, Paper, parse_arxiv_id
from radar.text import one_line

_MONTHS = {m: i for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), start=1)}


class BadLine(RadarError):
    """A snapshot line that is not a usable paper record."""


@dataclass
class SnapshotRecord:
    paper: Paper
    update_date: date | None


def _created(value: Any) -> datetime:
    """'Mon, 2 Apr 2007 19:18:42 GMT' as an aware UTC datetime. Hand-parsed: strptime
    costs more than everything else on the line, and this runs millions of times."""
    try:
        _, day, month, year, clock, _zone = value.split()
        hour, minute, second = clock.split(":")
        return datetime(int(year), _MONTHS[month], int(day), int(hour), int(minute), int(second), tzinfo=UTC)
    except (AttributeError, ValueError, KeyError) as exc:
        raise BadLine(f"bad version date {value!r}") from exc


def _versions(record: dict[str, Any]) -> tuple[int, datetime, datetime]:
    """(newest version number, v1 submission time, newest version's submission time)."""
    versions = record.get("versions")
    if not isinstance(versions, list) or not versions:
        raise BadLine("no versions")
    numbered = []
    for entry in versions:
        if not isinstance(entry, dict):
            raise BadLine("bad versions entry")
        label = entry.get("version")
        number = label[1:] if isinstance(label, str) and label[:1] == "v" else ""
        # ASCII digits only ("v²" is a digit to str.isdigit) and a sane number.
        if not (number.isascii() and number.isdigit() and 0 < len(number) <= 3 and int(number) > 0):
            raise BadLine(f"bad version {str(label)[:20]!r}")
        numbered.append((int(number), entry.get("created")))
    numbered.sort(key=lambda pair: pair[0])
    return numbered[-1][0], _created(numbered[0][1]), _created(numbered[-1][1])


def _authors(record: dict[str, Any]) -> list[Author]:
    parsed = record.get("authors_parsed")
    if isinstance(parsed, list) and parsed:
        authors = []
        for entry in parsed:
            if not isinstance(entry, list) or not entry or not all(isinstance(p, str) for p in entry):
                raise BadLine("bad authors_parsed entry")
            surname, given, suffix = (entry + ["", ""])[:3]
            name = " ".join(part for part in (given.strip(), surname.strip(), suffix.strip()) if part)
            # Anything after the suffix is an affiliation ("Smith", "J.", "", "MIT").
            affiliations = [one_line(a) for a in entry[3:] if a.strip()]
            if name:
                authors.append(Author(one_line(name), affiliations))
        return authors
    raw = record.get("authors")
    if isinstance(raw, str) and raw.strip():
        from radar.sources.arxiv_rss import split_creators

        return split_creators(one_line(raw))
    return []


def _text(record: dict[str, Any], key: str) -> str | None:
    value = record.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadLine(f"{key} is not text")
    return one_line(value) or None


def parse_record(record: Any) -> SnapshotRecord:
    """One decoded line as a Paper; raises BadLine for anything radar cannot trust."""
    if not isinstance(record, dict):
        raise BadLine("not a JSON object")
    raw_id = record.get("id")
    if not isinstance(raw_id, str):
        raise BadLine("no id")
    try:
        paper_id, _ = parse_arxiv_id(raw_id)
    except UsageError:
        raise BadLine(f"bad id {raw_id!r}") from None
    title = _text(record, "title")
    if not title:
        raise BadLine(f"{paper_id}: no title")
    categories_text = record.get("categories")
    if not isinstance(categories_text, str) or not categories_text.split():
        raise BadLine(f"{paper_id}: no categories")
    # The snapshot lists the primary category first, as the OAI-PMH record does.
    categories = list(dict.fromkeys(categories_text.split()))
    try:
        version, published, updated = _versions(record)
    except BadLine as exc:
        raise BadLine(f"{paper_id}: {exc}") from None
    update_text = record.get("update_date")
    try:
        update_date = date.fromisoformat(update_text) if isinstance(update_text, str) else None
    except ValueError:
        update_date = None
    paper = Paper(
        id=paper_id,
        version=version,
        title=title,
        abstract=_text(record, "abstract") or "",
        authors=_authors(record),
        primary_category=categories[0],
        categories=categories,
        published=published,
        updated=updated,
        comment=_text(record, "comments"),
        journal_ref=_text(record, "journal-ref"),
        doi=_text(record, "doi"),
        metadata_date=update_date.isoformat() if update_date else None,
    )
    return SnapshotRecord(paper, update_date)


def parse_line(line: bytes | str) -> SnapshotRecord:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        reason = exc.msg.removesuffix(" at")  # "Invalid control character at"
        raise BadLine(f"not JSON ({reason[:1].lower()}{reason[1:]} at column {exc.colno})") from None
    except (ValueError, RecursionError) as exc:
        # Undecodable bytes, or nesting too deep: the reason, without the line's text.
        raise BadLine(f"not JSON ({str(exc).split(':')[0]})") from None
    return parse_record(record)
