"""Turning results into what people and programs read: Rich cards, JSON, Markdown.

Everything from arXiv is untrusted: it goes into Rich as `Text` (never parsed as
markup), into Markdown escaped, and into JSON as plain strings.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from rich.console import Console, Group
from rich.padding import Padding
from rich.text import Text

from radar.model import Follow, Match, Paper
from radar.rank import Card
from radar.readable import readable
from radar.store import iso
from radar.text import markdown_escape, one_line, safe_url

ABSTRACT_LINES = 3
INDENT = 4
LABEL_STYLE = {"NEW": "bold green", "CROSS-LIST": "bold cyan"}


def _label_style(label: str) -> str:
    return LABEL_STYLE.get(label, "bold yellow")


def card_date(paper: Paper) -> str:
    day = paper.listing_date
    return day.isoformat() if day else "undated"


def card_source(paper: Paper) -> str:
    if not paper.is_arxiv:
        return paper.source_name or "feed"
    return f"arXiv ({paper.primary_category})" if paper.primary_category else "arXiv"


def _authors_text(paper: Paper, highlight: set[str], limit: int | None = 12) -> Text:
    text = Text()
    names = paper.authors if limit is None else paper.authors[:limit]
    for i, author in enumerate(names):
        if i:
            text.append(", ")
        name = readable(author.name)
        text.append(name, style="bold magenta" if author.name in highlight else "")
    if limit is not None and len(paper.authors) > limit:
        text.append(f", … (+{len(paper.authors) - limit} more)", style="dim")
    return text


def _trim(text: str, width: int, lines: int) -> str:
    budget = max(40, width * lines)
    if len(text) <= budget:
        return text
    cut = text[: budget - 1].rsplit(" ", 1)[0]
    return cut + "…"


def pdf_url(paper: Paper) -> str | None:
    """The PDF of the version on the card (arXiv papers; a feed gives none)."""
    return f"https://arxiv.org/pdf/{paper.id}v{paper.version}" if paper.is_arxiv else None


def _links(paper: Paper) -> Text:
    """The abstract page and the PDF; on a terminal that supports it, each a hyperlink."""
    link = Text(paper.link, style=f"blue link {safe_url(paper.link)}")
    pdf = pdf_url(paper)
    if pdf:
        link.append(" · ")
        link.append("PDF", style=f"blue link {pdf}")
    return link


def card_lines(card: Card, width: int, full: bool = False) -> list[Text]:
    """The card's lines: a head line, then the indented body."""
    paper = card.paper
    head = Text()
    head.append(f"{card.rank:02d}. ", style="bold")
    head.append(f"{card_source(paper)} · {card_date(paper)} · ")
    head.append(card.label, style=_label_style(card.label))
    if card.in_library:
        head.append(" · in your library", style="bold")
    title = Text(readable(paper.title), style="bold")
    authors = _authors_text(paper, card.followed_authors, None if full else 12)
    abstract = readable(paper.abstract)
    body = Text(abstract if full else _trim(abstract, width - INDENT, ABSTRACT_LINES))
    lines: list[Text] = [head, title, authors, body, _links(paper)]
    said = _why(card)
    if said:
        why = Text("why: ", style="dim")
        why.append("; ".join(said), style="italic")
        lines.append(why)
    return lines


def _why(card: Card) -> list[str]:
    """Why the card is here and where: its follows, stars and hides, then relevance."""
    return [one_line(m.reason) for m in card.reasons] + [one_line(r) for r in card.relevance_reasons]


def print_cards(
    console: Console, cards: Sequence[Card], heading: str, footer: str | None, full: bool = False
) -> None:
    # One print call for the whole page: Rich's per-call overhead dominates otherwise.
    items: list[Any] = [Text(heading, style="bold underline"), Text()]
    for card in cards:
        head, *body = card_lines(card, console.width, full)
        items.append(head)
        if console.is_terminal:
            # On a terminal, wrapped lines keep the card's indent.
            items.append(Padding(Group(*body), (0, 0, 0, INDENT), expand=False))
        else:
            # In a pipe or file: one line per field, no padding, no hard wraps.
            items.extend(Text(" " * INDENT) + line for line in body)
        items.append(Text())
    if footer:
        items.append(Text(footer, style="dim"))
    console.print(Group(*items))


def paper_dict(paper: Paper) -> dict[str, Any]:
    return {
        "id": paper.id,
        "version": paper.version,
        "title": paper.title,
        "authors": [a.name for a in paper.authors],
        "affiliations": {a.name: a.affiliations for a in paper.authors if a.affiliations},
        "abstract": paper.abstract,
        "primary_category": paper.primary_category,
        "categories": paper.categories,
        "published": iso(paper.published),
        "updated": iso(paper.updated),
        "announce_type": paper.announce_type,
        "announced": paper.announced.isoformat() if paper.announced else None,
        "comment": paper.comment,
        "journal_ref": paper.journal_ref,
        "doi": paper.doi,
        "url": paper.link,
        "pdf_url": pdf_url(paper),
    }


def _reason_dict(m: Match) -> dict[str, Any]:
    return {"follow": m.value, "kind": m.kind, "strength": m.strength, "reason": m.reason}


