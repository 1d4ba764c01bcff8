"""Namesakes told apart: the papers of one name grouped into people, and follows of a person."""

from __future__ import annotations

import pytest

from radar.names import parse_name
from radar.people import Work, coauthor_cores, group_works

JUN = parse_name("Jun Zhu")


def ids(works: list[Work], groups: list[list[int]]) -> list[set[str]]:
    return sorted(({works[i].id for i in g} for g in groups), key=lambda g: sorted(g))


def test_papers_sharing_a_coauthor_are_one_person_transitively() -> None:
    works = [
        Work("a", ("Jianfei Chen", "Jun Zhu"), ("cs.LG",), "Stochastic gradient"),
        Work("b", ("Jianfei Chen", "Bo Zhang"), ("cs.LG",), "Variational inference"),
        Work("c", ("Bo Zhang",), ("stat.ML",), "Bayesian deep nets"),  # through b
        Work("d", ("Mark Spiro",), ("hep-ex",), "Top quark mass at the collider"),
    ]
    assert ids(works, coauthor_cores(works, JUN)) == [{"a", "b", "c"}, {"d"}]


def test_the_followed_name_itself_links_nothing() -> None:
    works = [
        Work("a", ("J. Zhu", "Ada Lovelace"), ("cs.LG",)),
        Work("b", ("J. Zhu", "Grace Hopper"), ("hep-ex",)),
    ]
    assert len(coauthor_cores(works, JUN)) == 2


def test_a_coauthor_written_with_initials_links_only_with_a_second() -> None:
    works = [
        Work("a", ("Y. Li",), ("cs.LG",)),
        Work("b", ("Y. Li",), ("hep-ex",)),
        Work("c", ("Y. Li", "K. Wu"), ("cs.CV",)),
        Work("d", ("Y. Li", "K. Wu"), ("cs.CV",)),
    ]
    assert ids(works, coauthor_cores(works, JUN)) == [{"a"}, {"b"}, {"c", "d"}]


def test_a_given_name_written_in_one_word_with_a_hyphen_or_in_two_links() -> None:
    works = [
        Work("a", ("Jianfei Chen",), ("cs.LG",)),
        Work("b", ("Jian-Fei Chen",), ("cs.LG",)),
        Work("c", ("Jian Fei Chen",), ("cs.LG",)),
        Work("d", ("Yiwei Thomas Hou",), ("cs.NI",)),
        Work("e", ("Yiwei Hou",), ("cs.NI",)),
    ]
    assert ids(works, coauthor_cores(works, JUN)) == [{"a", "b", "c"}, {"d", "e"}]


def test_a_hyphenated_given_name_is_not_its_first_half() -> None:
    # "Jian-Fei Chen" is one given name: not the "Jian Chen" of another paper.
    works = [Work("a", ("Jian-Fei Chen",), ("cs.LG",)), Work("b", ("Jian Chen",), ("cs.LG",))]
    assert len(coauthor_cores(works, JUN)) == 2


@pytest.mark.parametrize(
    ("followed", "written"),
    [("Sean O'Brien", "S. O'Brien"), ("Ana García-López", "Ana Garcia-Lopez"), ("Jun Zhu", "J. Zhu")],
)
def test_the_followed_person_is_no_coauthor_of_their_own_however_written(followed: str, written: str) -> None:
    from radar.people import _is_followed

    assert _is_followed(written, parse_name(followed))
    assert not _is_followed("Jianfei Chen", parse_name(followed))


def test_collaboration_papers_make_no_links() -> None:
    big = tuple(f"Member{i} Person{i}" for i in range(40))
    works = [
        Work("a", ("Member1 Person1",), ("cond-mat.mtrl-sci",), "Oxide thin films"),
        Work("b", big, ("hep-ex",), "Higgs boson decay measurement"),
        Work("c", big, ("hep-ex",), "Top quark pair production measurement"),
    ]
    assert len(coauthor_cores(works, JUN)) == 3


def test_initial_only_papers_never_bridge_two_people() -> None:
    works = [
        Work("a", ("Jianfei Chen",), ("cs.LG",), "Stochastic gradient Markov chain Monte Carlo"),
        Work("b", ("Mark Spiro",), ("hep-ex",), "Top quark mass at the collider"),
        Work("c", ("Jianfei Chen", "Mark Spiro"), ("math.PR",), "Random walks", initial_only=True),
    ]
    cores = ids(works, coauthor_cores(works, JUN))
    assert {"a", "b"} not in cores and not any({"a", "b"} <= g for g in cores)


