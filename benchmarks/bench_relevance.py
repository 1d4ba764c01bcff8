"""How well does radar rank a day for a reader? nDCG@10, recall@10 and MRR on simulated
readers and on real readers' libraries (CiteULike-a), for radar's model and its peers.

Usage:
    uv run python benchmarks/bench_relevance.py [--citeulike ../shared/real/citeulike]
        [--snapshot ../shared/real/arxiv-snapshot-0704.jsonl] [--readers 300] [--real 400]
        [--split test|dev|all] [--variants] [--embed-model MODEL [--embed-api-base URL]]

Rows (every method ranks the same candidates for the same reader):
- current order: radar without a model, tier then recency. Every candidate is in the
  same followed category, so this is the day's submission order (a fixed shuffle).
- bm25 to stars: radar's similarity before the model (radar.feedback): each liked paper
  becomes an FTS5 OR query of its telling words; a candidate scoring at least half of
  the liked paper's own score gets +25 per similar liked paper (at most 2), ties in the
  current order. It only knows stars, so it is given the stars and the library.
- arxiv-sanity: TF-IDF (uni+bigrams, sublinear tf, English stop words, 20,000 features,
  fitted on the whole store), LinearSVC(C=0.01, class_weight="balanced"), the liked
  papers against every other stored paper; candidates by decision value.
- zotero-arxiv-daily: on the same features, score = sum_i cos(paper, library_i) * w_i,
  w_i = 1 / (1 + log10(rank of i by date added)) (stars count as the newest entries).
- radar: radar.relevance.fit, the function radar itself trains with (its stars,
  library weights, hides and background sample as `radar.relevance.train` builds them).
- with an embedding model (`--embed-model`, default $RADAR_EMBED_MODEL; any litellm
  embedding model, `--embed-api-base` for a local server), two more rows: zotero-arxiv-
  daily's similarity on the embeddings, and radar's model fused with them as radar does
  with RADAR_EMBED_MODEL (z-scores over the background, added).

Simulated readers (method). Real text: the arXiv metadata snapshot lines and the API
responses in tests/fixtures/arxiv (about 330 real papers with their categories). A
generator adds papers with topical structure, LDA-like: 40 topics, each 60 words drawn
from a pool of 800 words of the real papers' vocabulary (so topics share words), with
Zipf weights; a paper has a main topic (20% of its words), a second topic drawn at random
(20%) and words from the real corpus's overall frequencies (60%); titles are 8 words,
35% from the main topic; abstracts 60 words. (A first, easier setting, 35% and 100
words, put every learned method at nDCG@10 0.98 to 1.00: it could not tell them apart.) The store holds 100
generated papers per topic and half of the real papers. A reader has two interests (one
in three readers has a real arXiv category as one of them), a library of 15 to 60 papers
from those interests plus 15% from others (libraries are mixed), dates added at random,
three stars from the interests and two hides from one topic they do not care for. The
day is 15 new generated papers per topic plus the other half of the real papers; the
relevant ones are those whose main topic (or category) is one of the reader's interests.

Real readers: CiteULike-a (5,551 readers; titles for all 16,980 articles, abstracts for
the 1,929 articles in the first 50 readers' libraries). For a reader with at least 10
articles, a fifth of the library (at least 2) is held out as the day's relevant papers
and the rest is the library (no dates: every entry weighs 1, no stars, no hides); the
day adds 300 articles drawn at random from outside the reader's library; the store is
2,000 articles drawn at random. Titles: 400 readers drawn at random (seeded). Title +
abstract: the first 50 readers, with candidates and store drawn from the articles that
have abstracts.

Dev and test: readers are split in two by index parity. Recipe choices (see
`--variants`) were made on the dev half; the tables in the README are the test half
(and all 50 title+abstract readers, which no choice looked at).
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import os
import random
import re
import sqlite3
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from radar import relevance
from radar.feedback import SIMILARITY, telling_words

ROOT = Path(__file__).resolve().parent.parent
K = 10


@dataclass
class Reader:
    liked: list[tuple[str, str, float]]  # (kind, text, weight): star/library
    hidden: list[str]
    candidates: list[str]
    relevant: set[int]  # indices into candidates
    added: list[str | None] = field(default_factory=list)  # library dates, as stored


@dataclass
class World:
    store: list[str]  # the store's texts: the background


# --- metrics ---------------------------------------------------------------------------------


def metrics(order: Sequence[int], relevant: set[int]) -> tuple[float, float, float]:
    gains = [1.0 if i in relevant else 0.0 for i in order[:K]]
    dcg = sum(g / math.log2(r + 2) for r, g in enumerate(gains))
    ideal = sum(1 / math.log2(r + 2) for r in range(min(K, len(relevant))))
    recall = sum(gains) / len(relevant)
    mrr = next((1 / (r + 1) for r, i in enumerate(order) if i in relevant), 0.0)
    return dcg / ideal, recall, mrr


def ranked(scores: Sequence[float]) -> list[int]:
    # Ties keep the current order (the candidates' own order).
    return sorted(range(len(scores)), key=lambda i: (-scores[i], i))


# --- the methods -----------------------------------------------------------------------------


def current(reader: Reader, world: World, features: Features) -> list[float]:
    return [0.0] * len(reader.candidates)


def bm25_stars(reader: Reader, world: World, features: Features) -> list[float]:
    conn = sqlite3.connect(":memory:")
    conn.execute("create virtual table t using fts5(title, abstract, tokenize='porter')")
    docs = reader.candidates + [text for _, text, _ in reader.liked]
    conn.executemany(
        "insert into t (rowid, title, abstract) values (?, ?, '')", list(enumerate(docs, start=1))
    )
    similar = [0] * len(reader.candidates)
    for n, (_, text, _) in enumerate(reader.liked):
        words = telling_words(text, "")
        if not words:
            continue
        query = " OR ".join('"' + w.replace('"', "") + '"' for w in words)
        rowid = len(reader.candidates) + n + 1
        own = conn.execute("select bm25(t) from t where t match ? and rowid = ?", [query, rowid]).fetchone()
        if own is None or own[0] >= 0:
            continue
        threshold = SIMILARITY * -own[0]
        for row, score in conn.execute(
            "select rowid, bm25(t) from t where t match ? and rowid <= ?", [query, len(reader.candidates)]
        ):
            if -score >= threshold:
                similar[row - 1] += 1
    return [25.0 * min(2, s) for s in similar]


class Features:
    """arxiv-sanity's features, fitted once on the whole store and the day."""

    def __init__(self, texts: Sequence[str]) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.vectorizer = TfidfVectorizer(
            ngram_range=(1, 2), sublinear_tf=True, stop_words="english", max_features=20_000
        )
        self.vectorizer.fit(texts)

    def __call__(self, texts: Sequence[str]):  # noqa: ANN204
        return self.vectorizer.transform(texts)


