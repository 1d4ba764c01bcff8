"""radar's schema, as numbered migrations applied on every open.

A released migration is never edited: change the schema by adding the next one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlite_utils import Database

    import radar.database


MIGRATION_SET = "radar"
Step = Callable[["Database"], None]
STEPS: list[Step] = []


def step(fn: Step) -> Step:
    STEPS.append(fn)
    return fn


def pending(db: radar.database.Database) -> list[str]:
    """The names of the steps not yet applied to this store, read without sqlite-utils.

    Opening a store checks this every time; importing sqlite-utils would cost more than
    most commands' own work.
    """
    names = [fn.__name__ for fn in STEPS]
    if "_sqlite_migrations" not in db.table_names():
        return names
    applied = {
        row[0]
        for row in db.execute("select name from _sqlite_migrations where migration_set = ?", [MIGRATION_SET])
    }
    return [name for name in names if name not in applied]


def apply(db: radar.database.Database) -> None:
    """Apply the pending steps, each in a savepoint with its record (sqlite-utils' Migrations)."""
    from sqlite_utils import Migrations

    migrations = Migrations(MIGRATION_SET)
    for fn in STEPS:
        migrations()(fn)
    migrations.apply(db.utils)


@step
def m001_papers(db: Database) -> None:
    db.table("papers").create(
        {
            "id": str,  # versionless arXiv id: 2511.05963, hep-th/9901001
            "version": int,  # the newest version radar has seen
            "title": str,
            "abstract": str,
            "authors_json": str,  # [{"name": ..., "affiliations": [...]}, ...] in paper order
            "primary_category": str,
            "categories_json": str,  # primary first
            "published_utc": str,  # v1 submission time
            "updated_utc": str,  # newest version's submission time
            "comment": str,
            "journal_ref": str,
            "doi": str,
            "announce_type": str,  # new / cross / replace / replace-cross
            "announced_date": str,  # the listing day, when a listing said
            "listing_date": str,  # announced_date, else the newest version's submission day
            "first_seen_utc": str,
            "changed_utc": str,  # when radar last stored a change to this row
        },
        pk="id",
        not_null={"version", "title", "listing_date", "first_seen_utc", "changed_utc"},
    )
    db.table("papers").create_index(["listing_date"])
    db.table("papers").enable_fts(["title", "abstract"], create_triggers=True, tokenize="porter")

    # One row per author position, so following a person is an index look-up on the
    # normalised surname and never a scan of the papers.
    db.table("paper_authors").create(
        {"paper_id": str, "position": int, "name": str, "name_key": str},
        pk=("paper_id", "position"),
        foreign_keys=[("paper_id", "papers", "id")],
    )
    db.table("paper_authors").create_index(["name_key"])

    db.table("paper_categories").create(
        {"paper_id": str, "category": str},
        pk=("paper_id", "category"),
        foreign_keys=[("paper_id", "papers", "id")],
    )
    db.table("paper_categories").create_index(["category", "paper_id"])

    # Every version radar has seen, so an update is remembered as one.
    db.table("paper_versions").create(
        {"paper_id": str, "version": int, "updated_utc": str, "seen_utc": str},
        pk=("paper_id", "version"),
        foreign_keys=[("paper_id", "papers", "id")],
    )


@step
def m002_follows(db: Database) -> None:
    db.table("follows").create(
        {
            "id": int,
            "kind": str,  # author / category / topic
            "value": str,  # as shown to the user
            "key": str,  # normalised, for uniqueness: "krish sharma", "cs.LG", "world models"
            "created_utc": str,
        },
        pk="id",
        not_null={"kind", "value", "key", "created_utc"},
    )
    db.table("follows").create_index(["kind", "key"], unique=True)

    # Why a paper is on the radar: one row per (follow, paper), with the reason shown on cards.
    db.table("matches").create(
        {
            "follow_id": int,
            "paper_id": str,
            "strength": str,  # exact / initial (authors), phrase (topics), primary / cross (categories)
            "reason": str,
            "matched_name": str,  # the author name as printed on the paper, for author follows
            "matched_utc": str,
        },
        pk=("follow_id", "paper_id"),
        foreign_keys=[("follow_id", "follows", "id"), ("paper_id", "papers", "id")],
    )
    db.table("matches").create_index(["paper_id"])


@step
def m003_fetch_state(db: Database) -> None:
    # What each source has seen, so the next fetch asks only for what is new: per-follow
    # watermarks for API queries, ETag / Last-Modified and the listing day for feeds.
    db.table("fetch_state").create(
        {
            "key": str,  # author:<follow id>, topic:<follow id>, listing:<cat+cat>
            "etag": str,
            "last_modified": str,
            "watermark_utc": str,  # newest version time seen; the next query stops there
            "last_total": int,  # totalResults last time: an empty answer after this is suspect
            "last_listing_date": str,
            "last_success_utc": str,
            "last_attempt_utc": str,
            "last_error": str,
        },
        pk="key",
    )
    db.table("fetch_runs").create(
        {
            "id": int,
            "started_utc": str,
            "finished_utc": str,
            "new": int,
            "updated": int,
            "requests": int,
            "ok": int,
            "errors_json": str,
        },
        pk="id",
    )


@step
def m004_briefs(db: Database) -> None:
    # Every model answer, keyed by a hash of model, prompt version and messages:
    # re-running the same brief costs nothing.
    db.table("llm_cache").create(
        {
            "key": str,
            "model": str,
            "response": str,
            "prompt_tokens": int,
            "completion_tokens": int,
            "created_utc": str,
        },
        pk="key",
    )
    db.table("llm_calls").create(
        {
            "id": int,
            "created_utc": str,
            "model": str,
            "purpose": str,  # brief / notes / merge
            "prompt_tokens": int,
            "completion_tokens": int,
            "cost_usd": float,
            "duration_ms": int,
            "cached": int,
        },
        pk="id",
    )
    db.table("briefs").create(
        {
            "id": int,
            "created_utc": str,
            "model": str,  # empty for an offline brief
            "prompt_version": str,
            "lang": str,
            "window_start": str,
            "window_end": str,
            "paper_ids_json": str,
            "cited_ids_json": str,
            "markdown": str,
        },
        pk="id",
    )


@step
def m005_reading_and_feedback(db: Database) -> None:
    # Which papers the reader has seen: shown on a `radar today` page, or marked read.
    db.table("reads").create({"paper_id": str, "how": str, "read_utc": str}, pk="paper_id")
    # Stars raise similar papers, hides lower them.
    db.table("feedback").create({"paper_id": str, "verdict": str, "created_utc": str}, pk="paper_id")
    db.table("mutes").create(
        {"id": int, "kind": str, "value": str, "key": str, "created_utc": str},
        pk="id",
        not_null={"kind", "value", "key", "created_utc"},
    )
    db.table("mutes").create_index(["kind", "key"], unique=True)


@step
def m006_reindex_only_changed_text(db: Database) -> None:
    # sqlite-utils' update trigger re-indexes every updated row; most updates (a listing
    # filling in announce data) leave the text alone, so re-index only when it changed.
    db.execute("drop trigger if exists papers_au")
    db.execute(
        """
        create trigger "papers_au" after update on "papers"
        when old."title" is not new."title" or old."abstract" is not new."abstract"
        begin
          insert into "papers_fts" ("papers_fts", rowid, "title", "abstract")
            values('delete', old.rowid, old."title", old."abstract");
          insert into "papers_fts" (rowid, "title", "abstract") values (new.rowid, new."title", new."abstract");
        end
        """
    )


@step
def m007_journal_feeds(db: Database) -> None:
    # Papers from followed RSS/Atom feeds (journals, conferences) live beside arXiv's.
    papers = db.table("papers")
    papers.add_column("source", str)  # feed:<follow id> for a feed's papers; null for arXiv
    papers.add_column("source_name", str)  # the feed's title: "Nature Machine Intelligence"
    papers.add_column("url", str)  # the entry's own link, for papers outside arXiv
    papers.add_column("linked_to", str)  # the arXiv paper this is a version of: never shown twice
    # Keys that find the same paper from two places: the DOI in lower case, and the
    # title's words.
    papers.add_column("doi_key", str)
    papers.add_column("title_key", str)
    papers.create_index(["source"])
    papers.create_index(["doi_key"])
    papers.create_index(["title_key"])
    from radar.names import normalise

    db.execute("update papers set doi_key = lower(doi) where doi is not null")
    db.conn.create_function("radar_title_key", 1, normalise, deterministic=True)
    db.execute("update papers set title_key = radar_title_key(title)")


@step
def m008_similar_papers(db: Database) -> None:
    # Which papers resemble each starred or hidden one, worked out when a star is given
    # or papers arrive (FTS5 bm25 is costly), so `radar today` only reads it.
    db.table("feedback").add_column("query", str)  # the example's telling words, as FTS5 OR query
    db.table("feedback").add_column("threshold", float)  # half the example's own score
    db.table("similar").create(
        {"paper_id": str, "example_id": str},
        pk=("paper_id", "example_id"),
        foreign_keys=[("paper_id", "papers", "id")],
    )
    db.table("similar").create_index(["example_id"])


@step
def m009_snapshot_imports(db: Database) -> None:
    # How far each bulk snapshot import got, committed with each batch of papers, so a
    # killed import of a multi-gigabyte file resumes where it stopped.
    db.table("imports").create(
        {
            "key": str,  # the file's identity: its size and a hash of its first and last bytes
            "path": str,
            "offset": int,  # bytes of the (uncompressed) stream read and stored
            "lines": int,
            "new": int,
            "updated": int,
            "unchanged": int,
            "bad": int,
            "started_utc": str,
            "updated_utc": str,
            "finished_utc": str,
            # CREATE INDEX statements a bulk import dropped and owes back (JSON list).
            "dropped_indexes_json": str,
        },
        pk="key",
    )


@step
def m010_fts_automerge(db: Database) -> None:
    # FTS5 merges index segments once 4 of a size exist; at 8 a bulk import writes about
    # 15% faster, and queries measured no slower (benchmarks/bench_scale.py).
    db.execute("insert into papers_fts (papers_fts, rank) values ('automerge', 8)")


@step
def m011_counts_and_name_lookups(db: Database) -> None:
    # `radar following` shows how many papers each follow matches; counting them took a
    # scan of every match (a million rows with the whole of arXiv stored). The count is
    # kept here instead, by the code that adds and removes matches (radar.follows).
    db.table("follows").add_column("matched", int, not_null_default=0)
    db.execute("update follows set matched = (select count(*) from matches m where m.follow_id = follows.id)")
    # Following a person reads the distinct spellings under a surname (thousands of rows
    # for "Wang"): with the name in the index, that is an index scan, not a table lookup
    # per row.
    db.execute("drop index if exists idx_paper_authors_name_key")
    db.execute("create index idx_paper_authors_name_key_name on paper_authors (name_key, name)")


@step
def m012_listing_index_covers_ranking(db: Database) -> None:
    # `radar today` reads a listing day's papers to rank them. With the columns it reads
    # in the index, it never loads the rows themselves (abstracts and author lists, a
    # page or more each): 21 ms down to a few for a day with 3 million papers stored.
    db.execute("drop index if exists idx_papers_listing_date")
    db.execute(
        "create index idx_papers_listing_date on papers "
        "(listing_date, id, announce_type, updated_utc, published_utc, linked_to)"
    )


@step
def m013_metadata_date(db: Database) -> None:
    # The day a paper's metadata is known to be current as of: the day before radar
    # fetched it, or the record's own date in a harvest (datestamp) or the snapshot
    # (update_date). A record dated later corrects the same version's metadata (a
    # cross-list or journal reference added since); an older one does not undo a newer
    # one. Undated rows (from before this column, or from saved responses) count as of
    # their version's submission day.
    db.table("papers").add_column("metadata_date", str)


@step
def m014_author_names_cover_papers(db: Database) -> None:
    # Following a person, or searching their papers, reads the paper of every row under
    # their spellings. With the paper id in the index that is one range of the index, not
    # a table lookup a row: 1,956 papers took 29 ms and now take 1 ms at 3 million
    # papers, for 3% more index. Same name, so a bulk import's list of indexes to drop
    # and rebuild (radar.store.BULK_INDEXES) still holds it.
    import json

    create = "CREATE INDEX idx_paper_authors_name_key_name on paper_authors (name_key, name, paper_id)"
    owed = False
    for key, statements in db.execute(
        "select key, dropped_indexes_json from imports where dropped_indexes_json is not null"
    ).fetchall():
        # An interrupted bulk import dropped the index and builds it when it finishes:
        # it is given the new definition to build.
        old = json.loads(statements)
        new = [create if " idx_paper_authors_name_key_name " in sql else sql for sql in old]
        if new != old:
            owed = True
            db.execute("update imports set dropped_indexes_json = ? where key = ?", [json.dumps(new), key])
    if not owed:
        db.execute("drop index if exists idx_paper_authors_name_key_name")
        db.execute(create)


@step
def m015_matches_by_breadth(db: Database) -> None:
    # Matches are looked up by paper (is it followed? by whom?) through an index on the
    # paper id. With categories followed, that index holds a million entries, and the
    # 1,400 papers of a person with a long history fall on 1,400 different pages of it:
    # following them wrote back 20 MB, the whole index. With the breadth first, a
    # person's matches go to the small part of the index that people's follows share.
    # A lookup by paper asks both parts (store.ANY_BREADTH), and the kind of follow is
    # still read from follows: the column only says where a match is indexed. Rows from
    # before are marked by their follow's kind.
    db.execute("alter table matches add column broad integer not null default 1")
    db.execute(
        "update matches set broad = 0 where follow_id in (select id from follows where kind = 'author')"
    )
    db.execute("drop index if exists idx_matches_paper_id")
    db.execute("create index idx_matches_broad_paper_id on matches (broad, paper_id)")


@step
def m016_similarity_owed(db: Database) -> None:
    # Papers that arrive or change while stars or hides exist are listed here, and judged
    # against them when a window first shows them (radar.feedback), instead of by one
    # full-text query per star and hide for every batch a fetch or an import stores.
    db.execute("create table similarity_owed (paper_id text primary key) without rowid")


@step
def m017_library(db: Database) -> None:
    # The reader's library (BibTeX, CSL-JSON or RIS files they keep elsewhere): a signal
    # of interest for ranking. Each entry keeps its own text, so an entry with no arXiv
    # version still counts; `paper_id` is the arXiv id it resolved to, when it did.
    db.execute(
        "create table library_entries ("
        " key text primary key,"  # the entry's own key (citation key, CSL id, RIS ID) or a title hash
        " source_file text not null,"  # the file it was last imported from, as given
        " paper_id text,"  # arXiv id without version, or null when unresolved
        " title text not null,"
        " abstract text,"
        " authors_json text,"  # ["First Last", ...]
        " year integer,"
        " doi text,"
        " added_utc text,"  # the file's date-added, when it has one
        " imported_utc text not null,"
        " resolution text,"  # how it resolved (eprint, url, doi, title) or why not
        " paper_text_only integer not null default 0"  # 1: no arXiv version; ranked by its own text
        ")"
    )
    db.execute("create index idx_library_entries_paper_id on library_entries (paper_id)")


@step
def m018_search_text_folds_latex_accents(db: Database) -> None:
    # arXiv writes "K\"ahler" and "Koll\'ar"; indexed as they are, they were the tokens
    # "k", "ahler", "koll", "ar", and no search for Kahler or Kähler found them. The index
    # now holds radar_search_text() of each column (radar.latex: accents decoded), and its
    # tokenizer (porter over unicode61, whose remove_diacritics folds ä to a) does the rest.
    # It stays an external-content index on `papers`, so Datasette's `_search` uses it;
    # the stored title and abstract stay as arXiv gave them. Deleting from such an index
    # takes the text that was indexed, so every trigger passes the same function.
    fold = "radar_search_text"
    for name in ("papers_ai", "papers_ad", "papers_au"):
        db.execute(f"drop trigger if exists {name}")
    delete = (
        'insert into "papers_fts" ("papers_fts", rowid, "title", "abstract") '
        f'values(\'delete\', old.rowid, {fold}(old."title"), {fold}(old."abstract"));'
    )
    insert = (
        'insert into "papers_fts" (rowid, "title", "abstract") '
        f'values (new.rowid, {fold}(new."title"), {fold}(new."abstract"));'
    )
    db.execute(f'create trigger "papers_ai" after insert on "papers" begin {insert} end')
    db.execute(f'create trigger "papers_ad" after delete on "papers" begin {delete} end')
    db.execute(
        'create trigger "papers_au" after update on "papers" '
        'when old."title" is not new."title" or old."abstract" is not new."abstract" '
        f"begin {delete} {insert} end"
    )
    # Only rows whose text the function changes are indexed again: those with an accent
    # command, a few in a hundred. A scan for a backslash (in C) finds the candidates;
    # rebuilding the whole index would cost as much as importing every paper again.
    db.execute(
        "create temp table refold as select rowid as r from papers "
        "where (instr(title, '\\') > 0 or instr(abstract, '\\') > 0) "
        f"and ({fold}(title) is not title or {fold}(abstract) is not abstract)"
    )
    db.execute(
        'insert into "papers_fts" ("papers_fts", rowid, "title", "abstract") '
        "select 'delete', p.rowid, p.title, p.abstract from papers p join temp.refold f on p.rowid = f.r"
    )
    db.execute(
        'insert into "papers_fts" (rowid, "title", "abstract") '
        f"select p.rowid, {fold}(p.title), {fold}(p.abstract) from papers p join temp.refold f on p.rowid = f.r"
    )
    db.execute("drop table temp.refold")


@step
def m019_citation_keys(db: Database) -> None:
    # A paper's citation key is decided the first time radar exports it and kept: a new
    # version that changes the title or the first author must not break every \cite and
    # [@key] written against the old key. Unique, so two papers never share one.
    db.execute(
        "create table citation_keys (paper_id text primary key, key text not null unique) without rowid"
    )


@step
def m020_deliveries(db: Database) -> None:
    # radar send: what went where. A destination is an Apprise URL, which carries
    # passwords and tokens, so it is stored only as a hash (the key) and a masked form
    # for people (`shown`). `sent` is per destination and apart from `reads`: a card shown
    # by radar today, or written as HTML, has still not been sent anywhere.
    db.execute(
        "create table sent ("
        " destination text not null,"  # a hash of the Apprise URL (radar.send.destination_key)
        " paper_id text not null,"
        " sent_utc text not null,"
        " primary key (destination, paper_id)"
        ") without rowid"
    )
    db.execute(
        "create table deliveries ("
        " id integer primary key,"
        " destination text not null,"  # the same hash as in sent
        " shown text not null,"  # the URL with its secrets masked
        " kind text not null,"  # digest / brief
        " started_utc text not null,"
        " finished_utc text,"
        " ok integer not null default 0,"
        " papers integer not null default 0,"
        " attempts integer not null default 0,"
        " content_hash text,"  # sha256 of a brief's text, so --unread sends it once
        " error text"  # one line, secrets masked
        ")"
    )
    db.execute("create index idx_deliveries_destination on deliveries (destination, id)")


@step
def m021_relevance(db: Database) -> None:
    # The interest model, as plain data (never a pickle: a foreign or old file must not
    # run code when it is loaded): its vocabulary, idf and weights as JSON, the format it
    # was written in, and a hash of the signals it learned from, so a change in stars,
    # hides, the library or follows is seen by comparing hashes. One row: the newest.
    db.execute(
        "create table relevance_models ("
        " id integer primary key,"
        " format integer not null,"  # relevance.MODEL_FORMAT when written; newer is refused
        " created_utc text not null,"
        " signals_hash text not null,"
        " recipe text not null,"  # what it is, in words
        " counts_json text not null,"  # {"star": n, "hide": n, "library": n, ...}
        " vocabulary_json text not null,"  # ["term", ...] in feature order
        " idf_json text not null,"  # [float, ...]
        " weights_json text not null,"  # [float, ...]
        " intercept real not null,"
        " examples_json text not null,"  # liked papers as sparse vectors, for "close to ..."
        " dense_json text"  # with embeddings: the model name, liked centroid, z-score statistics
        ")"
    )
    # Embeddings of texts (papers, library entries) by model: computed once, kept.
    db.execute(
        "create table relevance_embeddings ("
        " model text not null,"
        " text_hash text not null,"  # sha256 of the text embedded
        " vector_json text not null,"
        " primary key (model, text_hash)"
        ") without rowid"
    )
    # A paper's score under one model, with why, written when a window first shows it.
    db.execute(
        "create table relevance_scores ("
        " model_id integer not null,"
        " paper_id text not null,"
        " score real not null,"
        " explain_json text not null,"  # {"terms": [...], "near": [[kind, title, similarity], ...]}
        " scored_utc text not null,"  # a paper changed since (a new version) is scored again
        " primary key (model_id, paper_id)"
        ") without rowid"
    )


@step
def m022_person_follows(db: Database) -> None:
    # Which of several people sharing a name a follow means, as plain data: {"like":
    # [paper ids of theirs], "not_like": [ids of other people's], "categories": [...]}.
    # Null: the follow counts every paper with the name, as before.
    db.execute("alter table follows add column person_json text")
