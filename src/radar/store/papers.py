"""Paper rows: turning papers into rows and back, the merge rules for a paper seen again,
saving a batch of rows, linking a journal's copy to its arXiv paper, and reading papers."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from radar.database import Database
from radar.model import Author, Paper
from radar.names import ParsedName, lookup_keys, match_strength, normalise, parse_name, surname_key
from radar.store.bulk import insert_papers
from radar.store.sql import chunks, iso, matches_a_follow, parse_utc, placeholders, utc_now


@dataclass
class ImportCounts:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[str] = field(default_factory=list)
    new_ids: list[str] = field(default_factory=list)
    updated_ids: list[str] = field(default_factory=list)
    filled_ids: list[str] = field(default_factory=list)  # same version, gaps filled in

    def add(self, other: ImportCounts) -> None:
        self.new += other.new
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.skipped.extend(other.skipped)
        self.new_ids.extend(other.new_ids)
        self.updated_ids.extend(other.updated_ids)
        self.filled_ids.extend(other.filled_ids)

    @property
    def changed_ids(self) -> list[str]:
        return self.new_ids + self.updated_ids


_FIELDS = (
    "version",
    "title",
    "abstract",
    "authors_json",
    "primary_category",
    "categories_json",
    "published_utc",
    "updated_utc",
    "comment",
    "journal_ref",
    "doi",
    "announce_type",
    "announced_date",
    "listing_date",
    "source",
    "source_name",
    "url",
    "doi_key",
    "title_key",
)
# What a record dated later than the stored one corrects in the same version.
_CORRECTABLE = (
    "title",
    "abstract",
    "authors_json",
    "primary_category",
    "categories_json",
    "comment",
    "journal_ref",
    "doi",
    "doi_key",
    "title_key",
)


# json.dumps with an option builds a new encoder per call; this runs twice per paper.
_to_json = json.JSONEncoder(ensure_ascii=False).encode


def paper_to_row(paper: Paper) -> dict[str, Any]:
    listing = paper.listing_date
    return {
        "id": paper.id,
        "version": paper.version,
        "title": paper.title,
        "abstract": paper.abstract,
        "authors_json": _to_json([{"name": a.name, "affiliations": a.affiliations} for a in paper.authors]),
        "primary_category": paper.primary_category,
        "categories_json": _to_json(paper.categories),
        "published_utc": iso(paper.published),
        "updated_utc": iso(paper.updated),
        "comment": paper.comment,
        "journal_ref": paper.journal_ref,
        "doi": paper.doi,
        "announce_type": paper.announce_type,
        "announced_date": paper.announced.isoformat() if paper.announced else None,
        "listing_date": listing.isoformat() if listing else None,
        "source": paper.source,
        "source_name": paper.source_name,
        "url": paper.url,
        "doi_key": paper.doi.lower() if paper.doi else None,
        "title_key": title_key(paper.title),
        "metadata_date": paper.metadata_date,
    }


def title_key(title: str) -> str:
    """A title's words, normalised: the same paper's title in two feeds gives the same key."""
    return normalise(title)


def row_to_paper(row: dict[str, Any]) -> Paper:
    return Paper(
        id=row["id"],
        version=row["version"],
        title=row["title"],
        abstract=row["abstract"] or "",
        authors=[
            Author(a["name"], a.get("affiliations") or []) for a in json.loads(row["authors_json"] or "[]")
        ],
        primary_category=row["primary_category"] or "",
        categories=json.loads(row["categories_json"] or "[]"),
        published=parse_utc(row["published_utc"]),
        updated=parse_utc(row["updated_utc"]),
        comment=row["comment"],
        journal_ref=row["journal_ref"],
        doi=row["doi"],
        announce_type=row["announce_type"],
        announced=date.fromisoformat(row["announced_date"]) if row["announced_date"] else None,
        source=row.get("source"),
        source_name=row.get("source_name"),
        url=row.get("url"),
    )


def _merge(old: dict[str, Any], new: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Decide what a freshly parsed row means for the stored one: new version, or same.

    For the same version, a source fills what the stored row lacks, and a record dated
    later than the day the stored copy was current (metadata_date) also corrects it.
    """
    if new["version"] > old["version"]:
        merged = dict(new)
        # The v1 submission time never changes; a listing does not carry it.
        merged["published_utc"] = new["published_utc"] or old["published_utc"]
        if new["announced_date"] is None and new["announce_type"] is None:
            merged["announce_type"] = "replace"
        return "updated", merged
    if new["version"] < old["version"]:
        return "unchanged", old
    merged = dict(old)
    # Undated rows (saved responses, stores from before the date was kept) are current
    # at least as of their version's submission day.
    as_of = old.get("metadata_date") or _day(old["updated_utc"] or old["published_utc"]) or ""
    if new["metadata_date"] is not None and new["metadata_date"] > as_of:
        # arXiv changed the record after the stored copy was current: a cross-list, a
        # journal reference or a corrected title added without a new version.
        for key in _CORRECTABLE:
            if new.get(key) not in (None, "", "[]"):
                merged[key] = new[key]
        merged["authors_json"] = _keep_affiliations(old["authors_json"], new["authors_json"])
        merged["metadata_date"] = new["metadata_date"]
    for key in _FIELDS:
        if merged.get(key) in (None, "", "[]") and new.get(key) not in (None, "", "[]"):
            merged[key] = new[key]
    # A listing knows how the paper was announced (cross-list, replacement); the API
    # only guesses from the version number, so a listing's word wins.
    if new["announced_date"] is not None:
        merged["announce_type"] = new["announce_type"]
        merged["announced_date"] = new["announced_date"]
    merged["listing_date"] = merged["announced_date"] or _day(merged["updated_utc"]) or old["listing_date"]
    # A later date alone is not a change: nothing is written for it.
    return ("unchanged" if all(merged.get(k) == old.get(k) for k in _FIELDS) else "filled"), merged


