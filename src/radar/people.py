"""Namesakes told apart: the papers that match one name, grouped into probable people.

Many researchers share a name exactly ("Jun Zhu", "Wei Wang"), and a name search cannot
separate them. What the papers say can: whom each was written with, in which categories
(or venues), with which title words, when, and at which affiliation. The rules, in order:

1. **Co-author cores.** Two papers are one person's when they share a co-author who is
   not the followed name itself (transitively: A wrote with B, B's paper with C...). A
   shared co-author written with initials only ("Y. Li") links only together with a
   second shared co-author. Collaboration papers (more than TEAM_SIZE authors) make no
   links: every member of a collaboration is a co-author of everyone in it. Papers
   signed with initials only ("J. Zhu") never join two cores: they are placed after.
2. **Profiles.** Each group has a profile: its categories (venues for sources without
   categories), its title words weighted by TF-IDF over the name's papers, its years and
   its affiliations. `similarity` combines them (weights below).
3. **Attaching.** Groups are taken largest first; a smaller group joins the most similar
   larger one when the similarity is at least ATTACH and clearly better than the second
   best (by MARGIN); otherwise it stays its own person. Collaboration and initial-only
   papers attach with a stricter threshold (WEAK_ATTACH).

The core takes plain data (`Work`) and returns plain data (`Person`), so the benchmark
and the tests run it without a database; `people_of_name` reads a name's papers from the
store, and `person_papers` answers "which papers does this follow count" for every
command that names a person.
"""

from __future__ import annotations

import json
import math
import operator
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from radar.names import ParsedName, has_whole_first, lookup_keys, match_strength, parse_name, surname_key

# A paper with more authors than this is a collaboration's: its co-authors link nothing.
TEAM_SIZE = 30
# How similar (0..1) a group's profile must be to a larger group's to join it, and by
# how much it must beat the second-best group. Chosen on half of the AMiner names (see
# benchmarks/bench_people.py and the README); the other half is reported untouched.
ATTACH = 0.50
MERGE = 0.80
# Groups of fewer papers than this join others as single papers do (ATTACH, not MERGE).
MIN_CORE = 2
WEAK_ATTACH = 0.60
MARGIN = 0.10
# The weights of the parts of a profile's similarity; they sum to 1.
W_CATEGORIES = 0.40
W_TITLES = 0.40
W_YEARS = 0.10
W_AFFILIATION = 0.10
# Groups are compared with the people they share a title word held by at most this share
# of the name's papers (else a category): the others cannot pass the thresholds.
CANDIDATE_SHARE = 0.05
# The preview calls a name shared when two groups of DISTINCT_SIZE papers or more are less
# similar than DISTINCT. Measured on AMiner (people with 5+ papers, each alone under their
# name): 43% were still called several people, against 71% whenever there were two groups;
# 104 of the 109 shared names were called shared. See the README.
DISTINCT = 0.30
DISTINCT_SIZE = 2
# A name with more papers than this is grouped on its newest papers only (still fast).
MAX_PAPERS = 500

_WORD = re.compile(r"[a-z][a-z0-9]+")
_STOP = frozenset(
    "a an and are as at based by for from in into is of on or over the their this to towards under "
    "using via we with without new its it be can study analysis approach method methods results "
    "paper model models two one non".split()
)


@dataclass
class Work:
    """One paper as the grouping reads it."""

    id: str
    coauthors: tuple[str, ...]  # the other authors' names, as written (never the followed name)
    categories: tuple[str, ...] = ()  # primary first; a venue for sources without categories
    title: str = ""
    year: int | None = None
    initial_only: bool = False  # the followed name is written with initials only here
    affiliation: str = ""
    authors: int = 0  # how many authors the paper has (0: len(coauthors) + 1)
    date: str = ""  # for ordering, newest first
    abstract: str = ""  # its words count half a title word's


@dataclass
class Person:
    """A probable person: papers that share co-authors or a profile."""

    papers: list[str]  # ids, newest first
    categories: list[tuple[str, int]] = field(default_factory=list)
    coauthors: list[tuple[str, int]] = field(default_factory=list)
    years: tuple[int, int] | None = None
    recent_title: str = ""


# --- normalised co-author names -------------------------------------------------------------


# A hyphen inside a given name ("Jian-Fei") joins one name written in two parts.
_HYPHENATED = re.compile(r"(?<=[^\W\d_])-(?=[^\W\d_])")


