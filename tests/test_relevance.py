"""The interest model: ranking moved by stars, hides and the library; SUGGESTED cards;
explanations; the fallback without signals; storage as plain data; start-up imports."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

from conftest import ok, run_radar, run_radar_process
from feeds import Item, rss_feed, write

TOPICS = {
    "rl": "reinforcement learning policy gradient reward agent exploration world models belief states planning",
    "graph": "graph neural networks message passing molecular property prediction node embeddings",
    "vision": "image segmentation convolutional backbone object detection pixels semantic masks",
    "speech": "speech recognition acoustic model phoneme transcription audio spectrogram",
    "bio": "protein folding structure prediction amino acid sequence residues contact maps",
}


def paper(i: int, topic: str, cats: list[str] | None = None) -> Item:
    words = TOPICS[topic].split()
    title = " ".join(words[(i + k) % len(words)] for k in range(5)).capitalize()
    abstract = f"We study {TOPICS[topic]} in setting {i}. " + " ".join(words[(i * 3) % len(words) :])
    return Item(f"2611.{i:05d}", title=title, abstract=abstract, categories=cats or ["cs.LG"])


FILLER = (
    "sheaf cohomology scheme morphism moduli stack curve genus divisor galaxy redshift halo lensing "
    "supernova quasar spectra dwarf stellar orbit bond yield volatility pricing auction equilibrium"
).split()


def filler(i: int) -> Item:
    """A paper of an earlier day in a field no test cares for: in a real store, most of
    what the model learns "not (yet) liked" from is far from the reader's interests."""
    words = [FILLER[(i * 7 + k * 3) % len(FILLER)] for k in range(12)]
    return Item(
        f"2611.{i:05d}",
        title=" ".join(words[:5]).capitalize(),
        abstract=" ".join(words),
        categories=["math.AG"],
    )


def store(tmp_path: Path) -> list[Item]:
    items = [paper(i, topic) for i, topic in enumerate(list(TOPICS) * 8, start=100)]
    # Unfollowed papers in another category: the background and the suggestions.
    items += [paper(i, topic, ["q-bio.BM"]) for i, topic in enumerate(list(TOPICS) * 2, start=300)]
    earlier = [filler(i) for i in range(600, 800)]
    ok("import", str(write(tmp_path / "earlier.xml", rss_feed(earlier, day="2026-11-19", cats=("math.AG",)))))
    ok("import", str(write(tmp_path / "feed.xml", rss_feed(items, day="2026-11-20"))))
    ok("follow", "--no-fetch", "--category", "cs.LG")
    return items


def topic_of(card: dict) -> str:
    text = (card["title"] + " " + card["abstract"]).lower()
    return max(TOPICS, key=lambda t: sum(w in text for w in TOPICS[t].split()))


def cards(*args: str) -> list[dict]:
    return json.loads(ok("today", "--format", "json", "--limit", "100", *args))


def db_path(home: Path) -> Path:
    return home / "radar.db"


def add_library(home: Path, rows: list[tuple[str | None, str, str]]) -> None:
    with sqlite3.connect(db_path(home)) as conn:
        for n, (pid, title, abstract) in enumerate(rows):
            conn.execute(
                "insert into library_entries (key, source_file, paper_id, title, abstract, added_utc, imported_utc,"
                " paper_text_only) values (?, 'lib.bib', ?, ?, ?, ?, '2026-12-01T00:00:00Z', ?)",
                [f"k{n}", pid, title, abstract, f"2026-0{1 + n % 9}-01T00:00:00Z", 0 if pid else 1],
            )


def test_without_signals_the_order_is_todays_and_nothing_is_said(tmp_path: Path) -> None:
    store(tmp_path)
    shown = cards()
    assert all(c["relevance"] is None and c["relevance_reasons"] == [] for c in shown)
    assert not any(c["suggested"] for c in shown)
    assert "SUGGESTED" not in ok("today") and "close to" not in ok("today")


