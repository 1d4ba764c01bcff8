"""Any RSS or Atom feed a user follows: a journal's table of contents, a conference's
accepted papers. feedparser reads the feed; radar turns entries into papers with an id
qualified by where they came from (the DOI when the feed gives one)."""

from __future__ import annotations

import calendar
import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from radar.errors import BadResponseError
from radar.model import Author, Paper
from radar.sources.arxiv_rss import split_creators
from radar.text import one_line

if TYPE_CHECKING:
    from radar.http import Http

# A DOI ends at white space, quotes, brackets or a URL's query: "?af=R" is no part of it.
# An old SICI DOI holds "<...>" ("10.1002/(SICI)...<1661::AID-SIM968>3.0.CO;2-2"): a
# bracketed run is part of it; a lone "<" or ">" (markup around it) is not.
_DOI_RE = re.compile(r"\b(10\.\d{4,9}/(?:[^\s\"<>?#]|<[^\s\"<>?#/][^\s\"<>?#]*>)+)", re.IGNORECASE)


@dataclass
class FeedPage:
    title: str
    papers: list[Paper] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


@dataclass
class FeedFetch:
    page: FeedPage | None  # None: unchanged since last time (HTTP 304)
    etag: str | None
    last_modified: str | None


_SCRIPT_TAG_RE = re.compile(r"<(sub|sup)>([^<>]*)</\1>", re.IGNORECASE)


def _as_script(m: re.Match[str]) -> str:
    import html

    from radar.readable import scripted

    inner = html.unescape(m.group(2))
    sub = m.group(1).lower() == "sub"
    as_script = scripted(inner, sub)
    return html.escape(as_script if as_script is not None else ("_" if sub else "^") + inner)


def _text_of(html_or_text: str | None) -> str:
    """Feed titles and summaries are often HTML: keep the words, drop the markup (lxml
    does the parsing); a subscript or superscript becomes Unicode where Unicode has it
    (MoS<sub>2</sub> -> MoS₂), else stays as it was written (x_ij) in the text."""
    if not html_or_text:
        return ""
    if "<" not in html_or_text and "&" not in html_or_text:
        return one_line(html_or_text)
    from lxml import html

    try:
        root = html.fromstring(f"<div>{_SCRIPT_TAG_RE.sub(_as_script, html_or_text)}</div>")
        return one_line(root.text_content())
    except Exception:  # lxml refuses some fragments; the raw text is still better than nothing
        return one_line(re.sub(r"<[^>]*>", " ", html_or_text))


def find_doi(entry: Any) -> str | None:
    for key in ("prism_doi", "dc_identifier", "doi"):
        value = entry.get(key)
        if value:
            m = _DOI_RE.search(str(value))
            if m:
                return m.group(1).rstrip(".,;)]").lower()
    for candidate in (entry.get("id"), entry.get("link")):
        if candidate and "doi" in str(candidate).lower():
            m = _DOI_RE.search(str(candidate))
            if m:
                return m.group(1).rstrip(".,;)]").lower()
    return None


def _authors(entry: Any) -> list[Author]:
    names = [a.get("name", "") for a in entry.get("authors", []) if a.get("name")]
    # "Dey, Pritam" is one person; "A B, C D, E F" or "A and B" is a list.
    if len(names) == 1 and (names[0].count(",") >= 2 or " and " in names[0]):
        # Many feeds put every author in one string; split it like a listing's dc:creator.
        return split_creators(names[0].replace(" and ", ", "))
    return [Author(one_line(n)) for n in names]


def _when(entry: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)  # feedparser gives UTC
    return None


_XML_ENCODING_RE = re.compile(r"""^(\s*<\?xml[^>]*?)\s+encoding\s*=\s*["'][^"']*["']""")


def _redecoded(content: bytes, source: str) -> bytes:
    """The feed as UTF-8, decoded in the encoding charset-normalizer finds (it comes with
    requests), its XML declaration saying so; a BadResponseError when none fits."""
    from charset_normalizer import from_bytes

    best = from_bytes(content).best()
    if best is None:
        raise BadResponseError(
            f"{source}: the feed's declared character encoding is wrong and no other fits; "
            "refused rather than stored garbled"
        )
    text = _XML_ENCODING_RE.sub(r"\1", str(best), count=1)
    return text.encode("utf-8")


def parse_feed(content: bytes, source: str, source_key: str) -> FeedPage:
    import feedparser

    parsed: Any = feedparser.parse(content)
    if parsed.bozo and isinstance(parsed.bozo_exception, feedparser.CharacterEncodingOverride):
        # The declared encoding is wrong and feedparser fell back on a guess, which for
        # Japanese or Russian text is mojibake: decode with a detector instead, or refuse.
        parsed = feedparser.parse(_redecoded(content, source))
        if parsed.bozo and isinstance(parsed.bozo_exception, feedparser.CharacterEncodingOverride):
            raise BadResponseError(
                f"{source}: the feed's declared character encoding is wrong; refused rather than stored garbled"
            )
    if parsed.bozo and not isinstance(parsed.bozo_exception, feedparser.CharacterEncodingOverride):
        raise BadResponseError(f"{source}: not a well-formed feed ({parsed.bozo_exception})")
    if not parsed.version:
        raise BadResponseError(f"{source}: not an RSS or Atom feed (an HTML page or another document)")
    title = one_line(parsed.feed.get("title")) or source
    page = FeedPage(title=title)
    for entry in parsed.entries:
        # Titles are text, as summaries are: a title of type html or xhtml (feedparser
        # says which) has its markup read, and a plain one keeps its "<" as a character.
        detail = entry.get("title_detail") or {}
        is_html = detail.get("type") in ("text/html", "application/xhtml+xml")
        paper_title = _text_of(entry.get("title")) if is_html else one_line(entry.get("title"))
        link = entry.get("link") or ""
        if not paper_title:
            page.skipped.append(one_line(f"{link or 'entry'}: no title"))
            continue
        doi = find_doi(entry)
        anchor = doi or entry.get("id") or link or paper_title
        paper_id = f"doi:{doi}" if doi else "feed:" + hashlib.sha1(anchor.encode()).hexdigest()[:16]
        # A feed's dates are its own: one in the future must not become "today's"
        # listing, and an undated entry counts as seen today.
        now = datetime.now(UTC)
        when = min(_when(entry) or now, now)
        page.papers.append(
            Paper(
                id=paper_id,
                version=1,
                title=paper_title,
                abstract=_text_of(entry.get("summary")),
                authors=_authors(entry),
                primary_category="",
                categories=[],
                published=when,
                updated=when,
                doi=doi,
                announce_type="new",
                announced=when.date(),
                source=source_key,
                source_name=title,
                url=link or None,
            )
        )
    return page


def fetch_feed(
    http: Http, url: str, source_key: str, etag: str | None, last_modified: str | None
) -> FeedFetch:
    source = f"feed {url}"
    from radar.http import validators

    response = http.get(url, source, headers=validators(etag, last_modified))
    if response.status_code == 304:
        return FeedFetch(None, etag, last_modified)
    if response.status_code != 200:
        raise BadResponseError(f"{source}: HTTP {response.status_code}")
    page = parse_feed(response.content, source, source_key)
    return FeedFetch(page, response.headers.get("ETag"), response.headers.get("Last-Modified"))