def arxiv_sanity(reader: Reader, world: World, features: Features) -> list[float]:
    from scipy.sparse import vstack
    from sklearn.svm import LinearSVC

    pos = features([t for _, t, _ in reader.liked])
    neg = features(world.store + reader.hidden)
    cand = features(reader.candidates)
    # Every other paper is a negative, the day's included, as arxiv-sanity does.
    x = vstack([pos, neg, cand])
    y = np.array([1] * pos.shape[0] + [0] * (neg.shape[0] + cand.shape[0]))
    svm = LinearSVC(C=0.01, class_weight="balanced", max_iter=10_000, tol=1e-6)
    svm.fit(x, y)
    return list(svm.decision_function(cand))


def zotero(reader: Reader, world: World, features: Features) -> list[float]:
    lib = [(t, w) for kind, t, w in reader.liked]
    x = features([t for t, _ in lib])
    weights = np.array(zotero_weights(reader))
    sims = features(reader.candidates) @ x.T
    return list(np.asarray(sims @ weights).ravel())


def zotero_weights(reader: Reader) -> list[float]:
    # Stars first (the newest), then the library by date added.
    stars = [k for k, _, _ in reader.liked if k == "star"]
    dates = ["9999"] * len(stars) + list(reader.added)
    return relevance.library_weights(dates)


def radar_model(reader: Reader, world: World, features: Features, c: float = relevance.C) -> list[float]:
    fitted, _ = _radar_fit(reader, world, c)
    if fitted is None:
        return [0.0] * len(reader.candidates)
    x = relevance.transform(fitted, reader.candidates)
    return list(x.dot(np.array(fitted.weights)) + fitted.intercept)


