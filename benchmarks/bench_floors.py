"""The floors under radar's two missed scale targets: what no code of radar's can go below.

Run it from the repository root after bench_scale.py has built its cache:

    uv run python benchmarks/bench_floors.py                    # 1,000,000 papers, about 5 minutes
    uv run python benchmarks/bench_floors.py --papers 200000    # a quicker look

It measures SQLite and Python on their own, with radar's shapes and settings, and none of
radar's own work:

1. **Import.** The first N papers of the cached synthetic snapshot go into an FTS5 table
   like radar's (title and abstract, porter) in a fresh file with radar's page size,
   cache and automerge, in radar's batches, without a journal or syncs (less than
   radar's writer can do), and nothing else is written; then the same without stemming,
   and without positions. One SQLite file has one writer, so this rate bounds any import
   that indexes full text as it goes, before the papers, their authors and categories
   are written at all. radar's own parsing of the same lines (`prepare_lines`, the work
   of the parsing process) is timed too: the two cores share it and the writer's.
2. **Search.** Fresh processes in interleaved rounds, as ratios to the baseline
   (`import typer, rich, sqlite_utils`): Python with Typer and Rich's console, which any
   Typer command that prints with Rich loads; the bare bm25 query of bench_scale's phrase
   on its 3-million-paper store, best 20, with sqlite3 alone; and the two in one process.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_scale import TOPICS  # noqa: E402
from bench_today import BASELINE_CODE, byte_compile  # noqa: E402

from radar.importer import BATCH_LINES, prepare_lines  # noqa: E402
from radar.search import TITLE_WEIGHT  # noqa: E402
from radar.store.connection import PAGE_SIZE, WRITE_CACHE_KIB  # noqa: E402

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
SCALE_PAPERS = 3_000_000
IMPORT_TARGET = 20_000.0  # papers per second, from bench_scale.py
SEARCH_BUDGET = 2.0  # times the baseline, from bench_scale.py
PARSE_SAMPLE = 100_000  # lines parsed by radar's worker code


def snapshot_lines(path: Path, papers: int) -> list[bytes]:
    with path.open("rb") as f:
        return list(itertools.islice(f, papers))


# radar's index, then the same without stemming, then without positions (which loses
# phrase search, and with it topic follows as radar matches them).
FTS_OPTIONS = {
    "radar's (porter)": "tokenize='porter'",
    "no stemming (unicode61)": "tokenize='unicode61'",
    "no positions (detail=none)": "tokenize='unicode61', detail=none",
}


def fts_alone(texts: list[tuple[str, str]], folder: Path, options: str) -> float:
    """Seconds to put these titles and abstracts into an FTS5 table, nothing else."""
    path = folder / "fts.db"
    for leftover in folder.glob("fts.db*"):
        leftover.unlink()
    db = sqlite3.connect(path, isolation_level=None)
    db.execute(f"pragma page_size = {PAGE_SIZE}")
    # No journal and no syncs: less than radar's writer can do (it keeps a WAL for
    # readers and crash safety), so that this is a floor.
    db.execute("pragma journal_mode = off")
    db.execute("pragma synchronous = off")
    db.execute(f"pragma cache_size = -{WRITE_CACHE_KIB}")
    db.execute(f"create virtual table papers_fts using fts5(title, abstract, {options})")
    db.execute("insert into papers_fts (papers_fts, rank) values ('automerge', 8)")
    started = time.perf_counter()
    for first in range(0, len(texts), BATCH_LINES):
        db.execute("begin")
        db.executemany(
            "insert into papers_fts (title, abstract) values (?, ?)", texts[first : first + BATCH_LINES]
        )
        db.execute("commit")
    elapsed = time.perf_counter() - started
    db.close()
    return elapsed


def parsing(lines: list[bytes]) -> float:
    """Seconds radar's parsing process spends on these lines."""
    started = time.perf_counter()
    for first in range(0, len(lines), BATCH_LINES):
        prepare_lines(first + 1, lines[first : first + BATCH_LINES])
    return time.perf_counter() - started


def search_floor(store: Path, rounds: int) -> dict[str, float]:
    """Median seconds of each fresh process, over interleaved rounds."""
    query = (
        "import sqlite3\n"
        f"db = sqlite3.connect({f'file:{store}?mode=ro'!r}, uri=True)\n"
        f"db.execute('select rowid, bm25(papers_fts, {TITLE_WEIGHT}, 1.0) as s from papers_fts "
        f"where papers_fts match ? order by s limit 20', [{json.dumps(TOPICS[0])!r}]).fetchall()\n"
    )
    codes = {
        "baseline": BASELINE_CODE,
        "Python, Typer and Rich's console": "import typer, rich.console",
        "the bare bm25 query": query,
        "both in one process": "import typer, rich.console\n" + query,
    }
    samples: dict[str, list[float]] = {label: [] for label in codes}
    for _ in range(rounds + 1):  # the first round warms the caches and is dropped
        for label, code in codes.items():
            started = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True)
            samples[label].append(time.perf_counter() - started)
    return {label: statistics.median(times[1:]) for label, times in samples.items()}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--papers", type=int, default=1_000_000, help="papers indexed for the import floor")
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    snapshot = CACHE / f"snapshot-{SCALE_PAPERS}.jsonl"
    store = CACHE / f"scale-{SCALE_PAPERS}.db"
    if not snapshot.exists() or not store.exists():
        print("run benchmarks/bench_scale.py first: it builds the snapshot and store this reads")
        return 1
    byte_compile()

    lines = snapshot_lines(snapshot, args.papers)
    texts = [(record["title"], record["abstract"]) for record in map(json.loads, lines)]
    with tempfile.TemporaryDirectory() as folder:
        fts_us = {
            label: fts_alone(texts, Path(folder), options) / len(texts) * 1e6
            for label, options in FTS_OPTIONS.items()
        }
    del texts
    parse_us = parsing(lines[:PARSE_SAMPLE]) / min(len(lines), PARSE_SAMPLE) * 1e6
    budget_us = 1e6 / IMPORT_TARGET
    print(f"Import floor, {len(lines):,} papers (the target of {IMPORT_TARGET:,.0f} papers/s is")
    print(f"{budget_us:.0f} us a paper for the one writer, {2 * budget_us:.0f} us of both cores' time):")
    for label, us in fts_us.items():
        print(f"  FTS5 alone, {label + ':':28s} {us:5.1f} us a paper, {1e6 / us:8,.0f} papers/s")
    print(f"  radar's parsing process:{'':17s} {parse_us:5.1f} us a paper, {1e6 / parse_us:8,.0f} papers/s")
    radars = next(iter(fts_us.values()))
    print(
        f"  radar's FTS5 and parsing together: {radars + parse_us:5.1f} us a paper of both cores' {2 * budget_us:.0f}"
    )

    medians = search_floor(store, args.rounds)
    base = medians["baseline"]
    print(f"\nSearch floor, {TOPICS[0]!r} on {SCALE_PAPERS:,} papers (budget {SEARCH_BUDGET}x):")
    for label, seconds in medians.items():
        print(f"  {label:34s} {seconds:6.3f} s  {seconds / base:4.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
