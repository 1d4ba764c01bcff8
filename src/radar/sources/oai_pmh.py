"""arXiv's OAI-PMH interface (oaipmh.arxiv.org/oai): ListRecords requests, strict parsing.

The one module that talks OAI-PMH. A harvest asks `verb=ListRecords` with a metadata
format, a set and a `from` day, then follows resumption tokens (`verb=ListRecords&
resumptionToken=...` and nothing else, as the protocol requires). lxml parses strictly,
as for the API: an HTML page, malformed or truncated XML, or a page without the
structure OAI-PMH promises is refused whole, never half-trusted.

Which metadata format: radar needs two things from a record, the version history
(new versions are how `radar today` labels updates, `paper_versions` keeps their dates)
and author names its matcher can read. `arXivRaw` gives every version with its date
and the authors as one display string ("A, B and C", affiliations in parentheses),
the same string the listings carry and radar already splits and matches. `arXiv` gives
structured names (keyname, forenames, suffix) but only the first and last submission
days and no version number at all. radar's matcher parses display names either way, so
structured names add little, while a missing version number cannot be recovered: the
default is `arXivRaw`. `arXiv` is accepted; its papers get a lower bound for their
version (1, or 2 when the record has an `updated` day), and the store never lets a
lower version replace a higher one it already has.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

from radar.errors import ArxivQueryError, BadResponseError, RadarError, UsageError
from radar.model import Author, Paper, parse_arxiv_id
from radar.sources.arxiv_rss import split_creators
from radar.taxonomy import CATEGORIES, canonical_category, suggest_categories
from radar.text import one_line

if TYPE_CHECKING:
    from radar.http import Http

OAI = "http://www.openarchives.org/OAI/2.0/"
FORMATS = {
    "arXivRaw": "http://arxiv.org/OAI/arXivRaw/",
    "arXiv": "http://arxiv.org/OAI/arXiv/",
}
DEFAULT_FORMAT = "arXivRaw"

_O = "{" + OAI + "}"


# --- sets -----------------------------------------------------------------------------------

# arXiv's groups other than physics share their name with their one archive (cs -> cs:cs);
# every other archive (astro-ph, hep-th, cond-mat, nlin, physics, ...) is in physics.
_OWN_GROUPS = frozenset({"cs", "econ", "eess", "math", "q-bio", "q-fin", "stat"})
GROUPS = _OWN_GROUPS | {"physics"}
# group, group:archive or group:archive:SUBJECT (cs, cs:cs, cs:cs:LG, physics:cond-mat:str-el).
_SET_RE = re.compile(r"^[a-z][a-z-]*(?::[a-z][a-z-]*(?::[A-Za-z][A-Za-z-]*)?)?$")


def _group(archive: str) -> str:
    return archive if archive in _OWN_GROUPS else "physics"


def _archives() -> set[str]:
    return {cat.partition(".")[0] for cat in CATEGORIES}


def archive_set(category: str) -> str:
    """The set of a category's whole archive: cs.LG -> cs:cs, astro-ph.GA -> physics:astro-ph."""
    archive = category.partition(".")[0]
    return f"{_group(archive)}:{archive}"


def category_set(category: str) -> str:
    """One category's set: cs.LG -> cs:cs:LG; hep-th (an archive without subjects) -> physics:hep-th."""
    archive, _, subject = category.partition(".")
    if not subject:
        return archive_set(category)
    return f"{_group(archive)}:{archive}:{subject}"


def set_spec(value: str) -> str | None:
    """The OAI setSpec for what a user typed: a category (cs.LG), an archive (hep-th, math),
    a setSpec as arXiv spells it (cs:cs:LG), or `all` (None: no set, the whole of arXiv)."""
    text = value.strip()
    if text.lower() == "all":
        return None
    if ":" not in text:
        category = canonical_category(text)
        if category is not None:
            return category_set(category)
        if text.lower() in GROUPS:
            return text.lower()
        if text.lower() in _archives():
            return archive_set(text.lower())
    if _SET_RE.match(text) and text.split(":")[0] in GROUPS:
        # Well formed: arXiv itself says whether such a set exists.
        return text
    close = suggest_categories(text) if "." in text else []
    hint = f" (did you mean {', '.join(close)}?)" if close else ""
    raise UsageError(
        f"not an arXiv set: {value!r}{hint}; sets look like cs.LG, hep-th, math, cs:cs:LG, "
        "physics:hep-th or all"
    )


# --- requests -------------------------------------------------------------------------------


def request_params(
    metadata_prefix: str, set_spec: str | None, from_date: date | None, token: str | None
) -> dict[str, str]:
    """A ListRecords request. A resumption token is an exclusive argument: only the verb goes with it."""
    if token:
        return {"verb": "ListRecords", "resumptionToken": token}
    params = {"verb": "ListRecords", "metadataPrefix": metadata_prefix}
    if set_spec:
        params["set"] = set_spec
    if from_date is not None:
        params["from"] = from_date.isoformat()
    return params


# --- parsing --------------------------------------------------------------------------------


