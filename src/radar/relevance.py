"""The interest model: what the reader cares about, learned from what they told radar.

Signals, all read from the store:
- stars (strong positive) and hides (strong negative);
- the reader's library (`library_entries`), newer entries weighing more, as in
  zotero-arxiv-daily: w = 1 / (1 + log10(rank by date added));
- papers by followed authors (a weak positive) and topic follows (their phrase as text).

The model is arxiv-sanity's features with a logistic regression: TF-IDF over title +
abstract (word uni- and bigrams of Snowball stems, sublinear tf, English stop words, a
capped vocabulary)
and a class-balanced, L2-regularised logistic regression of those positives against the
hides and a random sample of the store (`fit`; benchmarks/bench_relevance.py runs this
same function against the peers' recipes). Both are scikit-learn's, written here with
numpy alone (a test checks they give what TfidfVectorizer and LogisticRegression give):
importing scikit-learn takes 1.5 s, most of the 2 s the first `radar today` after a star
may take. The model is stored as plain data in `relevance_models` (vocabulary, idf,
weights, intercept as JSON; never a pickle), with a hash of the signals it learned from.

When things happen:
- the signals hash is computed from a few small tables every time ranking needs scores;
  a model whose hash differs (a star, a hide, a library change, a follow) is retrained;
- `radar fetch` scores the papers it brought (`score_arrivals`), so the morning's
  `radar today` reads stored scores; any other paper is scored the first time a window
  shows it under the current model. Its score and explanation are written to
  `relevance_scores`. A bulk import or harvest scores nothing.
So when nothing changed and every paper of the window is scored, ranking reads stored
numbers and numpy is not imported.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import random
import re
import sqlite3
import sys
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

from radar.database import Database
from radar.embeddings import Embedder
from radar.latex import accents_to_text
from radar.store import BUSY_TIMEOUT_S, chunks, placeholders, utc_now

MODEL_FORMAT = 2  # 2: the vocabulary holds Snowball stems, and the title's terms apart
RECIPE = (
    "tf-idf (title + abstract, and the title's terms apart; Snowball-stemmed uni+bigrams, sublinear tf)"
    " + class-balanced logistic regression"
)
MAX_FEATURES = 20_000
C = 3.0
BACKGROUND = 1_000  # papers sampled from the store as "not (yet) liked"
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
LIKED_QUANTILE = 0.95  # of the store's scores: above it, a paper counts as liked
CALIBRATION = 500  # papers drawn from the store beyond the background, to place that line
ARRIVALS = 5_000  # papers a fetch scores at most (a day of arXiv is 700-2,000)


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
    stored: str | None = None  # the stored explanation, read when a card needs it

    def reasons(self, terms: int = SHOWN_TERMS, near: int = 2) -> list[str]:
        if self.stored is not None:
            data = json.loads(self.stored)
            self.terms, self.near = data.get("terms", []), [tuple(n) for n in data.get("near", [])]
            self.stored = None
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
        # A mute takes its papers out of what followed authors' papers teach.
        "mutes": db.execute("select kind, value from mutes order by kind, value").fetchall(),
    }


def signals_hash(db: Database, embed_model: str = "") -> str | None:
    """A hash of every signal the model learns from (and of the embedding model, which
    changes what it is); None when there is no signal."""
    rows = _signal_rows(db)
    if not any(v for k, v in rows.items() if k != "mutes"):
        return None
    data = json.dumps([MODEL_FORMAT, RECIPE, embed_model, rows], default=str)
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
            liked.append(Example("star", title, document(title, abstract), STAR_WEIGHT, pid))
        else:
            hidden.append(Example("hide", title, document(title, abstract), HIDE_WEIGHT, pid))
    lib = db.execute(
        "select l.paper_id, coalesce(p.title, l.title), coalesce(p.abstract, l.abstract, ''), l.added_utc "
        "from library_entries l left join papers p on p.id = l.paper_id order by l.key"
    ).fetchall()
    seen = {e.paper_id for e in liked + hidden}
    for (pid, title, abstract, _), weight in zip(lib, library_weights([r[3] for r in lib]), strict=True):
        # A starred paper, or the preprint and the journal version of one paper, is one
        # example, not two.
        if pid is not None and pid in seen:
            continue
        seen.add(pid)
        liked.append(Example("library", title, document(title, abstract), weight, pid))
    authors = db.execute(
        "select p.id, p.title, coalesce(p.abstract, '') from papers p where p.id in ("
        " select m.paper_id from matches m join follows f on f.id = m.follow_id"
        " where f.kind = 'author' and m.broad = 0)"
        " order by p.listing_date desc, p.id limit ?",
        [AUTHOR_PAPERS],
    ).fetchall()
    if authors:
        from radar.feedback import muted

        gone = muted(db, [r[0] for r in authors])
        authors = [r for r in authors if r[0] not in gone]
    for pid, title, abstract in authors:
        if pid not in seen:
            liked.append(Example("author", title, document(title, abstract), AUTHOR_WEIGHT, pid))
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
        texts += [document(t, a) for pid, t, a in rows if pid not in exclude]
    rng.shuffle(texts)
    return texts[:size]


# --- the recipe (used by radar and by the benchmark) -----------------------------------------


def _numpy() -> Any:
    """numpy, with one BLAS thread: on vectors of 20,000 terms, waking BLAS threads costs a
    millisecond a product on a busy machine (seconds over a training) and saves nothing."""
    if "numpy" not in sys.modules:
        for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ.setdefault(name, "1")
    import numpy

    return numpy


# scikit-learn's English stop words (BSD-3-Clause), so that the analyser below splits text
# as its TfidfVectorizer(stop_words="english") does without importing it: importing
# scikit-learn takes 1.5 s, most of the budget of the first `radar today` after a star.
STOP_WORDS = frozenset(
    (
        "a about above across after afterwards again against all almost alone along already also although "
        "always am among amongst amoungst amount an and another any anyhow anyone anything anyway anywhere "
        "are around as at back be became because become becomes becoming been before beforehand behind being "
        "below beside besides between beyond bill both bottom but by call can cannot cant co con could "
        "couldnt cry de describe detail do done down due during each eg eight either eleven else elsewhere "
        "empty enough etc even ever every everyone everything everywhere except few fifteen fifty fill find "
        "fire first five for former formerly forty found four from front full further get give go had has "
        "hasnt have he hence her here hereafter hereby herein hereupon hers herself him himself his how "
        "however hundred i ie if in inc indeed interest into is it its itself keep last latter latterly least "
        "less ltd made many may me meanwhile might mill mine more moreover most mostly move much must my "
        "myself name namely neither never nevertheless next nine no nobody none noone nor not nothing now "
        "nowhere of off often on once one only onto or other others otherwise our ours ourselves out over own "
        "part per perhaps please put rather re same see seem seemed seeming seems serious several she should "
        "show side since sincere six sixty so some somehow someone something sometime sometimes somewhere "
        "still such system take ten than that the their them themselves then thence there thereafter thereby "
        "therefore therein thereupon these they thick thin third this those though three through throughout "
        "thru thus to together too top toward towards twelve twenty two un under until up upon us very via "
        "was we well were what whatever when whence whenever where whereafter whereas whereby wherein "
        "whereupon wherever whether which while whither who whoever whole whom whose why will with within "
        "without would yet you your yours yourself yourselves "
    ).split()
)
# scikit-learn's token_pattern, r"(?u)\b\w\w+\b": a greedy run of word characters is
# already whole, so the word boundaries add nothing but time.
TOKEN = re.compile(r"\w\w+")


def _words(text: str) -> list[str]:
    return [w for w in TOKEN.findall(text.lower()) if w not in STOP_WORDS]


_STEMMER: Any = None


def _stems(words: list[str]) -> list[str]:
    """The words' Snowball (Porter2) English stems, so that "network", "networks" and
    "networked" are one feature: on real readers' libraries, most of them titles only,
    this is what lifted the model above arxiv-sanity's recipe (see the README)."""
    global _STEMMER
    if _STEMMER is None:
        import Stemmer  # PyStemmer: libstemmer_c, with its own cache of recent words

        _STEMMER = Stemmer.Stemmer("english")
    return list(_STEMMER.stemWords(words))


