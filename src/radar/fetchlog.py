"""`$RADAR_HOME/fetch.log`: one line per `radar fetch`, rotated by the standard library.

A line reads

    2026-11-20T06:30:04Z ok new=12 updated=3 requests=2 seconds=6.1
    2026-11-21T06:30:31Z failed new=0 updated=0 requests=5 seconds=30.2 errors=["arXiv listing cs.LG: HTTP 404"]

(the failing sources' messages as a JSON list, so a message may hold any character).
Writing never raises: a log that cannot be written is reported to the caller, which
decides whether to warn.
"""

from __future__ import annotations

import json
import re
import sys
from datetime import UTC, datetime
from logging import LogRecord
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from radar.fetch import FetchSummary

LOG_NAME = "fetch.log"
MAX_BYTES = 256 * 1024
BACKUPS = 3

_LINE_RE = re.compile(
    r"^(?P<time>\S+) (?P<status>ok|failed) new=(?P<new>\d+) updated=(?P<updated>\d+) "
    r"requests=(?P<requests>\d+) seconds=(?P<seconds>[\d.]+)(?: errors=(?P<errors>.*))?$"
)


def log_path(home: Path) -> Path:
    return home / LOG_NAME


def format_entry(summary: FetchSummary, when: datetime | None = None) -> str:
    """The log line for a run: from its record in fetch_runs when it has one, so the log
    and `radar status` tell the same story."""
    record = summary.record or {
        "ok": summary.ok,
        "new": summary.new,
        "updated": summary.updated,
        "requests": summary.requests,
        "seconds": summary.seconds,
        "errors": [s.message for s in summary.sources if not s.ok],
    }
    when = when or datetime.now(UTC)
    line = (
        f"{when.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')} {'ok' if record['ok'] else 'failed'} "
        f"new={record['new']} updated={record['updated']} requests={record['requests']} seconds={record['seconds']:.1f}"
    )
    errors = [" ".join(message.split()) for message in record["errors"]]
    if errors:
        line += " errors=" + json.dumps(errors, ensure_ascii=False)
    return line


class _Handler(RotatingFileHandler):
    """Keeps the error instead of printing logging's "--- Logging error ---" report."""

    error: BaseException | None = None

    def handleError(self, record: LogRecord) -> None:
        self.error = sys.exc_info()[1]


def _describe(exc: BaseException, path: Path) -> str:
    reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return f"cannot write the fetch log {path}: {reason}"


def append(
    home: Path, summary: FetchSummary, max_bytes: int = MAX_BYTES, backups: int = BACKUPS
) -> str | None:
    """Add one line for this fetch, rotating to fetch.log.1 ... .N when the file is full.

    Returns None, or a one-line reason when the log could not be written.
    """
    path = log_path(home)
    handler: _Handler | None = None
    try:
        home.mkdir(parents=True, exist_ok=True)
        handler = _Handler(path, maxBytes=max_bytes, backupCount=backups, encoding="utf-8", delay=True)
        record = LogRecord("radar.fetch", 20, __file__, 0, format_entry(summary), None, None)
        handler.handle(record)
        if handler.error is not None:
            return _describe(handler.error, path)
    except Exception as exc:  # an unwritable log must never break a fetch
        return _describe(exc, path)
    finally:
        if handler is not None:
            try:
                handler.close()
            except Exception:
                pass
    return None


def parse_line(line: str) -> dict[str, Any] | None:
    m = _LINE_RE.match(line.rstrip("\n"))
    if not m:
        return None
    try:
        errors = json.loads(m.group("errors")) if m.group("errors") else []
    except json.JSONDecodeError:
        errors = [m.group("errors")]
    return {
        "time_utc": m.group("time"),
        "ok": m.group("status") == "ok",
        "new": int(m.group("new")),
        "updated": int(m.group("updated")),
        "requests": int(m.group("requests")),
        "seconds": float(m.group("seconds")),
        "errors": [str(e) for e in errors] if isinstance(errors, list) else [str(errors)],
    }


def read_last(home: Path, n: int, backups: int = BACKUPS) -> list[dict[str, Any]]:
    """The last `n` entries, oldest first (like `tail`), reaching into rotated files
    when the current one holds fewer. Lines that are not entries are skipped."""
    if n <= 0:
        return []
    base = log_path(home)
    files = [base] + [base.with_name(f"{LOG_NAME}.{i}") for i in range(1, backups + 1)]
    entries: list[dict[str, Any]] = []
    for path in files:  # newest file first
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        parsed = [e for e in (parse_line(line) for line in text.splitlines()) if e is not None]
        entries = parsed + entries
        if len(entries) >= n:
            break
    return entries[-n:]
