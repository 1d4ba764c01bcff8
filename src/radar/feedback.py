"""What the reader told radar: stars, hides and mutes, and how they move the ranking.
(Read state, the other thing a reader tells radar, is the store's: radar.store.reads.)

Similarity is SQLite FTS5's own bm25, not hand-rolled math: each starred (or hidden)
paper becomes an OR query of its most telling words, and a paper counts as similar when
it scores at least half of what the starred paper scores against its own query.

When to compute it: a new star or hide is compared with every stored paper at once. A
paper that arrives or changes later is only listed as owed (`similarity_owed`, one cheap
insert in the batch that stores it) and judged against every star and hide the first
time a window shows it, with one query per star or hide over that window's papers. So
an import of millions of papers pays nothing per star, and `radar today` judges each
paper once.
"""

from __future__ import annotations

import re
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from radar.database import Database
from radar.errors import NotFoundError, UsageError
from radar.model import Match
from radar.names import normalise
from radar.people import papers_of_person
from radar.rank import Ranked
from radar.store import BUSY_TIMEOUT_S, chunks, fts_phrase, placeholders, rowid_ranges, utc_now

STAR_BONUS = 25  # per similar starred paper, for at most SIMILAR_CAP of them
HIDE_PENALTY = 25
SIMILAR_CAP = 2
QUERY_TERMS = 12
SIMILARITY = 0.5  # a fraction of the starred paper's score against its own query

_STOP = set(
    "about above after again against also among an and any are around based because been before being below between "
    "both but can could did does doing down during each either few for from further had has have having here how into "
    "its itself just more most much must new not now novel only other our ours over own paper propose proposed same "
    "show shows should some such than that the their them then there these they this those through under until using "
    "very via was were what when where which while who why will with within without would yet results result method "
    "methods approach approaches work works model models data first two three however well also study demonstrate".split()
)


# --- stars, hides, mutes --------------------------------------------------------------------


def _require_paper(db: Database, paper_id: str) -> None:
    if db.execute("select 1 from papers where id = ?", [paper_id]).fetchone() is None:
        raise NotFoundError(f"{paper_id} is not in the store (radar fetch or radar import brings papers in)")


def set_verdict(db: Database, paper_id: str, verdict: str | None) -> str | None:
    """Star or hide a paper (None clears it); returns the previous verdict.

    A new star or hide is learned from at once: the papers like it, among all stored,
    are recorded in `similar`, so ranking never has to search."""
    _require_paper(db, paper_id)
    row = db.execute("select verdict from feedback where paper_id = ?", [paper_id]).fetchone()
    with db.atomic():
        db.execute("delete from similar where example_id = ?", [paper_id])
        if verdict is None:
            db.execute("delete from feedback where paper_id = ?", [paper_id])
        else:
            query, threshold = _example_query(db, paper_id)
            db.table("feedback").upsert(
                {
                    "paper_id": paper_id,
                    "verdict": verdict,
                    "created_utc": utc_now(),
                    "query": query,
                    "threshold": threshold,
                },
                pk="paper_id",
            )
            if query is not None and threshold is not None:
                _record_similar(db, paper_id, query, threshold, None)
    return row[0] if row else None


def _example_query(db: Database, paper_id: str) -> tuple[str | None, float | None]:
    """The example's telling words as an FTS5 query, and half its own bm25 score."""
    row = db.execute("select rowid, title, abstract from papers where id = ?", [paper_id]).fetchone()
    words = telling_words(row[1], row[2] or "") if row else []
    if not words:
        return None, None
    query = " OR ".join(fts_phrase(w) for w in words)
    own = db.execute(
        "select bm25(papers_fts) from papers_fts where papers_fts match ? and rowid = ?", [query, row[0]]
    ).fetchone()
    if own is None or own[0] >= 0:
        return query, None
    return query, SIMILARITY * -own[0]


