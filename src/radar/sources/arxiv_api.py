"""The arXiv API (export.arxiv.org/api/query): parsing its Atom responses.

lxml parses strictly here, on purpose: a truncated or malformed response must be
refused whole, never half-trusted (the `arxiv` package parses with recover=True).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from radar.errors import ArxivQueryError, BadResponseError, RadarError
from radar.model import Author, Paper, parse_arxiv_id
from radar.text import one_line

if TYPE_CHECKING:
    from radar.http import Http

NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "arxiv": "http://arxiv.org/schemas/atom",
    "opensearch": "http://a9.com/-/spec/opensearch/1.1/",
}


@dataclass
class ApiPage:
    total_results: int
    start_index: int
    items_per_page: int
    papers: list[Paper] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # reasons, one per entry not kept


def _timestamp(text: str | None) -> datetime | None:
    if not text:
        return None
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _text(elem: object, path: str) -> str | None:
    found = elem.find(path, NS)  # type: ignore[attr-defined]
    if found is None or found.text is None:
        return None
    text: str = found.text
    return text


def _int(root: object, path: str) -> int:
    value = _text(root, path)
    try:
        return int(value) if value is not None else 0
    except ValueError:
        return 0


def parse_api_response(content: bytes, source: str = "arXiv API") -> ApiPage:
    """Parse one API response page. Raises BadResponseError for anything untrustworthy."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=False)
    try:
        root = etree.fromstring(content, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise BadResponseError(f"{source}: not well-formed XML ({exc})") from None
    if root is None or root.tag != f"{{{NS['atom']}}}feed":
        raise BadResponseError(f"{source}: not an Atom feed (an HTML page or another document)")

    entries = root.findall("atom:entry", NS)
    for entry in entries:
        entry_id = _text(entry, "atom:id") or ""
        if "/api/errors" in entry_id:
            message = one_line(_text(entry, "atom:summary")) or entry_id
            raise ArxivQueryError(f"{source}: arXiv refused the query: {message}")

    page = ApiPage(
        total_results=_int(root, "opensearch:totalResults"),
        start_index=_int(root, "opensearch:startIndex"),
        items_per_page=_int(root, "opensearch:itemsPerPage"),
    )
    for entry in entries:
        try:
            page.papers.append(_paper(entry))
        except (ValueError, RadarError) as exc:
            page.skipped.append(one_line(f"{_text(entry, 'atom:id') or 'entry without id'}: {exc}"))
    return page


_ATOM = "{" + NS["atom"] + "}"
_ARXIV = "{" + NS["arxiv"] + "}"


def _paper(entry: object) -> Paper:
    # One pass over the entry's children: much faster than a namespaced find() per field.
    fields: dict[str, str] = {}
    authors: list[Author] = []
    categories: list[str] = []
    primary = ""
    for child in entry:  # type: ignore[attr-defined]
        tag = child.tag
        if tag == _ATOM + "author":
            name = ""
            affiliations = []
            for part in child:
                if part.tag == _ATOM + "name":
                    name = one_line(part.text)
                elif part.tag == _ARXIV + "affiliation" and part.text:
                    affiliations.append(one_line(part.text))
            if name:
                authors.append(Author(name=name, affiliations=affiliations))
        elif tag == _ATOM + "category":
            term = child.get("term")
            if term:
                categories.append(term)
        elif tag == _ARXIV + "primary_category":
            primary = child.get("term") or ""
        elif isinstance(tag, str) and child.text is not None and tag not in fields:
            fields[tag] = child.text
    raw_id = fields.get(_ATOM + "id")
    if not raw_id:
        raise ValueError("no <id>")
    paper_id, version = parse_arxiv_id(raw_id)
    title = one_line(fields.get(_ATOM + "title"))
    if not title:
        raise ValueError("no title")
    primary = primary or (categories[0] if categories else "")
    if primary:
        # Primary first, as the listings do.
        categories = [primary, *(c for c in categories if c != primary)]
    version = version or 1
    return Paper(
        id=paper_id,
        version=version,
        title=title,
        abstract=one_line(fields.get(_ATOM + "summary")),
        authors=authors,
        primary_category=primary,
        categories=categories,
        published=_timestamp(fields.get(_ATOM + "published")),
        updated=_timestamp(fields.get(_ATOM + "updated")),
        comment=one_line(fields.get(_ARXIV + "comment")) or None,
        journal_ref=one_line(fields.get(_ARXIV + "journal_ref")) or None,
        doi=one_line(fields.get(_ARXIV + "doi")) or None,
        # The API does not say how a paper was announced; its version does.
        announce_type="new" if version == 1 else "replace",
    )


# --- fetching -------------------------------------------------------------------------------

MAX_PAGE = 2000  # arXiv's limit per request


@dataclass
class QueryResult:
    papers: list[Paper] = field(default_factory=list)
    total: int = 0  # totalResults of the first page
    pages: int = 0
    reached_watermark: bool = False
    truncated: bool = False  # stopped at `limit` before reaching `since` or the end


def fetch_query(
    http: Http,
    api_url: str,
    query: str,
    source: str,
    since: datetime | None,
    limit: int,
    page_size: int = 100,
    expect_results: bool = False,
) -> QueryResult:
    """All results of `query`, newest version first, back to `since` (or `limit` papers).

    Sorted by lastUpdatedDate so new versions show up as well as new papers. Pages are
    requested only until the first paper older than `since`. A response that cannot be
    trusted raises BadResponseError and nothing of this query is returned.
    """
    result = QueryResult()
    start = 0
    size = max(1, min(page_size, MAX_PAGE, limit))
    while start < limit:
        params = {
            "search_query": query,
            "sortBy": "lastUpdatedDate",
            "sortOrder": "descending",
            "start": str(start),
            "max_results": str(min(size, limit - start)),
        }
        response = http.get(api_url, source, params=params)
        page = parse_api_response(response.content, source)
        if response.status_code != 200:
            raise BadResponseError(f"{source}: HTTP {response.status_code}")
        result.pages += 1
        if result.pages == 1:
            result.total = page.total_results
            if not page.papers and (page.total_results > 0 or expect_results):
                # arXiv sometimes answers 200 with an empty page for a query that has
                # results; trusting it would silently lose a day.
                raise BadResponseError(f"{source}: arXiv returned an empty page for a query that has results")
        elif not page.papers and start < page.total_results:
            raise BadResponseError(
                f"{source}: arXiv returned an empty page {result.pages} of a longer result"
            )
        for paper in page.papers:
            when = paper.updated or paper.published
            if since is not None and when is not None and when < since:
                result.reached_watermark = True
                break
            result.papers.append(paper)
        if result.reached_watermark or not page.papers:
            break
        start += len(page.papers)
        if start >= page.total_results:
            break
        # The first page is small because an incremental fetch usually ends there;
        # a query that goes on is a backlog, fetched in large pages.
        size = min(MAX_PAGE, max(size, page_size * 10))
    else:
        result.truncated = since is not None and not result.reached_watermark
    return result
