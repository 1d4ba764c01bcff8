"""How many of arXiv's journal references radar splits into journal, volume, pages and year.

    uv run python benchmarks/journal_refs.py [snapshot.jsonl] [-v]

Reads arXiv metadata snapshot lines (default: the 200 real records of
tests/fixtures/snapshot/arxiv-snapshot-0704.jsonl) and prints the share of `journal-ref`
values that parse, and with -v each one and what it became.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from radar.journal_ref import parse_journal_ref

DEFAULT = (
    Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "snapshot" / "arxiv-snapshot-0704.jsonl"
)


def main() -> None:
    args = [a for a in sys.argv[1:] if a != "-v"]
    path = Path(args[0]) if args else DEFAULT
    total = parsed = proceedings = 0
    for line in path.read_text(encoding="utf-8").splitlines():
        ref = json.loads(line).get("journal-ref")
        if not ref:
            continue
        total += 1
        result = parse_journal_ref(ref)
        assert result is not None
        parsed += result.parsed
        proceedings += result.parsed and result.proceedings
        if "-v" in sys.argv:
            mark = "ok " if result.parsed else "-- "
            print(
                mark,
                result.text,
                "=>",
                result.container,
                result.volume,
                result.issue,
                result.pages,
                result.year,
                "(proceedings)" if result.proceedings else "",
            )
    print(
        f"{parsed} of {total} journal references parse ({parsed / max(total, 1):.0%}); {proceedings} as proceedings"
    )


if __name__ == "__main__":
    main()
