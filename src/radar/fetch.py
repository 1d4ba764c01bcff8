"""`radar fetch`: bring new arXiv entries for everything followed into the store.

Authors and topics go through the API, batched with OR and paged only back to each
follow's watermark; categories through one combined listing feed, revalidated with
ETag / Last-Modified, with a backfill through the API when a listing day was missed.
Each source succeeds or fails on its own: what succeeded is stored, a failure is
reported, and the watermark of a failed source does not move.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from radar.database import Database
from radar.errors import DeadlineError, HostDownError, RadarError
from radar.follows import list_follows
from radar.http import Http
from radar.ingest import store_papers
from radar.model import Follow, Paper
from radar.names import ParsedName, match_strength, parse_name, similar_surname
from radar.sources.arxiv_api import any_of, author_query, topic_query
from radar.store import (
    ANY_BREADTH,
    ImportCounts,
    Prepared,
    background_checkpoints,
    chunks,
    iso,
    parse_utc,
    placeholders,
    prepare,
    utc_now,
    write_cache,
)
from radar.store.sources import load_state, newest_listing_day, record_run, save_state
from radar.text import plural
from radar.workers import PARSE_TIMEOUT_S, WORKER_BYTES

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

    from radar.sources.arxiv_api import ApiPage, ApiQuery

BATCH = 10  # follows per API query: 60 followed authors cost 6 requests
# Re-read a week before the watermark: a paper held for moderation keeps its submission
# time but is announced days later; re-reading costs little and saving is idempotent.
OVERLAP = timedelta(days=7)
INITIAL_WINDOW = timedelta(days=365)  # how far back a new follow looks
INCREMENTAL_LIMIT = 10000  # results per batch at most, per fetch (a month offline fits)
INITIAL_LIMIT = 1000  # results at most for one newly followed author or topic
PAGE = 100

Progress = Callable[[str], None]


@dataclass
class SourceReport:
    name: str
    ok: bool = True
    new: int = 0
    updated: int = 0
    message: str = ""
    # Set when the source failed because its host could not be reached or stopped
    # answering in this run (the host), and whether it was not asked at all (another
    # source found it out first).
    host_down: str | None = None
    # Why the host could not be reached at all (refused, a name that does not resolve);
    # None when it answered, or accepted connections and stopped answering.
    unreachable: str | None = None
    not_asked: bool = False
    past_deadline: bool = False  # not asked: the run's deadline had passed
    follow_ids: list[int] = field(default_factory=list)  # the follows this source fetched for


@dataclass
class FetchSummary:
    sources: list[SourceReport] = field(default_factory=list)
    new: int = 0
    updated: int = 0
    by_followed_authors: int = 0
    requests: int = 0
    seconds: float = 0.0
    near_misses: Counter[str] = field(default_factory=Counter)  # other people the API returned
    # The run's record, as kept in fetch_runs and written to fetch.log (set by run_fetch).
    record: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return all(s.ok for s in self.sources)

    def lines(self) -> list[tuple[bool, str]]:
        """What each source did, in order, as (ok, line) for people. Sources not asked
        because their host had stopped answering, or because the run's deadline had
        passed, are counted on one line instead of a line each: from cron, one dead host
        is one line of mail. Hosts that could not be reached at all (offline: a name that
        does not resolve, a refused connection) make one line per cause, naming them."""
        failed = [s for s in self.sources if not s.ok]
        late = [s for s in failed if s.past_deadline]
        unreachable: dict[str, list[SourceReport]] = {}
        for report in failed:
            if report.unreachable is not None:
                unreachable.setdefault(report.unreachable, []).append(report)
        lines: list[tuple[bool, str]] = []
        for report in self.sources:
            if report.ok:
                lines.append((True, f"{report.name}: {report.message}"))
                continue
            if report.past_deadline:
                if report is late[0]:
                    names = ", ".join(s.name for s in late)
                    lines.append(
                        (
                            False,
                            f"{plural(len(late), 'source')} not asked ({names}): the run reached its "
                            "deadline (RADAR_FETCH_DEADLINE). What it stored is kept: the next fetch resumes",
                        )
                    )
                continue
            if report.unreachable is not None:
                cut_off = unreachable[report.unreachable]
                if report is cut_off[0]:
                    hosts = ", ".join(dict.fromkeys(s.host_down or "" for s in cut_off))
                    names = "; ".join(s.name for s in cut_off)
                    lines.append(
                        (
                            False,
                            f"cannot reach {hosts}: {report.unreachable}; "
                            f"{plural(len(cut_off), 'source')} not fetched ({names}). "
                            "Nothing stored was lost: the next fetch tries again",
                        )
                    )
                continue
            if report.not_asked and report.host_down:
                continue
            line = report.message
            skipped = sum(1 for s in failed if s.not_asked and s.host_down == report.host_down)
            if report.host_down and skipped:
                line = (
                    f"{report.host_down} stopped answering: {line}; {plural(skipped, 'more source')} on it "
                    "not asked. Nothing stored was lost: the next fetch resumes where this one stopped"
                )
            lines.append((False, line))
        return lines

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "new": self.new,
            "updated": self.updated,
            "by_followed_authors": self.by_followed_authors,
            "requests": self.requests,
            "seconds": round(self.seconds, 2),
            "sources": [s.__dict__ for s in self.sources],
            "not_counted": dict(self.near_misses.most_common()),
        }


def _validators(state: dict[str, Any], revalidate: bool) -> tuple[str | None, str | None]:
    """The ETag and Last-Modified to revalidate with (none for a first, full fetch)."""
    return (state.get("etag"), state.get("last_modified")) if revalidate else (None, None)


# --- fetching -------------------------------------------------------------------------------


@dataclass
class Fetcher:
    db: Database
    http: Http
    api_url: str
    rss_url: str
    progress: Progress = lambda message: None
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    near_misses: Counter[str] = field(default_factory=Counter)
    pool: ProcessPoolExecutor | None = None  # parsing workers, started for the first big page
    no_workers: bool = False  # they could not be started, or died

    def _begin(self, summary: FetchSummary, name: str, key: str) -> tuple[SourceReport, dict[str, Any]]:
        """A source's report, added to the summary, and what the last fetch left of it."""
        report = SourceReport(name)
        summary.sources.append(report)
        self.progress(f"{name}: asking")
        return report, load_state(self.db, key)

    @property
    def as_of(self) -> str:
        """The day what this fetch brings is current as of (store.Paper.metadata_date): a
        day back, so a record arXiv changes later on the day of a fetch counts as later."""
        return (self.now - timedelta(days=1)).date().isoformat()

    def _save(self, papers: list[Paper], report: SourceReport, totals: ImportCounts) -> None:
        self._save_prepared([prepare(p) for p in papers], report, totals)

    def _save_prepared(self, items: list[Prepared], report: SourceReport, totals: ImportCounts) -> None:
        as_of = self.as_of
        for item in items:
            item.row["metadata_date"] = item.row["metadata_date"] or as_of
        counts = store_papers(self.db, items)
        report.new += counts.new
        report.updated += counts.updated
        totals.add(counts)

    def _parse(self, content: bytes, source: str) -> Callable[[], ApiPage[Prepared]]:
        """ParsePage for API queries: a big page goes to a worker process, so that
        parsing it overlaps storing the page before. Without a worker (one core, or
        processes cannot be started or died), pages are parsed here."""
        from concurrent.futures import BrokenExecutor, CancelledError

        from radar.workers import prepare_api_page, start_pool, submit, worker_count

        def here() -> ApiPage[Prepared]:
            return prepare_api_page(content, source)

        if len(content) < WORKER_BYTES or self.no_workers or worker_count() == 0:
            return here
        try:
            if self.pool is None:
                # One parser keeps the one writer busy. The first big page is parsed here
                # while the worker starts (a fresh interpreter takes a quarter second).
                self.pool = start_pool(1)
                submit(self.pool, int)  # starts the process now
                return here
            future = submit(self.pool, prepare_api_page, content, source)
        except (OSError, BrokenExecutor):
            self._stop_workers()
            return here

        def parsed() -> ApiPage[Prepared]:
            try:
                return future.result(timeout=PARSE_TIMEOUT_S)
            except (BrokenExecutor, CancelledError):
                # The worker died (killed, out of memory): this page and the rest here.
                self._stop_workers()
                return here()
            except TimeoutError:
                # The worker hangs (stopped, stuck): a fetch from cron must not wait forever
                # holding the writer's lock.
                self._stop_workers(kill=True)
                return here()

        return parsed

    def _stop_workers(self, kill: bool = False) -> None:
        self.no_workers = True
        self.close(kill)

    def close(self, kill: bool = False) -> None:
        from radar.workers import stop_pool

        if self.pool is not None:
            stop_pool(self.pool, kill=kill)
            self.pool = None

    def _query(
        self, query: str, source: str, since: datetime | None, limit: int, **kw: Any
    ) -> ApiQuery[Prepared]:
        from radar.sources.arxiv_api import ApiQuery

        return ApiQuery(self.http, self.api_url, query, source, since, limit, self._parse, **kw)

    def _query_batch(
        self, kind: str, follows: Sequence[Follow], report: SourceReport, totals: ImportCounts, initial: bool
    ) -> None:
        states = {f.id: load_state(self.db, f"{kind}:{f.id}") for f in follows}
        marks = [parse_utc(s.get("watermark_utc")) for s in states.values()]
        fresh = initial or any(m is None for m in marks)
        since = (self.now - INITIAL_WINDOW) if fresh else min(m for m in marks if m is not None) - OVERLAP
        if kind == "author":
            parsed = [(f, parse_name(f.value)) for f in follows]
            query = any_of([author_query(p) for _, p in parsed])
        else:
            query = any_of([topic_query(f.value) for f in follows])
        results = self._query(
            query,
            report.name,
            since=since,
            # A new follow's year is bounded per follow, so ten new follows in one batch
            # do not share one follow's allowance.
            limit=INITIAL_LIMIT * len(follows) if fresh else INCREMENTAL_LIMIT,
            page_size=200 if fresh else PAGE,
            expect_results=any((s.get("last_total") or 0) > 0 for s in states.values()),
        )
        newest: datetime | None = None
        # Each page is stored as it comes; the watermarks move only once all have come.
        for page in results:
            newest = max((w for w in (newest, *(r.when for r in page)) if w is not None), default=None)
            self._save_prepared(
                self._keep_followed_authors(page, parsed) if kind == "author" else page, report, totals
            )
        if results.truncated and not fresh:
            # Said out loud: the watermark moves on and older results stay unfetched.
            report.message = f"stopped after {results.results} results; older ones were not fetched"
        now = utc_now()
        with self.db.atomic():
            for f in follows:
                old = parse_utc(states[f.id].get("watermark_utc"))
                mark = max((m for m in (old, newest) if m is not None), default=None)
                save_state(
                    self.db,
                    f"{kind}:{f.id}",
                    watermark_utc=iso(mark),
                    last_total=results.total,
                    last_success_utc=now,
                    last_attempt_utc=now,
                    last_error=None,
                )

    def _keep_followed_authors(
        self, results: list[Prepared], parsed: list[tuple[Follow, ParsedName]]
    ) -> list[Prepared]:
        """The API matches names loosely; keep only papers by the people followed."""
        kept = []
        for result in results:
            matched = False
            similar: set[str] = set()
            for name, _key in result.authors:
                try:
                    candidate = parse_name(name)
                except ValueError:
                    continue
                for _, wanted in parsed:
                    if match_strength(wanted, candidate):
                        matched = True
                    elif similar_surname(wanted, candidate):
                        similar.add(name)
            if matched:
                kept.append(result)
            else:
                # A namesake only on a paper the followed person is not on: a co-author
                # who shares their surname is not someone they were mistaken for.
                self.near_misses.update(similar)
        return kept

    def fetch_api_follows(
        self,
        kind: str,
        follows: Sequence[Follow],
        summary: FetchSummary,
        totals: ImportCounts,
        initial: bool = False,
    ) -> None:
        batches = list(chunks(follows, BATCH))
        for number, batch in enumerate(batches, start=1):
            label = "authors" if kind == "author" else "topics"
            name = f"arXiv API, {label}" + (
                f" (batch {number} of {len(batches)})" if len(batches) > 1 else ""
            )
            report = SourceReport(name)
            summary.sources.append(report)
            self.progress(f"{name}: asking arXiv")
            try:
                self._query_batch(kind, batch, report, totals, initial)
            except RadarError as exc:
                self._failed(report, [f"{kind}:{f.id}" for f in batch], exc)
            else:
                counts = f"{report.new} new, {report.updated} updated"
                report.message = f"{counts}; {report.message}" if report.message else counts

    def _failed(self, report: SourceReport, keys: list[str], exc: Exception) -> None:
        report.ok = False
        report.message = str(exc)
        if isinstance(exc, HostDownError):
            report.host_down, report.not_asked = exc.host, exc.skipped
            report.unreachable = exc.reason if exc.unreachable else None
        elif isinstance(exc, DeadlineError):
            report.not_asked = report.past_deadline = True
        now = utc_now()
        with self.db.atomic():
            for key in keys:
                save_state(self.db, key, last_attempt_utc=now, last_error=str(exc))

    def fetch_feed(
        self, follow: Follow, summary: FetchSummary, totals: ImportCounts, revalidate: bool = True
    ) -> None:
        """A followed journal or conference feed: same politeness and fault rules."""
        from radar.sources.journal_feeds import fetch_feed

        key = f"feed:{follow.id}"
        report, state = self._begin(summary, f"feed {follow.value}", key)
        report.follow_ids = [follow.id]
        try:
            got = fetch_feed(self.http, follow.value, key, *_validators(state, revalidate))
            now = utc_now()
            if got.page is None:
                report.message = "unchanged since the last fetch"
            else:
                report.name = f"feed {got.page.title}"
                self._save(got.page.papers, report, totals)
                report.message = f"{len(got.page.papers)} entries: {report.new} new, {report.updated} updated"
            save_state(
                self.db,
                key,
                etag=got.etag,
                last_modified=got.last_modified,
                last_success_utc=now,
                last_attempt_utc=now,
                last_error=None,
            )
        except RadarError as exc:
            self._failed(report, [key], exc)

    def fetch_categories(
        self, follows: Sequence[Follow], summary: FetchSummary, totals: ImportCounts, revalidate: bool = True
    ) -> None:
        from radar.sources.arxiv_rss import fetch_listing

        categories = sorted(f.value for f in follows)
        key = "listing:" + "+".join(categories)
        report, state = self._begin(summary, f"arXiv listing {'+'.join(categories)}", key)
        try:
            got = fetch_listing(self.http, self.rss_url, categories, *_validators(state, revalidate))
            now = utc_now()
            if got.listing is None:
                report.message = "unchanged since the last fetch"
                save_state(self.db, key, last_success_utc=now, last_attempt_utc=now, last_error=None)
                return
            listing = got.listing
            if listing.empty:
                report.message = (
                    "no announcements today (arXiv does not announce at weekends and on holidays)"
                )
            else:
                self._save(listing.papers, report, totals)
                report.message = f"{len(listing.papers)} listed: {report.new} new, {report.updated} updated"
                previous = state.get("last_listing_date") or self._last_listing_day()
                if (
                    previous
                    and listing.announced
                    and _missed_days(date.fromisoformat(previous), listing.announced)
                ):
                    self._backfill(
                        categories, date.fromisoformat(previous), listing.announced, report, totals
                    )
            save_state(
                self.db,
                key,
                etag=got.etag,
                last_modified=got.last_modified,
                # Only a listing with papers counts as an announcement day: an empty
                # weekend listing must not hide the weekdays missed before it.
                last_listing_date=(
                    listing.announced.isoformat()
                    if listing.announced and not listing.empty
                    else state.get("last_listing_date")
                ),
                last_success_utc=now,
                last_attempt_utc=now,
                last_error=None,
            )
        except RadarError as exc:
            self._failed(report, [key], exc)

    def _last_listing_day(self) -> str | None:
        """The newest listing day of any category set, so following one more category
        (a new state key) does not forget when the last listing was seen."""
        return newest_listing_day(self.db)

    def _backfill(
        self, categories: list[str], previous: date, current: date, report: SourceReport, totals: ImportCounts
    ) -> None:
        """Listing days between two fetches were missed (a cron run did not happen):
        ask the API for what was submitted in the gap, so no day is lost."""
        # Submissions close at 14:00 US Eastern the working day before a listing, and a
        # weekend sits between Friday's close and Monday's listing: start four days back.
        start = (previous - timedelta(days=4)).strftime("%Y%m%d") + "0000"
        end = current.strftime("%Y%m%d") + "2359"
        cats = " OR ".join(f"cat:{c}" for c in categories)
        query = f"({cats}) AND submittedDate:[{start} TO {end}]"
        label = f"{report.name}: backfilling {previous} to {current} through the API"
        self.progress(label)
        before = report.new
        pages = self._query(query, f"{report.name} backfill", since=None, limit=30000, page_size=2000)
        for page in pages:
            self._save_prepared(page, report, totals)
            self.progress(f"{label}: {pages.results:,} of {pages.total:,} papers")
        report.message += f"; backfilled {plural(report.new - before, 'paper')} from missed days"


