"""The one error family radar's core raises; the CLI turns it into `Error: ...` and exit 1."""


class RadarError(Exception):
    """An expected failure a user can act on. The message is shown as one line."""


class UsageError(RadarError):
    """A bad value on the command line (exit code 2, like Typer's own usage errors)."""


class NotFoundError(RadarError):
    """Something the user named is not in the store."""


class StoreError(RadarError):
    """The database cannot be opened, is not radar's, or cannot be written."""


class BadResponseError(RadarError):
    """A response from arXiv (or a saved copy of one) that must not be trusted."""


class ArxivQueryError(BadResponseError):
    """arXiv answered with its error feed: the query itself was refused."""


class SourceError(RadarError):
    """A source could not be reached after all retries."""


class HostDownError(SourceError):
    """A host that could not be reached at all (`unreachable`: refused, a name that does
    not resolve, no route) or did not answer (it timed out after every retry) is given up
    on for the rest of the run: this request failed on it, or was not made at all
    (`skipped`)."""

    def __init__(
        self, message: str, host: str, reason: str, skipped: bool, unreachable: bool = False
    ) -> None:
        super().__init__(message)
        self.host = host
        self.reason = reason
        self.skipped = skipped
        self.unreachable = unreachable


class DeadlineError(SourceError):
    """The run's deadline (RADAR_FETCH_DEADLINE) passed: no further request is made."""


class LockedError(RadarError):
    """Another radar process holds the fetch lock."""


class ModelError(RadarError):
    """The language model could not be used."""
