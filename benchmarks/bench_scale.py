"""radar at the scale of the whole arXiv: a synthetic 3-million-paper store.

Run it from the repository root (the first run generates the snapshot and builds the
store, which takes a while; both are cached in benchmarks/.cache/):

    uv run python benchmarks/bench_scale.py                     # 3,000,000 papers
    uv run python benchmarks/bench_scale.py --papers 200000     # a quicker look
    uv run python benchmarks/bench_scale.py --check             # exit 1 if a budget is missed

What it does:

1. Byte-compiles site-packages and radar (as bench_today.py does).
2. Generates a snapshot in the shape of arxiv-metadata-oai-snapshot.json with
   benchmarks/snapshot_gen.py (fixed seed), unless it is cached, and beside it 2,000
   papers by 40 different people who all sign "Wei Wang" (snapshot_gen.namesake_lines):
   namesakes on purpose, imported with the snapshot. `--no-namesakes` builds and times
   the store without them (an earlier cache file, scale-N.db; the namesake store is
   scale-N-namesakes.db).
3. Builds the store with the installed console script, `radar import SNAPSHOT`, timing it
   and sampling the resident memory of radar and its parsing workers every 0.1 s: the
   import's papers per second (target: 20,000 on this 2-core machine, full-text index
   included) and its peak memory (target: under 300 MB).
4. Follows what an ML researcher follows (10 authors from the most to the least
   productive, cs.LG / cs.AI / stat.ML, three topics) with `radar follow --no-fetch`.
5. Times, each as a ratio to `python -c "import typer, rich, sqlite_utils"` measured in the
   same interleaved rounds: `radar today` and `radar following` (at most 1.5x), `radar
   search` with and without --author/--category/--since (at most 2x), and `radar follow
   NAME --no-fetch` for a new author (at most 2x; the author is unfollowed between runs,
   untimed), and `radar follow "Wei Wang" --no-fetch`, whose preview lists the people who
   share that name (at most 2x).
6. Times `radar today` and `radar today --all` with a trained interest model (1,000
   signals written into the store and taken out again; at most 1.2x and 1.5x).
7. Reports the database size per paper and `radar fetch` throughput into the big store: a
   day's listing of 2,000 new papers for the followed categories and the followed authors'
   and topics' API queries, served by bench_fetch.py's loopback arXiv. The fetched papers
   are deleted again afterwards so the cached store stays comparable between runs.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shlex
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_fetch import Generator, Server  # noqa: E402
from bench_today import BASELINE_CODE, add_signals, byte_compile, pragmas, remove_signals  # noqa: E402
from snapshot_gen import NAMESAKE, POOL_SIZE, SEED, name_pool, write_namesakes, write_snapshot  # noqa: E402

from radar.store.connection import PAGE_SIZE  # noqa: E402

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
IMPORT_TARGET = 20_000.0  # papers per second
MEMORY_TARGET_MB = 300.0
BUDGETS = {"today": 1.5, "following": 1.5, "search": 2.0, "follow": 2.0, "model": 1.2, "model-all": 1.5}
FOLLOW_RANKS = (0, 3, 10, 30, 100, 300, 1_000, 3_000, 10_000, 30_000)
NEW_AUTHOR_RANK = 500  # the author whose `follow --no-fetch` is timed
CATEGORIES = ("cs.LG", "cs.AI", "stat.ML")
TOPICS = ("world models", "diffusion models", "reinforcement learning")
FETCH_PAPERS = 2_000
FETCH_PREFIX = "2611.9"  # ids of the fetched papers: above every generated one, easy to delete


@dataclass
class Timing:
    label: str
    budget_key: str | None
    argv: list[str]
    prepare: list[str] | None = None  # run, untimed, before every timed run
    samples: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.samples)


def baseline() -> Timing:
    """What every ratio is against, timed in the same rounds."""
    return Timing(
        "baseline: python -c 'import typer, rich, sqlite_utils'", None, [sys.executable, "-c", BASELINE_CODE]
    )


def radar_script() -> Path:
    script = Path(sys.executable).parent / "radar"
    if not script.exists():
        sys.exit("the radar console script is not installed in this environment (uv sync)")
    return script


def child_env(home: Path, db: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("RADAR_", "LITELLM_")) and k not in ("FORCE_COLOR", "PYTHONPROFILEIMPORTTIME")
    }
    home.mkdir(parents=True, exist_ok=True)
    env.update(RADAR_HOME=str(home), RADAR_DB=str(db), NO_COLOR="1")
    return env


def tree_rss_mb(pid: int) -> tuple[float, float]:
    """(sum, largest) resident memory in MB of a process and its descendants."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    total = largest = 0.0
    todo = [pid]
    while todo:
        current = todo.pop()
        todo.extend(children.get(current, []))
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    mb = int(line.split()[1]) / 1024
                    total += mb
                    largest = max(largest, mb)
        except OSError:
            continue
    return total, largest


