"""`radar import`: saved arXiv responses (API Atom pages, RSS or Atom listings) and arXiv's
metadata snapshot (JSON Lines, plain or gzipped) into the store."""

from __future__ import annotations

import gzip
import hashlib
import os
import time
import zlib
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import IO, Any

from sqlite_utils import Database

from radar.errors import BadResponseError, RadarError
from radar.model import Paper
from radar.store import ImportCounts, Prepared, save_papers, save_prepared, utc_now

GZIP_MAGIC = b"\x1f\x8b"
# Lines per batch: one transaction and one unit of resumption. Big enough that each
# commit and FTS flush is shared by many papers, small enough to keep memory flat.
BATCH_LINES = 5_000
IN_FLIGHT = 2  # batches parsed ahead of the writer, per worker
BAD_EXAMPLES = 10


@dataclass
class FileReport:
    path: str
    kind: str  # "api", "listing" or "unreadable"
    counts: ImportCounts = field(default_factory=ImportCounts)
    error: str | None = None
    note: str | None = None  # e.g. an empty (weekend) listing


def sniff(content: bytes) -> str:
    """'snapshot' for JSON Lines, 'listing' for rss.arxiv.org feeds (both flavours), 'api'
    for API responses."""
    if content.lstrip()[:1] == b"{":
        return "snapshot"
    head = content[:4096].lower()
    if b"<rss" in head or b"rss.arxiv.org" in head:
        return "listing"
    return "api"


def parse_file(path: Path) -> tuple[str, list[Paper], list[str], str | None]:
    """(kind, papers, skipped reasons, note) for one saved response; raises RadarError."""
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise RadarError(f"cannot read {path}: {exc.strerror}") from None
    if not content.strip():
        raise BadResponseError(f"{path}: the file is empty")
    kind = sniff(content)
    if kind == "listing":
        from radar.sources.arxiv_rss import parse_listing

        listing = parse_listing(content, source=str(path))
        note = (
            "an empty listing (arXiv announces nothing at weekends and on holidays)"
            if listing.empty
            else None
        )
        return kind, listing.papers, listing.skipped, note
    from radar.sources.arxiv_api import parse_api_response

    page = parse_api_response(content, source=str(path))
    note = "an API response with no results" if not page.papers and not page.skipped else None
    return kind, page.papers, page.skipped, note


def import_files(db: Database, paths: list[Path]) -> list[FileReport]:
    """Import each file on its own: one bad file is reported and the others still load."""
    reports = []
    for path in paths:
        try:
            kind, papers, skipped, note = parse_file(path)
        except RadarError as exc:
            reports.append(FileReport(str(path), "unreadable", error=str(exc)))
            continue
        counts = save_papers(db, papers)
        counts.skipped.extend(skipped)
        reports.append(FileReport(str(path), kind, counts, note=note))
    return reports


# --- the metadata snapshot ------------------------------------------------------------------


def is_snapshot(path: Path) -> bool:
    """A JSON Lines file (gzipped or not) rather than a saved API page or listing."""
    try:
        with path.open("rb") as fh:
            head = fh.read(2)
            fh.seek(0)
            if head == GZIP_MAGIC:
                with gzip.GzipFile(fileobj=fh) as gz:
                    head = gz.read(4096)
            else:
                head = fh.read(4096)
    except (OSError, EOFError, zlib.error):
        return False
    return sniff(head) == "snapshot"


@dataclass
class SnapshotReport:
    path: str
    lines: int = 0  # lines read by this run
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    bad: int = 0
    bad_examples: list[str] = field(default_factory=list)
    resumed_at_line: int = 0  # lines a previous, interrupted run had already stored
    already_done: bool = False
    seconds: float = 0.0
    error: str | None = None  # the file itself broke off (a truncated download)

    @property
    def papers_per_second(self) -> float:
        return (self.new + self.updated + self.unchanged) / self.seconds if self.seconds else 0.0


@dataclass
class SnapshotProgress:
    done_bytes: int  # of the file on disk (compressed bytes for a .gz)
    total_bytes: int
    lines: int
    new: int
    bad: int


def file_key(path: Path) -> str:
    """The file's identity for resuming: its size and its first and last 64 KiB. A path
    can be renamed and a new snapshot can be saved under the old name."""
    size = path.stat().st_size
    digest = hashlib.sha256(str(size).encode())
    with path.open("rb") as fh:
        digest.update(fh.read(65536))
        fh.seek(max(0, size - 65536))
        digest.update(fh.read(65536))
    return "snapshot:" + digest.hexdigest()[:32]


def prepare_lines(first_line: int, lines: list[bytes]) -> tuple[list[Prepared], list[str]]:
    """Parse a batch of snapshot lines into rows (in a worker process): (papers, bad lines)."""
    from radar.sources.arxiv_snapshot import BadLine, parse_line
    from radar.store import prepare

    prepared: list[Prepared] = []
    bad: list[str] = []
    for number, line in enumerate(lines, start=first_line):
        if not line.strip():
            continue
        try:
            prepared.append(prepare(parse_line(line).paper))
        except BadLine as exc:
            bad.append(f"line {number}: {exc}")
    return prepared, bad