TITLE = "title:"  # the prefix of the title's own terms


def document(title: str, abstract: str) -> str:
    """A paper as the model reads it: its title on the first line, then the abstract,
    LaTeX accents decoded (arXiv's `Koll\\'ar` is the library's Kollár, not "koll" and
    "ar")."""
    return " ".join(accents_to_text(title).split()) + "\n" + accents_to_text(abstract)


def _pairs(stems: list[str]) -> list[str]:
    return [f"{a} {b}" for a, b in zip(stems, stems[1:], strict=False)]


def terms(text: str) -> list[str]:
    """The stemmed words (two letters or more, lowercased, without stop words) and the
    pairs of adjacent ones (scikit-learn's analyser with ngram_range=(1, 2), after a
    stemmer), then the same of the title (the first line of `document`) again, as
    terms of their own ("title:world model"). A title names a paper's main subject; an
    abstract also names the neighbouring ones it uses: with the title's terms apart,
    libraries of titles meet the titles of the day, and on real readers with abstracts
    this took nDCG@10 from 0.79 to 0.85 (dev half; see the README)."""
    title, _, rest = text.partition("\n")
    head = _stems(_words(title))
    stems = head + _stems(_words(rest)) if rest else head
    return stems + _pairs(stems) + [TITLE + t for t in head + _pairs(head)]


