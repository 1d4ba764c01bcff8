"""How many API requests `radar fetch` makes, and how fast it parses and stores a backfill,
against a synthetic arXiv served over loopback HTTP.

Run it from the repository root:

    uv run python benchmarks/bench_fetch.py               # serve, fetch, time, report
    uv run python benchmarks/bench_fetch.py --check       # the same, exit 1 if a budget is missed
    uv run python benchmarks/bench_fetch.py --runs 5 --profile --authors 10,60,200,500

The budget (from the issue): a benchmark that serves a synthetic corpus from a local HTTP
server and reports API requests per fetch for 10 / 60 / 200 followed authors, and
parse+store throughput in papers per second for a 20,000-paper backfill (target: at least
5,000 papers/s with the delay at 0). This script also checks that an incremental fetch costs
ceil(N / 10) API requests (radar batches ten authors per query).

What it does:

1. Byte-compiles the environment's site-packages and src/radar, as bench_today.py does:
   installs made by pip or uv tool carry .pyc files, and a machine with
   PYTHONDONTWRITEBYTECODE=1 would otherwise compile every imported module on every run.
2. Generates two corpora from a fixed seed, with bench_today.py's name pool (skewed author
   productivity, common surnames shared by many people) and text generator (150-250-word
   abstracts), 1-12 authors a paper and categories weighted to cs.LG, cs.AI and stat.ML:
   - "all of arXiv" for the author queries: 40,000 papers over the 420 days before now
     (dates are relative to the current time, since radar's first fetch looks back 365 days
     from its own clock);
   - the backfill: 20,000 papers in cs.AI / cs.LG / stat.ML submitted between two listing
     days three weeks apart (from four days before the first, where radar's backfill query
     starts), plus papers in other categories and earlier days that the query must leave out.
3. Serves them from a ThreadingHTTPServer on 127.0.0.1 (HTTP/1.1, keep-alive) that answers
   like arXiv: /api/query evaluates radar's search_query (`au:(given AND surname)` terms
   joined by OR, `ti:`/`abs:` phrases, `cat:` and `submittedDate:[A TO B]`, AND / OR /
   ANDNOT, parentheses) over the whole corpus and pages it with start / max_results, sorted
   by lastUpdatedDate, with totalResults; `au:` matches words anywhere in the author list, as
   arXiv's search does, so the followed authors come back with namesakes and co-author
   coincidences that radar must filter out. /rss/<cats> serves one listing with an ETag and
   answers 304 to If-None-Match. Every response is built with tests/feeds.py's api_feed and
   rss_feed, so the XML has the real arXiv shape; rendered pages are cached, so the server's
   own work is not timed twice.
4. Requests per fetch: for each N (10, 60, 200 by default) a fresh RADAR_HOME follows N
   authors (radar.follows.add_follow, as `radar follow --no-fetch` does), runs
   `radar fetch --format json` through the installed console script, adds a few new papers
   by followed authors to the corpus, and fetches again. radar's own request count is
   cross-checked against the server's, and radar's own name matcher counts the followed
   authors' papers in the first fetch's 365-day window that were not stored (a batch of ten
   new follows shares one limit of results).
5. Throughput: a fresh RADAR_HOME follows cs.AI, cs.LG and stat.ML, fetches the listing of
   one Friday, then three weeks later the next Friday's listing (about 1,100 papers): radar
   sees the missed listing days and backfills them through the API (pages of 2000). One
   untimed warm-up, then --runs rounds, each measuring in turn (a) parse only
   (radar.sources.arxiv_api.parse_api_response over the backfill's pages, in memory),
   (b) store only (one radar.ingest.save_papers call with all the backfill's papers, into a
   store holding the follows and both listings), (c) HTTP + parse
   (radar.sources.arxiv_api.ApiQuery over loopback, in process) and (d) the whole
   `radar fetch`, whose papers/s is the backfill's papers over the seconds radar reports for
   the fetch (listing included; process start-up is shown separately). Medians are reported.
   In (d) radar parses each big page in a worker process while it stores the page before
   and asks for the page after, so (d) can take less than (a) and (b) together.

The commands run with RADAR_HOME pointing at fresh temporary directories, the API and
listing URLs at the local server and RADAR_ARXIV_DELAY=0, so no personal config or
database is involved and nothing reaches arXiv. It is a report: the exit code is 0 unless
--check is given and a budget is missed. --profile (or a missed throughput budget) adds a
cProfile of the store path.
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import json
import math
import os
import pstats
import random
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from radar.fetch import INITIAL_WINDOW
from radar.follows import add_follow
from radar.http import Http
from radar.ingest import save_papers
from radar.model import Paper
from radar.names import ParsedName, match_strength, normalise, parse_name
from radar.sources.arxiv_api import ApiPage, ApiQuery, parse_api_response
from radar.sources.arxiv_rss import parse_listing
from radar.store import open_db
from radar.taxonomy import CATEGORIES

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "tests")]
from bench_today import (  # noqa: E402
    AUTHOR_OFFSET,
    AUTHORS_PER_PAPER,
    HEAVY_CATEGORIES,
    OTHER_CATEGORY_WEIGHT,
    POOL_SIZE,
    Picker,
    Text,
    byte_compile,
    name_pool,
    zipf,
)
from feeds import Item, api_feed, rss_feed  # noqa: E402

TARGET = 5_000.0  # papers per second, whole fetch, delay 0
BATCH = 10  # authors per API query in radar.fetch (BATCH there): the expected requests
SEED = 20261122

# "All of arXiv" for the author queries.
AUTHOR_PAPERS = 40_000
AUTHOR_SPAN_DAYS = 420
FOLLOW_MAX_RANK = 20_000  # followed authors range from the most productive to this rank
NEW_PAPERS = 5  # added between the first and the incremental fetch

# The backfill: a listing on one Friday, the next one three weeks later.
BACKFILL_CATEGORIES = ("cs.AI", "cs.LG", "stat.ML")
LAST_LISTING = date(2026, 10, 30)
CURRENT_LISTING = date(2026, 11, 20)
BACKFILL_PAPERS = 20_000
EARLIER_PAPERS = 2_000  # in the categories, submitted before the gap: the query must skip them
# radar.fetch's backfill asks for submissions from this many days before the last listing day
# (Friday afternoon's submissions, announced on Monday, sit behind a weekend).
BACKFILL_LOOKBACK = 4
WEEKEND_SHARE = 0.35  # submissions on a weekend day relative to a weekday

# Primary categories: an ML-heavy arXiv, weighted to cs.LG, cs.AI and stat.ML.
CATEGORY_WEIGHTS = {**HEAVY_CATEGORIES, "cs.LG": 30.0, "cs.AI": 14.0, "stat.ML": 9.0}

ATOM = "application/atom+xml; charset=utf-8"
RSS = "application/rss+xml; charset=utf-8"


def parse_here(content: bytes, source: str) -> Callable[[], ApiPage[Paper]]:
    """ApiQuery's parse step in this process, without preparing rows: HTTP + parse only."""
    return lambda: parse_api_response(content, source)


