"""`radar import`: saved arXiv responses (API Atom pages, RSS or Atom listings) into the store."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlite_utils import Database

from radar.errors import BadResponseError, RadarError
from radar.model import Paper
from radar.store import ImportCounts, save_papers


@dataclass
class FileReport:
    path: str
    kind: str  # "api", "listing" or "unreadable"
    counts: ImportCounts = field(default_factory=ImportCounts)
    error: str | None = None
    note: str | None = None  # e.g. an empty (weekend) listing


def sniff(content: bytes) -> str:
    """'listing' for rss.arxiv.org feeds (both flavours), 'api' for API responses."""
    head = content[:4096].lower()
    if b"<rss" in head or b"rss.arxiv.org" in head:
        return "listing"
    return "api"


def parse_file(path: Path) -> tuple[str, list[Paper], list[str], str | None]:
    """(kind, papers, skipped reasons, note) for one saved response; raises RadarError."""
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise RadarError(f"cannot read {path}: {exc.strerror}") from None
    if not content.strip():
        raise BadResponseError(f"{path}: the file is empty")
    kind = sniff(content)
    if kind == "listing":
        from radar.sources.arxiv_rss import parse_listing

        listing = parse_listing(content, source=str(path))
        note = (
            "an empty listing (arXiv announces nothing at weekends and on holidays)"
            if listing.empty
            else None
        )
        return kind, listing.papers, listing.skipped, note
    from radar.sources.arxiv_api import parse_api_response

    page = parse_api_response(content, source=str(path))
    note = "an API response with no results" if not page.papers and not page.skipped else None
    return kind, page.papers, page.skipped, note


def import_files(db: Database, paths: list[Path]) -> list[FileReport]:
    """Import each file on its own: one bad file is reported and the others still load."""
    reports = []
    for path in paths:
        try:
            kind, papers, skipped, note = parse_file(path)
        except RadarError as exc:
            reports.append(FileReport(str(path), "unreadable", error=str(exc)))
            continue
        counts = save_papers(db, papers)
        counts.skipped.extend(skipped)
        reports.append(FileReport(str(path), kind, counts, note=note))
    return reports
