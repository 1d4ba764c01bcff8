"""How fast `radar today` and `radar --help` start, on a synthetic 100,000-paper store.

Run it from the repository root:

    uv run python benchmarks/bench_today.py              # build or reuse the store, time, report
    uv run python benchmarks/bench_today.py --check      # the same, exit 1 if a budget is missed
    uv run python benchmarks/bench_today.py --papers 20000 --runs 30 --rebuild

The budget (from the issue): `radar --help` and `radar today` import neither litellm nor
anything heavy they do not use, and on a store of 100,000 papers `radar today` takes no
more than 1.5x the time of `python -c "import typer, rich, sqlite_utils"` measured in the
same run. This script checks `radar --help` against the same 1.5x. Feedback (stars raise
similar papers, hides lower them) must run in well under a second on that store and must not
slow `radar today` beyond the same bar; this script checks radar.feedback.apply_feedback
against 1 s and `radar today` with 20 stars and 10 hides against 1.5x.

What it does:

1. Byte-compiles the environment's site-packages and src/radar. Users' installs (pip,
   uv tool) compile bytecode; a machine with PYTHONDONTWRITEBYTECODE=1 and no .pyc files
   would otherwise compile every imported module from source on every run.
2. Builds a realistic store with radar's own code (`open_db`, `save_papers`,
   `add_follow`) from a fixed seed, or reuses the one cached in benchmarks/.cache/.
3. Runs each command with `python -X importtime` and refuses litellm, feedparser, lxml,
   requests, arxiv, pydantic and sqlite_utils among the modules `radar today` and `radar
   --help` import.
4. Copies the store (SQLite's backup API, so the cached store itself never gets feedback
   and its rows stay comparable between runs) and, with radar.feedback.set_verdict, stars 20
   and hides 10 papers drawn with a fixed seed from the papers matching a follow on the five
   newest listing days. It times radar.feedback.apply_feedback in process on the newest
   day's ranked list (a fresh copy of the list each call; median of --feedback-calls calls).
5. Times the installed console script (hyperfine if it is on PATH, else its own loop that
   interleaves the commands) and prints median and min seconds and each median's ratio to
   the baseline's median. `radar today` with feedback is `radar --db COPY today`.

`radar today` remembers the cards it shows in the `reads` table (store.remember_shown), so
every timed run writes ten rows (ignored when already there), as a reader's repeated runs do.

The interest model (radar.relevance): a further copy of the store gets 1,000 signals (600
stars, 200 hides, 200 library entries, written with SQL) and the script reports training
time and scoring throughput in process, `radar today` on that copy once trained with
nothing changed (budget 1.2x the baseline; it must import neither numpy nor scikit-learn,
checked with -X importtime), `radar today --all` over the newest day once scored (1.5x),
and the first `radar today` after each of five more stars (retrain, then score the
window: budget 2 s). The 3-million-paper store of the issue is not built here.

The commands run with RADAR_DB pointing at the synthetic store and RADAR_HOME at an
empty directory under benchmarks/.cache, so no personal config or database is involved.
It is a report: the exit code is 0 unless --check is given and a budget is missed.
"""

from __future__ import annotations

import argparse
import compileall
import copy
import json
import os
import random
import shlex
import shutil
import sqlite3
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from pathlib import Path

import radar
from radar import migrations
from radar.database import Database
from radar.feedback import apply_feedback, set_verdict
from radar.follows import add_follow
from radar.ingest import save_papers
from radar.model import Author, Paper
from radar.rank import rank_window
from radar.store import has_feedback, open_db
from radar.store.connection import PAGE_SIZE
from radar.taxonomy import CATEGORIES
from radar.window import window_for

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
BUDGET = 1.5
FEEDBACK_BUDGET = 1.0  # seconds for apply_feedback on the newest day's ranked list
STARS, HIDES = 20, 10
FEEDBACK_DAYS = 5  # stars and hides come from the papers matching a follow on these newest days
FORBIDDEN = (
    "litellm",
    "feedparser",
    "lxml",
    "requests",
    "arxiv",
    "pydantic",
    "sqlite_utils",
    # The interest model's: only when signals changed or a window shows unscored papers.
    "numpy",
    "sklearn",
    "scipy",
    "Stemmer",
)
# The interest model (radar.relevance): a copy of the store with 1,000 signals.
SIGNAL_STARS, SIGNAL_HIDES, SIGNAL_LIBRARY = 600, 200, 200
MODEL_BUDGET = 1.2  # radar today with a trained model, nothing changed
ALL_BUDGET = 1.5  # radar today --all over the newest (700-paper) day, scored
RETRAIN_BUDGET = 2.0  # seconds: the first radar today after a star
RETRAIN_RUNS = 5
BASELINE_CODE = "import typer, rich, sqlite_utils"

# Bump GENERATOR whenever the data below changes, so a cached store is not reused.
GENERATOR = 1
SEED = 20261120
NEWEST_DAY = date(2026, 11, 20)  # a Friday; listings run back two years from it
SPAN_DAYS = 730
PER_DAY = 700  # papers on a full listing day (the followed categories' daily listings)
FULL_SHARE = 0.7  # the newest days are full; the rest is older papers spread over two years
BATCH = 5_000
POOL_SIZE = 30_000

# --- the synthetic data ---------------------------------------------------------------------