def test_a_paper_with_no_shared_coauthor_joins_by_its_profile() -> None:
    ml = ("cs.LG", "stat.ML")
    works = [
        Work("a", ("Jianfei Chen",), ml, "Scalable inference for topic models", 2018),
        Work("b", ("Jianfei Chen",), ml, "Stochastic gradient inference for topic models", 2019),
        Work("c", ("Chongxuan Li",), ml, "Topic models with scalable variational inference", 2020),
        Work("p", ("Mark Spiro",), ("hep-ex",), "Top quark mass measurement", 2019),
        Work("q", ("Mark Spiro",), ("hep-ex",), "Top quark pair measurement", 2020),
        Work("r", ("Ana Ruiz",), ("hep-ex",), "Quark mass measurement with the detector", 2021),
    ]
    assert ids(works, group_works(works, JUN)) == [{"a", "b", "c"}, {"p", "q", "r"}]


def test_a_paper_like_two_people_equally_stays_apart() -> None:
    works = [
        Work("a", ("Jianfei Chen",), ("cs.LG",), "Graph learning", 2020),
        Work("b", ("Jianfei Chen",), ("cs.LG",), "Graph learning again", 2020),
        Work("c", ("Bo Zhang",), ("quant-ph",), "Quantum circuits", 2020),
        Work("d", ("Bo Zhang",), ("quant-ph",), "Quantum circuits again", 2020),
        Work("e", ("Ana Ruiz",), ("stat.ML",), "Graph learning of quantum circuits", 2020),
    ]
    assert ids(works, group_works(works, JUN)) == [{"a", "b"}, {"c", "d"}, {"e"}]


# --- follows of a person --------------------------------------------------------------------

import json  # noqa: E402
from pathlib import Path  # noqa: E402

from conftest import fails, ok, run_radar, store_with  # noqa: E402
from feeds import Item  # noqa: E402

ML = ["cs.LG", "stat.ML"]
HEP = ["hep-ex"]


def namesakes() -> list[Item]:
    """Two people named Jun Zhu: one in machine learning, one in particle physics."""
    return [
        Item("2611.00001", "Scalable inference for topic models", ["Jun Zhu", "Jianfei Chen"], ML),
        Item("2611.00002", "Stochastic gradient inference for topic models", ["Jianfei Chen", "Jun Zhu"], ML),
        Item("2611.00003", "Variational inference for deep topic models", ["Jun Zhu", "Chongxuan Li"], ML),
        Item(
            "2611.00004",
            "Deep topic models with scalable inference",
            ["Chongxuan Li", "Jianfei Chen", "Jun Zhu"],
            ML,
        ),
        Item("2611.00005", "Top quark mass measurement at the collider", ["Jun Zhu", "Mark Spiro"], HEP),
        Item("2611.00006", "Top quark pair production measurement", ["Mark Spiro", "Jun Zhu"], HEP),
        Item("2611.00007", "Measurement of the top quark width", ["Jun Zhu", "Ana Ruiz", "Mark Spiro"], HEP),
        Item("2611.00008", "An unrelated paper", ["Ada Lovelace"], ML),
    ]


def store_ml(tmp_path: Path, papers: list[tuple[str, str, list[str]]]) -> None:
    """A store of machine-learning papers (id, title, authors), each its own abstract:
    profiles then differ as the titles do."""
    store_with(
        tmp_path, [Item(pid, title, authors, ML, abstract=title + ".") for pid, title, authors in papers]
    )


def following(*args: str) -> list[dict]:
    return json.loads(ok("following", "--format", "json", *args))


def test_the_preview_lists_the_people_sharing_a_name(tmp_path: Path) -> None:
    store_with(tmp_path, namesakes())
    result = run_radar("follow", "Jun Zhu", "--no-fetch")
    assert result.returncode == 0, result.stderr
    assert "2 people write as Jun Zhu here:" in result.stderr
    assert "  1. 4 papers; 2026; cs.LG; with Jianfei Chen, Chongxuan Li" in result.stderr
    assert "  2. 3 papers; 2026; hep-ex; with Mark Spiro, Ana Ruiz" in result.stderr
    assert "The follow counts all of them." in result.stderr
    assert following()[0]["papers"] == 7


def test_one_person_previews_as_before(tmp_path: Path) -> None:
    store_with(tmp_path, namesakes())
    result = run_radar("follow", "Mark Spiro", "--no-fetch")
    assert "people write as" not in result.stderr


