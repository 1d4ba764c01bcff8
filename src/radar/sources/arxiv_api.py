"""The arXiv API (export.arxiv.org/api/query): building its queries and parsing its Atom
responses.

lxml parses strictly here, on purpose: a truncated or malformed response must be
refused whole, never half-trusted (the `arxiv` package parses with recover=True).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar

from radar.errors import ArxivQueryError, BadResponseError, RadarError
from radar.model import Author, Paper, parse_arxiv_id
from radar.names import ParsedName
from radar.text import one_line

if TYPE_CHECKING:
    from radar.http import Http


# --- queries ---------------------------------------------------------------------------


def author_query(name: ParsedName) -> str:
    """`au:(given AND surname)`: tolerant of middle names and initials, unlike a phrase."""
    # Normalised name tokens are [a-z0-9] only, so they cannot break the query syntax.
    words = [t for t in name.surname.split() if t]
    if name.given and len(name.given[0]) > 1:
        words = [name.given[0], *words]
    if len(words) == 1:
        return f"au:{words[0]}"
    return "au:(" + " AND ".join(words) + ")"


def topic_query(topic: str) -> str:
    phrase = " ".join("".join(ch for ch in topic if ch.isalnum() or ch in " -").split())
    return f'ti:"{phrase}" OR abs:"{phrase}"'


def any_of(terms: Sequence[str]) -> str:
    """One query asking for any of the terms (ten follows a request)."""
    if len(terms) == 1:
        return terms[0]
    return " OR ".join(f"({t})" if " OR " in t else t for t in terms)


# --- responses -------------------------------------------------------------------------

NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "arxiv": "http://arxiv.org/schemas/atom",
    "opensearch": "http://a9.com/-/spec/opensearch/1.1/",
}


class Dated(Protocol):
    """What paging needs of a result: when it was last updated (Papers, and the rows
    prepared from them for the store)."""

    @property
    def when(self) -> datetime | None: ...


E = TypeVar("E", bound=Dated)


@dataclass
class ApiPage(Generic[E]):
    total_results: int
    start_index: int
    items_per_page: int
    papers: list[E] = field(default_factory=list)
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


def parse_api_response(content: bytes, source: str = "arXiv API") -> ApiPage[Paper]:
    """Parse one API response page. Raises BadResponseError for anything untrustworthy."""
    from lxml import etree

    # Blank text between elements is dropped while parsing: 15% less work for lxml on a
    # 2,000-entry page, and the loop below reads element text only.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=False, remove_blank_text=True)
    try:
        root = etree.fromstring(content, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise BadResponseError(f"{source}: not well-formed XML ({exc})") from None
    if root is None or root.tag != f"{{{NS['atom']}}}feed":
        raise BadResponseError(f"{source}: not an Atom feed (an HTML page or another document)")

    entries = root.findall("atom:entry", NS)
    page: ApiPage[Paper] = ApiPage(
        total_results=_int(root, "opensearch:totalResults"),
        start_index=_int(root, "opensearch:startIndex"),
        items_per_page=_int(root, "opensearch:itemsPerPage"),
    )
    for entry in entries:
        try:
            page.papers.append(_paper(entry))
        except ArxivQueryError as exc:
            raise ArxivQueryError(f"{source}: arXiv refused the query: {exc}") from None
        except (ValueError, RadarError) as exc:
            page.skipped.append(one_line(f"{_text(entry, 'atom:id') or 'entry without id'}: {exc}"))
    return page


_ATOM = "{" + NS["atom"] + "}"
_ARXIV = "{" + NS["arxiv"] + "}"
# Whole tags, built once: the loop below compares every child of every entry.
_AUTHOR, _NAME, _AFFILIATION = _ATOM + "author", _ATOM + "name", _ARXIV + "affiliation"
_CATEGORY, _PRIMARY = _ATOM + "category", _ARXIV + "primary_category"
_ID, _TITLE, _SUMMARY = _ATOM + "id", _ATOM + "title", _ATOM + "summary"


def _paper(entry: object) -> Paper:
    # One pass over the entry's children: much faster than a namespaced find() per field.
    fields: dict[str, str] = {}
    authors: list[Author] = []
    categories: list[str] = []
    primary = ""
    for child in entry:  # type: ignore[attr-defined]
        tag = child.tag
        if tag == _AUTHOR:
            name = ""
            affiliations = []
            for part in child:
                if part.tag == _NAME:
                    name = one_line(part.text)
                elif part.tag == _AFFILIATION and part.text:
                    affiliations.append(one_line(part.text))
            if name:
                authors.append(Author(name=name, affiliations=affiliations))
        elif tag == _CATEGORY:
            term = child.get("term")
            if term:
                categories.append(term)
        elif tag == _PRIMARY:
            primary = child.get("term") or ""
        elif isinstance(tag, str) and child.text is not None and tag not in fields:
            fields[tag] = child.text
    raw_id = fields.get(_ID)
    if raw_id and "/api/errors" in raw_id:
        # arXiv's answer to a query it refuses: a feed whose one entry is the error.
        raise ArxivQueryError(one_line(fields.get(_SUMMARY)) or raw_id)
    if not raw_id:
        raise ValueError("no <id>")
    paper_id, version = parse_arxiv_id(raw_id)
    title = one_line(fields.get(_TITLE))
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
        abstract=one_line(fields.get(_SUMMARY)),
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


# Parses a response's bytes (content, source name) into a page: at once or in a worker.
# What it returns is called for the page when paging needs it, so a worker can parse
# this page while the caller stores the one before.
ParsePage = Callable[[bytes, str], Callable[[], ApiPage[E]]]


@dataclass
class ApiQuery(Generic[E]):
    """All results of an API query, newest version first, back to `since` (or `limit`
    results), page by page: iterating gives each page's results.

    Sorted by lastUpdatedDate so new versions show up as well as new papers. Pages are
    requested only until the first result older than `since`. A response that cannot be
    trusted raises BadResponseError; pages given out before it were sound and may be kept,
    but the query is not complete (a caller moves no watermark).
    """

    http: Http
    api_url: str
    query: str
    source: str
    since: datetime | None
    limit: int
    parse: ParsePage[E]
    page_size: int = 100
    expect_results: bool = False
    total: int = 0  # totalResults of the first page
    pages: int = 0
    results: int = 0  # given out, all pages together
    reached_watermark: bool = False
    truncated: bool = False  # stopped at `limit` before reaching `since` or the end

    def __iter__(self) -> Iterator[list[E]]:
        self.total = self.pages = self.results = 0
        self.reached_watermark = self.truncated = False
        if self.limit <= 0:
            return
        size = max(1, min(self.page_size, MAX_PAGE, self.limit))
        current = self._ask(0, size)
        ready: list[E] | None = None  # the page before, given out while this one is parsed
        while True:
            if ready is not None:
                yield ready
            # The first page is small because an incremental fetch usually ends there;
            # a query that goes on is a backlog, fetched in large pages.
            size = min(MAX_PAGE, max(size, self.page_size * 10))
            ahead = self._ask_ahead(current, size)
            page = current.pending()
            if current.status != 200:
                raise BadResponseError(f"{self.source}: HTTP {current.status}")
            self.pages += 1
            if self.pages == 1:
                self.total = page.total_results
                if not page.papers and (page.total_results > 0 or self.expect_results):
                    # arXiv sometimes answers 200 with an empty page for a query that has
                    # results; trusting it would silently lose a day.
                    raise BadResponseError(
                        f"{self.source}: arXiv returned an empty page for a query that has results"
                    )
            elif not page.papers and current.start < page.total_results:
                raise BadResponseError(
                    f"{self.source}: arXiv returned an empty page {self.pages} of a longer result"
                )
            ready = []
            for result in page.papers:
                when = result.when
                if self.since is not None and when is not None and when < self.since:
                    self.reached_watermark = True
                    break
                ready.append(result)
            self.results += len(ready)
            # Entries skipped as unreadable were results too: the next page starts after them.
            start = current.start + len(page.papers) + len(page.skipped)
            if self.reached_watermark or not page.papers or start >= page.total_results:
                break
            if start >= self.limit:
                self.truncated = self.since is not None
                break
            if ahead is not None and ahead.start == start:
                current = ahead
            else:
                current = self._ask(start, min(size, self.limit - start))
        if ready:
            yield ready

    def _ask(self, start: int, size: int) -> _Asked[E]:
        params = {
            "search_query": self.query,
            "sortBy": "lastUpdatedDate",
            "sortOrder": "descending",
            "start": str(start),
            "max_results": str(size),
        }
        response = self.http.get(self.api_url, self.source, params=params)
        return _Asked(start, size, response.status_code, self.parse(response.content, self.source))

    def _ask_ahead(self, current: _Asked[E], size: int) -> _Asked[E] | None:
        """The page after `current`, asked for before `current` is parsed, so a worker
        parsing `current` has the next one waiting. Only for a query with no watermark
        (a backfill reads to the end anyway), once the first page told the total, and
        not after an error: then a full page means the next starts where it ends."""
        if self.since is not None or self.pages == 0 or current.status != 200:
            return None
        start = current.start + current.size
        if start >= min(self.limit, self.total):
            return None
        return self._ask(start, min(size, self.limit - start))


@dataclass
class _Asked(Generic[E]):
    """A request made: where its page starts, how many it asked for, and its page."""

    start: int
    size: int
    status: int
    pending: Callable[[], ApiPage[E]]


# --- papers by id ------------------------------------------------------------------------------

ID_LIST_BATCH = 100  # ids per id_list request (radar library import)


def fetch_id_list(http: Http, api_url: str, ids: Sequence[str], source: str = "arXiv API") -> ApiPage[Paper]:
    """The papers with these versionless ids, newest versions, in one `id_list` request
    (at most ID_LIST_BATCH ids), parsed strictly. An id arXiv does not know is simply
    absent from the page; a refused request raises ArxivQueryError, an untrustworthy
    answer BadResponseError, an unreachable arXiv SourceError (after Http's retries)."""
    if not ids:
        return ApiPage(total_results=0, start_index=0, items_per_page=0)
    if len(ids) > ID_LIST_BATCH:
        raise ValueError(f"at most {ID_LIST_BATCH} ids a request, not {len(ids)}")
    # max_results must cover the ids: the API's default is 10.
    params = {"id_list": ",".join(ids), "start": "0", "max_results": str(len(ids))}
    response = http.get(api_url, source, params=params)
    page = parse_api_response(response.content, source)  # a 400's error feed raises here
    if response.status_code != 200:
        raise BadResponseError(f"{source}: HTTP {response.status_code}")
    return page
