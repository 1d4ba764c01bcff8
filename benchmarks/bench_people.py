"""How well a person follow made with one `--like` paper finds that person's other papers.

    uv run python benchmarks/bench_people.py                                  # generated namesakes
    uv run python benchmarks/bench_people.py --aminer ../shared/real/aminer/aminer-110.tar.gz

For every person of every shared name, the follow is seeded with one of their papers (the
first in the data's order) and counts the papers of the group that paper falls in
(radar.people.group_works, the grouping `radar follow --like` uses). Against the labels:
precision (of the papers counted, how many are theirs) and recall (of their papers, how
many are counted), averaged over people (macro). Three methods:

- name only: every paper with the name (radar before people: the follow counts them all);
- co-authors only: the seed's co-author core (rule 1 of radar.people, nothing attached);
- radar: the whole grouping (cores, then profiles attach).

**Generated namesakes.** Per name, 6-14 people; each has a field (a main arXiv category
and two neighbours drawn from a shared pool, so fields overlap), a topic vocabulary of
title words (shared words across a field, plus their own), a career of 3-20 years, and a
co-author circle of 4-15 people that grows and turns over; 1 in 20 of a circle's
names come from 20 names several namesakes' circles draw on (overlapping circles: the same common
co-author names). A quarter of the people change field halfway, to a neighbouring field
(new category, new words, new co-authors, one old co-author kept with probability 0.5).
10% of papers are collaboration papers: the list of one of three big collaborations of
the person's field (40-400 names), a tenth of it turned over from one paper to the next,
so namesakes in one field may sign the same collaboration's papers. 10% sign the name
with initials only, 15% are written alone or with a first-time co-author only. Seeded:
the numbers repeat.

Two changes (2026-12-06) made it more like arXiv, and were measured both ways: a field
change used to jump to any of the twelve fields (hep-ex to cs.CL), which leaves nothing
in common with the earlier work, so no reader or method could tell it from another
person; people move to a neighbouring field. And each collaboration paper used to list
hundreds of fresh random names, while a member of ATLAS or LIGO signs that
collaboration's papers, with much the same list each time. With the old generator radar
scored precision 0.959, recall 0.772; with this one 0.954, 0.790.

**AMiner.** The archive is extracted to a temporary directory (never into the project).
The venue stands in for the category, the organisation for the affiliation when given;
labels come from the XML. The names are split in two halves (alternately in sorted
order); the thresholds in radar.people were chosen looking at half A only, and both
halves are reported.
"""

from __future__ import annotations

import argparse
import html
import itertools
import random
import re
import sys
import tarfile
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path

from radar import people as P
from radar.names import parse_name

Truth = dict[str, str]  # paper id -> person label
Score = tuple[float, float, int]  # precision, recall, the person's papers


def evaluate(works: Sequence[P.Work], truth: Truth, name: str, method: str) -> list[Score]:
    """(precision, recall) for each person of one name, seeded with their first paper."""
    followed = parse_name(name)
    index = {w.id: i for i, w in enumerate(works)}
    if method == "name":
        groups = [list(range(len(works)))]
    elif method == "coauthors":
        groups = P.coauthor_cores(works, followed)
    else:
        groups = P.group_works(works, followed)
    group_of = {i: g for g in groups for i in g}
    by_person: dict[str, list[str]] = defaultdict(list)
    for w in works:
        by_person[truth[w.id]].append(w.id)
    scores = []
    for _, papers in sorted(by_person.items()):
        seed = index[papers[0]]
        counted = {works[i].id for i in group_of[seed]}
        mine = set(papers)
        right = len(counted & mine)
        scores.append((right / len(counted), right / len(mine), len(mine)))
    return scores


def _macro(scores: list[Score], weighted: bool = False) -> tuple[float, float]:
    """Mean precision and recall over people; weighted: each person counts by their papers
    (as if every paper were once the seed of a follow)."""
    weights = [s[2] if weighted else 1 for s in scores]
    total = sum(weights) or 1
    return (
        sum(w * s[0] for w, s in zip(weights, scores, strict=True)) / total,
        sum(w * s[1] for w, s in zip(weights, scores, strict=True)) / total,
    )