# Given names and surnames by naming tradition, most frequent surnames first. Weights are the
# rough share of authors in an ML-heavy arXiv store; "other" gets generated surnames too.
CULTURES: dict[str, tuple[float, str, str]] = {
    "chinese": (
        0.34,
        "Wei Jing Xiaoming Yiming Hao Yu Jun Lei Tianyu Zhiwei Yifan Xinyu Ruoyu Siyuan Haoran "
        "Jiaxin Yuxuan Zihan Mingxuan Qian Yue Chen Bo Kai Xin Jie Peng Rui Tao Ying Lin Shuai "
        "Zhen Fei Han Xiang Yang Bin Dong",
        "Wang Zhang Li Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo He Lin Luo Gao "
        "Zheng Liang Xie Song Tang Han Feng Deng Cao Peng Zeng Xiao Tian Dong Pan Yuan Cai Jiang "
        "Yu Du Ye Cheng Wei Su Lu Ding Ren Shen Yao",
    ),
    "indian": (
        0.12,
        "Aditya Ananya Rahul Priya Arjun Vikram Sneha Rohan Kavya Siddharth Akshay Pratyusha "
        "Krish Krishna Nikhil Deepak Pooja Sanjay Meera Abhishek Anirudh Shreya Varun Divya",
        "Singh Kumar Sharma Gupta Patel Das Reddy Rao Iyer Krishnamurthy Agarwal Jain Mehta "
        "Banerjee Chatterjee Mukherjee Nair Menon Bose Joshi Verma Mishra Pandey Srinivasan",
    ),
    "korean": (
        0.05,
        "Minjun Seoyeon Jihoon Hyunwoo Jiwon Sungmin Eunji Dohyun Yejin Taehyun",
        "Kim Lee Park Choi Jung Kang Cho Yoon Jang Lim Shin Han Oh Seo Kwon",
    ),
    "japanese": (
        0.04,
        "Takashi Yuki Haruka Kenji Naoki Hiroshi Akira Sakura Daiki Ryo Kaito Aoi",
        "Suzuki Tanaka Sato Takahashi Watanabe Ito Yamamoto Nakamura Kobayashi Kato Ii Saito",
    ),
    "vietnamese": (
        0.03,
        "Minh Thanh Huong Anh Tuan Linh Duc Hoa Quang Trang",
        "Nguyen Tran Le Pham Hoang Phan Vu Vo Dang Bui Do Ho Ngo",
    ),
    "anglo": (
        0.14,
        "James Sarah Michael Emily David Laura Daniel Rachel Christopher Jessica Andrew Emma "
        "Matthew Olivia Benjamin Hannah Samuel Katherine Joshua Alice Sham Percy Geoffrey",
        "Smith Johnson Brown Miller Davis Wilson Taylor Anderson Thomas Moore Jackson White "
        "Harris Clark Lewis Walker Young Allen King Wright Scott Green Baker Adams Kakade "
        "O'Brien Liang Hinton",
    ),
    "european": (
        0.16,
        "Thomas Anna Lukas Marie Pierre Sophie Giulia Marco Alessandro Francesca José María "
        "Łukasz Zoë Søren Björn Jürgen Inès Matteo Elena Jan Katarzyna Tomáš Mikko Lars "
        "François Chloé Hélène Guillaume Jörg Ángel Adrián",
        "Müller Schmidt Schneider Fischer Weber Meyer Wagner García Rodríguez Martínez López "
        "González Rossi Russo Bianchi Ferrari Dubois Martin Bernard Petit Kowalski Nowak Novák "
        "Jensen Nielsen Andersson Johansson Virtanen Korhonen Silva Santos Oliveira Costa "
        "Đorđević Popović Papadopoulos",
    ),
    "particles": (
        0.02,
        "Jan Pieter Sanne Willem Joana Paulo Tommaso Ludwig Anouk Rafael",
        "van der Berg|van den Broek|de Souza|Del Maestro|de Vries|van Dijk|von Neumann|"
        "dos Santos|de la Cruz|ter Haar",
    ),
    "other": (
        0.10,
        "Mohammad Fatemeh Ali Reza Omar Leila Yusuf Chinedu Amara Kwame Dmitry Ekaterina "
        "Sergey Anastasia Ivan Olga Mehmet Ayşe Emre Zeynep Ahmed Nour Tariq Ngozi Thabo",
        "Hosseini Ahmadi Mohammadi Khan Rahman Ivanov Petrov Smirnov Kuznetsov Yilmaz Kaya "
        "Demir Okafor Mensah Haddad Nasser",
    ),
}

WORDS = """
the of and to a in we for is that on with by this are as our from which an be can it these
show model models learning data method methods results approach using based performance
propose training network networks task tasks paper problem new neural framework proposed
existing however while both into than more such two also its their has have not through
outperforms experiments demonstrate achieve state art benchmark benchmarks dataset datasets
large small efficient robust accurate generalization optimization algorithm algorithms
theoretical empirical analysis prior work recent significant improvement improvements
representation representations features feature embedding embeddings attention transformer
transformers architecture architectures layer layers parameter parameters gradient descent
stochastic convergence bound bounds loss function functions objective regularization sparse
dense latent space spaces distribution distributions sampling inference estimation estimator
bayesian probabilistic uncertainty calibration prediction predictions classification
regression clustering segmentation detection generation generative adversarial supervised
unsupervised self semi contrastive pretraining fine tuning adaptation domain transfer
zero shot few multi modal multimodal vision language text image images video audio speech
graph graphs node nodes edge edges policy policies reward agent agents environment control
planning decision robot robotic simulation real world scale scaling compute memory efficiency
latency hardware accelerator privacy federated differential secure attack attacks defense
adversarial robustness fairness bias interpretability explanation explanations causal
counterfactual reasoning knowledge retrieval question answering summarization translation
dialogue instruction alignment human feedback preference evaluation metric metrics
quality safety hallucination benchmarking open source code release available publicly
furthermore moreover specifically particular general setting settings regime assumption
assumptions under conditions provide provides provably optimal suboptimal rate rates sample
complexity lower upper tight matrix tensor kernel linear nonlinear convex nonconvex smooth
online offline batch streaming continual lifelong meta curriculum active label labels noisy
noise signal spectral fourier wavelet temporal spatial sequence sequences token tokens
vocabulary decoder encoder autoencoder variational flow flows score energy physics informed
equation equations dynamics dynamical system systems time series forecasting anomaly
medical clinical patient health molecular protein drug chemistry materials climate weather
finance economic social network recommendation user users search ranking query queries
ablation study studies extensive comprehensive simple effective novel key insight insights
challenge challenges limitation limitations address addresses enable enables allowing
improve improves improved reduce reduces reduced increase increases across different various
multiple single first second finally each all most many several three among between without
"""

