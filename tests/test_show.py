"""radar show: one stored paper, by any form of its id."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import fails, ok, run_radar, store_with
from feeds import Item


def test_show_accepts_every_id_form(tmp_path: Path) -> None:
    store_with(tmp_path, [Item("2611.00060", version=4, announce="replace")])
    for form in ("2611.00060", "2611.00060v4", "arXiv:2611.00060", "https://arxiv.org/abs/2611.00060v2"):
        assert "arXiv:2611.00060v4" in ok("show", form)
    data = json.loads(ok("show", "2611.00060", "--format", "json"))
    assert data["versions_seen"] == [4]


def test_unknown_id() -> None:
    assert "Error: 2511.05963 is not in the store" in fails(1, "show", "2511.05963")
    assert "Error: not an arXiv id" in fails(2, "show", "not-an-id")


def test_what_people_read_has_its_latex_decoded_everywhere_not_only_on_cards(tmp_path: Path) -> None:
    item = Item(
        "2611.00061", title=r"Koll\'ar's theorem on K\"ahler manifolds", abstract=r"A Gr\"obner basis."
    )
    store_with(tmp_path, [item])
    decoded = "Kollár's theorem on Kähler manifolds"
    shown = ok("show", "2611.00061")
    assert decoded in shown and "A Gröbner basis." in shown
    ok("star", "2611.00061")
    assert decoded in ok("stars")
    assert decoded in run_radar("follow", "--no-fetch", "--category", "cs.LG").stderr  # the preview