@lru_cache(maxsize=200_000)
def coauthor_keys(name: str) -> tuple[tuple[str, bool], ...]:
    """A co-author's name as link keys, each with whether it has a whole first name.

    The first given name and the surname, normalised ("Jianfei Chen" and "Jianfei J.
    Chen" agree). Romanised given names are written in one word, with a hyphen or in two
    ("Jianfei", "Jian-Fei", "Jian Fei"): a hyphenated one is one name ("jianfei chen"
    only, never "jian chen", another person's), and two whole given names also give the
    joined key, so "Jian Fei Chen" links with "Jianfei Chen" as well as with "Jian Chen"
    (a first and a middle name, as in "Yiwei Thomas Hou" and "Yiwei Hou")."""
    try:
        parsed = parse_name(_HYPHENATED.sub("", name))
    except ValueError:
        return ()
    if not parsed.given:
        return ()
    first = parsed.given[0]
    keys = [(f"{first} {parsed.key}", len(first) > 1)]
    if len(parsed.given) > 1 and len(first) > 1 and len(parsed.given[1]) > 1:
        keys.append((f"{first}{parsed.given[1]} {parsed.key}", True))
    return tuple(keys)


def coauthor_key(name: str) -> tuple[str, bool] | None:
    """The first of `coauthor_keys`: one key per name, for counting co-authors."""
    keys = coauthor_keys(name)
    return keys[0] if keys else None


# --- profiles -------------------------------------------------------------------------------


def _title_words(title: str) -> list[str]:
    return [w for w in _WORD.findall(title.lower()) if w not in _STOP]


# The first words of an abstract say what a paper is about; the rest mostly repeat them.
ABSTRACT_WORDS = 60


def _abstract_words(abstract: str) -> list[str]:
    """The first ABSTRACT_WORDS distinct words; the rest of the abstract is not read."""
    found: dict[str, None] = {}
    for m in _WORD.finditer(abstract.lower()):
        word = m.group()
        if word not in _STOP:
            found[word] = None
            if len(found) == ABSTRACT_WORDS:
                break
    return list(found)


_VENUE = re.compile(r"[A-Za-z][A-Za-z .&/-]*[A-Za-z]")  # "IEA/AIE", not "iea"


def venue(journal_ref: str) -> str:
    """A journal reference's venue, without volume, pages and year: "Phys.Rev.D76:013009,2007"
    is Phys.Rev.D."""
    found = _VENUE.match(journal_ref.strip())
    return found.group(0).replace(" ", "").lower() if found else ""


def _norm(v: dict[str, float]) -> float:
    return math.sqrt(sum(x * x for x in v.values())) or 1.0


@dataclass
class _Group:
    members: list[int]
    categories: dict[str, float]
    words: dict[str, float]
    years: list[int]
    affiliations: Counter[str]
    weak: bool  # only collaboration or initial-only papers
    cat_norm: float = 0.0
    word_norm: float = 0.0
    first: int = 0  # the first and last year
    last: int = 0

    def absorb(self, other: _Group) -> None:
        self.members += other.members
        for k, v in other.categories.items():
            self.categories[k] = self.categories.get(k, 0.0) + v
        for k, v in other.words.items():
            self.words[k] = self.words.get(k, 0.0) + v
        self.years += other.years
        self.affiliations.update(other.affiliations)
        self.weak = self.weak and other.weak
        self.refresh()

    def refresh(self) -> None:
        self.first, self.last = (min(self.years), max(self.years)) if self.years else (0, 0)
        self.cat_norm = _norm(self.categories)
        self.word_norm = _norm(self.words)


def _dot(a: dict[str, float], b: dict[str, float]) -> float:
    # The shared keys are found, and their products summed, in C: profiles with abstracts
    # share hundreds of words.
    shared = a.keys() & b.keys()
    return sum(map(operator.mul, map(a.__getitem__, shared), map(b.__getitem__, shared)))


def _year_closeness(a: _Group, b: _Group) -> float:
    """1 when the years overlap (within 2 years), falling off over a decade apart."""
    if not a.years or not b.years:
        return 0.5
    gap = max(0, max(a.first, b.first) - min(a.last, b.last) - 2)
    return _DECAY[gap] if gap < len(_DECAY) else 0.0


_DECAY = [math.exp(-gap / 5) for gap in range(60)]