def test_one_persons_papers_that_share_no_coauthor_preview_as_one_person(tmp_path: Path) -> None:
    # Two circles of co-authors, one field, one subject: most likely one person whose
    # co-authors changed, not two people; the preview does not call them two.
    papers = [
        ("2611.00021", "Scalable inference for topic models", ["Jun Zhu", "Jianfei Chen"]),
        ("2611.00022", "Stochastic inference for topic models", ["Jianfei Chen", "Jun Zhu"]),
        ("2611.00023", "Variational inference for deep topic models", ["Jun Zhu", "Chongxuan Li"]),
        ("2611.00024", "Deep topic models with amortised inference", ["Chongxuan Li", "Jun Zhu"]),
    ]
    store_ml(tmp_path, papers)
    result = run_radar("follow", "Jun Zhu", "--no-fetch")
    assert result.returncode == 0, result.stderr
    assert "people write as" not in result.stderr
    assert "--pick" not in result.stderr
    # Choosing among the groups still shows them, numbered.
    result = run_radar("follow", "Jun Zhu", "--no-fetch", "--pick", "9")
    assert "2 people write as Jun Zhu here:" in result.stderr


def test_like_follows_the_person_who_wrote_that_paper(tmp_path: Path) -> None:
    store_with(tmp_path, namesakes())
    result = run_radar("follow", "Jun Zhu", "--no-fetch", "--like", "2611.00005")
    assert result.returncode == 0, result.stderr
    assert "Following author Jun Zhu: 3 papers stored." in result.stderr
    assert "(followed)" in result.stderr.splitlines()[-2] or "(followed)" in result.stderr
    assert "not counted: 4 papers by other people named Jun Zhu" in result.stderr
    listed = following("--papers")[0]
    assert sorted(listed["paper_ids"]) == ["2611.00005", "2611.00006", "2611.00007"]
    assert listed["person"]["like"] == ["2611.00005"]


def test_a_name_followed_by_its_initials_still_tells_people_apart_by_coauthors(tmp_path: Path) -> None:
    # Every match of "J. Zhu" is by initial: no weaker evidence for this follow, so the
    # co-authors still link. Two people in one category, no title word in common.
    papers = [
        ("2611.00011", "Scalable topic models", ["Jun Zhu", "Jianfei Chen"]),
        ("2611.00012", "Stochastic gradient samplers", ["Jianfei Chen", "Jun Zhu"]),
        ("2611.00013", "Adversarial robustness certificates", ["J. Zhu", "Jianfei Chen"]),
        ("2611.00014", "Federated optimisation with delays", ["Jie Zhu", "Mark Spiro"]),
        ("2611.00015", "Kernel two-sample tests", ["Mark Spiro", "J. Zhu"]),
        ("2611.00016", "Causal discovery from interventions", ["Ana Ruiz", "Mark Spiro", "Jie Zhu"]),
    ]
    store_ml(tmp_path, papers)
    result = run_radar("follow", "J. Zhu", "--no-fetch", "--like", "2611.00014")
    assert result.returncode == 0, result.stderr
    assert "2 people write as J. Zhu here:" in result.stderr
    assert sorted(following("--papers")[0]["paper_ids"]) == ["2611.00014", "2611.00015", "2611.00016"]


def test_like_takes_an_id_in_any_form_other_commands_take(tmp_path: Path) -> None:
    store_with(tmp_path, namesakes())
    ok("follow", "Jun Zhu", "--no-fetch", "--like", "https://arxiv.org/abs/2611.00005v1")
    assert following()[0]["person"]["like"] == ["2611.00005"]
    assert "Error: not an arXiv id: 'abc'" in fails(2, "follow", "Jun Zhu", "--no-fetch", "--not-like", "abc")


def test_following_names_each_person_a_follow_chose(tmp_path: Path) -> None:
    store_with(tmp_path, namesakes())
    ok("follow", "Jun Zhu", "--no-fetch", "--like", "2611.00001")
    assert "Jun Zhu (cs.LG, with Jianfei Chen)" in ok("following")
    ok("follow", "Jun Zhu", "--no-fetch", "--like", "2611.00005")
    both = "2 people: cs.LG, with Jianfei Chen; hep-ex, with Mark Spiro"
    assert following()[0]["person_summary"] == both


def test_pick_chooses_from_the_list_and_out_of_range_shows_it_again(tmp_path: Path) -> None:
    store_with(tmp_path, namesakes())
    ok("follow", "Jun Zhu", "--no-fetch", "--pick", "1")
    assert sorted(following("--papers")[0]["paper_ids"]) == [f"2611.0000{i}" for i in range(1, 5)]
    err = fails(2, "follow", "Jun Zhu", "--no-fetch", "--pick", "5")
    assert "2 people write as Jun Zhu here:" in err
    assert "Error: --pick takes a number from 1 to 2" in err


