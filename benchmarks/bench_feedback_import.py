"""Does feedback slow an import down? A snapshot import into a store with 100 stars and
hides, against the same import into the same store without them.

Protocol: a synthetic snapshot (benchmarks/snapshot_gen.py) is split in two. The first
part is imported once to make a base store, and 50 of its papers are starred and 50
hidden in a copy of it. Then the second part is imported by the real console script into
a fresh copy of each store, alternating (none, feedback, none, feedback, ...), `--runs`
times each; the table gives the median of each and their ratio. Budget: within 10%.

    uv run python benchmarks/bench_feedback_import.py --papers 40000 --runs 5
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_scale import child_env, radar_script  # noqa: E402


def split(snapshot: Path, first: int, head: Path, tail: Path) -> None:
    with snapshot.open("rb") as src, head.open("wb") as a, tail.open("wb") as b:
        for number, line in enumerate(src):
            (a if number < first else b).write(line)


def import_into(db: Path, home: Path, file: Path) -> float:
    env = child_env(home, db)
    started = time.perf_counter()
    subprocess.run([str(radar_script()), "import", "--quiet", str(file)], env=env, check=True)
    return time.perf_counter() - started


def give_feedback(db: Path, count: int) -> None:
    from radar.feedback import set_verdict
    from radar.store import open_db

    store = open_db(db)
    ids = [r[0] for r in store.execute("select id from papers order by id")]
    for number, paper_id in enumerate(random.Random(7).sample(ids, count)):
        set_verdict(store, paper_id, "star" if number % 2 == 0 else "hide")
    store.conn.close()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--papers", type=int, default=40_000, help="lines in the imported part")
    parser.add_argument("--base", type=int, default=5_000, help="papers stored before")
    parser.add_argument("--signals", type=int, default=100, help="stars and hides, half each")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="radar-bench-") as tmp:
        work = Path(tmp)
        snapshot = work / "snapshot.jsonl"
        subprocess.run(
            [
                sys.executable,
                str(Path(__file__).with_name("snapshot_gen.py")),
                "--papers",
                str(args.papers + args.base),
                "--out",
                str(snapshot),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        head, tail = work / "head.jsonl", work / "tail.jsonl"
        split(snapshot, args.base, head, tail)
        plain = work / "plain.db"
        import_into(plain, work / "home", head)
        liked = work / "feedback.db"
        shutil.copy(plain, liked)
        give_feedback(liked, args.signals)
        times: dict[str, list[float]] = {"none": [], "feedback": []}
        for run in range(args.runs):
            for name, base in (("none", plain), ("feedback", liked)):
                db = work / f"run-{run}-{name}.db"
                shutil.copy(base, db)
                times[name].append(import_into(db, work / "home", tail))
                db.unlink()
        none, fed = statistics.median(times["none"]), statistics.median(times["feedback"])
        print(f"| import of {args.papers:,} snapshot lines | median of {args.runs} |")
        print("|---|---|")
        print(f"| no stars or hides | {none:.2f} s |")
        print(f"| {args.signals} stars and hides | {fed:.2f} s |")
        print(f"| ratio | {fed / none:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