def test_a_star_brings_its_topic_to_the_top_and_says_why(tmp_path: Path, radar_home: Path) -> None:
    store(tmp_path)
    before = [topic_of(c) for c in cards()[:8]]
    ok("star", "2611.00100")  # an "rl" paper
    ok("star", "2611.00105")
    shown = cards()
    top = [topic_of(c) for c in shown if not c["suggested"]][:6]
    assert top == ["rl"] * 6, (before, top)
    first = next(c for c in shown if c["id"] not in ("2611.00100", "2611.00105"))
    assert first["relevance"] > 0
    assert any("you starred" in r for r in first["relevance_reasons"])
    assert any(r.startswith("weighs: ") for r in first["relevance_reasons"])
    text = ok("today")
    assert "you starred" in text and "weighs: " in text
    # A hide of the other topics' papers pushes them down too.
    ok("hide", "2611.00101")
    after = cards()
    graph = [i for i, c in enumerate(after) if topic_of(c) == "graph" and not c["suggested"]]
    assert min(graph) > 6


def test_the_library_moves_the_ranking_and_is_marked_not_suggested(tmp_path: Path, radar_home: Path) -> None:
    store(tmp_path)
    add_library(
        radar_home,
        [
            (None, "Protein folding with contact maps", TOPICS["bio"]),
            (None, "Amino acid sequence residues and structure prediction", ""),
            ("2611.00104", "Protein folding structure prediction", ""),  # a stored paper, in cs.LG
            ("2611.00304", "Protein structure", ""),  # stored, unfollowed (q-bio.BM)
        ],
    )
    shown = cards()
    followed = [c for c in shown if not c["suggested"]]
    assert [topic_of(c) for c in followed[:5]] == ["bio"] * 5
    mine = next(c for c in shown if c["id"] == "2611.00104")
    assert mine["in_library"] is True
    assert "in your library" in ok("today", "--limit", "100")
    suggested = [c for c in shown if c["suggested"]]
    assert 0 < len(suggested) <= 3
    assert all(topic_of(c) == "bio" for c in suggested)
    assert "2611.00304" not in {c["id"] for c in suggested}
    assert all(any("in your library" in r for r in c["relevance_reasons"]) for c in suggested)
    text = ok("today", "--limit", "100")
    assert "SUGGESTED" in text and f"+ {len(suggested)} suggested" in text
    everything = cards("--all")
    assert not any(c["suggested"] for c in everything)
    # --all ranks the whole day by relevance: the unfollowed bio papers are near the top.
    assert [topic_of(c) for c in everything[:10]] == ["bio"] * 10
    assert {"2611.00304", "2611.00309"} & {c["id"] for c in everything[:10]}
    off = json.loads(
        run_radar("today", "--format", "json", "--limit", "100", env={"RADAR_SUGGEST": "0"}).stdout
    )
    assert not any(c["suggested"] for c in off)


def test_a_small_library_explains_the_top_of_a_day_that_is_the_whole_store(
    tmp_path: Path, radar_home: Path
) -> None:
    """A new reader: one day imported, a library of three, two of them titles alone. The
    day is the model's whole
    background, relevant papers included, yet the top cards count as liked and say why,
    and a library paper is never said to be close to itself."""
    common = "we propose method results show approach data performance model experiments novel framework"
    items = []
    for i, topic in enumerate(list(TOPICS) * 8, start=100):
        # Real abstracts are mostly words every field uses.
        p = paper(i, topic)
        p.abstract = " ".join([*common.split()] * 6 + TOPICS[topic].split()[(i % 3) :: 4])
        items.append(p)
    items += [filler(i) for i in range(600, 760)]  # a day of 200 papers, 8 on the reader's topic
    ok("import", str(write(tmp_path / "feed.xml", rss_feed(items, day="2026-11-20"))))
    add_library(
        radar_home,
        [
            ("2611.00104", "", ""),  # "Amino acid sequence residues contact"
            # Titles alone, as most entries of a real library are.
            (None, "Protein folding with contact maps", ""),
            (None, "Learning the structure of protein sequences", ""),
        ],
    )
    shown = cards("--all")
    assert [topic_of(c) for c in shown[:8]] == ["bio"] * 8
    assert all(c["relevance"] > 0 and c["relevance_reasons"] for c in shown[:8])
    assert sum(c["relevance"] > 0 for c in shown) < len(shown) / 2  # "liked" is not everything
    own = next(c for c in shown if c["id"] == "2611.00104")
    assert own["in_library"] and not any(own["title"] in r for r in own["relevance_reasons"])