def _matching(db: Database, query: str, ranges: list[tuple[int, int]] | None) -> list[tuple[str, float]]:
    """The papers an example's query finds, with their bm25, over all papers or the ranges."""
    sql = "select papers.id, bm25(papers_fts) from papers_fts join papers on papers.rowid = papers_fts.rowid where papers_fts match ?"
    if ranges is None:
        return db.execute(sql, [query]).fetchall()
    rows: list[tuple[str, float]] = []
    for low, high in ranges:
        rows += db.execute(sql + " and papers_fts.rowid between ? and ?", [query, low, high]).fetchall()
    return rows


def _record_similar(
    db: Database, example: str, query: str, threshold: float, ranges: list[tuple[int, int]] | None
) -> None:
    rows = _matching(db, query, ranges)
    db.conn.executemany(
        "insert or ignore into similar (paper_id, example_id) values (?, ?)",
        [(pid, example) for pid, score in rows if pid != example and -score >= threshold],
    )


def forget_changed(db: Database, paper_ids: Sequence[str], changed_ids: Sequence[str] = ()) -> None:
    """Papers just stored (inside ingest's transaction): list them as owed a judgement.
    Those that changed lose what was known of them; a changed star or hide relearns
    its words at once (rare: arXiv replaced a paper the reader starred)."""
    if db.execute("select 1 from feedback limit 1").fetchone() is None:
        return  # mutes alone: nothing to judge against
    db.conn.executemany(
        "insert or ignore into similarity_owed (paper_id) values (?)", [(i,) for i in paper_ids]
    )
    changed = list(changed_ids)
    if not changed:
        return
    for part in chunks(changed):
        db.execute(f"delete from similar where paper_id in ({placeholders(part)})", list(part))
    examples = set(changed) & set(verdicts(db, "star") + verdicts(db, "hide"))
    for example in sorted(examples):
        query, threshold = _example_query(db, example)
        db.execute(
            "update feedback set query = ?, threshold = ? where paper_id = ?", [query, threshold, example]
        )
        db.execute("delete from similar where example_id = ?", [example])
        if query is not None and threshold is not None:
            _record_similar(db, example, query, threshold, None)