def _missed_days(previous: date, current: date) -> bool:
    """Whether a weekday listing lies strictly between two listing days."""
    day = previous + timedelta(days=1)
    while day < current:
        if day.weekday() < 5:
            return True
        day += timedelta(days=1)
    return False


def run_fetch(
    db: Database,
    http: Http,
    api_url: str,
    rss_url: str,
    progress: Progress | None = None,
    only: Sequence[Follow] | None = None,
    deadline: float = 0.0,
) -> FetchSummary:
    """Fetch every source for the follows (all of them by default) and return what happened.
    After `deadline` seconds (0: none) no request starts: the run ends between pages."""
    started = time.monotonic()
    http.start_deadline(deadline)
    started_utc = utc_now()
    follows = list(only) if only is not None else list_follows(db)
    fetcher = Fetcher(db, http, api_url, rss_url, progress or (lambda message: None))
    summary = FetchSummary()
    totals = ImportCounts()
    requests_before = http.requests_made
    authors = [f for f in follows if f.kind == "author"]
    topics = [f for f in follows if f.kind == "topic"]
    categories = [f for f in follows if f.kind == "category"]
    feeds = [f for f in follows if f.kind == "feed"]
    initial = only is not None
    # A backfill commits page after page: the WAL is written back beside it.
    with background_checkpoints(db), write_cache(db):
        try:
            if authors:
                fetcher.fetch_api_follows("author", authors, summary, totals, initial)
            if topics:
                fetcher.fetch_api_follows("topic", topics, summary, totals, initial)
            if categories:
                fetcher.fetch_categories(categories, summary, totals, revalidate=not initial)
            for feed in feeds:
                fetcher.fetch_feed(feed, summary, totals, revalidate=not initial)
        except BaseException:
            # Interrupted (Ctrl-C, SIGTERM) or failed: a page still parsing is not wanted.
            fetcher.close(kill=True)
            raise
        finally:
            fetcher.close()
    summary.new = totals.new
    summary.updated = totals.updated
    summary.by_followed_authors = _by_followed_authors(db, totals.changed_ids)
    summary.requests = http.requests_made - requests_before
    summary.seconds = time.monotonic() - started
    summary.record = {
        "started_utc": started_utc,
        "finished_utc": utc_now(),
        "new": summary.new,
        "updated": summary.updated,
        "requests": summary.requests,
        "seconds": summary.seconds,
        "ok": summary.ok,
        "errors": [s.message for s in summary.sources if not s.ok],
    }
    record_run(db, summary.record)
    summary.near_misses = fetcher.near_misses
    return summary


def _by_followed_authors(db: Database, ids: list[str]) -> int:
    if not ids:
        return 0
    found: set[str] = set()
    for part in chunks(ids):
        rows = db.execute(
            "select distinct m.paper_id from matches m join follows f on f.id = m.follow_id "
            f"where f.kind = 'author' and {ANY_BREADTH} and m.paper_id in ({placeholders(part)})",
            list(part),
        ).fetchall()
        found.update(r[0] for r in rows)
    return len(found)