def _radar_fit(reader: Reader, world: World, c: float) -> tuple[relevance.Fitted | None, list[str]]:
    stars = [(t, relevance.STAR_WEIGHT) for k, t, _ in reader.liked if k == "star"]
    lib_texts = [t for k, t, _ in reader.liked if k == "library"]
    lib = list(zip(lib_texts, relevance.library_weights(reader.added), strict=True))
    rng = random.Random(len(reader.candidates) * 7919 + len(lib))
    background = rng.sample(world.store, min(relevance.BACKGROUND, len(world.store)))
    negatives = [(t, relevance.HIDE_WEIGHT) for t in reader.hidden] + [
        (t, relevance.BACKGROUND_WEIGHT) for t in background
    ]
    return relevance.fit(stars + lib, negatives, c=c), background


def radar_fused(reader: Reader, world: World, features: Features) -> list[float]:
    """A variant: the model z-scored plus the library similarity z-scored."""
    a = np.array(radar_model(reader, world, features))
    b = np.array(zotero(reader, world, features))
    return list(_z(a) + _z(b))


def _z(v: np.ndarray) -> np.ndarray:
    sd = v.std()
    return (v - v.mean()) / sd if sd > 0 else v * 0


class Embeddings:
    """Vectors from an embedding model (`--embed-model`, through radar.embeddings.request,
    the call radar makes), each text asked for once per run."""

    def __init__(self, model: str, api_base: str) -> None:
        from radar.embeddings import Embedder

        self.embedder = Embedder(model, api_base)
        self.cache: dict[str, np.ndarray] = {}

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        from radar.embeddings import request

        missing = list(dict.fromkeys(t for t in texts if t not in self.cache))
        if missing:
            for text, vector in zip(missing, request(self.embedder, missing), strict=True):
                v = np.array(vector, dtype=float)
                self.cache[text] = v / (np.linalg.norm(v) or 1.0)
        return np.array([self.cache[t] for t in texts])


EMBEDDINGS: Embeddings | None = None


def embedding_similarity(reader: Reader, world: World, features: Features) -> list[float]:
    """zotero-arxiv-daily's own recipe: recency-weighted similarity to the library, on
    embeddings."""
    assert EMBEDDINGS is not None
    lib = EMBEDDINGS([t for _, t, _ in reader.liked])
    sims = EMBEDDINGS(reader.candidates) @ lib.T
    return list(sims @ np.array(zotero_weights(reader)))


def radar_with_embeddings(reader: Reader, world: World, features: Features) -> list[float]:
    """radar with RADAR_EMBED_MODEL: the sparse score and the similarity to the liked
    papers' weighted centroid, each as a z-score over the background, added
    (radar.relevance._dense_part and _fused)."""
    assert EMBEDDINGS is not None
    fitted, background = _radar_fit(reader, world, relevance.C)
    if fitted is None:
        return [0.0] * len(reader.candidates)
    w = np.array(fitted.weights)
    sparse_bg = relevance.transform(fitted, background).dot(w)
    sparse = relevance.transform(fitted, reader.candidates).dot(w)
    liked = [t for _, t, _ in reader.liked]
    weights = np.array([relevance.STAR_WEIGHT if k == "star" else 1.0 for k, _, _ in reader.liked])
    if reader.added:
        weights[-len(reader.added) :] = relevance.library_weights(reader.added)
    centroid = (EMBEDDINGS(liked) * weights[:, None]).sum(axis=0)
    centroid /= np.linalg.norm(centroid) or 1.0
    dense_bg = EMBEDDINGS(background) @ centroid
    dense = EMBEDDINGS(reader.candidates) @ centroid
    return list(
        (sparse - sparse_bg.mean()) / (sparse_bg.std() or 1.0)
        + (dense - dense_bg.mean()) / (dense_bg.std() or 1.0)
    )


METHODS: dict[str, Callable[[Reader, World, Features], list[float]]] = {
    "current order (tier + recency)": current,
    "radar before: bm25 to stars": bm25_stars,
    "arxiv-sanity (TF-IDF + LinearSVC C=0.01)": arxiv_sanity,
    "zotero-arxiv-daily (recency-weighted similarity)": zotero,
    "radar: interest model": radar_model,
}
VARIANTS: dict[str, Callable[[Reader, World, Features], list[float]]] = {
    "variant: model C=0.1": lambda r, w, f: radar_model(r, w, f, c=0.1),
    "variant: model C=10": lambda r, w, f: radar_model(r, w, f, c=10.0),
    "variant: model + similarity (z-fused)": radar_fused,
}


# --- simulated readers -----------------------------------------------------------------------

WORD = re.compile(r"[a-z][a-z]{2,}")