def stamp(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


# --- the synthetic corpus -------------------------------------------------------------------


class Generator:
    """Papers as tests/feeds.py Items: names from a shared pool, text and choices from `seed`."""

    def __init__(self, pool: list[str], seed: int) -> None:
        self.rng = random.Random(seed)
        self.authors = Picker(pool, zipf(len(pool), offset=AUTHOR_OFFSET))
        self.text = Text(random.Random(seed + 1))
        weights = {c: CATEGORY_WEIGHTS.get(c, OTHER_CATEGORY_WEIGHT) for c in CATEGORIES}
        self.categories = Picker(list(weights), list(weights.values()))
        self.counters: dict[str, int] = {}

    def new_id(self, submitted: datetime) -> str:
        month = f"{submitted.year % 100:02d}{submitted.month:02d}"
        self.counters[month] = self.counters.get(month, 0) + self.rng.randint(1, 3)
        return f"{month}.{self.counters[month]:05d}"

    def pick_categories(self) -> list[str]:
        rng = self.rng
        cats = [self.categories.one(rng)]
        for _ in range(rng.choices((0, 1, 2, 3), (35, 35, 20, 10))[0]):
            extra = self.categories.one(rng)
            if extra not in cats:
                cats.append(extra)
        return cats

    def item(
        self,
        published: datetime,
        updated: datetime,
        version: int,
        categories: list[str] | None = None,
        with_authors: Iterable[str] = (),
    ) -> Item:
        rng = self.rng
        k = rng.choices(range(1, 13), AUTHORS_PER_PAPER)[0]
        names = dict.fromkeys(with_authors)
        while len(names) < k:
            names[self.authors.one(rng)] = None
        authors = list(names)
        rng.shuffle(authors)
        phrases = self.text.phrases()
        return Item(
            id=self.new_id(published),
            title=self.text.title(phrases),
            authors=authors,
            categories=categories or self.pick_categories(),
            abstract=self.text.abstract(phrases),
            version=version,
            published=stamp(published),
            updated=stamp(updated),
        )

    def versioned(self, published: datetime, latest: datetime, revised: float) -> tuple[datetime, int]:
        """(updated, version): most papers are at v1; revisions come days to months later."""
        rng = self.rng
        if rng.random() >= revised:
            return published, 1
        version = rng.choices((2, 3, 4), (60, 28, 12))[0]
        updated = published + timedelta(days=rng.randint(1, 150), seconds=rng.randrange(86_400))
        # A revision that would come after the corpus ends has not happened yet.
        return (updated, version) if updated <= latest else (published, 1)


def author_corpus(gen: Generator, newest: datetime) -> list[Item]:
    """Every field's papers over AUTHOR_SPAN_DAYS up to `newest`, for the author queries."""
    rng = gen.rng
    span = AUTHOR_SPAN_DAYS * 86_400
    submitted = sorted(newest - timedelta(seconds=rng.randrange(span)) for _ in range(AUTHOR_PAPERS))
    items = []
    for published in submitted:
        updated, version = gen.versioned(published, newest, revised=0.25)
        items.append(gen.item(published, updated, version))
    return items


def followed_authors(pool: list[str], n: int, seed: int) -> list[str]:
    """N full names (no initials) from the most productive to FOLLOW_MAX_RANK, log-spaced,
    followed in a shuffled order so every batch of ten mixes productivities."""
    chosen: list[str] = []
    used: set[int] = set()
    for i in range(n):
        rank = round(FOLLOW_MAX_RANK ** (i / max(1, n - 1))) - 1
        while rank in used or pool[rank].split()[0].endswith("."):
            rank += 1
        used.add(rank)
        chosen.append(pool[rank])
    random.Random(seed).shuffle(chosen)
    return chosen


def new_papers(gen: Generator, follows: list[str], now: datetime) -> list[Item]:
    """A few papers submitted in the last minutes, each by one of the followed authors."""
    step = max(1, len(follows) // NEW_PAPERS)
    items = []
    for i in range(NEW_PAPERS):
        when = now - timedelta(minutes=NEW_PAPERS - i)
        items.append(gen.item(when, when, 1, with_authors=[follows[(i * step) % len(follows)]]))
    return items


@dataclass
class Backfill:
    items: list[Item]  # everything the API serves
    matching: int  # papers the backfill query returns
    first_listing: list[Item]
    current_listing: list[Item]


def backfill_corpus(gen: Generator, papers: int) -> Backfill:
    rng = gen.rng
    followed = set(BACKFILL_CATEGORIES)
    gap_start = datetime(LAST_LISTING.year, LAST_LISTING.month, LAST_LISTING.day, tzinfo=UTC) - timedelta(
        days=BACKFILL_LOOKBACK
    )
    span = (CURRENT_LISTING - LAST_LISTING).days + BACKFILL_LOOKBACK  # up to the day before the listing
    days = [gap_start + timedelta(days=i) for i in range(span)]
    weights = [1.0 if d.weekday() < 5 else WEEKEND_SHARE for d in days]
    latest = days[-1] + timedelta(days=1)
    # Submission times first, in order, so ids grow with time as arXiv's do.
    plan: list[tuple[datetime, list[str]]] = []
    matching = 0
    while matching < papers:
        cats = gen.pick_categories()
        matching += bool(followed.intersection(cats))
        day = rng.choices(days, weights)[0]
        plan.append((day + timedelta(seconds=rng.randrange(86_400)), cats))
    for _ in range(EARLIER_PAPERS):
        cats = [rng.choice(BACKFILL_CATEGORIES), *gen.pick_categories()[1:]]
        day = gap_start - timedelta(days=rng.randint(1, 28))
        plan.append((day + timedelta(seconds=rng.randrange(86_400)), list(dict.fromkeys(cats))))
    plan.sort(key=lambda p: p[0])
    items = []
    for published, cats in plan:
        updated, version = gen.versioned(published, latest, revised=0.08)
        if published < gap_start:
            updated, version = published, 1  # keeps the earlier papers out of the listings' days
        items.append(gen.item(published, updated, version, categories=cats))

    def listed(day: date) -> list[Item]:
        # A listing day announces what was submitted on the weekday before it.
        wanted = (day - timedelta(days=1)).isoformat()
        return [
            it for it in items if it.published.startswith(wanted) and followed.intersection(it.categories)
        ]

    return Backfill(items, matching, listed(LAST_LISTING), listed(CURRENT_LISTING))


# --- the stand-in arXiv ---------------------------------------------------------------------


class QueryError(ValueError):
    pass


_TOKEN = re.compile(
    r'\s*(?:(?P<field>[A-Za-z_]+):|(?P<lp>\()|(?P<rp>\))|(?P<phrase>"[^"]*")|(?P<range>\[[^\]]*\])'
    r'|(?P<word>[^\s()"\[\]]+))'
)
_RANGE = re.compile(r"\[\s*(\d{8,12})\s+TO\s+(\d{8,12})\s*\]")
OPERATORS = ("AND", "OR", "ANDNOT")


def tokenize(query: str) -> list[tuple[str, str]]:
    tokens = []
    query = query.strip()
    pos = 0
    while pos < len(query):
        m = _TOKEN.match(query, pos)
        if m is None or m.lastgroup is None:
            raise QueryError(f"cannot read the query at {query[pos : pos + 20]!r}")
        tokens.append((m.lastgroup, m.group(m.lastgroup)))
        pos = m.end()
    return tokens


class Corpus:
    """The papers the API searches, newest lastUpdatedDate first, with the indexes it needs."""

    def __init__(self, items: list[Item]) -> None:
        self.items = sorted(items, key=lambda it: (it.updated or it.published, it.id), reverse=True)
        self.submitted = [self.minutes(it.published) for it in self.items]
        self.updated = [self.minutes(it.updated or it.published) for it in self.items]
        self.by_token: dict[str, set[int]] = {}
        self.by_category: dict[str, set[int]] = {}
        self.author_names: list[list[str]] = []
        names: dict[str, str] = {}
        for i, it in enumerate(self.items):
            normalised = [names.get(a) or names.setdefault(a, normalise(a)) for a in it.authors]
            self.author_names.append(normalised)
            for token in {t for name in normalised for t in name.split()}:
                self.by_token.setdefault(token, set()).add(i)
            for category in it.categories:
                self.by_category.setdefault(category, set()).add(i)
        self._texts: dict[str, list[str]] = {}
        self._results: dict[str, list[int]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def minutes(iso: str) -> str:
        return iso[0:4] + iso[5:7] + iso[8:10] + iso[11:13] + iso[14:16]

    def search(self, query: str) -> list[int]:
        """Indexes of the matching papers, in lastUpdatedDate descending order."""
        with self._lock:
            found = self._results.get(query)
            if found is None:
                found = self._results[query] = sorted(_Parser(self, query).parse())
            return found

    def texts(self, field: str) -> list[str]:
        if field not in self._texts:
            parts = {
                "ti": lambda it, i: it.title,
                "abs": lambda it, i: it.abstract,
                "all": lambda it, i: " ".join([it.title, it.abstract, *self.author_names[i]]),
            }[field]
            self._texts[field] = [f" {normalise(parts(it, i))} " for i, it in enumerate(self.items)]
        return self._texts[field]

    def term(self, field: str, kind: str, text: str) -> set[int]:
        if field in ("submittedDate", "lastUpdatedDate"):
            m = _RANGE.fullmatch(text) if kind == "range" else None
            if m is None:
                raise QueryError(f"{field} needs a range [YYYYMMDDHHMM TO YYYYMMDDHHMM], not {text!r}")
            low, high = m.group(1).ljust(12, "0"), m.group(2).ljust(12, "9")
            stamps = self.submitted if field == "submittedDate" else self.updated
            return {i for i, s in enumerate(stamps) if low <= s <= high}
        if kind == "range":
            raise QueryError(f"a range is for dates, not {field}")
        if field == "cat":
            return self.by_category.get(text.strip('"'), set())
        words = normalise(text.strip('"').replace("_", " ")).split()
        if not words:
            return set()
        if field == "au":
            if len(words) == 1:
                return self.by_token.get(words[0], set())
            # A phrase (au:"del maestro", au:del_maestro): the words in a row in one name.
            needle = f" {' '.join(words)} "
            return {
                i
                for i in self.by_token.get(words[0], set())
                if any(needle in f" {name} " for name in self.author_names[i])
            }
        if field in ("ti", "abs", "all"):
            needle = f" {' '.join(words)} "
            return {i for i, t in enumerate(self.texts(field)) if needle in t}
        raise QueryError(f"unknown field {field!r}")


class _Parser:
    """search_query grammar: OR of ANDs of terms, `field:(...)` groups, parentheses."""

    def __init__(self, corpus: Corpus, query: str) -> None:
        self.corpus = corpus
        self.tokens = tokenize(query)
        self.at = 0

    def parse(self) -> set[int]:
        result = self.any_of(None)
        if self.at != len(self.tokens):
            raise QueryError(f"unexpected {self.tokens[self.at][1]!r}")
        return result

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.at] if self.at < len(self.tokens) else ("end", "")

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token[0] == "end":
            raise QueryError("the query ends too early")
        self.at += 1
        return token

    def close(self) -> None:
        if self.take()[0] != "rp":
            raise QueryError("a parenthesis is not closed")

    def any_of(self, field: str | None) -> set[int]:
        result = self.all_of(field)
        while self.peek() == ("word", "OR"):
            self.at += 1
            result = result | self.all_of(field)
        return result

    def all_of(self, field: str | None) -> set[int]:
        result = self.atom(field)
        while self.peek() in (("word", "AND"), ("word", "ANDNOT")):
            operator = self.take()[1]
            right = self.atom(field)
            result = result & right if operator == "AND" else result - right
        return result

    def atom(self, field: str | None) -> set[int]:
        kind, text = self.take()
        if kind == "lp":
            result = self.any_of(field)
            self.close()
            return result
        if kind == "field":
            value_kind, value = self.take()
            if value_kind == "lp":
                result = self.any_of(text)
                self.close()
                return result
            if value_kind in ("word", "phrase", "range"):
                return self.corpus.term(text, value_kind, value)
            raise QueryError(f"{text}: has no value")
        if kind in ("phrase", "range") or (kind == "word" and text not in OPERATORS):
            return self.corpus.term(field or "all", kind, text)
        raise QueryError(f"unexpected {text!r}")


@dataclass
class Listing:
    day: date
    items: list[Item]
    etag: str
    last_modified: str


@dataclass
class Served:
    kind: str  # api, rss or other
    status: int
    arrived: float  # time.perf_counter() in this process
    done: float
    entries: int = 0
    params: dict[str, str] = field(default_factory=dict)
    path: str = ""


class FakeArxiv:
    """The state behind the server: the API's corpus, today's listing, and a request log."""

    def __init__(self) -> None:
        self.corpus = Corpus([])
        self.listing = Listing(CURRENT_LISTING, [], '"empty"', "")
        self.log: list[Served] = []
        self.errors: list[str] = []
        self._pages: dict[tuple[int, str, str, int, int], tuple[bytes, int]] = {}
        self._feeds: dict[tuple[str, str], bytes] = {}
        self._lock = threading.Lock()

    def set_corpus(self, items: list[Item]) -> None:
        corpus = Corpus(items)
        with self._lock:
            self.corpus = corpus
            self._pages.clear()

    def set_listing(self, day: date, items: list[Item]) -> None:
        with self._lock:
            self.listing = Listing(
                day,
                items,
                f'"{day.isoformat()}-{len(items)}"',
                format_datetime(datetime(day.year, day.month, day.day, 5, 0, tzinfo=UTC), usegmt=True),
            )

    def record(self, served: Served) -> None:
        with self._lock:
            self.log.append(served)

    def take_log(self) -> list[Served]:
        with self._lock:
            log, self.log = self.log, []
        return log

    def api(self, query: Mapping[str, list[str]]) -> tuple[int, bytes, dict[str, str], int]:
        """(status, body, headers, entries) for /api/query."""
        params = {k: v[-1] for k, v in query.items()}
        search = params.get("search_query", "")
        try:
            start = int(params.get("start", "0"))
            size = min(2000, int(params.get("max_results", "10")))  # arXiv's limit per call
            sort_by = params.get("sortBy", "relevance")
            order = params.get("sortOrder", "descending")
            if sort_by not in ("lastUpdatedDate", "submittedDate", "relevance"):
                raise QueryError(f"unknown sortBy {sort_by!r}")
            if order not in ("ascending", "descending"):
                raise QueryError(f"unknown sortOrder {order!r}")
            if start < 0 or size < 0:
                raise QueryError("start and max_results must not be negative")
            with self._lock:
                corpus = self.corpus
            key = (id(corpus), search, f"{sort_by} {order}", start, size)
            cached = self._pages.get(key)
            if cached is None:
                hits = corpus.search(search)
                if sort_by == "submittedDate":
                    hits = sorted(hits, key=lambda i: (corpus.submitted[i], corpus.items[i].id), reverse=True)
                if order == "ascending":
                    hits = hits[::-1]
                page = [corpus.items[i] for i in hits[start : start + size]]
                cached = (api_feed(page, total=len(hits), start=start, query=search), len(page))
                with self._lock:
                    self._pages[key] = cached
        except (QueryError, ValueError) as exc:
            self.errors.append(f"{search!r}: {exc}")
            return 400, error_feed(str(exc)), {"Content-Type": ATOM}, 0
        return 200, cached[0], {"Content-Type": ATOM}, cached[1]

    def rss(self, cats_path: str, headers: Mapping[str, str]) -> tuple[int, bytes, dict[str, str], int]:
        with self._lock:
            listing = self.listing
        cats = cats_path.split("+")
        if not all(c in CATEGORIES for c in cats):
            self.errors.append(f"listing for unknown categories {cats_path!r}")
            return 404, b"no such feed", {"Content-Type": "text/plain"}, 0
        validators = {"ETag": listing.etag, "Last-Modified": listing.last_modified}
        if headers.get("If-None-Match") == listing.etag:
            return 304, b"", validators, 0
        key = (listing.etag, cats_path)
        body = self._feeds.get(key)
        if body is None:
            wanted = set(cats)
            items = []
            for it in listing.items:
                if not wanted.intersection(it.categories):
                    continue
                own = it.categories[0] in wanted
                announce = (
                    ("new" if own else "cross")
                    if it.version == 1
                    else ("replace" if own else "replace-cross")
                )
                items.append(dataclasses.replace(it, announce=announce))
            body = rss_feed(items, day=listing.day.isoformat(), cats=tuple(cats))
            self._feeds[key] = body
        return 200, body, {"Content-Type": RSS, **validators}, body.count(b"<item>")


def error_feed(message: str) -> bytes:
    """arXiv's answer to a query it cannot run: HTTP 400 and a feed whose one entry is the error."""
    from xml.sax.saxutils import escape

    anchor = "bad_query"
    return (
        "<?xml version='1.0' encoding='UTF-8'?>\n"
        '<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" '
        'xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">\n'
        "  <id>https://arxiv.org/</id>\n  <title>arXiv Search Results</title>\n"
        "  <updated>2026-11-20T22:45:06Z</updated>\n"
        "  <opensearch:itemsPerPage>1</opensearch:itemsPerPage>\n"
        "  <opensearch:totalResults>1</opensearch:totalResults>\n"
        "  <opensearch:startIndex>0</opensearch:startIndex>\n"
        f"  <entry>\n    <id>https://arxiv.org/api/errors#{anchor}</id>\n    <title>Error</title>\n"
        f"    <summary>{escape(message)}</summary>\n"
        "    <author>\n      <name>arXiv api core</name>\n    </author>\n  </entry>\n</feed>\n"
    ).encode()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as arXiv and requests' Session use it

    def do_GET(self) -> None:
        arrived = time.perf_counter()
        arxiv: FakeArxiv = self.server.arxiv  # type: ignore[attr-defined]
        url = urlsplit(self.path)
        params: dict[str, str] = {}
        if url.path == "/api/query":
            query = parse_qs(url.query, keep_blank_values=True)
            params = {k: v[-1] for k, v in query.items()}
            kind = "api"
            status, body, headers, entries = arxiv.api(query)
        elif url.path.startswith("/rss/"):
            kind = "rss"
            status, body, headers, entries = arxiv.rss(unquote(url.path[len("/rss/") :]), self.headers)
        else:
            kind = "other"
            status, body, headers, entries = 404, b"not found", {"Content-Type": "text/plain"}, 0
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)
        arxiv.record(Served(kind, status, arrived, time.perf_counter(), entries, params, url.path))

    def log_message(self, format: str, *args: Any) -> None:
        pass


class Server:
    def __init__(self) -> None:
        self.arxiv = FakeArxiv()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.arxiv = self.arxiv  # type: ignore[attr-defined]
        host, port = self.httpd.server_address[:2]
        self.base = f"http://{host}:{port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="fake-arxiv", daemon=True)

    @property
    def api_url(self) -> str:
        return self.base + "/api/query"

    @property
    def rss_url(self) -> str:
        return self.base + "/rss/"

    def __enter__(self) -> Server:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


# --- running radar --------------------------------------------------------------------------


def child_env(home: Path, server: Server) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("RADAR_", "LITELLM_")) and k not in ("FORCE_COLOR", "PYTHONPROFILEIMPORTTIME")
    }
    env.update(
        RADAR_HOME=str(home),
        RADAR_ARXIV_API_URL=server.api_url,
        RADAR_ARXIV_RSS_URL=server.rss_url,
        RADAR_ARXIV_DELAY="0",
        NO_COLOR="1",
    )
    return env


