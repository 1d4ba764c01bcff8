"""The arXiv listing feeds (rss.arxiv.org/rss/<cats> and /atom/<cats>): parsing.

feedparser reads both flavours; radar adds what it cannot know: the id and version
from the guid, the abstract without its `arXiv:... Announce Type: ... Abstract:`
prefix, and authors split out of the single `dc:creator` string.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

from radar.errors import ArxivQueryError, BadResponseError, RadarError, UsageError
from radar.model import ANNOUNCE_TYPES, Author, Paper, parse_arxiv_id
from radar.text import one_line

if TYPE_CHECKING:
    from radar.http import Http

_PREFIX_RE = re.compile(
    r"^\s*arXiv:\S+\s+Announce Type:\s*(?P<type>[\w-]+)\s*(?:Abstract:\s*)?",
    re.IGNORECASE,
)


@dataclass
class Listing:
    title: str
    announced: date | None
    papers: list[Paper] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """No items at all: a weekend or holiday listing."""
        return not self.papers and not self.skipped


def split_creators(creator: str) -> list[Author]:
    """Split `dc:creator` ("A, B (Univ, Dept), C") into authors with their affiliations.

    Commas inside parentheses belong to an affiliation, not between two authors.
    """
    parts: list[str] = []
    depth = 0
    current: list[str] = []
    for ch in creator:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        if ch == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))

    authors = []
    for part in parts:
        part = part.strip()
        if part.lower().startswith("and "):
            part = part[4:]
        affiliations = [one_line(a) for a in re.findall(r"\(([^()]*(?:\([^()]*\)[^()]*)*)\)", part)]
        name = one_line(re.sub(r"\(.*\)", "", part))
        if name:
            authors.append(Author(name=name, affiliations=[a for a in affiliations if a]))
    return authors


def _day(raw: str | None) -> date | None:
    """The listing day in the feed's own time zone (US Eastern): the date part as written."""
    if not raw:
        return None
    try:
        return parsedate_to_datetime(raw).date()
    except (TypeError, ValueError):
        pass
    try:
        return datetime.fromisoformat(raw.strip()).date()
    except ValueError:
        return None


def parse_listing(content: bytes, source: str = "arXiv listing") -> Listing:
    """Parse one listing feed. Raises BadResponseError for anything untrustworthy."""
    import feedparser

    # arXiv abstracts are plain text, but RSS <description> is read as HTML: feedparser's
    # sanitiser would drop "<y and p <" from "x<y and p < 0.05". radar escapes on output.
    parsed: Any = feedparser.parse(content, sanitize_html=False, resolve_relative_uris=False)
    if parsed.bozo and not isinstance(parsed.bozo_exception, feedparser.CharacterEncodingOverride):
        raise BadResponseError(f"{source}: not a well-formed feed ({parsed.bozo_exception})")
    if not parsed.version:
        raise BadResponseError(f"{source}: not an RSS or Atom feed (an HTML page or another document)")
    title = one_line(parsed.feed.get("title"))
    if title.lower().startswith("feed error"):
        raise ArxivQueryError(f"{source}: arXiv refused the request: {title}")

    listing = Listing(title=title, announced=_day(parsed.feed.get("published")))
    for entry in parsed.entries:
        try:
            paper = _paper(entry, listing.announced)
        except (ValueError, RadarError) as exc:
            listing.skipped.append(one_line(f"{entry.get('id') or entry.get('link') or 'item'}: {exc}"))
            continue
        listing.papers.append(paper)
        if listing.announced is None or (paper.announced and paper.announced > listing.announced):
            listing.announced = paper.announced
    return listing


def _paper(entry: Any, channel_day: date | None) -> Paper:
    guid = entry.get("id") or ""
    try:
        paper_id, version = parse_arxiv_id(guid)
    except UsageError:
        # Some mirrors put the abs link in the guid; fall back to the link.
        paper_id, version = parse_arxiv_id(entry.get("link") or guid)
    description = entry.get("summary") or ""
    m = _PREFIX_RE.match(description)
    announce_type = entry.get("arxiv_announce_type") or (m.group("type") if m else None)
    if announce_type:
        announce_type = announce_type.strip().lower()
        if announce_type not in ANNOUNCE_TYPES:
            raise ValueError(f"unknown announce type {announce_type!r}")
    abstract = description[m.end() :] if m else description
    if version is None:
        # The description repeats the versioned id even when a guid lacks it.
        vm = re.search(r"arXiv:\S+?v(\d+)", description)
        version = int(vm.group(1)) if vm else 1
    creators = ", ".join(a.get("name", "") for a in entry.get("authors", []) if a.get("name"))
    categories = [t["term"] for t in entry.get("tags", []) if t.get("term")]
    title = one_line(entry.get("title"))
    if not title:
        raise ValueError("no title")
    return Paper(
        id=paper_id,
        version=version,
        title=title,
        abstract=one_line(abstract),
        authors=split_creators(creators),
        primary_category=categories[0] if categories else "",
        categories=categories,
        journal_ref=one_line(entry.get("arxiv_journal_reference")) or None,
        doi=one_line(entry.get("arxiv_doi")) or None,
        announce_type=announce_type,
        announced=_day(entry.get("published")) or channel_day,
    )


# --- fetching -------------------------------------------------------------------------------


@dataclass
class ListingFetch:
    listing: Listing | None  # None when the feed has not changed since last time (HTTP 304)
    etag: str | None
    last_modified: str | None
    url: str


def listing_url(rss_url: str, categories: list[str]) -> str:
    return rss_url.rstrip("/") + "/" + "+".join(categories)


def fetch_listing(
    http: Http, rss_url: str, categories: list[str], etag: str | None, last_modified: str | None
) -> ListingFetch:
    """One combined listing for every followed category, revalidated with ETag / Last-Modified."""
    url = listing_url(rss_url, categories)
    source = f"arXiv listing {'+'.join(categories)}"
    from radar.http import validators

    response = http.get(url, source, headers=validators(etag, last_modified))
    if response.status_code == 304:
        return ListingFetch(None, etag, last_modified, url)
    listing = parse_listing(response.content, source)
    if response.status_code != 200:
        raise BadResponseError(f"{source}: HTTP {response.status_code}")
    return ListingFetch(listing, response.headers.get("ETag"), response.headers.get("Last-Modified"), url)
