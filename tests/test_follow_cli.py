"""radar follow, unfollow and following through the CLI: who is matched, and what is refused."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import fails, ok, run_radar, store_with
from feeds import Item, rss_feed, write


def test_ranking_author_then_topic_then_category(tmp_path: Path) -> None:
    store_with(
        tmp_path,
        [
            Item("2611.00001", title="Plain category paper", authors=["Zed Zero"]),
            Item("2611.00002", title="Learning world models at scale", authors=["Yan Why"]),
            Item(
                "2611.00003",
                title="Bandits",
                authors=["Akshay Krishnamurthy", "Bo Bee"],
                announce="replace",
                version=2,
            ),
            Item(
                "2611.00004",
                title="A cross-listed paper",
                authors=["Cy See"],
                categories=["stat.ML", "cs.LG"],
                announce="cross",
            ),
        ],
    )
    ok("follow", "--no-fetch", "Akshay Krishnamurthy")
    ok("follow", "--no-fetch", "--topic", "world models")
    ok("follow", "--no-fetch", "--category", "cs.LG")
    cards = json.loads(ok("today", "--format", "json"))
    assert [c["id"] for c in cards] == ["2611.00003", "2611.00002", "2611.00001", "2611.00004"]
    top = cards[0]
    for key in (
        "id",
        "version",
        "title",
        "authors",
        "primary_category",
        "categories",
        "published",
        "updated",
        "announce_type",
        "score",
        "reasons",
        "url",
    ):
        assert key in top
    assert top["version"] == 2 and top["announce_type"] == "replace" and top["label"] == "UPDATED v2"
    assert top["url"] == "https://arxiv.org/abs/2611.00003"
    assert {r["kind"] for r in top["reasons"]} == {"author", "category"}
    assert (
        cards[3]["reasons"][0]["reason"] == "cross-listed in stat.ML"
        or cards[3]["reasons"][0]["reason"] == "cross-listed in cs.LG"
    )


def test_similar_names_are_not_shown(tmp_path: Path) -> None:
    store_with(
        tmp_path,
        [
            Item("2611.00010", authors=["Pratyusha Sharma"], categories=["cs.CL"]),
            Item("2611.00011", authors=["Krishna Sharma"], categories=["cs.CL"]),
            Item("2611.00012", authors=["Krish Sharma", "Pratyusha Sharma"], categories=["cs.CL"]),
        ],
    )
    result = run_radar("follow", "--no-fetch", "Krish Sharma")
    assert "Following author Krish Sharma: 1 paper stored." in result.stderr
    # Not 2: the paper Pratyusha wrote with Krish is counted, so it is no near miss.
    assert "not counted: 1 paper by Pratyusha Sharma" in result.stderr
    assert "not counted: 1 paper by Krishna Sharma" in result.stderr
    cards = json.loads(ok("today", "--format", "json"))
    assert [c["id"] for c in cards] == ["2611.00012"]


def test_a_two_word_surname_is_found_with_a_hyphen_or_a_space(tmp_path: Path) -> None:
    store_with(
        tmp_path,
        [
            Item("2611.00020", title="Hyphenated graphs", authors=["Ana García-López"]),
            Item("2611.00021", title="Spaced graphs", authors=["Ana García López", "Bo Bee"]),
            Item("2611.00022", title="Second surname graphs", authors=["Ana López"]),
            Item("2611.00023", title="Someone else's graphs", authors=["Pedro García-López"]),
        ],
    )
    result = run_radar("follow", "--no-fetch", "Ana García-López")
    assert "Following author Ana García-López: 2 papers stored." in result.stderr, result.stderr
    cards = json.loads(ok("today", "--format", "json"))
    assert sorted(c["id"] for c in cards) == ["2611.00020", "2611.00021"]
    spaced = next(c for c in cards if c["id"] == "2611.00021")
    assert spaced["reasons"][0]["reason"] == "by Ana García López, whom you follow"
    # A paper that arrives after the follow is matched the same way.
    later = rss_feed(
        [Item("2611.00024", title="Later graphs", authors=["Ana García López"])], day="2026-11-20"
    )
    ok("import", str(write(tmp_path / "later.xml", later)))
    cards = json.loads(ok("today", "--format", "json"))
    assert sorted(c["id"] for c in cards) == ["2611.00020", "2611.00021", "2611.00024"]
    found = json.loads(ok("search", "graphs", "--author", "Ana García-López", "--format", "json"))
    assert {c["id"] for c in found} == {"2611.00020", "2611.00021", "2611.00024"}
    ok("mute", "--author", "Ana Garcia-Lopez")
    assert json.loads(ok("today", "--format", "json")) == []


def test_follow_unfollow_following(tmp_path: Path) -> None:
    store_with(tmp_path, [Item("2611.00070", authors=["Sham M. Kakade"])])
    ok("follow", "--no-fetch", "Sham Kakade")
    ok("follow", "--no-fetch", "--category", "cs.lg", "--topic", "things")
    listed = json.loads(ok("following", "--format", "json"))
    assert {(f["kind"], f["value"], f["papers"]) for f in listed} == {
        ("author", "Sham Kakade", 1),
        ("category", "cs.LG", 1),
        ("topic", "things", 1),
    }
    assert "Already following" in run_radar("follow", "--no-fetch", "sham kakade").stderr
    ok("unfollow", "--topic", "things")
    assert len(json.loads(ok("following", "--format", "json"))) == 2
    assert "you do not follow" in fails(1, "unfollow", "--topic", "things")
    assert 'e.g. radar unfollow "Akshay Krishnamurthy"' in fails(2, "unfollow")


def test_empty_name_and_bad_category() -> None:
    assert "Error: the author to follow is empty" in fails(2, "follow", "  ")
    assert "Error: name a person, --category, --topic or --feed" in fails(2, "follow")
    err = fails(2, "follow", "--category", "cs.XX")
    assert "unknown arXiv category 'cs.XX'; did you mean cs." in err


def test_a_follow_made_while_arxiv_is_unreachable_is_saved_and_says_so() -> None:
    # conftest points arXiv at a closed port. The fetch failed (exit 1, as README says),
    # and the follow is saved: stderr says both, plainly.
    result = run_radar("follow", "Ada Lovelace", env={"RADAR_HTTP_RETRIES": "0"})
    assert result.returncode == 1
    assert "connection refused" in result.stderr
    assert "The follow is saved, but its first fetch failed: radar fetch will try again." in result.stderr
    listed = json.loads(run_radar("following", "--format", "json").stdout)
    assert [f["value"] for f in listed] == ["Ada Lovelace"]


def test_a_follow_made_offline_asks_once_and_is_saved() -> None:
    # A name that does not resolve (offline) is not retried: one request, then one
    # line for the cause and one saying the follow is saved; before, the follow waited
    # out every retry and said nothing of its first fetch having failed.
    env = {"RADAR_ARXIV_API_URL": "http://nonexistent.invalid/api/query", "RADAR_HTTP_RETRIES": "4"}
    result = run_radar("follow", "Ada Lovelace", env=env)
    assert result.returncode == 1, result.stderr
    assert result.stdout == ""
    error, saved = result.stderr.splitlines()[:2]
    # (The resolver's words vary: "name or service not known", or a temporary failure.)
    assert error.startswith("Error: cannot reach nonexistent.invalid: connection failed ("), error
    assert error.endswith(
        "; 1 source not fetched (arXiv API, authors). Nothing stored was lost: the next fetch tries again"
    )
    assert saved == "The follow is saved, but its first fetch failed: radar fetch will try again."
    assert "Fetched: 0 new" not in result.stderr
    status = json.loads(run_radar("status", "--format", "json").stdout)
    assert [run["requests"] for run in status["runs"]] == [1], status["runs"]
    listed = json.loads(run_radar("following", "--format", "json").stdout)
    assert [f["value"] for f in listed] == ["Ada Lovelace"]
