"""`radar send`: the digest (or a brief) delivered through Apprise URLs: e-mail over
SMTP (`mailto://`, `mailtos://`), Slack, Discord, Matrix, Telegram, ntfy, a JSON webhook.

The only module that imports apprise, and only inside functions. Nothing here prints.

- A destination is known by a slow hash (scrypt) of its URL (`Destination.key`): what was sent
  where is remembered per key, and the URL itself, which holds passwords and tokens, is
  never stored, printed or logged; people see `Destination.shown`, the masked form.
- E-mail gets the HTML page (radar.html); Apprise's e-mail plugin sends it as
  multipart/alternative with a plain-text part made from that HTML. Every other service
  gets Markdown, cut at a card's end to fit the service's size limit, with the links of
  the cards that did not fit; only the cards that went whole count as sent.
- A delivery that fails is retried with back-off (RADAR_HTTP_RETRIES, RADAR_HTTP_BACKOFF),
  cut off by RADAR_HTTP_TIMEOUT, and when it still fails nothing is marked sent and the
  reason Apprise logged comes back as one line.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from radar.errors import RadarError, UsageError
from radar.rank import Card
from radar.text import one_line, plural

MASK = "********"
_SPLIT_RE = re.compile(r"[,\s]+")
# Query parameters whose values are secrets in Apprise URLs (pass=, token=, apikey=, ...).
_SECRET_PARAM_RE = re.compile(r"pass|token|key|secret|auth|sig|bearer|webhook", re.IGNORECASE)


class DeliveryError(RadarError):
    """A destination refused or never answered, after every retry."""


def split_urls(values: Sequence[str]) -> list[str]:
    """One or more Apprise URLs from each value (comma or white space between them), in
    order, each once."""
    urls: list[str] = []
    for value in values:
        urls += [u for u in _SPLIT_RE.split(value or "") if u]
    return list(dict.fromkeys(urls))


def destination_key(url: str) -> str:
    """The URL as a key for the store. A slow hash (scrypt, ~50 ms): the masked form
    stored beside it shows the rest of the URL, so a fast hash of a weak password could
    be reversed by trying passwords; this makes each try cost as much."""
    return hashlib.scrypt(url.encode("utf-8"), salt=b"radar send destination", n=2**14, r=8, p=1).hex()


def _secrets(url: str) -> list[str]:
    """The parts of a URL that may be secret: password, user, path segments, query values."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return [url]
    found = [parts.password or "", parts.username or ""]
    found += [segment for segment in parts.path.split("/") if len(segment) >= 6]
    found += [value for name, value in parse_qsl(parts.query) if _SECRET_PARAM_RE.search(name)]
    found = [s for s in found if len(s) >= 3]
    found += [unquote(s) for s in found]
    return sorted(set(found), key=len, reverse=True)


def scrub(text: str, urls: Sequence[str]) -> str:
    """`text` with every secret of `urls` (and the URLs themselves) masked."""
    for url in urls:
        text = text.replace(url, mask_url(url))
        for secret in _secrets(url):
            text = text.replace(secret, MASK)
    return text


def mask_url(url: str) -> str:
    """The URL as radar shows it: Apprise's private form (passwords and tokens masked)
    when Apprise can read it, else only its scheme."""
    plugin = _instantiate(url)
    if plugin is not None:
        try:
            # Without Apprise's own parameters (?overflow=upstream&retry=0...): shorter,
            # and the part of the URL people wrote.
            return str(plugin.url(privacy=True)).split("?", 1)[0]
        except Exception:
            pass
    scheme = url.split("://", 1)[0] if "://" in url else ""
    return f"{scheme}://{MASK}" if scheme.isalnum() else MASK


@contextmanager
def apprise_log() -> Iterator[list[logging.LogRecord]]:
    """Apprise's log records while the block runs (it logs why a delivery failed instead
    of raising); nothing of it reaches the user's stderr unfiltered."""
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    logger = logging.getLogger("apprise")
    handler = Keep(level=logging.DEBUG)
    saved = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    try:
        yield records
    finally:
        logger.removeHandler(handler)
        logger.setLevel(saved[0])
        logger.propagate = saved[1]