def similarity(a: _Group, b: _Group) -> float:
    cats = (
        _dot(a.categories, b.categories) / (a.cat_norm * b.cat_norm) if a.categories and b.categories else 0.0
    )
    words = _dot(a.words, b.words) / (a.word_norm * b.word_norm) if a.words and b.words else 0.0
    years = _year_closeness(a, b)
    if a.affiliations and b.affiliations:
        affiliation = 1.0 if set(a.affiliations) & set(b.affiliations) else 0.0
        weights = 1.0
    else:
        affiliation, weights = 0.0, 1.0 - W_AFFILIATION
    return (W_CATEGORIES * cats + W_TITLES * words + W_YEARS * years + W_AFFILIATION * affiliation) / weights


# --- grouping -------------------------------------------------------------------------------


class _Union:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def join(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _size(work: Work) -> int:
    return work.authors or len(work.coauthors) + 1


def _weak(work: Work) -> bool:
    return work.initial_only or _size(work) > TEAM_SIZE


def coauthor_cores(works: Sequence[Work], followed: ParsedName | None = None) -> list[list[int]]:
    """Indexes of `works` in groups linked by shared co-authors (rule 1)."""
    union = _Union(len(works))
    by_key: dict[str, list[int]] = defaultdict(list)
    initials: dict[int, set[str]] = defaultdict(set)
    for i, work in enumerate(works):
        if _weak(work):
            continue
        for name in work.coauthors:
            if followed is not None and _is_followed(name, followed):
                continue
            for key, whole in coauthor_keys(name):
                if whole:
                    by_key[key].append(i)
                else:
                    initials[i].add(key)
    for members in by_key.values():
        # A co-author's papers link within a field (arXiv archives shared), so one common
        # co-author name does not join a physicist and a computer scientist.
        first: dict[str, int] = {}
        for i in members:
            for field_ in _fields(works[i]):
                if field_ in first:
                    union.join(first[field_], i)
                else:
                    first[field_] = i
    # Initials alone are too common to link on one ("Y. Li"): two shared ones link.
    if initials:
        owners: dict[str, list[int]] = defaultdict(list)
        for i, keys in initials.items():
            for key in keys:
                owners[key].append(i)
        pairs: Counter[tuple[int, int]] = Counter()
        for members in owners.values():
            if len(members) > 200:
                continue
            for x in range(len(members)):
                for y in range(x + 1, len(members)):
                    pairs[(members[x], members[y])] += 1
        for (a, b), count in pairs.items():
            if count >= 2:
                union.join(a, b)
    # A paper signed with initials joins the core it shares most co-authors with, when
    # one is clearly first; it never joins two cores into one.
    for i, work in enumerate(works):
        if not work.initial_only or _size(work) > TEAM_SIZE:
            continue
        shared: Counter[int] = Counter()
        for name in work.coauthors:
            shared.update(
                {union.find(j) for key, whole in coauthor_keys(name) if whole for j in by_key.get(key, ())}
            )
        ranked = shared.most_common(2)
        if ranked and (len(ranked) == 1 or ranked[0][1] > ranked[1][1]):
            union.parent[union.find(i)] = ranked[0][0]
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(len(works)):
        groups[union.find(i)].append(i)
    return list(groups.values())


# Broad fields: a co-author's papers link only within one. Statistics and computer
# science share one, as do the parts of physics; a venue (no arXiv category) is its own.
_FIELDS = {
    "cs": "computing",
    "stat": "computing",
    "eess": "computing",
    "econ": "computing",
    "q-fin": "computing",
    "math": "math",
    "q-bio": "biology",
}
_PHYSICS = ("astro-ph", "cond-mat", "gr-qc", "hep-", "math-ph", "nlin", "nucl-", "physics", "quant-ph")


def _field(category: str) -> str | None:
    archive = category.split(".")[0]
    if archive in _FIELDS:
        return _FIELDS[archive]
    if archive.startswith(_PHYSICS) and archive.islower():
        return "physics"
    return None


def _fields(work: Work) -> set[str]:
    """The broad fields of a paper's arXiv categories; {""} for a source without them."""
    found = {f for f in map(_field, work.categories) if f}
    return found or {""}


_lookup_keys = lru_cache(maxsize=64)(lookup_keys)
# What a normalised surname keeps of an ASCII name: letters and digits ("O'Brien": obrien).
_LETTERS = re.compile(r"[^a-z0-9]")


def _is_followed(name: str, followed: ParsedName) -> bool:
    last = followed.surname.rsplit(" ", 1)[-1]
    if last and name.isascii() and last not in _LETTERS.sub("", name.lower()):
        # Most co-authors, decided without parsing their names: an ASCII name that does
        # not hold the surname's last word cannot be the followed person.
        return False
    try:
        if surname_key(name) not in _lookup_keys(followed):
            return False  # most co-authors: one cached look-up, no match to compute
        return match_strength(followed, parse_name(name)) is not None
    except ValueError:
        return False


def group_works(works: Sequence[Work], followed: ParsedName | None = None) -> list[list[int]]:
    """Indexes of `works` grouped into probable people, largest first."""
    return [g.members for g in _grouped(works, followed)]


def _grouped(works: Sequence[Work], followed: ParsedName | None) -> list[_Group]:
    if not works:
        return []
    words = [(_title_words(w.title), _abstract_words(w.abstract)) for w in works]
    idf = _idf(works, words)
    cores = coauthor_cores(works, followed)
    # Weak papers (collaborations, initials) stand alone here: they join, never bridge.
    groups: list[_Group] = []
    for core in cores:
        groups.append(_group_of(works, core, idf, words))
    groups.sort(key=lambda g: (-len(g.members), min(g.members)))
    # Cores of two or more papers first, among themselves (a stricter threshold: each is
    # already someone's), then single papers against all of them, so a paper is weighed
    # against every person it might be, not only the ones larger than it.
    cores_first = [g for g in groups if len(g.members) >= MIN_CORE and not g.weak]
    singles = [g for g in groups if len(g.members) < MIN_CORE or g.weak]
    settled = _Settled()
    _Settled.rare = math.log((len(works) + 1) / (CANDIDATE_SHARE * len(works) + 0.5))
    for group in cores_first:
        settled.settle(group, MERGE)
    for group in singles:
        settled.settle(group, WEAK_ATTACH if group.weak else ATTACH)
    return sorted(settled.groups, key=lambda g: (-len(g.members), min(g.members)))


def _distinct(groups: Sequence[_Group]) -> bool:
    """Whether two of the groups look like different people, not one person's papers
    that share no co-author: two of DISTINCT_SIZE papers or more, less similar than
    DISTINCT. Most people alone under their name still make several groups (co-authors
    change, papers are written alone), and the preview must not call them several."""
    big = [g for g in groups if len(g.members) >= DISTINCT_SIZE]
    return any(similarity(a, b) < DISTINCT for i, a in enumerate(big) for b in big[i + 1 :])


class _Settled:
    """The people found so far, indexed by their rarer words (see _keys): a group is
    compared only with those it shares one with. This is a rule, not only a speed-up: a
    paper that shares no rare word with a person is never attached to them on its
    category alone (on AMiner half A it raised precision and cost a little recall)."""

    rare = 0.0  # the least TF-IDF weight of a word a group is found by (set per name)

    def __init__(self) -> None:
        self.groups: list[_Group] = []
        self.index: dict[str, list[int]] = defaultdict(list)

    def settle(self, group: _Group, threshold: float) -> None:
        """Join `group` to the most similar settled group, if similar enough and clearly
        the best (MARGIN); or settle it as a person of its own."""
        best, second, best_at = 0.0, 0.0, -1
        seen: set[int] = set()
        for key in _keys(group):
            for at in self.index.get(key, ()):
                if at in seen:
                    continue
                seen.add(at)
                s = similarity(group, self.groups[at])
                if s > best:
                    best, second, best_at = s, best, at
                elif s > second:
                    second = s
        if best_at >= 0 and best >= threshold and best - second >= MARGIN:
            self.groups[best_at].absorb(group)
            at = best_at
        else:
            self.groups.append(group)
            at = len(self.groups) - 1
        for key in _keys(group):
            if not self.index[key] or self.index[key][-1] != at:
                self.index[key].append(at)


def _keys(group: _Group) -> list[str]:
    """What a group is found by: its rarer title words (those in at most
    CANDIDATE_SHARE of the name's papers weigh in every cosine, so they decide
    nothing alone), else its categories."""
    words = [w for w, v in group.words.items() if v >= _Settled.rare]
    return words or ["@" + c for c in group.categories]


def _idf(works: Sequence[Work], words: Sequence[tuple[list[str], list[str]]]) -> dict[str, float]:
    """Inverse document frequencies over the name's papers, for title words and (keyed
    with a leading "@") categories: a category most of the name's papers share says
    little about which person wrote one."""
    df: Counter[str] = Counter()
    for work, (title, abstract) in zip(works, words, strict=True):
        df.update(set(title) | set(abstract))
        df.update({"@" + c for c in work.categories})
    n = len(works)
    # A word in one paper only links nothing; it is left out to keep the vectors short.
    return {w: math.log((n + 1) / (c + 0.5)) for w, c in df.items() if c > 1 or w.startswith("@")}


def _group_of(
    works: Sequence[Work],
    members: list[int],
    idf: dict[str, float],
    texts: Sequence[tuple[list[str], list[str]]],
) -> _Group:
    """A group's profile (rule 2); `texts` holds each work's title and abstract words."""
    categories: dict[str, float] = {}
    words: dict[str, float] = {}
    years: list[int] = []
    affiliations: Counter[str] = Counter()
    for i in members:
        work = works[i]
        for rank, category in enumerate(work.categories):
            weight = (2.0 if rank == 0 else 1.0) * idf.get("@" + category, 1.0)
            categories[category] = categories.get(category, 0.0) + weight
        title, abstract = texts[i]
        for w in title:
            if w in idf:
                words[w] = words.get(w, 0.0) + idf[w]
        for w in abstract:
            if w in idf:
                words[w] = words.get(w, 0.0) + 0.5 * idf[w]
        if work.year:
            years.append(work.year)
        if work.affiliation:
            affiliations[" ".join(_title_words(work.affiliation))] += 1
    group = _Group(
        members=list(members),
        categories=categories,
        words=words,
        years=years,
        affiliations=affiliations,
        weak=all(_weak(works[i]) for i in members),
    )
    group.refresh()
    return group


def people_and_shared(
    works: Sequence[Work], followed: ParsedName | None = None, top: int = 3
) -> tuple[list[Person], bool]:
    """`works` grouped into people, each described for a preview (largest first), and
    whether the name looks shared: two groups unlike each other (`_distinct`), not only
    groups that share no co-author."""
    groups = _grouped(works, followed)
    found = []
    for members in (g.members for g in groups):
        mine = sorted((works[i] for i in members), key=lambda w: (w.date, w.id), reverse=True)
        categories: Counter[str] = Counter(w.categories[0] for w in mine if w.categories)
        coauthors: Counter[str] = Counter()
        for w in mine:
            if _size(w) <= TEAM_SIZE:
                coauthors.update(w.coauthors)  # the followed name is not among them
        years = [w.year for w in mine if w.year]
        found.append(
            Person(
                papers=[w.id for w in mine],
                categories=categories.most_common(top),
                coauthors=coauthors.most_common(top),
                years=(min(years), max(years)) if years else None,
                recent_title=mine[0].title if mine else "",
            )
        )
    return found, _distinct(groups)


# --- from the store -------------------------------------------------------------------------


def works_of_name(
    db: Any,
    value: str,
    limit: int | None = None,
    hits: dict[str, tuple[str, str]] | None = None,
    keep: Sequence[str] = (),
) -> tuple[list[Work], bool]:
    """The stored papers that match a person's name as Works, newest first, and whether
    the name had more than `limit` (MAX_PAPERS) papers: then only the newest are read,
    and the papers in `keep` (a follow's --like and --not-like: older ones still say
    who the person is). `hits` (paper id -> the name as written, "exact" or "initial")
    saves finding them again when the caller has them: a follow of the name that chose
    no person."""
    limit = limit or MAX_PAPERS
    from radar.follows import name_hits
    from radar.store import chunks, placeholders

    followed = parse_name(value)
    whole_first = has_whole_first(followed)
    if hits is None:
        hits = name_hits(db, value)
    ids = list(hits)
    # The days first (the listing-date index holds them): only the papers kept are read whole.
    day_of: dict[str, str] = {}
    for part in chunks(ids):
        for pid, day in db.execute(
            f"select id, listing_date from papers where id in ({placeholders(part)})", part
        ):
            day_of[pid] = day or ""
    ordered = sorted(ids, key=lambda i: (day_of.get(i, ""), i), reverse=True)
    truncated = len(ordered) > limit
    if truncated:
        newest = ordered[:limit]
        kept = set(newest)
        ordered = newest + [pid for pid in ordered[limit:] if pid in set(keep) and pid not in kept]
    dates: dict[str, tuple[str, str, str, str]] = {}
    texts: dict[str, tuple[str, str]] = {}
    for part in chunks(ordered):
        for row in db.execute(
            "select id, listing_date, title, published_utc, authors_json, abstract, journal_ref "
            f"from papers where id in ({placeholders(part)})",
            part,
        ):
            dates[row[0]] = (row[1] or "", row[2] or "", row[3] or "", row[4] or "[]")
            texts[row[0]] = (row[5] or "", row[6] or "")
    categories: dict[str, list[str]] = defaultdict(list)
    primary: dict[str, str] = {}
    for part in chunks(ordered):
        for pid, cat in db.execute(
            f"select paper_id, category from paper_categories where paper_id in ({placeholders(part)})", part
        ):
            categories[pid].append(cat)
        for pid, cat in db.execute(
            f"select id, primary_category from papers where id in ({placeholders(part)})", part
        ):
            primary[pid] = cat or ""
    works = []
    for pid in ordered:
        day, title, published, authors_json = dates.get(pid, ("", "", "", "[]"))
        written, strength = hits[pid]
        names, affiliation = _authors(authors_json, written, followed)
        cats = categories.get(pid, [])
        first = primary.get(pid) or ""
        ordered_cats = ([first] if first else []) + sorted(c for c in cats if c != first)
        abstract, journal_ref = texts.get(pid, ("", ""))
        if venue(journal_ref):
            ordered_cats.append("venue:" + venue(journal_ref))
        year = (published or day)[:4]
        works.append(
            Work(
                id=pid,
                coauthors=tuple(names),
                categories=tuple(ordered_cats),
                title=title,
                year=int(year) if year.isdigit() else None,
                # Weaker evidence only when the follow has a whole first name that this
                # byline lacks (names.follow_strength; matches stored by an earlier radar
                # may still say "initial" for a follow by initials).
                initial_only=strength != "exact" and whole_first,
                affiliation=affiliation,
                authors=len(names) + 1,
                date=day,
                abstract=abstract,
            )
        )
    return works, truncated


def _authors(authors_json: str, written: str, followed: ParsedName) -> tuple[list[str], str]:
    try:
        authors = json.loads(authors_json)
    except ValueError:
        return [], ""
    names, affiliation = [], ""
    every = [author.get("name", "") if isinstance(author, dict) else str(author) for author in authors]
    # The byline names the followed person once, as the match wrote it: when that
    # spelling is there, the others are co-authors without asking (a long author list
    # would otherwise cost a name comparison each).
    found = written in every
    for author, name in zip(authors, every, strict=True):
        if name == written or (not found and name and _is_followed(name, followed)):
            if isinstance(author, dict) and author.get("affiliations") and not affiliation:
                affiliation = str(author["affiliations"][0])
            continue
        names.append(name)
    return names, affiliation


@dataclass
class NamePeople:
    works: list[Work]
    people: list[Person]
    truncated: bool  # grouped on the newest MAX_PAPERS papers only
    shared: bool = True  # two of the people look like different people (people._distinct)


def people_of_name(
    db: Any, value: str, hits: dict[str, tuple[str, str]] | None = None, keep: Sequence[str] = ()
) -> NamePeople:
    works, truncated = works_of_name(db, value, hits=hits, keep=keep)
    found, shared = people_and_shared(works, parse_name(value))
    return NamePeople(works, found, truncated, shared)


# --- the person a follow means --------------------------------------------------------------


@dataclass
class Choice:
    """Which person a follow of a shared name means: plain data, stored on the follow."""

    like: list[str] = field(default_factory=list)  # papers of theirs (--like, --pick)
    not_like: list[str] = field(default_factory=list)  # papers of other people's (--not-like)
    categories: list[str] = field(default_factory=list)  # only papers in these (--category)

    def as_data(self) -> dict[str, list[str]]:
        return {"like": self.like, "not_like": self.not_like, "categories": self.categories}

    @classmethod
    def from_data(cls, data: dict[str, list[str]] | None) -> Choice | None:
        if not data:
            return None
        return cls(
            list(data.get("like", [])), list(data.get("not_like", [])), list(data.get("categories", []))
        )

    def __bool__(self) -> bool:
        return bool(self.like or self.not_like or self.categories)

    def named(self) -> list[str]:
        """The papers the choice names: grouped even when older than a common name's newest."""
        return [*self.like, *self.not_like]


@dataclass
class Counted:
    """The papers with a name that a person follow counts, and the ones it does not."""

    counted: dict[str, str]  # paper id -> a co-author it shares with the person's other papers, or ""
    not_counted: list[str]  # by other people with the name, newest first
    people: list[Person]
    chosen: list[int]  # indexes into people of the person (or people) followed
    truncated: bool


def count_for(
    works: Sequence[Work], people_: list[Person], choice: Choice | None, truncated: bool = False
) -> Counted:
    """Which of the name's papers the choice counts: those of the people (groups) holding
    a --like paper, minus any holding a --not-like paper, within --category. With no
    --like, everyone but the excluded."""
    by_id = {w.id: w for w in works}
    if not choice:
        chosen = list(range(len(people_)))
    else:
        liked, unliked = set(choice.like), set(choice.not_like)
        chosen = [
            i
            for i, p in enumerate(people_)
            if (not liked or liked & set(p.papers)) and not (unliked & set(p.papers))
        ]
    ids = [pid for i in chosen for pid in people_[i].papers]
    if choice and choice.categories:
        wanted = set(choice.categories)
        ids = [pid for pid in ids if wanted & set(by_id[pid].categories)]
    if choice:
        ids = [pid for pid in ids if pid not in set(choice.not_like)]
        ids += [pid for pid in choice.like if pid in by_id and pid not in ids]
    counted = dict.fromkeys(ids, "")
    _reasons(counted, by_id)
    order = {w.id: n for n, w in enumerate(sorted(works, key=lambda w: (w.date, w.id), reverse=True))}
    not_counted = sorted((w.id for w in works if w.id not in counted), key=order.__getitem__)
    return Counted(counted, not_counted, people_, chosen, truncated)


def _reasons(counted: dict[str, str], by_id: dict[str, Work]) -> None:
    """Each counted paper's most frequent co-author among the person's papers, when it
    shares one with another of them: what the card says ("with Jianfei Chen")."""
    keys: Counter[str] = Counter()
    for pid in counted:
        work = by_id[pid]
        if _size(work) <= TEAM_SIZE:
            keys.update({k[0] for k in (coauthor_key(n) for n in work.coauthors) if k})
    for pid in counted:
        work = by_id[pid]
        if _size(work) > TEAM_SIZE:
            continue
        best, best_count = "", 1
        for name in work.coauthors:
            key = coauthor_key(name)
            if key and keys[key[0]] > best_count:
                best, best_count = name, keys[key[0]]
        counted[pid] = best


def describe(counted: Counted, works: Sequence[Work]) -> str:
    """The person a follow counts, in a few words: "cs.LG, with Jianfei Chen"; the
    people, when it chose two or three: "2 people: cs.LG, with Jianfei Chen; hep-ex, with
    Mark Spiro"."""
    by_id = {w.id: w for w in works}
    people_ = [counted.people[i] for i in counted.chosen if i < len(counted.people)]
    groups = [[pid for pid in p.papers if pid in counted.counted] for p in people_]
    groups = [g for g in groups if g]
    if not 2 <= len(groups) <= 3:
        groups = [list(counted.counted)]  # one person, or most of the name (--not-like)
    said = []
    for papers in groups:
        categories = Counter(
            by_id[pid].categories[0] for pid in papers if pid in by_id and by_id[pid].categories
        )
        partners = Counter(counted.counted[pid] for pid in papers if counted.counted.get(pid))
        parts = [" ".join(c for c, _ in categories.most_common(2))]
        if partners:
            parts.append("with " + partners.most_common(1)[0][0])
        said.append(", ".join(p for p in parts if p))
    return said[0] if len(said) == 1 else f"{len(said)} people: " + "; ".join(said)


def person_papers(db: Any, value: str, person: dict[str, list[str]] | None) -> Counted:
    """The one answer to "which stored papers are this person's" for a follow, a search,
    a brief, an export and a mute: the papers with the name, grouped into people, and
    the person (or people) the choice means."""
    choice = Choice.from_data(person)
    found = people_of_name(db, value, keep=choice.named() if choice else ())
    return count_for(found.works, found.people, choice, found.truncated)


def check_liked(db: Any, value: str, paper_ids: Sequence[str]) -> None:
    """UsageError unless every paper is stored and signed with this name: one line that
    names the paper's authors, so the user sees whose paper it is."""
    from radar.errors import UsageError
    from radar.store.papers import papers_by

    followed = parse_name(value)
    for pid in paper_ids:
        row = db.execute("select authors_json from papers where id = ?", [pid]).fetchone()
        if row is None:
            raise UsageError(
                f"{pid} is not stored here, so it cannot say who {value} is (radar fetch brings new papers)"
            )
        if not papers_by(db, followed, [pid]):
            names = [a.get("name", "") if isinstance(a, dict) else str(a) for a in json.loads(row[0] or "[]")]
            shown = ", ".join(names[:6]) + (f" and {len(names) - 6} more" if len(names) > 6 else "")
            raise UsageError(f"{pid} is not by {value}: its authors are {shown or 'not stored'}")


def refined(
    old: dict[str, list[str]] | None,
    found: NamePeople,
    like: Sequence[str] = (),
    not_like: Sequence[str] = (),
    pick: int | None = None,
    categories: Sequence[str] = (),
) -> dict[str, list[str]]:
    """A follow's choice of person, refined: --like and --pick add the person, --not-like
    excludes another, --category replaces the narrowing. A like undoes an earlier
    not-like of the same paper, and the other way round."""
    from radar.errors import UsageError

    choice = Choice.from_data(old) or Choice()
    liked = list(like)
    if pick is not None:
        if not 1 <= pick <= len(found.people):
            raise UsageError(f"--pick takes a number from 1 to {len(found.people)}, from the list above")
        liked += found.people[pick - 1].papers[:3]
    for pid in liked:
        if pid in choice.not_like:
            choice.not_like.remove(pid)
        if pid not in choice.like:
            choice.like.append(pid)
    for pid in not_like:
        if pid in choice.like:
            choice.like.remove(pid)
        if pid not in choice.not_like:
            choice.not_like.append(pid)
    if categories:
        choice.categories = list(dict.fromkeys(categories))
    return choice.as_data()


# --- everywhere a person is named -------------------------------------------------------------


def followed_person(db: Any, value: str) -> Any:
    """The person follow this name means, when it is followed with a chosen person
    (--like, --pick, --not-like, --category); None otherwise."""
    from radar.follows import follow_key, list_follows

    _, key = follow_key("author", value, adding=False)
    row = db.execute("select id from follows where kind = 'author' and key = ?", [key]).fetchone()
    if row is None:
        return None
    follow = next((f for f in list_follows(db) if f.id == row[0]), None)
    return follow if follow is not None and follow.person else None


def papers_of_person(db: Any, value: str, paper_ids: Sequence[str] | None = None) -> set[str]:
    """The stored papers of the person a name means, among `paper_ids` (None: all): for
    a name followed with a chosen person, the papers that follow counts; otherwise every
    paper signed with the name, as strictly as a follow matches. `search --author`,
    `brief --author`, `mute --author` and `export --follow` (through the follow's
    matches) all ask this."""
    from radar.follows import name_hits
    from radar.store import chunks, placeholders
    from radar.store.papers import papers_by

    follow = followed_person(db, value)
    if follow is None:
        if paper_ids is None:
            return set(name_hits(db, value))
        return papers_by(db, parse_name(value), paper_ids)
    if paper_ids is None:
        return {r[0] for r in db.execute("select paper_id from matches where follow_id = ?", [follow.id])}
    found: set[str] = set()
    for part in chunks(list(paper_ids)):
        found.update(
            r[0]
            for r in db.execute(
                f"select paper_id from matches where follow_id = ? and paper_id in ({placeholders(part)})",
                [follow.id, *part],
            )
        )
    return found


def counted_by_name_only(db: Any, paper_id: str) -> list[str]:
    """The person follows that count this paper only because of the name: the name is
    shared by several people here, and the follow has not chosen one (or this paper shares
    no co-author with the one chosen). Their values, for `radar hide` to offer --not-like."""
    rows = db.execute(
        "select f.value, f.person_json, m.reason from matches m join follows f on f.id = m.follow_id "
        "where f.kind = 'author' and m.paper_id = ?",
        [paper_id],
    ).fetchall()
    found = []
    for value, person, reason in rows:
        if person and "(with " in (reason or ""):
            continue
        named = people_of_name(db, value)
        if len(named.people) > 1 and named.shared:
            found.append(value)
    return found