PHRASES = {  # topic phrases put into abstracts (and some titles), with their share of papers
    "large language models": 0.08,
    "reinforcement learning": 0.06,
    "diffusion models": 0.04,
    "graph neural networks": 0.03,
    "world models": 0.01,
}

# Primary categories of an ML-heavy store; every other arXiv category gets a small weight.
HEAVY_CATEGORIES = {
    "cs.LG": 22.0,
    "cs.CV": 9.0,
    "cs.CL": 9.0,
    "cs.AI": 8.0,
    "stat.ML": 5.0,
    "cs.RO": 2.5,
    "cs.IR": 2.0,
    "cs.CR": 2.0,
    "math.OC": 2.0,
    "eess.SP": 1.5,
    "eess.IV": 1.5,
    "cs.NE": 1.0,
    "cs.HC": 1.0,
    "quant-ph": 1.0,
}
OTHER_CATEGORY_WEIGHT = 0.25

ANNOUNCE = (("new", 0.55), ("cross", 0.25), ("replace", 0.15), ("replace-cross", 0.05))
AUTHORS_PER_PAPER = (6, 14, 18, 17, 14, 10, 7, 5, 3, 2, 2, 2)  # weights for 1..12 authors
# Author productivity: Zipf-Mandelbrot over the pool, 1 / (rank + AUTHOR_OFFSET).
AUTHOR_OFFSET = 200

FOLLOW_AUTHOR_RANKS = (
    0,
    2,
    5,
    9,
    14,
    22,
    35,
    50,
    80,
    120,
    180,
    260,
    400,
    600,
    900,
    1400,
    2200,
    3500,
    6000,
    12000,
)
FOLLOW_CATEGORIES = ("cs.LG", "cs.AI", "cs.CL", "stat.ML", "cs.RO")
FOLLOW_TOPICS = tuple(PHRASES)


class Picker:
    """Weighted choice with precomputed cumulative weights (random.choices' fast path)."""

    def __init__(self, items: Sequence[str], weights: Sequence[float]) -> None:
        self.items = list(items)
        self.cum = list(accumulate(weights))

    def one(self, rng: random.Random) -> str:
        return rng.choices(self.items, cum_weights=self.cum)[0]

    def many(self, rng: random.Random, k: int) -> list[str]:
        return rng.choices(self.items, cum_weights=self.cum, k=k)


def zipf(n: int, offset: float = 1.0, power: float = 1.0) -> list[float]:
    return [1.0 / (rank + offset) ** power for rank in range(n)]


def _syllable_word(rng: random.Random, parts: int) -> str:
    onsets = "b c d f g h k l m n p r s t v z br ch gr kr sh st tr".split()
    vowels = "a e i o u ai ei ia ou".split()
    codas = ["", "", "n", "r", "s", "l", "k", "m", "t", "nd", "rt"]
    return "".join(rng.choice(onsets) + rng.choice(vowels) + rng.choice(codas) for _ in range(parts))


def name_pool(rng: random.Random, size: int) -> list[str]:
    """`size` distinct author names; common surnames are shared by many of them."""
    cultures = []
    for _weight, given, surnames in CULTURES.values():
        sur = surnames.split("|") if "|" in surnames else surnames.split()
        cultures.append((given.split(), sur))
    # Rarer surnames, the long tail every real author list has.
    invented = sorted({_syllable_word(rng, rng.choice((2, 2, 3))).capitalize() for _ in range(6000)})
    rng.shuffle(invented)
    cultures[-1] = (cultures[-1][0], cultures[-1][1] + invented)
    culture_pick = Picker([str(i) for i in range(len(cultures))], [w for w, _, _ in CULTURES.values()])
    surname_picks = [Picker(sur, zipf(len(sur), offset=3)) for _, sur in cultures]
    initials = "ABCDEFGHJKLMNPRSTW"
    pool: dict[str, None] = {}
    while len(pool) < size:
        c = int(culture_pick.one(rng))
        given = rng.choice(cultures[c][0])
        surname = surname_picks[c].one(rng)
        form = rng.random()
        if form < 0.12:
            name = f"{given} {rng.choice(initials)}. {surname}"
        elif form < 0.20:
            name = f"{given[0]}. {surname}"  # only an initial, as some papers print it
        else:
            name = f"{given} {surname}"
        pool[name] = None
    names = list(pool)
    rng.shuffle(names)  # productivity (the pool order) is independent of the name
    return names


class Text:
    """Titles and abstracts from a Zipf-weighted vocabulary, with topic phrases mixed in."""

    def __init__(self, rng: random.Random) -> None:
        common = WORDS.split()
        rare = sorted({_syllable_word(rng, rng.choice((2, 3))) for _ in range(4000)})
        rng.shuffle(rare)
        vocab = list(dict.fromkeys(common + rare))
        self.words = Picker(vocab, zipf(len(vocab), offset=2))
        self.content = Picker(common[40:], zipf(len(common) - 40, offset=5, power=0.6))
        self.rng = rng

    def phrases(self) -> list[str]:
        return [p for p, share in PHRASES.items() if self.rng.random() < share]

    def title(self, phrases: list[str]) -> str:
        rng = self.rng
        words = self.content.many(rng, rng.randint(5, 11))
        if phrases and rng.random() < 0.4:
            at = rng.randrange(len(words))
            words[at:at] = phrases[0].split()
        title = " ".join(w if w in ("of", "and", "for", "with") else w.capitalize() for w in words)
        if rng.random() < 0.3:
            title = f"{_syllable_word(rng, 2).capitalize()}: {title}"
        return title

    abstract_words = (150, 250)

    def abstract(self, phrases: list[str]) -> str:
        rng = self.rng
        words = self.words.many(rng, rng.randint(*self.abstract_words))
        for phrase in phrases:
            at = rng.randrange(len(words))
            words[at : at + 1] = phrase.split()
        sentences = []
        start = 0
        while start < len(words):
            end = min(len(words), start + rng.randint(12, 28))
            sentence = words[start:end]
            sentences.append(" ".join([sentence[0].capitalize(), *sentence[1:]]) + ".")
            start = end
        return " ".join(sentences)


