"""`radar import`'s use case: each file imported as what it is, with a report for each.

A metadata snapshot (JSON Lines) is streamed in batches by `importer.import_snapshot`;
anything else is a saved API response or listing feed for `importer.import_files`. The
caller holds the store's writer lock (radar.lock) for the whole run. Nothing here
prints: a snapshot's progress goes to the `watch` the caller gives.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path

from radar.database import Database
from radar.importer import (
    FileReport,
    SnapshotProgress,
    SnapshotReport,
    import_files,
    import_snapshot,
    is_snapshot,
)

Report = FileReport | SnapshotReport


@dataclass
class Watch:
    """How a caller follows one snapshot's import: its progress, and notes between batches."""

    progress: Callable[[SnapshotProgress], None] | None = None
    note: Callable[[str], None] | None = None


@dataclass
class Totals:
    files: int
    ok: int  # files imported without an error
    new: int
    updated: int


def unwatched(path: Path) -> AbstractContextManager[Watch]:
    return nullcontext(Watch())


def import_paths(
    db: Database,
    paths: Sequence[Path],
    workers: int | None = None,
    watch: Callable[[Path], AbstractContextManager[Watch]] = unwatched,
) -> list[Report]:
    """Import each file in turn; one bad file is reported and the others still load.
    `watch(path)` is entered around each snapshot's import only (the long ones)."""
    reports: list[Report] = []
    for path in paths:
        if path.is_file() and is_snapshot(path):
            with watch(path) as seen:
                reports.append(
                    import_snapshot(db, path, progress=seen.progress, workers=workers, note=seen.note)
                )
        else:
            reports.extend(import_files(db, [path]))
    return reports


def totals(reports: Sequence[Report]) -> Totals:
    def counts(r: Report) -> tuple[int, int]:
        return (r.counts.new, r.counts.updated) if isinstance(r, FileReport) else (r.new, r.updated)

    return Totals(
        files=len(reports),
        ok=sum(1 for r in reports if r.error is None),
        new=sum(counts(r)[0] for r in reports),
        updated=sum(counts(r)[1] for r in reports),
    )
