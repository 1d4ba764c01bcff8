"""Following authors, categories and topics, and the matches stored for them."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from feeds import Item, api_feed, rss_feed

from radar.database import Database
from radar.errors import NotFoundError, UsageError
from radar.follows import add_follow, list_follows, near_misses, remove_follow
from radar.ingest import save_papers
from radar.sources.arxiv_api import parse_api_response
from radar.sources.arxiv_rss import parse_listing
from radar.store import open_db


@pytest.fixture
def db(tmp_path: Path) -> Database:
    return open_db(tmp_path / "radar.db")


def save_api(db: Database, items: list[Item]) -> None:
    save_papers(db, parse_api_response(api_feed(items)).papers)


def save_rss(db: Database, items: list[Item], day: str = "2026-11-20") -> None:
    save_papers(db, parse_listing(rss_feed(items, day=day)).papers)


def matches(db: Database, follow_id: int) -> dict[str, dict[str, Any]]:
    rows = db.query(
        "select paper_id, strength, reason, matched_name from matches where follow_id = ? order by paper_id",
        [follow_id],
    )
    return {r.pop("paper_id"): r for r in rows}


# --- authors ------------------------------------------------------------------------------


def test_author_follow_does_not_match_other_people_with_the_surname(db: Database) -> None:
    save_api(
        db,
        [
            Item("2611.00001", authors=["Krish Sharma", "Ada Lovelace"]),
            Item("2611.00002", authors=["Pratyusha Sharma"]),
            Item("2611.00003", authors=["Krishna Sharma", "Alan Turing"]),
            Item("2611.00004", authors=["Pratyusha Sharma", "Grace Hopper"]),
        ],
    )
    result = add_follow(db, "author", "Krish Sharma")
    assert result.created is True
    assert result.matched == 1
    assert set(matches(db, result.follow.id)) == {"2611.00001"}
    assert near_misses(db, result.follow) == Counter({"Pratyusha Sharma": 2, "Krishna Sharma": 1})


def test_author_follow_matches_middle_initial_exactly(db: Database) -> None:
    save_api(
        db, [Item("2611.00001", authors=["Sham M. Kakade"]), Item("2611.00002", authors=["Sham Kakade"])]
    )
    result = add_follow(db, "author", "Sham Kakade")
    assert result.matched == 2
    found = matches(db, result.follow.id)
    assert found["2611.00001"] == {
        "strength": "exact",
        "reason": "by Sham M. Kakade, whom you follow",
        "matched_name": "Sham M. Kakade",
    }
    assert found["2611.00002"]["strength"] == "exact"
    assert found["2611.00002"]["matched_name"] == "Sham Kakade"
    assert near_misses(db, result.follow) == Counter()


def test_author_initial_match(db: Database) -> None:
    save_api(
        db,
        [
            Item("2611.00001", authors=["Ada Lovelace", "A. Krishnamurthy"]),
            Item("2611.00002", authors=["Aravind Krishnamurthy"]),
            Item("2611.00003", authors=["Akshay Krishnamurthy"]),
        ],
    )
    result = add_follow(db, "author", "Akshay Krishnamurthy")
    found = matches(db, result.follow.id)
    assert set(found) == {"2611.00001", "2611.00003"}
    assert found["2611.00001"] == {
        "strength": "initial",
        "reason": "by A. Krishnamurthy (initials only; may be Akshay Krishnamurthy)",
        "matched_name": "A. Krishnamurthy",
    }
    assert found["2611.00003"]["strength"] == "exact"
    assert near_misses(db, result.follow) == Counter({"Aravind Krishnamurthy": 1})


def test_a_follow_by_initials_matches_its_own_spelling_as_asked(db: Database) -> None:
    save_api(
        db,
        [
            Item("2611.00001", authors=["A. Krishnamurthy"]),
            Item("2611.00002", authors=["Akshay Krishnamurthy"]),
        ],
    )
    result = add_follow(db, "author", "A. Krishnamurthy")
    found = matches(db, result.follow.id)
    assert found["2611.00001"]["reason"] == "by A. Krishnamurthy, whom you follow"
    assert found["2611.00002"] == {
        "strength": "exact",
        "reason": "by Akshay Krishnamurthy, whom you follow",
        "matched_name": "Akshay Krishnamurthy",
    }


def test_a_follow_by_initials_counts_no_coauthor_of_its_own_papers_as_a_near_miss(db: Database) -> None:
    save_api(
        db,
        [
            Item("2611.00001", authors=["C. Smith", "D. Smith"]),
            Item("2611.00002", authors=["C. Smith", "Dana Smith"]),
            Item("2611.00003", authors=["Dana Smith"]),
        ],
    )
    result = add_follow(db, "author", "C. Smith")
    assert near_misses(db, result.follow) == Counter({"Dana Smith": 1})


def test_near_misses_include_the_other_spelling_of_a_compound_surname(db: Database) -> None:
    save_api(
        db,
        [
            Item("2611.00001", authors=["Ana García-López"]),
            Item("2611.00002", authors=["Ana García López"]),
            Item("2611.00003", authors=["Pedro García López"]),
            Item("2611.00004", authors=["Pedro García-López", "Juan López"]),
        ],
    )
    namesakes = Counter({"Pedro García López": 1, "Pedro García-López": 1})
    follow = add_follow(db, "author", "Ana García-López").follow
    assert set(matches(db, follow.id)) == {"2611.00001", "2611.00002"}
    assert near_misses(db, follow) == namesakes
    remove_follow(db, "author", "Ana García-López")
    # Spelled with a space, García may be a middle name: every López is a namesake too.
    follow = add_follow(db, "author", "Ana García López").follow
    assert set(matches(db, follow.id)) == {"2611.00001", "2611.00002"}
    assert near_misses(db, follow) == namesakes + Counter({"Juan López": 1})


@pytest.mark.parametrize(
    ("followed", "printed"),
    [("Sébastien Bubeck", "Sebastien Bubeck"), ("Sebastien Bubeck", "Sébastien Bubeck")],
)
def test_author_accents_fold(db: Database, followed: str, printed: str) -> None:
    save_api(db, [Item("2611.00001", authors=[printed])])
    result = add_follow(db, "author", followed)
    assert result.matched == 1
    found = matches(db, result.follow.id)
    assert found["2611.00001"]["strength"] == "exact"
    assert found["2611.00001"]["matched_name"] == printed
    assert found["2611.00001"]["reason"] == f"by {printed}, whom you follow"


def test_author_follow_from_listing_feed(db: Database) -> None:
    # Names come from the single dc:creator string of a listing, with affiliations.
    save_rss(db, [Item("2611.00001", authors=["Jane Doe (MIT, Cambridge)", "Sham M. Kakade (Harvard)"])])
    result = add_follow(db, "author", "Sham Kakade")
    assert matches(db, result.follow.id)["2611.00001"]["matched_name"] == "Sham M. Kakade"


def test_author_follow_value_is_kept_as_typed(db: Database) -> None:
    result = add_follow(db, "author", "  Sham   Kakade ")
    assert result.follow.value == "Sham Kakade"
    assert db["follows"].get(result.follow.id)["key"] == "sham kakade"


# --- categories ---------------------------------------------------------------------------


def test_unknown_category_is_refused_with_a_suggestion(db: Database) -> None:
    with pytest.raises(UsageError, match=r"unknown arXiv category 'cs\.XX'; did you mean cs\.\w\w"):
        add_follow(db, "category", "cs.XX")
    # A typo gets what it is close to, not the archive's first categories after it.
    with pytest.raises(UsageError, match=r"did you mean cs\.LG\?$"):
        add_follow(db, "category", "cs.LGG")
    # Several at once are told how to give them.
    for typed in ("cs.LG,stat.ML", "cs.lg stat.ml", "cs.LG, stat.ML"):
        with pytest.raises(
            UsageError, match=r"^one category at a time: --category cs\.LG --category stat\.ML$"
        ):
            add_follow(db, "category", typed)
    assert list(db.query("select * from follows")) == []


def test_category_is_stored_in_canonical_case(db: Database) -> None:
    result = add_follow(db, "category", "cs.lg")
    assert result.follow.value == "cs.LG"
    assert db["follows"].get(result.follow.id)["key"] == "cs.LG"
    again = add_follow(db, "category", "CS.LG")
    assert again.created is False
    assert again.follow.id == result.follow.id


def test_category_matches_primary_and_cross_listed(db: Database) -> None:
    save_api(
        db,
        [
            Item("2611.00001", categories=["cs.LG", "cs.AI"]),
            Item("2611.00002", categories=["stat.ML", "cs.LG"]),
            Item("2611.00003", categories=["math.OC"]),
        ],
    )
    result = add_follow(db, "category", "cs.LG")
    assert result.matched == 2
    found = matches(db, result.follow.id)
    assert found == {
        "2611.00001": {"strength": "primary", "reason": "in cs.LG", "matched_name": None},
        "2611.00002": {"strength": "cross", "reason": "cross-listed in cs.LG", "matched_name": None},
    }


# --- topics -------------------------------------------------------------------------------


def test_topic_matches_title_or_abstract_as_a_phrase(db: Database) -> None:
    save_api(
        db,
        [
            Item("2611.00001", title="Learning World Models for Control"),
            Item("2611.00002", title="A study", abstract="We train a world model on video."),
            Item("2611.00003", title="The world of protein models", abstract="Models of the world."),
            Item("2611.00004", title="Unrelated", abstract="Nothing here."),
        ],
    )
    result = add_follow(db, "topic", "world models")
    found = matches(db, result.follow.id)
    # The porter stemmer lets "world model" match "world models"; words apart do not match.
    assert set(found) == {"2611.00001", "2611.00002"}
    assert found["2611.00001"] == {
        "strength": "phrase",
        "reason": 'mentions "world models"',
        "matched_name": None,
    }
    assert result.matched == 2


@pytest.mark.parametrize("topic", ['"foo" OR bar*', "NEAR(", "foo AND", "title:bar", "-foo", "foo^"])
def test_topic_with_fts_syntax_does_not_raise(db: Database, topic: str) -> None:
    save_api(
        db,
        [
            Item("2611.00001", title="Foo or bar in practice"),
            Item("2611.00002", title="Only foo here"),
            Item("2611.00003", title="Only bar here", abstract="A barometer near the title field."),
        ],
    )
    result = add_follow(db, "topic", topic)
    assert result.created is True
    found = set(matches(db, result.follow.id))
    # The topic is searched as literal words, never as FTS syntax.
    expected = {
        '"foo" OR bar*': {"2611.00001"},
        "NEAR(": {"2611.00003"},
        "foo AND": set(),
        "title:bar": set(),
        "-foo": {"2611.00001", "2611.00002"},
        "foo^": {"2611.00001", "2611.00002"},
    }[topic]
    assert found == expected


def test_topic_follow_key_is_normalised(db: Database) -> None:
    first = add_follow(db, "topic", "World Models")
    again = add_follow(db, "topic", "world   models")
    assert again.created is False
    assert again.follow.id == first.follow.id
    assert again.follow.value == "World Models"


# --- life cycle ---------------------------------------------------------------------------


def test_papers_imported_after_a_follow_get_matched(db: Database) -> None:
    author = add_follow(db, "author", "Sham Kakade")
    category = add_follow(db, "category", "stat.ML")
    topic = add_follow(db, "topic", "world models")
    assert (author.matched, category.matched, topic.matched) == (0, 0, 0)
    save_rss(
        db,
        [
            Item("2611.00001", authors=["Sham M. Kakade"]),
            Item("2611.00002", categories=["cs.LG", "stat.ML"]),
            Item("2611.00003", title="Scaling world models"),
        ],
    )
    assert set(matches(db, author.follow.id)) == {"2611.00001"}
    assert matches(db, category.follow.id) == {
        "2611.00002": {"strength": "cross", "reason": "cross-listed in stat.ML", "matched_name": None}
    }
    assert set(matches(db, topic.follow.id)) == {"2611.00003"}
    counts = {f.value: f.papers for f in list_follows(db)}
    assert counts == {"Sham Kakade": 1, "stat.ML": 1, "world models": 1}


def test_new_version_rematches(db: Database) -> None:
    author = add_follow(db, "author", "Sham Kakade")
    save_api(db, [Item("2611.00001", authors=["Sham Kakade"], version=1)])
    assert set(matches(db, author.follow.id)) == {"2611.00001"}
    # v2 drops the followed author: the match goes away.
    save_api(db, [Item("2611.00001", authors=["Ada Lovelace"], version=2)])
    assert matches(db, author.follow.id) == {}


def test_unfollow_removes_matches(db: Database) -> None:
    save_api(db, [Item("2611.00001", authors=["Sham Kakade"], categories=["cs.LG"])])
    author = add_follow(db, "author", "Sham Kakade")
    category = add_follow(db, "category", "cs.LG")
    assert len(matches(db, author.follow.id)) == 1
    removed = remove_follow(db, "author", "Sham  Kakade")
    assert removed.id == author.follow.id
    assert matches(db, author.follow.id) == {}
    assert [f.value for f in list_follows(db)] == ["cs.LG"]
    # Other follows keep their matches.
    assert set(matches(db, category.follow.id)) == {"2611.00001"}
    with pytest.raises(NotFoundError):
        remove_follow(db, "author", "Sham Kakade")


def test_following_twice_reports_not_created(db: Database) -> None:
    save_api(db, [Item("2611.00001", authors=["Sham Kakade"])])
    first = add_follow(db, "author", "Sham Kakade")
    second = add_follow(db, "author", "Sham Kakade")
    assert first.created is True
    assert second.created is False
    assert second.follow.id == first.follow.id
    assert second.matched == 1
    assert db.execute("select count(*) from follows").fetchone()[0] == 1


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("author", ""),
        ("author", "   "),
        ("author", "1234"),
        ("topic", ""),
        ("topic", " \t "),
        ("topic", "!!! ???"),
        ("category", ""),
        ("journal", "Nature"),
    ],
)
def test_empty_or_bad_values_raise_usage_error(db: Database, kind: str, value: str) -> None:
    with pytest.raises(UsageError):
        add_follow(db, kind, value)
    assert db.execute("select count(*) from follows").fetchone()[0] == 0


@pytest.mark.parametrize(
    "value",
    [
        "Francesco Orabona and Shay Cohen",
        "Ada Lovelace & Alan Turing",
        "A. Ng; M. Jordan",
        "Yoshua Bengio, Geoffrey Hinton, Yann LeCun",
        "A. Ng, M. Jordan",
    ],
)
def test_a_list_of_people_is_refused(db: Database, value: str) -> None:
    with pytest.raises(UsageError, match=r"names more than one person: give one at a time$"):
        add_follow(db, "author", value)
    assert db.execute("select count(*) from follows").fetchone()[0] == 0


@pytest.mark.parametrize(
    "one",
    [
        "Anand Sarwate",
        "José Ortega y Gasset",
        "Metin And",
        "Ng, Andrew Y.",
        "King, Jr., Martin Luther",
        "Martin Luther King, Jr.",
        "García Márquez, José",
        "van der Berg, Jan Willem",
        "Kakade, S. M.",
    ],
)
def test_one_persons_name_in_any_form_is_one_person(db: Database, one: str) -> None:
    assert add_follow(db, "author", one).created


def test_a_list_followed_before_it_was_refused_can_still_be_removed(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from radar import follows

    with monkeypatch.context() as m:
        m.setattr(follows, "_several_people", lambda value: False)
        add_follow(db, "author", "Ada Lovelace and Alan Turing")
    remove_follow(db, "author", "Ada Lovelace and Alan Turing")
    assert db.execute("select count(*) from follows").fetchone()[0] == 0


# --- preview ------------------------------------------------------------------------------


def test_preview_counts_coauthors_on_team_papers_not_collaborations(db: Database) -> None:
    from radar.follows import TEAM_SIZE, preview

    collaboration = [f"Member {chr(65 + i // 26)}{chr(65 + i % 26)} Atlas" for i in range(TEAM_SIZE + 10)]
    save_api(
        db,
        [
            Item("2611.00001", authors=["Ada Lovelace", "Charles Babbage"]),
            Item("2611.00002", authors=["Charles Babbage", "Ada Lovelace", "Mary Somerville"]),
            Item("2611.00003", authors=["Ada Lovelace", *collaboration]),
            Item("2611.00004", authors=[*collaboration[:5], "Ada Lovelace", *collaboration[5:]]),
            # Exactly TEAM_SIZE authors still count as a team.
            Item("2611.00005", authors=["Ada Lovelace", "Mary Somerville", *collaboration[: TEAM_SIZE - 2]]),
        ],
    )
    follow = add_follow(db, "author", "Ada Lovelace").follow
    shown = preview(db, follow)
    assert shown.papers == 5
    assert shown.coauthors[:2] == [("Charles Babbage", 2), ("Mary Somerville", 2)]
    # The collaboration's members count once (their team-sized paper), not three times.
    assert all(count == 1 for _, count in shown.coauthors[2:])
    assert "Ada Lovelace" not in dict(shown.coauthors)


def test_preview_of_someone_who_writes_only_in_collaborations(db: Database) -> None:
    from radar.follows import TEAM_SIZE, preview

    collaboration = [f"Member {chr(65 + i // 26)}{chr(65 + i % 26)} Atlas" for i in range(TEAM_SIZE + 10)]
    save_api(
        db,
        [
            Item("2611.00001", authors=["Ada Lovelace", *collaboration]),
            Item("2611.00002", authors=[*collaboration, "Ada Lovelace"]),
        ],
    )
    shown = preview(db, add_follow(db, "author", "Ada Lovelace").follow)
    assert shown.coauthors[0] == ("Member AA Atlas", 2) and len(shown.coauthors) == 5
    assert "Ada Lovelace" not in dict(shown.coauthors)


def test_preview_of_someone_with_one_solo_paper_among_collaborations(db: Database) -> None:
    from radar.follows import TEAM_SIZE, preview

    collaboration = [f"Member {chr(65 + i // 26)}{chr(65 + i % 26)} Atlas" for i in range(TEAM_SIZE + 10)]
    save_api(
        db,
        [
            Item("2611.00001", authors=["Ada Lovelace"]),  # a thesis: no co-author
            Item("2611.00002", authors=["Ada Lovelace", *collaboration]),
            Item("2611.00003", authors=[*collaboration, "Ada Lovelace"]),
        ],
    )
    shown = preview(db, add_follow(db, "author", "Ada Lovelace").follow)
    assert shown.coauthors[0] == ("Member AA Atlas", 2)


def test_preview_of_a_follow_with_more_papers_than_its_sample_leaves_out_the_person(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Past 20 samples' worth of papers, the preview walks the newest days instead of
    # sorting every match: the followed person must still not be their own co-author.
    import radar.follows
    from radar.follows import preview

    monkeypatch.setattr(radar.follows, "PREVIEW_SAMPLE", 1)
    save_api(
        db,
        [
            Item(
                f"2611.{i:05d}",
                authors=["Ada Lovelace", f"Coauthor{i} Babbage"],
                published=f"2026-11-{i:02d}T10:00:00Z",
            )
            for i in range(1, 25)
        ],
    )
    shown = preview(db, add_follow(db, "author", "Ada Lovelace").follow)
    assert shown.papers == 24 and len(shown.latest) == 1
    assert [name for name, _ in shown.coauthors] == ["Coauthor24 Babbage"]
