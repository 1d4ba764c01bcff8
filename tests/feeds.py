"""Test data in the exact shapes of the real arXiv responses in tests/fixtures/arxiv.

The templates below are the real files' structure (rss.arxiv.org RSS 2.0 items and
export.arxiv.org API Atom entries) with the values left open, so tests can put in
the names and titles they need without inventing a format.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

FIXTURES = Path(__file__).parent / "fixtures" / "arxiv"

RSS_HEAD = """<?xml version='1.0' encoding='UTF-8'?>
<rss xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:content="http://purl.org/rss/1.0/modules/content/" version="2.0">
  <channel>
    <title>{cats} updates on arXiv.org</title>
    <link>http://rss.arxiv.org/rss/{cats_plus}</link>
    <description>{cats} updates on the arXiv.org e-print archive.</description>
    <atom:link href="http://rss.arxiv.org/rss/{cats_plus}" rel="self" type="application/rss+xml"/>
    <docs>http://www.rssboard.org/rss-specification</docs>
    <language>en-us</language>
    <lastBuildDate>{day_rfc} 08:58:05 +0000</lastBuildDate>
    <managingEditor>rss-help@arxiv.org</managingEditor>
    <pubDate>{day_rfc} 00:00:00 -0400</pubDate>
    <skipDays>
      <day>Sunday</day>
      <day>Saturday</day>
    </skipDays>
"""

RSS_ITEM = """    <item>
      <title>{title}</title>
      <link>https://arxiv.org/abs/{id}</link>
      <description>arXiv:{id}v{version} Announce Type: {announce} 
Abstract: {abstract}</description>
      <guid isPermaLink="false">oai:arXiv.org:{id}v{version}</guid>
{categories}      <pubDate>{day_rfc} 00:00:00 -0400</pubDate>
      <arxiv:announce_type>{announce}</arxiv:announce_type>
      <dc:rights>http://creativecommons.org/licenses/by/4.0/</dc:rights>
      <dc:creator>{creators}</dc:creator>
    </item>
"""

RSS_TAIL = """  </channel>
</rss>
"""

API_HEAD = """<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">
  <id>https://arxiv.org/api/x191cA4DP50d5BMySOYKYRWV5Es</id>
  <title>arXiv Query: search_query={query}&amp;id_list=&amp;start={start}&amp;max_results={per_page}</title>
  <updated>2026-11-20T22:45:06Z</updated>
  <link href="https://arxiv.org/api/query?search_query={query}&amp;start={start}&amp;max_results={per_page}&amp;id_list=" type="application/atom+xml"/>
  <opensearch:itemsPerPage>{per_page}</opensearch:itemsPerPage>
  <opensearch:totalResults>{total}</opensearch:totalResults>
  <opensearch:startIndex>{start}</opensearch:startIndex>
"""

API_ENTRY = """  <entry>
    <id>http://arxiv.org/abs/{id}v{version}</id>
    <title>{title}</title>
    <updated>{updated}</updated>
    <link href="https://arxiv.org/abs/{id}v{version}" rel="alternate" type="text/html"/>
    <link href="https://arxiv.org/pdf/{id}v{version}" rel="related" type="application/pdf" title="pdf"/>
    <summary>{abstract}</summary>
{categories}    <published>{published}</published>
    <arxiv:primary_category term="{primary}"/>
{authors}  </entry>
"""

API_TAIL = "</feed>\n"

WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


@dataclass
class Item:
    id: str
    title: str = "A study of things"
    authors: list[str] = field(default_factory=lambda: ["Ada Lovelace"])
    categories: list[str] = field(default_factory=lambda: ["cs.LG"])
    abstract: str = "We study things and find results."
    version: int = 1
    announce: str = "new"
    published: str = "2026-11-19T17:59:01Z"
    updated: str | None = None


def _rfc_day(day: str) -> str:
    from datetime import date

    d = date.fromisoformat(day)
    return f"{WEEKDAYS[d.weekday()]}, {d.day:02d} {MONTHS[d.month - 1]} {d.year}"


def rss_feed(items: list[Item], day: str = "2026-11-20", cats: tuple[str, ...] = ("cs.LG",)) -> bytes:
    day_rfc = _rfc_day(day)
    parts = [RSS_HEAD.format(cats=", ".join(cats), cats_plus="+".join(cats), day_rfc=day_rfc)]
    for it in items:
        parts.append(
            RSS_ITEM.format(
                id=it.id,
                version=it.version,
                announce=it.announce,
                title=escape(it.title),
                abstract=escape(it.abstract),
                categories="".join(f"      <category>{escape(c)}</category>\n" for c in it.categories),
                creators=escape(", ".join(it.authors)),
                day_rfc=day_rfc,
            )
        )
    parts.append(RSS_TAIL)
    return "".join(parts).encode()


def api_feed(items: list[Item], total: int | None = None, start: int = 0, query: str = "all:test") -> bytes:
    parts = [
        API_HEAD.format(
            query=escape(query, {'"': "&quot;"}),
            start=start,
            per_page=len(items),
            total=len(items) if total is None else total,
        )
    ]
    for it in items:
        parts.append(
            API_ENTRY.format(
                id=it.id,
                version=it.version,
                title=escape(it.title),
                abstract=escape(it.abstract),
                updated=it.updated or it.published,
                published=it.published,
                primary=it.categories[0],
                categories="".join(
                    f'    <category term="{escape(c)}" scheme="http://arxiv.org/schemas/atom"/>\n'
                    for c in it.categories
                ),
                authors="".join(
                    f"    <author>\n      <name>{escape(a)}</name>\n    </author>\n" for a in it.authors
                ),
            )
        )
    parts.append(API_TAIL)
    return "".join(parts).encode()


def write(path: Path, content: bytes) -> Path:
    path.write_bytes(content)
    return path