def _judge_owed(db: Database, candidates: Sequence[str]) -> list[tuple[str, str]]:
    """Judge the candidates still owed a judgement against every star and hide: one
    query per example over their rowids. Best effort in writing it down, as with read
    marks: a long writer holding the store must not make `radar today` wait, and what
    could not be written is judged again next time. Returns the (paper, example) pairs
    found, written down or not."""
    owed: list[str] = []
    for part in chunks(list(candidates)):
        owed += [
            r[0]
            for r in db.execute(
                f"select paper_id from similarity_owed where paper_id in ({placeholders(part)})", list(part)
            )
        ]
    if not owed:
        return []
    examples = db.execute(
        "select paper_id, query, threshold from feedback where query is not null and threshold is not null"
    ).fetchall()
    ranges = rowid_ranges(db, owed)
    wanted = set(owed)
    found: list[tuple[str, str]] = []
    for example, query, threshold in examples:
        for paper_id, score in _matching(db, query, ranges):
            if paper_id in wanted and paper_id != example and -score >= threshold:
                found.append((paper_id, example))
    db.execute("pragma busy_timeout = 2000")
    try:
        with db.atomic():
            db.conn.executemany("insert or ignore into similar (paper_id, example_id) values (?, ?)", found)
            for part in chunks(owed):
                db.execute(
                    f"delete from similarity_owed where paper_id in ({placeholders(part)})", list(part)
                )
    except sqlite3.OperationalError:
        pass
    finally:
        db.execute(f"pragma busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
    return found


def current_verdict(db: Database, paper_id: str) -> str | None:
    row = db.execute("select verdict from feedback where paper_id = ?", [paper_id]).fetchone()
    return row[0] if row else None


def verdicts(db: Database, verdict: str) -> list[str]:
    return [
        r[0]
        for r in db.execute(
            "select paper_id from feedback where verdict = ? order by created_utc desc", [verdict]
        )
    ]


@dataclass
class Mute:
    id: int
    kind: str
    value: str


def mute_key(kind: str, value: str, adding: bool = True) -> tuple[str, str]:
    """Mutes name people and topics exactly as follows do."""
    if kind not in ("author", "topic"):
        raise UsageError(f"only people and topics can be muted, not {kind}")
    from radar.follows import follow_key

    return follow_key(kind, value, adding)


def add_mute(db: Database, kind: str, value: str) -> bool:
    value, key = mute_key(kind, value)
    with db.atomic():
        exists = db.execute("select 1 from mutes where kind = ? and key = ?", [kind, key]).fetchone()
        if not exists:
            db.table("mutes").insert({"kind": kind, "value": value, "key": key, "created_utc": utc_now()})
    return not exists


def remove_mute(db: Database, kind: str, value: str) -> None:
    value, key = mute_key(kind, value, adding=False)
    if db.execute("select 1 from mutes where kind = ? and key = ?", [kind, key]).fetchone() is None:
        raise NotFoundError(f"the {kind} {value!r} is not muted")
    with db.atomic():
        db.execute("delete from mutes where kind = ? and key = ?", [kind, key])


def list_mutes(db: Database) -> list[Mute]:
    return [Mute(r[0], r[1], r[2]) for r in db.execute("select id, kind, value from mutes order by kind, id")]


def muted(db: Database, ids: Sequence[str]) -> set[str]:
    """Which of these papers are by a muted person or mention a muted topic."""
    mutes = list_mutes(db)
    if not mutes:
        return set()
    found: set[str] = set()
    ranges = rowid_ranges(db, list(ids)) if any(m.kind == "topic" for m in mutes) else []
    for mute in mutes:
        if mute.kind == "author":
            found |= papers_of_person(db, mute.value, ids)
        else:
            # Only the window's rowids: a phrase over the whole store costs a quarter
            # second at 100,000 papers, inside the start-up budget of radar today.
            wanted_ids = set(ids)
            sql = (
                "select papers.id from papers_fts join papers on papers.rowid = papers_fts.rowid "
                "where papers_fts match ? and papers_fts.rowid between ? and ?"
            )
            for low, high in ranges:
                rows = db.execute(sql, [fts_phrase(mute.value), low, high]).fetchall()
                found.update(r[0] for r in rows if r[0] in wanted_ids)
    return found


# --- similarity -----------------------------------------------------------------------------


def telling_words(title: str, abstract: str, limit: int = QUERY_TERMS) -> list[str]:
    """A paper's most telling words: frequent in it, title words counting double."""
    counts: Counter[str] = Counter()
    for weight, text in ((2, title), (1, abstract)):
        for word in re.findall(r"[a-z][a-z0-9]{3,}", normalise(text)):
            if word not in _STOP:
                counts[word] += weight
    return [w for w, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]]


def _similar(
    db: Database, verdict: str, candidates: Sequence[str], judged: Sequence[tuple[str, str]] = ()
) -> dict[str, list[str]]:
    """For each candidate, the starred (or hidden) papers it resembles, as recorded."""
    found: dict[str, list[str]] = defaultdict(list)
    for part in chunks(list(candidates)):
        rows = db.execute(
            "select s.paper_id, s.example_id from similar s join feedback f on f.paper_id = s.example_id "
            f"where f.verdict = ? and s.paper_id in ({placeholders(part)})",
            [verdict, *part],
        ).fetchall()
        for paper_id, example in rows:
            found[paper_id].append(example)
    if judged:
        # Just judged, and perhaps not written down: the store was busy.
        wanted = set(candidates)
        examples = set(verdicts(db, verdict))
        for paper_id, example in judged:
            if paper_id in wanted and example in examples and example not in found[paper_id]:
                found[paper_id].append(example)
    return found


def removed(db: Database, ids: Sequence[str]) -> set[str]:
    """Which of these papers the reader took out: hidden, or by a muted person or topic."""
    return (set(verdicts(db, "hide")) & set(ids)) | muted(db, ids)