def _asset() -> Any:
    import apprise

    # storage_mode="memory": Apprise keeps nothing on disk (no cache outside RADAR_HOME).
    return apprise.AppriseAsset(
        app_id="radar", app_desc="radar, a research radar for arXiv", storage_mode="memory"
    )


def _instantiate(url: str) -> Any:
    import apprise

    with apprise_log():
        try:
            return apprise.Apprise.instantiate(url, asset=_asset())
        except Exception:
            return None


@dataclass
class Destination:
    url: str  # never printed, logged or stored
    key: str
    shown: str
    plugin: Any = field(repr=False)

    @property
    def is_email(self) -> bool:
        # Apprise's e-mail plugin (and its subclasses) answer to mailto:// and mailtos://.
        return (
            getattr(self.plugin, "secure_protocol", None) == "mailtos"
            or getattr(self.plugin, "protocol", None) == "mailto"
        )

    @property
    def body_limit(self) -> int:
        limit = int(getattr(self.plugin, "body_maxlen", 0) or 32768)
        if getattr(self.plugin, "title_maxlen", 1) == 0:
            # A service with no title (Telegram, SMS...): Apprise puts the title at the
            # top of the body, which must still fit.
            limit -= 250
        return max(500, limit)


def destinations(urls: Sequence[str], timeout: float) -> list[Destination]:
    """Each URL checked by Apprise; a UsageError naming the first it cannot use (masked),
    before anything is sent."""
    if not urls:
        raise UsageError(
            "no destination: pass --to URL, set RADAR_SEND_TO, or radar config set send_to URL "
            "(an Apprise URL such as mailtos://user:password@example.com or json://host/path)"
        )
    found = []
    for url in urls:
        plugin = _instantiate(url)
        if plugin is None:
            raise UsageError(f"{mask_url(url)} is not an Apprise URL radar can use: {_why_refused(url)}")
        plugin.socket_connect_timeout = timeout
        plugin.socket_read_timeout = timeout
        found.append(Destination(url, destination_key(url), mask_url(url), plugin))
    return found


def _why_refused(url: str) -> str:
    if "://" not in url:
        return "it has no scheme (e.g. mailtos://, slack://, json://)"
    scheme = url.split("://", 1)[0].lower()
    if not _scheme_supported(scheme):
        return f"unknown service {scheme}://"
    return "malformed (a missing host, user or token?)"


def _scheme_supported(scheme: str) -> bool:
    import apprise

    with apprise_log():
        details = apprise.Apprise().details()
    for schema in details.get("schemas", []):
        if scheme in (schema.get("protocols") or []) or scheme in (schema.get("secure_protocols") or []):
            return True
    return False


def check_urls(value: str) -> list[str]:
    """For `radar config set send_to`: the URLs in `value`, each usable by Apprise."""
    urls = split_urls([value])
    destinations(urls, timeout=1.0)
    return urls


def masked_setting(value: str) -> str:
    """`send_to` as radar shows it."""
    return ", ".join(mask_url(u) for u in split_urls([value]))


# --- what goes out ----------------------------------------------------------------------------


@dataclass
class Message:
    title: str  # radar's own words only: no header injection through a paper's title
    body: str
    body_format: str  # "html", "markdown" or "text"
    paper_ids: list[str]  # the cards it carries whole: what counts as sent


def digest_subject(count: int, window_label: str) -> str:
    # The window label is radar's (dates and words); one_line keeps it one header line.
    return one_line(f"radar · {plural(count, 'new paper')} · {window_label}")


