"""Follows that help: a person who matches nothing is not followed by mistake, a near
name is suggested, and one person is not followed twice."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import fails, ok, run_radar, store_with
from feeds import Item
from pytest_httpserver import HTTPServer
from test_fetch import Arxiv

from radar.names import edit_distance, fold

PEOPLE = [
    Item("2611.00001", authors=["Franz Gähler", "Alberto Torchinsky"]),
    Item("2611.00002", authors=["Franz Gähler", "Zed Zero"]),
    Item("2611.00003", authors=["Alberto Torchinsky"]),
    Item("2611.00004", authors=["Anna Gähler"]),
]


def follows() -> list[str]:
    return [f["value"] for f in json.loads(ok("following", "--format", "json"))]


def test_folding_and_distance() -> None:
    assert fold("Franz Gaehler") == fold("Franz Gähler") == "franz gahler"
    assert fold("Groß") == fold("Gross")
    assert edit_distance("torchinksy", "torchinsky") == 1  # two letters swapped
    assert edit_distance("kitten", "sitting") == 3
    assert edit_distance("a", "abcdefgh", limit=2) == 3


@pytest.mark.parametrize(
    ("typed", "meant", "papers"),
    [
        ("Alberto Torchinksy", "Alberto Torchinsky", "2 papers"),  # a typo
        ("Franz Gaehler", "Franz Gähler", "2 papers"),  # a transliteration
        ("Gähler Franz", "Franz Gähler", "2 papers"),  # surname first
        ("Torchinsky Alberto", "Alberto Torchinsky", "2 papers"),
    ],
)
def test_a_name_that_matches_nothing_is_not_followed_and_the_near_one_suggested(
    tmp_path: Path, typed: str, meant: str, papers: str
) -> None:
    store_with(tmp_path, PEOPLE)
    stderr = fails(1, "follow", "--no-fetch", typed)
    assert stderr.startswith(f"Error: not following {typed}: no stored paper matches it")
    assert "(arXiv was not asked: --no-fetch)" in stderr
    assert f'Did you mean "{meant}" ({papers})?' in stderr
    assert "--keep" in stderr and len(stderr.strip().splitlines()) == 1
    assert follows() == []


def test_keep_saves_it_and_still_suggests(tmp_path: Path) -> None:
    store_with(tmp_path, PEOPLE)
    result = run_radar("follow", "--no-fetch", "--keep", "Franz Gaehler")
    assert result.returncode == 0
    assert "Following author Franz Gaehler: 0 papers stored." in result.stderr
    assert 'Did you mean "Franz Gähler" (2 papers)? Kept (--keep).' in result.stderr
    assert follows() == ["Franz Gaehler"]


def test_no_one_near_says_so_without_a_guess(tmp_path: Path) -> None:
    store_with(tmp_path, PEOPLE)
    stderr = fails(1, "follow", "--no-fetch", "Nobody Atall")
    assert "Did you mean" not in stderr and "no stored paper matches it" in stderr
    # A different first name is another person, not a typo.
    assert "Did you mean" not in fails(1, "follow", "--no-fetch", "Maximilian Gähler")


def test_an_empty_store_cannot_judge_a_follow(tmp_path: Path) -> None:
    ok("follow", "--no-fetch", "Ada Lovelace")
    assert follows() == ["Ada Lovelace"]


def test_other_follows_of_the_command_are_kept(tmp_path: Path) -> None:
    store_with(tmp_path, PEOPLE)
    fails(1, "follow", "--no-fetch", "Franz Gaehler", "--category", "cs.LG")
    assert follows() == ["cs.LG"]


@pytest.fixture
def arxiv(httpserver: HTTPServer) -> Arxiv:
    return Arxiv(httpserver)


def test_says_when_arxiv_found_nothing_either(arxiv: Arxiv, tmp_path: Path) -> None:
    store_with(tmp_path, PEOPLE)
    result = run_radar("follow", "Alberto Torchinksy", env=arxiv.env)
    assert result.returncode == 1 and arxiv.api_requests()
    assert "arXiv found none from the last 12 months either" in result.stderr
    assert 'Did you mean "Alberto Torchinsky" (2 papers)?' in result.stderr
    assert follows() == []


def test_a_second_follow_of_one_person_is_refused_or_merged(tmp_path: Path) -> None:
    store_with(tmp_path, PEOPLE)
    ok("follow", "--no-fetch", "A. Torchinsky")
    stderr = fails(1, "follow", "--no-fetch", "Alberto Torchinsky")
    assert stderr == (
        'Error: "Alberto Torchinsky" can only be "A. Torchinsky", whom you follow already: '
        'radar follow --merge "Alberto Torchinsky" makes them one follow\n'
    )
    assert follows() == ["A. Torchinsky"]
    result = run_radar("follow", "--no-fetch", "--merge", "Alberto Torchinsky")
    assert result.returncode == 0
    assert "A. Torchinsky and Alberto Torchinsky are one follow now: Alberto Torchinsky." in result.stderr
    assert follows() == ["Alberto Torchinsky"]
    cards = json.loads(ok("today", "--format", "json"))
    assert sorted(c["id"] for c in cards) == ["2611.00001", "2611.00003"]
    assert all(len(c["reasons"]) == 1 for c in cards)  # one why, not two
    # The same person by initials again: merged into the fuller name, which stays.
    ok("follow", "--no-fetch", "--merge", "A Torchinsky")
    assert follows() == ["Alberto Torchinsky"]


def test_initials_that_fit_two_followed_people_are_no_duplicate(tmp_path: Path) -> None:
    store_with(tmp_path, PEOPLE)
    ok("follow", "--no-fetch", "Franz Gähler")
    ok("follow", "--no-fetch", "--keep", "Fritz Gähler")
    ok("follow", "--no-fetch", "F. Gähler")
    stderr = fails(1, "follow", "--no-fetch", "Franz Gaehler")  # no follow is that one
    assert "not following" in stderr
    assert follows() == ["Franz Gähler", "Fritz Gähler", "F. Gähler"]


def test_merge_mends_two_follows_made_before_duplicates_were_refused(tmp_path: Path) -> None:
    store_with(tmp_path, PEOPLE)
    ok("follow", "--no-fetch", "A. Torchinsky")
    # As an earlier radar allowed: the second follow of the same person, stored directly.
    from radar.follows import add_follow
    from radar.store import open_db

    db = open_db(tmp_path / "radar-home" / "radar.db")
    add_follow(db, "author", "Alberto Torchinsky")
    db.conn.close()
    assert follows() == ["A. Torchinsky", "Alberto Torchinsky"]
    result = run_radar("follow", "--no-fetch", "--merge", "A. Torchinsky")
    assert result.returncode == 0, result.stderr
    assert follows() == ["Alberto Torchinsky"]
    cards = json.loads(ok("today", "--format", "json"))
    assert all(len(c["reasons"]) == 1 for c in cards)


def test_namesakes_arxiv_returned_are_suggested(arxiv: Arxiv) -> None:
    arxiv.papers = [Item("2611.00009", authors=["Krishna Sharma"], published="2026-11-19T10:00:00Z")]
    result = run_radar("follow", "Krish Sharma", env=arxiv.env)
    assert result.returncode == 1
    assert 'Did you mean "Krishna Sharma" (1 paper on arXiv)?' in result.stderr
    assert follows() == []
