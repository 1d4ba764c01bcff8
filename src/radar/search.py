"""`radar search`: full-text search of every stored paper, ranked by FTS5's bm25."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from radar.database import Database
from radar.errors import UsageError
from radar.follows import matching_spellings, parse_person
from radar.latex import search_text
from radar.names import lookup_keys
from radar.rank import Card, Ranked, load_cards, matches_for
from radar.store import chunks, fts_phrase, placeholders

# Title words count this many times an abstract word: a paper named for the query is
# what people look for first.
TITLE_WEIGHT = 5.0
# What makes a query FTS5 syntax rather than plain words: quotes, grouping, prefix
# search, column filters, and an operator (upper case, as FTS5 requires) between two
# terms. "C++", "arXiv:2101.00001", "NOT gate" and "NEAR-field optics" stay plain words.
_SYNTAX_RE = re.compile(r'["()*^]|\S\s+(?:AND|OR|NOT|NEAR)\s+\S|\b(?:title|abstract)\s*:')
_WORD_RE = re.compile(r"\w", re.UNICODE)
# The index's ranking is read at least RANKED_CHUNK rows at a time, within a first
# window of at least RANKED_WINDOW rows (see _ranking).
RANKED_CHUNK = 200
RANKED_WINDOW = 1000


@dataclass
class Query:
    fts: str  # what goes to MATCH
    phrase: str | None  # the whole query as one phrase, ranked first when it is plain words


def build_query(text: str) -> Query:
    """Plain words become quoted terms (so "self-supervised" or "C++" never trip FTS5's
    syntax), all required, with papers holding them as a phrase first. A query that uses
    FTS5 syntax (quotes, OR, NOT, NEAR, prefix*, title:...) is passed as it is."""
    words = text.split()
    if not words or not _WORD_RE.search(text):
        raise UsageError("search for at least one word")
    if _SYNTAX_RE.search(text):
        # The index holds LaTeX accents decoded (radar.latex): so does the query.
        return Query(search_text(text) or text, None)
    terms = " ".join(fts_phrase(w) for w in words)
    return Query(terms, fts_phrase(text) if len(words) > 1 else None)


def check_syntax(text: str, fts: str) -> None:
    """Refuse a query FTS5 cannot parse, with its reason, before it meets the store (an
    empty in-memory index parses it the same way, and nothing else can fail there)."""
    probe = sqlite3.connect(":memory:")
    try:
        probe.execute("create virtual table papers_fts using fts5(title, abstract, tokenize='porter')")
        probe.execute("select rowid from papers_fts where papers_fts match ?", [fts]).fetchall()
    except sqlite3.OperationalError as exc:
        raise UsageError(
            f"cannot search for {text!r}: {exc}. Put words with special characters in double quotes."
        ) from None
    finally:
        probe.close()


def author_rowids(db: Database, name: str) -> list[int]:
    """Rowids of the papers by this person: the person a follow of the name chose, or
    everyone signing it, matched as strictly as a follow is (radar.people)."""
    from radar.people import followed_person, papers_of_person

    found: set[int] = set()
    if followed_person(db, name) is not None:
        ids = sorted(papers_of_person(db, name))
        for part in chunks(ids):
            found.update(
                r[0] for r in db.execute(f"select rowid from papers where id in ({placeholders(part)})", part)
            )
        return sorted(found)
    wanted = parse_person(name)
    for key in lookup_keys(wanted):
        for part in chunks(matching_spellings(db, key, [wanted])):
            found.update(
                rowid
                for (rowid,) in db.execute(
                    "select p.rowid from paper_authors pa join papers p on p.id = pa.paper_id "
                    f"where pa.name_key = ? and pa.name in ({placeholders(part)})",
                    [key, *part],
                )
            )
    return sorted(found)


def papers_of_author(
    db: Database,
    author: str,
    categories: Sequence[str] = (),
    since: date | None = None,
    limit: int = 20,
) -> list[Card]:
    """A person's stored papers, newest first: `radar search --author NAME` with no words."""
    rowids = author_rowids(db, author)
    where = ["p.linked_to is null"]
    params: list[Any] = []
    if since is not None:
        where.append("p.listing_date >= ?")
        params.append(since.isoformat())
    if categories:
        where.append(
            "exists (select 1 from paper_categories pc where pc.paper_id = p.id and pc.category in "
            f"({placeholders(list(categories))}))"
        )
        params += list(categories)
    rows: list[tuple[str, str]] = []
    for part in chunks(rowids):
        rows += db.execute(
            f"select p.id, p.listing_date from papers p where p.rowid in ({placeholders(part)}) and "
            + " and ".join(where),
            [*part, *params],
        ).fetchall()
    rows.sort(key=lambda r: (r[1] or "", r[0]), reverse=True)
    ids = [r[0] for r in rows[:limit]]
    reasons = matches_for(db, ids)
    cards = load_cards(db, [Ranked(pid, 0.0, reasons.get(pid, [])) for pid in ids])
    for card in cards:
        card.label_override = f"v{card.paper.version}"
    return cards


