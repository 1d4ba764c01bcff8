"""A synthetic arXiv metadata snapshot (JSON Lines in the shape of arxiv-metadata-oai-snapshot.json).

Realistic where it matters to radar's speed: papers per month growing from 1991 to today
(about 2.9 million in all), old-style ids before April 2007, the whole of arXiv's subject mix,
Zipf-distributed author productivity over a large name pool sharing common surnames, 1 to
12 authors with a rare collaboration paper of hundreds, 150-250-word abstracts, 1-5 versions.

    uv run python benchmarks/snapshot_gen.py --papers 100000 --out /tmp/snap.jsonl.gz

Namesakes on purpose (`namesake_lines`, imported beside the snapshot by bench_scale.py):
the snapshot's own names are shared only by chance, so 40 people who all sign "Wei Wang"
are added, each with a field (a primary category drawn by arXiv's subject mix, with its
neighbours as cross-lists), a co-author circle of 5-25 names from the snapshot's name pool
that grows over a career of 3-12 years, their own topic words in titles and abstracts, and
a Zipf-like number of papers (the most productive about 300, 2,000 in all). Their ids
(YYMM.9NNNN, from 2015 on) lie above every id the snapshot generates.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_today import CULTURES, PHRASES, Picker, Text, _syllable_word, zipf  # noqa: E402

SEED = 20261122
# Share of arXiv's papers by primary category, roughly as the listings have it over all years.
SUBJECTS = {
    "cs.LG": 7.0,
    "cs.CV": 5.0,
    "cs.CL": 3.5,
    "cs.AI": 2.5,
    "stat.ML": 1.5,
    "cs.RO": 1.2,
    "cs.IT": 1.2,
    "cs.CR": 1.0,
    "cs.DS": 0.8,
    "cs.IR": 0.6,
    "cs.NI": 0.6,
    "cs.SE": 0.5,
    "eess.SP": 1.0,
    "eess.SY": 1.0,
    "eess.IV": 0.6,
    "math.CO": 2.0,
    "math.AP": 2.0,
    "math.PR": 1.8,
    "math.AG": 1.6,
    "math.NT": 1.4,
    "math.OC": 1.4,
    "math.DG": 1.2,
    "math.NA": 1.2,
    "math-ph": 1.6,
    "math.ST": 0.8,
    "quant-ph": 5.0,
    "hep-th": 4.0,
    "hep-ph": 4.5,
    "hep-ex": 1.2,
    "hep-lat": 0.7,
    "gr-qc": 2.2,
    "nucl-th": 1.2,
    "astro-ph.GA": 3.0,
    "astro-ph.CO": 2.6,
    "astro-ph.SR": 2.4,
    "astro-ph.HE": 2.0,
    "astro-ph.EP": 1.0,
    "astro-ph.IM": 0.8,
    "cond-mat.mes-hall": 2.4,
    "cond-mat.str-el": 2.2,
    "cond-mat.mtrl-sci": 2.6,
    "cond-mat.stat-mech": 1.8,
    "cond-mat.soft": 1.2,
    "cond-mat.supr-con": 1.0,
    "cond-mat.quant-gas": 0.8,
    "physics.optics": 1.4,
    "physics.flu-dyn": 1.0,
    "physics.soc-ph": 0.6,
    "q-bio.NC": 0.6,
    "q-fin.ST": 0.2,
    "econ.EM": 0.2,
    "nlin.CD": 0.4,
}
OLD_ARCHIVES = ("hep-th", "hep-ph", "astro-ph", "cond-mat", "math", "quant-ph", "gr-qc", "nucl-th")
FIRST_NEW_STYLE = date(2007, 4, 1)
FIRST_MONTH = date(1991, 8, 1)
NEWEST_DAY = date(2026, 11, 20)
NEWEST_TIME = datetime(2026, 11, 20, 23, 0, tzinfo=UTC)
VERSIONS = (1, 2, 3, 4, 5)
VERSION_WEIGHTS = (58, 27, 9, 4, 2)
AUTHORS_PER_PAPER = (14, 17, 18, 15, 11, 8, 6, 4, 3, 2, 1, 1)  # weights for 1..12 authors
PARTICLES = {"van", "der", "den", "de", "del", "von", "dos", "la", "ter"}
COLLABORATION_SHARE = 0.002  # papers with 100-600 authors
AUTHOR_OFFSET = 1_000
POOL_SIZE = 1_000_000  # distinct author names; arXiv has well over a million
MONTHLY_GROWTH = 1.0095  # papers per month grow about 12% a year


def months() -> list[date]:
    out = []
    day = FIRST_MONTH
    while day <= NEWEST_DAY:
        out.append(day)
        day = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return out


def per_month(papers: int) -> list[tuple[date, int]]:
    all_months = months()
    weights = [MONTHLY_GROWTH**i for i in range(len(all_months))]
    scale = papers / sum(weights)
    counts = [int(w * scale) for w in weights]
    counts[-1] += papers - sum(counts)
    return list(zip(all_months, counts, strict=True))


def gmt(value: datetime) -> str:
    return value.strftime("%a, %-d %b %Y %H:%M:%S GMT")


def name_pool(rng: random.Random, size: int) -> list[str]:
    """`size` distinct names: the common surnames of bench_today's naming traditions shared
    by many people, and a long tail of generated surnames and given names (arXiv has well
    over a million distinct author names)."""
    given_names: list[str] = []
    surnames: list[str] = []
    for _weight, given, sur in CULTURES.values():
        given_names += given.split()
        surnames += sur.split("|") if "|" in sur else sur.split()
    tail = max(2_000, size // 5)
    surnames += [_syllable_word(rng, rng.choice((2, 2, 3))).capitalize() for _ in range(tail)]
    given_names += [_syllable_word(rng, 2).capitalize() for _ in range(tail // 20)]
    surname = Picker(surnames, zipf(len(surnames), offset=3, power=0.9))
    given = Picker(given_names, zipf(len(given_names), offset=10, power=0.7))
    initials = "ABCDEFGHJKLMNPRSTW"
    pool: dict[str, None] = {}
    while len(pool) < size:
        first, last, form = given.one(rng), surname.one(rng), rng.random()
        if form < 0.12:
            name = f"{first} {rng.choice(initials)}. {last}"
        elif form < 0.20:
            name = f"{first[0]}. {last}"
        else:
            name = f"{first} {last}"
        pool[name] = None
    names = list(pool)
    rng.shuffle(names)
    return names


def snapshot_lines(
    papers: int, seed: int = SEED, pool_size: int = POOL_SIZE, part: int = 0, parts: int = 1
) -> Iterator[str]:
    """`papers` JSON lines, oldest month first; with `parts`, only every parts-th month
    from `part` on (each month has its own random stream, so parts can be made in parallel
    and interleaved by month)."""
    setup = random.Random(seed)
    pool = name_pool(setup, pool_size)
    # With 15 million author slots, the most productive author has about 2,000 papers.
    authors = Picker(pool, zipf(len(pool), offset=AUTHOR_OFFSET))
    text = Text(setup)
    # Real abstracts average about 1,000 characters (arXiv caps them at 1,920).
    text.abstract_words = (100, 190)
    subjects = Picker(list(SUBJECTS), list(SUBJECTS.values()))
    for index, (month, count) in enumerate(per_month(papers)):
        if index % parts != part:
            continue
        rng = random.Random(seed * 1_000 + index)
        text.rng = rng
        last_day = ((month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)).day
        if (month.year, month.month) == (NEWEST_DAY.year, NEWEST_DAY.month):
            last_day = NEWEST_DAY.day  # the snapshot is taken on NEWEST_DAY
        old_counters: dict[str, int] = {}
        for n in range(1, count + 1):
            primary = subjects.one(rng)
            if month < FIRST_NEW_STYLE:
                archive = rng.choice(OLD_ARCHIVES)
                old_counters[archive] = old_counters.get(archive, 0) + 1
                paper_id = f"{archive}/{month.year % 100:02d}{month.month:02d}{old_counters[archive]:03d}"
                primary = archive if archive in SUBJECTS else primary
            else:
                width = 5 if month >= date(2015, 1, 1) else 4
                paper_id = f"{month.year % 100:02d}{month.month:02d}.{n:0{width}d}"
            cats = [primary]
            for _ in range(rng.choices((0, 1, 2, 3), (45, 32, 15, 8))[0]):
                extra = subjects.one(rng)
                if extra not in cats:
                    cats.append(extra)
            created = datetime(month.year, month.month, rng.randint(1, last_day), tzinfo=UTC) + timedelta(
                seconds=rng.randrange(86_400)
            )
            versions = []
            when = created
            for v in range(1, rng.choices(VERSIONS, VERSION_WEIGHTS)[0] + 1):
                if v > 1:
                    when = when + timedelta(days=rng.randint(3, 400))
                if v > 1 and when > NEWEST_TIME:
                    break  # a revision after the snapshot was taken has not happened yet
                versions.append({"version": f"v{v}", "created": gmt(min(when, NEWEST_TIME))})
            if rng.random() < COLLABORATION_SHARE:
                k = rng.randint(100, 600)
            else:
                k = rng.choices(range(1, 13), AUTHORS_PER_PAPER)[0]
            names: dict[str, None] = {}
            while len(names) < k:
                names[authors.one(rng)] = None
            parsed = []
            for name in names:
                words = name.split()
                # "Jan van der Berg" -> ["van der Berg", "Jan", ""], as arXiv parses it.
                cut = len(words) - 1
                while cut > 1 and words[cut - 1].lower() in PARTICLES:
                    cut -= 1
                parsed.append([" ".join(words[cut:]), " ".join(words[:cut]), ""])
            phrases = text.phrases()
            last = versions[-1]["created"]
            record = {
                "id": paper_id,
                "submitter": next(iter(names)),
                "authors": ", ".join(names),
                "title": text.title(phrases),
                "comments": f"{rng.randint(6, 40)} pages, {rng.randint(1, 12)} figures"
                if rng.random() < 0.6
                else None,
                "journal-ref": "Phys. Rev. D 76, 013009 (2007)" if rng.random() < 0.2 else None,
                "doi": f"10.1103/PhysRevD.{rng.randint(60, 110)}.{rng.randrange(10**6):06d}"
                if rng.random() < 0.25
                else None,
                "report-no": None,
                "categories": " ".join(cats),
                "license": "http://creativecommons.org/licenses/by/4.0/" if rng.random() < 0.3 else None,
                "abstract": "  " + text.abstract(phrases) + "\n",
                "versions": versions,
                "update_date": datetime.strptime(last, "%a, %d %b %Y %H:%M:%S GMT").date().isoformat(),
                "authors_parsed": parsed,
            }
            yield json.dumps(record, ensure_ascii=True)


NAMESAKE = "Wei Wang"
NAMESAKE_PEOPLE = 40
NAMESAKE_PAPERS = 2_000
NAMESAKE_FIRST_ID = 90_000  # above any month's count of generated papers


def namesake_lines(
    name: str = NAMESAKE, people: int = NAMESAKE_PEOPLE, papers: int = NAMESAKE_PAPERS, seed: int = SEED
) -> Iterator[str]:
    """`papers` JSON lines by `people` different people who all sign `name` (see the module
    docstring), in the snapshot's format, oldest first."""
    rng = random.Random(seed + 21)
    pool = name_pool(random.Random(seed), POOL_SIZE)[AUTHOR_OFFSET : AUTHOR_OFFSET + 200_000]
    subjects = list(SUBJECTS)
    text = Text(rng)
    weights = [1 / (rank + 2) for rank in range(people)]
    counts = [max(3, round(papers * w / sum(weights))) for w in weights]
    counts[0] += papers - sum(counts)
    records: list[tuple[datetime, dict[str, object]]] = []
    for count in counts:
        primary = rng.choices(subjects, list(SUBJECTS.values()))[0]
        archive = primary.split(".")[0]
        near = [s for s in subjects if s.split(".")[0] == archive and s != primary] or [primary]
        circle = rng.sample(pool, rng.randint(5, 25))
        topic = [_syllable_word(rng, 3) for _ in range(8)]
        start = rng.randint(2015, 2024)
        end = min(2026, start + rng.randint(3, 12))
        for _ in range(count):
            year = rng.randint(start, end)
            month = rng.randint(1, 10 if year == 2026 else 12)
            created = datetime(year, month, rng.randint(1, 28), tzinfo=UTC) + timedelta(
                seconds=rng.randrange(86_400)
            )
            others = rng.sample(circle, min(len(circle), rng.randint(1, 5)))
            if rng.random() < 0.2:
                others.append(rng.choice(pool))  # a first-time co-author
                circle.append(others[-1])
            names = list(dict.fromkeys([*others[: rng.randint(0, len(others))], name, *others]))
            cats = [primary] + [c for c in rng.sample(near, min(2, len(near))) if rng.random() < 0.3]
            phrases = rng.sample(topic, 2)
            title = text.title(phrases) + " " + " ".join(phrases).title()
            abstract = text.abstract(rng.sample(topic, 3))
            records.append(
                (
                    created,
                    {
                        "submitter": names[0],
                        "authors": ", ".join(names),
                        "title": title,
                        "comments": None,
                        "journal-ref": None,
                        "doi": None,
                        "report-no": None,
                        "categories": " ".join(dict.fromkeys(cats)),
                        "license": None,
                        "abstract": "  " + abstract + "\n",
                        "versions": [{"version": "v1", "created": gmt(created)}],
                        "update_date": created.date().isoformat(),
                        "authors_parsed": [[n.split()[-1], " ".join(n.split()[:-1]), ""] for n in names],
                    },
                )
            )
    records.sort(key=lambda r: r[0])
    numbers: dict[str, int] = {}
    for created, record in records:
        month = f"{created.year % 100:02d}{created.month:02d}"
        numbers[month] = numbers.get(month, NAMESAKE_FIRST_ID - 1) + 1
        yield json.dumps({"id": f"{month}.{numbers[month]:05d}", **record}, ensure_ascii=True)