def radar_fetch(script: Path, env: dict[str, str], server: Server) -> tuple[dict[str, Any], float]:
    """`radar fetch --format json` as a user runs it: (its summary, wall seconds)."""
    started = time.perf_counter()
    proc = subprocess.run([str(script), "fetch", "--format", "json"], env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0 or server.arxiv.errors:
        sys.exit(
            f"radar fetch failed (exit {proc.returncode}):\n{proc.stderr[-2000:]}\n"
            f"server errors: {server.arxiv.errors[:5]}"
        )
    summary: dict[str, Any] = json.loads(proc.stdout)
    return summary, elapsed


def new_home(tmp: str, follows: Iterable[tuple[str, str]]) -> Path:
    """A RADAR_HOME whose store follows these, as `radar follow --no-fetch` leaves it."""
    home = Path(tmp)
    db = open_db(home / "radar.db")
    for kind, value in follows:
        if not add_follow(db, kind, value).created:
            sys.exit(f"{kind} {value!r} was followed twice")
    db.conn.close()
    return home


# --- part 1: requests per fetch -------------------------------------------------------------


@dataclass
class RequestRow:
    authors: int
    first_requests: int
    first_served: int
    first_entries: int
    first_in_window: int
    first_missed: int
    first_kept: int
    namesakes: int
    first_seconds: float
    next_requests: int
    next_served: int
    next_new: int
    next_seconds: float

    @property
    def expected(self) -> int:
        return math.ceil(self.authors / BATCH)


def papers_by(corpus: Corpus, indexes: Iterable[int], follows: list[str]) -> set[str]:
    """Ids of the papers among `indexes` that radar's matcher says are by a followed author."""
    wanted: dict[str, list[ParsedName]] = {}
    for name in follows:
        parsed = parse_name(name)
        wanted.setdefault(parsed.key, []).append(parsed)
    found = set()
    for i in indexes:
        item = corpus.items[i]
        for author in item.authors:
            candidate = parse_name(author)
            if any(match_strength(w, candidate) for w in wanted.get(candidate.key, ())):
                found.add(item.id)
                break
    return found


def requests_per_fetch(
    server: Server, script: Path, pool: list[str], counts: list[int]
) -> tuple[list[RequestRow], str]:
    gen = Generator(pool, SEED)
    newest = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=30)
    started = time.perf_counter()
    corpus = author_corpus(gen, newest)
    note = f"{len(corpus):,} papers over {AUTHOR_SPAN_DAYS} days up to {stamp(newest)}"
    note += f", generated in {time.perf_counter() - started:.1f} s"
    rows = []
    for n in counts:
        follows = followed_authors(pool, n, SEED + n)
        server.arxiv.set_corpus(corpus)
        with tempfile.TemporaryDirectory(prefix="radar-bench-fetch-") as tmp:
            env = child_env(new_home(tmp, (("author", name) for name in follows)), server)
            server.arxiv.take_log()
            cutoff = Corpus.minutes(stamp(datetime.now(UTC) - INITIAL_WINDOW))
            first, first_s = radar_fetch(script, env, server)
            first_log = [s for s in server.arxiv.take_log() if s.kind == "api"]
            queries = {s.params["search_query"] for s in first_log}
            served = server.arxiv.corpus
            # Per query, as the entries are counted: a paper two batches find counts twice.
            window = [[i for i in served.search(q) if served.updated[i] >= cutoff] for q in queries]
            wanted = papers_by(served, {i for hits in window for i in hits}, follows)
            conn = sqlite3.connect(Path(tmp) / "radar.db")
            stored = {row[0] for row in conn.execute("select id from papers")}
            conn.close()
            server.arxiv.set_corpus(corpus + new_papers(gen, follows, datetime.now(UTC)))
            second, second_s = radar_fetch(script, env, server)
            second_log = [s for s in server.arxiv.take_log() if s.kind == "api"]
        rows.append(
            RequestRow(
                authors=n,
                first_requests=first["requests"],
                first_served=len(first_log),
                first_entries=sum(s.entries for s in first_log),
                first_in_window=sum(len(hits) for hits in window),
                first_missed=len(wanted - stored),
                first_kept=first["new"],
                namesakes=len(first["not_counted"]),
                first_seconds=first["seconds"],
                next_requests=second["requests"],
                next_served=len(second_log),
                next_new=second["new"],
                next_seconds=second["seconds"],
            )
        )
        print(f"  {n} authors: done ({first_s + second_s:.1f} s wall)", flush=True)
    return rows, note