def card_dict(card: Card) -> dict[str, Any]:
    return {
        "rank": card.rank,
        **paper_dict(card.paper),
        "label": card.label,
        "score": round(card.score, 3),
        "reasons": [_reason_dict(m) for m in card.reasons],
        "relevance": None if card.relevance is None else round(card.relevance, 4),
        "relevance_reasons": card.relevance_reasons,
        "suggested": card.suggested,
        "in_library": card.in_library,
    }


def to_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


def cards_markdown(cards: Sequence[Card], heading: str, full: bool = False) -> str:
    lines = [f"# {markdown_escape(heading)}", ""]
    for card in cards:
        paper = card.paper
        lines.append(
            f"## {card.rank:02d}. [{markdown_escape(readable(paper.title))}]({safe_url(paper.link)})"
        )
        lines.append("")
        pdf = pdf_url(paper)
        mark = " · in your library" if card.in_library else ""
        lines.append(
            f"*{markdown_escape(card_source(paper))} · {card_date(paper)} · {card.label}{mark}*"
            + (f" · [PDF]({safe_url(pdf)})" if pdf else "")
            + "  "
        )
        followed = card.followed_authors
        names = [
            f"**{markdown_escape(readable(a.name))}**"
            if a.name in followed
            else markdown_escape(readable(a.name))
            for a in paper.authors
        ]
        lines.append(", ".join(names) + "  ")
        abstract = readable(paper.abstract)
        lines.append("")
        lines.append(markdown_escape(abstract if full else _trim(abstract, 100, ABSTRACT_LINES)))
        said = _why(card)
        if said:
            lines.append("")
            lines.append("Why: " + "; ".join(markdown_escape(r) for r in said))
        lines.append("")
    return "\n".join(lines)


def print_paper(console: Console, paper: Paper, reasons: list[Match], versions: list[dict[str, Any]]) -> None:
    head = Text()
    head.append(f"arXiv:{paper.id}v{paper.version}" if paper.is_arxiv else paper.id, style="bold")
    head.append(f" · {card_source(paper)} · {card_date(paper)}")
    if paper.announce_type:
        head.append(f" · {paper.announce_type}")
    console.print(head)
    console.print(Text(readable(paper.title), style="bold"))
    highlight = {m.matched_name for m in reasons if m.matched_name}
    console.print(_authors_text(paper, highlight, None))
    for author in paper.authors:
        if author.affiliations:
            console.print(
                Text(
                    f"  {readable(author.name)}: {one_line('; '.join(author.affiliations))}",
                    style="dim",
                )
            )
    console.print()
    console.print(Text(readable(paper.abstract)))
    console.print()
    facts = [
        ("categories", ", ".join(paper.categories)),
        ("submitted (v1)", iso(paper.published) or ""),
        ("this version", iso(paper.updated) or ""),
        ("versions seen", ", ".join(f"v{v['version']}" for v in versions)),
        ("comment", one_line(paper.comment)),
        ("journal ref", one_line(paper.journal_ref)),
        ("doi", one_line(paper.doi)),
        ("url", paper.link),
    ]
    for name, value in facts:
        if value:
            line = Text(f"{name:>15}: ", style="dim")
            line.append(value)
            console.print(line)
    if reasons:
        line = Text(f"{'why':>15}: ", style="dim")
        line.append("; ".join(one_line(m.reason) for m in reasons), style="italic")
        console.print(line)


def print_relevance(console: Console, why: Any) -> None:
    """The interest model's view of a paper (a relevance.Explained), under `radar show`."""
    if why.in_library:
        console.print(Text(f"{'library':>15}: in your library", style="dim"))
    if why.relevance is None:
        return
    line = Text(f"{'relevance':>15}: ", style="dim")
    sign = "liked" if why.relevance > 0 else "not among what you like"
    line.append(f"{why.relevance:+.3f} ({sign})")
    console.print(line)
    for reason in why.reasons:
        console.print(Text(f"{'':>15}  {one_line(reason)}", style="italic"))
    if why.model:
        nouns = {  # kind: (one, several)
            "star": ("starred paper", "starred papers"),
            "hide": ("hidden paper", "hidden papers"),
            "library": ("library entry", "library entries"),
            "author": ("paper by a followed author", "papers by followed authors"),
            "topic": ("followed topic", "followed topics"),
        }
        learned = ", ".join(
            f"{n:,} {nouns.get(kind, (kind, kind))[n != 1]}"
            for kind, n in sorted(why.model["signals"].items())
        )
        console.print(
            Text(
                f"{'model':>15}: {why.model['recipe']}; trained {why.model['trained']} on {learned}",
                style="dim",
            )
        )


def print_follows(console: Console, follows: Sequence[Follow], people: dict[int, str] | None = None) -> None:
    """`people`: for a person follow that means one of several namesakes, who (follow id
    -> "cs.LG, with Jianfei Chen")."""
    from rich.table import Table

    table = Table(show_edge=False, header_style="bold")
    table.add_column("kind")
    table.add_column("follow")
    table.add_column("papers stored", justify="right")
    for f in follows:
        who = (people or {}).get(f.id)
        table.add_row(f.kind, Text(f"{f.value} ({who})" if who else f.value), str(f.papers))
    console.print(table)


def follow_dict(f: Follow) -> dict[str, Any]:
    return {"kind": f.kind, "value": f.value, "papers": f.papers, "since": f.created_utc}