def real_papers(snapshot: Path | None) -> list[tuple[str, str]]:
    """(primary category, title + abstract) of the real papers at hand."""
    from radar.sources.arxiv_api import parse_api_response

    found: list[tuple[str, str]] = []
    for path in sorted((ROOT / "tests/fixtures/arxiv").glob("api_atom_*.xml")):
        try:
            page = parse_api_response(path.read_bytes())
        except Exception:  # an error response among the fixtures
            continue
        for p in page.papers:
            found.append((p.primary_category or "?", f"{p.title}\n{p.abstract}"))
    if snapshot and snapshot.exists():
        for line in snapshot.read_text().splitlines():
            d = json.loads(line)
            found.append((d["categories"].split()[0], f"{d['title']}\n{d['abstract']}"))
    return found


def simulated(n_readers: int, snapshot: Path | None, seed: int = 20) -> tuple[World, list[Reader]]:
    rng = random.Random(seed)
    real = real_papers(snapshot)
    freq: Counter[str] = Counter(w for _, text in real for w in WORD.findall(text.lower()))
    vocab = sorted(w for w, n in freq.items() if len(w) > 3)
    common_words, common_weights = zip(*freq.most_common(400), strict=True)
    # Topics share words: 60 each from a pool of 800, so each word is in about three.
    shared = rng.sample(vocab, 800)
    topics = []
    for _ in range(40):
        words = rng.sample(shared, 60)
        topics.append((words, [1 / (r + 1) for r in range(60)]))

    def paper(t: int, rng: random.Random) -> str:
        second = rng.randrange(40)

        def words(n: int, main: float) -> str:
            out = []
            for _ in range(n):
                u = rng.random()
                if u < main:
                    out.append(rng.choices(*topics[t])[0])
                elif u < main + 0.2:
                    out.append(rng.choices(*topics[second])[0])
                else:
                    out.append(rng.choices(common_words, common_weights)[0])
            return " ".join(out)

        return words(8, 0.35).capitalize() + "\n" + words(60, 0.2)

    store_by_topic = {t: [paper(t, rng) for _ in range(100)] for t in range(40)}
    by_cat: dict[str, list[str]] = {}
    for cat, text in real:
        by_cat.setdefault(cat, []).append(text)
    real_cats = sorted(c for c, texts in by_cat.items() if len(texts) >= 10)
    real_store, real_day = [], []
    for cat in real_cats:
        texts = by_cat[cat][:]
        rng.shuffle(texts)
        half = len(texts) // 2
        real_store += [(cat, t) for t in texts[:half]]
        real_day += [(cat, t) for t in texts[half:]]
    day = [(f"t{t}", paper(t, rng)) for t in range(40) for _ in range(15)] + real_day
    rng.shuffle(day)  # the day's submission order
    world = World([t for texts in store_by_topic.values() for t in texts] + [t for _, t in real_store])
    readers = []
    for _ in range(n_readers):
        interests = [f"t{t}" for t in rng.sample(range(40), 2)]
        if rng.random() < 1 / 3 and real_cats:
            interests[1] = rng.choice(real_cats)

        def pool(interest: str) -> list[str]:
            if interest.startswith("t") and interest[1:].isdigit():
                return store_by_topic[int(interest[1:])]
            return [t for c, t in real_store if c == interest]

        size = rng.randint(15, 60)
        lib = []
        for _ in range(size):
            if rng.random() < 0.15:
                lib.append(rng.choice(world.store))
            else:
                lib.append(rng.choice(pool(rng.choice(interests))))
        stars = [rng.choice(pool(rng.choice(interests))) for _ in range(3)]
        dull = rng.choice([f"t{t}" for t in range(40) if f"t{t}" not in interests])
        hidden = rng.sample(pool(dull), 2)
        added = [f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}" for _ in lib]
        candidates = [t for _, t in day]
        relevant = {i for i, (topic, _) in enumerate(day) if topic in interests}
        liked = [("star", t, 1.0) for t in stars] + [("library", t, 1.0) for t in lib]
        readers.append(Reader(liked, hidden, candidates, relevant, added))
    return world, readers


# --- real readers ----------------------------------------------------------------------------