def _keep_affiliations(old_json: str | None, new_json: str | None) -> str | None:
    """A corrected author list, keeping the affiliations the stored one had for the same
    names: the snapshot and arXivRaw carry none, the API and the listings do."""
    if not new_json or new_json == "[]" or not old_json:
        return old_json
    old_authors, new_authors = json.loads(old_json), json.loads(new_json)
    if [a["name"] for a in old_authors] == [a["name"] for a in new_authors]:
        return old_json
    known = {a["name"]: a.get("affiliations") or [] for a in old_authors}
    for author in new_authors:
        if not author.get("affiliations") and known.get(author["name"]):
            author["affiliations"] = known[author["name"]]
    return _to_json(new_authors)


def _day(timestamp: str | None) -> str | None:
    return timestamp[:10] if timestamp else None


@dataclass
class Prepared:
    """A paper as rows, worked out without the database: parsing workers send these to the
    one process that writes."""

    row: dict[str, Any]
    authors: list[tuple[str, str]]  # (name as printed, surname key) in paper order
    categories: list[str]

    @property
    def when(self) -> datetime | None:
        """Paper.when, from the row."""
        return parse_utc(self.row["updated_utc"] or self.row["published_utc"])


def author_rows(names: Iterable[str]) -> list[tuple[str, str]]:
    rows = []
    for name in names:
        try:
            key = surname_key(name)
        except ValueError:
            key = ""
        rows.append((name, key))
    return rows


def prepare(paper: Paper) -> Prepared:
    return Prepared(
        paper_to_row(paper),
        author_rows(a.name for a in paper.authors),
        list(dict.fromkeys(paper.categories)),
    )


def save_rows(db: Database, items: Iterable[Prepared]) -> ImportCounts:
    """Write prepared papers inside the caller's transaction and report what changed:
    new papers, new versions, gaps filled in; saving the same papers twice changes nothing
    the second time. Matching, linking and feedback are the caller's (radar.ingest)."""
    counts = ImportCounts()
    latest: dict[str, Prepared] = {}
    for item in items:
        row = item.row
        if row["listing_date"] is None:
            counts.skipped.append(f"{row['id']}: no date")
            continue
        seen = latest.get(row["id"])
        # The same paper twice in one batch: keep the newest version.
        if seen is None or row["version"] >= seen.row["version"]:
            latest[row["id"]] = item
    if latest:
        _save_rows(db, latest, counts, utc_now())
    return counts