def markdown_message(
    cards: Sequence[Card],
    heading: str,
    subject: str,
    limit: int,
    beyond: Sequence[str] = (),
    beyond_count: int | None = None,
) -> Message:
    """Markdown cut at a card's end to fit `limit` characters, then the links of the rest,
    and of the papers `beyond` the cards asked for (--limit), so none goes unmentioned
    (`beyond_count` of them in all, when only the first links are given)."""
    from radar.render import cards_markdown

    text = cards_markdown(cards, heading)
    head, *chunks = text.split("\n## ")
    chunks = ["## " + c for c in chunks]
    body = head
    whole: list[Card] = []
    for card, chunk in zip(cards, chunks, strict=False):
        rest = len(cards) - len(whole) - 1
        reserve = 200 if rest or beyond else 0  # room for the note on what is left out
        if len(body) + 1 + len(chunk) + reserve > limit:
            break
        body += "\n" + chunk
        whole.append(card)
    left = [card.paper.link for card in cards[len(whole) :]] + list(beyond)
    if left:
        from radar.text import safe_url

        more = len(left) - len(beyond) + (len(beyond) if beyond_count is None else beyond_count)
        note = f"\n_{more} more not shown here (radar today lists them all):_"
        for link in left:
            line = f"\n{safe_url(link)}"
            if len(body) + len(note) + len(line) > limit:
                break
            note += line
        body += note
    return Message(subject, body[:limit], "markdown", [c.paper.id for c in whole])


def html_message(digest: Any, subject: str) -> Message:
    from radar.html import render_html

    return Message(subject, render_html(digest), "html", [c.paper.id for c in digest.cards])


def brief_message(text: str, subject: str, limit: int | None) -> Message:
    # Apprise turns Markdown into the e-mail's HTML and lets raw HTML through; a brief
    # holds a model's words, so any "<" it has stays a character ("&lt;" entities,
    # which radar's Markdown already writes, are left as they are).
    body = text.replace("<", "&lt;")
    if limit is not None and len(body) > limit:
        cut = body[: max(0, limit - 80)].rsplit("\n", 1)[0]
        body = cut + "\n\n_The brief goes on; the whole of it is in the file radar brief wrote._"
    return Message(subject, body, "markdown", [])


# --- delivering ---------------------------------------------------------------------------------


@dataclass
class Outcome:
    ok: bool
    attempts: int
    error: str | None = None


def deliver(
    destination: Destination,
    message: Message,
    *,
    retries: int,
    backoff: float,
    sleep: Callable[[float], None] = time.sleep,
) -> Outcome:
    """Send `message`, retrying with back-off; the reason for a failure as one line."""
    import apprise

    formats = {
        "html": apprise.NotifyFormat.HTML,
        "markdown": apprise.NotifyFormat.MARKDOWN,
        "text": apprise.NotifyFormat.TEXT,
    }
    error = "the service did not say why"
    attempts = 0
    for attempt in range(retries + 1):
        if attempt:
            sleep(backoff * 2 ** (attempt - 1))
        attempts += 1
        with apprise_log() as records:
            try:
                sent = destination.plugin.notify(
                    body=message.body, title=message.title, body_format=formats[message.body_format]
                )
            except Exception as exc:  # a plugin bug must not hide the reason
                sent = False
                records.append(logging.makeLogRecord({"levelno": logging.WARNING, "msg": str(exc)}))
        if sent:
            return Outcome(True, attempts)
        error = _reason(records)
    return Outcome(False, attempts, scrub(error, [destination.url]))


_ERRNO_RE = re.compile(r"\[Errno -?\d+\] ([^'\")]+)")


def _short(detail: str) -> str:
    """The heart of a requests or socket error: "Connection refused", "timed out"."""
    if "timed out" in detail.lower() or "timeout" in detail.lower():
        return "timed out"
    m = _ERRNO_RE.search(detail)
    return m.group(1).strip() if m else detail


def _reason(records: Sequence[logging.LogRecord]) -> str:
    """One line from Apprise's log: its warnings, and the exception behind them."""
    warnings = [one_line(r.getMessage()) for r in records if r.levelno >= logging.WARNING]
    details = []
    for r in records:
        message = one_line(r.getMessage())
        if r.levelno < logging.WARNING and ("Exception" in message or "Response Details" in message):
            details.append(message.split(":", 1)[-1].strip())
    line = "; ".join(dict.fromkeys(warnings)) or "the service did not say why"
    detail = "; ".join(_short(d) for d in dict.fromkeys(details) if d and d not in line)
    if detail:
        line += f" ({detail[:300]})"
    return line


# --- the use cases ------------------------------------------------------------------------------


@dataclass
class Result:
    """What happened at one destination."""

    shown: str  # the destination, masked
    papers: int = 0  # cards delivered whole
    nothing_new: bool = False  # nothing to send, so nothing was sent
    ok: bool = True
    error: str | None = None
    attempts: int = 0