def _batches(stream: IO[bytes], first_line: int, size: int) -> Iterator[tuple[int, list[bytes], int]]:
    """(number of the first line, lines, bytes they take) from where the stream stands."""
    number = first_line
    while True:
        lines = list(islice(stream, size))
        if not lines:
            return
        yield number, lines, sum(len(line) for line in lines)
        number += len(lines)


def worker_count() -> int:
    """Processes that parse while this one writes: one fewer than the cores, at least one.
    On one core, parse in this process."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return min(4, cores - 1)


def import_snapshot(
    db: Database,
    path: Path,
    progress: Callable[[SnapshotProgress], None] | None = None,
    workers: int | None = None,
    batch_lines: int = BATCH_LINES,
) -> SnapshotReport:
    """Stream a snapshot into the store, batch by batch, each batch in one transaction
    together with how far the import got. Safe to interrupt and to run again: a finished
    file is not read twice, an interrupted one resumes at the first unstored batch."""
    started = time.perf_counter()
    report = SnapshotReport(str(path))
    try:
        total = path.stat().st_size
        key = file_key(path)
    except OSError as exc:
        raise RadarError(f"cannot read {path}: {exc.strerror}") from None
    state = db.execute("select offset, lines, finished_utc from imports where key = ?", [key]).fetchone()
    if state and state[2]:
        report.already_done = True
        return report
    offset, lines_done = (state[0], state[1]) if state else (0, 0)
    report.resumed_at_line = lines_done
    now = utc_now()
    if state is None:
        with db.atomic():
            db.execute(
                "insert into imports (key, path, offset, lines, new, updated, unchanged, bad, started_utc, "
                "updated_utc) values (?, ?, 0, 0, 0, 0, 0, 0, ?, ?)",
                [key, str(path), now, now],
            )
    workers = worker_count() if workers is None else workers
    raw = path.open("rb")
    compressed = raw.read(2) == GZIP_MAGIC
    raw.seek(0)
    stream: IO[bytes] = gzip.GzipFile(fileobj=raw) if compressed else raw  # type: ignore[assignment]
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=_spawn()) if workers > 0 else None
    try:
        if offset:
            stream.seek(offset)
        pending: deque[tuple[Future[Any] | tuple[list[Prepared], list[str]], int, int]] = deque()
        batches = _batches(stream, lines_done + 1, batch_lines)

        def store(result: tuple[list[Prepared], list[str]], nbytes: int, nlines: int) -> None:
            nonlocal offset, lines_done
            prepared, bad = result
            offset += nbytes
            lines_done += nlines

            def record_progress(counts: ImportCounts) -> None:
                db.execute(
                    "update imports set offset = ?, lines = ?, new = new + ?, updated = updated + ?, "
                    "unchanged = unchanged + ?, bad = bad + ?, updated_utc = ? where key = ?",
                    [
                        offset,
                        lines_done,
                        counts.new,
                        counts.updated,
                        counts.unchanged,
                        len(bad),
                        utc_now(),
                        key,
                    ],
                )

            saved = save_prepared(db, prepared, extra=record_progress)
            report.new += saved.new
            report.updated += saved.updated
            report.unchanged += saved.unchanged + len(saved.skipped)
            report.lines += nlines
            report.bad += len(bad)
            room = BAD_EXAMPLES - len(report.bad_examples)
            report.bad_examples.extend((bad + saved.skipped)[:room] if room > 0 else [])
            if progress is not None:
                progress(SnapshotProgress(raw.tell(), total, lines_done, report.new, report.bad))

        for first, lines, nbytes in batches:
            if pool is None:
                store(prepare_lines(first, lines), nbytes, len(lines))
                continue
            pending.append((pool.submit(prepare_lines, first, lines), nbytes, len(lines)))
            if len(pending) >= IN_FLIGHT * workers:
                future, nb, nl = pending.popleft()
                store(future.result(), nb, nl)  # type: ignore[union-attr]
        while pending:
            future, nb, nl = pending.popleft()
            store(future.result(), nb, nl)  # type: ignore[union-attr]
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        # A download that broke off: what was read is stored, and the next run resumes.
        report.error = f"{path}: the file ends early or is damaged ({exc}); the papers before that are stored"
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
        stream.close()
        raw.close()
    if report.error is None:
        with db.atomic():
            db.execute("update imports set finished_utc = ? where key = ?", [utc_now(), key])
        # Fresh statistics let the query planner pick the right index at millions of rows.
        db.execute("pragma optimize")
    report.seconds = time.perf_counter() - started
    return report


def _spawn() -> Any:
    import multiprocessing

    # A fresh interpreter, not a fork of one holding an open SQLite connection.
    return multiprocessing.get_context("spawn")
