"""Following authors, categories and topics, and deciding which stored papers match.

Matches are materialised in the `matches` table with a reason, so every card can say
why it is on the radar and `radar today` never re-derives them.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from radar.database import Database
from radar.errors import NotFoundError, UsageError
from radar.model import Follow
from radar.names import (
    ParsedName,
    edit_distance,
    fold,
    follow_strength,
    lookup_keys,
    match_strength,
    normalise,
    parse_name,
    readings,
    similar_surname,
)
from radar.store import ANY_BREADTH, chunks, fts_phrase, placeholders, rowid_ranges, utc_now, write_cache
from radar.store.sources import forget_state
from radar.taxonomy import canonical_category, suggest_categories

KINDS = ("author", "category", "topic", "feed")


@dataclass
class FollowResult:
    follow: Follow
    created: bool  # False when it was already followed
    matched: int  # stored papers it matches


# How a list of people is written ("Ada Lovelace and Alan Turing", "A. B; C. D"), never
# one person's name. Lower-case "and" only: And is a surname too.
_SEVERAL_PEOPLE_RE = re.compile(r"\band\b|[&;]")
_SUFFIX_RE = re.compile(r"(?:jr|sr|[ivx]+)\.?", re.IGNORECASE)
_INITIAL_RE = re.compile(r"\b[^\W\d_]\.(?:\s|$)|\b[^\W\d_]\s")


def _several_people(value: str) -> bool:
    """Whether `value` reads as a list of people rather than one name, in any of the
    ways arXiv and bibliographies write one. "Last, First" and "King, Jr., Martin" are
    one person; "Bengio, Hinton, LeCun" and "A. Ng, M. Jordan" are not."""
    if _SEVERAL_PEOPLE_RE.search(value):
        return True
    parts = [part for part in (p.strip() for p in value.split(",")) if not _SUFFIX_RE.fullmatch(part)]
    if len(parts) > 2:
        return True
    # "Last, First" puts the surname alone before the comma: an initial there means
    # the part before it is a whole name.
    return len(parts) == 2 and bool(_INITIAL_RE.search(parts[0] + " "))


def parse_person(value: str, adding: bool = True) -> ParsedName:
    """A person as a follow, a mute, `search --author` and `brief --author` take one: a
    name with a first name or an initial, or UsageError saying what is missing. With
    adding=False (unfollow, unmute) only the name itself is checked, so what an earlier
    version of radar accepted can still be removed."""
    value = " ".join(value.split())
    if adding and _several_people(value):
        raise UsageError(f"{value!r} names more than one person: give one at a time")
    try:
        parsed = parse_name(value)
    except ValueError:
        raise UsageError(f"{value!r} is not a person's name") from None
    if not parsed.given:
        # A surname alone would match everyone who has it: that is what radar avoids.
        how = (
            "write it in Latin letters as arXiv lists it, e.g. "
            if not value.isascii()
            else "add a first name or an initial, e.g. "
        )
        raise UsageError(f'{value!r} has no first name: {how}"Lei Li" or "S. Kakade"')
    return parsed


def follow_key(kind: str, value: str, adding: bool = True) -> tuple[str, str]:
    """(display value, normalised key) for a follow, or UsageError for a bad value
    (adding=False: the checks a removal needs, see parse_person)."""
    value = " ".join(value.split())
    if not value:
        raise UsageError(f"the {kind} to follow is empty")
    if kind == "author":
        parsed = parse_person(value, adding)
        return value, " ".join((*parsed.given, parsed.surname))
    if kind == "category":
        canonical = canonical_category(value)
        several = [part for part in re.split(r"[\s,;]+", value) if part]
        if canonical is None and len(several) > 1 and all(canonical_category(part) for part in several):
            raise UsageError(
                f"one category at a time: --category {' --category '.join(canonical_category(part) or part for part in several)}"
            )
        if canonical is None:
            hint = suggest_categories(value)
            suggestion = f"; did you mean {', '.join(hint)}?" if hint else ""
            raise UsageError(f"unknown arXiv category {value!r}{suggestion}")
        return canonical, canonical
    if kind == "feed":
        from urllib.parse import urlsplit

        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise UsageError(f"a feed is an http:// or https:// address, not {value!r}")
        return value, value
    if kind == "topic":
        key = normalise(value)
        if not key:
            raise UsageError(f"the topic {value!r} has no words to search for")
        return value, key
    raise UsageError(f"unknown kind of follow {kind!r}")


def _follow_from_row(row: dict[str, Any]) -> Follow:
    # `matched` is kept as matches change (rematch_papers, match_follow).
    person = row.get("person_json")
    return Follow(
        id=row["id"],
        kind=row["kind"],
        value=row["value"],
        created_utc=row["created_utc"],
        papers=row.get("matched") or 0,
        person=json.loads(person) if person else None,
    )


def list_follows(db: Database) -> list[Follow]:
    return [_follow_from_row(r) for r in db.query("select * from follows order by kind, id")]


def add_follow(db: Database, kind: str, value: str) -> FollowResult:
    value, key = follow_key(kind, value)
    with db.atomic():
        rows = list(db.query("select * from follows where kind = ? and key = ?", [kind, key]))
        if rows:
            existing = _follow_from_row(rows[0])
            return FollowResult(existing, created=False, matched=existing.papers)
        created = utc_now()
        # Plain SQL, not sqlite-utils' insert: a follow should not wait for that import.
        follow_id = db.execute(
            "insert into follows (kind, value, key, created_utc) values (?, ?, ?, ?)",
            [kind, value, key, created],
        ).lastrowid
        assert follow_id is not None
        follow = Follow(id=follow_id, kind=kind, value=value, created_utc=created)
        matched = match_follow(db, follow)
    follow.papers = matched
    return FollowResult(follow, created=True, matched=matched)


def remove_follow(db: Database, kind: str, value: str) -> Follow:
    value, key = follow_key(kind, value, adding=False)
    row = list(db.query("select * from follows where kind = ? and key = ?", [kind, key]))
    if not row:
        raise NotFoundError(f"you do not follow the {kind} {value!r} (see `radar following`)")
    follow = _follow_from_row(row[0])
    with write_cache(db), db.atomic():
        db.execute("delete from matches where follow_id = ?", [follow.id])
        db.execute("delete from follows where id = ?", [follow.id])
        # Follow ids can be used again; nothing keyed by this one may carry over.
        forget_state(db, f"{kind}:{follow.id}")
        if kind == "feed":
            db.execute(
                "update papers set source = 'unfollowed-' || source where source = ?", [f"feed:{follow.id}"]
            )
    return follow


# --- matching -------------------------------------------------------------------------------


@dataclass
class _Hit:
    follow_id: int
    paper_id: str
    strength: str
    reason: str
    matched_name: str | None = None


def _author_hits(db: Database, follows: Sequence[Follow], paper_ids: Sequence[str] | None) -> list[_Hit]:
    parsed: dict[str, list[tuple[Follow, ParsedName]]] = defaultdict(list)
    for f in follows:
        name = parse_name(f.value)
        for key in lookup_keys(name):
            parsed[key].append((f, name))
    if not parsed:
        return []
    best: dict[tuple[int, str], _Hit] = {}
    keys = list(parsed)
    sql = f"select paper_id, name, name_key from paper_authors where name_key in ({placeholders(keys)})"
    params: list[Any] = list(keys)
    batches: list[Sequence[str] | None] = list(chunks(list(paper_ids))) if paper_ids is not None else [None]
    for batch in batches:
        if batch is not None:
            query = sql + f" and paper_id in ({placeholders(batch)})"
            rows = db.execute(query, params + list(batch)).fetchall()
        else:
            rows = _rows_of_matching_names(db, parsed)
        for paper_id, name, key in rows:
            try:
                candidate = parse_name(name)
            except ValueError:
                continue
            for follow, wanted in parsed[key]:
                strength = follow_strength(wanted, candidate)
                if strength is None:
                    continue
                if strength == "exact":
                    reason = f"by {name}, whom you follow"
                else:
                    reason = f"by {name} (initials only; may be {follow.value})"
                hit = _Hit(follow.id, paper_id, strength, reason, name)
                previous = best.get((follow.id, paper_id))
                if previous is None or (previous.strength != "exact" and strength == "exact"):
                    best[(follow.id, paper_id)] = hit
    hits = list(best.values())
    chosen = [f for f in follows if f.person]
    return _the_persons_hits(db, hits, chosen) if chosen else hits


def _the_persons_hits(db: Database, hits: list[_Hit], chosen: list[Follow]) -> list[_Hit]:
    """Of the hits by name, those of the person each follow means (radar.people): the
    card says why, "by Jun Zhu (with Jianfei Chen)"."""
    from radar.people import person_papers

    kept = []
    # Grouped only when this batch has papers with the name: an import's batches mostly do not.
    named = {h.follow_id for h in hits}
    counted = {f.id: person_papers(db, f.value, f.person).counted for f in chosen if f.id in named}
    for hit in hits:
        if hit.follow_id not in counted:
            kept.append(hit)
        elif hit.paper_id in counted[hit.follow_id]:
            partner = counted[hit.follow_id][hit.paper_id]
            if partner:
                hit.reason = f"by {hit.matched_name} (with {partner})"
            kept.append(hit)
    return kept


def matching_spellings(db: Database, key: str, wanted: Sequence[ParsedName]) -> list[str]:
    """The spellings stored under a surname key that may be one of these people. They
    come from the (name_key, name) index alone: a common surname costs one pass over its
    index entries and one parse per spelling, not a table lookup and a parse per paper."""
    maybe = []
    could_be = _could_be(wanted)
    for (name,) in db.execute("select distinct name from paper_authors where name_key = ?", [key]):
        if not could_be(name):
            continue
        try:
            candidate = parse_name(name)
        except ValueError:
            continue
        if any(match_strength(w, candidate) is not None for w in wanted):
            maybe.append(name)
    return maybe


_WORD_START = re.compile(r"(?:^|[^a-z])([a-z])")


def _could_be(wanted: Sequence[ParsedName]) -> Callable[[str], bool]:
    """A quick test that leaves out, without parsing them, the ASCII spellings that
    cannot be any of `wanted`: a spelling of "Wei Wang" has a word starting with w
    besides the surname's own ("Jun Wang" has not). 8,000 spellings are stored under a
    surname such as Wang; parsing each made half of a follow's time. Other spellings
    are parsed as before."""
    needs: list[tuple[str, int]] = []
    for w in wanted:
        if not w.given or not w.given[0] or not w.surname:
            return lambda name: True
        first = w.given[0][0]
        needs.append((first, 2 if w.surname[0] == first else 1))

    def could_be(name: str) -> bool:
        if not name.isascii():
            return True
        starts = _WORD_START.findall(name.lower())
        return any(starts.count(first) >= n for first, n in needs)

    return could_be


def _rows_of_matching_names(
    db: Database, parsed: dict[str, list[tuple[Follow, ParsedName]]]
) -> list[tuple[str, str, str]]:
    """(paper id, name, key) for every spelling under the surnames that may be a followed
    person."""
    rows: list[tuple[str, str, str]] = []
    for key, wanted in parsed.items():
        maybe = matching_spellings(db, key, [w for _, w in wanted])
        for part in chunks(maybe):
            rows += db.execute(
                f"select paper_id, name, name_key from paper_authors where name_key = ? and name in ({placeholders(part)})",
                [key, *part],
            ).fetchall()
    return rows


def _category_hits(db: Database, follows: Sequence[Follow], paper_ids: Sequence[str] | None) -> list[_Hit]:
    by_cat = {f.value: f for f in follows}
    if not by_cat:
        return []
    cats = list(by_cat)
    sql = (
        "select pc.paper_id, pc.category, p.primary_category from paper_categories pc "
        f"join papers p on p.id = pc.paper_id where pc.category in ({placeholders(cats)})"
    )
    hits = []
    batches: list[Sequence[str] | None] = list(chunks(list(paper_ids))) if paper_ids is not None else [None]
    for batch in batches:
        if batch is not None:
            rows = db.execute(
                sql + f" and pc.paper_id in ({placeholders(batch)})", cats + list(batch)
            ).fetchall()
        else:
            rows = db.execute(sql, cats).fetchall()
        for paper_id, category, primary in rows:
            if category == primary:
                hits.append(_Hit(by_cat[category].id, paper_id, "primary", f"in {category}"))
            else:
                hits.append(_Hit(by_cat[category].id, paper_id, "cross", f"cross-listed in {category}"))
    return hits


def _topic_hits(db: Database, follows: Sequence[Follow], paper_ids: Sequence[str] | None) -> list[_Hit]:
    hits: list[_Hit] = []
    sql = (
        "select papers.id from papers_fts join papers on papers.rowid = papers_fts.rowid "
        "where papers_fts match ?"
    )
    for follow in follows:
        phrase = fts_phrase(follow.value)
        reason = f'mentions "{follow.value}"'
        if paper_ids is None:
            rows = db.execute(sql, [phrase]).fetchall()
            hits.extend(_Hit(follow.id, r[0], "phrase", reason) for r in rows)
            continue
        # A rowid range lets FTS5 seek instead of testing the phrase on every paper
        # stored; a batch of new papers has consecutive rowids.
        wanted = set(paper_ids)
        for low, high in rowid_ranges(db, paper_ids):
            rows = db.execute(sql + " and papers_fts.rowid between ? and ?", [phrase, low, high]).fetchall()
            hits.extend(_Hit(follow.id, r[0], "phrase", reason) for r in rows if r[0] in wanted)
    return hits


def _hits(db: Database, follows: Sequence[Follow], paper_ids: Sequence[str] | None) -> list[_Hit]:
    by_kind: dict[str, list[Follow]] = defaultdict(list)
    for f in follows:
        by_kind[f.kind].append(f)
    return (
        _author_hits(db, by_kind["author"], paper_ids)
        + _category_hits(db, by_kind["category"], paper_ids)
        + _topic_hits(db, by_kind["topic"], paper_ids)
        + _feed_hits(db, by_kind["feed"], paper_ids)
    )


def _feed_hits(db: Database, follows: Sequence[Follow], paper_ids: Sequence[str] | None) -> list[_Hit]:
    """A followed feed's own papers match it, like a category's."""
    hits: list[_Hit] = []
    for follow in follows:
        sql = "select id, source_name from papers where source = ?"
        rows = db.execute(sql, [f"feed:{follow.id}"]).fetchall()
        wanted = set(paper_ids) if paper_ids is not None else None
        hits += [
            _Hit(follow.id, pid, "feed", f"in {name or follow.value}")
            for pid, name in rows
            if wanted is None or pid in wanted
        ]
    return hits


def _insert_hits(db: Database, hits: list[_Hit]) -> None:
    now = utc_now()
    # A match's breadth comes from its follow's kind here, and nowhere else (m015).
    db.conn.executemany(
        "insert into matches (follow_id, paper_id, strength, reason, matched_name, matched_utc, broad) "
        "values (?1, ?2, ?3, ?4, ?5, ?6, (select kind != 'author' from follows where id = ?1)) "
        "on conflict (follow_id, paper_id) do update set strength = excluded.strength, "
        "reason = excluded.reason, matched_name = excluded.matched_name, matched_utc = excluded.matched_utc, "
        "broad = excluded.broad",
        [(h.follow_id, h.paper_id, h.strength, h.reason, h.matched_name, now) for h in hits],
    )


def match_follow(db: Database, follow: Follow) -> int:
    """Match one follow against every stored paper; returns how many it matches."""
    hits = _hits(db, [follow], None)
    with write_cache(db), db.atomic():
        db.execute("delete from matches where follow_id = ?", [follow.id])
        _insert_hits(db, hits)
        db.execute("update follows set matched = ? where id = ?", [len(hits), follow.id])
    return len(hits)


def rematch_papers(db: Database, paper_ids: Sequence[str], new_ids: Sequence[str] = ()) -> None:
    """Recompute the matches of papers that were added or changed (authors may change).

    `new_ids` (a subset of `paper_ids`) were just inserted and have no matches to clear.
    """
    if not paper_ids:
        return
    follows = list_follows(db)
    fresh = set(new_ids)
    # follows.matched moves by what is deleted and inserted here. (Triggers did this at
    # first, but an UPDATE of follows per match row cost 15% of a 20,000-paper fetch.)
    delta: Counter[int] = Counter()
    with db.atomic():
        # The matches these papers had all go: deleted here, or (for papers said to be
        # new) overwritten by the upsert below. So each follow loses what they had and
        # gains the hits.
        for part in chunks(list(paper_ids)):
            marks = placeholders(part)
            for follow_id, had in db.execute(
                f"select m.follow_id, count(*) from matches m where {ANY_BREADTH} and m.paper_id in ({marks}) "
                "group by m.follow_id",
                list(part),
            ):
                delta[follow_id] -= had
        for part in chunks([i for i in paper_ids if i not in fresh]):
            db.execute(
                f"delete from matches as m where {ANY_BREADTH} and m.paper_id in ({placeholders(part)})",
                list(part),
            )
        if follows:
            hits = _hits(db, follows, paper_ids)
            _insert_hits(db, hits)
            delta.update(h.follow_id for h in hits)
        db.conn.executemany(
            "update follows set matched = matched + ? where id = ?",
            [(change, follow_id) for follow_id, change in delta.items() if change],
        )


def near_misses(db: Database, follow: Follow, checked: int = 8) -> Counter[str]:
    """Papers by people who share the surname but are not the person followed: the
    papers that also carry the followed name do not count (a co-author named Shuo Wang
    on Lei Wang's papers is no namesake to show). That is checked for the `checked`
    most frequent spellings (a preview shows five), on the papers that spell the
    followed name out."""
    if follow.kind != "author":
        return Counter()
    wanted = parse_name(follow.value)
    misses: Counter[str] = Counter()
    keys = lookup_keys(wanted)  # a compound surname's other spelling is under another key
    spellings = db.execute(
        f"select name, name_key, count(*) from paper_authors where name_key in ({placeholders(keys)}) "
        "group by name, name_key",
        list(keys),
    ).fetchall()
    could_be = _could_be([wanted])
    followed: set[str] = set()  # the spellings that are the followed name
    for name, key, papers in spellings:
        if key == wanted.key and not could_be(name):
            # Under the followed surname and unable to be the person: a namesake,
            # without parsing (a common surname has thousands of spellings).
            misses[name] += papers
            continue
        try:
            candidate = parse_name(name)
        except ValueError:
            continue
        if similar_surname(wanted, candidate):
            misses[name] += papers
        elif follow_strength(wanted, candidate) == "exact":
            # The spellings that match the name as followed: those of its initials
            # ("W. Wang" for "Wei Wang") hold ten times the papers, and would make this
            # check cost more than the rest.
            followed.add(name)
    top = [name for name, _ in misses.most_common(checked)]
    if top and followed:
        # Each spelling's papers are one range of the (name_key, name, paper_id) index:
        # read as ranges and intersected here, rather than probed paper by paper.
        def papers_of(names: Iterable[str]) -> dict[str, set[str]]:
            found: dict[str, set[str]] = defaultdict(set)
            for key in keys:
                for name in names:
                    for (pid,) in db.execute(
                        "select paper_id from paper_authors where name_key = ? and name = ?", [key, name]
                    ):
                        found[name].add(pid)
            return found

        theirs = set().union(*papers_of(followed).values())
        for name, ids in papers_of(top).items():
            shared = len(ids & theirs)
            if shared >= misses[name]:
                del misses[name]
            elif shared:
                misses[name] -= shared
    return misses


@dataclass
class Preview:
    """What a follow brings, so a user can check they follow the right person."""

    papers: int
    latest: list[tuple[str, str, str]]  # (id, listing date, title), newest first
    coauthors: list[tuple[str, int]]
    categories: list[tuple[str, int]]


# The preview's co-authors and categories come from the newest papers of a follow: a
# category follow over the whole of arXiv matches hundreds of thousands.
PREVIEW_SAMPLE = 500
# Co-authors are counted on papers with at most this many authors. On a collaboration's
# paper every member is a co-author: hundreds of names a paper would drown out the people
# someone works with, and reading them all took a second for a physicist whose sample
# held papers of 3,000 authors.
TEAM_SIZE = 30


def preview(db: Database, follow: Follow, latest: int = 5, top: int = 5) -> Preview:
    total = db.execute("select matched from follows where id = ?", [follow.id]).fetchone()
    papers = total[0] if total else 0
    if papers > 20 * PREVIEW_SAMPLE:
        # Dense (a category, a common topic): walk the newest days until the sample is full.
        sql = (
            "select p.id, p.listing_date, p.title, p.primary_category, "
            "(select m.matched_name from matches m where m.paper_id = p.id and m.follow_id = :follow) "
            "from papers p "
            "where exists (select 1 from matches m where m.paper_id = p.id and m.follow_id = :follow) "
            "order by p.listing_date desc, p.id desc limit :sample"
        )
    else:
        sql = (
            "select p.id, p.listing_date, p.title, p.primary_category, m.matched_name "
            "from matches m join papers p on p.id = m.paper_id where m.follow_id = :follow "
            "order by p.listing_date desc, p.id desc limit :sample"
        )
    rows = db.execute(sql, {"follow": follow.id, "sample": PREVIEW_SAMPLE}).fetchall()
    categories = Counter(r[3] for r in rows)
    coauthors = _coauthors(db, {r[0]: r[4] for r in rows}) if follow.kind == "author" else Counter()
    return Preview(
        papers=papers,
        latest=[(r[0], r[1], r[2]) for r in rows[:latest]],
        coauthors=coauthors.most_common(top),
        categories=categories.most_common(3),
    )


def _coauthors(db: Database, followed: dict[str, str | None]) -> Counter[str]:
    """How often each name appears beside the followed person (the name each match
    recorded, so no name is parsed) on these papers, counting papers of at most
    TEAM_SIZE authors, or all of them for someone who writes alone or in collaborations.
    The authors' index gives each paper's size without reading its author list."""
    sizes: dict[str, int] = {}
    for part in chunks(list(followed)):
        sizes.update(
            db.execute(
                f"select paper_id, count(*) from paper_authors where paper_id in ({placeholders(part)}) "
                "group by paper_id",
                part,
            ).fetchall()
        )
    teams = [paper_id for paper_id in followed if sizes.get(paper_id, 0) <= TEAM_SIZE]
    # Papers written alone have no co-authors: then the collaborations are all there is.
    return _names_beside(db, followed, teams) or _names_beside(db, followed, list(followed))


def _names_beside(db: Database, followed: dict[str, str | None], paper_ids: list[str]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for part in chunks(paper_ids):
        rows = db.execute(
            f"select paper_id, name from paper_authors where paper_id in ({placeholders(part)})", part
        )
        counts.update(name for paper_id, name in rows if name != followed[paper_id])
    return counts


# --- a person who matches nothing, and the same person twice -----------------------------------


def name_hits(db: Database, value: str) -> dict[str, tuple[str, str]]:
    """Every stored paper a follow of this name matches by name alone: paper id ->
    (the name as written on it, "exact" or "initial")."""
    probe = Follow(id=0, kind="author", value=value, created_utc="")
    return {hit.paper_id: (hit.matched_name or "", hit.strength) for hit in _author_hits(db, [probe], None)}


def stored_name_hits(db: Database, follow: Follow) -> dict[str, tuple[str, str]] | None:
    """What name_hits would find for a person follow, read from its stored matches: the
    same while the follow counts the whole name (no person chosen), None otherwise.
    Following a common name ("Wei Wang") then reads its spellings once, not twice."""
    if follow.kind != "author" or follow.person:
        return None
    rows = db.execute("select paper_id, matched_name, strength from matches where follow_id = ?", [follow.id])
    return {pid: (name or "", strength) for pid, name, strength in rows}


def choose_person(db: Database, follow: Follow, person: dict[str, list[str]] | None) -> int:
    """Store which person a follow of a shared name means (None: the name, everyone with
    it) and match it again; returns how many papers it counts."""
    db.execute(
        "update follows set person_json = ? where id = ?",
        [json.dumps(person) if person else None, follow.id],
    )
    follow.person = person or None
    follow.papers = match_follow(db, follow)
    return follow.papers


def person_matches(db: Database, value: str) -> int:
    """How many stored papers a follow of this person would match."""
    probe = Follow(id=0, kind="author", value=value, created_utc="")
    return len({hit.paper_id for hit in _author_hits(db, [probe], None)})


def _near_keys(db: Database, key: str) -> list[tuple[str, int]]:
    """Stored surname keys near `key` (after folding umlauts), with their distance. Only
    keys that share its first two letters are read: a range of the surname index, not
    the whole of it, and a typo rarely sits in the first two letters."""
    wanted = fold(key)
    limit = 1 if len(wanted) <= 5 else 2
    prefixes = {key[:2], wanted[:2]}
    found: dict[str, int] = {}
    for prefix in prefixes:
        if not prefix:
            continue
        upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        for (stored,) in db.execute(
            "select distinct name_key from paper_authors where name_key >= ? and name_key < ?",
            [prefix, upper],
        ):
            distance = edit_distance(fold(stored), wanted, limit)
            if distance <= limit:
                found[stored] = distance
    return sorted(found.items(), key=lambda item: item[1])


def _given_distance(wanted: tuple[str, ...], candidate: tuple[str, ...]) -> int | None:
    """How far apart two sets of given names are (the first one decides), or None when
    they are different people: an initial agrees with a name it starts, a name differs
    from another by at most two letters."""
    if not wanted or not candidate:
        return None
    a, b = fold(wanted[0]), fold(candidate[0])
    if len(a) == 1 or len(b) == 1:
        return 0 if a[0] == b[0] else None
    distance = edit_distance(a, b, 2)
    return distance if distance <= 2 and distance < max(len(a), len(b)) - 1 else None


def suggest_people(db: Database, value: str, limit: int = 2) -> list[tuple[str, int]]:
    """Stored people a follow of `value` may have meant, closest first, each with the
    number of papers a follow of them would match: names a typo, a transliteration
    ("Gaehler" for "Gähler") or surname-first order away from it."""
    try:
        parsed = parse_name(" ".join(value.split()))
    except ValueError:
        return []
    scored: dict[str, tuple[int, int]] = {}  # spelling -> (distance, papers with it)
    for order, reading in enumerate(readings(parsed)):
        if not reading.given:
            continue
        for key, key_distance in _near_keys(db, reading.key):
            for name, papers in db.execute(
                "select name, count(*) from paper_authors where name_key = ? group by name", [key]
            ):
                try:
                    candidate = parse_name(name)
                except ValueError:
                    continue
                given = _given_distance(reading.given, candidate.given)
                if given is None:
                    continue
                distance = key_distance + given + order
                if name not in scored or scored[name] > (distance, -papers):
                    scored[name] = (distance, -papers)
    # Full first names before initials, then the closest, then the most papers.
    ranked = sorted(scored, key=lambda n: (scored[n][0], len(parse_name(n).given[0]) == 1, scored[n][1], n))
    suggestions: list[tuple[str, int]] = []
    for name in ranked:
        if any(match_strength(parse_name(kept), parse_name(name)) for kept, _ in suggestions):
            continue  # another spelling of someone already suggested
        count = person_matches(db, name)
        if count:
            suggestions.append((name, count))
        if len(suggestions) == limit:
            break
    return suggestions


def _one_person(a: ParsedName, b: ParsedName) -> bool:
    return match_strength(a, b) is not None or match_strength(b, a) is not None


def same_person_follow(db: Database, value: str, merging: bool = False) -> Follow | None:
    """The person follow that `value` can only be, under another name: one whose name fits
    it, initials and all ("A Torchinsky" beside "Alberto Torchinsky"), when exactly one
    does. None when none or several fit, or when `value` itself is followed (add_follow
    says "Already following"), unless `merging`: then two follows made before this check
    existed are found too."""
    display, key = follow_key("author", value)
    parsed = parse_name(display)
    fits = []
    for row in db.query("select * from follows where kind = 'author'"):
        if row["key"] == key:
            if not merging:
                return None
            continue
        try:
            if _one_person(parsed, parse_name(row["value"])):
                fits.append(_follow_from_row(row))
        except ValueError:
            continue
    return fits[0] if len(fits) == 1 else None


def _fuller(a: str, b: str) -> str:
    """Of two names for one person, the one that says more: whole given names over
    initials, then more given names."""

    def weight(name: str) -> tuple[int, int]:
        given = parse_name(name).given
        return sum(len(g) > 1 for g in given), len(given)

    return b if weight(b) > weight(a) else a


def merge_follow(db: Database, existing: Follow, value: str) -> FollowResult:
    """One follow for a person followed under two names: the existing follow (its id,
    date and fetch state) under the fuller of the two names, matched again."""
    value, own_key = follow_key("author", value)
    if db.execute("select 1 from follows where kind = 'author' and key = ?", [own_key]).fetchone():
        remove_follow(db, "author", value)  # followed under both names: one goes
    name = _fuller(existing.value, value)
    _, key = follow_key("author", name)
    with db.atomic():
        db.execute("update follows set value = ?, key = ? where id = ?", [name, key, existing.id])
    follow = Follow(id=existing.id, kind="author", value=name, created_utc=existing.created_utc)
    follow.papers = match_follow(db, follow)
    return FollowResult(follow, created=False, matched=follow.papers)


def drop_follow(db: Database, follow: Follow) -> None:
    """Take back a follow just made (one that matched nothing)."""
    remove_follow(db, follow.kind, follow.value)