def _save_rows(db: Database, latest: dict[str, Prepared], counts: ImportCounts, now: str) -> None:
    ids = list(latest)
    existing: dict[str, dict[str, Any]] = {}
    for part in chunks(ids):
        for stored in db.query(f"select * from papers where id in ({placeholders(part)})", part):
            existing[stored["id"]] = stored
    inserts: list[Prepared] = []
    updates: list[dict[str, Any]] = []
    versions: list[tuple[str, int, str | None, str]] = []
    for paper_id, item in latest.items():
        row = item.row
        old = existing.get(paper_id)
        if old is None:
            inserts.append(item)
            counts.new += 1
            counts.new_ids.append(paper_id)
        else:
            outcome, merged = _merge(old, row)
            if outcome == "unchanged":
                counts.unchanged += 1
                continue
            updates.append({**merged, "first_seen_utc": old["first_seen_utc"], "changed_utc": now})
            if outcome == "updated":
                counts.updated += 1
                counts.updated_ids.append(paper_id)
            else:
                counts.unchanged += 1  # same version, gaps filled in: not news
                counts.filled_ids.append(paper_id)
        versions.append((paper_id, row["version"], row["updated_utc"], now))
    # Plain executemany on the hot path: sqlite-utils' generic insert_all costs
    # more than the SQLite work itself at thousands of papers a second.
    if inserts:
        insert_papers(db, [i.row for i in inserts], now)
    if updates:
        # A fixed list: rows from a stored record carry columns a parsed paper lacks.
        columns = [*_FIELDS, "metadata_date", "first_seen_utc", "changed_utc"]
        db.conn.executemany(
            f"update papers set {', '.join(f'{c} = ?' for c in columns)} where id = ?",
            [[row[c] for c in columns] + [row["id"]] for row in updates],
        )
    db.conn.executemany(
        "insert or ignore into paper_versions (paper_id, version, updated_utc, seen_utc) values (?, ?, ?, ?)",
        versions,
    )
    _write_authors_and_categories(db, inserts, updates)


def _write_authors_and_categories(
    db: Database, inserted: list[Prepared], updates: list[dict[str, Any]]
) -> None:
    # Only updated papers have rows to replace; new ones have none to delete.
    for part in chunks([r["id"] for r in updates]):
        db.execute(f"delete from paper_authors where paper_id in ({placeholders(part)})", part)
        db.execute(f"delete from paper_categories where paper_id in ({placeholders(part)})", part)
    # An update's final row may keep stored fields, so its authors come from the row.
    entries = [(i.row["id"], i.authors, i.categories) for i in inserted] + [
        (
            r["id"],
            author_rows(a["name"] for a in json.loads(r["authors_json"])),
            list(dict.fromkeys(json.loads(r["categories_json"]))),
        )
        for r in updates
    ]
    authors: list[tuple[str, int, str, str]] = []
    categories: list[tuple[str, str]] = []
    for paper_id, names, cats in entries:
        authors += [(paper_id, position, name, key) for position, (name, key) in enumerate(names)]
        categories += [(paper_id, category) for category in cats]
    db.conn.executemany(
        "insert into paper_authors (paper_id, position, name, name_key) values (?, ?, ?, ?)", authors
    )
    db.conn.executemany("insert into paper_categories (paper_id, category) values (?, ?)", categories)


# Journal-feed papers are few among millions of arXiv's, but ANALYZE statistics see one
# value (null) in the source index and make the planner scan the table: name the index.
_FEED_PAPERS = "indexed by idx_papers_source where source is not null"


def unlinked_feed_papers(db: Database) -> list[str]:
    return [r[0] for r in db.execute(f"select id from papers {_FEED_PAPERS} and linked_to is null")]


