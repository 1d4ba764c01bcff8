"""How long migration m021 (LaTeX accents decoded in the full-text index) takes on an old store.

    uv run python benchmarks/bench_fold_migration.py --papers 100000

Generates a synthetic snapshot (snapshot_gen.py), writes TeX into it at arXiv's rates
(measured on the 200 real records of 0704: 28% of papers have a backslash in the title or
abstract, 4.5% an accent command the index now decodes; here 40% and 5%, to err high),
imports it into a store migrated only up to the step before m021, then times m021 alone,
and checks what a search for Kahler finds before and after.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ACCENTS = [r"K\"ahler", r"Koll\'ar", r"Gr\"obner", r"Schr\"{o}dinger", r"Erd\H{o}s", r"{\'E}cole"]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--papers", type=int, default=100_000)
    args = parser.parse_args()
    from radar import migrations
    from radar.database import Database
    from radar.importer import import_snapshot

    with tempfile.TemporaryDirectory() as tmp:
        raw, snap = Path(tmp) / "raw.jsonl.gz", Path(tmp) / "snap.jsonl"
        subprocess.run(
            [sys.executable, str(HERE / "snapshot_gen.py"), "--papers", str(args.papers), "--out", str(raw)],
            check=True,
        )
        rng = random.Random(7)
        with gzip.open(raw, "rt") as src, snap.open("w") as out:
            for line in src:
                record = json.loads(line)
                x = rng.random()
                if x < 0.05:
                    record["abstract"] += f" We use {rng.choice(ACCENTS)} methods."
                elif x < 0.40:
                    record["abstract"] += r" with $\alpha_{\rm N}$ bounds."
                out.write(json.dumps(record) + "\n")
        db = Database(sqlite3.connect(Path(tmp) / "radar.db"))
        names = [fn.__name__ for fn in migrations.STEPS]
        steps = migrations.STEPS
        migrations.STEPS = steps[: names.index("m018_search_text_folds_latex_accents")]
        migrations.apply(db)
        import_snapshot(db, snap, workers=0)
        # Today's import already indexes decoded text; an old store held arXiv's text as
        # it is, which is what the external-content index's rebuild writes.
        db.execute("insert into papers_fts (papers_fts) values ('rebuild')")
        migrations.STEPS = steps[: names.index("m018_search_text_folds_latex_accents") + 1]

        def kahler() -> int:
            return db.execute("select count(*) from papers_fts where papers_fts match 'Kahler'").fetchone()[0]

        before = kahler()
        start = time.perf_counter()
        migrations.apply(db)
        took = time.perf_counter() - start
        print(
            f"{args.papers:,} papers: m021 took {took:.1f} s; 'Kahler' found {before} papers before, {kahler()} after"
        )


if __name__ == "__main__":
    main()