@dataclass
class OaiPage:
    response_date: datetime
    papers: list[Paper] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)  # ids of records arXiv marks deleted
    skipped: list[str] = field(default_factory=list)  # reasons, one per record not kept
    token: str | None = None  # None: the list is complete
    complete_size: int | None = None  # completeListSize, when the server says
    error: tuple[str, str] | None = None  # (code, message) of an OAI-PMH error answer


class OaiError(ArxivQueryError):
    """arXiv answered with an OAI-PMH error: the request itself was refused."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


class ExpiredTokenError(RadarError):
    """badResumptionToken: the token expired (they last about a day) or is unknown."""


def _parser() -> Any:
    from lxml import etree

    return etree.XMLParser(resolve_entities=False, no_network=True, recover=False)


def parse_list_records(content: bytes, metadata_prefix: str, source: str = "OAI-PMH") -> OaiPage:
    """Parse one ListRecords answer. Raises BadResponseError for anything untrustworthy;
    an OAI-PMH error answer comes back as a page with `error` set."""
    from lxml import etree

    try:
        root = etree.fromstring(content, parser=_parser())
    except etree.XMLSyntaxError as exc:
        raise BadResponseError(f"{source}: not well-formed XML ({exc})") from None
    if root is None or root.tag != _O + "OAI-PMH":
        raise BadResponseError(f"{source}: not an OAI-PMH response (an HTML page or another document)")
    response_date = _response_date(root.findtext(_O + "responseDate"), source)
    errors = root.findall(_O + "error")
    if errors:
        # OAI-PMH may list several errors; the first says enough, and all are refusals.
        first = errors[0]
        return OaiPage(response_date, error=(first.get("code") or "unknown", one_line(first.text)))
    listed = root.find(_O + "ListRecords")
    if listed is None:
        raise BadResponseError(f"{source}: an OAI-PMH response without ListRecords")
    page = OaiPage(response_date)
    namespace = FORMATS[metadata_prefix]
    for record in listed.iterfind(_O + "record"):
        _read_record(record, namespace, metadata_prefix, page, source)
    token = listed.find(_O + "resumptionToken")
    if token is not None:
        page.token = (token.text or "").strip() or None
        page.complete_size = _int(token.get("completeListSize"))
    if not page.papers and not page.deleted and not page.skipped:
        # A list that has nothing must say noRecordsMatch; an empty page is a broken answer.
        raise BadResponseError(f"{source}: a ListRecords page without records")
    return page


def _response_date(text: str | None, source: str) -> datetime:
    if not text:
        raise BadResponseError(f"{source}: an OAI-PMH response without responseDate")
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise BadResponseError(f"{source}: unreadable responseDate {one_line(text)!r}") from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _datestamp_day(text: str) -> str | None:
    """A datestamp's day (YYYY-MM-DD), or None for one radar cannot read."""
    try:
        return date.fromisoformat(one_line(text)[:10]).isoformat()
    except ValueError:
        return None


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


def _read_record(record: Any, namespace: str, metadata_prefix: str, page: OaiPage, source: str) -> None:
    header = record.find(_O + "header")
    identifier = header.findtext(_O + "identifier") if header is not None else None
    if header is None or not identifier or not header.findtext(_O + "datestamp"):
        raise BadResponseError(f"{source}: a record without its header (identifier and datestamp)")
    if header.get("status") == "deleted":
        page.deleted.append(one_line(identifier).removeprefix("oai:arXiv.org:"))
        return
    metadata = record.find(_O + "metadata")
    found = metadata.find("{" + namespace + "}" + metadata_prefix) if metadata is not None else None
    if found is None:
        raise BadResponseError(
            f"{source}: a record without {metadata_prefix} metadata ({one_line(identifier)})"
        )
    try:
        paper = (
            _raw_paper(found, namespace) if metadata_prefix == "arXivRaw" else _arxiv_paper(found, namespace)
        )
        header_id, _ = parse_arxiv_id(one_line(identifier))
        if header_id != paper.id:
            raise ValueError(f"its header says {header_id}")
        # The datestamp is the day arXiv last changed the record.
        paper.metadata_date = _datestamp_day(header.findtext(_O + "datestamp"))
    except (ValueError, RadarError) as exc:
        page.skipped.append(one_line(f"{identifier}: {exc}"))
        return
    page.papers.append(paper)


def _fields(element: Any) -> dict[str, str]:
    """The text of each child, by local name; the first wins."""
    fields: dict[str, str] = {}
    for child in element:
        if isinstance(child.tag, str) and child.text is not None:
            fields.setdefault(child.tag.rpartition("}")[2], child.text)
    return fields