def listing_days(papers: int, rng: random.Random) -> list[tuple[date, int]]:
    """(listing day, papers that day), oldest first: full recent days, then a thin two-year tail."""
    weekdays = [NEWEST_DAY - timedelta(days=i) for i in range(SPAN_DAYS)]
    weekdays = [d for d in weekdays if d.weekday() < 5]  # newest first
    counts: dict[date, int] = {}
    remaining = round(papers * FULL_SHARE)
    used = 0
    while remaining > 0 and used < len(weekdays):
        n = min(remaining, round(PER_DAY * rng.uniform(0.8, 1.2)))
        counts[weekdays[used]] = n
        remaining -= n
        used += 1
    rest = papers - sum(counts.values())
    tail = weekdays[used:] or weekdays[:used]
    base, extra = divmod(rest, len(tail))
    for i, day in enumerate(tail):
        counts[day] = counts.get(day, 0) + base + (1 if i < extra else 0)
    return sorted((d, n) for d, n in counts.items() if n > 0)


def generate(papers: int, seed: int = SEED) -> tuple[Iterator[Paper], list[str]]:
    """The papers (oldest listing day first) and the author pool, most productive first."""
    rng = random.Random(seed)
    pool = name_pool(rng, POOL_SIZE)
    authors = Picker(pool, zipf(len(pool), offset=AUTHOR_OFFSET))
    text = Text(rng)
    categories = {c: HEAVY_CATEGORIES.get(c, OTHER_CATEGORY_WEIGHT) for c in CATEGORIES}
    primary = Picker(list(categories), list(categories.values()))
    announce = Picker([a for a, _ in ANNOUNCE], [w for _, w in ANNOUNCE])
    days = listing_days(papers, rng)
    counters: dict[str, int] = {}

    def at(day: date) -> datetime:
        return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(seconds=rng.randrange(86_400))

    def new_id(submitted: datetime) -> str:
        month = f"{submitted.year % 100:02d}{submitted.month:02d}"
        counters[month] = counters.get(month, 0) + rng.randint(1, 3)  # others' papers in between
        return f"{month}.{counters[month]:05d}"

    def papers_iter() -> Iterator[Paper]:
        for day, n in days:
            for _ in range(n):
                kind = announce.one(rng)
                if kind in ("new", "cross"):
                    version = 1 if kind == "new" or rng.random() < 0.9 else 2
                    updated = at(day - timedelta(days=rng.randint(1, 3)))
                    published = updated - timedelta(days=0 if version == 1 else rng.randint(5, 60))
                else:
                    version = rng.choices((2, 3, 4, 5), (55, 25, 12, 8))[0]
                    published = at(day - timedelta(days=rng.randint(20, 540)))
                    updated = at(day - timedelta(days=rng.randint(1, 3)))
                k = rng.choices(range(1, 13), AUTHORS_PER_PAPER)[0]
                names: dict[str, None] = {}
                while len(names) < k:
                    names[authors.one(rng)] = None
                cats = [primary.one(rng)]
                for _ in range(rng.choices((0, 1, 2, 3), (35, 35, 20, 10))[0]):
                    extra = primary.one(rng)
                    if extra not in cats:
                        cats.append(extra)
                phrases = text.phrases()
                pages = rng.randint(6, 40)
                yield Paper(
                    id=new_id(published),
                    version=version,
                    title=text.title(phrases),
                    abstract=text.abstract(phrases),
                    authors=[Author(name) for name in names],
                    primary_category=cats[0],
                    categories=cats,
                    published=published,
                    updated=updated,
                    comment=f"{pages} pages, {rng.randint(1, 12)} figures" if rng.random() < 0.4 else None,
                    journal_ref="Proc. of a Conference (2026)" if rng.random() < 0.05 else None,
                    doi=f"10.1234/synthetic.{rng.randrange(10**6):06d}" if rng.random() < 0.05 else None,
                    announce_type=kind,
                    announced=day,
                )

    return papers_iter(), pool


