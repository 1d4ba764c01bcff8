"""Feedback you can see: radar feedback lists mutes and hides with dates, a mute says
what it takes from the people you follow, and show explains a paper's absence."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import ok, run_radar, store_with
from feeds import Item

PAPERS = [
    Item("2611.00001", title="Bandits [bold]with[/bold] friends", authors=["Alberto Torchinsky", "Some One"]),
    Item("2611.00002", title="Bandits alone", authors=["Alberto Torchinsky"]),
    Item("2611.00003", title="Prompt engineering for bandits", authors=["Alberto Torchinsky", "Bo Bee"]),
]


def today_ids() -> list[str]:
    return sorted(c["id"] for c in json.loads(ok("today", "--format", "json")))


def test_nothing_to_list() -> None:
    result = run_radar("feedback", "--format", "json")
    assert result.returncode == 0 and result.stdout == "[]\n" and "muted and hidden nothing" in result.stderr


def test_mutes_and_hides_are_listed_with_dates(tmp_path: Path) -> None:
    store_with(tmp_path, PAPERS)
    ok("mute", "--author", "Some One")
    ok("mute", "--topic", "prompt engineering")
    ok("hide", "2611.00002")
    entries = json.loads(ok("feedback", "--format", "json"))
    assert [(e["action"], e["kind"], e["value"]) for e in entries] == [
        ("mute", "topic", "prompt engineering"),
        ("mute", "author", "Some One"),
        ("hide", "paper", "2611.00002"),
    ]
    assert all(len(e["created_utc"]) >= 10 and e["created_utc"][:2] == "20" for e in entries)
    assert entries[2]["title"] == "Bandits alone"
    text = ok("feedback")
    assert "muted author" in text and "Some One" in text and '"prompt engineering"' in text
    assert "hidden paper" in text and "2611.00002  Bandits alone" in text
    ok("hide", "2611.00001")
    assert "Bandits [bold]with[/bold] friends" in ok("feedback")  # arXiv's text, never markup
    ok("unmute", "--author", "Some One")
    assert "Some One" not in ok("feedback")


def test_a_mute_says_what_it_takes_from_a_followed_person(tmp_path: Path) -> None:
    store_with(tmp_path, PAPERS)
    ok("follow", "--no-fetch", "Alberto Torchinsky")
    assert today_ids() == ["2611.00001", "2611.00002", "2611.00003"]
    result = run_radar("mute", "--author", "Some One")
    assert result.stderr == (
        "Muted author Some One.\n  This leaves out 1 paper by Alberto Torchinsky, whom you follow.\n"
    )
    result = run_radar("mute", "--topic", "prompt engineering")
    assert "This leaves out 1 paper by Alberto Torchinsky, whom you follow." in result.stderr
    assert today_ids() == ["2611.00002"]
    # A mute of someone no followed person wrote with says nothing more.
    assert run_radar("mute", "--author", "Zed Zero").stderr == "Muted author Zed Zero.\n"


def test_show_explains_an_absence(tmp_path: Path) -> None:
    store_with(tmp_path, PAPERS)
    ok("follow", "--no-fetch", "Alberto Torchinsky")
    ok("mute", "--author", "Some One")
    ok("hide", "2611.00002")
    text = ok("show", "2611.00001")
    assert "whom you follow" in text  # the follow still matches ...
    assert "Not on your cards: it is by Some One, whom you muted on 20" in text  # ... but the mute wins
    assert 'radar unmute --author "Some One"' in text
    assert "Not on your cards: you hid it on 20" in ok("show", "2611.00002")
    assert "Not on your cards" not in ok("show", "2611.00003")
    data = json.loads(ok("show", "2611.00001", "--format", "json"))
    assert len(data["left_out_because"]) == 1 and "Some One" in data["left_out_because"][0]
    assert json.loads(ok("show", "2611.00003", "--format", "json"))["left_out_because"] == []