def build_store(snapshots: list[Path], db: Path, env: dict[str, str]) -> dict[str, float]:
    """`radar import SNAPSHOT...` into a new store: seconds, papers/s, peak memory."""
    tmp = db.with_name(db.name + ".building")
    for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        leftover.unlink(missing_ok=True)
    argv = [str(radar_script()), "--db", str(tmp), "import", "--format", "json", *map(str, snapshots)]
    print(f"  {shlex.join(argv)}")
    started = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak_sum = peak_one = 0.0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak_sum, peak_one
        while not stop.is_set():
            total, largest = tree_rss_mb(proc.pid)
            peak_sum, peak_one = max(peak_sum, total), max(peak_one, largest)
            stop.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = proc.communicate()
    stop.set()
    sampler.join()
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        sys.exit(f"radar import failed (exit {proc.returncode}):\n{stderr[-2000:]}")
    reports = json.loads(stdout)
    papers = sum(r["new"] + r["updated"] + r["unchanged"] for r in reports)
    for suffix in ("", "-wal", "-shm"):
        src = Path(f"{tmp}{suffix}")
        if src.exists():
            src.replace(Path(f"{db}{suffix}"))
    return {
        "papers": papers,
        "bad_lines": sum(r["bad_lines"] for r in reports),
        "seconds": seconds,
        "papers_per_s": papers / seconds,
        "peak_rss_mb": peak_sum,
        "peak_rss_largest_mb": peak_one,
    }


def authors_by_rank(papers: int) -> list[str]:
    """The generator's name pool, most productive first (its Zipf weights follow the order)."""
    return name_pool(random.Random(SEED), POOL_SIZE)


def run(argv: list[str], env: dict[str, str]) -> str:
    proc = subprocess.run(argv, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"{shlex.join(argv)} failed (exit {proc.returncode}):\n{proc.stderr[-2000:]}")
    return proc.stdout


def set_up_follows(env: dict[str, str], pool: list[str]) -> dict[str, float]:
    """Follow the researcher's set once (skipped when the store already follows them)."""
    script = str(radar_script())
    following = json.loads(run([script, "following", "--format", "json"], env))
    if following:
        return {}
    took: dict[str, float] = {}
    for kind, values in (
        ("author", [pool[r] for r in FOLLOW_RANKS]),
        ("category", list(CATEGORIES)),
        ("topic", list(TOPICS)),
    ):
        for value in values:
            argv = [script, "follow", "--no-fetch"] + ([value] if kind == "author" else [f"--{kind}", value])
            started = time.perf_counter()
            run(argv, env)
            took[f"{kind} {value}"] = time.perf_counter() - started
    return took