def _send(
    db: Any, destination: Destination, message: Message, kind: str, content_hash: str | None, **retry: Any
) -> Result:
    from radar.store.sent import finish_delivery, start_delivery

    delivery = start_delivery(db, destination.key, destination.shown, kind, content_hash)
    outcome = deliver(destination, message, **retry)
    finish_delivery(
        db,
        delivery,
        destination.key,
        ok=outcome.ok,
        paper_ids=message.paper_ids,
        attempts=outcome.attempts,
        error=outcome.error,
    )
    return Result(
        destination.shown, len(message.paper_ids), False, outcome.ok, outcome.error, outcome.attempts
    )


def send_digest(
    db: Any,
    targets: Sequence[Destination],
    window: Any,
    *,
    include_all: bool = False,
    unread: bool = False,
    always: bool = False,
    limit: int = 50,
    retries: int = 4,
    backoff: float = 2.0,
) -> list[Result]:
    """The window's cards (radar.select's selection) to each destination; with `unread`,
    only those never sent to it and not marked read."""
    from radar.follows import list_follows
    from radar.html import Digest
    from radar.rank import load_cards
    from radar.select import select
    from radar.store.sent import unsent_ids

    ranked = select(db, window, include_all=include_all)
    if unread:
        # Not select's `unread`, which also drops what a terminal showed: a card seen by
        # radar today has still not been sent; one marked read with mark-read is not wanted.
        from radar.store.reads import marked_read_ids

        marked = marked_read_ids(db, [r.id for r in ranked])
        ranked = [r for r in ranked if r.id not in marked]
    follows = list_follows(db)
    results = []
    for destination in targets:
        chosen = ranked
        if unread:
            fresh = unsent_ids(db, destination.key, [r.id for r in ranked])
            chosen = [r for r in ranked if r.id in fresh]
        if not chosen and not always:
            results.append(Result(destination.shown, nothing_new=True))
            continue
        cards = load_cards(db, chosen[:limit])
        heading = f"radar · {window.label} · {plural(len(chosen), ('new ' if unread else '') + 'paper')}" + (
            "" if include_all else " matching your follows"
        )
        subject = digest_subject(len(chosen), window.label)
        if destination.is_email:
            footer = (
                ""
                if len(cards) == len(chosen)
                else f"{len(chosen) - len(cards)} more: radar today lists them all."
            )
            message = html_message(
                Digest(heading, window.in_words, cards, len(chosen), follows, footer), subject
            )
        else:
            # No more links than the message could hold (a link is 30 characters or more).
            beyond = _links(db, [r.id for r in chosen[limit : limit + destination.body_limit // 30]])
            message = markdown_message(
                cards, heading, subject, destination.body_limit, beyond, len(chosen) - len(cards)
            )
        results.append(_send(db, destination, message, "digest", None, retries=retries, backoff=backoff))
    return results


def _links(db: Any, paper_ids: Sequence[str]) -> list[str]:
    """The links of papers not loaded as cards, in their order (Paper.link: arXiv's
    abstract page, or a feed paper's own link)."""
    from radar.store import get_papers

    papers = get_papers(db, paper_ids)
    return [papers[pid].link for pid in paper_ids if pid in papers]


def send_brief(
    db: Any,
    targets: Sequence[Destination],
    text: str,
    *,
    unread: bool = False,
    retries: int = 4,
    backoff: float = 2.0,
) -> list[Result]:
    """A brief written by `radar brief -o` to each destination; with `unread`, not again
    to a destination that already has this very text."""
    from radar.store.sent import brief_was_sent

    content_hash = hashlib.sha256(text.encode("utf-8")).hexdigest()
    first = next((line for line in text.splitlines() if line.strip()), "")
    title = one_line(first.lstrip("# "))[:120] or "the brief"
    subject = one_line(f"radar · brief · {title}")
    results = []
    for destination in targets:
        if unread and brief_was_sent(db, destination.key, content_hash):
            results.append(Result(destination.shown, nothing_new=True))
            continue
        message = brief_message(text, subject, None if destination.is_email else destination.body_limit)
        results.append(
            _send(db, destination, message, "brief", content_hash, retries=retries, backoff=backoff)
        )
    return results