def test_show_prints_the_full_explanation(tmp_path: Path) -> None:
    store(tmp_path)
    ok("star", "2611.00100")
    shown = ok("show", "2611.00110")
    assert "relevance" in shown and "you starred" in shown and "weighs" in shown
    assert "trained" in shown and "on 1 starred paper" in " ".join(shown.split())
    data = json.loads(ok("show", "2611.00110", "--format", "json"))
    assert data["relevance"] > 0 and data["relevance_reasons"]


def test_the_model_is_plain_json_and_a_future_one_is_refused(tmp_path: Path, radar_home: Path) -> None:
    from radar import relevance

    store(tmp_path)
    ok("star", "2611.00100")
    cards()
    with sqlite3.connect(db_path(radar_home)) as conn:
        row = conn.execute(
            "select format, vocabulary_json, idf_json, weights_json, examples_json, typeof(weights_json) "
            "from relevance_models"
        ).fetchone()
        assert row[0] == relevance.MODEL_FORMAT and row[5] == "text"
        vocabulary, idf, weights = json.loads(row[1]), json.loads(row[2]), json.loads(row[3])
        assert all(isinstance(t, str) for t in vocabulary) and len(vocabulary) == len(idf) == len(weights)
        assert "world model" in vocabulary  # stems
        json.loads(row[4])
        conn.execute("update relevance_models set format = 99")
    result = run_radar("today", "--format", "json")
    assert result.returncode == 0
    assert "newer radar" in result.stderr and "format 99" in result.stderr
    assert json.loads(result.stdout)[0]["relevance"] is not None
    with sqlite3.connect(db_path(radar_home)) as conn:
        assert conn.execute("select format from relevance_models").fetchall() == [(relevance.MODEL_FORMAT,)]
    assert "newer radar" not in run_radar("today").stderr


PROBE = (
    "import sys, radar.cli\n"
    "sys.argv = ['radar', *sys.argv[1:]]\n"
    "try:\n"
    "    radar.cli.main()\n"
    "except SystemExit:\n"
    "    pass\n"
    "print('HEAVY', sorted(m for m in ('sklearn', 'numpy', 'scipy', 'Stemmer') if m in sys.modules), file=sys.stderr)\n"
)