def link_versions(db: Database, paper_ids: Sequence[str]) -> int:
    """A feed's paper that is a version of a stored arXiv paper is linked to it and never
    shown beside it; the arXiv paper learns where it was published. A DOI match links;
    a title match links only with the same first author and only when it is the one
    candidate. Works whichever of the two arrived first."""
    unlinked = f"select exists(select 1 from papers {_FEED_PAPERS} and linked_to is null)"
    if not db.execute(unlinked).fetchone()[0]:
        return 0  # arXiv only: nothing to link, and this runs on every save
    pairs = (
        "select f.id, a.id, f.source_name, '{key}' from papers f join papers a on a.{key} = f.{key} "
        "where f.source is not null and a.source is null and f.linked_to is null and {side}.id in ({marks})"
    )
    candidates: dict[str, dict[str, set[str]]] = {}
    names: dict[str, str] = {}
    for part in chunks(list(paper_ids)):
        marks = placeholders(part)
        sql = " union ".join(
            pairs.format(key=key, side=side, marks=marks)
            for key in ("doi_key", "title_key")
            for side in ("f", "a")
        )
        for feed_id, arxiv_id, source_name, key in db.execute(sql, list(part) * 4).fetchall():
            candidates.setdefault(feed_id, {"doi_key": set(), "title_key": set()})[key].add(arxiv_id)
            names[feed_id] = source_name
    linked = 0
    for feed_id, by_key in candidates.items():
        by_doi = by_key["doi_key"]
        by_title = {a for a in by_key["title_key"] if _same_first_author(db, feed_id, a)}
        chosen = by_doi if by_doi else by_title
        if len(chosen) != 1:
            continue  # none, or ambiguous: better two cards than a wrong link
        (arxiv_id,) = chosen
        cursor = db.execute(
            "update papers set linked_to = ? where id = ? and linked_to is null", [arxiv_id, feed_id]
        )
        if cursor.rowcount == 1:
            db.execute(
                "update papers set journal_ref = ? where id = ? and (journal_ref is null or journal_ref = '')",
                [names[feed_id], arxiv_id],
            )
            linked += 1
    return linked


def _same_first_author(db: Database, a: str, b: str) -> bool:
    sql = "select paper_id, name_key from paper_authors where position = 0 and paper_id in (?, ?)"
    keys = dict(db.execute(sql, [a, b]).fetchall())
    # Both must name a first author, and the same surname: a title alone is not enough.
    return a in keys and b in keys and keys[a] == keys[b]


def papers_by(db: Database, person: ParsedName, paper_ids: Sequence[str]) -> set[str]:
    """Which of these papers this person signed, matched as strictly as a follow is."""
    keys = lookup_keys(person)
    found: set[str] = set()
    for part in chunks(list(paper_ids)):
        rows = db.execute(
            f"select paper_id, name from paper_authors where name_key in ({placeholders(keys)}) "
            f"and paper_id in ({placeholders(part)})",
            [*keys, *part],
        )
        found.update(paper_id for paper_id, name in rows if match_strength(person, parse_name(name)))
    return found


def get_paper(db: Database, paper_id: str) -> Paper | None:
    rows = list(db.query("select * from papers where id = ?", [paper_id]))
    return row_to_paper(rows[0]) if rows else None


def get_papers(db: Database, ids: Sequence[str]) -> dict[str, Paper]:
    found: dict[str, Paper] = {}
    for part in chunks(list(ids)):
        for row in db.query(f"select * from papers where id in ({placeholders(part)})", part):
            found[row["id"]] = row_to_paper(row)
    return found


def paper_versions(db: Database, paper_id: str) -> list[dict[str, Any]]:
    return list(
        db.query(
            "select version, updated_utc, seen_utc from paper_versions where paper_id = ? order by version",
            [paper_id],
        )
    )


def newest_listing_date(db: Database, matched_only: bool = False) -> str | None:
    """The newest listing day stored; with matched_only, the newest with a paper that
    matches a follow (walking the listing_date index down, so it stays fast)."""
    if not matched_only:
        row = db.execute("select max(listing_date) from papers").fetchone()
        return row[0] if row else None
    row = db.execute(
        f"select listing_date from papers where {matches_a_follow('papers.id')} order by listing_date desc limit 1"
    ).fetchone()
    return row[0] if row else newest_listing_date(db)


def matched_paper_ids(db: Database) -> list[str]:
    """Every paper that matches a follow, once. Each part of the matches' index gives
    its papers in order and the two are merged, without sorting a million ids."""
    sql = (
        "select m.paper_id from matches m where m.broad = 0 "
        "union select m.paper_id from matches m where m.broad = 1 order by 1"
    )
    return [r[0] for r in db.execute(sql)]


def has_follows(db: Database) -> bool:
    return db.execute("select 1 from follows limit 1").fetchone() is not None


def has_feedback(db: Database) -> bool:
    """Stars, hides or mutes exist: only then does ranking load the feedback module."""
    return bool(
        db.execute("select exists(select 1 from feedback) or exists(select 1 from mutes)").fetchone()[0]
    )


def count_papers(db: Database) -> int:
    return int(db.execute("select count(*) from papers").fetchone()[0])