def time_rounds(timings: list[Timing], env: dict[str, str], runs: int, warmup: int) -> None:
    for round_ in range(warmup + runs):
        shift = round_ % len(timings)
        for t in timings[shift:] + timings[:shift]:
            if t.prepare:
                subprocess.call(t.prepare, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            started = time.perf_counter()
            code = subprocess.call(t.argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            elapsed = time.perf_counter() - started
            if code != 0:
                sys.exit(f"{shlex.join(t.argv)} failed (exit {code})")
            if round_ >= warmup:
                t.samples.append(elapsed)
        if sys.stdout.isatty():
            print(f"\r  round {round_ + 1} of {warmup + runs}", end="", flush=True)
    if sys.stdout.isatty():
        print()


def print_table(timings: list[Timing]) -> bool:
    """Each command's median and its ratio to the baseline (the first row); True when
    every budget is met."""
    base = timings[0].median
    ok = True
    print(f"\n{'command':<70} {'median':>8} {'ratio':>6}  budget")
    for t in timings:
        ratio = t.median / base
        verdict = ""
        if t.budget_key:
            budget = BUDGETS[t.budget_key]
            passed = ratio <= budget
            ok = ok and passed
            verdict = f"{budget:.1f}x {'PASS' if passed else 'FAIL'}"
        print(f"{t.label:<70} {t.median:>7.3f}s {ratio:>5.2f}x  {verdict}")
    return ok


def relevance_round(db: Path, env: dict[str, str], script: str, runs: int, warmup: int) -> bool:
    """`radar today` with a trained interest model: 1,000 signals (bench_today's) are
    written into the store, one `radar today` and one `--all` train and score the
    windows (timed once, untimed in the table), then both are timed with nothing
    changed (budgets 1.2x and 1.5x). The signals and the model are taken out again."""
    print("\ninterest model: 1,000 signals written into the store ...")
    add_signals(db)
    try:
        for argv in ([script, "today"], [script, "today", "--all"]):
            started = time.perf_counter()
            run(argv, env)
            print(
                f"  first {shlex.join(argv[1:])} (trains and scores): {time.perf_counter() - started:.2f} s"
            )
        timings = [
            baseline(),
            Timing("radar today (model trained, nothing changed)", "model", [script, "today"]),
            Timing("radar today --all (the newest day, scored)", "model-all", [script, "today", "--all"]),
        ]
        time_rounds(timings, env, runs, warmup)
        return print_table(timings)
    finally:
        remove_signals(db)


def fetch_throughput(db: Path, home: Path, pool: list[str]) -> dict[str, float]:
    """`radar fetch` of a day's listing (and the follows' API queries) into the big store."""
    now = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
    gen = Generator(pool[:50_000], seed=SEED)
    gen.counters["2611"] = int(FETCH_PREFIX.split(".")[1]) * 10_000
    followed = [pool[r] for r in FOLLOW_RANKS]
    items = []
    for i in range(FETCH_PAPERS):
        submitted = now - timedelta(days=1, seconds=i)
        cats = [CATEGORIES[i % len(CATEGORIES)], *gen.pick_categories()[:1]]
        authors = [followed[i % len(followed)]] if i % 20 == 0 else []
        item = gen.item(submitted, submitted, 1, categories=list(dict.fromkeys(cats)), with_authors=authors)
        item.announce = "new"
        items.append(item)
    try:
        with Server() as server:
            server.arxiv.set_corpus(items)
            server.arxiv.set_listing(now.date(), items)
            env = child_env(home, db)
            env.update(
                RADAR_ARXIV_API_URL=server.api_url, RADAR_ARXIV_RSS_URL=server.rss_url, RADAR_ARXIV_DELAY="0"
            )
            started = time.perf_counter()
            proc = subprocess.run(
                [str(radar_script()), "fetch", "--format", "json"], env=env, capture_output=True, text=True
            )
            seconds = time.perf_counter() - started
            if proc.returncode != 0:
                sys.exit(f"radar fetch failed (exit {proc.returncode}):\n{proc.stderr[-2000:]}")
            summary = json.loads(proc.stdout)
    finally:
        forget_fetched(db)
    return {"new": summary["new"], "requests": summary["requests"], "seconds": seconds}


def forget_fetched(db: Path) -> None:
    """Delete the papers the fetch brought, and the fetch state, so the store is as built."""
    from radar.latex import SEARCH_TEXT_FUNCTION, search_text

    conn = sqlite3.connect(db, timeout=60)
    # The full-text index's delete trigger calls radar's function (migration m021).
    conn.create_function(SEARCH_TEXT_FUNCTION, 1, search_text, deterministic=True)
    like = FETCH_PREFIX + "%"
    with conn:
        for table, column in (
            ("matches", "paper_id"),
            ("paper_authors", "paper_id"),
            ("paper_categories", "paper_id"),
            ("paper_versions", "paper_id"),
            ("similar", "paper_id"),
            ("reads", "paper_id"),
            ("papers", "id"),
        ):
            conn.execute(f"delete from {table} where {column} like ?", [like])
        conn.execute("delete from fetch_state")
        conn.execute("delete from fetch_runs")
    conn.close()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--papers", type=int, default=3_000_000)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--rebuild", action="store_true", help="import the snapshot again")
    parser.add_argument("--no-fetch", action="store_true", help="skip the fetch throughput run")
    parser.add_argument("--no-relevance", action="store_true", help="skip the interest model's round")
    parser.add_argument("--check", action="store_true", help="exit 1 if a budget is missed")
    parser.add_argument(
        "--no-namesakes", action="store_true", help=f"without the 40 people named {NAMESAKE} (scale-N.db)"
    )
    args = parser.parse_args()

    CACHE.mkdir(exist_ok=True)
    print(
        f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, SQLite {sqlite3.sqlite_version}"
    )
    print(f"byte-compiling: {byte_compile():.1f} s")
    snapshot = CACHE / f"snapshot-{args.papers}.jsonl"
    if not snapshot.exists():
        print(f"generating {snapshot.name} ...")
        started = time.perf_counter()
        write_snapshot(snapshot, args.papers)
        print(f"  {time.perf_counter() - started:.0f} s, {snapshot.stat().st_size / 1e9:.2f} GB")
    snapshots = [snapshot]
    stem = f"scale-{args.papers}"
    if not args.no_namesakes:
        namesakes = CACHE / "namesakes.jsonl"
        if not namesakes.exists():
            write_namesakes(namesakes)
        snapshots.append(namesakes)
        stem += "-namesakes"
    db = CACHE / f"{stem}.db"
    meta = CACHE / f"{stem}.json"
    home = CACHE / "scale-home"
    env = child_env(home, db)
    if args.rebuild or not db.exists() or not meta.exists() or pragmas(db, "page_size") != [PAGE_SIZE]:
        # A store imported before radar chose its page size is not the store a new user has.
        print("importing the snapshot ...")
        figures = build_store(snapshots, db, env)
        meta.write_text(json.dumps({"import": figures}, indent=2))
    recorded = json.loads(meta.read_text())
    pool = authors_by_rank(args.papers)
    follows = set_up_follows(env, pool)
    if follows:
        recorded["follows"] = follows
        meta.write_text(json.dumps(recorded, indent=2))

    imp = recorded["import"]
    size = sum(Path(f"{db}{s}").stat().st_size for s in ("", "-wal") if Path(f"{db}{s}").exists())
    # Pages freed by a rebuilt index or deleted papers stay in the file until a VACUUM:
    # what the papers take is the pages in use.
    pages, free, page_size = pragmas(db, "page_count", "freelist_count", "page_size")
    used = (pages - free) * page_size
    print(
        f"\nstore: {imp['papers']:,.0f} papers, {used / 1e9:.2f} GB in use, {used / imp['papers']:,.0f} bytes "
        f"per paper (the file: {size / 1e9:.2f} GB)"
    )
    ok_import = imp["papers_per_s"] >= IMPORT_TARGET
    ok_memory = imp["peak_rss_mb"] < MEMORY_TARGET_MB
    print(
        f"import: {imp['seconds']:.0f} s, {imp['papers_per_s']:,.0f} papers/s "
        f"(target {IMPORT_TARGET:,.0f}: {'PASS' if ok_import else 'FAIL'}); peak memory "
        f"{imp['peak_rss_mb']:.0f} MB for radar and its workers, largest process "
        f"{imp['peak_rss_largest_mb']:.0f} MB (target < {MEMORY_TARGET_MB:.0f}: {'PASS' if ok_memory else 'FAIL'})"
    )
    for label, seconds in recorded.get("follows", {}).items():
        print(f"  first follow --no-fetch, {label}: {seconds:.2f} s")

    script = str(radar_script())
    newcomer = pool[NEW_AUTHOR_RANK]
    followed_author = pool[FOLLOW_RANKS[2]]
    timings = [
        baseline(),
        Timing("radar today", "today", [script, "today"]),
        Timing("radar following", "following", [script, "following"]),
        Timing('radar search "world models"', "search", [script, "search", "world models"]),
        Timing(
            'radar search "world models" --category cs.LG --since 2025-01-01',
            "search",
            [script, "search", "world models", "--category", "cs.LG", "--since", "2025-01-01"],
        ),
        Timing(
            f'radar search "learning" --author "{followed_author}"',
            "search",
            [script, "search", "learning", "--author", followed_author],
        ),
        Timing(
            f'radar follow "{newcomer}" --no-fetch',
            "follow",
            [script, "follow", "--no-fetch", newcomer],
            prepare=[script, "unfollow", newcomer],
        ),
    ]
    if not args.no_namesakes:
        timings.append(
            Timing(
                f'radar follow "{NAMESAKE}" --no-fetch (40 people share it)',
                "follow",
                [script, "follow", "--no-fetch", NAMESAKE],
                prepare=[script, "unfollow", NAMESAKE],
            )
        )
    print(f"\ntiming {len(timings)} commands, {args.runs} interleaved rounds after {args.warmup} warm-up ...")
    time_rounds(timings, env, args.runs, args.warmup)
    for value in (newcomer, NAMESAKE):
        subprocess.call(
            [script, "unfollow", value], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
    table_ok = print_table(timings)
    ok = ok_import and ok_memory and table_ok
    if not args.no_relevance:
        ok = relevance_round(db, env, script, args.runs, args.warmup) and ok

    if not args.no_fetch:
        print(f"\nradar fetch into the {imp['papers']:,.0f}-paper store ({FETCH_PAPERS:,} listed papers) ...")
        fetched = fetch_throughput(db, home, pool)
        print(
            f"  {fetched['new']:,.0f} new papers, {fetched['requests']:.0f} requests in {fetched['seconds']:.1f} s: "
            f"{fetched['new'] / fetched['seconds']:,.0f} papers/s (whole command, delay 0)"
        )
    return 1 if args.check and not ok else 0


if __name__ == "__main__":
    raise SystemExit(main())