def test_today_imports_no_sklearn_or_numpy_when_nothing_changed(tmp_path: Path) -> None:
    """In a real process: in-process, an earlier test has imported them already."""

    store(tmp_path)
    ok("star", "2611.00100")

    def heavy(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
        return done.stderr.split("HEAVY", 1)[1].strip()

    assert heavy("today") == "['Stemmer', 'numpy']"  # the first run after a star trains (no sklearn)
    assert heavy("today") == "[]"
    heavy("today", "--all")  # scores what no window showed before
    assert heavy("today", "--all") == "[]"
    ok("hide", "2611.00101")
    assert heavy("today") == "['Stemmer', 'numpy']"
    assert heavy("today") == "[]"
    # And the installed console script starts as fast as before: no traceback, cards out.
    assert run_radar_process("today").returncode == 0


def test_a_fetch_scores_what_it_brought_so_the_morning_today_reads_stored_scores(
    tmp_path: Path, radar_home: Path, httpserver
) -> None:
    from test_fetch import Arxiv

    from radar import relevance

    store(tmp_path)
    ok("star", "2611.00100")  # reinforcement learning
    cards()  # trains
    arxiv = Arxiv(httpserver)
    new = [paper(i, topic) for i, topic in enumerate(["rl", "bio", "rl", "vision"], start=500)]
    arxiv.listing = rss_feed(new, day="2026-11-21")
    fetched = run_radar("fetch", env=arxiv.env)
    assert fetched.returncode == 0, fetched.stderr
    with sqlite3.connect(db_path(radar_home)) as conn:
        scored = dict(
            conn.execute(
                "select paper_id, score from relevance_scores join relevance_models m on m.id = model_id "
                "where paper_id like '2611.005%' and m.format = ?",
                [relevance.MODEL_FORMAT],
            ).fetchall()
        )
    assert set(scored) == {it.id for it in new}
    assert min(scored["2611.00500"], scored["2611.00502"]) > max(scored["2611.00501"], scored["2611.00503"])
    # The morning's view: stored scores, no numpy, and the new reinforcement learning
    # papers first.
    done = subprocess.run([sys.executable, "-c", PROBE, "today"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stderr.split("HEAVY", 1)[1].strip() == "[]", done.stderr
    assert [c["id"] for c in cards()][:2] == ["2611.00500", "2611.00502"]


def test_the_recipe_is_scikit_learns() -> None:
    """radar's own TF-IDF and logistic regression (numpy only, for start-up time) give what
    scikit-learn's TfidfVectorizer and LogisticRegression give."""
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    from radar import relevance

    texts = [
        f"{TOPICS[t]} sample {i} of the {t} papers, with world-models!" for i, t in enumerate(TOPICS)
    ] * 3
    labels = [1 if "reinforcement" in t else 0 for t in texts]
    weights = [2.0 if y else 1.0 for y in labels]
    fitted = relevance.fit(
        [(t, w) for t, y, w in zip(texts, labels, weights, strict=True) if y],
        [(t, w) for t, y, w in zip(texts, labels, weights, strict=True) if not y],
    )
    assert fitted is not None
    ordered = [t for t, y in zip(texts, labels, strict=True) if y] + [
        t for t, y in zip(texts, labels, strict=True) if not y
    ]
    # The same analyser (stems), so the test is of the weighting and the regression.
    vec = TfidfVectorizer(analyzer=relevance.terms, sublinear_tf=True)
    x = vec.fit_transform(ordered)
    assert sorted(vec.vocabulary_) == fitted.vocabulary
    ours = relevance.transform(fitted, ordered)
    dense = np.zeros((len(ordered), len(fitted.vocabulary)))
    for i in range(len(ordered)):
        lo, hi = ours.indptr[i], ours.indptr[i + 1]
        dense[i, ours.indices[lo:hi]] = ours.data[lo:hi]
    assert np.allclose(dense, x.toarray())
    y = np.array(sorted(labels, reverse=True))
    w = np.array(sorted(weights, reverse=True))
    lr = LogisticRegression(C=relevance.C, class_weight="balanced", tol=1e-8, max_iter=1000).fit(
        x, y, sample_weight=w
    )
    assert np.allclose(lr.coef_.ravel(), fitted.weights, atol=1e-3)
    assert abs(lr.intercept_[0] - fitted.intercept) < 1e-3


def test_terms_are_stems_and_explanations_show_the_papers_own_words() -> None:
    from radar import relevance

    # scikit-learn's tokens and stop words, then Snowball stems, then adjacent pairs;
    # then the title's own terms again, apart.
    text = relevance.document("The Networks of\n  World-Models", "Networked agents.")
    assert text == "The Networks of World-Models\nNetworked agents."
    assert relevance.terms(text) == [
        *["network", "world", "model", "network", "agent"],
        *["network world", "world model", "model network", "network agent"],
        *["title:network", "title:world", "title:model", "title:network world", "title:world model"],
    ]
    # arXiv writes LaTeX accents; a library exported by Zotero writes the letters.
    assert "kollár" in relevance.terms(relevance.document("Koll\\'ar's theorem", ""))
    assert "kollár" in relevance.terms(relevance.document("Kollár's theorem", ""))
    # A text without an abstract (a library entry, a topic) is all title.
    assert relevance.terms("world models") == [
        "world",
        "model",
        "world model",
        *(["title:world", "title:model", "title:world model"]),
    ]
    said = relevance.surface("Learning world models from belief states")
    assert said["world model"] == "world models" and said["belief state"] == "belief states"
    # A pair is shown with the stop words between its words, and acronyms as written.
    said = relevance.surface("A Model for Social Networks of DDA agents")
    assert said["model social"] == "model for social" and said["dda"] == "DDA"
    fitted = relevance.fit(
        [("Belief states for world models", 1.0), ("World models learn belief states", 1.0)],
        [("Protein folding in yeast", 1.0), ("Galaxy clusters at high redshift", 1.0)],
    )
    assert fitted is not None
    model = relevance.StoredModel(1, fitted, [])
    (found,) = relevance.explain(model, ["Planning with learned world models and belief states"])
    # The words as this paper writes them, never a stem such as "belief state".
    assert found.terms and all(
        t in "planning with learned world models and belief states" for t in found.terms
    )
    assert {"models", "states"} <= set(found.terms) and not {"model", "state"} & set(found.terms)


def test_a_topic_follow_is_a_signal_and_unfollowing_retrains(tmp_path: Path, radar_home: Path) -> None:
    store(tmp_path)
    ok("follow", "--no-fetch", "--topic", "speech recognition")
    shown = cards()
    # The topic's matches lead (their tier) and the model learned from its phrase.
    best = max(shown, key=lambda c: c["relevance"])
    assert topic_of(shown[0]) == "speech" and topic_of(best) == "speech"
    assert shown[0]["relevance"] is not None
    with sqlite3.connect(db_path(radar_home)) as conn:
        first = conn.execute("select id, signals_hash from relevance_models").fetchone()
    ok("unfollow", "--topic", "speech recognition")
    after = cards()
    assert all(c["relevance"] is None for c in after), "no signal left: no model, nothing said"
    ok("follow", "--no-fetch", "--topic", "protein folding")
    cards()
    with sqlite3.connect(db_path(radar_home)) as conn:
        second = conn.execute("select id, signals_hash from relevance_models").fetchone()
    assert second[1] != first[1]


def test_markdown_cards_carry_the_reasons_and_the_library_mark(tmp_path: Path, radar_home: Path) -> None:
    store(tmp_path)
    add_library(radar_home, [("2611.00104", "Protein folding structure prediction", "")])
    md = ok("today", "--format", "markdown", "--limit", "100")
    assert "in your library" in md and "close to" in md


def test_a_paper_that_changes_is_scored_again(tmp_path: Path) -> None:
    import time

    store(tmp_path)
    ok("star", "2611.00100")  # rl
    before = next(c for c in cards() if c["id"] == "2611.00111")  # a graph paper
    time.sleep(1.1)  # timestamps are to the second
    changed = paper(111, "rl")
    changed.version, changed.announce = 2, "replace"
    ok("import", str(write(tmp_path / "v2.xml", rss_feed([changed], day="2026-11-20"))))
    after = next(c for c in cards() if c["id"] == "2611.00111")
    assert after["relevance"] > before["relevance"]


def test_embeddings_from_a_loopback_endpoint_are_cached_and_fused(tmp_path: Path, radar_home: Path) -> None:
    from llm_server import ChatServer

    server = ChatServer().start()
    try:
        env = {"RADAR_EMBED_MODEL": "openai/test-embed", "RADAR_LLM_API_BASE": server.url}
        store(tmp_path)
        ok("star", "2611.00100")
        result = run_radar("today", "--format", "json", "--limit", "100", env=env)
        assert result.returncode == 0, result.stderr
        assert "Warning" not in result.stderr
        shown = json.loads(result.stdout)
        top = [topic_of(c) for c in shown if not c["suggested"]][:5]
        assert top == ["rl"] * 5
        asked = len(server.requests)
        assert asked > 0 and all("input" in r for r in server.requests)
        with sqlite3.connect(db_path(radar_home)) as conn:
            dense = json.loads(conn.execute("select dense_json from relevance_models").fetchone()[0])
            assert dense["model"] == "openai/test-embed" and len(dense["centroid"]) == 64
            assert conn.execute("select count(*) from relevance_embeddings").fetchone()[0] > 40
        again = run_radar("today", "--format", "json", env=env)
        assert again.returncode == 0 and len(server.requests) == asked, "computed once, then read"
    finally:
        server.stop()


def test_a_failing_embedding_endpoint_falls_back_to_the_sparse_model(tmp_path: Path) -> None:
    from llm_server import ChatServer

    server = ChatServer(status=[500] * 50).start()
    try:
        env = {"RADAR_EMBED_MODEL": "openai/test-embed", "RADAR_LLM_API_BASE": server.url}
        store(tmp_path)
        ok("star", "2611.00100")
        result = run_radar("today", "--format", "json", "--limit", "100", env=env)
        assert result.returncode == 0, result.stderr
        assert result.stderr.count("embeddings failed") == 1
        assert "sparse model alone" in result.stderr
        shown = json.loads(result.stdout)
        assert [topic_of(c) for c in shown if not c["suggested"]][:5] == ["rl"] * 5
    finally:
        server.stop()