def surface(text: str, wanted: Collection[str] | None = None) -> dict[str, str]:
    """Each term of the text (or of `wanted`, those asked for) as the text itself first
    writes it ("world model" -> "world models"; a pair with the stop words between its
    words, "model for social"; acronyms in capitals, "DDA"), so explanations show words,
    not stems."""
    found = [(m.group(), m.start(), m.end()) for m in TOKEN.finditer(text)]
    kept = [(w, a, b) for w, a, b in found if w.lower() not in STOP_WORDS]
    stems = _stems([w.lower() for w, _, _ in kept])

    def shown(word: str) -> str:
        return word if word.isupper() and len(word) > 1 else word.lower()

    said: dict[str, str] = {}
    for i, stem in enumerate(stems):
        if stem not in said and (wanted is None or stem in wanted):
            said[stem] = shown(kept[i][0])
        pair = f"{stems[i - 1]} {stem}" if i else ""
        if not i or pair in said or (wanted is not None and pair not in wanted):
            continue
        (before, begin, _), (word, _, end) = kept[i - 1], kept[i]
        between = text[begin:end]
        # The words as written between the pair, when that is a short phrase on one line.
        if len(between.split()) <= 4 and "\n" not in between:
            said[pair] = " ".join(shown(w) for w in between.split())
        else:
            said[pair] = f"{shown(before)} {shown(word)}"
    return said


@dataclass
class Fitted:
    vocabulary: list[str]
    idf: list[float]
    weights: list[float]
    intercept: float


@dataclass
class Rows:
    """Sparse rows (CSR: data, column indices, row pointers) as plain numpy arrays."""

    data: Any
    indices: Any
    indptr: Any
    columns: int
    row_of: Any = None  # each entry's row, for the products below

    def __post_init__(self) -> None:
        np = _numpy()

        if self.row_of is None:
            self.row_of = np.repeat(np.arange(len(self.indptr) - 1), np.diff(self.indptr))

    def dot(self, w: Any) -> Any:
        """Each row times the vector."""
        np = _numpy()

        return np.bincount(self.row_of, weights=self.data * w[self.indices], minlength=len(self.indptr) - 1)

    def tdot(self, v: Any) -> Any:
        """The rows weighted by v, summed: X.T @ v."""
        np = _numpy()

        return np.bincount(self.indices, weights=self.data * v[self.row_of], minlength=self.columns)


def _weighted(rows: Any, cols: Any, n_docs: int, columns: int, idf: Any) -> Rows:
    """From (document, term) pairs, one per occurrence: sublinear tf times idf, each row of
    unit length (scikit-learn's TfidfTransformer with sublinear_tf and norm="l2")."""
    np = _numpy()

    keys, counts = _unique(rows.astype(np.int64) * columns + cols)
    row_of, indices = keys // columns, keys % columns
    indptr = np.concatenate([[0], np.cumsum(np.bincount(row_of, minlength=n_docs))])
    data = (1.0 + np.log(counts)) * idf[indices]
    norms = np.sqrt(np.bincount(row_of, weights=data**2, minlength=n_docs))
    norms[norms == 0] = 1.0
    return Rows(data / norms[row_of], indices, indptr, columns, row_of)


