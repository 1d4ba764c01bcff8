"""`radar search`: full-text search of every stored paper, ranked by FTS5's bm25."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from datetime import date

from sqlite_utils import Database

from radar.errors import UsageError
from radar.names import match_strength, parse_name
from radar.rank import Card, Ranked, load_cards, matches_for
from radar.store import fts_phrase

# Title words count this many times an abstract word: a paper named for the query is
# what people look for first.
TITLE_WEIGHT = 5.0
# What makes a query FTS5 syntax rather than plain words: quotes, grouping, prefix
# search, column filters, and an operator (upper case, as FTS5 requires) between two
# terms. "C++", "arXiv:2101.00001", "NOT gate" and "NEAR-field optics" stay plain words.
_SYNTAX_RE = re.compile(r'["()*^]|\S\s+(?:AND|OR|NOT|NEAR)\s+\S|\b(?:title|abstract)\s*:')
_WORD_RE = re.compile(r"\w", re.UNICODE)


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
        return Query(text, None)
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
    """Rowids of the papers by this person, matched as strictly as a follow is."""
    try:
        wanted = parse_name(name)
    except ValueError:
        raise UsageError(f"not a name: {name!r}") from None
    rows = db.execute(
        "select distinct p.rowid, pa.name from paper_authors pa join papers p on p.id = pa.paper_id "
        "where pa.name_key = ?",
        [wanted.key],
    ).fetchall()
    found = set()
    for rowid, printed in rows:
        try:
            if match_strength(wanted, parse_name(printed)) is not None:
                found.add(rowid)
        except ValueError:
            continue
    return sorted(found)


def search(
    db: Database,
    text: str,
    author: str | None = None,
    category: str | None = None,
    since: date | None = None,
    limit: int = 20,
) -> list[Card]:
    query = build_query(text)
    # A journal's version of an arXiv paper is shown as that paper, not beside it.
    where = ["papers_fts match :q", "p.linked_to is null"]
    params: dict[str, object] = {"q": query.fts, "limit": limit, "tw": TITLE_WEIGHT}
    if since is not None:
        where.append("p.listing_date >= :since")
        params["since"] = since.isoformat()
    if category is not None:
        where.append(
            "exists (select 1 from paper_categories pc where pc.paper_id = p.id and pc.category = :cat)"
        )
        params["cat"] = category
    if author is not None:
        rowids = author_rowids(db, author)
        if not rowids:
            return []
        # A person's papers are few: FTS5 then tests the query on those rows only.
        where.append("papers_fts.rowid in (select value from json_each(:rowids))")
        params["rowids"] = "[" + ",".join(map(str, rowids)) + "]"
    order = "score"
    if query.phrase is not None:
        order = (
            "(papers_fts.rowid not in (select rowid from papers_fts where papers_fts match :phrase)), score"
        )
        params["phrase"] = query.phrase
    sql = (
        "select p.id, bm25(papers_fts, :tw, 1.0) as score from papers_fts "
        "join papers p on p.rowid = papers_fts.rowid "
        f"where {' and '.join(where)} order by {order} limit :limit"
    )
    check_syntax(text, query.fts)
    rows = db.execute(sql, params).fetchall()

    reasons = matches_for(db, [r[0] for r in rows])
    ranked = [Ranked(r[0], -r[1], reasons.get(r[0], [])) for r in rows]
    cards = load_cards(db, ranked)
    for card in cards:
        card.label_override = f"v{card.paper.version}"
    return cards