def citeulike(path: Path, n_readers: int, abstracts: bool, seed: int = 20) -> tuple[World, list[Reader]]:
    rng = random.Random(seed)
    with gzip.open(path / "articles.jsonl.gz", "rt") as f:
        articles = [json.loads(line) for line in f]
    with gzip.open(path / "users.dat.gz", "rt") as f:
        users = [[int(x) for x in line.split()[1:]] for line in f]

    def text(i: int) -> str:
        a = articles[i]
        return f"{a['title']}\n{a['abstract']}" if abstracts else a["title"]

    if abstracts:
        chosen = [u for u in users[:50] if len(u) >= 10]
        universe = [i for i, a in enumerate(articles) if a.get("abstract")]
    else:
        eligible = [u for u in users if len(u) >= 10]
        chosen = rng.sample(eligible, min(n_readers, len(eligible)))
        universe = list(range(len(articles)))
    store = [text(i) for i in rng.sample(universe, min(2000, len(universe)))]
    readers = []
    for lib in chosen:
        lib = lib[:]
        rng.shuffle(lib)
        held = max(2, len(lib) // 5)
        relevant_ids, library = lib[:held], lib[held:]
        mine = set(lib)
        others = [i for i in rng.sample(universe, 400) if i not in mine][:300]
        day = [(i, True) for i in relevant_ids] + [(i, False) for i in others]
        rng.shuffle(day)
        candidates = [text(i) for i, _ in day]
        relevant = {n for n, (_, r) in enumerate(day) if r}
        liked = [("library", text(i), 1.0) for i in library]
        readers.append(Reader(liked, [], candidates, relevant, [None] * len(library)))
    return World(store), readers


# --- running ---------------------------------------------------------------------------------


def evaluate(
    name: str, world: World, readers: list[Reader], methods: dict[str, Callable[..., list[float]]]
) -> dict[str, tuple[float, float, float]]:
    texts = world.store + sorted({t for r in readers for t in r.candidates})
    features = Features(texts)
    table: dict[str, tuple[float, float, float]] = {}
    for label, method in methods.items():
        started = time.perf_counter()
        rows = [metrics(ranked(method(r, world, features)), r.relevant) for r in readers]
        table[label] = tuple(statistics.fmean(col) for col in zip(*rows, strict=True))  # type: ignore[assignment]
        print(f"  {label}: {time.perf_counter() - started:.1f} s", file=sys.stderr)
    print(f"\n{name} ({len(readers)} readers)\n")
    print("| method | nDCG@10 | recall@10 | MRR |")
    print("|---|---|---|---|")
    for label, (ndcg, recall, mrr) in table.items():
        print(f"| {label} | {ndcg:.3f} | {recall:.3f} | {mrr:.3f} |")
    sys.stdout.flush()
    return table


def split(readers: list[Reader], which: str) -> list[Reader]:
    if which == "all":
        return readers
    return readers[0 if which == "dev" else 1 :: 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--citeulike", type=Path, default=None, help="the CiteULike-a folder (not in the repo)"
    )
    parser.add_argument(
        "--snapshot", type=Path, default=ROOT.parent / "shared/real/arxiv-snapshot-0704.jsonl"
    )
    parser.add_argument("--readers", type=int, default=300, help="simulated readers (both halves)")
    parser.add_argument("--real", type=int, default=400, help="real readers for titles (both halves)")
    parser.add_argument("--split", choices=["dev", "test", "all"], default="test")
    parser.add_argument("--variants", action="store_true", help="also the recipe variants weighed on dev")
    parser.add_argument(
        "--embed-model",
        default=os.environ.get("RADAR_EMBED_MODEL", ""),
        help="add the embedding rows with this litellm model (default: $RADAR_EMBED_MODEL)",
    )
    parser.add_argument("--embed-api-base", default=os.environ.get("RADAR_LLM_API_BASE", ""))
    args = parser.parse_args()
    methods = dict(METHODS, **(VARIANTS if args.variants else {}))
    if args.embed_model:
        global EMBEDDINGS
        EMBEDDINGS = Embeddings(args.embed_model, args.embed_api_base)
        methods["embeddings: recency-weighted similarity to the library"] = embedding_similarity
        methods["radar: interest model + embeddings (z-fused)"] = radar_with_embeddings
    world, readers = simulated(args.readers, args.snapshot)
    evaluate(f"Simulated readers, {args.split} half", world, split(readers, args.split), methods)
    if args.citeulike:
        world, readers = citeulike(args.citeulike, args.real, abstracts=False)
        evaluate(
            f"CiteULike-a readers, titles, {args.split} half", world, split(readers, args.split), methods
        )
        world, readers = citeulike(args.citeulike, 50, abstracts=True)
        evaluate("CiteULike-a readers, title + abstract, the first 50 readers", world, readers, methods)


if __name__ == "__main__":
    main()