def table(rows: list[tuple[str, list[Score], int]], title: str) -> str:
    lines = [
        f"{title}",
        "",
        "| method | people | precision | recall | people with 2+ papers: precision | recall | by papers: precision | recall |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for method, scores, _ in rows:
        several = [s for s in scores if s[2] > 1]
        cells = [_macro(scores), _macro(several), _macro(scores, weighted=True)]
        lines.append(
            f"| {method} | {len(scores)} | " + " | ".join(f"{p:.3f} | {r:.3f}" for p, r in cells) + " |"
        )
    return "\n".join(lines)


METHODS = (("name only", "name"), ("co-authors only", "coauthors"), ("radar", "radar"))


def run(datasets: list[tuple[str, list[P.Work], Truth]], title: str) -> str:
    rows = []
    for label, method in METHODS:
        scores: list[Score] = []
        for name, works, truth in datasets:
            scores += evaluate(works, truth, name, method)
        rows.append((label, scores, len(datasets)))
    return table(rows, title)


def preview_line(datasets: list[tuple[str, list[P.Work], Truth]], title: str) -> str:
    """How often the follow preview calls a name shared (lists its people): for the shared
    names as they are, and for each person with 5+ papers alone under their name (a name
    only they write as, which should preview as one person)."""
    shared = sum(P.people_and_shared(works, parse_name(name))[1] for name, works, _ in datasets)
    alone = called = 0
    for name, works, truth in datasets:
        by_person: dict[str, list[P.Work]] = defaultdict(list)
        for w in works:
            by_person[truth[w.id]].append(w)
        for papers in by_person.values():
            if len(papers) >= 5:
                alone += 1
                called += P.people_and_shared(papers, parse_name(name))[1]
    return (
        f"{title}: preview lists people for {shared} of {len(datasets)} shared names, "
        f"and for {called} of {alone} people alone under their name ({called / max(alone, 1):.0%})"
    )


# --- generated namesakes -------------------------------------------------------------------

FIELDS = {
    "cs.LG": "learning neural network training optimization gradient deep representation generalization",
    "cs.CV": "image vision segmentation detection visual video object recognition",
    "cs.CL": "language text translation dialogue parsing speech corpus semantic",
    "hep-ex": "collider measurement decay boson cross section detector proton",
    "hep-ph": "quark gluon neutrino dark matter phenomenology flavour higgs",
    "cond-mat.mtrl-sci": "alloy crystal thin film oxide electronic band structure magnetic",
    "quant-ph": "qubit entanglement quantum circuit error correction photonic channel",
    "math.PR": "random walk stochastic process martingale percolation measure limit",
    "astro-ph.GA": "galaxy star formation halo cluster redshift survey dwarf",
    "q-bio.NC": "neurons cortex spiking neural dynamics brain synaptic memory",
    "eess.SP": "signal estimation radar channel beamforming sparse spectrum wireless",
    "stat.ML": "bayesian inference kernel variational sampling posterior regression causal",
}
NEAR = {
    "cs.LG": ["stat.ML", "cs.CV"],
    "cs.CV": ["cs.LG", "eess.SP"],
    "cs.CL": ["cs.LG", "cs.CV"],
    "hep-ex": ["hep-ph", "astro-ph.GA"],
    "hep-ph": ["hep-ex", "quant-ph"],
    "cond-mat.mtrl-sci": ["quant-ph", "hep-ph"],
    "quant-ph": ["cond-mat.mtrl-sci", "cs.LG"],
    "math.PR": ["stat.ML", "quant-ph"],
    "astro-ph.GA": ["hep-ph", "stat.ML"],
    "q-bio.NC": ["cs.LG", "stat.ML"],
    "eess.SP": ["cs.LG", "stat.ML"],
    "stat.ML": ["cs.LG", "math.PR"],
}
GIVEN = "Wei Jun Lei Yang Hao Xin Jing Ming Yu Li Chen Ying Tao Feng Bo Qiang Lin Hui Yan Jie".split()
SURNAMES = "Wang Zhang Liu Chen Li Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo He Lin Gao Luo".split()
WORDS = (
    "adaptive robust efficient scalable sparse multi hierarchical graph spectral local global dynamic".split()
)


SYLLABLES = "an bo chen da fei gang hong jia kai lan min ning peng qing rui song ting wen xia zhi".split()


def _name(rng: random.Random) -> str:
    # Co-author names from about 600,000 (two syllables, a surname): two circles share a
    # name only when drawn from a name's common pool, not by accident.
    return f"{rng.choice(GIVEN)}{rng.choice(SYLLABLES)} {rng.choice(SURNAMES)}{rng.choice(['', 'er', 'ski', 'sen'])}"


def generate(seed: int, names: int) -> list[tuple[str, list[P.Work], Truth]]:
    rng = random.Random(seed)
    data = []
    for n in range(names):
        name = f"{rng.choice(GIVEN)} {rng.choice(SURNAMES)}"
        initials = f"{name[0]}. {name.split()[1]}"
        common = [_name(rng) for _ in range(20)]  # co-author names several namesakes share
        # Big collaborations per field (ATLAS, LIGO...): a member signs the collaboration's
        # papers with much the same hundreds of names; namesakes in a field may share one.
        teams = {f: [[_name(rng) for _ in range(rng.randint(40, 400))] for _ in range(3)] for f in FIELDS}
        works: list[P.Work] = []
        truth: Truth = {}
        for person in range(rng.randint(6, 14)):
            label = f"{name}#{person}"
            field_ = rng.choice(list(FIELDS))
            own = [f"w{n}x{person}x{k}" for k in range(6)]
            circle = [_name(rng) for _ in range(rng.randint(4, 15))]
            circle = [rng.choice(common) if rng.random() < 0.05 else c for c in circle]
            start = rng.randint(2000, 2020)
            years = rng.randint(3, 20)
            count = rng.randint(3, 40)
            switch = count // 2 if rng.random() < 0.25 else None
            team = rng.choice(teams[field_])
            for k in range(count):
                if switch is not None and k == switch:
                    keep = [rng.choice(circle)] if rng.random() < 0.5 else []
                    field_ = rng.choice(NEAR[field_])
                    team = rng.choice(teams[field_])
                    own = [f"w{n}x{person}y{k}" for k in range(6)]
                    circle = keep + [_name(rng) for _ in range(rng.randint(4, 10))]
                year = start + (k * years) // count
                roll = rng.random()
                if roll < 0.10:
                    # The collaboration's list, a tenth of it turned over since the last paper.
                    team = [_name(rng) if rng.random() < 0.1 else member for member in team]
                    coauthors = tuple(team)
                elif roll < 0.25:
                    coauthors = tuple(_name(rng) for _ in range(rng.randint(0, 1)))
                else:
                    coauthors = tuple(rng.sample(circle, min(len(circle), rng.randint(1, 4))))
                    if rng.random() < 0.3:
                        circle.append(_name(rng))  # the circle grows
                cats = [field_] + [c for c in NEAR[field_] if rng.random() < 0.3]
                vocab = FIELDS[field_].split()
                title = " ".join(rng.sample(vocab, 3) + rng.sample(own, 2) + rng.sample(WORDS, 1))
                pid = f"g{n}.{person}.{k}"
                works.append(
                    P.Work(
                        id=pid,
                        coauthors=coauthors,
                        categories=tuple(cats),
                        title=title,
                        year=year,
                        initial_only=rng.random() < 0.10,
                        date=f"{year}-01-01",
                    )
                )
                truth[pid] = label
        _ = initials
        rng.shuffle(works)
        data.append((name, works, truth))
    return data


# --- AMiner ---------------------------------------------------------------------------------

_PUBLICATION = re.compile(r"<publication>(.*?)</publication>", re.S)


def _tag(text: str, tag: str) -> str | None:
    found = re.search(rf"<{tag}>(.*?)</{tag}>", text, re.S)
    return html.unescape(found.group(1)) if found else None


def load_aminer(archive: Path, into: Path) -> list[tuple[str, list[P.Work], Truth]]:
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="data")
    data = []
    for path in sorted(into.glob("**/data/*.xml")):
        # Read with patterns, not an XML parser: many files hold a bare "&" or "<" in a title.
        text = path.read_text(encoding="utf-8", errors="replace")
        name = (_tag(text, "FullName") or path.stem).strip()
        followed = parse_name(name)
        works: list[P.Work] = []
        truth: Truth = {}
        for i, pub in enumerate(_PUBLICATION.findall(text)):
            authors = [a.strip() for a in (_tag(pub, "authors") or "").split(",") if a.strip()]
            others = [a for a in authors if not P._is_followed(a, followed)]
            venue = (_tag(pub, "jconf") or "").strip()
            if venue.lower() == "null":  # AMiner's word for no venue, on 393 papers
                venue = ""
            org = (_tag(pub, "organization") or "").strip()
            year = (_tag(pub, "year") or "").strip()
            pid = f"{path.stem}:{i}:{_tag(pub, 'id')}"
            works.append(
                P.Work(
                    id=pid,
                    coauthors=tuple(others),
                    categories=(venue,) if venue else (),
                    title=_tag(pub, "title") or "",
                    year=int(year) if year.isdigit() else None,
                    affiliation="" if org in ("", "null") else org,
                    authors=len(authors),
                    date=year,
                )
            )
            truth[pid] = (_tag(pub, "label") or "").strip()
        if works:
            data.append((name, works, truth))
    return data