def search(
    db: Database,
    text: str,
    author: str | None = None,
    categories: Sequence[str] = (),
    since: date | None = None,
    limit: int = 20,
) -> list[Card]:
    query = build_query(text)
    check_syntax(text, query.fts)
    # A journal's version of an arXiv paper is shown as that paper, not beside it.
    where = ["p.linked_to is null"]
    params: dict[str, object] = {}
    if since is not None:
        where.append("p.listing_date >= :since")
        params["since"] = since.isoformat()
    if categories:
        # Any of them: a paper listed in cs.LG or stat.ML.
        names = {f"cat{n}": value for n, value in enumerate(categories)}
        where.append(
            "exists (select 1 from paper_categories pc where pc.paper_id = p.id and pc.category in "
            f"({', '.join(':' + name for name in names)}))"
        )
        params.update(names)
    rowids = None
    if author is not None:
        rowids = author_rowids(db, author)
        if not rowids:
            return []
    if query.phrase is None:
        hits = _ranked(db, query.fts, where, params, rowids, limit)
    else:
        # The phrase first: it is what people mean, and it is cheaper to rank than every
        # paper holding both words somewhere. Papers with all the words apart fill up.
        hits = _ranked(db, query.phrase, where, params, rowids, limit)
        if len(hits) < limit:
            seen = {paper_id for paper_id, _ in hits}
            more = _ranked(db, query.fts, where, params, rowids, limit + len(hits))
            hits += [h for h in more if h[0] not in seen][: limit - len(hits)]
    reasons = matches_for(db, [paper_id for paper_id, _ in hits])
    ranked = [Ranked(paper_id, -score, reasons.get(paper_id, [])) for paper_id, score in hits]
    cards = load_cards(db, ranked)
    for card in cards:
        card.label_override = f"v{card.paper.version}"
    return cards


def _ranked(
    db: Database,
    match: str,
    where: list[str],
    params: dict[str, object],
    rowids: list[int] | None,
    limit: int,
) -> list[tuple[str, float]]:
    """(paper id, bm25) of the best `limit` papers for an FTS5 query, best first.

    The index ranks on its own, and its ranking is read a few hundred rows at a time;
    only those rows are joined with the papers and filtered, until `limit` pass. Joining
    every match first meant loading tens of thousands of large rows for a common phrase.
    """
    index = "papers_fts" if rowids is None else _person_index(db, rowids)
    filters = " and ".join(["p.rowid in (select value from json_each(:rowids))", *where])
    hits: list[tuple[str, float]] = []
    for chunk in _ranking(db, index, match, max(RANKED_CHUNK, limit * 5), max(RANKED_WINDOW, limit * 50)):
        scores = dict(chunk)
        passed = db.execute(
            f"select p.rowid, p.id from papers p where {filters}",
            {**params, "rowids": json.dumps(list(scores))},
        ).fetchall()
        hits += sorted(((paper_id, scores[rowid]) for rowid, paper_id in passed), key=lambda h: (h[1], h[0]))
        if len(hits) >= limit:
            break
    return hits[:limit]


def _ranking(db: Database, index: str, match: str, chunk_rows: int, window: int) -> Iterator[list[Any]]:
    """The index's (rowid, bm25) rows, best first, `chunk_rows` at a time.

    The first `window` rows are asked for with a LIMIT, which lets SQLite keep only the
    best ones as it scores instead of sorting every match (at 3 million papers, 8 ms of a
    phrase with 32,700 matches and 60 ms of a word in half the papers). Only filters that
    pass fewer than the limit among them make it rank everything, for the rest; rowid
    breaks ties, so on an unchanged store the two queries meet without a gap or an
    overlap.
    """
    sql = f"select rowid, bm25({index}, :tw, 1.0) as score from {index} where {index} match :q order by score, rowid"
    seen: set[int] = set()
    for bounds in ("limit :window", "limit -1 offset :window"):
        ranking = db.execute(f"{sql} {bounds}", {"tw": TITLE_WEIGHT, "q": match, "window": window})
        read = 0
        try:
            while chunk := ranking.fetchmany(chunk_rows):
                read += len(chunk)
                # A fetch committing between the two queries moves the scores, and with
                # them the boundary: a paper already given is not given twice.
                fresh = [row for row in chunk if row[0] not in seen]
                seen.update(row[0] for row in fresh)
                if fresh:
                    yield fresh
        finally:
            ranking.close()
        if read < window:
            return


def _person_index(db: Database, rowids: list[int]) -> str:
    """A temporary FTS5 index of one person's papers (hundreds, a few thousand at most).

    Searching the whole index and keeping that person's papers means reading every paper
    with the words: half a minute for "learning" at 3 million papers. Indexing their
    papers takes milliseconds, and bm25 then ranks among them. Temporary tables belong to
    this connection alone: nothing is written to the store.
    """
    db.execute("drop table if exists temp.person_fts")
    db.execute("create virtual table temp.person_fts using fts5(title, abstract, tokenize='porter')")
    for part in chunks(rowids):
        db.execute(
            "insert into temp.person_fts (rowid, title, abstract) "
            "select rowid, radar_search_text(title), radar_search_text(abstract) "
            f"from papers where rowid in ({placeholders(part)})",
            list(part),
        )
    return "person_fts"