def print_requests(rows: list[RequestRow]) -> bool:
    print(
        f"\n{'authors':>7}  {'batches':>7}  {'first: requests':>15}  {'in window':>9}  {'entries':>7}  "
        f"{'kept':>5}  {'missed':>6}  {'namesakes':>9}  {'s':>5}  {'next: requests':>14}  {'new':>4}  {'s':>5}"
    )
    for r in rows:
        print(
            f"{r.authors:>7}  {r.expected:>7}  {r.first_requests:>15}  {r.first_in_window:>9}  "
            f"{r.first_entries:>7}  {r.first_kept:>5}  {r.first_missed:>6}  {r.namesakes:>9}  {r.first_seconds:5.2f}  "
            f"{r.next_requests:>14}  {r.next_new:>4}  {r.next_seconds:5.2f}"
        )
    print(
        "  requests: radar's own count (summary.requests), the same as the server's unless a warning says so;\n"
        "  in window: API results of the batch queries updated in the 365 days a first fetch looks back;\n"
        "  entries: API entries radar read (fewer than in window: a batch reached radar's limit of results\n"
        "  for a first fetch); kept: papers by the followed authors stored; missed: papers by them in the\n"
        "  window that were not stored (cut off by that limit); namesakes: other people with a\n"
        "  followed surname in what the API returned (not counted); s: seconds radar reports;\n"
        f"  next: the incremental fetch after {NEW_PAPERS} new papers by followed authors were added"
    )
    consistent = all(r.first_requests == r.first_served and r.next_requests == r.next_served for r in rows)
    if not consistent:
        print("  WARNING: radar's request count differs from the server's:")
        for r in rows:
            print(
                f"    {r.authors}: first {r.first_requests} vs {r.first_served}, next {r.next_requests} vs {r.next_served}"
            )
    ok = consistent and all(r.next_requests == r.expected and r.next_new == NEW_PAPERS for r in rows)
    detail = ", ".join(f"{r.authors}: {r.next_requests} (expected {r.expected})" for r in rows)
    print(
        f"\n{'PASS' if ok else 'FAIL'}: an incremental fetch costs ceil(N/{BATCH}) API requests and finds the new papers ({detail})"
    )
    return ok


