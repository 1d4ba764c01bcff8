"""`radar import`: saved arXiv responses (API Atom pages, RSS or Atom listings) and arXiv's
metadata snapshot (JSON Lines, plain or gzipped) into the store.

`import_paths` takes each file as what it is (a snapshot is streamed in batches, anything
else parsed whole) and returns a report for each; nothing here prints. The caller holds
the store's writer lock (radar.lock) for the whole run."""

from __future__ import annotations

import gzip
import hashlib
import json
import time
import zlib
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from io import BufferedIOBase, BufferedReader
from pathlib import Path

from radar.database import Database
from radar.errors import BadResponseError, RadarError
from radar.ingest import save_papers, store_papers
from radar.model import Paper
from radar.store import (
    ImportCounts,
    Prepared,
    drop_bulk_indexes,
    link_versions,
    restore_indexes,
    unlinked_feed_papers,
    utc_now,
    write_cache,
    write_transaction,
)
from radar.workers import MAX_WORKERS, prepare_lines, start_pool, stop_pool, submit, worker_count

GZIP_MAGIC = b"\x1f\x8b"
# What reading a broken-off or corrupt (gzipped) file raises.
DAMAGED = (EOFError, gzip.BadGzipFile, zlib.error)
# Lines per batch: one transaction and one unit of resumption. Measured on 400,000
# lines: 2,000 imports 8% faster than 5,000 and peaks at 245 MB for radar and its worker
# together instead of 332 MB.
BATCH_LINES = 2_000
IN_FLIGHT = 2  # batches parsed ahead of the writer, per worker
BAD_EXAMPLES = 10
# A file this big is a bulk load: the store's random-order indexes are dropped for it and
# built again at its end (store.BULK_INDEXES), which keeps the import from slowing down.
BULK_BYTES = 256 * 1024 * 1024


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


IMPORTED = "arXiv snapshot JSON lines, an arXiv API response or an arXiv RSS listing"


def _refuse_what_is_not_imported(path: Path, content: bytes) -> None:
    """A clear word for files that are none of the three, rather than a parser's."""
    start = content.lstrip(b"\xef\xbb\xbf \t\r\n")
    if start[:1] not in (b"{", b"<"):
        raise BadResponseError(f"{path}: not a file radar imports ({IMPORTED})")
    head = content[:4096].lower()
    if b"<oai-pmh" in head:
        raise BadResponseError(f"{path}: an OAI-PMH response; radar harvest reads those from arXiv itself")
    if (b"<rdf:rdf" in head or b"<rss" in head) and b"arxiv" not in head:
        raise BadResponseError(
            f"{path}: a journal's feed, not arXiv's; follow it with radar follow --feed URL"
        )


def parse_file(path: Path) -> tuple[str, list[Paper], list[str], str | None]:
    """(kind, papers, skipped reasons, note) for one saved response; raises RadarError."""
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise RadarError(f"cannot read {path}: {exc.strerror}") from None
    if content[:2] == GZIP_MAGIC:
        # A saved response kept gzipped, or a snapshot cut off before its first line.
        try:
            content = gzip.decompress(content)
        except DAMAGED as exc:
            raise BadResponseError(f"{path} ends early or is damaged ({exc}); download it again") from None
    if not content.strip():
        raise BadResponseError(f"{path}: the file is empty")
    _refuse_what_is_not_imported(path, content)
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
    head = b""
    try:
        with path.open("rb") as raw, _decompressed(raw) as stream:
            while len(head) < 4096 and (chunk := stream.read1(4096 - len(head))):
                head += chunk
    except DAMAGED:
        # A download cut short within its first 4 KB: judge by what it holds, so the
        # import reports the damage rather than "not well-formed XML".
        pass
    except OSError:
        return False
    return sniff(head) == "snapshot"


def _decompressed(raw: BufferedReader) -> BufferedIOBase:
    """The file's content: gunzipped when it starts with gzip's magic bytes."""
    compressed = raw.read(2) == GZIP_MAGIC
    raw.seek(0)
    return gzip.GzipFile(fileobj=raw) if compressed else raw


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


def _batches(stream: BufferedIOBase, first_line: int, size: int) -> Iterator[tuple[int, list[bytes], int]]:
    """(number of the first line, lines, bytes they take) from where the stream stands.
    When the stream breaks off, the lines read before the break still come out first,
    then the error."""
    number = first_line
    while True:
        lines: list[bytes] = []
        try:
            for line in stream:
                lines.append(line)
                if len(lines) == size:
                    break
        except DAMAGED:
            if lines:
                yield number, lines, sum(len(line) for line in lines)
            raise
        if not lines:
            return
        yield number, lines, sum(len(line) for line in lines)
        number += len(lines)


