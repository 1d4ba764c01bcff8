"""`radar harvest`: keep a local mirror of arXiv metadata current over OAI-PMH.

A harvest is a pass over one set: ListRecords from a `from` day, then resumption tokens
until the list ends. Each page is stored in its own transaction together with where the
pass stands (the next token and the pass's `from`), so a harvest killed at any point
resumes from the last stored token, or from `from` once the token has expired (they last
about a day). A finished pass leaves arXiv's responseDate, less a day, as the next
pass's `from`: datestamps are days, and asking for one day twice costs nothing because
saving is idempotent.

Where a pass stands lives in `fetch_state` under `harvest:<set>:<format>`, in the columns
that already mean "where to continue": `etag` holds the resumption token (an opaque
cursor from the server, as an ETag is), `watermark_utc` the `from` day to restart or
continue from, `last_modified` the responseDate of the pass's first page (the server's
clock when the pass began), `last_total` the completeListSize when arXiv gives one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from radar.config import Settings
from radar.database import Database
from radar.errors import RadarError
from radar.fetch import INITIAL_WINDOW
from radar.http import Http
from radar.ingest import save_papers
from radar.lock import writer_lock
from radar.sources.oai_pmh import DEFAULT_FORMAT, FORMATS, ExpiredTokenError, list_records
from radar.store import iso, parse_utc, utc_now, write_cache
from radar.store.sources import load_state, save_state
from radar.text import plural

# Datestamps are days: the next pass re-reads the day before the last one ended.
OVERLAP = timedelta(days=1)

Progress = Callable[[str], None]


def state_key(set_spec: str | None, metadata_prefix: str) -> str:
    return f"harvest:{set_spec or 'all'}:{metadata_prefix}"


def set_label(set_spec: str | None) -> str:
    return set_spec or "all of arXiv"


@dataclass
class HarvestReport:
    set_spec: str | None
    metadata_prefix: str
    from_date: date | None = None  # the `from` of the pass this run worked on
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0  # records arXiv marks deleted: skipped, not removed
    skipped: list[str] = field(default_factory=list)  # records that could not be read
    pages: int = 0
    requests: int = 0
    seconds: float = 0.0
    resumed: bool = False  # continued a pass from its stored resumption token
    restarted: bool = False  # that token had expired: the pass began again at `from`
    complete: bool = False  # the list ended; the next run is incremental
    next_from: date | None = None  # where the next pass starts, once complete
    error: str | None = None  # why the pass stopped early; what came before it is stored

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def label(self) -> str:
        return set_label(self.set_spec)

    @property
    def nothing_new(self) -> bool:
        return self.complete and not (self.new or self.updated)


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _stored_day(value: str | None) -> date | None:
    stamp = parse_utc(value)
    return stamp.date() if stamp else None


def harvest(
    db: Database,
    http: Http,
    settings: Settings,
    set_spec: str | None,
    metadata_prefix: str = DEFAULT_FORMAT,
    from_date: date | None = None,
    progress: Progress | None = None,
    limit: int | None = None,
    wait: float = 10.0,
    now: datetime | None = None,
) -> HarvestReport:
    """Harvest one set (None: all of arXiv) into the store; returns what happened.

    `from_date` starts a new pass from that day; without it the stored pass continues
    (its token, else its `from`), and a set never harvested starts a year back. `limit`
    stops after that many pages, leaving the token for the next run. Holds radar
    fetch's lock, so a harvest and a fetch never write at once (LockedError when another
    holds it longer than `wait`). When arXiv cannot be reached, refuses the request or
    sends a page that cannot be trusted, the report's `error` says so; the pages stored
    before it stay stored and the next run resumes after them.
    """
    if metadata_prefix not in FORMATS:
        raise RadarError(f"unknown metadata format {metadata_prefix!r} (arXivRaw or arXiv)")
    say = progress or (lambda message: None)
    started = time.monotonic()
    requests_before = http.requests_made
    report = HarvestReport(set_spec, metadata_prefix)
    key = state_key(set_spec, metadata_prefix)
    source = f"OAI-PMH {report.label}"
    with writer_lock(settings.db_path, wait), write_cache(db):
        try:
            _run(db, http, settings.oai_url, key, source, report, from_date, say, limit, now)
        except RadarError as exc:
            report.error = str(exc)
            save_state(db, key, last_attempt_utc=utc_now(), last_error=report.error)
    report.requests = http.requests_made - requests_before
    report.seconds = time.monotonic() - started
    return report


def _run(
    db: Database,
    http: Http,
    url: str,
    key: str,
    source: str,
    report: HarvestReport,
    from_date: date | None,
    say: Progress,
    limit: int | None,
    now: datetime | None,
) -> None:
    state = load_state(db, key)
    token: str | None = None
    began: str | None = None  # responseDate of the pass's first page
    if from_date is not None:
        pass_from = from_date
    else:
        token = state.get("etag")
        began = state.get("last_modified") if token else None
        pass_from = (
            _stored_day(state.get("watermark_utc")) or ((now or datetime.now(UTC)) - INITIAL_WINDOW).date()
        )
    report.from_date = pass_from
    report.resumed = token is not None
    while limit is None or report.pages < limit:
        say(
            f"{report.label}: page {report.pages + 1} ({plural(report.new + report.updated, 'paper')} stored so far)"
        )
        try:
            page = list_records(http, url, source, report.metadata_prefix, report.set_spec, pass_from, token)
        except ExpiredTokenError:
            if token is None or report.restarted:
                raise
            # Tokens last about a day: a pass resumed later begins again at its `from`.
            say(f"{report.label}: the stored resumption token has expired; starting again from {pass_from}")
            report.restarted = True
            token = began = None
            save_state(db, key, etag=None, last_modified=None)
            continue
        report.pages += 1
        began = began or iso(page.response_date)
        report.deleted += len(page.deleted)
        report.skipped.extend(page.skipped)
        state_now = {
            "etag": page.token,
            "watermark_utc": iso(_midnight(pass_from)),
            "last_modified": began,
            "last_total": page.complete_size,
            "last_attempt_utc": utc_now(),
            "last_error": None,
        }
        next_from: date | None = None
        if page.token is None:
            # The list is complete: the next pass starts where this one began, less a day.
            next_from = (parse_utc(began) or page.response_date).date() - OVERLAP
            state_now.update(
                watermark_utc=iso(_midnight(next_from)),
                last_modified=None,
                last_success_utc=state_now["last_attempt_utc"],
            )
        # The page and where the pass stands commit together: a run killed after this
        # resumes at the next page, never re-reads this one, never skips one.
        with db.atomic():
            counts = save_papers(db, page.papers)
            save_state(db, key, **state_now)
        report.new += counts.new
        report.updated += counts.updated
        report.unchanged += counts.unchanged
        report.skipped.extend(counts.skipped)
        if next_from is not None:
            report.complete, report.next_from = True, next_from
            return
        token = page.token
