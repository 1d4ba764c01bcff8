"""The digest as one self-contained HTML page: `radar today --format html` and the
e-mail `radar send` delivers.

Rendered by Jinja2 with autoescaping on, so every string from arXiv or a feed is text
(a title of `<script>` shows as `<script>`). The page makes no request of its own (no
scripts, fonts or images, and a Content-Security-Policy that forbids them), carries its
styles inline, and follows the reader's light or dark preference. Nothing here prints.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from radar.model import Follow
from radar.rank import Card
from radar.text import one_line, safe_url


@dataclass
class Digest:
    """What a digest shows, whatever its format: the cards and what they were chosen from."""

    heading: str  # "radar · Friday 2026-11-20 · 12 papers matching your follows"
    window: str  # the window in words: "on Friday 2026-11-20"
    cards: list[Card]
    total: int  # cards in the whole selection (the page may show fewer)
    follows: list[Follow]
    footer: str = ""


def _label_class(label: str) -> str:
    if label == "CROSS-LIST":
        return " label-cross"
    if label.startswith("UPDATED"):
        return " label-updated"
    return ""


def card_view(card: Card) -> dict[str, Any]:
    """One card as plain strings for the template (which escapes them all)."""
    from radar.readable import readable
    from radar.render import card_date, card_source

    paper = card.paper
    followed = card.followed_authors
    return {
        "rank": card.rank,
        "source": card_source(paper),
        "date": card_date(paper),
        "label": card.label,
        "label_class": _label_class(card.label),
        "url": safe_url(paper.link),
        "title": readable(paper.title),
        "authors": [{"name": readable(a.name), "followed": a.name in followed} for a in paper.authors],
        "abstract": readable(paper.abstract),
        "why": "; ".join(one_line(m.reason) for m in card.reasons),
    }


def _environment() -> Any:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("radar", "templates"),
        autoescape=True,  # every template here is HTML: escape everything, always
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(digest: Digest) -> str:
    """The digest as one HTML page."""
    template = _environment().get_template("digest.html.j2")
    return template.render(
        title=one_line(digest.heading),
        heading=one_line(digest.heading),
        window=one_line(digest.window),
        total=digest.total,
        cards=[card_view(c) for c in digest.cards],
        follows=[{"kind": f.kind, "value": one_line(f.value)} for f in sorted_follows(digest.follows)],
        footer=one_line(digest.footer),
    )


def sorted_follows(follows: Sequence[Follow]) -> list[Follow]:
    order = {"author": 0, "category": 1, "topic": 2, "feed": 3}
    return sorted(follows, key=lambda f: (order.get(f.kind, 9), f.value.lower()))
