"""The data radar passes around, and arXiv identifiers."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from radar.errors import UsageError

# New-style ids (0704.0001 onwards, 5 digits after the dot from 1501) and old-style
# ids such as hep-th/9901001 or math.GT/0309136, each with an optional version.
_ID_RE = re.compile(
    r"""^(?:
        (?P<new>\d{4}\.\d{4,5})
      | (?P<old>[a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7})
    )(?:v(?P<version>\d+))?$""",
    re.VERBOSE,
)
_PREFIX_RE = re.compile(
    r"^(?:arxiv:|https?://(?:www\.|export\.)?arxiv\.org/(?:abs|pdf)/|oai:arxiv\.org:)",
    re.IGNORECASE,
)

ANNOUNCE_TYPES = ("new", "cross", "replace", "replace-cross")


def parse_arxiv_id(text: str) -> tuple[str, int | None]:
    """Return (versionless id, version or None) for the forms users and feeds use.

    Accepts `2511.05963`, `2511.05963v4`, `arXiv:2511.05963`, abs and pdf URLs, and the
    `oai:arXiv.org:` guids of the listing feeds.
    """
    value = text.strip()
    value = _PREFIX_RE.sub("", value)
    value = value.removesuffix(".pdf").rstrip("/")
    m = _ID_RE.match(value)
    if not m:
        raise UsageError(f"not an arXiv id: {text.strip()!r} (expected e.g. 2511.05963 or 2511.05963v2)")
    base = m.group("new") or m.group("old")
    version = int(m.group("version")) if m.group("version") else None
    return base, version


def paper_ref(text: str) -> str:
    """The stored id a user means: an arXiv id in any form, or a feed paper's own id
    (`doi:10.1038/...`, `feed:...`) as radar shows it."""
    value = text.strip()
    if value.lower().startswith(("doi:", "feed:")):
        prefix, rest = value.split(":", 1)
        return f"{prefix.lower()}:{rest.strip().lower() if prefix.lower() == 'doi' else rest.strip()}"
    return parse_arxiv_id(value)[0]


def abs_url(paper_id: str) -> str:
    return f"https://arxiv.org/abs/{paper_id}"


@dataclass
class Author:
    name: str
    affiliations: list[str] = field(default_factory=list)


@dataclass
class Paper:
    """One arXiv paper as a source reported it: the current version's metadata."""

    id: str
    version: int
    title: str
    abstract: str
    authors: list[Author]
    primary_category: str
    categories: list[str]
    published: datetime | None = None  # v1 submission time (UTC)
    updated: datetime | None = None  # this version's submission time (UTC)
    comment: str | None = None
    journal_ref: str | None = None
    doi: str | None = None
    announce_type: str | None = None  # new / cross / replace / replace-cross, when a listing said
    announced: date | None = None  # the listing day, when a listing said
    source: str | None = None  # feed:<follow id> for a followed feed's paper; None for arXiv
    source_name: str | None = None  # that feed's title
    url: str | None = None  # the paper's page outside arXiv
    # The day this record is known current as of: a harvest's datestamp, the snapshot's
    # update_date, the day before a fetch. A later one corrects the same version's metadata.
    metadata_date: str | None = None

    @property
    def is_arxiv(self) -> bool:
        return self.source is None

    @property
    def link(self) -> str:
        if self.is_arxiv or not self.url:
            return abs_url(self.id)
        return self.url

    @property
    def when(self) -> datetime | None:
        """When this version was submitted (the first's time if a source gave no other)."""
        return self.updated or self.published

    @property
    def listing_date(self) -> date | None:
        """The day this version appeared: the announcement day, else its submission day."""
        if self.announced is not None:
            return self.announced
        if self.updated is not None:
            return self.updated.date()
        if self.published is not None:
            return self.published.date()
        return None


@dataclass
class Follow:
    id: int
    kind: str  # author / category / topic
    value: str  # as the user typed it (categories in arXiv's spelling)
    created_utc: str
    papers: int = 0  # stored papers it matches
    # For a person: which of the people sharing the name it means (radar.people.Choice
    # as plain data); None counts every paper with the name.
    person: dict[str, list[str]] | None = None


@dataclass
class Match:
    follow_id: int
    kind: str
    value: str
    strength: str  # exact / initial for authors; phrase / primary / cross otherwise
    reason: str
    matched_name: str | None = None