def test_not_like_and_category_refine_an_existing_follow(tmp_path: Path) -> None:
    store_with(tmp_path, namesakes())
    ok("follow", "Jun Zhu", "--no-fetch")
    ok("follow", "Jun Zhu", "--no-fetch", "--not-like", "2611.00001")
    assert sorted(following("--papers")[0]["paper_ids"]) == ["2611.00005", "2611.00006", "2611.00007"]
    ok("follow", "Jun Zhu", "--no-fetch", "--like", "2611.00001", "--category", "stat.ML")
    listed = following("--papers")[0]
    assert sorted(listed["paper_ids"]) == [f"2611.0000{i}" for i in range(1, 5)]
    assert listed["person"]["categories"] == ["stat.ML"]
    assert [f["kind"] for f in following()] == ["author"]  # --category with a name narrows it


def test_like_a_paper_without_the_name_names_its_authors(tmp_path: Path) -> None:
    store_with(tmp_path, namesakes())
    err = fails(2, "follow", "Jun Zhu", "--no-fetch", "--like", "2611.00008")
    assert err.strip() == "Error: 2611.00008 is not by Jun Zhu: its authors are Ada Lovelace"
    err = fails(2, "follow", "Jun Zhu", "--no-fetch", "--like", "2611.09999")
    assert err.strip().startswith("Error: 2611.09999 is not stored here")
    assert following() == []  # the follow this made is undone


def test_cards_say_which_coauthor_the_person_shares(tmp_path: Path) -> None:
    store_with(tmp_path, namesakes())
    ok("follow", "Jun Zhu", "--no-fetch", "--like", "2611.00001")
    rows = json.loads(ok("show", "2611.00002", "--format", "json"))
    reasons = json.dumps(rows)
    assert "by Jun Zhu (with Jianfei Chen)" in reasons


def test_a_new_paper_by_the_person_counts_and_a_namesakes_is_not_counted(tmp_path: Path) -> None:
    store_with(tmp_path, namesakes())
    ok("follow", "Jun Zhu", "--no-fetch", "--like", "2611.00001")
    store_with(
        tmp_path,
        [
            Item("2611.00010", "Topic models again", ["Jun Zhu", "Chongxuan Li"], ML),
            Item("2611.00011", "Top quark again", ["Jun Zhu", "Mark Spiro"], HEP),
        ],
        day="2026-11-21",
    )
    ids = following("--papers")[0]["paper_ids"]
    assert "2611.00010" in ids and "2611.00011" not in ids


def test_category_on_a_followed_person_narrows_it(tmp_path: Path) -> None:
    store_with(tmp_path, namesakes())
    ok("follow", "Jun Zhu", "--no-fetch")
    ok("follow", "Jun Zhu", "--no-fetch", "--category", "hep-ex")
    assert sorted(following("--papers")[0]["paper_ids"]) == ["2611.00005", "2611.00006", "2611.00007"]
    assert [f["kind"] for f in following()] == ["author"]


def test_search_author_alone_lists_the_followed_persons_papers_newest_first(tmp_path: Path) -> None:
    store_with(tmp_path, namesakes())
    store_with(
        tmp_path,
        [Item("2611.00012", "Top quark once more", ["Jun Zhu", "Mark Spiro"], HEP)],
        day="2026-11-22",
    )
    everyone = json.loads(ok("search", "--author", "Jun Zhu", "--format", "json"))
    assert len(everyone) == 8 and everyone[0]["id"] == "2611.00012"
    ok("follow", "Jun Zhu", "--no-fetch", "--like", "2611.00005")
    cards = json.loads(ok("search", "--author", "Jun Zhu", "--format", "json"))
    assert [c["id"] for c in cards][0] == "2611.00012"
    assert sorted(c["id"] for c in cards) == ["2611.00005", "2611.00006", "2611.00007", "2611.00012"]
    found = json.loads(ok("search", "topic", "--author", "Jun Zhu", "--format", "json"))
    assert found == [] or all(c["id"] in {"2611.00005", "2611.00006", "2611.00007"} for c in found)
    assert "search for at least one word" in fails(2, "search")


def test_export_and_mute_use_the_person_the_follow_chose(tmp_path: Path) -> None:
    store_with(tmp_path, namesakes())
    ok("follow", "Jun Zhu", "--no-fetch", "--like", "2611.00005")
    rows = [
        json.loads(line)
        for line in ok("export", "--follow", "Jun Zhu", "-f", "jsonl", "--since", "2026-01-01").splitlines()
    ]
    assert sorted(r["id"] for r in rows) == ["2611.00005", "2611.00006", "2611.00007"]
    ok("follow", "--no-fetch", "--category", "cs.LG")  # the other Jun Zhu's papers are on the cards
    today = [c["id"] for c in json.loads(ok("today", "--format", "json", "--since", "2026-01-01"))]
    assert "2611.00001" in today
    ok("mute", "--author", "Jun Zhu")
    after = [c["id"] for c in json.loads(ok("today", "--format", "json", "--since", "2026-01-01"))]
    assert "2611.00001" in after and "2611.00005" not in after