# --- part 2: backfill throughput ------------------------------------------------------------


@dataclass
class WholeFetch:
    seconds: float  # what radar reports for run_fetch
    wall: float  # the process, start-up and exit included
    startup: float  # process start to the listing request
    listing: float  # listing answered to the first API request: parse + store of the listing
    api: float  # first API request to the last page answered: HTTP + parse of pages but the last
    rest: float  # last page answered to process exit: last parse, store, bookkeeping, exit
    listed: int
    pages: list[dict[str, str]]


def whole_fetch(server: Server, script: Path, backfill: Backfill) -> WholeFetch:
    with tempfile.TemporaryDirectory(prefix="radar-bench-fetch-") as tmp:
        home = new_home(tmp, (("category", c) for c in BACKFILL_CATEGORIES))
        env = child_env(home, server)
        server.arxiv.set_listing(LAST_LISTING, backfill.first_listing)
        first, _ = radar_fetch(script, env, server)
        if first["new"] != len(backfill.first_listing) or first["requests"] != 1:
            sys.exit(f"the first listing fetch did not store {len(backfill.first_listing)} papers: {first}")
        server.arxiv.set_listing(CURRENT_LISTING, backfill.current_listing)
        server.arxiv.take_log()
        started = time.perf_counter()
        summary, wall = radar_fetch(script, env, server)
        ended = started + wall
        log = server.arxiv.take_log()
        conn = sqlite3.connect(home / "radar.db")
        stored = conn.execute("select count(*) from papers").fetchone()[0]
        conn.close()
    message = summary["sources"][0]["message"]
    if "backfilled" not in message or stored != backfill.matching:
        sys.exit(f"the backfill did not happen as planned ({stored} papers stored): {message}")
    rss = [s for s in log if s.kind == "rss"]
    api = [s for s in log if s.kind == "api"]
    return WholeFetch(
        seconds=summary["seconds"],
        wall=wall,
        startup=rss[0].arrived - started,
        listing=api[0].arrived - rss[0].done,
        api=api[-1].done - api[0].arrived,
        rest=ended - api[-1].done,
        listed=rss[0].entries,
        pages=[s.params for s in api],
    )


