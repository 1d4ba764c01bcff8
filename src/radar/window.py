"""The window of listing days a command reads: `--since`/`--until`, or the newest day stored."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from radar.database import Database
from radar.errors import UsageError
from radar.store import newest_listing_date

_SINCE_RE = re.compile(r"^(\d+)\s*(h|d|w|m)$", re.IGNORECASE)
# An ISO date, zero padding optional: 2026-09-25 or 2026-9-25.
_DATE_RE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


@dataclass
class Window:
    start: date
    end: date
    label: str
    latest_only: bool = False  # the default: the newest listing day in the store
    phrase: str = ""  # the window inside a sentence: "on Friday 2026-11-20", "since 2026-11-01"

    @property
    def in_words(self) -> str:
        return self.phrase or f"in {self.label}"


def _months_back(day: date, months: int) -> date:
    """The same day of the month `months` earlier, or that month's last day (3m from
    May 31 is the last day of February)."""
    index = day.year * 12 + day.month - 1 - months
    if index < 12:  # before the year 1
        raise OverflowError
    year, month = divmod(index, 12)
    last = (date(year + (month + 1) // 12, (month + 1) % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month + 1, min(day.day, last))


def parse_since(value: str, now: datetime | None = None) -> date:
    """`24h`, `3d`, `2w`, `1m` (months) back from now, `today`, `yesterday`, or an ISO
    date (`2026-11-01`, also written `2026-11-1`)."""
    now = now or datetime.now(UTC)
    text = value.strip()
    named = {"today": 0, "yesterday": 1}.get(text.lower())
    if named is not None:
        return now.date() - timedelta(days=named)
    m = _SINCE_RE.match(text)
    if m and m.group(2).lower() == "m":
        try:
            return _months_back(now.date(), int(m.group(1)))
        except OverflowError:
            raise UsageError(f"{value!r} reaches back before the year 1") from None
    if m:
        amount, unit = int(m.group(1)), m.group(2).lower()
        delta = {
            "h": timedelta(hours=amount),
            "d": timedelta(days=amount),
            "w": timedelta(weeks=amount),
        }[unit]
        try:
            return (now - delta).date()
        except OverflowError:
            raise UsageError(f"{value!r} reaches back before the year 1") from None
    try:
        iso = _DATE_RE.match(text)
        return date(*map(int, iso.groups())) if iso else date.fromisoformat(text)
    except ValueError:
        raise UsageError(
            f"cannot read the date {value!r}: use 24h, 3d, 2w or a date like 2026-11-01 (also 1m, 3m, today, yesterday)"
        ) from None


def window_for(
    db: Database,
    since: str | None,
    until: str | None = None,
    now: datetime | None = None,
    matched_only: bool = False,
) -> Window | None:
    """The window to show: from --since/--until, else the newest listing day stored."""
    now = now or datetime.now(UTC)
    if since is not None or until is not None:
        start = parse_since(since, now) if since is not None else date.min
        end = parse_since(until, now) if until is not None else now.date() + timedelta(days=1)
        if until is None and start > now.date():
            raise UsageError(f"{since!r} is in the future: nothing has been listed since then yet")
        if end < start:
            raise UsageError(f"the window ends ({end}) before it starts ({start})")
        label = f"since {start.isoformat()}" if until is None else f"{start.isoformat()} to {end.isoformat()}"
        return Window(start, end, label, phrase=label if until is None else f"from {label}")
    # "The newest listing stored" means one day for `today` and `today --all`: the newest
    # of all. Without --all, a newer listing where nothing matches is skipped, and the
    # label says so rather than calling the older day the newest.
    stored = newest_listing_date(db)
    newest = newest_listing_date(db, matched_only) if matched_only else stored
    if newest is None or stored is None:
        return None
    day = date.fromisoformat(newest)
    label = day.strftime("%A %Y-%m-%d")
    if newest < stored:
        label += (
            f" (the newest listing with papers you follow; the newest stored, "
            f"{date.fromisoformat(stored).strftime('%A %Y-%m-%d')}, has none)"
        )
    elif day < now.date():
        label += " (the newest listing stored"
        if now.date().weekday() >= 5 and (now.date() - day).days <= 2:
            label += "; arXiv does not announce at weekends"
        label += ")"
    return Window(day, day, label, latest_only=True, phrase=f"on {label}")
