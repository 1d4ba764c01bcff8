"""The interest model: what the reader cares about, learned from what they told radar.

Signals, all read from the store:
- stars (strong positive) and hides (strong negative);
- the reader's library (`library_entries`), newer entries weighing more, as in
  zotero-arxiv-daily: w = 1 / (1 + log10(rank by date added));
- papers by followed authors (a weak positive) and topic follows (their phrase as text).

The model is scikit-learn's TF-IDF over title + abstract (word uni- and bigrams, sublinear
tf, English stop words, a capped vocabulary) and a class-balanced logistic regression of
those positives against the hides and a random sample of the store (`fit`; the benchmark
in benchmarks/bench_relevance.py runs this same function). It is stored as plain data in
`relevance_models` (vocabulary, idf, weights, intercept as JSON; never a pickle), with a
hash of the signals it learned from.

When things happen:
- the signals hash is computed from a few small tables every time ranking needs scores;
  a model whose hash differs (a star, a hide, a library change, a follow) is retrained;
- a paper is scored the first time a window shows it under the current model, and its
  score and explanation are written to `relevance_scores`. A bulk import or harvest
  scores nothing.
So when nothing changed and every paper of the window is scored, ranking reads stored
numbers and neither scikit-learn nor numpy is imported.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from radar.database import Database
from radar.store import BUSY_TIMEOUT_S, chunks, placeholders, utc_now

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

MODEL_FORMAT = 1
RECIPE = "tf-idf (title + abstract, uni+bigrams, sublinear tf) + class-balanced logistic regression"
MAX_FEATURES = 20_000
C = 1.0
BACKGROUND = 2_000  # papers sampled from the store as "not (yet) liked"
BACKGROUND_WEIGHT = 1.0
HIDE_WEIGHT = 2.0
STAR_WEIGHT = 2.0
AUTHOR_WEIGHT = 0.3
AUTHOR_PAPERS = 200  # the newest papers of followed authors, at most
TOPIC_WEIGHT = 1.0
MAX_EXAMPLES = 1_000  # liked papers kept for "close to ..."
NEAR = 0.15  # cosine similarity for "close to ..."
SHOWN_TERMS = 2
EXPLAINED_TERMS = 6
EXPLAINED_NEAR = 3


@dataclass
class Example:
    """One signal as text: a starred, hidden, library or followed author's paper, or a
    topic phrase."""

    kind: str  # star, library, author, topic, hide
    title: str
    text: str
    weight: float
    paper_id: str | None = None


@dataclass
class Relevance:
    """A paper's score under the current model, and why."""

    score: float
    terms: list[str] = field(default_factory=list)
    near: list[tuple[str, str, float]] = field(default_factory=list)  # (kind, title, similarity)

    def reasons(self, terms: int = SHOWN_TERMS, near: int = 2) -> list[str]:
        said = [close_to(kind, title) for kind, title, _ in self.near[:near]]
        if self.terms[:terms]:
            said.append("weighs: " + ", ".join(self.terms[:terms]))
        return said


@dataclass
class Scores:
    """What ranking needs: a score for each asked paper (none without signals)."""

    model_id: int | None
    by_id: dict[str, Relevance]
    notices: list[str] = field(default_factory=list)  # for people, e.g. a refused model


WHERE = {"library": "in your library", "star": "you starred", "author": "by an author you follow"}


def close_to(kind: str, title: str) -> str:
    short = title if len(title) <= 60 else title[:57].rsplit(" ", 1)[0] + "…"
    if kind == "topic":
        return f"close to your topic '{short}'"
    return f"close to '{short}' {WHERE.get(kind, 'that you like')}"


# --- signals --------------------------------------------------------------------------------


def _signal_rows(db: Database) -> dict[str, list[Any]]:
    return {
        "feedback": db.execute(
            "select paper_id, verdict from feedback where verdict in ('star', 'hide') order by paper_id"
        ).fetchall(),
        "library": db.execute(
            "select key, paper_id, title, length(coalesce(abstract, '')), added_utc from library_entries order by key"
        ).fetchall(),
        "follows": db.execute(
            "select kind, key from follows where kind in ('author', 'topic') order by kind, key"
        ).fetchall(),
    }