def apply_feedback(db: Database, ranked: list[Ranked]) -> list[Ranked]:
    """Mutes and hides remove papers; stars and hides move similar papers up and down."""
    gone = removed(db, [r.id for r in ranked])
    kept = [r for r in ranked if r.id not in gone]
    candidates = [r.id for r in kept]
    judged = _judge_owed(db, candidates)
    stars = set(verdicts(db, "star"))
    liked = _similar(db, "star", candidates, judged)
    disliked = _similar(db, "hide", candidates, judged)
    for r in kept:
        plus = liked.get(r.id, [])
        minus = disliked.get(r.id, [])
        if plus:
            r.score += STAR_BONUS * min(SIMILAR_CAP, len(plus))
            r.reasons.append(_reason("star", plus, "starred"))
        if minus:
            r.score -= HIDE_PENALTY * min(SIMILAR_CAP, len(minus))
            r.reasons.append(_reason("hide", minus, "hid"))
        if r.id in stars:
            r.reasons.append(Match(0, "feedback", "star", "star", "you starred it"))
    kept.sort(key=lambda r: (-r.score, r.id))
    return kept


def _reason(kind: str, examples: list[str], verb: str) -> Match:
    n = len(examples)
    return Match(0, "feedback", kind, kind, f"similar to {n} paper{'s' if n != 1 else ''} you {verb}")


# --- feedback you can see ---------------------------------------------------------------------


@dataclass
class FeedbackEntry:
    """One thing the reader told radar to leave out: a muted person or topic, a hidden paper."""

    action: str  # "mute" or "hide"
    kind: str  # "author", "topic" or "paper"
    value: str  # the name, the phrase or the paper's id
    created_utc: str
    title: str | None = None  # a hidden paper's


def feedback_entries(db: Database) -> list[FeedbackEntry]:
    """Every mute and hide, newest first within each."""
    entries = [
        FeedbackEntry("mute", kind, value, created)
        for kind, value, created in db.execute(
            "select kind, value, created_utc from mutes order by created_utc desc, id desc"
        )
    ]
    entries += [
        FeedbackEntry("hide", "paper", paper_id, created, title)
        for paper_id, created, title in db.execute(
            "select f.paper_id, f.created_utc, p.title from feedback f left join papers p on p.id = f.paper_id "
            "where f.verdict = 'hide' order by f.created_utc desc, f.paper_id"
        )
    ]
    return entries


def followed_papers_muted(db: Database, kind: str, value: str) -> dict[str, int]:
    """How many papers of each followed person a mute of this person (or topic) takes
    from the cards, by the follow's name: papers they wrote with the muted person."""
    _, key = mute_key(kind, value, adding=False)
    counts: dict[str, int] = {}
    follows = db.execute("select id, value from follows where kind = 'author'").fetchall()
    for follow_id, name in follows:
        ids = [r[0] for r in db.execute("select paper_id from matches where follow_id = ?", [follow_id])]
        if not ids:
            continue
        if kind == "author":
            gone = papers_of_person(db, value, ids)
        else:
            gone = _mentioning(db, value, ids)
        if gone:
            counts[name] = len(gone)
    return counts


def _mentioning(db: Database, phrase: str, ids: Sequence[str]) -> set[str]:
    sql = (
        "select papers.id from papers_fts join papers on papers.rowid = papers_fts.rowid "
        "where papers_fts match ? and papers_fts.rowid between ? and ?"
    )
    wanted = set(ids)
    found: set[str] = set()
    for low, high in rowid_ranges(db, list(ids)):
        found.update(r[0] for r in db.execute(sql, [fts_phrase(phrase), low, high]) if r[0] in wanted)
    return found


def why_left_out(db: Database, paper_id: str) -> list[str]:
    """Why your cards leave this paper out: a hide, or the mutes that cover it (each with
    its date and the command that takes it back); empty when none does."""
    reasons = []
    row = db.execute(
        "select created_utc from feedback where paper_id = ? and verdict = 'hide'", [paper_id]
    ).fetchone()
    if row:
        reasons.append(f"you hid it on {row[0][:10]} (radar hide --undo {paper_id})")
    for kind, value, created in db.execute("select kind, value, created_utc from mutes order by id"):
        if kind == "author" and papers_of_person(db, value, [paper_id]):
            reasons.append(
                f'it is by {value}, whom you muted on {created[:10]} (radar unmute --author "{value}")'
            )
        elif kind == "topic" and _mentioning(db, value, [paper_id]):
            reasons.append(
                f'it mentions "{value}", which you muted on {created[:10]} (radar unmute --topic "{value}")'
            )
    return reasons