def build_store(path: Path, papers: int) -> dict[str, object]:
    """Build the store at `path` (written elsewhere first, so an interrupted build is never reused)."""
    tmp = path.with_name(path.name + ".building")
    for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        leftover.unlink(missing_ok=True)
    started = time.perf_counter()
    db = open_db(tmp)
    stream, pool = generate(papers)
    batch: list[Paper] = []
    saved = 0
    for paper in stream:
        batch.append(paper)
        if len(batch) == BATCH:
            saved += save_papers(db, batch).new
            batch = []
            if sys.stdout.isatty():
                print(f"\r  saved {saved:,} of {papers:,} papers", end="", flush=True)
    if batch:
        saved += save_papers(db, batch).new
    print(("\r" if sys.stdout.isatty() else "") + f"  saved {saved:,} of {papers:,} papers", flush=True)
    papers_done = time.perf_counter()
    followed = 0
    for rank in FOLLOW_AUTHOR_RANKS:
        # Follow a full name (not one printed with an initial only), at about this productivity.
        name = next(n for n in pool[rank:] if not n.split()[0].endswith("."))
        followed += add_follow(db, "author", name).matched
    for category in FOLLOW_CATEGORIES:
        followed += add_follow(db, "category", category).matched
    for topic in FOLLOW_TOPICS:
        followed += add_follow(db, "topic", topic).matched
    db.conn.close()
    finished = time.perf_counter()
    os.replace(tmp, path)
    stats = {
        "papers": saved,
        "matches": followed,
        "build_seconds": round(finished - started, 1),
        "papers_seconds": round(papers_done - started, 1),
        "follows_seconds": round(finished - papers_done, 1),
        "built_utc": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    path.with_suffix(".json").write_text(json.dumps(stats, indent=2) + "\n")
    return stats


def pragmas(path: Path, *names: str) -> list[int]:
    """Integer pragmas of a store, read without writing to it (page_size, page_count...)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return [int(conn.execute(f"pragma {name}").fetchone()[0]) for name in names]
    finally:
        conn.close()


def store_is_usable(path: Path, papers: int) -> bool:
    if not path.exists() or not path.with_suffix(".json").exists():
        return False
    expected_follows = len(FOLLOW_AUTHOR_RANKS) + len(FOLLOW_CATEGORIES) + len(FOLLOW_TOPICS)
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            stored = conn.execute("select count(*) from papers").fetchone()[0]
            follows = conn.execute("select count(*) from follows").fetchone()[0]
        finally:
            conn.close()
        # A store built before radar chose its page size is not the store a new user has.
        (page_size,) = pragmas(path, "page_size")
    except sqlite3.DatabaseError:
        return False
    return bool(stored == papers and follows == expected_follows and page_size == PAGE_SIZE)


def describe_store(path: Path) -> str:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        day, listed = conn.execute(
            "select listing_date, count(*) from papers group by listing_date order by listing_date desc limit 1"
        ).fetchone()
        authors = conn.execute("select count(distinct name) from paper_authors").fetchone()[0]
        matches = conn.execute("select count(*) from matches").fetchone()[0]
    finally:
        conn.close()
    size = path.stat().st_size / 1e6
    return f"{size:.0f} MB, {authors:,} distinct authors, {matches:,} matches; newest listing {day}: {listed} papers"


# --- measuring ------------------------------------------------------------------------------


@dataclass
class Timing:
    label: str
    argv: list[str]
    median: float = 0.0
    min: float = 0.0


def byte_compile() -> float:
    started = time.perf_counter()
    paths = sysconfig.get_paths()
    for lib in dict.fromkeys((paths["purelib"], paths["platlib"])):
        compileall.compile_dir(lib, quiet=2, workers=0)
    compileall.compile_dir(Path(radar.__file__).parent, quiet=2)
    return time.perf_counter() - started


def child_env(db: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("RADAR_", "LITELLM_")) and k not in ("FORCE_COLOR", "PYTHONPROFILEIMPORTTIME")
    }
    home = CACHE / "home"
    home.mkdir(parents=True, exist_ok=True)
    env["RADAR_HOME"] = str(home)
    env["RADAR_DB"] = str(db)
    return env


def import_times(code: str, env: dict[str, str]) -> dict[str, int]:
    """Every module `python -c code` imports, with its self import time in µs (-X importtime)."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    if proc.returncode != 0:
        sys.exit(f"python -X importtime -c {code!r} failed:\n{proc.stderr[-2000:]}")
    modules: dict[str, int] = {}
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:"):
            continue
        self_us, _, name = line.removeprefix("import time:").split("|", 2)
        if self_us.strip().isdigit():  # not the header line
            modules[name.strip()] = int(self_us)
    return modules


def radar_code(args: list[str]) -> str:
    return f"import sys; sys.argv = {['radar', *args]!r}; from radar.cli import main; main()"


def by_package(modules: dict[str, int]) -> list[tuple[int, str]]:
    totals: dict[str, int] = {}
    for name, us in modules.items():
        top = name.split(".")[0]
        totals[top] = totals.get(top, 0) + us
    return sorted(((us, name) for name, us in totals.items()), reverse=True)


def check_command(argv: list[str], env: dict[str, str]) -> str:
    proc = subprocess.run(argv, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"{shlex.join(argv)} failed (exit {proc.returncode}):\n{proc.stderr[-2000:]}")
    return proc.stdout


def time_with_loop(timings: list[Timing], env: dict[str, str], runs: int, warmup: int) -> None:
    samples: dict[str, list[float]] = {t.label: [] for t in timings}
    for round_ in range(warmup + runs):
        # Every round runs each command once, starting one further along each time, so drift
        # and noise in the machine fall on all of them alike.
        shift = round_ % len(timings)
        for t in timings[shift:] + timings[:shift]:
            started = time.perf_counter()
            code = subprocess.call(t.argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            elapsed = time.perf_counter() - started
            if code != 0:
                sys.exit(f"{shlex.join(t.argv)} failed (exit {code})")
            if round_ >= warmup:
                samples[t.label].append(elapsed)
        if sys.stdout.isatty():
            print(f"\r  round {round_ + 1} of {warmup + runs}", end="", flush=True)
    if sys.stdout.isatty():
        print()
    for t in timings:
        t.median = statistics.median(samples[t.label])
        t.min = min(samples[t.label])


def time_with_hyperfine(
    hyperfine: str, timings: list[Timing], env: dict[str, str], runs: int, warmup: int
) -> bool:
    with tempfile.TemporaryDirectory() as tmp:
        export = Path(tmp) / "hyperfine.json"
        argv = [hyperfine, "-N", "--style", "basic", "--warmup", str(warmup), "--runs", str(runs)]
        argv += ["--export-json", str(export)]
        for t in timings:
            argv += ["-n", t.label, shlex.join(t.argv)]
        proc = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if proc.returncode != 0 or not export.exists():
            print(f"  hyperfine failed ({proc.stderr.strip()[-300:]}); using the built-in loop")
            return False
        results = {r["command"]: r for r in json.loads(export.read_text())["results"]}
    for t in timings:
        t.median = results[t.label]["median"]
        t.min = results[t.label]["min"]
    return True


# --- the interest model --------------------------------------------------------------------


def copy_store(store: Path, target: Path) -> None:
    """A fresh copy of the cached store, through SQLite's backup (consistent, WAL included)."""
    for old in (target, Path(f"{target}-wal"), Path(f"{target}-shm")):
        old.unlink(missing_ok=True)
    src = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def relevance_store(store: Path) -> Path:
    """A copy of `store` with 1,000 signals (`add_signals`)."""
    target = store.with_name(f"{store.stem}-relevance.db")
    copy_store(store, target)
    add_signals(target)
    return target


SIGNALS_STAMP = "2026-11-20T12:00:00Z"  # when the benchmark's signals were "given"
SIGNALS_FILE = "bench.bib"


def add_signals(path: Path) -> None:
    """1,000 signals: stars and hides of papers from before the newest day, and library
    entries (half resolved to stored papers, half text only). Written with SQL: the
    model reads these tables; the bm25 similarity of `radar star` is timed by the
    feedback rows above, not here. `remove_signals` takes them out again."""
    db = open_db(path)
    try:
        newest = db.execute("select max(listing_date) from papers").fetchone()[0]
        wanted = SIGNAL_STARS + SIGNAL_HIDES + SIGNAL_LIBRARY
        top = db.execute("select max(rowid) from papers").fetchone()[0]
        rng = random.Random(SEED + 2)
        # Drawn by rowid, so that a store of millions costs no more than a small one.
        drawn = rng.sample(range(1, top + 1), min(top, wanted * 3))
        older = [
            r[0]
            for r in db.conn.execute(
                f"select id from papers where rowid in ({','.join(map(str, drawn))}) and listing_date < ? "
                "and id not in (select paper_id from feedback)",
                [newest],
            )
        ]
        chosen = rng.sample(sorted(older), wanted)
        stars = chosen[:SIGNAL_STARS]
        hides = chosen[SIGNAL_STARS : SIGNAL_STARS + SIGNAL_HIDES]
        library = chosen[SIGNAL_STARS + SIGNAL_HIDES :]
        now = SIGNALS_STAMP
        with db.atomic():
            db.conn.executemany(
                "insert or replace into feedback (paper_id, verdict, created_utc) values (?, ?, ?)",
                [(i, "star", now) for i in stars] + [(i, "hide", now) for i in hides],
            )
            for n, pid in enumerate(library):
                title, abstract = db.execute(
                    "select title, abstract from papers where id = ?", [pid]
                ).fetchone()
                db.execute(
                    "insert into library_entries (key, source_file, paper_id, title, abstract, added_utc, "
                    "imported_utc, paper_text_only) values (?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        f"bench{n}",
                        SIGNALS_FILE,
                        pid if n % 2 == 0 else None,
                        title,
                        abstract,
                        f"2026-{1 + n % 12:02d}-01T00:00:00Z",
                        now,
                        n % 2,
                    ],
                )
    finally:
        db.conn.close()


def remove_signals(path: Path) -> None:
    """Take `add_signals`'s signals and the model trained on them out of a store."""
    db = open_db(path)
    try:
        with db.atomic():
            db.execute("delete from feedback where created_utc = ?", [SIGNALS_STAMP])
            db.execute("delete from library_entries where source_file = ?", [SIGNALS_FILE])
            db.execute("delete from relevance_scores")
            db.execute("delete from relevance_models")
    finally:
        db.conn.close()


def time_after_star(path: Path, radar_cmd: str, env: dict[str, str], runs: int) -> list[float]:
    """The first `radar today` after a star, `runs` times: each run stars one more paper
    (as `radar star` writes it) and times the command, which retrains and rescores."""
    seconds = []
    conn = sqlite3.connect(path)
    try:
        ids = [
            r[0]
            for r in conn.execute("select id from papers where id not in (select paper_id from feedback)")
        ]
        for pid in random.Random(SEED + 3).sample(ids, runs):
            conn.execute(
                "insert into feedback (paper_id, verdict, created_utc) values (?, 'star', '2026-11-21T00:00:00Z')",
                [pid],
            )
            conn.commit()
            started = time.perf_counter()
            check_command([radar_cmd, "--db", str(path), "today"], env)
            seconds.append(time.perf_counter() - started)
    finally:
        conn.close()
    return seconds


def time_scoring(path: Path, papers: int) -> tuple[float, float, int]:
    """In process: training on the copy's signals (seconds), scoring `papers` stored
    papers (papers/s), and the vocabulary size."""
    from radar import relevance

    db = open_db(path)
    try:
        signals = relevance.signals_hash(db)
        assert signals is not None
        started = time.perf_counter()
        model_id = relevance.train(db, signals)
        trained = time.perf_counter() - started
        assert model_id is not None
        ids = [r[0] for r in db.execute("select id from papers order by random() limit ?", [papers])]
        started = time.perf_counter()
        relevance.score_papers(db, model_id, ids)
        rate = len(ids) / (time.perf_counter() - started)
        size = len(json.loads(db.execute("select vocabulary_json from relevance_models").fetchone()[0]))
    finally:
        db.conn.close()
    return trained, rate, size


# --- feedback -------------------------------------------------------------------------------


@dataclass
class FeedbackStore:
    path: Path
    stars: list[str]
    hides: list[str]
    in_window: int  # of the stars and hides, how many are on the newest listing day
    seconds: float  # to copy the store and set the verdicts


def migrate_store(store: Path) -> list[str]:
    """Apply pending migrations (a store built by an older radar) and make sure the store has
    no feedback, so the plain `radar today` rows time the path without it. Returns the
    migrations applied."""
    conn = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    try:
        pending = migrations.pending(Database(conn))
    finally:
        conn.close()
    db = open_db(store)
    try:
        if has_feedback(db):
            print("store: removing stars, hides and mutes an earlier run left in the cached store")
            with db.atomic():
                db.execute("delete from feedback")
                db.execute("delete from mutes")
    finally:
        db.conn.close()
    return pending


def feedback_store(store: Path) -> FeedbackStore:
    """A copy of `store` with STARS stars and HIDES hides, set with radar's own core."""
    started = time.perf_counter()
    target = store.with_name(f"{store.stem}-feedback.db")
    copy_store(store, target)
    db = open_db(target)
    try:
        days = [
            r[0]
            for r in db.execute(
                "select distinct listing_date from papers order by listing_date desc limit ?", [FEEDBACK_DAYS]
            )
        ]
        matched = [
            r[0]
            for r in db.execute(
                "select id from papers where listing_date >= ? and id in (select paper_id from matches) order by id",
                [min(days)],
            )
        ]
        chosen = random.Random(SEED + 1).sample(matched, STARS + HIDES)
        stars, hides = chosen[:STARS], chosen[STARS:]
        for paper_id in stars:
            set_verdict(db, paper_id, "star")
        for paper_id in hides:
            set_verdict(db, paper_id, "hide")
        newest = max(days)
        in_window = sum(
            db.execute("select listing_date from papers where id = ?", [pid]).fetchone()[0] == newest
            for pid in chosen
        )
    finally:
        db.conn.close()
    return FeedbackStore(target, stars, hides, in_window, time.perf_counter() - started)


@dataclass
class FeedbackTiming:
    window: int  # papers ranked on the newest listing day
    kept: int  # after hides (and mutes) removed theirs
    raised: int  # papers similar to a star
    lowered: int  # papers similar to a hide
    top_changed: int  # of the first page (10 cards), how many are not there without feedback
    seconds: list[float]


def time_apply_feedback(path: Path, calls: int) -> FeedbackTiming:
    """apply_feedback in process on the newest day's ranked list, `calls` times."""
    db = open_db(path)
    try:
        window = window_for(db, None, matched_only=True)
        assert window is not None
        base = rank_window(db, window)
        seconds = []
        result = base
        for _ in range(calls):
            ranked = copy.deepcopy(base)  # apply_feedback changes scores and reasons in place
            started = time.perf_counter()
            result = apply_feedback(db, ranked)
            seconds.append(time.perf_counter() - started)
    finally:
        db.conn.close()
    kinds = [{m.strength for m in r.reasons if m.kind == "feedback"} for r in result]
    before = {r.id for r in base[:10]}
    return FeedbackTiming(
        window=len(base),
        kept=len(result),
        raised=sum("star" in k for k in kinds),
        lowered=sum("hide" in k for k in kinds),
        top_changed=len({r.id for r in result[:10]} - before),
        seconds=seconds,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--papers", type=int, default=100_000, help="papers in the store (default 100000)")
    parser.add_argument("--runs", type=int, default=15, help="timed runs per command (default 15)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed runs first (default 2)")
    parser.add_argument(
        "--feedback-calls", type=int, default=9, help="in-process apply_feedback calls (default 9)"
    )
    parser.add_argument("--rebuild", action="store_true", help="build the store even if one is cached")
    parser.add_argument("--no-hyperfine", action="store_true", help="time with the built-in loop")
    parser.add_argument("--check", action="store_true", help="exit 1 if a budget is missed")
    args = parser.parse_args()
    if args.papers < 1 or args.runs < 1 or args.warmup < 0 or args.feedback_calls < 1:
        parser.error("--papers, --runs and --feedback-calls must be at least 1, --warmup at least 0")

    script = Path(sys.executable).parent / "radar"
    if not script.exists():
        sys.exit(f"no radar console script next to {sys.executable}: run this with `uv run python ...`")

    print(f"python {sys.version.split()[0]} at {sys.executable}")
    took = byte_compile()
    note = " (PYTHONDONTWRITEBYTECODE=1 is set here)" if os.environ.get("PYTHONDONTWRITEBYTECODE") else ""
    print(
        f"byte-compiled site-packages and src/radar in {took:.1f} s{note}: installs made by pip or "
        "uv tool carry .pyc files, so start-up is timed with them"
    )

    CACHE.mkdir(parents=True, exist_ok=True)
    store = CACHE / f"radar-{args.papers}-g{GENERATOR}.db"
    if not args.rebuild and store_is_usable(store, args.papers):
        stats = json.loads(store.with_suffix(".json").read_text())
        print(
            f"store: reusing {store.relative_to(HERE.parent)} (built {stats['built_utc']} "
            f"in {stats['build_seconds']} s; --rebuild to build it again)"
        )
    else:
        print(f"store: building {args.papers:,} papers in {store.relative_to(HERE.parent)} (seed {SEED})")
        for old in (store, Path(f"{store}-wal"), Path(f"{store}-shm")):
            old.unlink(missing_ok=True)
        stats = build_store(store, args.papers)
        print(
            f"store: built in {stats['build_seconds']} s (papers {stats['papers_seconds']} s, "
            f"{len(FOLLOW_AUTHOR_RANKS)} authors + {len(FOLLOW_CATEGORIES)} categories + "
            f"{len(FOLLOW_TOPICS)} topics followed in {stats['follows_seconds']} s)"
        )
    applied = migrate_store(store)
    if applied:
        print(f"store: applied {len(applied)} migrations ({', '.join(applied)})")
    print(f"store: {describe_store(store)}")

    fb = feedback_store(store)
    print(
        f"feedback: copied the store to {fb.path.relative_to(HERE.parent)} and starred {len(fb.stars)}, "
        f"hid {len(fb.hides)} papers matching a follow on the {FEEDBACK_DAYS} newest listing days "
        f"({fb.in_window} of them on the newest) in {fb.seconds:.1f} s"
    )
    fbt = time_apply_feedback(fb.path, args.feedback_calls)
    fb_median = statistics.median(fbt.seconds)
    print(
        f"feedback: apply_feedback on the newest day's {fbt.window} ranked papers: median {fb_median:.3f} s, "
        f"min {min(fbt.seconds):.3f} s, max {max(fbt.seconds):.3f} s over {len(fbt.seconds)} calls; "
        f"{fbt.window - fbt.kept} removed, {fbt.raised} raised, {fbt.lowered} lowered, "
        f"{fbt.top_changed} of the first 10 cards changed"
    )

    rel = relevance_store(store)
    print(
        f"relevance: copied the store to {rel.relative_to(HERE.parent)} with {SIGNAL_STARS} stars, "
        f"{SIGNAL_HIDES} hides and {SIGNAL_LIBRARY} library entries"
    )
    trained, rate, vocabulary = time_scoring(rel, 2_000)
    print(
        f"relevance: trained in {trained:.2f} s in process ({vocabulary:,} terms); scoring "
        f"{rate:,.0f} papers/s (2,000 stored papers, with their explanations, written down)"
    )

    env = child_env(store)
    radar_cmd = str(script)
    with_feedback = [radar_cmd, "--db", str(fb.path), "today"]
    with_model = [radar_cmd, "--db", str(rel), "today"]
    timings = [
        Timing(f"baseline: python -c {BASELINE_CODE!r}", [sys.executable, "-c", BASELINE_CODE]),
        Timing("radar --help", [radar_cmd, "--help"]),
        Timing("radar today", [radar_cmd, "today"]),
        Timing(f"radar today, {STARS} stars + {HIDES} hides", with_feedback),
        Timing("radar today --format json", [radar_cmd, "today", "--format", "json"]),
        Timing("radar following", [radar_cmd, "following"]),
        Timing("radar today, trained model (1,000 signals), nothing changed", with_model),
        Timing("radar today --all, newest day, scored", [*with_model, "--all"]),
    ]
    heading = check_command([radar_cmd, "today"], env).split("\n\n")[0]
    print(f"radar today prints: {' '.join(heading.split()) or '(nothing)'}")
    heading = check_command(with_feedback, env).split("\n\n")[0]
    print(f"radar today with feedback prints: {' '.join(heading.split()) or '(nothing)'}")
    for t in timings:
        check_command(t.argv, env)

    print("\nimports (python -X importtime, which itself slows imports down):")
    baseline_modules = import_times(BASELINE_CODE, env)
    print(f"  baseline: {len(baseline_modules)} modules")
    imports_ok = True
    for args_ in (["today"], ["--help"], ["--db", str(fb.path), "today"], ["--db", str(rel), "today"]):
        modules = import_times(radar_code(args_), env)
        bad = sorted(m for m in modules if m.split(".")[0] in FORBIDDEN)
        extra = {m: us for m, us in modules.items() if m not in baseline_modules}
        heavy = ", ".join(f"{name} {us / 1000:.1f}" for us, name in by_package(extra)[:6])
        shown = " ".join(args_).replace(str(fb.path), "FEEDBACK-COPY").replace(str(rel), "MODEL-COPY")
        print(
            f"  radar {shown}: {len(modules)} modules; {len(extra)} not in the baseline, "
            f"{sum(extra.values()) / 1000:.0f} ms self time (ms by package: {heavy})"
        )
        missing = len([m for m in baseline_modules if m not in modules])
        if missing:
            print(f"    and {missing} of the baseline's modules it does not import")
        verdict = "PASS" if not bad else f"FAIL: imports {', '.join(bad[:8])}"
        imports_ok = imports_ok and not bad
        print(f"    none of {', '.join(FORBIDDEN)}: {verdict}")

    hyperfine = None if args.no_hyperfine else shutil.which("hyperfine")
    print()
    used = "hyperfine"
    if hyperfine is None or not time_with_hyperfine(hyperfine, timings, env, args.runs, args.warmup):
        used = "built-in loop, commands interleaved round by round"
        print(f"timing: {args.runs} runs of each command after {args.warmup} warm-up runs ({used})")
        time_with_loop(timings, env, args.runs, args.warmup)
    else:
        print(f"timing: {args.runs} runs of each command after {args.warmup} warm-up runs ({used})")

    base = timings[0].median
    width = max(len(t.label) for t in timings)
    print(f"\n{'command':<{width}}  {'median s':>8}  {'min s':>7}  {'x baseline':>10}")
    for t in timings:
        print(f"{t.label:<{width}}  {t.median:8.3f}  {t.min:7.3f}  {t.median / base:9.2f}x")
    print()
    ok = imports_ok
    for label in ("radar today", timings[3].label, "radar --help"):
        t = next(t for t in timings if t.label == label)
        ratio = t.median / base
        passed = ratio <= BUDGET
        ok = ok and passed
        print(
            f"{'PASS' if passed else 'FAIL'}: {label} median {t.median:.3f} s = {ratio:.2f}x the baseline "
            f"({base:.3f} s); budget {BUDGET}x"
        )
    for label, budget in ((timings[6].label, MODEL_BUDGET), (timings[7].label, ALL_BUDGET)):
        t = next(t for t in timings if t.label == label)
        ratio = t.median / base
        passed = ratio <= budget
        ok = ok and passed
        print(
            f"{'PASS' if passed else 'FAIL'}: {label} median {t.median:.3f} s = {ratio:.2f}x the baseline; "
            f"budget {budget}x"
        )
    after_star = time_after_star(rel, radar_cmd, env, RETRAIN_RUNS)
    star_median = statistics.median(after_star)
    star_ok = star_median < RETRAIN_BUDGET
    ok = ok and star_ok
    print(
        f"{'PASS' if star_ok else 'FAIL'}: the first radar today after a star (retrain on "
        f"{SIGNAL_STARS + SIGNAL_HIDES + SIGNAL_LIBRARY} signals, score the window) median {star_median:.3f} s, "
        f"max {max(after_star):.3f} s over {len(after_star)} stars; budget {RETRAIN_BUDGET:.0f} s"
    )
    fb_ok = fb_median < FEEDBACK_BUDGET
    ok = ok and fb_ok
    print(
        f"{'PASS' if fb_ok else 'FAIL'}: apply_feedback ({STARS} stars, {HIDES} hides) median {fb_median:.3f} s "
        f"on {fbt.window} papers of {args.papers:,}; budget {FEEDBACK_BUDGET:.0f} s"
    )
    print(
        f"{'PASS' if imports_ok else 'FAIL'}: radar today (with and without feedback) and radar --help "
        f"import none of {', '.join(FORBIDDEN)}"
    )
    return 1 if args.check and not ok else 0


if __name__ == "__main__":
    sys.exit(main())