def _unique(keys: Any) -> tuple[Any, Any]:
    """The distinct values, sorted, and how often each occurs (np.unique by sorting: its
    hash table is several times slower on these arrays)."""
    np = _numpy()

    if len(keys) == 0:
        return keys, keys
    keys = np.sort(keys)
    first = np.empty(len(keys), dtype=bool)
    first[0] = True
    np.not_equal(keys[1:], keys[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    return keys[starts], np.diff(np.append(starts, len(keys)))


def tfidf(docs: Sequence[list[str]], index: dict[str, int], idf: Any) -> Rows:
    """The documents' TF-IDF rows over a fixed vocabulary."""
    np = _numpy()

    cols: list[int] = []
    lengths: list[int] = []
    for doc in docs:
        found = [j for j in map(index.get, doc) if j is not None]
        cols.extend(found)
        lengths.append(len(found))
    rows = np.repeat(np.arange(len(docs)), lengths)
    return _weighted(rows, np.array(cols, dtype=np.int64), len(docs), len(index), idf)


def fit(
    positives: Sequence[tuple[str, float]], negatives: Sequence[tuple[str, float]], c: float = C
) -> Fitted | None:
    """Learn the liked texts (with weights) against the others; None with no positive."""

    if not positives:
        return None
    docs = [terms(t) for t, _ in positives] + [terms(t) for t, _ in negatives]
    fitted, _ = fit_rows(docs, [w for _, w in positives], [w for _, w in negatives], c)
    return fitted


def fit_rows(
    docs: Sequence[list[str]], positive: Sequence[float], negative: Sequence[float], c: float = C
) -> tuple[Fitted | None, Rows | None]:
    """`fit` over analysed documents (the positives first), with their TF-IDF rows."""
    np = _numpy()

    distinct = dict.fromkeys(chain.from_iterable(docs))  # in order of first use
    if not distinct or not positive:
        return None, None
    seen = dict(zip(distinct, range(len(distinct)), strict=True))
    total_terms = sum(len(d) for d in docs)
    ids = np.fromiter(map(seen.__getitem__, chain.from_iterable(docs)), dtype=np.int64, count=total_terms)
    n = len(docs)
    rows = np.repeat(np.arange(n), [len(d) for d in docs])
    pairs, _ = _unique(rows * len(seen) + ids)
    df = np.bincount(pairs % len(seen), minlength=len(seen))
    # The most frequent terms by document frequency, ties to the first seen.
    top = np.lexsort((np.arange(len(seen)), -df))[:MAX_FEATURES]
    words = list(seen)
    kept = sorted(words[i] for i in top)
    remap = np.full(len(seen), -1, dtype=np.int64)
    remap[[seen[t] for t in kept]] = np.arange(len(kept))
    cols = remap[ids]
    idf = np.log((1 + n) / (1 + np.array([df[seen[t]] for t in kept], dtype=float))) + 1.0
    x = _weighted(rows[cols >= 0], cols[cols >= 0], n, len(kept), idf)
    weights = np.array([*positive, *negative], dtype=float)
    if not negative:
        # Nothing to tell them from: the liked terms weigh by their weighted mean.
        coef = x.tdot(weights) / max(1e-9, float(weights.sum()))
        intercept = 0.0
    else:
        y = np.array([1.0] * len(positive) + [-1.0] * len(negative))
        # class_weight="balanced" (as scikit-learn counts it with sample weights): each
        # class weighs as much in all, however few the liked papers.
        total, liked = float(weights.sum()), float(weights[y > 0].sum())
        balance = np.where(y > 0, total / (2 * liked), total / (2 * (total - liked)))
        coef, intercept = logistic(x, y, weights * balance, c)
    return Fitted(kept, idf.tolist(), np.asarray(coef).tolist(), float(intercept)), x


def logistic(x: Rows, y: Any, s: Any, c: float, iterations: int = 100) -> tuple[Any, float]:
    """L2-regularised logistic regression, as scikit-learn's (C times the weighted loss
    plus half the squared weights, the intercept not penalised), solved by L-BFGS."""
    np = _numpy()

    columns = x.columns

    def loss(theta: Any) -> tuple[float, Any]:
        w, b = theta[:columns], theta[columns]
        margin = y * (x.dot(w) + b)
        value = c * float(np.sum(s * np.logaddexp(0.0, -margin))) + 0.5 * float(w @ w)
        g = -c * s * y * 0.5 * (1.0 - np.tanh(margin / 2))  # d loss / d score
        return value, np.append(x.tdot(g) + w, g.sum())

    theta = lbfgs(loss, np.zeros(columns + 1), iterations)
    return theta[:columns], float(theta[columns])


def lbfgs(fn: Any, x0: Any, iterations: int, memory: int = 10, tolerance: float = 1e-5) -> Any:
    """Minimise fn (returning value and gradient) by L-BFGS with a backtracking line search."""
    np = _numpy()

    x = x0
    f, g = fn(x)
    steps: list[tuple[Any, Any, float]] = []
    for _ in range(iterations):
        q = g.copy()
        alphas = []
        for s_, y_, rho in reversed(steps):
            a = rho * float(s_ @ q)
            q -= a * y_
            alphas.append(a)
        if steps:
            s_, y_, _ = steps[-1]
            q *= float(s_ @ y_) / float(y_ @ y_)
        else:
            q /= max(1.0, float(np.linalg.norm(g)))
        for (s_, y_, rho), a in zip(steps, reversed(alphas), strict=True):
            q += s_ * (a - rho * float(y_ @ q))
        d = -q
        slope = float(g @ d)
        if slope >= 0:
            steps.clear()
            d, slope = -g, -float(g @ g)
        step = 1.0
        while True:
            x_new = x + step * d
            f_new, g_new = fn(x_new)
            if f_new <= f + 1e-4 * step * slope or step < 1e-10:
                break
            step /= 2
        s_, y_ = x_new - x, g_new - g
        sy = float(s_ @ y_)
        if sy > 1e-12:
            steps.append((s_, y_, 1.0 / sy))
            del steps[:-memory]
        done = abs(f - f_new) <= tolerance * max(1.0, abs(f_new))
        x, f, g = x_new, f_new, g_new
        if done:
            break
    return x


def transform(fitted: Fitted, texts: Sequence[str]) -> Rows:
    np = _numpy()

    index = {t: i for i, t in enumerate(fitted.vocabulary)}
    return tfidf([terms(t) for t in texts], index, np.array(fitted.idf))


# --- the stored model ------------------------------------------------------------------------


@dataclass
class StoredModel:
    id: int
    fitted: Fitted
    examples: list[dict[str, Any]]  # {"kind", "title", "terms": [index, ...], "values": [...]}
    dense: dict[str, Any] | None = None  # with embeddings (see _dense_part)


def _model_head(db: Database) -> tuple[int, int, str] | None:
    row = db.execute(
        "select id, format, signals_hash from relevance_models order by id desc limit 1"
    ).fetchone()
    return (row[0], row[1], row[2]) if row else None


def load_model(db: Database, model_id: int) -> StoredModel:
    row = db.execute(
        "select vocabulary_json, idf_json, weights_json, intercept, examples_json, dense_json "
        "from relevance_models where id = ?",
        [model_id],
    ).fetchone()
    fitted = Fitted(json.loads(row[0]), json.loads(row[1]), json.loads(row[2]), float(row[3]))
    return StoredModel(model_id, fitted, json.loads(row[4]), json.loads(row[5]) if row[5] else None)


def train(
    db: Database, signals: str, embedder: Embedder | None = None, notices: list[str] | None = None
) -> int | None:
    """Learn from the signals now stored and keep the model as the only row; returns its id."""
    liked, hidden = gather(db)
    if not liked:
        return None  # hides alone teach nothing to rank by
    exclude = {e.paper_id for e in liked + hidden if e.paper_id}
    sample = background(db, exclude, BACKGROUND + CALIBRATION, signals)
    # The papers drawn beyond the training sample place the "liked" line, on scores the
    # fit did not push down, as it did not push down the day's new papers. A store too
    # small to spare them trains on all it has (holding some of its papers out would
    # rank those above the rest: the training negatives are pushed down), and the line
    # comes from the training sample's scores.
    drawn, calibration = sample[:BACKGROUND], sample[BACKGROUND:]
    negatives = [(e.text, e.weight) for e in hidden] + [(t, BACKGROUND_WEIGHT) for t in drawn]
    docs = [terms(e.text) for e in liked] + [terms(t) for t, _ in negatives]
    fitted, x = fit_rows(docs, [e.weight for e in liked], [w for _, w in negatives])
    if fitted is None or x is None:
        return None
    np = _numpy()
    w = np.array(fitted.weights)
    if calibration:
        line_texts, line_scores = calibration, transform(fitted, calibration).dot(w) + fitted.intercept
    else:
        line_texts, line_scores = drawn, (x.dot(w) + fitted.intercept)[len(liked) + len(hidden) :]
    if len(line_scores):
        # Scores are stored minus the LIKED_QUANTILE of the store's: a paper "counts as
        # liked" (is explained, may be suggested) when it scores above 95 of 100 papers
        # drawn from the store. The regression's own 0 is no such line: with a small
        # library, every paper of the reader's day can score below it.
        shift = float(np.quantile(line_scores, LIKED_QUANTILE))
        fitted.intercept -= shift
        line_scores = line_scores - shift
    dense = None
    if embedder is not None and line_texts:
        dense = _dense_part(db, embedder, liked, line_texts, line_scores, notices)
    # The liked papers "close to ..." can name: the first rows of the fitted matrix.
    shown = [i for i, e in enumerate(liked) if e.kind != "author"][:MAX_EXAMPLES]
    shown += [i for i, e in enumerate(liked) if e.kind == "author"][: max(0, MAX_EXAMPLES - len(shown))]
    examples: list[dict[str, Any]] = []
    if shown:
        for i in shown:
            e = liked[i]
            lo, hi = x.indptr[i], x.indptr[i + 1]
            examples.append(
                {
                    "kind": e.kind,
                    "id": e.paper_id,
                    "title": e.text.partition("\n")[0],  # as document() reads it: quoted as text
                    "terms": x.indices[lo:hi].tolist(),
                    "values": x.data[lo:hi].round(5).tolist(),
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
            "idf_json, weights_json, intercept, examples_json, dense_json) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                MODEL_FORMAT,
                utc_now(),
                signals,
                RECIPE,
                json.dumps(counts),
                json.dumps(fitted.vocabulary),
                json.dumps(fitted.idf),
                json.dumps(fitted.weights),
                fitted.intercept,
                json.dumps(examples),
                None if dense is None else json.dumps(dense),
            ],
        )
    return cursor.lastrowid


def _unit_rows(vectors: list[list[float]]) -> Any:
    np = _numpy()
    m = np.array(vectors, dtype=float)
    norms = np.linalg.norm(m, axis=1)
    norms[norms == 0] = 1.0
    return m / norms[:, None]


def _dense_part(
    db: Database,
    embedder: Embedder,
    liked: list[Example],
    drawn: list[str],
    sparse_background: Any,
    notices: list[str] | None,
) -> dict[str, Any] | None:
    """With embeddings: the liked papers' weighted centroid, and the mean and spread of the
    sparse scores and of the similarity to the centroid over a sample of the store
    (`drawn`: papers drawn beyond the training sample, when the store has them), by which
    both are put on one scale (z-scores) and added when papers are scored."""
    from radar.embeddings import embed
    from radar.errors import ModelError

    np = _numpy()
    try:
        vectors = _unit_rows(embed(db, embedder, [e.text for e in liked] + drawn))
    except ModelError as exc:
        if notices is not None:
            notices.append(f"embeddings failed ({exc}); ranked with the sparse model alone")
        return None
    weights = np.array([e.weight for e in liked])
    centroid = (vectors[: len(liked)] * weights[:, None]).sum(axis=0)
    centroid /= max(1e-12, float(np.linalg.norm(centroid)))
    sims = vectors[len(liked) :] @ centroid
    sparse_z = [float(sparse_background.mean()), float(sparse_background.std()) or 1.0]
    dense_z = [float(sims.mean()), float(sims.std()) or 1.0]
    fused = (sparse_background - sparse_z[0]) / sparse_z[1] + (sims - dense_z[0]) / dense_z[1]
    return {
        "model": embedder.model,
        "centroid": centroid.tolist(),
        "sparse": sparse_z,
        "dense": dense_z,
        # As for the sparse score: the fused score is stored minus its background quantile.
        "offset": float(np.quantile(fused, LIKED_QUANTILE)),
    }


def _fused(
    db: Database,
    dense: dict[str, Any],
    embedder: Embedder | None,
    texts: list[str],
    found: list[Relevance],
    notices: list[str] | None,
) -> None:
    """The sparse scores as z-scores plus, when the embeddings come, the dense ones."""
    from radar.embeddings import embed
    from radar.errors import ModelError

    np = _numpy()
    sims = None
    if embedder is not None and embedder.model == dense["model"]:
        try:
            sims = _unit_rows(embed(db, embedder, texts)) @ np.array(dense["centroid"])
        except ModelError as exc:
            if notices is not None:
                notices.append(f"embeddings failed ({exc}); ranked with the sparse model alone")
    (sm, ss), (dm, ds) = dense["sparse"], dense["dense"]
    offset = float(dense.get("offset", 0.0)) if sims is not None else 0.0
    for i, r in enumerate(found):
        r.score = (r.score - sm) / ss + (0.0 if sims is None else (float(sims[i]) - dm) / ds) - offset


def explain(model: StoredModel, texts: Sequence[str], ids: Sequence[str | None] = ()) -> list[Relevance]:
    """Each text's score and, for those the model likes, the terms that weighed most
    and the liked papers nearest (never the paper itself: `ids`, when given, are the
    texts' paper ids)."""
    np = _numpy()

    if not texts:
        return []
    fitted = model.fitted
    x = transform(fitted, texts)
    w = np.array(fitted.weights)
    scores = x.dot(w) + fitted.intercept
    examples = None
    if model.examples:
        lengths = [len(e["terms"]) for e in model.examples]
        examples = Rows(
            np.array([v for e in model.examples for v in e["values"]], dtype=float),
            np.array([j for e in model.examples for j in e["terms"]], dtype=np.int64),
            np.concatenate([[0], np.cumsum(lengths)]),
            len(fitted.vocabulary),
        )
    found: list[Relevance] = []
    for i in range(len(texts)):
        if scores[i] <= 0:
            # Nothing is said of papers the model does not count as liked: no reasons.
            found.append(Relevance(float(scores[i])))
            continue
        lo, hi = x.indptr[i], x.indptr[i + 1]
        idx, val = x.indices[lo:hi], x.data[lo:hi]
        contrib = val * w[idx]
        order = np.argsort(-contrib)[: EXPLAINED_TERMS * 3]
        stems = [fitted.vocabulary[idx[k]].removeprefix(TITLE) for k in order if contrib[k] > 0]
        written = surface(texts[i], set(stems))
        said = _distinct([written.get(t, t) for t in stems])[:EXPLAINED_TERMS]
        near: list[tuple[str, str, float]] = []
        if examples is not None:
            dense = np.zeros(len(fitted.vocabulary))
            dense[idx] = val
            sims = examples.dot(dense)
            own = ids[i] if i < len(ids) else None
            for k in np.argsort(-sims)[: EXPLAINED_NEAR + 2]:
                e = model.examples[int(k)]
                said_already = any(title == e["title"] for _, title, _ in near)
                if (
                    sims[k] >= NEAR
                    and len(near) < EXPLAINED_NEAR
                    and not said_already
                    and (own is None or e.get("id") != own)
                ):
                    near.append((e["kind"], e["title"], round(float(sims[k]), 3)))
        found.append(Relevance(float(scores[i]), said, near))
    return found


def _distinct(terms: list[str]) -> list[str]:
    """Terms without those a kept bigram already says ("world" after "world models")."""
    kept: list[str] = []
    for t in terms:
        if any(t == k or t in k.split() or k in t.split() for k in kept):
            continue
        kept.append(t)
    return kept


def _stored(db: Database, model_id: int, ids: Sequence[str]) -> dict[str, Relevance]:
    found: dict[str, Relevance] = {}
    for part in chunks(list(ids)):
        for pid, score, explained in db.execute(
            "select s.paper_id, s.score, s.explain_json from relevance_scores s join papers p on p.id = s.paper_id "
            f"where s.model_id = ? and s.paper_id in ({placeholders(part)}) and p.changed_utc <= s.scored_utc",
            [model_id, *part],
        ):
            found[pid] = Relevance(score, stored=explained)
    return found


def score_papers(
    db: Database,
    model_id: int,
    ids: Sequence[str],
    embedder: Embedder | None = None,
    notices: list[str] | None = None,
) -> dict[str, Relevance]:
    """Score the papers under the model and write it down (best effort: a writer holding
    the store must not make `radar today` wait; what is not written is scored again)."""
    model = load_model(db, model_id)
    texts: dict[str, str] = {}
    for part in chunks(list(ids)):
        for pid, title, abstract in db.execute(
            f"select id, title, coalesce(abstract, '') from papers where id in ({placeholders(part)})",
            list(part),
        ):
            texts[pid] = document(title, abstract)
    order = list(texts)
    now = utc_now()
    explained = explain(model, [texts[i] for i in order], order)
    if model.dense is not None:
        _fused(db, model.dense, embedder, [texts[i] for i in order], explained, notices)
    found = dict(zip(order, explained, strict=True))
    db.execute("pragma busy_timeout = 2000")
    try:
        with db.atomic():
            db.conn.executemany(
                "insert or replace into relevance_scores (model_id, paper_id, score, explain_json, scored_utc) "
                "values (?, ?, ?, ?, ?)",
                [
                    (model_id, pid, r.score, json.dumps({"terms": r.terms, "near": r.near}), now)
                    for pid, r in found.items()
                ],
            )
    except sqlite3.OperationalError:
        pass
    finally:
        db.execute(f"pragma busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
    return found


def current_model(db: Database, embedder: Embedder | None = None) -> tuple[int | None, list[str]]:
    """The model for the signals now stored, trained first when they changed; None with
    no signal. Also says, for people, why a stored model was not used."""
    notices: list[str] = []
    signals = signals_hash(db, embedder.model if embedder else "")
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
    try:
        return train(db, signals, embedder, notices), notices
    except sqlite3.OperationalError as exc:
        # Another writer holds the store (a long fetch or import): rank without the model
        # this time rather than wait; the next run trains.
        notices.append(f"the store is busy ({exc}); ranked without the interest model this time")
        return None, notices


def relevance(db: Database, ids: Sequence[str], embedder: Embedder | None = None) -> Scores:
    """Scores for the papers (read when stored, computed and written down when not)."""
    model_id, notices = current_model(db, embedder)
    if model_id is None:
        return Scores(None, {}, notices)
    found = _stored(db, model_id, ids)
    missing = [i for i in ids if i not in found]
    if missing:
        found.update(score_papers(db, model_id, missing, embedder, notices))
    return Scores(model_id, found, notices)


def score_arrivals(db: Database, since_rowid: int, embedder: Embedder | None = None) -> list[str]:
    """Score the papers a fetch brought (stored after `since_rowid`) and those of the
    newest listing day (new versions and cross-lists listed again), at most ARRIVALS of
    them, newest first, so that the morning's `radar today` reads stored scores. Both
    are index look-ups (rowid, listing date), whatever the size of the store. Trains
    first when the signals changed; nothing without signals. Returns messages for
    people (a refused model, failed embeddings)."""
    newest = db.execute("select max(listing_date) from papers").fetchone()[0] or ""
    ids = [
        r[0]
        for r in db.execute(
            "select id from (select id, listing_date from papers where rowid > ? "
            "union select id, listing_date from papers where listing_date >= ?) "
            "order by listing_date desc, id limit ?",
            [since_rowid, newest, ARRIVALS],
        )
    ]
    return relevance(db, ids, embedder).notices if ids else []


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


def explained_in_full(db: Database, paper_id: str, embedder: Embedder | None = None) -> Explained:
    scores = relevance(db, [paper_id], embedder)
    found = scores.by_id.get(paper_id)
    in_library = bool(library_ids(db, [paper_id]))
    if found is None:
        return Explained(None, [], in_library, None, scores.notices)
    reasons = found.reasons(terms=EXPLAINED_TERMS, near=EXPLAINED_NEAR)
    return Explained(found.score, reasons, in_library, model_summary(db), scores.notices)
