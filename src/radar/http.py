"""HTTP for every request radar makes to arXiv: polite, bounded, retried.

- One limiter per process: requests start at least `delay` seconds apart, whatever
  source makes them (arXiv counts the API, the listings and OAI-PMH together).
- Every request has a timeout (the `arxiv` package and plain `requests` have none).
- 429, 5xx, resets and timeouts are retried with exponential back-off (tenacity),
  honouring `Retry-After`, within a bounded total time; each pause is announced to
  `on_retry` (the live status line, on a terminal).
- A host that could not be reached at all (refused, unknown, no route), or that accepted
  connections and never answered (every try timed out, or trickled slower than the
  deadline), is not asked again in the same run: offline or against a hanging server, a
  fetch fails in one request's retries instead of each source's, however many follows.
  A name that does not resolve is not retried at all: the resolver has already tried
  and given up, and it will not resolve seconds later (offline, every try would cost
  the whole back-off for nothing). The other hosts (a journal's feed, the model server)
  are unaffected.
- A run may have a deadline (RADAR_FETCH_DEADLINE): past it no request starts and no
  retry waits, so a run stops between pages with what it stored.
- radar's own User-Agent, with a contact address when the user configured one.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

from radar import __version__
from radar.errors import DeadlineError, HostDownError, SourceError

if TYPE_CHECKING:
    import requests

RETRY_STATUSES = {429, 500, 502, 503, 504}


class _Limiter:
    """Spaces request starts `delay` seconds apart across the whole process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last = 0.0

    def wait(self, delay: float) -> None:
        with self._lock:
            now = time.monotonic()
            pause = self._last + delay - now
            if pause > 0:
                time.sleep(pause)
            self._last = time.monotonic()


LIMITER = _Limiter()