def signals_hash(db: Database) -> str | None:
    """A hash of every signal the model learns from; None when there is none."""
    rows = _signal_rows(db)
    if not any(rows.values()):
        return None
    data = json.dumps([MODEL_FORMAT, RECIPE, rows], default=str)
    return hashlib.sha256(data.encode()).hexdigest()


def library_weights(added: Sequence[str | None]) -> list[float]:
    """zotero-arxiv-daily's weights: 1 / (1 + log10(rank by date added)), newest rank 1.
    Entries without a date weigh as the middle of the library does; with no dates at
    all, every entry weighs 1."""
    if not any(added):
        return [1.0] * len(added)
    order = sorted((a for a in added if a), reverse=True)
    rank = {a: order.index(a) + 1 for a in reversed(order)}
    middle = 1 / (1 + math.log10(max(1, (len(added) + 1) // 2)))
    return [1 / (1 + math.log10(rank[a])) if a else middle for a in added]


def gather(db: Database) -> tuple[list[Example], list[Example]]:
    """The liked examples and the hidden ones."""
    liked: list[Example] = []
    hidden: list[Example] = []
    fb = db.execute(
        "select p.id, p.title, coalesce(p.abstract, ''), f.verdict from feedback f join papers p on p.id = f.paper_id "
        "where f.verdict in ('star', 'hide') order by f.created_utc desc, p.id"
    ).fetchall()
    for pid, title, abstract, verdict in fb:
        if verdict == "star":
            liked.append(Example("star", title, f"{title} {abstract}", STAR_WEIGHT, pid))
        else:
            hidden.append(Example("hide", title, f"{title} {abstract}", HIDE_WEIGHT, pid))
    lib = db.execute(
        "select l.paper_id, coalesce(p.title, l.title), coalesce(p.abstract, l.abstract, ''), l.added_utc "
        "from library_entries l left join papers p on p.id = l.paper_id order by l.key"
    ).fetchall()
    for (pid, title, abstract, _), weight in zip(lib, library_weights([r[3] for r in lib]), strict=True):
        liked.append(Example("library", title, f"{title} {abstract}", weight, pid))
    authors = db.execute(
        "select p.id, p.title, coalesce(p.abstract, '') from papers p where p.id in ("
        " select m.paper_id from matches m join follows f on f.id = m.follow_id"
        " where f.kind = 'author' and m.broad = 0)"
        " order by p.listing_date desc, p.id limit ?",
        [AUTHOR_PAPERS],
    ).fetchall()
    seen = {e.paper_id for e in liked + hidden if e.paper_id}
    for pid, title, abstract in authors:
        if pid not in seen:
            liked.append(Example("author", title, f"{title} {abstract}", AUTHOR_WEIGHT, pid))
    for (phrase,) in db.execute("select value from follows where kind = 'topic' order by id"):
        liked.append(Example("topic", phrase, phrase, TOPIC_WEIGHT))
    return liked, hidden


def background(db: Database, exclude: set[str], size: int, seed: str) -> list[str]:
    """Texts of up to `size` papers drawn at random from the store (by rowid, so a store
    of millions costs no more than a small one)."""
    top = db.execute("select max(rowid) from papers").fetchone()[0] or 0
    if top == 0:
        return []
    rng = random.Random(seed)
    if top <= size * 2:
        wanted = list(range(1, top + 1))
    else:
        wanted = sorted({rng.randrange(1, top + 1) for _ in range(size * 2)})
    texts: list[str] = []
    for part in chunks(wanted):
        rows = db.execute(
            f"select id, title, coalesce(abstract, '') from papers where rowid in ({placeholders(part)})",
            list(part),
        ).fetchall()
        texts += [f"{t} {a}" for pid, t, a in rows if pid not in exclude]
    rng.shuffle(texts)
    return texts[:size]


# --- the recipe (used by radar and by the benchmark) -----------------------------------------


@dataclass
class Fitted:
    vocabulary: list[str]
    idf: list[float]
    weights: list[float]
    intercept: float


def vectorizer(vocabulary: list[str] | None = None) -> Any:
    from sklearn.feature_extraction.text import CountVectorizer

    return CountVectorizer(
        ngram_range=(1, 2),
        stop_words="english",
        max_features=MAX_FEATURES,
        vocabulary=None if vocabulary is None else {t: i for i, t in enumerate(vocabulary)},
        dtype=float,
    )


def tfidf(counts: Any, idf: Any) -> csr_matrix:
    """Sublinear tf times idf, each row of unit length (scikit-learn's TfidfTransformer)."""
    import numpy as np
    from sklearn.preprocessing import normalize

    x = counts.tocsr(copy=True)
    x.data = 1.0 + np.log(x.data)
    x = x.multiply(idf).tocsr()
    return normalize(x)


def fit(
    positives: Sequence[tuple[str, float]], negatives: Sequence[tuple[str, float]], c: float = C
) -> Fitted | None:
    """Learn the liked texts (with weights) against the others; None with no positive."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    if not positives:
        return None
    texts = [t for t, _ in positives] + [t for t, _ in negatives]
    counter = vectorizer()
    try:
        counts = counter.fit_transform(texts)
    except ValueError:  # nothing but stop words
        return None
    n = counts.shape[0]
    df = np.bincount(counts.tocsr().indices, minlength=counts.shape[1])
    idf = np.log((1 + n) / (1 + df)) + 1.0
    x = tfidf(counts, idf)
    y = np.array([1] * len(positives) + [0] * len(negatives))
    weights = np.array([w for _, w in positives] + [w for _, w in negatives], dtype=float)
    if not negatives:
        # Nothing to tell them from: the liked terms weigh by their idf-weighted mean.
        coef = np.asarray(x.multiply(weights[:, None]).sum(axis=0)).ravel() / max(1e-9, weights.sum())
        intercept = 0.0
    else:
        model = LogisticRegression(C=c, class_weight="balanced", max_iter=1000)
        model.fit(x, y, sample_weight=weights)
        coef = model.coef_.ravel()
        intercept = float(model.intercept_[0])
    vocab = [""] * len(counter.vocabulary_)
    for term, i in counter.vocabulary_.items():
        vocab[i] = term
    return Fitted(vocab, [float(v) for v in idf], [float(v) for v in coef], intercept)


def transform(fitted: Fitted, texts: Sequence[str]) -> csr_matrix:
    import numpy as np

    counts = vectorizer(fitted.vocabulary).transform(texts)
    return tfidf(counts, np.array(fitted.idf))


# --- the stored model ------------------------------------------------------------------------


@dataclass
class StoredModel:
    id: int
    fitted: Fitted
    examples: list[dict[str, Any]]  # {"kind", "title", "terms": {index: value}}


def _model_head(db: Database) -> tuple[int, int, str] | None:
    row = db.execute(
        "select id, format, signals_hash from relevance_models order by id desc limit 1"
    ).fetchone()
    return (row[0], row[1], row[2]) if row else None


def load_model(db: Database, model_id: int) -> StoredModel:
    row = db.execute(
        "select vocabulary_json, idf_json, weights_json, intercept, examples_json from relevance_models where id = ?",
        [model_id],
    ).fetchone()
    fitted = Fitted(json.loads(row[0]), json.loads(row[1]), json.loads(row[2]), float(row[3]))
    return StoredModel(model_id, fitted, json.loads(row[4]))


def train(db: Database, signals: str) -> int | None:
    """Learn from the signals now stored and keep the model as the only row; returns its id."""
    liked, hidden = gather(db)
    exclude = {e.paper_id for e in liked + hidden if e.paper_id}
    negatives = [(e.text, e.weight) for e in hidden] + [
        (t, BACKGROUND_WEIGHT) for t in background(db, exclude, BACKGROUND, signals)
    ]
    fitted = fit([(e.text, e.weight) for e in liked], negatives)
    if fitted is None:
        return None
    shown = [e for e in liked if e.kind != "author"][:MAX_EXAMPLES]
    shown += [e for e in liked if e.kind == "author"][: max(0, MAX_EXAMPLES - len(shown))]
    examples: list[dict[str, Any]] = []
    if shown:
        x = transform(fitted, [e.text for e in shown])
        for i, e in enumerate(shown):
            row = x.getrow(i)
            examples.append(
                {
                    "kind": e.kind,
                    "title": e.title,
                    "terms": {
                        str(int(j)): round(float(v), 5) for j, v in zip(row.indices, row.data, strict=True)
                    },
                }
            )
    counts: dict[str, int] = {}
    for e in liked + hidden:
        counts[e.kind] = counts.get(e.kind, 0) + 1
    with db.atomic():
        db.execute("delete from relevance_scores")
        db.execute("delete from relevance_models")
        cursor = db.execute(
            "insert into relevance_models (format, created_utc, signals_hash, recipe, counts_json, vocabulary_json, "
            "idf_json, weights_json, intercept, examples_json) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                MODEL_FORMAT,
                utc_now(),
                signals,
                RECIPE,
                json.dumps(counts),
                json.dumps(fitted.vocabulary),
                json.dumps([round(v, 6) for v in fitted.idf]),
                json.dumps([round(v, 6) for v in fitted.weights]),
                fitted.intercept,
                json.dumps(examples),
            ],
        )
    return cursor.lastrowid


def explain(model: StoredModel, texts: Sequence[str]) -> list[Relevance]:
    """Each text's score, the terms that weighed most for it and the liked papers nearest."""
    import numpy as np
    from scipy.sparse import csr_matrix

    if not texts:
        return []
    fitted = model.fitted
    x = transform(fitted, texts)
    w = np.array(fitted.weights)
    scores = x @ w + fitted.intercept
    near_sim = None
    if model.examples:
        rows, cols, vals = [], [], []
        for i, e in enumerate(model.examples):
            for j, v in e["terms"].items():
                rows.append(i)
                cols.append(int(j))
                vals.append(v)
        examples = csr_matrix((vals, (rows, cols)), shape=(len(model.examples), len(fitted.vocabulary)))
        near_sim = (x @ examples.T).toarray()
    found: list[Relevance] = []
    for i in range(len(texts)):
        row = x.getrow(i)
        contrib = sorted(
            ((float(v) * w[j], int(j)) for j, v in zip(row.indices, row.data, strict=True)), reverse=True
        )
        terms = [fitted.vocabulary[j] for c, j in contrib if c > 0]
        terms = _distinct(terms)[:EXPLAINED_TERMS]
        near: list[tuple[str, str, float]] = []
        if near_sim is not None:
            for k in np.argsort(-near_sim[i])[:EXPLAINED_NEAR]:
                sim = float(near_sim[i][k])
                if sim >= NEAR:
                    e = model.examples[int(k)]
                    near.append((e["kind"], e["title"], round(sim, 3)))
        found.append(Relevance(float(scores[i]), terms, near))
    return found


def _distinct(terms: list[str]) -> list[str]:
    """Terms without those a kept bigram already says ("world" after "world models")."""
    kept: list[str] = []
    for t in terms:
        if any(t in k.split() or k in t.split() for k in kept):
            continue
        kept.append(t)
    return kept


def _stored(db: Database, model_id: int, ids: Sequence[str]) -> dict[str, Relevance]:
    found: dict[str, Relevance] = {}
    for part in chunks(list(ids)):
        for pid, score, explained in db.execute(
            f"select paper_id, score, explain_json from relevance_scores where model_id = ? and paper_id in ({placeholders(part)})",
            [model_id, *part],
        ):
            data = json.loads(explained)
            found[pid] = Relevance(score, data.get("terms", []), [tuple(n) for n in data.get("near", [])])
    return found


def score_papers(db: Database, model_id: int, ids: Sequence[str]) -> dict[str, Relevance]:
    """Score the papers under the model and write it down (best effort: a writer holding
    the store must not make `radar today` wait; what is not written is scored again)."""
    model = load_model(db, model_id)
    texts: dict[str, str] = {}
    for part in chunks(list(ids)):
        for pid, title, abstract in db.execute(
            f"select id, title, coalesce(abstract, '') from papers where id in ({placeholders(part)})",
            list(part),
        ):
            texts[pid] = f"{title} {abstract}"
    order = list(texts)
    found = dict(zip(order, explain(model, [texts[i] for i in order]), strict=True))
    db.execute("pragma busy_timeout = 2000")
    try:
        with db.atomic():
            db.conn.executemany(
                "insert or replace into relevance_scores (model_id, paper_id, score, explain_json) values (?, ?, ?, ?)",
                [
                    (model_id, pid, r.score, json.dumps({"terms": r.terms, "near": r.near}))
                    for pid, r in found.items()
                ],
            )
    except sqlite3.OperationalError:
        pass
    finally:
        db.execute(f"pragma busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
    return found


def current_model(db: Database) -> tuple[int | None, list[str]]:
    """The model for the signals now stored, trained first when they changed; None with
    no signal. Also says, for people, why a stored model was not used."""
    notices: list[str] = []
    signals = signals_hash(db)
    head = _model_head(db)
    if signals is None:
        return None, notices
    if head is not None and head[1] > MODEL_FORMAT:
        notices.append(
            f"the stored interest model was written by a newer radar (format {head[1]}, this radar reads "
            f"{MODEL_FORMAT}); it was not loaded, and a new one was trained from your signals"
        )
    elif head is not None and head[1] == MODEL_FORMAT and head[2] == signals:
        return head[0], notices
    return train(db, signals), notices


def relevance(db: Database, ids: Sequence[str]) -> Scores:
    """Scores for the papers (read when stored, computed and written down when not)."""
    model_id, notices = current_model(db)
    if model_id is None:
        return Scores(None, {}, notices)
    found = _stored(db, model_id, ids)
    missing = [i for i in ids if i not in found]
    if missing:
        found.update(score_papers(db, model_id, missing))
    return Scores(model_id, found, notices)


def library_ids(db: Database, ids: Sequence[str]) -> set[str]:
    """Those of the papers that are in the reader's library."""
    found: set[str] = set()
    for part in chunks(list(ids)):
        found.update(
            r[0]
            for r in db.execute(
                f"select paper_id from library_entries where paper_id in ({placeholders(part)})", list(part)
            )
        )
    return found


def model_summary(db: Database) -> dict[str, Any] | None:
    """What the current model learned from, for `radar show`."""
    row = db.execute(
        "select id, format, created_utc, recipe, counts_json from relevance_models order by id desc limit 1"
    ).fetchone()
    if row is None:
        return None
    return {
        "id": row[0],
        "format": row[1],
        "trained": row[2],
        "recipe": row[3],
        "signals": json.loads(row[4]),
    }


@dataclass
class Explained:
    """One paper's full explanation, for `radar show`."""

    relevance: float | None
    reasons: list[str]
    in_library: bool
    model: dict[str, Any] | None
    notices: list[str]


def explained_in_full(db: Database, paper_id: str) -> Explained:
    scores = relevance(db, [paper_id])
    found = scores.by_id.get(paper_id)
    in_library = bool(library_ids(db, [paper_id]))
    if found is None:
        return Explained(None, [], in_library, None, scores.notices)
    reasons = found.reasons(terms=EXPLAINED_TERMS, near=EXPLAINED_NEAR)
    return Explained(found.score, reasons, in_library, model_summary(db), scores.notices)