def grid(data: list[tuple[str, list[P.Work], Truth]], out: Callable[[str], None]) -> None:
    """The thresholds tried, on half A only: macro precision and recall over people with two or more papers."""
    for attach, merge, margin in itertools.product(
        (0.3, 0.4, 0.5, 0.6), (0.6, 0.7, 0.8, 0.9), (0.05, 0.1, 0.15)
    ):
        P.ATTACH, P.MERGE, P.WEAK_ATTACH, P.MARGIN = attach, merge, attach + 0.1, margin
        scores: list[Score] = []
        for name, works, truth in data:
            scores += evaluate(works, truth, name, "radar")
        p, r = _macro([s for s in scores if s[2] > 1])
        out(
            f"attach {attach:.2f} merge {merge:.2f} margin {margin:.2f}: precision {p:.3f} recall {r:.3f} f1 {2 * p * r / (p + r):.3f}"
        )


def timing(size: int) -> str:
    works = [w for _, ws, _ in generate(7, 400) for w in ws][:size]
    start = time.perf_counter()
    P.group_works(works, parse_name("Wei Wang"))
    return f"grouping {len(works)} papers of one name: {time.perf_counter() - start:.3f} s"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--aminer", type=Path, help="the AMiner archive (aminer-110.tar.gz)")
    parser.add_argument("--names", type=int, default=60, help="generated names")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--grid", action="store_true", help="try thresholds on AMiner half A only")
    args = parser.parse_args(argv)
    out: Callable[[str], None] = print
    generated = generate(args.seed, args.names)
    if generated:
        out(run(generated, f"Generated namesakes ({args.names} names, seed {args.seed})"))
        out("")
        out(preview_line(generated, "Generated"))
        out("")
        out(timing(2000))
    if args.aminer:
        with tempfile.TemporaryDirectory() as tmp:
            data = load_aminer(args.aminer, Path(tmp))
        half_a = data[0::2]
        half_b = data[1::2]
        if args.grid:
            grid(half_a, out)
            return
        for label, part in (("A (thresholds chosen here)", half_a), ("B (held out)", half_b), ("all", data)):
            out("")
            out(run(part, f"AMiner, half {label}: {len(part)} names"))
            out("")
            out(preview_line(part, f"AMiner, half {label}"))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