def import_snapshot(
    db: Database,
    path: Path,
    progress: Callable[[SnapshotProgress], None] | None = None,
    workers: int | None = None,
    batch_lines: int = BATCH_LINES,
    note: Callable[[str], None] | None = None,
) -> SnapshotReport:
    """Stream a snapshot into the store, batch by batch, each batch in one transaction
    together with how far the import got. Safe to interrupt and to run again: a finished
    file is not read twice, an interrupted one resumes at the first unstored batch.
    The caller holds the store's writer lock (radar.lock) for the whole import."""
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
    # Where the file is now, in full: `radar status` names it, to be imported again from
    # anywhere.
    where = str(path.resolve())
    with db.atomic():
        db.execute(
            "insert into imports (key, path, offset, lines, new, updated, unchanged, bad, "
            "started_utc, updated_utc) values (?, ?, 0, 0, 0, 0, 0, 0, ?, ?) "
            "on conflict (key) do update set path = excluded.path",
            [key, where, now, now],
        )
    workers = min(MAX_WORKERS, worker_count() if workers is None else workers)
    bulk = total >= BULK_BYTES
    if bulk:
        with write_transaction(db):
            owed = json.loads(
                db.execute("select dropped_indexes_json from imports where key = ?", [key]).fetchone()[0]
                or "[]"
            )
            owed += drop_bulk_indexes(db)
            db.execute("update imports set dropped_indexes_json = ? where key = ?", [json.dumps(owed), key])

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
                    len(bad) + len(counts.skipped),
                    utc_now(),
                    key,
                ],
            )

        saved = store_papers(db, prepared, extra=record_progress, link=not bulk)
        report.new += saved.new
        report.updated += saved.updated
        # The same paper twice in one batch is stored once: the other is unchanged.
        report.unchanged += len(prepared) - saved.new - saved.updated - len(saved.skipped)
        report.lines += nlines
        report.bad += len(bad) + len(saved.skipped)
        room = BAD_EXAMPLES - len(report.bad_examples)
        if room > 0:
            report.bad_examples.extend((bad + saved.skipped)[:room])
        if progress is not None:
            progress(SnapshotProgress(raw.tell(), total, lines_done, report.new, report.bad))

    with write_cache(db), path.open("rb") as raw:
        stream = _decompressed(raw)
        pool = start_pool(workers) if workers > 0 else None
        pending: deque[tuple[Future[tuple[list[Prepared], list[str]]], int, int]] = deque()
        try:
            try:
                if offset:
                    stream.seek(offset)  # in a gzip file, by reading up to there
                for first, lines, nbytes in _batches(stream, lines_done + 1, batch_lines):
                    if pool is None:
                        store(prepare_lines(first, lines), nbytes, len(lines))
                        continue
                    pending.append((submit(pool, prepare_lines, first, lines), nbytes, len(lines)))
                    if len(pending) >= IN_FLIGHT * workers:
                        future, nb, nl = pending.popleft()
                        store(future.result(), nb, nl)
            except DAMAGED as exc:
                # A download that broke off: store everything read before the break.
                report.error = (
                    f"{path} ends early or is damaged ({exc}); the {lines_done + sum(n for _, _, n in pending):,} "
                    "lines before that are stored. Download it again and import the new copy"
                )
            while pending:
                future, nb, nl = pending.popleft()
                store(future.result(), nb, nl)
        except BaseException:
            # Interrupted (Ctrl-C) or failed: the batches still parsing are not wanted,
            # and the workers are killed rather than waited for.
            if pool is not None:
                stop_pool(pool, kill=True)
                pool = None
            raise
        finally:
            if pool is not None:
                stop_pool(pool)
            stream.close()
    # Also what an earlier, interrupted bulk import still owes.
    finish_bulk(db, note)
    if report.error is None:
        with db.atomic():
            db.execute("update imports set finished_utc = ? where key = ?", [utc_now(), key])
        # Fresh statistics let the query planner pick the right index at millions of rows.
        db.execute("pragma optimize")
    report.seconds = time.perf_counter() - started
    return report


def finish_bulk(db: Database, note: Callable[[str], None] | None = None) -> list[str]:
    """Build the indexes bulk imports dropped (this one's, and any an interrupted import
    left owing), then link journal papers to the arXiv papers that arrived meanwhile.
    Returns the files whose imports owed them. An interrupted import stays resumable:
    importing its file again reads the rest."""
    owing = db.execute(
        "select key, dropped_indexes_json, path from imports where dropped_indexes_json is not null"
    ).fetchall()
    built = []
    for owner, statements, path in owing:
        if note is not None:
            note("building the search indexes…")
        owed = json.loads(statements)
        # The index builds sort in the page cache's memory before they use files.
        with write_cache(db), write_transaction(db):
            restore_indexes(db, owed)
            db.execute("update imports set dropped_indexes_json = null where key = ?", [owner])
        if owed:
            built.append(path)
    if owing:
        with write_transaction(db):
            link_versions(db, unlinked_feed_papers(db))
    return built


# --- a run over several files (radar import FILE...) ---------------------------------------

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