class _Retryable(Exception):
    def __init__(
        self,
        message: str,
        retry_after: float | None = None,
        unreachable: bool = False,
        timed_out: bool = False,
        final: bool = False,
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.unreachable = unreachable  # no connection at all, as opposed to a bad answer
        self.timed_out = timed_out  # connected, or tried to, and no (whole) answer in time
        self.final = final  # not worth another try in this run (a name that does not resolve)


def user_agent(contact: str = "") -> str:
    agent = f"radar/{__version__} (arXiv research radar; command-line)"
    if contact:
        agent = agent[:-1] + f"; mailto:{contact})"
    return agent


_DELTA_SECONDS = re.compile(r"[0-9]+(?:\.[0-9]+)?")


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Seconds a Retry-After header asks to wait: delta-seconds ("0" means now) or an
    HTTP date (one already past also means now). None when absent or unreadable.

    The one reading of the header, for arXiv here and for model servers in llm.py; what
    each does with it (a floor under the back-off, a cap) is the caller's."""
    if value is None or not (value := value.strip()):
        return None
    if _DELTA_SECONDS.fullmatch(value):
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # "-0000": HTTP dates are in GMT
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


@dataclass
class Http:
    delay: float = 3.0
    timeout: float = 30.0
    retries: int = 4  # attempts after the first
    backoff: float = 2.0  # first back-off in seconds; doubles each time
    budget: float = 300.0  # at most this long retrying one request
    contact: str = ""
    requests_made: int = 0
    on_retry: Callable[[str], None] | None = None  # told of each pause before a retry
    _session: Any = field(default=None, repr=False)
    # Hosts that could not be reached in this run, with why: not asked again.
    _unreachable: dict[str, str] = field(default_factory=dict, repr=False)
    # Hosts that did not answer in time after every retry, with why: not asked again.
    _silent: dict[str, str] = field(default_factory=dict, repr=False)
    # time.monotonic() after which no request starts and no retry waits (None: no deadline)
    deadline: float | None = None
    deadline_seconds: float = 0.0  # the setting it came from, for the message

    @classmethod
    def from_settings(cls, settings: Any) -> Http:
        return cls(
            delay=settings.arxiv_delay,
            timeout=settings.http_timeout,
            retries=settings.http_retries,
            backoff=settings.http_backoff,
            budget=settings.http_retry_budget,
            contact=settings.contact_email,
        )

    def start_deadline(self, seconds: float) -> None:
        """Stop starting requests `seconds` from now (0: never)."""
        self.deadline_seconds = seconds
        self.deadline = time.monotonic() + seconds if seconds > 0 else None

    def _past_deadline(self, source: str) -> None:
        if self.deadline is not None and time.monotonic() >= self.deadline:
            raise DeadlineError(
                f"{source}: not asked, since the run reached its {self.deadline_seconds:g} s deadline "
                "(RADAR_FETCH_DEADLINE); what it stored is kept and the next run resumes"
            )

    @property
    def session(self) -> requests.Session:
        if self._session is None:
            import requests

            self._session = requests.Session()
            self._session.headers["User-Agent"] = user_agent(self.contact)
        return self._session

    def get(
        self,
        url: str,
        source: str,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> requests.Response:
        """GET with politeness, timeout and retries. Returns 2xx and 304 responses.

        Raises SourceError naming `source` when arXiv cannot be reached or keeps failing.
        """
        from urllib.parse import urlsplit

        import requests
        from tenacity import (
            RetryCallState,
            RetryError,
            Retrying,
            retry_if_exception,
            stop_after_attempt,
            stop_before_delay,
        )
        from tenacity.stop import stop_base

        host = urlsplit(url).netloc
        if (why := self._unreachable.get(host)) is not None:
            raise HostDownError(
                f"{source}: not asked, since {host} could not be reached earlier in this run: {why}",
                host,
                why,
                skipped=True,
                unreachable=True,
            )
        if (why := self._silent.get(host)) is not None:
            raise HostDownError(
                f"{source}: not asked, since {host} did not answer earlier in this run: {why}",
                host,
                why,
                skipped=True,
            )

        def wait(state: RetryCallState) -> float:
            exc = state.outcome.exception() if state.outcome else None
            exponential = self.backoff * (2 ** (state.attempt_number - 1))
            pause = min(60.0, exponential)
            if isinstance(exc, _Retryable) and exc.retry_after is not None:
                pause = max(pause, exc.retry_after)
            if self.deadline is not None:
                pause = min(pause, max(0.0, self.deadline - time.monotonic()))
            return pause

        def attempt() -> requests.Response:
            LIMITER.wait(self.delay)
            self._past_deadline(source)  # checked after the pause, which may carry the run past it
            self.requests_made += 1
            try:
                response = self.session.get(
                    url, params=params, headers=headers, timeout=self.timeout, stream=True
                )
                _read_within(response, self.timeout)
            except _Retryable:
                raise
            except requests.Timeout:
                raise _Retryable(f"no answer within {self.timeout:g} s", timed_out=True) from None
            except requests.ConnectionError as exc:
                if "Read timed out" in str(exc):
                    # A read timeout while the body arrives is wrapped as a ConnectionError.
                    raise _Retryable(f"no answer within {self.timeout:g} s", timed_out=True) from None
                reason = _reason(exc)
                raise _Retryable(
                    f"connection failed ({reason})",
                    unreachable=reason in UNREACHABLE,
                    final=reason in UNRESOLVED,
                ) from None
            except requests.exceptions.ChunkedEncodingError:
                # The connection closed before the body was complete (fewer bytes than
                # Content-Length): as transient as a reset, and not a RequestException to leak.
                raise _Retryable("connection dropped in the middle of the response") from None
            except requests.RequestException as exc:
                # A malformed URL or the like: not worth retrying, and never a traceback.
                raise SourceError(f"{source}: cannot request {url}: {type(exc).__name__}") from None
            if response.status_code in RETRY_STATUSES:
                raise _Retryable(
                    f"HTTP {response.status_code}", retry_after_seconds(response.headers.get("Retry-After"))
                )
            return response

        def before_sleep(state: RetryCallState) -> None:
            if self.on_retry is not None and state.outcome is not None and state.next_action is not None:
                self.on_retry(
                    f"{source}: {state.outcome.exception()}; trying again in {state.next_action.sleep:.0f} s"
                )

        class past_deadline(stop_base):
            def __call__(inner, state: RetryCallState) -> bool:  # noqa: N805
                return self.deadline is not None and time.monotonic() >= self.deadline

        retrying = Retrying(
            retry=retry_if_exception(lambda exc: isinstance(exc, _Retryable) and not exc.final),
            # stop_before_delay: never start a pause (a long Retry-After) that ends past the budget.
            stop=stop_after_attempt(self.retries + 1) | stop_before_delay(self.budget) | past_deadline(),
            wait=wait,
            before_sleep=before_sleep,
            reraise=False,
        )
        try:
            response: requests.Response = retrying(attempt)
        except RetryError as exc:
            last = exc.last_attempt.exception()
            raise self._gave_up(host, source, last, exc.last_attempt.attempt_number) from None
        except _Retryable as last:  # not retried (final): one try
            raise self._gave_up(host, source, last, 1) from None
        if response.status_code >= 400 and response.status_code != 400:
            raise SourceError(f"{source}: HTTP {response.status_code} from {response.url}")
        return response

    def _gave_up(self, host: str, source: str, last: BaseException | None, tries: int) -> SourceError:
        """The error for a request given up on; a host that cannot be reached, or does not
        answer, is remembered so that no other source asks it again in this run."""
        gave_up = f"{last} (gave up after {tries} tr{'y' if tries == 1 else 'ies'})"
        if isinstance(last, _Retryable) and last.unreachable:
            # No connection at all: the other sources on this host are not asked in this run.
            self._unreachable[host] = str(last)
            return HostDownError(f"{source}: {gave_up}", host, str(last), skipped=False, unreachable=True)
        if isinstance(last, _Retryable) and last.timed_out:
            # Every try timed out: a host that accepts and never answers costs one
            # request's retries per run, not one per source.
            self._silent[host] = str(last)
            return HostDownError(f"{source}: {gave_up}", host, str(last), skipped=False)
        return SourceError(f"{source}: {gave_up}")


def validators(etag: str | None, last_modified: str | None) -> dict[str, str]:
    """Headers for a conditional GET: an unchanged feed then costs a 304."""
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    return headers


def _read_within(response: requests.Response, timeout: float) -> None:
    """Read the whole body before the deadline. requests' timeout is per read, so a
    server trickling a byte at a time would otherwise hold a fetch for hours; read1
    returns whatever has arrived, so the deadline is checked as bytes come in."""
    from urllib3.exceptions import ProtocolError, ReadTimeoutError

    deadline = time.monotonic() + timeout
    parts: list[bytes] = []
    try:
        while chunk := response.raw.read1(65536, decode_content=True):
            parts.append(chunk)
            if time.monotonic() > deadline:
                response.close()
                raise _Retryable(
                    f"no complete answer within {timeout:g} s (the server sends too slowly)", timed_out=True
                )
    except ReadTimeoutError:
        raise _Retryable(f"no answer within {timeout:g} s", timed_out=True) from None
    except ProtocolError:
        raise _Retryable("connection dropped in the middle of the response") from None
    response._content = b"".join(parts)  # what response.content returns from now on


# What requests' connection errors say, as Linux, macOS and Windows word it, and the
# reason radar reports. Those in UNREACHABLE mean the host cannot be reached at all.
_REASONS = (
    ("Connection refused", "connection refused"),
    ("actively refused", "connection refused"),  # Windows
    ("Connection reset", "connection reset"),
    ("Name or service not known", "name or service not known"),
    ("nodename nor servname provided", "name or service not known"),  # macOS
    ("getaddrinfo failed", "name or service not known"),  # Windows
    ("Temporary failure in name resolution", "temporary failure in name resolution"),
    ("Network is unreachable", "network is unreachable"),
    ("No route to host", "no route to host"),
    ("Remote end closed", "remote end closed"),
    ("No address associated with hostname", "name or service not known"),
    ("Failed to resolve", "name not resolved"),  # urllib3's NameResolutionError, any other wording
)
UNREACHABLE = {
    "connection refused",
    "name or service not known",
    "temporary failure in name resolution",
    "network is unreachable",
    "no route to host",
    "name not resolved",
}
# A name the resolver says does not exist: not retried (it will not resolve in seconds).
# "Temporary failure in name resolution" is retried with back-off: a machine waking up
# from sleep, its network not back yet, says that for a few seconds.
UNRESOLVED = {"name or service not known", "name not resolved"}


def _reason(exc: Exception) -> str:
    text = str(exc)
    for marker, reason in _REASONS:
        if marker in text:
            return reason
    return type(exc).__name__