def store_setup(tmp: str, listings: list[list[Any]]) -> Any:
    db = open_db(Path(tmp) / "radar.db")
    for c in BACKFILL_CATEGORIES:
        add_follow(db, "category", c)
    for papers in listings:
        save_papers(db, papers)
    return db


def throughput(server: Server, script: Path, pool: list[str], papers: int, runs: int, profile: bool) -> bool:
    gen = Generator(pool, SEED + 1)
    started = time.perf_counter()
    backfill = backfill_corpus(gen, papers)
    server.arxiv.set_corpus(backfill.items)
    print(
        f"corpus: {len(backfill.items):,} papers, {backfill.matching:,} of them in {'/'.join(BACKFILL_CATEGORIES)} "
        f"submitted {LAST_LISTING - timedelta(days=BACKFILL_LOOKBACK)} to {CURRENT_LISTING - timedelta(days=1)}; listings "
        f"{LAST_LISTING} ({len(backfill.first_listing)}) and {CURRENT_LISTING} ({len(backfill.current_listing)}); "
        f"generated in {time.perf_counter() - started:.1f} s"
    )
    warm = whole_fetch(server, script, backfill)
    query = warm.pages[0]["search_query"]
    page_size = int(warm.pages[0]["max_results"])
    bodies = []
    for params in warm.pages:
        status, body, _, _ = server.arxiv.api({k: [v] for k, v in params.items()})
        bodies.append(body)
    print(
        f"backfill query: {query!r}, {len(warm.pages)} pages of {page_size}, "
        f"{sum(len(b) for b in bodies) / 1e6:.0f} MB of Atom ({sum(len(b) for b in bodies) / papers:,.0f} bytes a paper)"
    )
    cats = "+".join(BACKFILL_CATEGORIES)
    listings = []
    for day, items in ((LAST_LISTING, backfill.first_listing), (CURRENT_LISTING, backfill.current_listing)):
        server.arxiv.set_listing(day, items)
        listings.append(parse_listing(server.arxiv.rss(cats, {})[1]).papers)

    parse_s: list[float] = []
    store_s: list[float] = []
    http_s: list[float] = []
    whole: list[WholeFetch] = []
    parsed: list[Any] = []
    for round_ in range(runs):
        t = time.perf_counter()
        pages = [parse_api_response(body, "bench") for body in bodies]
        parse_s.append(time.perf_counter() - t)
        parsed = [p for page in pages for p in page.papers]
        if len(parsed) != papers:
            sys.exit(f"parsed {len(parsed)} papers, expected {papers}")

        with tempfile.TemporaryDirectory(prefix="radar-bench-store-") as tmp:
            db = store_setup(tmp, listings)
            t = time.perf_counter()
            counts = save_papers(db, parsed)
            store_s.append(time.perf_counter() - t)
            db.conn.close()
        if counts.new + counts.updated + counts.unchanged != papers:
            sys.exit(f"save_papers accounted for {counts.new + counts.updated + counts.unchanged} papers")

        t = time.perf_counter()
        fetched = ApiQuery(Http(delay=0), server.api_url, query, "bench", None, 30_000, parse_here, page_size)
        got = sum(len(page) for page in fetched)
        http_s.append(time.perf_counter() - t)
        if got != papers:
            sys.exit(f"ApiQuery gave {got} papers, expected {papers}")

        whole.append(whole_fetch(server, script, backfill))
        print(f"  round {round_ + 1} of {runs}: whole fetch {whole[-1].seconds:.2f} s", flush=True)

    median = statistics.median
    mid = sorted(whole, key=lambda w: w.seconds)[len(whole) // 2]
    rows = [
        ("(a) parse only: parse_api_response, pages in memory", parse_s),
        ("(b) store only: one save_papers call", store_s),
        ("(c) HTTP + parse: ApiQuery over loopback", http_s),
        ("(d) whole fetch: `radar fetch` (listing + backfill)", [w.seconds for w in whole]),
    ]
    width = max(len(label) for label, _ in rows)
    print(
        f"\n{'step (' + format(papers, ',') + ' papers)':<{width}}  {'median s':>8}  {'min s':>6}  {'papers/s':>8}"
    )
    for label, samples in rows:
        print(
            f"{label:<{width}}  {median(samples):8.3f}  {min(samples):6.3f}  {papers / median(samples):8,.0f}"
        )
    print(
        f"  (d) is the seconds radar reports for the fetch; the process took {median([w.wall for w in whole]):.2f} s "
        f"(median wall). Median run, by the server's clock: start-up {mid.startup:.2f} s, listing of "
        f"{mid.listed:,} parsed + stored {mid.listing:.2f} s, {len(mid.pages)} API pages fetched + parsed "
        f"{mid.api:.2f} s, last page's parse + store + bookkeeping + exit {mid.rest:.2f} s"
    )
    rate = papers / median([w.seconds for w in whole])
    passed = rate >= TARGET
    print(
        f"\n{'PASS' if passed else 'FAIL'}: whole fetch {rate:,.0f} papers/s for a {papers:,}-paper backfill "
        f"with the delay at 0; target {TARGET:,.0f} papers/s"
    )
    if profile or not passed:
        profile_store(listings, parsed)
    return passed


def profile_store(listings: list[list[Any]], papers: list[Any]) -> None:
    with tempfile.TemporaryDirectory(prefix="radar-bench-store-") as tmp:
        db = store_setup(tmp, listings)
        profiler = cProfile.Profile()
        profiler.enable()
        save_papers(db, papers)
        profiler.disable()
        db.conn.close()
    stats = pstats.Stats(profiler)
    total = stats.total_tt  # type: ignore[attr-defined]
    entries = stats.stats  # type: ignore[attr-defined]

    def where(key: tuple[str, int, str]) -> str:
        filename, line, name = key
        if filename == "~":
            return name
        parts = Path(filename).parts
        short = "/".join(parts[parts.index("radar") :]) if "radar" in parts else Path(filename).name
        return f"{short}:{line} {name}"

    print(f"\ncProfile of save_papers on {len(papers):,} papers ({total:.2f} s under the profiler):")
    for title, index in (("self time", 2), ("cumulative", 3)):
        print(f"  top by {title}:  {'calls':>9}  {'self s':>7}  {'cum s':>7}")
        ranked = sorted(entries.items(), key=lambda kv: kv[1][index], reverse=True)
        for key, (_cc, calls, tt, ct, _callers) in ranked[:15]:
            print(f"    {calls:>9}  {tt:7.3f}  {ct:7.3f}  {where(key)}")

    # SQLite's share, statement by statement, without the profiler's overhead.
    with tempfile.TemporaryDirectory(prefix="radar-bench-store-") as tmp:
        db = store_setup(tmp, listings)
        pragmas = {p: db.execute(f"pragma {p}").fetchone()[0] for p in ("journal_mode", "synchronous")}
        timed = TimedConnection(db.conn)
        db.conn = timed
        started = time.perf_counter()
        save_papers(db, papers)
        elapsed = time.perf_counter() - started
        db.conn = timed.conn
        db.conn.close()
    in_sql = sum(t for t, _ in timed.times.values())
    print(
        f"\nSQL statements in save_papers ({elapsed:.2f} s in all, {in_sql:.2f} s in SQLite, "
        f"{elapsed - in_sql:.2f} s in Python; journal_mode={pragmas['journal_mode']}, "
        f"synchronous={pragmas['synchronous']}; a select counts until its first row):"
    )
    print(f"  {'s':>6}  {'calls':>5}  statement")
    for sql, (seconds, calls) in sorted(timed.times.items(), key=lambda kv: kv[1][0], reverse=True)[:10]:
        print(f"  {seconds:6.3f}  {calls:>5}  {sql}")


class TimedConnection:
    """Stands in for db.conn and adds up the time SQLite spends in each kind of statement."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.times: dict[str, tuple[float, int]] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self.conn, name)

    def _timed(self, method: Any, sql: str, *args: Any) -> Any:
        started = time.perf_counter()
        result = method(sql, *args)
        elapsed = time.perf_counter() - started
        key = re.sub(r"\?(, \?)+", "?, ...", " ".join(sql.split()))
        key = key if len(key) <= 100 else key[:97] + "..."
        seconds, calls = self.times.get(key, (0.0, 0))
        self.times[key] = (seconds + elapsed, calls + 1)
        return result

    def execute(self, sql: str, *args: Any) -> Any:
        return self._timed(self.conn.execute, sql, *args)

    def executemany(self, sql: str, *args: Any) -> Any:
        return self._timed(self.conn.executemany, sql, *args)


# --- main -----------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--authors", default="10,60,200", help="followed-author counts for part 1 (default 10,60,200)"
    )
    parser.add_argument(
        "--papers",
        type=int,
        default=BACKFILL_PAPERS,
        help=f"papers in the backfill (default {BACKFILL_PAPERS})",
    )
    parser.add_argument("--runs", type=int, default=3, help="timed rounds of part 2 (default 3)")
    parser.add_argument("--profile", action="store_true", help="add a cProfile of the store path")
    parser.add_argument("--check", action="store_true", help="exit 1 if a budget is missed")
    args = parser.parse_args()
    try:
        counts = [int(n) for n in args.authors.split(",")]
    except ValueError:
        parser.error("--authors takes comma-separated numbers, e.g. 10,60,200")
    if args.papers < 1 or args.runs < 1 or any(n < 1 for n in counts):
        parser.error("--papers, --runs and the author counts must be at least 1")

    script = Path(sys.executable).parent / "radar"
    if not script.exists():
        sys.exit(f"no radar console script next to {sys.executable}: run this with `uv run python ...`")
    began = time.perf_counter()
    print(f"python {sys.version.split()[0]} at {sys.executable}")
    took = byte_compile()
    note = " (PYTHONDONTWRITEBYTECODE=1 is set here)" if os.environ.get("PYTHONDONTWRITEBYTECODE") else ""
    print(
        f"byte-compiled site-packages and src/radar in {took:.1f} s{note}: installs made by pip or "
        "uv tool carry .pyc files, so radar runs with them"
    )
    started = time.perf_counter()
    pool = name_pool(random.Random(SEED), POOL_SIZE)
    print(f"name pool: {len(pool):,} authors (seed {SEED}) in {time.perf_counter() - started:.1f} s")

    with Server() as server:
        print(f"server: {server.base} (ThreadingHTTPServer, HTTP/1.1)")
        print("\npart 1: API requests per fetch")
        rows, corpus_note = requests_per_fetch(server, script, pool, counts)
        print(f"  corpus: {corpus_note}")
        requests_ok = print_requests(rows)

        print(
            f"\npart 2: parse + store throughput, {args.papers:,}-paper backfill, delay 0, {args.runs} runs"
        )
        throughput_ok = throughput(server, script, pool, args.papers, args.runs, args.profile)

    print(f"\ntotal runtime {time.perf_counter() - began:.0f} s")
    return 1 if args.check and not (requests_ok and throughput_ok) else 0


if __name__ == "__main__":
    sys.exit(main())