def test_brief_author_narrows_to_the_person(tmp_path: Path) -> None:
    store_with(tmp_path, namesakes())
    ok("follow", "Jun Zhu", "--no-fetch", "--like", "2611.00001")
    ok("follow", "--no-fetch", "--category", "hep-ex")
    result = run_radar("brief", "--since", "2026-11-01", "--offline", "--author", "Jun Zhu")
    assert result.returncode == 0, result.stderr
    assert "*4 papers" in result.stdout
    assert "2611.00005" not in result.stdout


def test_hide_offers_to_leave_out_a_namesake(tmp_path: Path) -> None:
    store_with(tmp_path, namesakes())
    ok("follow", "Jun Zhu", "--no-fetch")
    result = run_radar("hide", "2611.00005")
    assert result.returncode == 0, result.stderr
    assert 'radar follow "Jun Zhu" --not-like 2611.00005 leaves that person out' in result.stderr
    ok("follow", "Jun Zhu", "--no-fetch", "--like", "2611.00001")
    assert "--not-like" not in run_radar("hide", "2611.00002").stderr  # counted with Jianfei Chen


def test_a_very_common_name_is_grouped_on_its_newest_papers_saying_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import radar.people

    store_with(tmp_path, namesakes())
    monkeypatch.setattr(radar.people, "MAX_PAPERS", 5)
    result = run_radar("follow", "Jun Zhu", "--no-fetch")
    assert result.returncode == 0, result.stderr
    assert "(grouped on the newest 5 papers with the name)" in result.stderr


def test_a_liked_paper_older_than_the_newest_grouped_still_says_who_the_person_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import radar.people

    store_with(tmp_path, namesakes())
    monkeypatch.setattr(radar.people, "MAX_PAPERS", 3)  # the newest three: 2611.00005-7
    ok("follow", "Jun Zhu", "--no-fetch", "--like", "2611.00001")
    listed = following("--papers")[0]
    assert "2611.00001" in listed["paper_ids"]
    assert not {"2611.00005", "2611.00006", "2611.00007"} & set(listed["paper_ids"])
    found = json.loads(ok("search", "--author", "Jun Zhu", "--format", "json"))
    assert [p["id"] for p in found] == ["2611.00001"]


def test_a_follow_of_the_whole_name_reads_its_papers_from_its_matches(
    tmp_path: Path, radar_home: Path
) -> None:
    from radar.follows import list_follows, name_hits, stored_name_hits
    from radar.people import people_of_name
    from radar.store.connection import open_db

    items = [*namesakes(), Item("2611.00009", "Topic models at scale", ["J. Zhu", "Jianfei Chen"], ML)]
    store_with(tmp_path, items)
    ok("follow", "Jun Zhu", "--no-fetch")
    db = open_db(radar_home / "radar.db")
    (follow,) = list_follows(db)
    stored = stored_name_hits(db, follow)
    assert stored == name_hits(db, "Jun Zhu")
    assert stored is not None and stored["2611.00009"] == ("J. Zhu", "initial")
    assert people_of_name(db, "Jun Zhu", stored) == people_of_name(db, "Jun Zhu")
    ok("follow", "Jun Zhu", "--no-fetch", "--like", "2611.00005")
    (follow,) = list_follows(db)
    assert stored_name_hits(db, follow) is None  # a chosen person's matches are not the name's


def test_the_quick_spelling_filter_keeps_every_spelling_that_can_match() -> None:
    """follows._could_be leaves out, unparsed, the spellings that cannot be the person;
    it must never leave out one that can."""
    from radar.follows import _could_be
    from radar.names import match_strength, parse_name

    wanted = parse_name("Wei Wang")
    could_be = _could_be([wanted])
    spellings = [
        "Wei Wang",
        "W. Wang",
        "Wang, Wei",
        "Wei-Ming Wang",
        "W.-M. Wang",
        "Jun Wang",
        "J. W. Wang",
        "Wéi Wáng",
        "Wei  Wang",
        "WEI WANG",
        "Xiaowei Wang",
        "Wang, Jun",
    ]
    for name in spellings:
        if match_strength(wanted, parse_name(name)) is not None:
            assert could_be(name), name
    assert not could_be("Jun Wang") and not could_be("Xiaowei Wang") and not could_be("Wang, Jun")