def write_namesakes(path: Path, seed: int = SEED) -> None:
    tmp = path.with_name(path.name + ".part")
    with tmp.open("w", encoding="utf-8") as fh:
        for line in namesake_lines(seed=seed):
            fh.write(line + "\n")
    tmp.replace(path)


def _write_part(args: tuple[Path, int, int, int, int]) -> None:
    path, papers, seed, part, parts = args
    with path.open("w", encoding="utf-8") as fh:
        for line in snapshot_lines(papers, seed, part=part, parts=parts):
            fh.write(line + "\n")


def write_snapshot(path: Path, papers: int, seed: int = SEED, processes: int = 2) -> None:
    """Write the snapshot (gzipped if the name ends in .gz), months made in parallel."""
    from concurrent.futures import ProcessPoolExecutor

    # Month i goes to part i % processes; each part holds its months in order.
    parts = [path.with_name(f"{path.name}.part{i}") for i in range(processes)]
    with ProcessPoolExecutor(processes) as pool:
        list(pool.map(_write_part, [(parts[i], papers, seed, i, processes) for i in range(processes)]))
    tmp = path.with_name(path.name + ".part")
    opener = gzip.open if path.suffix == ".gz" else open
    counts = [c for _, c in per_month(papers)]
    readers = [part.open("r", encoding="utf-8") for part in parts]
    with opener(tmp, "wt", encoding="utf-8") as out:  # type: ignore[operator]
        for index, count in enumerate(counts):
            reader = readers[index % processes]
            for _ in range(count):
                out.write(reader.readline())
    for reader, part in zip(readers, parts, strict=True):
        reader.close()
        part.unlink()
    tmp.replace(path)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--papers", type=int, default=100_000)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    write_snapshot(args.out, args.papers)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


__all__ = ["PHRASES", "namesake_lines", "snapshot_lines", "write_namesakes", "write_snapshot"]