def _common(fields: dict[str, str]) -> dict[str, Any]:
    raw_id = fields.get("id")
    if not raw_id:
        raise ValueError("no <id>")
    paper_id, _ = parse_arxiv_id(one_line(raw_id))
    title = one_line(fields.get("title"))
    if not title:
        raise ValueError("no title")
    categories = one_line(fields.get("categories")).split()
    # Several DOIs arrive in one element ("10.1103/A 10.1103/B"); the first is the paper's.
    dois = re.split(r"[\s,;]+", one_line(fields.get("doi")))
    return {
        "id": paper_id,
        "title": title,
        "abstract": one_line(fields.get("abstract")),
        # arXiv lists the primary category first.
        "primary_category": categories[0] if categories else "",
        "categories": list(dict.fromkeys(categories)),
        "comment": one_line(fields.get("comments")) or None,
        "journal_ref": one_line(fields.get("journal-ref")) or None,
        "doi": dois[0] or None,
    }


def _raw_paper(element: Any, namespace: str) -> Paper:
    versions: dict[int, datetime] = {}
    for version in element.iterfind("{" + namespace + "}version"):
        label = (version.get("version") or "").strip()
        if not re.fullmatch(r"v\d+", label):
            raise ValueError(f"a version labelled {label!r}")
        when = version.findtext("{" + namespace + "}date")
        try:
            versions[int(label[1:])] = parsedate_to_datetime(one_line(when)).astimezone(UTC)
        except (TypeError, ValueError):
            raise ValueError(f"version {label} has no readable date") from None
    if not versions:
        raise ValueError("no version history")
    fields = _fields(element)
    latest = max(versions)
    return Paper(
        **_common(fields),
        version=latest,
        authors=split_authors(fields.get("authors", "")),
        published=versions[min(versions)],
        updated=versions[latest],
        announce_type="new" if latest == 1 else "replace",
    )


def _arxiv_paper(element: Any, namespace: str) -> Paper:
    ns = "{" + namespace + "}"
    authors = []
    for author in element.iterfind(f"{ns}authors/{ns}author"):
        parts = [one_line(author.findtext(ns + tag)) for tag in ("forenames", "keyname", "suffix")]
        name = " ".join(part for part in parts if part)
        if name:
            affiliations = [one_line(a.text) for a in author.iterfind(ns + "affiliation") if a.text]
            authors.append(Author(name=name, affiliations=affiliations))
    fields = _fields(element)
    created = _day(fields.get("created"))
    if created is None:
        raise ValueError("no created day")
    updated = _day(fields.get("updated"))
    # No version numbers in this format: an `updated` day means at least a second version.
    version = 2 if updated is not None and updated > created else 1
    return Paper(
        **_common(fields),
        version=version,
        authors=authors,
        published=created,
        updated=updated or created,
        announce_type="new" if version == 1 else "replace",
    )


def _day(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        day = date.fromisoformat(one_line(text))
    except ValueError:
        raise ValueError(f"unreadable day {one_line(text)!r}") from None
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


_AUTHOR_BREAK = re.compile(r"(\(|\)| and )")


def split_authors(text: str) -> list[Author]:
    """arXivRaw's author line ("A, B, and C (Univ, Dept)", "A and B") into authors.

    " and " between names becomes a comma; inside parentheses it belongs to an affiliation.
    """
    depth = 0
    parts: list[str] = []
    for piece in _AUTHOR_BREAK.split(one_line(text)):
        if piece == "(":
            depth += 1
        elif piece == ")":
            depth = max(0, depth - 1)
        elif piece == " and " and depth == 0:
            piece = ", "
        parts.append(piece)
    return split_creators("".join(parts))


# --- one request ----------------------------------------------------------------------------

# The old interface's noRecordsMatch for a set that does not exist; today's message for an
# empty result ("... from, until, set and metadataPrefix arguments results in an empty
# list") must not match.
_UNKNOWN_SET = re.compile(r"\bmatch\w* any sets?\b", re.IGNORECASE)


def list_records(
    http: Http,
    url: str,
    source: str,
    metadata_prefix: str,
    set_spec: str | None,
    from_date: date | None,
    token: str | None,
) -> OaiPage:
    """One ListRecords page. noRecordsMatch is an empty, complete page; an expired token
    raises ExpiredTokenError; any other OAI-PMH error raises OaiError (one line)."""
    params = request_params(metadata_prefix, set_spec, from_date, token)
    response = http.get(url, source, params=params)
    try:
        page = parse_list_records(response.content, metadata_prefix, source)
    except BadResponseError:
        if response.status_code != 200:
            # An HTTP 400 without an OAI-PMH body: the status says more than the body.
            raise BadResponseError(f"{source}: HTTP {response.status_code}") from None
        raise
    if page.error is not None:
        code, message = page.error
        if code == "noRecordsMatch" and not _UNKNOWN_SET.search(message):
            return page
        if code == "badResumptionToken":
            raise ExpiredTokenError(f"{source}: arXiv no longer knows the resumption token ({message})")
        # badArgument (today's answer for an unknown set), cannotDisseminateFormat,
        # noSetHierarchy...: the request itself is wrong, and asking again will not help.
        raise OaiError(f"{source}: arXiv refused the request: {code}: {message or 'no reason given'}", code)
    if response.status_code != 200:
        raise BadResponseError(f"{source}: HTTP {response.status_code}")
    return page
